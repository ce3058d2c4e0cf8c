"""kg.ops.addcheck (kg add on a large KG) finds exactly the violations a whole-KG validation adds.

The reference for each addition: validate the whole KG with the file and without it
(kg.engine.fast.validate, itself checked against pyshacl in test_fastvalidate) and keep what only
the first has. Compared on the article KG with every shape fixture as an addition, and on
the 10k synthetic graph with additions that touch existing nodes, labels and files.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_helpers import copy_data_dir

from kg.config import Settings
from kg.ops.addcheck import check_addition, violation_key
from kg.ops.validate_kg import validate_files
from kg.project.paths import DataDir

ROOT = Path(__file__).resolve().parents[1]
SHAPE_FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
KG = "https://w3id.org/mqm-kg/id/"
PREFIXES = """@prefix kg: <https://w3id.org/mqm-kg/id/> .
@prefix mqm: <https://w3id.org/mqm-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix org: <http://www.w3.org/ns/org#> .
"""


def keys(report) -> set:
    return {violation_key(v) for v in report.violations}


def expected_new(data_dir: DataDir, before: set, addition: Path, target: Path) -> set:
    after = validate_files(data_dir, [addition], replaced=[target], aliases={addition: target})
    return keys(after) - before


@pytest.fixture(scope="module")
def article_kg(tmp_path_factory):
    settings = Settings(cache_dir=tmp_path_factory.mktemp("cache"))
    data_dir = DataDir(copy_data_dir(tmp_path_factory.mktemp("kg")))
    yield data_dir, keys(validate_files(data_dir, cache_dir=settings.cache_dir)), settings


@pytest.mark.parametrize("fixture", sorted(p.name for p in SHAPE_FIXTURES.glob("*.ttl")))
def test_shape_fixture_as_addition_to_article_kg(article_kg, fixture, tmp_path):
    data_dir, before, settings = article_kg
    addition = tmp_path / f"add-{fixture}"
    addition.write_text((SHAPE_FIXTURES / "valid.ttl").read_text(encoding="utf-8") + "\n"
                        + (SHAPE_FIXTURES / fixture).read_text(encoding="utf-8"), encoding="utf-8")
    target = data_dir.data_dir / addition.name
    expected = expected_new(data_dir, before, addition, target)
    assert keys(check_addition(data_dir, addition, target, settings=settings)) == expected
    if fixture != "valid.ttl":
        assert expected, f"{fixture} must add a violation (else this comparison checks nothing)"


@pytest.fixture(scope="module")
def synthetic_kg(synthetic_graph, tmp_path_factory):
    """The article KG plus the 10k synthetic triples (conftest.py: 5 % deliberate violations)."""
    import pyoxigraph as ox

    settings = Settings(cache_dir=tmp_path_factory.mktemp("cache"), engine="fast")
    data_dir = DataDir(copy_data_dir(tmp_path_factory.mktemp("kg10k")))
    shutil.copyfile(synthetic_graph.path, data_dir.data_dir / "synthetic.ttl")
    shutil.copyfile(synthetic_graph.clean_addition, data_dir.root / "clean-addition.ttl")
    store = ox.Store()
    for path in data_dir.data_files():
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    yield data_dir, keys(validate_files(data_dir, cache_dir=settings.cache_dir)), store, settings


def first(store, query: str) -> str:
    row = next(iter(store.query(PREFIXES.replace("@prefix", "PREFIX").replace(" .\n", "\n") + query)))
    return row[0]


def synthetic_additions(store) -> dict[str, str]:
    """Turtle texts that touch existing nodes of the synthetic KG in ways the shapes see."""
    person = first(store, "SELECT ?p WHERE { ?p a foaf:Person ; skos:prefLabel ?l "
                          "FILTER STRSTARTS(STR(?p), 'https://w3id.org/mqm-kg/id/syn-') } ORDER BY ?p LIMIT 1")
    label = first(store, f"SELECT ?l WHERE {{ {person} skos:prefLabel ?l }}")
    party = first(store, "SELECT ?p WHERE { ?p a mqm:PoliticalParty } ORDER BY ?p LIMIT 1")
    fact = first(store, "SELECT ?f WHERE { ?f mqm:epistemicStatus mqm:status-confirmed ; mqm:reportedIn ?r "
                        "FILTER STRSTARTS(STR(?f), 'https://w3id.org/mqm-kg/id/syn-') } ORDER BY ?f LIMIT 1")
    return {
        "same-label-as-existing-person": f"kg:test-twin a foaf:Person ; skos:prefLabel {label} .",
        "second-label-for-existing-person": f'{person} skos:prefLabel "Another Name"@en .',
        "existing-party-typed-person": f"{party} a foaf:Person .",
        "defection-origin-is-destination":
            f"kg:test-defection a mqm:Defection ; mqm:defector {person} ; "
            f"org:originalOrganization {party} ; org:resultingOrganization {party} ; "
            f"mqm:epistemicStatus mqm:status-confirmed .",
        "denial-of-confirmed-fact": f"kg:test-denial a mqm:Denial ; mqm:denies {fact} ; mqm:deniedBy {person} .",
        "second-status-for-existing-fact": f"{fact} mqm:epistemicStatus mqm:status-claimed .",
    }


def test_clean_article_adds_nothing_to_synthetic_kg(synthetic_kg):
    data_dir, before, _store, settings = synthetic_kg
    assert before, "the synthetic KG has deliberate violations; none of them is the addition's"
    addition = data_dir.root / "clean-addition.ttl"
    target = data_dir.data_dir / addition.name
    assert expected_new(data_dir, before, addition, target) == set()
    assert check_addition(data_dir, addition, target, settings=settings).conforms


@pytest.mark.parametrize("name", ["same-label-as-existing-person", "second-label-for-existing-person",
                                  "existing-party-typed-person", "defection-origin-is-destination",
                                  "denial-of-confirmed-fact", "second-status-for-existing-fact"])
def test_addition_touching_existing_nodes(synthetic_kg, name, tmp_path):
    data_dir, before, store, settings = synthetic_kg
    addition = tmp_path / f"{name}.ttl"
    addition.write_text(PREFIXES + synthetic_additions(store)[name] + "\n", encoding="utf-8")
    target = data_dir.data_dir / addition.name
    expected = expected_new(data_dir, before, addition, target)
    assert expected, f"{name} must add a violation"
    assert keys(check_addition(data_dir, addition, target, settings=settings)) == expected


def test_replacing_a_file_with_part_of_it(synthetic_kg, tmp_path):
    """--replace: the replaced file's triples leave the KG; what that breaks is the addition's."""
    data_dir, before, _store, settings = synthetic_kg
    lines = (data_dir.data_dir / "article-003.ttl").read_text(encoding="utf-8").split("\n\n")
    addition = tmp_path / "article-003.ttl"
    addition.write_text("\n\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
    target = data_dir.data_dir / "article-003.ttl"
    expected = expected_new(data_dir, before, addition, target)
    assert expected, "dropping half of article 003 must leave facts or entities dangling"
    assert keys(check_addition(data_dir, addition, target, settings=settings)) == expected


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_kg_add_blames_a_file_only_for_its_own_violations(tmp_path, engine):
    """A KG that already has violations still takes a clean file, and rejects a bad one
    with only the bad file's violations."""
    from kg.ops.add import add_file
    from kg.ops.validate import validate

    settings = Settings(cache_dir=tmp_path / "cache", engine=engine)
    data_dir = DataDir(copy_data_dir(tmp_path / "kg"))
    shutil.copy(ROOT / "tests" / "fixtures" / "cli" / "bad-addition.ttl", data_dir.data_dir / "old-bad.ttl")
    existing = keys(validate(data_dir, settings=settings))  # with the engine under test
    assert existing
    good = add_file(data_dir, ROOT / "tests" / "fixtures" / "cli" / "good-addition.ttl", settings=settings)
    assert good.written and good.report.conforms
    bad = tmp_path / "new-bad.ttl"
    bad.write_text((SHAPE_FIXTURES / "valid.ttl").read_text(encoding="utf-8") + "\n"
                   + (SHAPE_FIXTURES / "defection-origin-is-destination.ttl").read_text(encoding="utf-8"),
                   encoding="utf-8")
    result = add_file(data_dir, bad, settings=settings)
    assert not result.written and not (data_dir.data_dir / "new-bad.ttl").exists()
    found = keys(result.report)
    assert found and not found & existing
    assert found == keys(validate(data_dir, [bad], settings=settings)) - existing
