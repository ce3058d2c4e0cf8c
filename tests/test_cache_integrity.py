"""kg.store.cache: a damaged cache entry is never used silently.

A truncated or altered dataset.nq, a truncated or overwritten store file, a garbled
meta.json: `kg export`, `kg push`, `kg query` rebuild the entry (saying so on stderr) and
give the full data, or fail with an error that says how to fix it; `kg reason --rebuild`
replaces the entry; stray temporary folders are pruned; files follow the umask.

Every test works on its own copy of one pristine cache (built once for the module), so
damage never reaches the session cache other tests use.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from cli_helpers import ROOT, run_kg
from serve_helpers import oxigraph_binary, start_oxigraph

from kg.project.paths import DataDir

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A cache dir with the repository's entry built, plus what a healthy export gives."""
    from kg.config import Settings
    from kg.store.cache import ensure_cache
    from kg.ops.export import export
    from kg.ops.push import graph_payloads

    cache = tmp_path_factory.mktemp("pristine-cache")
    settings = Settings(cache_dir=cache)
    entry = ensure_cache(DataDir(ROOT), settings=settings)
    nt = export(DataDir(ROOT), "nt", inferred=True, settings=settings)
    pushed = sum(count for count, _ in graph_payloads(DataDir(ROOT), inferred=True, settings=settings).values())
    lines = (entry.path / "dataset.nq").read_text(encoding="utf-8").splitlines()
    return {"cache": cache, "key": entry.path.name, "nt": nt, "nquads_lines": len(lines), "pushed": pushed}


@pytest.fixture()
def cache(pristine, tmp_path, monkeypatch):
    """A private copy of the pristine cache (mtimes kept) as $KG_CACHE_DIR; its entry's path."""
    target = tmp_path / "cache"
    shutil.copytree(pristine["cache"], target, copy_function=shutil.copy2)
    monkeypatch.setenv("KG_CACHE_DIR", str(target))
    monkeypatch.delenv("KG_STORE", raising=False)
    monkeypatch.delenv("KG_DATA_DIR", raising=False)
    return target / pristine["key"]


def _truncate_at_line(path: Path, fraction: float = 0.5) -> None:
    """Cut a file at the line boundary nearest ``fraction`` of it (what a full disk leaves)."""
    data = path.read_bytes()
    cut = data.rfind(b"\n", 0, int(len(data) * fraction)) + 1
    path.write_bytes(data[:cut])


def _garble(path: Path, *, keep_mtime: bool = False) -> None:
    """Overwrite the middle third of a file with other bytes, size unchanged."""
    stat = path.stat()
    data = bytearray(path.read_bytes())
    third = len(data) // 3
    data[third:2 * third] = bytes((b + 1) % 256 for b in data[third:2 * third])
    path.write_bytes(bytes(data))
    if keep_mtime:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _no_internal_error(result) -> None:
    assert "internal error" not in result.output, result.output
    assert "Traceback" not in result.output, result.output


def _export_ok_or_clean_failure(result, expected: bytes) -> None:
    """Never exit 0 with partial data: the full bytes, or a non-zero exit with a clear error."""
    _no_internal_error(result)
    if result.exit_code == 0:
        assert result.stdout_bytes == expected, "export exited 0 with data that differs from the healthy export"
    else:
        assert "kg reason --rebuild" in result.output, result.output


def test_truncated_nquads_export_gives_the_full_data(cache, pristine):
    _truncate_at_line(cache / "dataset.nq")
    result = run_kg(["export", "--format", "nt", "--inferred"])
    _export_ok_or_clean_failure(result, pristine["nt"])
    assert result.exit_code == 0, result.output
    assert "was damaged" in result.stderr and "rebuilt" in result.stderr, result.stderr
    # Repaired on disk: the next run uses the entry as it is.
    assert len((cache / "dataset.nq").read_text(encoding="utf-8").splitlines()) == pristine["nquads_lines"]
    again = run_kg(["export", "--format", "nt", "--inferred"])
    assert again.stdout_bytes == pristine["nt"] and "damaged" not in again.stderr


def test_altered_nquads_with_its_mtime_kept_is_caught_by_the_checksum(cache, pristine):
    _garble(cache / "dataset.nq", keep_mtime=True)
    result = run_kg(["export", "--format", "nt", "--inferred"])
    _export_ok_or_clean_failure(result, pristine["nt"])
    assert result.exit_code == 0 and "sha256" in result.stderr, result.output


def test_truncated_store_file_query_is_rebuilt_not_an_internal_error(cache):
    sst = max((cache / "store").glob("*.sst"), key=lambda p: p.stat().st_size)
    _truncate_at_line(sst, 0.4)
    result = run_kg(["query", "-e", COUNT_ALL, "--format", "json"])
    _no_internal_error(result)
    assert result.exit_code == 0, result.output
    assert "was damaged" in result.stderr
    count = int(json.loads(result.stdout)["results"]["bindings"][0]["n"]["value"])
    assert count == sum(json.loads((cache / "meta.json").read_text())["integrity"]["graphs"].values())


def test_every_store_file_garbled_gives_a_rebuild_or_a_clear_message(cache):
    for path in (cache / "store").glob("*.sst"):
        _garble(path)
    result = run_kg(["query", "-e", COUNT_ALL])
    _no_internal_error(result)
    assert result.exit_code == 0 and "was damaged" in result.stderr, result.output
    # The entry is healthy again for every command.
    stats = run_kg(["stats", "--format", "json"])
    assert stats.exit_code == 0 and "damaged" not in stats.stderr, stats.output


def test_store_corruption_found_on_open_is_a_clear_error(cache):
    """RocksDB's own Corruption error (found when the store is opened) names the fix."""
    from kg.store.cache import CacheEntry
    from kg.errors import KGError

    (cache / "store" / "CURRENT").write_bytes(b"")
    with pytest.raises(KGError) as caught:
        CacheEntry(cache).open_store()
    assert "damaged" in str(caught.value) and "kg reason --rebuild" in str(caught.value)


def test_garbled_meta_json_is_rebuilt(cache, pristine):
    (cache / "meta.json").write_text("{not json", encoding="utf-8")
    reason = run_kg(["reason"])  # reads meta.json
    _no_internal_error(reason)
    assert reason.exit_code == 0 and "was damaged" in reason.stderr, reason.output
    assert json.loads((cache / "meta.json").read_text())["asserted"] > 0
    result = run_kg(["export", "--format", "nt", "--inferred"])
    _export_ok_or_clean_failure(result, pristine["nt"])
    assert result.exit_code == 0, result.output


def test_when_rebuilding_fails_the_error_says_how_to_fix(cache, monkeypatch):
    import kg.store.cache

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kg.store.cache, "build_entry", fail)
    _truncate_at_line(cache / "dataset.nq")
    result = run_kg(["export", "--format", "nt"])
    _no_internal_error(result)
    assert result.exit_code == 2, result.output
    assert "damaged" in result.output and "kg reason --rebuild" in result.output, result.output
    assert result.stdout_bytes == b""


def test_reason_rebuild_replaces_and_repairs_the_entry(cache, pristine):
    _truncate_at_line(cache / "dataset.nq")
    (cache / "left-over-marker").write_text("from the old entry")
    result = run_kg(["reason", "--rebuild"])
    assert result.exit_code == 0, result.output
    assert not (cache / "left-over-marker").exists(), "--rebuild kept the old entry"
    assert not [p.name for p in cache.parent.iterdir() if p.name.startswith(".")], "temporary folders left"
    export = run_kg(["export", "--format", "nt", "--inferred"])
    assert export.stdout_bytes == pristine["nt"] and "damaged" not in export.stderr
    # The Nemo builder writes store/ only; export dumps dataset.nq from it, whole.
    assert len((cache / "dataset.nq").read_text(encoding="utf-8").splitlines()) == pristine["nquads_lines"]


def test_manifest_records_counts_and_checksums(cache):
    from kg.store.cache import _sha256

    integrity = json.loads((cache / "meta.json").read_text())["integrity"]
    assert integrity["files"]["dataset.nq"]["sha256"] == _sha256(cache / "dataset.nq")
    assert any(name.startswith("store/") and name.endswith(".sst") for name in integrity["files"])
    assert integrity["graphs"]["urn:kg:inferred"] > 0
    assert integrity["quads"] == sum(integrity["graphs"].values()) == \
        len((cache / "dataset.nq").read_text(encoding="utf-8").splitlines())


def test_stray_temporary_folders_are_pruned_when_the_cache_is_written(cache):
    root = cache.parent
    old = root / ".tmp-0123456789ab-dead"
    old.mkdir()
    (old / "dataset.nq").write_text("half written")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    dead = root / ".tmp-0123456789ab-crashed"  # its builder's lock file, nobody holding it
    dead.mkdir()
    (dead / ".builder.lock").write_text("")
    young = root / ".tmp-0123456789ab-young"  # just created by a builder that has not locked yet
    young.mkdir()
    live = root / ".tmp-0123456789ab-live"
    live.mkdir()
    with open(live / ".builder.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run_kg(["reason", "--rebuild"])
        assert result.exit_code == 0, result.output
        assert not old.exists() and not dead.exists()
        assert live.exists() and young.exists()


def test_cache_files_follow_the_umask(tmp_path):
    from kg.config import Settings
    from kg.store.cache import ensure_cache

    previous = os.umask(0o002)
    try:
        for engine in ("reference", "fast"):
            entry = ensure_cache(DataDir(ROOT), settings=Settings(cache_dir=tmp_path / engine, engine=engine))
            entry.nquads  # noqa: B018 - the fast engine writes it on first use
            for path in (entry.path, entry.path / "store"):
                assert path.stat().st_mode & 0o777 == 0o775, (engine, path, oct(path.stat().st_mode))
            for path in (entry.path / "dataset.nq", entry.path / "meta.json"):
                assert path.stat().st_mode & 0o777 == 0o664, (engine, path, oct(path.stat().st_mode))
            entry.verify(full=True)  # recording dataset.nq kept the manifest consistent
    finally:
        os.umask(previous)


@pytest.mark.skipif(oxigraph_binary() is None, reason="the oxigraph server is not installed")
def test_push_after_truncation_pushes_the_full_count(cache, pristine, tmp_path):
    import urllib.parse

    from serve_helpers import http

    server = start_oxigraph(tmp_path)
    try:
        _truncate_at_line(cache / "dataset.nq", 0.3)
        result = run_kg(["push", "--endpoint", f"{server.base}/store", "--inferred"])
        _no_internal_error(result)
        assert result.exit_code == 0, result.output
        status, _, body = http("POST", server.base + "/query",
                               data=urllib.parse.urlencode({"query": COUNT_ALL}).encode(),
                               headers={"Content-Type": "application/x-www-form-urlencoded",
                                        "Accept": "application/sparql-results+json"})
        assert status == 200, body
        pushed = int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
        # Every triple of every graph a healthy cache pushes (graph_payloads before the damage).
        assert pushed == pristine["pushed"], (pushed, pristine["pushed"])
        assert "was damaged" in result.stderr
    finally:
        server.stop()


def test_prune_spares_an_entry_a_live_reader_holds(tmp_path):
    """A reader (kg serve, a running kg query) holds a shared lock on the entry's READER_LOCK;
    pruning removes old entries, never one so held."""
    import fcntl
    import os
    import time as clock

    from kg.store.cache import READER_LOCK, prune

    entries = []
    for i in range(3):
        entry = tmp_path / (str(i) * 64)
        entry.mkdir()
        (entry / "meta.json").write_text("{}")
        os.utime(entry / "meta.json", (clock.time() - 100 * (3 - i),) * 2)  # entry 0 oldest
        entries.append(entry)
    with open(entries[0] / READER_LOCK, "a") as held:
        fcntl.flock(held, fcntl.LOCK_SH)
        prune(tmp_path, keep=1)
        assert entries[0].is_dir(), "an entry in use was pruned"
    assert not entries[1].exists() and entries[2].is_dir()
    prune(tmp_path, keep=1)
    assert not entries[0].exists(), "an entry no one holds is pruned"
