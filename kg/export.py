"""Deterministic export of the KG: same input, byte-identical output, in any process.

Formats: ``turtle`` (rdflib longturtle), ``nt`` (sorted lines), ``trig`` and ``nquads``
(named graphs kept, sorted), ``json-ld`` (keys and node arrays sorted) and ``xml``
(RDF/XML). Asserted graphs only by default; ``inferred=True`` adds ``urn:kg:inferred``.
The shapes file is not part of the export. Blank nodes (only the ontology has them:
restrictions, lists, owl:AllDifferent) get stable labels through rdflib's
canonicalisation (``rdflib.compare.to_canonical_graph``). Every export carries a
VoID/DCAT description of itself in the graph ``urn:kg:void``.
"""
from __future__ import annotations

import json

from kg.errors import OutputError
from kg.paths import DataDir
from kg.prefixes import (DATASET_IRI, FILE_GRAPH_PREFIX, INFERRED_GRAPH, KG, MQM, ONTOLOGY_IRI,
                         PREFIXES, VOID_GRAPH)

FORMATS = ("turtle", "nt", "trig", "nquads", "json-ld", "xml")
EXTENSIONS = {"turtle": ".ttl", "nt": ".nt", "trig": ".trig", "nquads": ".nq",
              "json-ld": ".jsonld", "xml": ".rdf"}
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"


def export_graphs(data_dir: DataDir, *, inferred: bool = False, progress=None) -> dict:
    """``{graph IRI: rdflib Graph}`` to export (canonical blank nodes), VoID graph included."""
    from rdflib import Graph, URIRef
    from rdflib.compare import to_canonical_graph

    from kg.cache import ensure_cache
    from kg.load import bind_prefixes, is_shapes_graph
    from kg.queries import cached_rdflib_dataset

    entry = ensure_cache(data_dir, progress=progress)
    dataset = cached_rdflib_dataset(entry)
    graphs: dict[str, Graph] = {}
    for context in dataset.graphs():
        name = str(context.identifier)
        keep = (name.startswith(FILE_GRAPH_PREFIX) and not is_shapes_graph(name)) or \
            (inferred and name == INFERRED_GRAPH)
        if not keep or not len(context):
            continue
        graph = Graph()
        for triple in context:
            graph.add(triple)
        if _has_bnodes(graph):
            graph = Graph() + to_canonical_graph(graph)
        bind_prefixes(graph)
        graphs[name] = graph
    graphs[VOID_GRAPH] = void_description(graphs, inferred=inferred)
    return {name: graphs[name] for name in sorted(graphs, key=_graph_order)}


def _graph_order(name: str):
    return (name == VOID_GRAPH, name == INFERRED_GRAPH, name)


def _has_bnodes(graph) -> bool:
    from rdflib import BNode

    return any(isinstance(s, BNode) or isinstance(o, BNode) for s, _, o in graph)


def void_description(graphs: dict, *, inferred: bool):
    """VoID + DCAT description of the exported graphs (deterministic: no timestamps)."""
    from rdflib import RDF, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, XSD

    from kg import __version__
    from kg.load import bind_prefixes

    VOID = Namespace(PREFIXES["void"])
    DCAT = Namespace(PREFIXES["dcat"])
    union = Graph()
    for graph in graphs.values():
        union += graph
    ds = URIRef(DATASET_IRI)
    void = Graph()
    bind_prefixes(void)
    void.add((ds, RDF.type, VOID.Dataset))
    void.add((ds, RDF.type, DCAT.Dataset))
    void.add((ds, DCTERMS.title, Literal("MQM knowledge graph", lang="en")))
    void.add((ds, DCTERMS.description, Literal(
        "Karachi's Muttahida Qaumi Movement (MQM) and its splinters: organisations, people, posts, "
        "memberships, defections, talks, allegations and denials, each fact with its reports "
        "(article, speaker, verbatim quote, epistemic status), transcribed from five news articles."
        + (" Includes the OWL 2 RL inferences (graph urn:kg:inferred)." if inferred else
           " Asserted triples only."), lang="en")))
    license_iri = union.value(URIRef(ONTOLOGY_IRI), DCTERMS.license) or URIRef(DEFAULT_LICENSE)
    void.add((ds, DCTERMS.license, license_iri))
    void.add((ds, DCTERMS.hasVersion, Literal(__version__)))
    void.add((ds, VOID.uriSpace, Literal(KG)))
    void.add((ds, VOID.vocabulary, URIRef(MQM)))
    for prefix in ("org", "prov", "time", "skos", "foaf", "dcterms"):
        void.add((ds, VOID.vocabulary, URIRef(PREFIXES[prefix])))
    void.add((ds, VOID.triples, Literal(len(union), datatype=XSD.integer)))
    for article in sorted(union.subjects(RDF.type, URIRef(MQM + "Article"))):
        void.add((ds, DCTERMS.source, article))
    entities = {s for s in union.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(KG)}
    void.add((ds, VOID.entities, Literal(len(entities), datatype=XSD.integer)))
    by_class: dict = {}
    for s, o in union.subject_objects(RDF.type):
        if s in entities and isinstance(o, URIRef):
            by_class.setdefault(o, set()).add(s)
    for cls in sorted(by_class):
        partition = URIRef(f"{DATASET_IRI}/class/{_slug(str(cls))}")
        void.add((ds, VOID.classPartition, partition))
        void.add((partition, VOID["class"], cls))
        void.add((partition, VOID.entities, Literal(len(by_class[cls]), datatype=XSD.integer)))
    for name, graph in graphs.items():
        subset = URIRef(name)
        void.add((ds, VOID.subset, subset))
        void.add((subset, RDF.type, VOID.Dataset))
        void.add((subset, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
    return void


def _slug(iri: str) -> str:
    from kg.prefixes import shorten

    short = shorten(iri)
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in short)


def export(data_dir: DataDir, fmt: str = "turtle", *, inferred: bool = False, progress=None) -> bytes:
    """The KG serialised in ``fmt`` (see FORMATS), as bytes."""
    if fmt not in FORMATS:
        raise OutputError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    graphs = export_graphs(data_dir, inferred=inferred, progress=progress)
    return serialise(graphs, fmt)


def serialise(graphs: dict, fmt: str) -> bytes:
    if fmt in ("nt", "nquads"):
        return _lines(graphs, quads=fmt == "nquads")
    if fmt == "trig":
        return _trig(graphs)
    if fmt == "json-ld":
        return _jsonld(graphs)
    merged = _merged(graphs)
    if fmt == "turtle":
        return merged.serialize(format="longturtle", encoding="utf-8")
    if fmt == "xml":
        return _rdfxml(merged)
    raise OutputError(f"unknown export format {fmt!r}")


def _sorted_triples(graph):
    from kg.terms import rdflib_to_ox

    return sorted(graph, key=lambda t: tuple(str(rdflib_to_ox(x)) for x in t))


def _merged(graphs: dict):
    from rdflib import Graph

    from kg.load import bind_prefixes

    triples = set()
    for graph in graphs.values():
        triples.update(graph)
    merged = Graph()
    bind_prefixes(merged)
    for triple in sorted(triples, key=_key):
        merged.add(triple)
    return merged


def _key(triple):
    from kg.terms import rdflib_to_ox

    return tuple(str(rdflib_to_ox(x)) for x in triple)


def _lines(graphs: dict, *, quads: bool) -> bytes:
    import pyoxigraph as ox

    from kg.terms import rdflib_to_ox

    if quads:
        items = [ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), ox.NamedNode(name))
                 for name, graph in graphs.items() for s, p, o in graph]
        fmt = ox.RdfFormat.N_QUADS
    else:
        items = list({ox.Triple(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o))
                      for graph in graphs.values() for s, p, o in graph})
        fmt = ox.RdfFormat.N_TRIPLES
    text = ox.serialize(items, format=fmt).decode("utf-8")
    lines = sorted(set(line for line in text.splitlines() if line))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _rdfxml(graph) -> bytes:
    """RDF/XML through pyoxigraph, which writes triples in the (sorted) order given."""
    import pyoxigraph as ox

    from kg.terms import rdflib_to_ox

    triples = [ox.Triple(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o)) for s, p, o in _sorted_triples(graph)]
    prefixes = {p: ns for p, ns in sorted(PREFIXES.items())}
    return ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=prefixes)


def _trig(graphs: dict) -> bytes:
    """TriG written graph by graph (sorted), with one shared, complete set of prefixes."""
    from rdflib import Graph

    from kg.load import bind_prefixes

    ordered = {}
    namespaces: dict[str, str] = dict(PREFIXES)
    for name, graph in graphs.items():
        copy = Graph()
        bind_prefixes(copy)
        for triple in _sorted_triples(graph):
            copy.add(triple)
        copy.serialize(format="turtle")  # first pass: lets rdflib name unknown namespaces
        for prefix, ns in copy.namespaces():
            if str(ns) not in namespaces.values():
                base, number = prefix.rstrip("0123456789") or "ns", 1
                candidate = prefix
                while candidate in namespaces:
                    candidate, number = f"{base}{number}", number + 1
                namespaces[candidate] = str(ns)
        ordered[name] = copy
    header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(namespaces.items()))
    parts = [header]
    for name, graph in ordered.items():
        for prefix, ns in namespaces.items():
            graph.bind(prefix, ns, override=True, replace=True)
        body = graph.serialize(format="turtle")
        lines = [line for line in body.splitlines() if not line.startswith("@prefix")]
        while lines and not lines[0].strip():
            lines.pop(0)
        # Not re-indented: that would change multi-line literals.
        inner = "\n".join(lines).rstrip()
        parts.append(f"\n<{name}> {{\n{inner}\n}}\n")
    return "".join(parts).encode("utf-8")


def _jsonld(graphs: dict) -> bytes:
    from rdflib import Dataset, URIRef

    from kg.load import bind_prefixes

    dataset = Dataset()
    bind_prefixes(dataset)
    for name, graph in graphs.items():
        target = dataset.graph(URIRef(name))
        for triple in _sorted_triples(graph):
            target.add(triple)
    text = dataset.serialize(format="json-ld", context=dict(sorted(PREFIXES.items())), auto_compact=True)
    doc = _normalise_json(json.loads(text))
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _normalise_json(node, parent_key: str | None = None):
    """Sort every JSON-LD array except @list contents, recursively."""
    if isinstance(node, dict):
        return {k: _normalise_json(v, k) for k, v in node.items()}
    if isinstance(node, list):
        items = [_normalise_json(v) for v in node]
        if parent_key == "@list":
            return items
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return node
