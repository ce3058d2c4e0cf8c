"""Schema axioms belong in ``ontology/``: a data file that states one is refused.

The reasoners generate their rules from the ontology; an axiom that arrives with the data
(a property chain, a new subclass, a transitive property...) changes what everything else
entails, can make the closure explode (a 6.8 KB data file with a self-referential property
chain took minutes), and escapes the review the ontology gets. So a *data file* (one of
``data/*.ttl``, or a file given to ``kg validate`` / ``kg add``) must not state one:
``SchemaInDataError`` (exit 2) names the file and the first offending triple.

The rule, on the triples as written (no inference):

* **Refused predicates** (``SCHEMA_PREDICATES``): ``rdfs:subClassOf``,
  ``rdfs:subPropertyOf``, ``rdfs:domain``, ``rdfs:range``; ``owl:equivalentClass``,
  ``owl:equivalentProperty``, ``owl:inverseOf``, ``owl:propertyChainAxiom``,
  ``owl:disjointWith``, ``owl:propertyDisjointWith``, ``owl:disjointUnionOf``,
  ``owl:hasKey``; the class constructors ``owl:intersectionOf``, ``owl:unionOf``,
  ``owl:complementOf``, ``owl:oneOf``; the restriction vocabulary ``owl:onProperty``,
  ``owl:onProperties``, ``owl:someValuesFrom``, ``owl:allValuesFrom``, ``owl:hasValue``,
  ``owl:hasSelf``, ``owl:(min|max)(Qualified)Cardinality``, ``owl:(qualified)Cardinality``,
  ``owl:onClass``, ``owl:onDataRange``; the datatype definitions ``owl:onDatatype``,
  ``owl:withRestrictions``, ``owl:datatypeComplementOf``; and ``owl:members`` except on an
  ``owl:AllDifferent`` (where it lists individuals).
* **Refused types** (``rdf:type`` objects, ``SCHEMA_TYPES``): ``owl:Restriction``,
  ``owl:TransitiveProperty``, ``owl:SymmetricProperty``, ``owl:AsymmetricProperty``,
  ``owl:ReflexiveProperty``, ``owl:IrreflexiveProperty``, ``owl:FunctionalProperty``,
  ``owl:InverseFunctionalProperty``, ``owl:AllDisjointClasses``,
  ``owl:AllDisjointProperties``.
* **Allowed**: everything about individuals (types, property values, ``owl:sameAs``,
  ``owl:differentFrom``, ``owl:AllDifferent``, negative property assertions) and the
  declarations and annotations that entail nothing new: ``a owl:Class`` /
  ``rdfs:Class`` / ``owl:ObjectProperty`` / ``owl:DatatypeProperty`` /
  ``owl:AnnotationProperty`` / ``rdf:Property`` / ``owl:NamedIndividual`` /
  ``rdfs:Datatype``, ``rdfs:label``, ``rdfs:comment``, ``skos:*``, ``owl:imports``... A
  declared but undefined term is what the ``term-without-definition`` check reports.
  ``owl:sameAs`` is data: a long ``sameAs`` chain is not refused here, the reasoning
  budget (``kg.engine.reference.reason.Budget``) stops it.

Not caught: an alias the *ontology* defines for a schema predicate (``ex:p
rdfs:subPropertyOf rdfs:subClassOf``) used in the data; the ontology is reviewed.

This module imports only the standard library and pyoxigraph (through kg.rdf.io).

Layer: kg.project; imports kg.rdf and the base only.
"""
from __future__ import annotations

from kg.rdf.vocab import OWL, RDF, RDFS

import re
from pathlib import Path

from kg.config import DEFAULT_MAX_NESTING
from kg.errors import SchemaInDataError


SCHEMA_PREDICATES = frozenset(
    [RDFS + p for p in ("subClassOf", "subPropertyOf", "domain", "range")]
    + [OWL + p for p in (
        "equivalentClass", "equivalentProperty", "inverseOf", "propertyChainAxiom", "disjointWith",
        "propertyDisjointWith", "disjointUnionOf", "hasKey", "intersectionOf", "unionOf", "complementOf",
        "oneOf", "onProperty", "onProperties", "someValuesFrom", "allValuesFrom", "hasValue", "hasSelf",
        "cardinality", "minCardinality", "maxCardinality", "qualifiedCardinality",
        "minQualifiedCardinality", "maxQualifiedCardinality", "onClass", "onDataRange", "onDatatype",
        "withRestrictions", "datatypeComplementOf")])
SCHEMA_TYPES = frozenset(OWL + t for t in (
    "Restriction", "TransitiveProperty", "SymmetricProperty", "AsymmetricProperty", "ReflexiveProperty",
    "IrreflexiveProperty", "FunctionalProperty", "InverseFunctionalProperty", "AllDisjointClasses",
    "AllDisjointProperties"))
MEMBERS, ALL_DIFFERENT, TYPE = OWL + "members", OWL + "AllDifferent", RDF + "type"

#: A file whose bytes match none of these cannot state a refused triple, so it is not parsed:
#: the local names right after what can precede them in some syntax (``#`` of a full IRI,
#: ``:`` of a prefixed name or XML qname, a quote of a JSON-LD key, ``<`` of an XML element)
#: and the escapes that could spell them (``\\u`` in IRIs and JSON strings, ``&#`` in XML).
_NEEDLES = sorted({t.rsplit("#", 1)[1] for t in SCHEMA_PREDICATES | SCHEMA_TYPES} | {"members"})
_PREFILTER = re.compile(rb"[#:\"'<](?:" + b"|".join(n.encode() for n in _NEEDLES) + rb")"
                        rb"|\\[uU]|&#")
#: The data dir's own files over this size that passed are remembered (by the SHA-256 of the
#: rule and of their bytes) under ``$KG_CACHE_DIR/schemacheck/``: the scan costs about 45 ms
#: per MB, hashing a tenth of that.
MEMO_BYTES = 1_000_000
_RULE = "\n".join(sorted(SCHEMA_PREDICATES | SCHEMA_TYPES) + [MEMBERS, ALL_DIFFERENT]).encode()

HINT = "move the axiom to a file in ontology/ (reviewed, and where the reasoner's rules come from); " \
       "data files state facts about individuals"


def _value(term) -> str:
    """IRI (or lexical) text of an rdflib term (a str) or a pyoxigraph term (``.value``)."""
    return str(term) if isinstance(term, str) else str(getattr(term, "value", term))


def first_schema_axiom(triples):
    """The first (subject, predicate, object) of ``triples`` that is a schema axiom, or None.

    ``triples``: (s, p, o) of rdflib or pyoxigraph terms (or pyoxigraph Quads). The order
    is the input order, so the message names the first offending triple of the file.
    """
    members = []
    all_different = set()
    for t in triples:
        if hasattr(t, "subject"):
            s, p, o = t.subject, t.predicate, t.object
        else:
            s, p, o = t
        pred = _value(p)
        if pred in SCHEMA_PREDICATES:
            return s, p, o
        if pred == TYPE:
            obj = _value(o)
            if obj in SCHEMA_TYPES:
                return s, p, o
            if obj == ALL_DIFFERENT:
                all_different.add(str(s))
        elif pred == MEMBERS:
            members.append((s, p, o))
    for s, p, o in members:
        if str(s) not in all_different:
            return s, p, o
    return None


def describe(term) -> str:
    """A term for a message: a prefixed name when known, "a blank node" for a blank node."""
    from kg.rdf.vocab import shorten

    if type(term).__name__ in ("BNode", "BlankNode"):
        return "a blank node"
    if type(term).__name__ == "Literal":
        return f'"{_value(term)}"'
    return shorten(_value(term))


def refuse(label: str, triple, *, path=None) -> None:
    s, p, o = triple
    raise SchemaInDataError(
        f"{label}: states a schema axiom ({describe(s)} {describe(p)} {describe(o)}); "
        "schema axioms belong in ontology/, not in data files", path=path, triple=triple, hint=HINT)


def check_triples(triples, label: str, *, path=None) -> None:
    """Raise SchemaInDataError naming ``label`` if ``triples`` hold a schema axiom."""
    found = first_schema_axiom(triples)
    if found is not None:
        refuse(label, found, path=path)


def check_file(path, *, label: str | None = None, max_bytes: int | None = None, memo_dir: Path | None = None,
               max_nesting: int = DEFAULT_MAX_NESTING) -> None:
    """Check one local RDF file (any format kg.rdf.io reads); cheap when no schema term occurs.

    ``memo_dir``: remember there a large file that passed (the data dir's own files; see
    MEMO_BYTES; kg.ops passes the cache dir). Raises SchemaInDataError, or
    ParseError / InputError as kg.rdf.io does.
    """
    from kg.rdf.io import format_name, parse_quads, read_bytes

    path = Path(path)
    format_name(path)  # unknown extension: InputError before reading
    data = read_bytes(path, max_bytes)
    marker = _marker(data, memo_dir) if memo_dir is not None and len(data) > MEMO_BYTES else None
    if marker is not None and marker.is_file():
        return
    if _PREFILTER.search(data):
        check_triples(parse_quads(path, max_bytes=max_bytes, max_nesting=max_nesting), label or str(path), path=path)
    if marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass


def _marker(data: bytes, memo_dir: Path) -> Path:
    import hashlib

    digest = hashlib.sha256(_RULE + b"\0" + data).hexdigest()
    return Path(memo_dir) / "schemacheck" / digest[:40]


def check_inputs(data_dir, files=(), *, skip=(), memo_dir: Path | None = None, max_bytes: int | None = None,
                 max_nesting: int = DEFAULT_MAX_NESTING) -> None:
    """Check every ``data/*.ttl`` file of ``data_dir`` (but ``skip``) and the extra ``files``
    (``kg validate FILE``, ``kg add FILE``: at most ``max_bytes``); raise SchemaInDataError
    for the first offender. ``memo_dir``: where large files that passed are remembered
    (kg.config.Settings.cache_dir; None: nowhere)."""
    from kg.rdf.io import UNLIMITED

    skipped = {Path(p).resolve() for p in skip}
    for path in [Path(f) for f in files]:
        check_file(path, max_bytes=max_bytes, max_nesting=max_nesting)
    for path in data_dir.data_files():
        if path.resolve() not in skipped:
            check_file(path, label=data_dir.relpath(path), max_bytes=UNLIMITED, memo_dir=memo_dir,
                       max_nesting=max_nesting)


def check_dataset(dataset, *, prefix: str | None = None) -> None:
    """Check the data graphs (``urn:kg:file:data/...``) of a loaded rdflib Dataset."""
    from kg.rdf.vocab import FILE_GRAPH_PREFIX

    prefix = prefix or FILE_GRAPH_PREFIX + "data/"
    for context in sorted(dataset.graphs(), key=lambda c: str(c.identifier)):
        name = str(context.identifier)
        if name.startswith(prefix):
            check_triples(context, name[len(FILE_GRAPH_PREFIX):])


def check_store(store, graphs: dict) -> None:
    """Check named graphs of a pyoxigraph store (``graphs``: graph IRI -> label for the message)."""
    import pyoxigraph as ox

    if not graphs:
        return
    preds = " ".join(f"<{p}>" for p in sorted(SCHEMA_PREDICATES))
    types = " ".join(f"<{t}>" for t in sorted(SCHEMA_TYPES))
    query = ("SELECT ?s ?p ?o WHERE { { VALUES ?p { %s } ?s ?p ?o } UNION "
             "{ VALUES ?o { %s } ?s <%s> ?o BIND(<%s> AS ?p) } UNION "
             "{ ?s <%s> ?o FILTER NOT EXISTS { ?s <%s> <%s> } BIND(<%s> AS ?p) } } LIMIT 1"
             % (preds, types, TYPE, TYPE, MEMBERS, TYPE, ALL_DIFFERENT, MEMBERS))
    for name, label in sorted(graphs.items(), key=lambda item: item[1]):
        for row in store.query(query, default_graph=[ox.NamedNode(name)]):
            refuse(label, (row["s"], row["p"], row["o"]))
