"""Comparing a stored query's rows on pyoxigraph and on rdflib (the reference), for the tests."""
from kg.engine.fast.query import run_oxigraph
from kg.engine.reference.query import run_rdflib
from kg.project.catalogue import coerce, sort_lists


def row_key(row):
    return tuple("" if t is None else str(t) for t in row)


def result_rows(result):
    """A query result in a comparable form: sorted rows (SELECT), the boolean (ASK) or sorted triples."""
    if result.kind == "select":
        return sorted(map(row_key, result.rows))
    if result.kind == "ask":
        return result.boolean
    return sorted(str(t) for t in result.triples)


def example_bindings(query, everything):
    params = query.params if everything else [p for p in query.params if p.required]
    return {p.name: coerce(p, p.example) for p in params}


def same_rows(store, dataset, query, terms, label) -> bool:
    """Assert the query gives the same rows on pyoxigraph and rdflib; False if not a SELECT."""
    fast = sort_lists(run_oxigraph(store, query.text, terms), query.lists)
    if fast.kind != "select":
        return False
    reference = sort_lists(run_rdflib(dataset, query.text, terms), query.lists)
    assert fast.variables == reference.variables, label
    assert sorted(map(row_key, fast.rows)) == sorted(map(row_key, reference.rows)), label
    return True
