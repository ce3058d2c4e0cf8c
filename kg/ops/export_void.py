"""The VoID + DCAT description every export carries (graph ``urn:kg:void``), deterministic: no timestamps.

Layer: kg.ops. Imports kg.rdf.vocab and pyoxigraph only.

The description needs a few counts over the exported triples; :class:`VoidCounts` gathers
them one triple at a time from N-Triples term texts, so the streaming writers
(kg.ops.export_stream) and the in-memory ones (kg.ops.export) count the same way.
"""
from __future__ import annotations

from kg.rdf.vocab import DATASET_IRI, DCTERMS, KG, MQM, ONTOLOGY_IRI, PREFIXES, RDF_TYPE, XSD_INTEGER, shorten

DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"

_TYPE = f"<{RDF_TYPE}>".encode()
_ARTICLE = f"<{MQM}Article>".encode()
_ONTOLOGY = f"<{ONTOLOGY_IRI}>".encode()
_LICENSE = f"<{DCTERMS}license>".encode()
_ENTITY_START = f"<{KG}".encode()


class VoidCounts:
    """What the description says about the exported triples, counted one distinct triple
    at a time (:meth:`add`; the caller passes each triple of the union once) plus the
    number of triples of each graph (:attr:`graph_sizes`, set by the caller)."""

    def __init__(self):
        self.triples = 0
        self.articles: set[bytes] = set()
        self.entities: set[bytes] = set()
        self.class_sizes: dict[bytes, int] = {}
        self.licenses: list[bytes] = []
        self.graph_sizes: dict[str, int] = {}

    #: The predicates whose triples :meth:`add` looks into; the others it only counts.
    COUNTED_PREDICATES = (_TYPE, _LICENSE)

    def add(self, subject: bytes, predicate: bytes, obj: bytes) -> None:
        """Count one triple, its terms in N-Triples form (``<iri>``, ``_:b``, ``"lit"``)."""
        self.triples += 1
        if predicate == _TYPE:
            if obj == _ARTICLE:
                self.articles.add(subject)
            if subject.startswith(_ENTITY_START):
                self.entities.add(subject)
                if obj.startswith(b"<") and not obj.startswith(b"<<"):  # an IRI, not a triple term
                    self.class_sizes[obj] = self.class_sizes.get(obj, 0) + 1
        elif predicate == _LICENSE and subject == _ONTOLOGY:
            self.licenses.append(obj)

    def add_others(self, n: int) -> None:
        """Count ``n`` triples whose predicate is none of COUNTED_PREDICATES."""
        self.triples += n


def counts_of(graphs: dict) -> VoidCounts:
    """The VoidCounts of ``{graph IRI: pyoxigraph Triples}``."""
    counts = VoidCounts()
    union = set()
    for name, triples in graphs.items():
        union.update(triples)
        counts.graph_sizes[name] = len(triples)
    for t in union:
        counts.add(str(t.subject).encode(), str(t.predicate).encode(), str(t.object).encode())
    return counts


def void_triples(graphs: dict, *, inferred: bool) -> list:
    """The description (pyoxigraph Triples) of ``{graph IRI: pyoxigraph Triples}``."""
    return description(counts_of(graphs), inferred=inferred)


def description(counts: VoidCounts, *, inferred: bool) -> list:
    """The VoID + DCAT description (pyoxigraph Triples) that ``counts`` make."""
    import pyoxigraph as ox

    from kg import __version__

    void, dcat = PREFIXES["void"], PREFIXES["dcat"]
    iri, ds = ox.NamedNode, ox.NamedNode(DATASET_IRI)

    def integer(n: int):
        return ox.Literal(str(n), datatype=iri(XSD_INTEGER))

    out = [ox.Triple(ds, iri(RDF_TYPE), iri(void + "Dataset")),
           ox.Triple(ds, iri(RDF_TYPE), iri(dcat + "Dataset")),
           ox.Triple(ds, iri(DCTERMS + "title"), ox.Literal("MQM knowledge graph", language="en")),
           ox.Triple(ds, iri(DCTERMS + "description"), ox.Literal(
               "Karachi's Muttahida Qaumi Movement (MQM) and its splinters: organisations, people, posts, "
               "memberships, defections, talks, allegations and denials, each fact with its reports "
               "(article, speaker, verbatim quote, epistemic status), transcribed from five news articles."
               + (" Includes the OWL 2 RL inferences (graph urn:kg:inferred)." if inferred else
                  " Asserted triples only."), language="en"))]
    licenses = sorted(counts.licenses)
    out.append(ox.Triple(ds, iri(DCTERMS + "license"), _term(licenses[0]) if licenses else iri(DEFAULT_LICENSE)))
    out.append(ox.Triple(ds, iri(DCTERMS + "hasVersion"), ox.Literal(__version__)))
    out.append(ox.Triple(ds, iri(void + "uriSpace"), ox.Literal(KG)))
    out.append(ox.Triple(ds, iri(void + "vocabulary"), iri(MQM)))
    for prefix in ("org", "prov", "time", "skos", "foaf", "dcterms"):
        out.append(ox.Triple(ds, iri(void + "vocabulary"), iri(PREFIXES[prefix])))
    out.append(ox.Triple(ds, iri(void + "triples"), integer(counts.triples)))
    for article in sorted(counts.articles):
        out.append(ox.Triple(ds, iri(DCTERMS + "source"), _term(article)))
    out.append(ox.Triple(ds, iri(void + "entities"), integer(len(counts.entities))))
    for token, size in sorted(counts.class_sizes.items()):
        cls = _term(token).value
        partition = iri(f"{DATASET_IRI}/class/{_slug(cls)}")
        out.append(ox.Triple(ds, iri(void + "classPartition"), partition))
        out.append(ox.Triple(partition, iri(void + "class"), iri(cls)))
        out.append(ox.Triple(partition, iri(void + "entities"), integer(size)))
    for name, size in counts.graph_sizes.items():
        subset = iri(name)
        out.append(ox.Triple(ds, iri(void + "subset"), subset))
        out.append(ox.Triple(subset, iri(RDF_TYPE), iri(void + "Dataset")))
        out.append(ox.Triple(subset, iri(void + "triples"), integer(size)))
    return out


def _term(token: bytes):
    """The pyoxigraph term an N-Triples term text writes."""
    import pyoxigraph as ox

    triple = next(iter(ox.parse(b"<urn:x:s> <urn:x:p> " + token + b" .\n", format=ox.RdfFormat.N_TRIPLES)))
    return triple.object


def _slug(iri: str) -> str:
    short = shorten(iri)
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in short)
