"""`kg validate` / `kg add` hardening: which file is the shapes graph, concurrent writers,
stale temporaries, file modes from the umask, and pyshacl's ValidationFailure."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from cli_helpers import FIXTURES, ROOT, assert_clean_error, copy_data_dir, run_kg, snapshot

from kg.project.paths import DataDir

# Each file alone conforms with the KG; together the statement has two epistemic statuses
# (mqmsh: "A fact needs exactly one mqm:epistemicStatus", sh:maxCount 1).
RACE_A = """\
@prefix kg:   <https://w3id.org/mqm-kg/id/> .
@prefix mqm:  <https://w3id.org/mqm-kg/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .

kg:a906-statement-race a mqm:Statement ;
    mqm:summary "Test fixture: a statement two concurrent additions disagree about."@en ;
    mqm:about kg:mqm ;
    mqm:epistemicStatus mqm:status-confirmed ;
    mqm:reportedIn kg:a906-r-race-a .

kg:a906-r-race-a a mqm:Report ;
    prov:wasDerivedFrom kg:article-004 ;
    prov:wasAttributedTo kg:article-004-reporter ;
    mqm:quote "alleged funding of RAW to Karachi’s largest political party" .
"""
RACE_B = RACE_A.replace("status-confirmed", "status-claimed").replace("race-a", "race-b")
RUNS = 3  # each concurrency scenario, on a fresh copy of the data dir


def _args(data_dir, *rest):
    return ["--data-dir", data_dir.root if isinstance(data_dir, DataDir) else data_dir, *rest]


# ---------------------------------------------------------------------------
# 1. The shapes graph comes from the data dir's layout, never from a file name
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["shapes.ttl", "mqm.ttl"])
def test_data_named_like_an_ontology_file_is_validated_as_data(data_copy, tmp_path, name):
    source = tmp_path / "incoming" / name
    source.parent.mkdir()
    source.write_bytes((FIXTURES / "bad-addition.ttl").read_bytes())
    before = snapshot(data_copy.data_dir)

    result = run_kg(_args(data_copy, "validate", source))
    assert result.exit_code == 1, result.output
    assert "Does not conform" in result.output and "kg:a905-statement-cli-bad" in result.output

    added = run_kg(_args(data_copy, "add", source))
    assert added.exit_code == 1, added.output
    assert "Not added" in added.output
    assert snapshot(data_copy.data_dir) == before
    assert not (data_copy.data_dir / name).exists()


def test_a_data_file_named_shapes_ttl_is_data(data_copy, settings):
    from kg.project.load import is_shapes_graph, load_dataset
    from kg.rdf.vocab import file_graph
    from kg.engine.reference.validate import validate_dataset
    from kg.ops.validate import validate

    (data_copy.data_dir / "shapes.ttl").write_bytes((FIXTURES / "bad-addition.ttl").read_bytes())
    report = validate(data_copy, settings=settings)
    assert not report.conforms
    assert {v.source_file for v in report.violations} == {"data/shapes.ttl"}
    # What `kg check`'s shacl step runs:
    assert not validate_dataset(data_copy, load_dataset(data_copy)).conforms
    assert not is_shapes_graph(file_graph("data/shapes.ttl"))
    assert not is_shapes_graph(file_graph("/elsewhere/ontology/shapes.ttl"))
    assert not is_shapes_graph(file_graph("/tmp/x/shapes.ttl"))
    assert is_shapes_graph(file_graph("ontology/shapes.ttl"))
    assert is_shapes_graph(file_graph(data_copy.relpath(data_copy.shapes_file)), data_copy)


# ---------------------------------------------------------------------------
# 2. Concurrent `kg add`: serialised, each validated against the KG the other left
# ---------------------------------------------------------------------------

def _start_add(root, source):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.Popen([sys.executable, "-m", "kg", "--data-dir", str(root), "add", str(source)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)


def _both(root, first, second):
    procs = [_start_add(root, first), _start_add(root, second)]
    results = []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            raise
        results.append((proc.returncode, (out + err).decode("utf-8", "replace")))
    return results


def test_concurrent_adds_of_one_name_add_exactly_one(tmp_path, repo):
    for run in range(RUNS):
        root = copy_data_dir(tmp_path / f"kg{run}")
        before = snapshot(root / "data")
        sources = []
        for i, text in enumerate([RACE_A, (FIXTURES / "good-addition.ttl").read_text(encoding="utf-8")]):
            source = tmp_path / f"src{run}-{i}" / "race.ttl"
            source.parent.mkdir()
            source.write_text(text, encoding="utf-8")
            sources.append(source)
        results = _both(root, *sources)
        codes = sorted(code for code, _ in results)
        assert codes == [0, 2], results
        winner = next(i for i, (code, _) in enumerate(results) if code == 0)
        loser_output = results[1 - winner][1]
        assert "already exists" in loser_output and "Traceback" not in loser_output, loser_output
        assert "Added" in results[winner][1] and "Added" not in loser_output
        after = snapshot(root / "data")
        assert after.pop("race.ttl") == sources[winner].read_bytes()  # the reported one, nothing lost
        assert after == before  # nothing else changed, no lock file or temporary left


def test_concurrent_conflicting_adds_keep_the_kg_conforming(tmp_path, repo, settings):
    from kg.ops.validate import validate

    for i, text in enumerate([RACE_A, RACE_B]):  # the premise: each alone is fine
        alone = tmp_path / f"alone-{i}.ttl"
        alone.write_text(text, encoding="utf-8")
        assert validate(repo, [alone], settings=settings).conforms
    together = tmp_path / "together.ttl"
    together.write_text(RACE_A + RACE_B, encoding="utf-8")
    assert not validate(repo, [together], settings=settings).conforms

    for run in range(RUNS):
        root = copy_data_dir(tmp_path / f"kg{run}")
        a = tmp_path / f"src{run}" / "race-a.ttl"
        b = a.with_name("race-b.ttl")
        a.parent.mkdir()
        a.write_text(RACE_A, encoding="utf-8")
        b.write_text(RACE_B, encoding="utf-8")
        results = _both(root, a, b)
        assert sorted(code for code, _ in results) == [0, 1], results
        refused = next(output for code, output in results if code == 1)
        assert "Not added" in refused and "epistemicStatus" in refused, refused
        written = sorted(p.name for p in (root / "data").glob("race-*.ttl"))
        assert len(written) == 1, written
        report = validate(DataDir(root), settings=settings)
        assert report.conforms, "\n".join(v.describe() for v in report.violations)


def test_add_takes_the_writer_lock(data_copy):
    """While another writer holds data/.kg-add.lock, `kg add` waits (here: does not finish)."""
    import fcntl

    lock = data_copy.data_dir / ".kg-add.lock"
    with open(lock, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        proc = _start_add(data_copy.root, FIXTURES / "good-addition.ttl")
        try:
            with pytest.raises(subprocess.TimeoutExpired):
                proc.wait(timeout=8)
            assert not (data_copy.data_dir / "good-addition.ttl").exists()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, (out + err).decode()
    assert (data_copy.data_dir / "good-addition.ttl").is_file()
    assert not lock.exists()  # removed by its last holder


COUNTER = """
import sys
from pathlib import Path
from kg.fsutil import locked
lock, counter = Path(sys.argv[1]), Path(sys.argv[2])
for _ in range(int(sys.argv[3])):
    with locked(lock):
        value = int(counter.read_text())
        counter.write_text(str(value + 1))
"""


def test_the_lock_excludes_even_though_its_file_is_removed(tmp_path):
    """Processes incrementing a counter under kg.fsutil.locked lose no increment (the lock
    file is removed by each holder; a waiter on the removed file must retry)."""
    counter = tmp_path / "counter"
    counter.write_text("0")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", COUNTER, str(tmp_path / "x.lock"), str(counter), "40"],
                              env=env) for _ in range(4)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    assert counter.read_text() == "160"
    assert not (tmp_path / "x.lock").exists()


def test_gitignore_ignores_the_lock():
    lines = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "data/.kg-add.lock" in lines


# ---------------------------------------------------------------------------
# 3. Stale temporaries (a writer killed with -9) are never loaded and are cleaned
# ---------------------------------------------------------------------------

def test_stale_temporaries_are_ignored_and_cleaned(data_copy, settings):
    from kg.ops.validate import validate

    data = data_copy.data_dir
    bad = (FIXTURES / "bad-addition.ttl").read_bytes()
    stale = [data / ".x.ttl.tmp", data / ".good-addition.ttl.k3j_4h5g.tmp", data / ".articles.ttl.abc12345.tmp"]
    for path in stale:
        path.write_bytes(bad[: len(bad) // 2])  # a half-written file: does not even parse
    hidden = data / ".hidden.ttl"
    hidden.write_bytes(bad)  # a dot-file (editor backup, ...) is not part of the KG either
    assert not [p for p in data_copy.data_files() if p.name.startswith(".")]
    assert validate(data_copy, settings=settings).conforms

    result = run_kg(_args(data_copy, "add", FIXTURES / "good-addition.ttl"))
    assert result.exit_code == 0, result.output
    assert not [p.name for p in data.iterdir() if p.name.endswith(".tmp")]
    assert hidden.is_file()  # not a temporary: left alone
    assert (data / "good-addition.ttl").read_bytes() == (FIXTURES / "good-addition.ttl").read_bytes()


# ---------------------------------------------------------------------------
# 4. Written files get the mode the umask gives
# ---------------------------------------------------------------------------

def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600)])
def test_written_files_respect_the_umask(data_copy, tmp_path, mask, expected):
    old = os.umask(mask)
    try:
        out = tmp_path / "export.ttl"
        result = run_kg(_args(data_copy, "export", "-o", out))
        assert result.exit_code == 0, result.output
        assert _mode(out) == expected
        added = run_kg(_args(data_copy, "add", FIXTURES / "good-addition.ttl"))
        assert added.exit_code == 0, added.output
        assert _mode(data_copy.data_dir / "good-addition.ttl") == expected
        replaced = run_kg(_args(data_copy, "add", "--replace", FIXTURES / "good-addition.ttl"))
        assert replaced.exit_code == 0, replaced.output
        assert _mode(data_copy.data_dir / "good-addition.ttl") == expected
    finally:
        os.umask(old)
    assert os.umask(old) == old  # the umask is left as it was


def test_atomic_write_mode_and_umask_untouched(tmp_path):
    from kg.fsutil import atomic_write, current_umask

    old = os.umask(0o027)
    try:
        assert current_umask() == 0o027
        atomic_write(tmp_path / "f.txt", "x")
        assert current_umask() == 0o027
    finally:
        os.umask(old)
    assert _mode(tmp_path / "f.txt") == 0o640


# ---------------------------------------------------------------------------
# 5. pyshacl's ValidationFailure: a clear error naming the shapes file
# ---------------------------------------------------------------------------

BROKEN_SHAPE = """
mqmsh:BrokenSparqlShape
    a sh:NodeShape ;
    sh:targetClass mqm:Report ;
    sh:sparql [
        a sh:SPARQLConstraint ;
        sh:message "never reached" ;
        sh:select \"\"\"
            SELECT $this WHERE { %s }
            \"\"\"
    ] .
"""


@pytest.mark.parametrize("clause, reason", [
    ("VALUES ?x { 1 } $this ?p ?x .", "VALUES"),
    # pyshacl refuses SERVICE before it runs the query (sparql_query_helper.check_invalid_sparql);
    # the socket guard below proves nothing is contacted.
    ("SERVICE <http://127.0.0.1:9/sparql> { $this ?p ?o }", "SERVICE"),
])
def test_shapes_pyshacl_cannot_run_give_a_clear_error(data_copy, tmp_path, monkeypatch, clause, reason, settings):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the test tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setenv("KG_ENGINE", "reference")
    shapes = data_copy.shapes_file
    shapes.write_text(shapes.read_text(encoding="utf-8") + BROKEN_SHAPE % clause, encoding="utf-8")
    before = snapshot(data_copy.data_dir)

    for command in (["validate"], ["validate", FIXTURES / "good-addition.ttl"],
                    ["add", FIXTURES / "good-addition.ttl"]):
        result = run_kg(_args(data_copy, *command))
        assert_clean_error(result, 2, str(shapes), reason)
        assert "internal error" not in result.output, result.output
    assert snapshot(data_copy.data_dir) == before

    from dataclasses import replace

    from kg.errors import KGError, ShapesError
    from kg.ops.validate import validate

    with pytest.raises(ShapesError) as caught:
        validate(data_copy, settings=replace(settings, engine="reference"))
    assert isinstance(caught.value, KGError) and caught.value.exit_code == 2
    assert caught.value.path == shapes
