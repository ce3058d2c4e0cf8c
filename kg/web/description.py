"""The SPARQL 1.1 Service Description of `kg serve`'s /sparql, and writing it as RDF.

It says only what the endpoint really does: the query language, the union default
graph, the result formats of kg.web.negotiate, the named graphs and their sizes, and in
a comment the limits (read-only, time limit, row limit).

Layer: top (kg.web). Imports kg.web.negotiate and kg.rdf.vocab.
"""
from __future__ import annotations

import re

from kg.rdf.vocab import PREFIXES, RDF_TYPE, SD
from kg.web.negotiate import GRAPH_FORMATS, SOLUTION_FORMATS


def service_description(endpoint: str, graphs: list, *, timeout: float, max_rows: int) -> list:
    """SPARQL 1.1 Service Description triples: only what this endpoint really does."""
    import pyoxigraph as ox

    def n(iri):
        return ox.NamedNode(iri)

    service, dataset, default = n(endpoint + "#service"), n(endpoint + "#dataset"), n(endpoint + "#default-graph")
    t = [ox.Triple(service, n(RDF_TYPE), n(SD + "Service")),
         ox.Triple(service, n(SD + "endpoint"), n(endpoint)),
         ox.Triple(service, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
         ox.Triple(service, n(SD + "feature"), n(SD + "UnionDefaultGraph")),
         ox.Triple(service, n(SD + "defaultDataset"), dataset),
         ox.Triple(service, n(PREFIXES["dcterms"] + "title"), ox.Literal("MQM knowledge graph (read-only)")),
         ox.Triple(service, n(PREFIXES["rdfs"] + "comment"), ox.Literal(
             f"Read-only: updates are refused (403); SERVICE and FROM of graphs outside this dataset are "
             f"refused; queries stop after {timeout:g} s; results are cut at {max_rows} rows "
             "(header KG-Result-Truncated). The default graph is the union of the named graphs, "
             "which hold the asserted files and the OWL 2 RL inferences (urn:kg:inferred)."))]
    for fmt in SOLUTION_FORMATS + GRAPH_FORMATS:
        if fmt.w3c:
            t.append(ox.Triple(service, n(SD + "resultFormat"), n(fmt.w3c)))
    t += [ox.Triple(dataset, n(RDF_TYPE), n(SD + "Dataset")),
          ox.Triple(dataset, n(SD + "defaultGraph"), default),
          ox.Triple(default, n(RDF_TYPE), n(SD + "Graph"))]
    for name, count in graphs:
        node, graph = n(endpoint + "#graph-" + _frag(name)), n(endpoint + "#graph-" + _frag(name) + "-content")
        t += [ox.Triple(dataset, n(SD + "namedGraph"), node),
              ox.Triple(node, n(RDF_TYPE), n(SD + "NamedGraph")),
              ox.Triple(node, n(SD + "name"), n(name)),
              ox.Triple(node, n(SD + "graph"), graph),
              ox.Triple(graph, n(RDF_TYPE), n(SD + "Graph")),
              ox.Triple(graph, n(PREFIXES["void"] + "triples"),
                        ox.Literal(str(count), datatype=n(PREFIXES["xsd"] + "integer")))]
    return t


def _frag(name: str) -> str:
    """A graph IRI as a fragment of the endpoint's URL."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", name)


def serialise_triples(triples, key: str) -> bytes:
    """The description in graph format ``key`` (turtle, ntriples, jsonld, rdfxml), sorted."""
    import pyoxigraph as ox

    formats = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
               "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
    prefixes = {"sd": SD, "void": PREFIXES["void"], "dcterms": PREFIXES["dcterms"], "rdfs": PREFIXES["rdfs"],
                "xsd": PREFIXES["xsd"]}
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    if key in ("turtle", "rdfxml"):
        return ox.serialize(ordered, format=formats[key], prefixes=prefixes)
    return ox.serialize(ordered, format=formats[key])
