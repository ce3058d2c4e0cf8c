"""kg.validate: report objects naming focus node, path, value, constraint, message, file."""
from cli_helpers import FIXTURES, kg_cache, repo  # noqa: F401

from kg.validate import shapes_inference, validate


def test_the_kg_conforms(repo):
    report = validate(repo)
    assert report.conforms, "\n".join(v.describe() for v in report.violations)
    assert report.inference == shapes_inference(repo.shapes_file)


def test_a_good_file_conforms_with_the_kg(repo):
    assert validate(repo, [FIXTURES / "good-addition.ttl"]).conforms


def test_violations_name_everything(repo):
    report = validate(repo, [FIXTURES / "bad-addition.ttl"])
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


def test_value_is_reported(repo):
    report = validate(repo, [FIXTURES / "bad-addition.ttl"])
    status = [v for v in report.violations if "MaxCount" in v.component]
    assert status and status[0].path == "mqm:epistemicStatus"
