"""kg.ops.validate: report objects naming focus node, path, value, constraint, message, file."""
import pytest
from cli_helpers import FIXTURES

from kg.engine.reference.validate import shapes_inference
from kg.ops.validate import validate


def test_the_kg_conforms(repo, settings):
    report = validate(repo, settings=settings)
    assert report.conforms, "\n".join(v.describe() for v in report.violations)
    assert report.inference == shapes_inference(repo.shapes_file)


def test_a_good_file_conforms_with_the_kg(repo, settings):
    assert validate(repo, [FIXTURES / "good-addition.ttl"], settings=settings).conforms


def test_violations_name_everything(repo, settings):
    report = validate(repo, [FIXTURES / "bad-addition.ttl"], settings=settings)
    assert not report.conforms
    assert report.violations
    for violation in report.violations:
        assert violation.focus == "https://w3id.org/mqm-kg/id/a905-statement-cli-bad"
        assert violation.source_file.endswith("tests/fixtures/cli/bad-addition.ttl")
        assert violation.component.startswith("http://www.w3.org/ns/shacl#")
        assert violation.message and violation.severity == "Violation"
        assert violation.path
    components = {v.component.rsplit("#", 1)[1] for v in report.violations}
    assert "MaxCountConstraintComponent" in components
    described = report.violations[0].describe()
    assert "bad-addition.ttl" in described and "kg:a905-statement-cli-bad" in described
    as_dict = report.to_dict()
    assert as_dict["conforms"] is False and as_dict["violations"][0]["focus"]


def test_value_is_reported(repo, settings):
    report = validate(repo, [FIXTURES / "bad-addition.ttl"], settings=settings)
    status = [v for v in report.violations if "MaxCount" in v.component]
    assert status and status[0].path == "mqm:epistemicStatus"


def _convert(source, target, fmt):
    """``source`` (Turtle) rewritten as ``fmt``; quad formats put it in a named graph."""
    from rdflib import Dataset, Graph, URIRef

    graph = Graph().parse(source, format="turtle")
    warnings_off = {"encoding": "utf-8"}
    if fmt in ("nquads", "trig"):
        dataset = Dataset()
        named = dataset.graph(URIRef("urn:test:addition"))
        for triple in graph:
            named.add(triple)
        dataset.serialize(target, format=fmt, **warnings_off)
    else:
        graph.serialize(target, format=fmt, **warnings_off)
    return target


def _keys(report):
    return {(v.focus, v.path, v.component) for v in report.violations}


@pytest.mark.parametrize("suffix, fmt", [("nt", "nt"), ("nq", "nquads"), ("trig", "trig"),
                                         ("jsonld", "json-ld"), ("rdf", "xml")])
def test_every_input_format_gives_the_turtle_answer(repo, tmp_path, suffix, fmt, settings):
    """The same addition in N-Triples, N-Quads, TriG, JSON-LD and RDF/XML: same verdict, same violations."""
    good = _convert(FIXTURES / "good-addition.ttl", tmp_path / f"good.{suffix}", fmt)
    bad = _convert(FIXTURES / "bad-addition.ttl", tmp_path / f"bad.{suffix}", fmt)
    assert validate(repo, [good], settings=settings).conforms
    expected = validate(repo, [FIXTURES / "bad-addition.ttl"], settings=settings)
    report = validate(repo, [bad], settings=settings)
    assert not report.conforms
    assert _keys(report) == _keys(expected)
    assert all(v.source_file.endswith(f"bad.{suffix}") for v in report.violations)
