"""The W3C SHACL test suite (tests/w3c/shacl) on both validators (issue 14).

pyshacl, the reference, passes every test but its known failures (xfail, with the reason).
The fast validator (kg.fastvalidate) is sound: each test is either the expected report or
a refusal (UnsupportedShape, then kg validate falls back to pyshacl); a wrong report fails
the build. tests/w3c/shacl-report.md is the generated summary and must be current.
"""
import pytest

from w3c import shacl_suite as suite

CASES = suite.load_cases()


def _params():
    for case in CASES:
        marks = []
        if case.id in suite.PYSHACL_XFAIL:
            marks.append(pytest.mark.xfail(reason=suite.PYSHACL_XFAIL[case.id], strict=True))
        yield pytest.param(case, id=case.id, marks=marks)


def test_suite_is_complete():
    assert len(CASES) == 120
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", list(_params()))
def test_pyshacl(case):
    outcome = suite.run_pyshacl(case)
    assert outcome.outcome == "pass", (outcome.detail, outcome.missing, outcome.unexpected)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_fast_is_sound(case):
    outcome = suite.run_fast(case)
    assert outcome.outcome in ("pass", "refused"), (outcome.detail, outcome.missing, outcome.unexpected)


def test_report_is_current():
    text = suite.render(suite.run_all(CASES))
    assert suite.REPORT.read_text(encoding="utf-8") == text, \
        "tests/w3c/shacl-report.md is not current: run python tests/w3c/shacl_suite.py"
