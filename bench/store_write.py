"""Benchmark: the ways pyoxigraph offers to write a reasoned KG's on-disk store; written to
bench/RESULTS.md (section store-write).

    python bench/store_write.py                       # bench/data/kg-1m (made by bench/run.py)
    python bench/store_write.py --data-dir DIR

The KG is loaded and reasoned once in memory (kg.engine.fast.reason.reason_data_dir, as a
build does); then, each in turn on a new folder, the ways to put it on disk:

  bulk_extend      Store(path).bulk_extend(in-memory store): what kg.store.cache does
  bulk_load nq     the in-memory store dumped as N-Quads to a file, then Store(path).bulk_load
  bulk_load sorted the same N-Quads sorted first (dataset.nq's order)
  extend           Store(path).extend(quads): one transaction
  backup           a store written once and copied with Store.backup (hard links): what an
                   extended entry costs (kg.store.incremental)

Each way's store is checked to hold the same quad count. A store per named graph is not
measured: every stored query reads across graphs (the inferred graph with the asserted
ones), which separate stores cannot answer in one query.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
from sections import write_section  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default=str(BENCH / "data" / "kg-1m"))
    p.add_argument("--out", default=str(BENCH / "RESULTS.md"))
    args = p.parse_args(argv)
    import pyoxigraph as ox

    from kg.engine.fast.reason import reason_data_dir
    from kg.project.paths import DataDir

    start = time.perf_counter()
    reasoned = reason_data_dir(DataDir(Path(args.data_dir)), max_seconds=None, max_triples=None)
    memory = reasoned.store
    quads = len(memory)
    print(f"loaded and reasoned {quads} quads in {time.perf_counter() - start:.1f} s", flush=True)
    rows = []
    work = Path(tempfile.mkdtemp(prefix="kg-store-write-", dir=BENCH / "data"))
    try:
        def timed(name, write):
            target = work / name.replace(" ", "-")
            mark = time.perf_counter()
            write(target)
            seconds = time.perf_counter() - mark
            count = len(ox.Store.read_only(str(target)))
            rows.append((name, seconds, count == quads))
            print(f"{name}: {seconds:.2f} s, same quads: {count == quads}", flush=True)
            return target

        def bulk_extend(target):
            disk = ox.Store(str(target))
            disk.bulk_extend(memory)
            disk.flush()

        nquads = work / "dataset.nq"
        mark = time.perf_counter()
        memory.dump(str(nquads), format=ox.RdfFormat.N_QUADS)
        dump_seconds = time.perf_counter() - mark
        sorted_nq = work / "sorted.nq"
        mark = time.perf_counter()
        with open(nquads, "rb") as handle:
            lines = handle.readlines()
        lines.sort()
        with open(sorted_nq, "wb") as out:
            out.writelines(lines)
        del lines
        sort_seconds = time.perf_counter() - mark

        def bulk_load(path):
            def write(target):
                disk = ox.Store(str(target))
                disk.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
                disk.flush()
            return write

        def extend(target):
            disk = ox.Store(str(target))
            disk.extend(memory)
            disk.flush()

        first = timed("bulk_extend", bulk_extend)
        timed("bulk_load nq", bulk_load(nquads))
        timed("bulk_load sorted", bulk_load(sorted_nq))
        timed("extend", extend)
        timed("backup", lambda target: ox.Store.read_only(str(first)).backup(str(target)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()[0]
    lines = ["<!-- section: store-write -->", "## Writing the on-disk store\n",
             f"`python bench/store_write.py --data-dir {args.data_dir}` on {platform.node()}: {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load "
             f"average {load:.2f}. {quads:,} quads reasoned in memory, then written to disk each way (wall "
             f"time of the write; the N-Quads dump took {dump_seconds:.1f} s and sorting it {sort_seconds:.1f} s "
             "more, not counted). A store per named graph is not measured: the stored queries read "
             "across graphs.\n",
             "| way | seconds | same quads |", "|---|---|---|"]
    lines += [f"| {name} | {seconds:.2f} s | {'yes' if same else 'NO'} |" for name, seconds, same in rows]
    lines.append("<!-- /section: store-write -->")
    write_section(Path(args.out), "store-write", "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
