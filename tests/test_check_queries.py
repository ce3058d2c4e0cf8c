"""Every quality check in queries/checks/ fires on a fixture made to break it, and passes on the real KG.

Each fixture in tests/fixtures/checks/<check>.ttl is loaded on top of the ontology and entities
and must make exactly its own check return rows: a check that can never fire is caught here.
"""
from pathlib import Path

import pytest
from rdflib import Graph

ROOT = Path(__file__).resolve().parent.parent
CHECKS = sorted((ROOT / "queries" / "checks").glob("*-violation.rq"))
FIXTURES = ROOT / "tests" / "fixtures" / "checks"


def base_graph():
    graph = Graph()
    graph.parse(ROOT / "ontology" / "mqm.ttl")
    graph.parse(ROOT / "data" / "entities.ttl")
    return graph


def rows(graph, check):
    return list(graph.query(check.read_text(encoding="utf-8")))


def test_every_check_has_a_fixture():
    names = {check.name.removesuffix("-violation.rq") for check in CHECKS}
    fixtures = {fixture.stem for fixture in FIXTURES.glob("*.ttl")}
    assert names == fixtures


@pytest.mark.parametrize("check", CHECKS, ids=lambda path: path.stem)
def test_check_fires_on_its_fixture(check):
    graph = base_graph()
    assert rows(graph, check) == [], "the base graph must pass the check"
    graph.parse(FIXTURES / check.name.replace("-violation.rq", ".ttl"))
    found = rows(graph, check)
    assert found, f"{check.name} did not fire on its fixture"
    assert all(len(row) == 3 for row in found)  # ?entity ?property ?value
    # The same check must fire on a standards-strict engine too (no rdflib-only scoping).
    assert oxigraph_rows(graph, check), f"{check.name} did not fire on pyoxigraph"


def oxigraph_rows(graph, check):
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), pyoxigraph.RdfFormat.N_TRIPLES)
    return list(store.query(check.read_text(encoding="utf-8")))


@pytest.mark.parametrize("check", CHECKS, ids=lambda path: path.stem)
def test_check_header_names_problem_and_fix(check):
    header = [line for line in check.read_text(encoding="utf-8").splitlines() if line.startswith("#+ ")]
    keys = {line[3:].split(":", 1)[0] for line in header}
    assert {"title", "problem", "fix"} <= keys
