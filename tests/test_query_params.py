"""Every stored query with an entity parameter filters by it: an entity that takes part in
nothing gives no rows (on both engines), and a real one only rows it takes part in."""
import json

import pytest
from cli_helpers import KG, ROOT, run_kg

from kg.project.paths import DataDir
from kg.project.catalogue import catalogue

NOBODY = "kg:no-such-entity-for-the-test"
ENTITY_PARAMS = [(q.name, p.name) for q in catalogue(DataDir(ROOT)) for p in q.params
                 if p.type == "iri" and not p.example.startswith("mqm:")]  # mqm: concepts: a vocabulary


def rows(name, *args, engine="oxigraph"):
    result = run_kg(["query", name, "--engine", engine, "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["results"]["bindings"]


def test_there_are_entity_parameters_to_check():
    assert len(ENTITY_PARAMS) >= 15 and ("meetings", "participant") in ENTITY_PARAMS


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("query,param", ENTITY_PARAMS, ids=[f"{q}-{p}" for q, p in ENTITY_PARAMS])
def test_an_entity_that_takes_part_in_nothing_gives_no_rows(repo, query, param, engine):
    assert rows(query, "--param", f"{param}={NOBODY}", engine=engine) == []


def test_meetings_of_a_participant_are_only_the_events_they_took_part_in(repo, settings):
    from kg.store.cache import open_store

    store = open_store(repo, settings=settings)
    every = {r["event"]["value"] for r in rows("meetings")}
    his = {r["event"]["value"] for r in rows("meetings", "--param", "participant=kg:mustafa-kamal")}
    took_part = {e for e in every if store.query(
        f"ASK {{ <{e}> <https://w3id.org/mqm-kg/ontology#participant> <{KG}mustafa-kamal> }}",
        use_default_graph_as_union=True)}
    assert his and his == took_part and his < every
