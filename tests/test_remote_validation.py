"""Validation and checks where the data lives (issue 18): `kg validate --endpoint` and
`kg check --endpoint` run the shapes (translated to SPARQL by kg.engine.fast.validate) and the
*-violation.rq checks on a remote store, without downloading it, and report what the local
run reports.

A copy of the data dir gets invalid shape fixtures as extra data files; its reasoned KG is
pushed with `kg push --inferred` into a scratch Oxigraph server and into a scratch Virtuoso
(Digest authentication; skipped without the Debian package), and the remote reports are compared, violation for violation (focus node,
path, component, value, severity, source file), with `kg validate` / `kg check` run locally on
the same data dir.
"""
import json
import os
import shutil

import pytest
import serve_helpers
from cli_helpers import ROOT, copy_data_dir, run_kg

#: Invalid fixtures of tests/fixtures/shapes (with the valid one they build on).
FIXTURES = ["valid", "fact-no-summary", "anonymous-source-no-preflabel", "interval-order-end-before-start",
            "defection-origin-is-destination"]


@pytest.fixture(scope="module")
def invalid_data_dir(tmp_path_factory):
    root = copy_data_dir(tmp_path_factory.mktemp("remote-validation"))
    for name in FIXTURES:
        shutil.copy(ROOT / "tests" / "fixtures" / "shapes" / f"{name}.ttl", root / "data" / f"zz-{name}.ttl")
    return root


def _keys(doc):
    return sorted(tuple(str(v[k]) for k in ("focus", "path", "component", "value", "severity", "source_file"))
                  for v in doc["violations"])


@pytest.fixture(scope="module")
def local_report(invalid_data_dir):
    result = run_kg(["--data-dir", invalid_data_dir, "validate", "--format", "json"])
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def oxigraph(invalid_data_dir, tmp_path_factory):
    server = serve_helpers.start_oxigraph(tmp_path_factory.mktemp("oxigraph-remote"))
    pushed = run_kg(["--data-dir", invalid_data_dir, "push", "--endpoint", f"{server.base}/store", "--inferred"])
    assert pushed.exit_code == 0, pushed.output
    yield server.base + "/query"
    server.stop()


@pytest.fixture(scope="module")
def virtuoso(invalid_data_dir, tmp_path_factory):
    if serve_helpers.virtuoso_binary() is None:
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    server = serve_helpers.start_virtuoso(tmp_path_factory.mktemp("virtuoso-remote"))
    user, password = serve_helpers.VIRTUOSO_USER
    saved = os.environ.get("KG_ENDPOINT_PASSWORD")
    os.environ["KG_ENDPOINT_PASSWORD"] = password
    try:   # kg push answers Virtuoso's Digest challenge
        pushed = run_kg(["--data-dir", invalid_data_dir, "push", "--endpoint",
                         f"{server.base}/sparql-graph-crud-auth", "--user", user, "--inferred"])
    finally:
        if saved is None:
            os.environ.pop("KG_ENDPOINT_PASSWORD")
        else:
            os.environ["KG_ENDPOINT_PASSWORD"] = saved
    assert pushed.exit_code == 0, pushed.output
    yield server.base + "/sparql"
    server.stop()


@pytest.mark.parametrize("store", ["oxigraph", "virtuoso"])
def test_validate_on_the_endpoint_reports_what_validate_reports_locally(store, invalid_data_dir, local_report,
                                                                        request):
    endpoint = request.getfixturevalue(store)
    result = run_kg(["--data-dir", invalid_data_dir, "validate", "--endpoint", endpoint, "--format", "json"])
    assert result.exit_code == 1, result.output
    remote = json.loads(result.stdout)
    assert remote["conforms"] is False
    assert _keys(remote) == _keys(local_report)
    # Not vacuous: several shapes fire, on several of the added files.
    assert len({v["component"] for v in remote["violations"]}) >= 3
    assert len({v["source_file"] for v in remote["violations"]}) >= 3


@pytest.mark.parametrize("store", ["oxigraph", "virtuoso"])
def test_check_on_the_endpoint_runs_the_shapes_and_the_violation_queries(store, invalid_data_dir, request):
    endpoint = request.getfixturevalue(store)
    local = json.loads(run_kg(["--data-dir", invalid_data_dir, "check", "--format", "json"]).stdout)
    result = run_kg(["--data-dir", invalid_data_dir, "check", "--endpoint", endpoint, "--format", "json"])
    assert result.exit_code == 1, result.output
    remote = json.loads(result.stdout)
    steps = {s["name"]: s for s in remote["steps"]}
    local_steps = {s["name"]: s for s in local["steps"]}
    for name in ("parse", "consistency", "quotes"):
        assert steps[name]["status"] == "skip"
    assert steps["shacl"]["status"] == "fail"
    for name, step in steps.items():
        if step["status"] != "skip" and name != "shacl":
            assert step["status"] == local_steps[name]["status"], name
            assert sorted(map(str, step["rows"])) == sorted(map(str, local_steps[name]["rows"])), name


def test_validate_on_an_endpoint_without_the_inferred_graph_says_so(oxigraph, invalid_data_dir):
    result = run_kg(["--data-dir", invalid_data_dir, "validate", "--endpoint", oxigraph,
                     "--graph", "urn:kg:file:data/entities.ttl"])
    assert result.exit_code == 2
    assert "urn:kg:inferred" in result.stderr and "--inferred" in result.stderr
