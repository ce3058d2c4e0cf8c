"""Benchmark: `kg search` (SQLite FTS5) on a large KG; written to bench/RESULTS.md.

    python bench/search.py --data-dir bench/data/kg-1m     # a data dir bench/run.py prepared

The cache entry must exist (``kg --data-dir D reason``; its build is not timed here). Measured:
building the search index from the entry's store, then each query five times in this process
(``kg.ops.search.search``, the index warm) and once as a new ``kg search`` process. Target (the
analyst's-desk issue): under 100 ms per query at 1M triples. Replaces its own section of
RESULTS.md (``<!-- section: search -->``).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sections import write_section

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SECTION = "search"
TARGET_MS = 100.0
QUERIES = [("kaimkhani", {}), ("joined", {"status": "confirmed"}), ("sagheer joined", {}),
           ("party", {"kind": "Defection"}), ("nine zero", {"article": "article-001"})]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--out", default=str(BENCH / "RESULTS.md"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from kg.config import Settings
    from kg.store.cache import ensure_cache, open_store
    from kg.project.paths import DataDir
    from kg.ops.search import build_index, search

    settings = Settings.from_environment()
    data_dir = DataDir(Path(args.data_dir))
    entry = ensure_cache(data_dir, settings=settings)
    start = time.perf_counter()
    rows = build_index(open_store(data_dir, settings=settings), entry.path / "search.sqlite")
    build = time.perf_counter() - start
    index = entry.path / "search.sqlite"
    triples = entry.meta.get("asserted", 0) + entry.meta.get("inferred", 0)
    print(f"index: {rows} texts in {build:.1f} s ({index.stat().st_size >> 20} MB)", flush=True)
    results = []
    for text, options in QUERIES:
        times, hits = [], []
        for _ in range(5):
            mark = time.perf_counter()
            hits = search(index, text, **options)
            times.append((time.perf_counter() - mark) * 1000)
        argv_ = [sys.executable, "-m", "kg", "--data-dir", str(data_dir.root), "search", text, "--format", "json"]
        for key, value in options.items():
            argv_ += [f"--{key}", value]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        mark = time.perf_counter()
        subprocess.run(argv_, capture_output=True, env=env, timeout=120)
        cold = time.perf_counter() - mark
        results.append((text, options, statistics.median(times), len(hits), cold))
        print(f"{text!r} {options}: {statistics.median(times):.1f} ms, {len(hits)} hits; new process {cold:.2f} s",
              flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    worst = max(r[2] for r in results)
    lines = [f"<!-- section: {SECTION} -->", "## Full-text search (`kg search`)", "",
             f"`python bench/search.py --data-dir {args.data_dir}` on {platform.node()}: {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load "
             f"average {load:.2f}. KG: {triples:,} triples (asserted and inferred). Index: {rows:,} texts, "
             f"{index.stat().st_size >> 20} MB, built from the store in {build:.1f} s (once per cache entry).", "",
             "| query | filters | median of 5 (in process) | hits | new `kg search` process |", "|---|---|---|---|---|"]
    for text, options, ms, n, cold in results:
        filters = ", ".join(f"--{k} {v}" for k, v in options.items()) or "-"
        lines.append(f"| `{text}` | {filters} | {ms:.1f} ms | {n} | {cold:.2f} s |")
    lines += ["", f"Slowest query: {worst:.1f} ms ({'met' if worst < TARGET_MS else '**not met**'}: target "
              f"{TARGET_MS:g} ms).", f"<!-- /section: {SECTION} -->"]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section(Path(args.out), SECTION, text)


if __name__ == "__main__":
    main()
