"""kg validate --shapes: a user's own data against a user's own shapes, on either engine."""
import json

import pytest
from cli_helpers import ROOT, run_kg

OWN = ROOT / "tests" / "fixtures" / "own-shapes"
SHAPES, DATA, GOOD, CLOSED, UNTRANSLATED = (str(OWN / n) for n in (
    "shapes.ttl", "data.ttl", "good.ttl", "closed-shapes.ttl", "untranslated-shapes.ttl"))


def report(*args):
    result = run_kg(["validate", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def results(doc):
    """What both engines must agree on (blank-node labels are per parse, messages per engine)."""
    return sorted((v["focus"], v["path"], v["component"], v["value"], v["severity"]) for v in doc["violations"])


@pytest.mark.parametrize("engine", ["fast", "reference", "auto"])
def test_own_shapes_find_the_violations_of_the_files_alone(engine):
    code, doc = report("--shapes", SHAPES, "--engine", engine, DATA)
    assert code == 1 and doc["conforms"] is False
    ex, sh = "http://example.org/", "http://www.w3.org/ns/shacl#"
    assert results(doc) == sorted([
        (ex + "a", f"<{ex}knows>/<{ex}name>", sh + "MinLengthConstraintComponent", '"B"', "Violation"),
        (ex + "a", ex + "age", sh + "DatatypeConstraintComponent", '"x"', "Violation"),
        (ex + "a", ex + "age", sh + "MaxCountConstraintComponent", None, "Violation"),
        (ex + "a", ex + "name", sh + "MinCountConstraintComponent", None, "Violation"),
    ])  # ex:c has no type: no ontology, no inference; ex:b is a Student (subclass in the data)
    assert {v["shape"][:2] for v in doc["violations"]} == {"_:"}
    assert set(doc) >= {"conforms", "violations"}
    assert set(doc["violations"][0]) >= {"focus", "path", "value", "component", "shape", "severity", "message"}


def test_both_engines_agree_and_a_conforming_file_exits_0():
    assert results(report("--shapes", SHAPES, "--engine", "fast", DATA)[1]) == \
        results(report("--shapes", SHAPES, "--engine", "reference", DATA)[1])
    for engine in ("fast", "reference"):
        code, doc = report("--shapes", SHAPES, "--engine", engine, GOOD)
        assert code == 0 and doc["conforms"] is True and doc["violations"] == []


def test_the_kg_is_not_merged_in():
    """The KG's own shapes would flag the KG's data; with --shapes only the files count."""
    code, doc = report("--shapes", SHAPES, GOOD)
    assert code == 0 and not any("w3id.org/mqm-kg" in v["focus"] for v in doc["violations"])


def test_forced_fast_engine_refuses_shapes_it_cannot_translate_with_exit_2():
    result = run_kg(["validate", "--shapes", UNTRANSLATED, "--engine", "fast", DATA])
    assert result.exit_code == 2
    assert "the fast validator cannot translate" in result.stderr and "untranslated-shapes.ttl" in result.stderr
    assert "sh:datatype http://www.w3.org/2001/XMLSchema#int" in result.stderr  # names the construct
    assert result.stdout == ""


def test_auto_falls_back_to_pyshacl_and_says_so_with_verbose():
    result = run_kg(["validate", "--shapes", UNTRANSLATED, "-v", "--format", "json", DATA])
    assert result.exit_code == 1, result.output
    assert "validated with pyshacl (the fast validator cannot translate the shapes:" in result.stderr
    found = {(v["focus"], v["component"], v["value"]) for v in json.loads(result.stdout)["violations"]}
    sh = "http://www.w3.org/ns/shacl#"
    integer = "^^<http://www.w3.org/2001/XMLSchema#integer>"
    assert found == {("http://example.org/a", sh + "DatatypeConstraintComponent", '"x"'),
                     ("http://example.org/a", sh + "DatatypeConstraintComponent", '"5"' + integer),
                     ("http://example.org/b", sh + "DatatypeConstraintComponent", '"3"' + integer)}, found
    quiet = run_kg(["validate", "--shapes", UNTRANSLATED, DATA])
    assert "validated with" not in quiet.stderr


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_closed_shapes_report_the_triples_outside_the_shape(engine):
    code, doc = report("--shapes", CLOSED, "--engine", engine, DATA)
    assert code == 1
    ex, sh = "http://example.org/", "http://www.w3.org/ns/shacl#"
    assert results(doc) == [(ex + "a", ex + "knows", sh + "ClosedConstraintComponent", ex + "b", "Violation")]


def test_both_engines_write_an_iri_value_and_a_known_predicate_alike(tmp_path):
    """sh:class and sh:closed results name an IRI value, and a predicate the CLI has a prefix
    for (skos:), in full on both engines."""
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:closed true ;
    sh:property [ sh:path ex:knows ; sh:class ex:Person ] .
""", encoding="utf-8")
    data = tmp_path / "data.ttl"
    data.write_text("<http://example.org/a> <http://example.org/knows> <http://example.org/b> ;\n"
                    "    <http://www.w3.org/2004/02/skos/core#prefLabel> \"A\" .\n", encoding="utf-8")
    fast = results(report("--shapes", str(shapes), "--engine", "fast", str(data))[1])
    assert fast == results(report("--shapes", str(shapes), "--engine", "reference", str(data))[1])
    assert ("http://example.org/a", "http://www.w3.org/2004/02/skos/core#prefLabel",
            "http://www.w3.org/ns/shacl#ClosedConstraintComponent", '"A"', "Violation") in fast
    assert ("http://example.org/a", "http://example.org/knows", "http://www.w3.org/ns/shacl#ClassConstraintComponent",
            "http://example.org/b", "Violation") in fast


def test_rdfs_inference_is_applied_only_when_asked():
    focus = lambda doc: {v["focus"] for v in doc["violations"]}  # noqa: E731
    assert "http://example.org/c" not in focus(report("--shapes", SHAPES, DATA)[1])
    result = run_kg(["validate", "--shapes", SHAPES, "--inference", "rdfs", "-v", "--format", "json", DATA])
    assert "http://example.org/c" in focus(json.loads(result.stdout))  # rdfs:domain makes it a Person
    assert "validated with pyshacl" in result.stderr
    forced = run_kg(["validate", "--shapes", SHAPES, "--inference", "rdfs", "--engine", "fast", DATA])
    assert forced.exit_code == 2 and "inference=rdfs" in forced.stderr


def test_engine_and_inference_need_shapes():
    result = run_kg(["validate", "--engine", "fast"])
    assert result.exit_code == 2 and "apply with --shapes" in result.output


def test_missing_files_are_clear_errors(tmp_path):
    missing = run_kg(["validate", "--shapes", str(tmp_path / "nope.ttl"), DATA])
    assert missing.exit_code == 2 and "nope.ttl" in missing.stderr and "Traceback" not in missing.output
    none = run_kg(["validate", "--shapes", SHAPES])
    assert none.exit_code == 2 and "no data files given" in none.stderr
