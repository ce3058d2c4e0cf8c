"""Median wall time of `kg --help`, a cold `kg query` (new process, warm cache) and a cache rebuild.

Usage: python bench/cli.py [--runs 7] [--query defections]
Each run is a new process (`python -m kg ...`), as a user would start it. Targets (issue 3):
`kg --help` < 0.2 s, cold query with a warm cache < 0.5 s.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kg", *args], env=env, cwd=ROOT,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"kg {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild-runs", type=int, default=3)
    parser.add_argument("--query", default="defections")
    options = parser.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    env = dict(os.environ, KG_CACHE_DIR=str(cache),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    try:
        timed(["reason"], env)  # warm the cache
        results = {
            "kg --help": [timed(["--help"], env) for _ in range(options.runs)],
            f"kg query {options.query} (cold process, warm cache)":
                [timed(["query", options.query], env) for _ in range(options.runs)],
            "kg reason --rebuild (load + OWL RL + write cache)":
                [timed(["reason", "--rebuild"], env) for _ in range(options.rebuild_runs)],
        }
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    width = max(len(name) for name in results)
    for name, times in results.items():
        print(f"{name.ljust(width)}  median {statistics.median(times):7.3f} s  "
              f"(min {min(times):.3f}, max {max(times):.3f}, n={len(times)})")


if __name__ == "__main__":
    main()
