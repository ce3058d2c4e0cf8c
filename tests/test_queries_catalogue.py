"""kg.project.catalogue: strict headers, typed parameters, and the same rows on pyoxigraph and rdflib
(on the article KG here; on 10k synthetic triples in test_queries_10k.py)."""
from pathlib import Path

import pyoxigraph as ox
import pytest
from cli_helpers import FIXTURES, KG
from query_compare import example_bindings, row_key, same_rows

from kg.errors import ParameterError, QueryHeaderError, QueryNotFoundError, QuerySyntaxError
from kg.engine.fast.query import run_oxigraph
from kg.ops.query import run_query
from kg.project.catalogue import bind, catalogue, check_catalogue, coerce, expand_iri, get_query, parse_query_file
from kg.rdf.sparql import inject_values

XSD = "http://www.w3.org/2001/XMLSchema#"
ROOT = Path(__file__).resolve().parent.parent


def test_every_stored_query_has_a_valid_header(repo):
    queries = catalogue(repo)
    assert len(queries) >= 12
    for query in queries:
        assert query.title and query.description, query.name
        for param in query.params:
            coerce(param, param.example)  # the example fits the declared type


def test_every_check_has_problem_and_fix(repo):
    checks = check_catalogue(repo)
    assert checks
    for check in checks:
        assert check.title and check.problem and check.fix, check.name


@pytest.mark.parametrize("name, message", [
    ("missing-title.rq", "missing header key(s): title"),
    ("bad-param-type.rq", "unknown type 'person'"),
    ("bad-param-fields.rq", "param needs 5 fields"),
    ("unknown-key.rq", "unknown key 'author'"),
    ("param-not-in-query.rq", "is not a variable of the query"),
    ("bad-example.rq", "example does not fit its type"),
    ("no-colon.rq", "expected '#+ key: value'"),
    ("bad-returns.rq", "returns names variable(s) the query does not have"),
])
def test_malformed_headers_name_file_and_line(name, message):
    with pytest.raises(QueryHeaderError) as info:
        parse_query_file(FIXTURES / "queries" / name)
    text = str(info.value)
    assert message in text
    assert f"{name}:" in text
    assert info.value.line is not None


def test_unknown_query_lists_the_available_ones(repo):
    with pytest.raises(QueryNotFoundError) as info:
        get_query(repo, "no-such-query")
    assert "defections" in str(info.value)


@pytest.mark.parametrize("raw, iri", [
    ("kg:psp", KG + "psp"),
    ("psp", KG + "psp"),
    ("<https://w3id.org/mqm-kg/id/psp>", KG + "psp"),
    ("https://w3id.org/mqm-kg/id/psp", KG + "psp"),
    ("mqm:status-confirmed", "https://w3id.org/mqm-kg/ontology#status-confirmed"),
])
def test_iri_parameter_forms(raw, iri):
    assert expand_iri(raw) == iri


def test_typed_parameters(repo):
    query = parse_query_file(FIXTURES / "queries" / "typed.rq")
    terms = bind(query, {"who": "psp", "text": "hi", "day": "2016-03-23", "year": "2016", "n": "7",
                         "flag": "yes"})
    assert terms["who"] == ox.NamedNode(KG + "psp")
    assert terms["text"] == ox.Literal("hi")
    assert terms["day"] == ox.Literal("2016-03-23", datatype=ox.NamedNode(XSD + "date"))
    assert terms["year"] == ox.Literal("2016", datatype=ox.NamedNode(XSD + "gYear"))
    assert terms["n"] == ox.Literal("7", datatype=ox.NamedNode(XSD + "integer"))
    assert terms["flag"] == ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))


@pytest.mark.parametrize("params, message", [
    ({}, "needs parameter 'who'"),
    ({"who": "kg:psp", "day": "23/03/2016"}, "parameter 'day': '23/03/2016' is not a valid date"),
    ({"who": "kg:psp", "year": "16"}, "is not a valid gYear"),
    ({"who": "kg:psp", "n": "three"}, "is not a valid integer"),
    ({"who": "kg:psp", "flag": "maybe"}, "is not a valid boolean"),
    ({"who": "bad iri"}, "parameter 'who'"),
    ({"who": "zz:psp"}, "unknown prefix 'zz'"),
    ({"who": "kg:psp", "nobody": "x"}, "has no parameter 'nobody'"),
])
def test_bad_parameters_say_which_and_what(params, message):
    query = parse_query_file(FIXTURES / "queries" / "typed.rq")
    with pytest.raises(ParameterError) as info:
        bind(query, params)
    assert message in str(info.value)


def test_parameters_are_bound_as_terms_not_text(repo):
    # A value that would break out of the query if it were pasted in is just a literal.
    text = "SELECT ?x WHERE { BIND(?v AS ?x) }"
    evil = ox.Literal('x" } ; DROP ALL ; #')
    store = ox.Store()
    result = run_oxigraph(store, text, {"v": evil})
    assert result.rows == [(evil,)]


def test_values_block_goes_into_the_where_group():
    text = 'PREFIX x: <http://e/#>\n# { comment\nCONSTRUCT { ?s ?p "{" } WHERE { ?s ?p ?o }'
    injected = inject_values(text, {"s": ox.NamedNode("http://e/s")})
    assert injected.endswith('WHERE { VALUES (?s) { (<http://e/s>) }  ?s ?p ?o }')


def test_short_form_construct_where_takes_parameters(repo, settings):
    """CONSTRUCT WHERE { ... } cannot hold VALUES: it is written out in full first."""
    text = "CONSTRUCT WHERE { ?person skos:prefLabel ?label }"
    injected = inject_values(text, {"person": ox.NamedNode(KG + "anees-qaimkhani")})
    assert injected.startswith("CONSTRUCT { ?person skos:prefLabel ?label } WHERE { VALUES (?person)")
    for engine in ("oxigraph", "rdflib"):
        graph = run_query(repo, text, {"person": "kg:anees-qaimkhani"}, engine=engine, settings=settings)
        labels = {str(getattr(o, "value", o)) for _s, _p, o in graph.triples}
        subjects = {str(getattr(s, "value", s)) for s, _p, _o in graph.triples}
        assert subjects == {KG + "anees-qaimkhani"}, engine
        assert "Anees Qaimkhani" in labels, engine


def test_sparql_syntax_error_shows_where(repo, settings):
    with pytest.raises(QuerySyntaxError) as info:
        run_query(repo, "SELECT * WHERE {\n  ?s ?p\n}", settings=settings)
    assert "line 3" in str(info.value) or "line 2" in str(info.value)
    assert "^" in str(info.value)


@pytest.fixture(scope="module")
def exported(repo, settings):
    """The exported graph (asserted + inferred) loaded into both engines."""
    from rdflib import Dataset

    from kg.ops.export import export

    data = export(repo, "nquads", inferred=True, settings=settings)
    store = ox.Store()
    store.load(data, format=ox.RdfFormat.N_QUADS)
    dataset = Dataset(default_union=True)
    dataset.parse(data=data.decode("utf-8"), format="nquads")
    return store, dataset


@pytest.mark.parametrize("everything", [False, True], ids=["required-params", "all-params"])
def test_every_stored_select_gives_the_same_rows_on_both_engines(repo, exported, everything):
    store, dataset = exported
    compared = sum(same_rows(store, dataset, query, example_bindings(query, everything), query.name)
                   for query in catalogue(repo))
    assert compared >= 12


#: Organisations and people of every kind: parties, splinters, a faction, leaders, defectors.
OTHER_VALUES = ["kg:mqm", "kg:mqm-pakistan", "kg:mqm-london", "kg:mqm-haqiqi", "kg:psp",
                "kg:altaf-hussain", "kg:mustafa-kamal", "kg:sagheer-ahmed", "kg:amir-khan"]


def test_queries_with_one_iri_parameter_give_the_same_rows_for_other_values(repo, exported):
    """Beyond the examples: an unbound OPTIONAL (e.g. a move from an unnamed party) once made
    rdflib's IN an error where Oxigraph gave the row (diagram-defections about=kg:mqm)."""
    store, dataset = exported
    compared = 0
    for query in catalogue(repo):
        if len(query.params) != 1 or query.params[0].type != "iri":
            continue
        param = query.params[0]
        compared += sum(same_rows(store, dataset, query, {param.name: coerce(param, value)}, (query.name, value))
                        for value in OTHER_VALUES)
    assert compared >= 8 * len(OTHER_VALUES)


def test_engines_agree_through_the_library(repo, settings):
    query = get_query(repo, "defections")
    a = run_query(repo, query, {"person": "kg:sagheer-ahmed"}, settings=settings)
    b = run_query(repo, query, {"person": "kg:sagheer-ahmed"}, engine="rdflib", settings=settings)
    assert a.rows and sorted(map(row_key, a.rows)) == sorted(map(row_key, b.rows))


def test_query_kinds(repo, settings):
    ask = run_query(repo, "ASK { kg:psp a mqm:PoliticalParty }", settings=settings)
    assert ask.kind == "ask" and ask.boolean is True
    graph = run_query(repo, "CONSTRUCT { kg:psp skos:prefLabel ?l } WHERE { kg:psp skos:prefLabel ?l }", settings=settings)
    assert graph.kind == "graph" and len(graph.triples) == 1
    described = run_query(repo, "DESCRIBE kg:psp", settings=settings)
    assert described.kind == "graph" and described.triples
    headerless = run_query(repo, parse_query_file(FIXTURES / "queries" / "ad-hoc.rq", require_header=False), settings=settings)
    assert headerless.rows[0][0].value == "Pak Sarzameen Party"

