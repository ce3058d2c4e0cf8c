"""SPARQL on the reference engine: rdflib, parameters through ``initBindings``.

Layer: kg.engine. Imports kg.errors, kg.rdf, kg.project.load and kg.engine.results.
"""
from __future__ import annotations

from kg.engine.results import QueryResult, select_result
from kg.errors import QueryEngineError
from kg.rdf.sparql import rdflib_syntax_error
from kg.rdf.vocab import PREFIXES

#: rdflib Datasets of cache entries read in this process, keyed by the entry's path: an entry
#: is named by the hash of its inputs (kg.store.cache.cache_key), so its content never changes.
_DATASETS: dict = {}


def cached_rdflib_dataset(entry):
    """The N-Quads of a cache entry (kg.store.cache.CacheEntry) loaded into an rdflib Dataset
    (union default graph), memoised for the last entry."""
    key = str(entry.path)
    if key not in _DATASETS:
        import pyoxigraph as ox
        from rdflib import URIRef

        from kg.project.load import new_dataset
        from kg.rdf.terms import ox_to_rdflib

        dataset = new_dataset()
        by_graph: dict = {}
        for quad in ox.parse(path=str(entry.nquads), format=ox.RdfFormat.N_QUADS):
            by_graph.setdefault(quad.graph_name.value, []).append(quad)
        for name, quads in sorted(by_graph.items()):
            graph = dataset.graph(URIRef(name))
            for q in quads:
                graph.add((ox_to_rdflib(q.subject), ox_to_rdflib(q.predicate), ox_to_rdflib(q.object)))
        _DATASETS.clear()
        _DATASETS[key] = dataset
    return _DATASETS[key]


def run_rdflib(graph, text: str, terms: dict) -> QueryResult:
    """Run SPARQL text on an rdflib Graph/Dataset with ``initBindings`` (reference semantics)."""
    import pyoxigraph as ox
    import rdflib.plugins.sparql
    from rdflib import Namespace, Variable
    from rdflib.plugins.sparql import prepareQuery

    from kg.rdf.terms import ox_to_rdflib, rdflib_to_ox

    # rdflib would otherwise fetch (or read from disk) the IRI of any FROM graph it lacks.
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    try:
        prepared = prepareQuery(text, initNs={k: Namespace(v) for k, v in PREFIXES.items()})
    except Exception as exc:  # pyparsing.ParseException and friends
        raise rdflib_syntax_error(text, exc) from None
    init = {Variable(k): ox_to_rdflib(v) for k, v in terms.items()}
    try:
        result = graph.query(prepared, initBindings=init)
    except Exception as exc:
        raise QueryEngineError(f"query failed (rdflib): {exc}") from None
    if result.type == "SELECT":
        return select_result([str(v) for v in result.vars], result, convert=rdflib_to_ox)
    if result.type == "ASK":
        return QueryResult("ask", boolean=bool(result.askAnswer))
    return QueryResult("graph", triples=[ox.Triple(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o))
                                         for s, p, o in result])
