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


#: The IRIs facts point to (through any property), most referenced first: the values a
#: variant's parameter is tried with beside its example.
FACT_OBJECTS = """
SELECT ?value (COUNT(*) AS ?n) WHERE {
  ?fact <https://w3id.org/mqm-kg/ontology#reportedIn> ?report ; ?p ?value .
  FILTER (isIRI(?value) && STRSTARTS(STR(?value), "https://w3id.org/mqm-kg/id/"))
} GROUP BY ?value ORDER BY DESC(?n) ?value
"""


def variant_values(store, variant, others=10) -> list:
    """The terms a variant is compared with its base for: its parameter's example, then
    ``others`` IRIs the KG's facts point to, spread from the most to the least referenced."""
    import pyoxigraph as ox

    param = variant.param(variant.when_bound)
    example = coerce(param, param.example)
    found = [s["value"] for s in store.query(FACT_OBJECTS, use_default_graph_as_union=True)
             if s["value"] != example]
    assert len(found) >= others, "too few entities to compare the variant with"
    picked = [found[i * len(found) // others] for i in range(others)]
    assert all(isinstance(t, ox.NamedNode) for t in picked)
    return [example] + picked


def order_columns(text, variables) -> list[int]:
    """The indexes of the projected variables the outer ORDER BY of ``text`` mentions, in order."""
    from kg.rdf.sparql import tokens

    found = list(tokens(text))
    start = max((i for i, t in enumerate(found) if t.keyword == "ORDER"), default=None)
    if start is None:
        return []
    names = [t.text[1:] for t in found[start:] if t.kind == "var"]
    return [variables.index(n) for n in dict.fromkeys(names) if n in variables]


def variant_gives_the_base_rows(run, base, variant, terms, label) -> int:
    """Assert the variant's text gives the base's rows for ``terms`` with ``run(text, terms)``
    (one engine): the same rows as a multiset and, where the base has an ORDER BY, in the same
    order of the columns it sorts on (rows that tie on them may come in any order). The
    number of rows."""
    expected = sort_lists(run(base.text, terms), base.lists)
    got = sort_lists(run(variant.text, terms), variant.lists)
    assert got.variables == expected.variables, label
    want, have = list(map(row_key, expected.rows)), list(map(row_key, got.rows))
    assert sorted(have) == sorted(want), label
    keys = order_columns(base.text, expected.variables)
    assert [tuple(r[i] for i in keys) for r in have] == [tuple(r[i] for i in keys) for r in want], label
    return len(want)


def variants_agree(store, dataset, base, label, *, others=10, rdflib_others=3) -> int:
    """Every variant of ``base`` against the base on pyoxigraph (``store``) for the example
    and ``others`` other values of its parameter and, given a ``dataset``, on rdflib for the
    example and the first ``rdflib_others`` of them (rdflib takes seconds per call on these
    queries); the number of rows compared."""
    compared = 0
    for variant in base.variants:
        for n, term in enumerate(variant_values(store, variant, others)):
            terms = {variant.when_bound: term}
            compared += variant_gives_the_base_rows(lambda text, t: run_oxigraph(store, text, t),
                                                    base, variant, terms, (label, variant.name, term, "oxigraph"))
            if dataset is not None and n <= rdflib_others:
                compared += variant_gives_the_base_rows(lambda text, t: run_rdflib(dataset, text, t),
                                                        base, variant, terms, (label, variant.name, term, "rdflib"))
    return compared
