"""Benchmark the whole kg workflow on seeded synthetic data; writes bench/RESULTS.md.

    python bench/run.py --sizes 1m --seed 1             # every stage at 1M, the targets table
    python bench/run.py --sizes 1m,10m --seed 1         # and the 10M row (build, validate, queries)
    python bench/run.py --sizes 10k,100k                # quick check, every stage
    python bench/run.py --sizes 1m,10m --stages-at 10m=build,validate
    python bench/run.py --from-json                     # rewrite RESULTS.md from the last run

For each size, bench/gen.py makes the synthetic data (seeded, once per size and seed, in
--work; generated data stays out of git), and a data dir is made of the project's ontology,
shapes and queries, the article data and the synthetic file. Then, each in a new process
of its own (wall time; peak memory is the largest resident set of the whole process tree,
sampled, or the largest single process's ru_maxrss if higher), the stages:

  build      kg.store.cache.ensure_cache on a cold cache: load, OWL 2 RL reasoning, store
             (also run when a later stage needs the cache and build was not asked for); the
             reasoning budget is --build-timeout, not kg's default (which a 10M build passes)
  validate   whole-KG SHACL validation (the engine KG_ENGINE picks)
  queries    every stored query (queries/*.rq) with the parameters of its #+ param:
             examples, through the project's run_query, next to the same SPARQL text run
             on the same pyoxigraph store directly (ratio, rows)
  listings   the queries whose parameters are all optional, run with none (the full
             listings: 10k-44k rows each at 1M), the same way
  cold       `kg query aliases --param entity=...` in a new process, warm cache (median of 3)
  export     `kg export --format nt|turtle --inferred -o FILE`, each twice: seconds, bytes,
             peak memory, and whether the two runs wrote the same bytes
  add        `kg add FILE` (bench/gen.py --addition, one article-sized file) then
             `kg query article-summary --param article=<the added article>`, one after the
             other with the same cache dir; checks the answer holds the added article
  oxigraph   parsing and loading the same files with pyoxigraph alone
  reference  the pure-Python path (rdflib load, owlrl, pyshacl; every stored query on rdflib)

Some stages are left out at some sizes unless asked for by --stages-at: at 10m only build,
validate and queries run (the listings and the pure-Python path make no sense there), and
reference runs only up to --reference-max triples. RESULTS.md gets a section per size, the
targets at 1m (met / not met) and, with 10m, the 10M figures next to the 1M ones of the same
run. The machine's load average is recorded: other processes on the same cores slow every
number down.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import tables  # noqa: E402  (bench/tables.py: RESULTS.md)
from tables import kept_sections  # noqa: E402,F401  (bench/sections.py refers to run.kept_sections)

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}
#: Every stage, in the order they run.
STAGE_NAMES = ("build", "validate", "queries", "listings", "cold", "export", "add", "oxigraph", "reference")
#: The stages that read the cache (build runs first if any of them does).
NEEDS_CACHE = {"queries", "listings", "cold", "export", "add", "reference"}
#: The stages a size runs unless --stages or --stages-at say otherwise.
DEFAULT_STAGES_AT = {"10m": ("build", "validate", "queries")}
#: The article number of the file `kg add` gets (bench/gen.py --addition), and the query
#: that must show it afterwards.
ADDED_ARTICLE = 900001
ADD_QUERY = "article-summary"
COLD_QUERY = ["query", "aliases", "--param", "entity=kg:anees-qaimkhani", "--format", "csv"]
EXPORT_FORMATS = (("nt", ".nt"), ("turtle", ".ttl"))


# ---------------------------------------------------------------------------
# Child stages (run in their own process: python bench/run.py --stage NAME ...)
# ---------------------------------------------------------------------------

def stage_build(args) -> dict:
    """ensure_cache on a cold cache, its reasoning budget lifted to --max-seconds (the
    bench's build timeout): kg's default budget would stop a 10M build before its figure."""
    from kg.config import Settings
    from kg.store.cache import ensure_cache
    from kg.project.paths import DataDir

    import inspect

    default_budget = inspect.signature(ensure_cache).parameters["max_seconds"].default
    marks = []
    start = time.perf_counter()
    entry = ensure_cache(DataDir(Path(args.data_dir)), settings=Settings.from_environment(),
                         progress=lambda m: marks.append((time.perf_counter(), m)),
                         max_seconds=float(args.max_seconds))
    total = time.perf_counter() - start
    steps = {}
    names = [("loading", "load"), ("reasoning", "reason"), ("counting", "count"), ("asserted", "write")]
    times = {}
    for moment, message in marks:
        for word, name in names:
            if word in message and name not in times:
                times[name] = moment
    order = [n for _w, n in names if n in times]
    for i, name in enumerate(order):
        end = times[order[i + 1]] if i + 1 < len(order) else start + total
        steps[name] = end - times[name]
    meta = entry.meta
    return {"seconds": total, "steps": steps, "asserted": meta["asserted"], "inferred": meta["inferred"],
            "engine": meta.get("engine", "owlrl"), "consistent": meta["consistency"]["consistent"],
            "default_budget": default_budget if isinstance(default_budget, (int, float)) else None}


def stage_validate(args) -> dict:
    from kg.config import Settings
    from kg.engine.api import run
    from kg.ops.validate_kg import validate_files
    from kg.engine.reference.validate import validate_dataset
    from kg.project.load import load_dataset
    from kg.project.paths import DataDir

    settings = Settings.from_environment()
    data_dir = DataDir(Path(args.data_dir))
    start = time.perf_counter()
    steps: dict = {}
    report, engine_run = run("validation", settings.engine,
                             fast=lambda: validate_files(data_dir, timings=steps, cache_dir=settings.cache_dir),
                             reference=lambda: validate_dataset(data_dir, load_dataset(data_dir)))
    return {"seconds": time.perf_counter() - start, "steps": steps, "conforms": report.conforms,
            "violations": len(report.violations), "engine": engine_run.engine}


def stage_query(args) -> dict:
    """One stored query: project code and pyoxigraph directly on the same text, alternately;
    the fastest of each (twice each, up to five times for queries under a second)."""
    from kg.config import Settings
    from kg.store.cache import ensure_cache
    from kg.project.paths import DataDir
    from kg.rdf.vocab import PREFIXES
    from kg.ops.query import run_query
    from kg.project.catalogue import bind, get_query
    from kg.rdf.sparql import inject_values

    data_dir = DataDir(Path(args.data_dir))
    query = get_query(data_dir, args.name)
    params = json.loads(args.params)
    entry = ensure_cache(data_dir, settings=Settings.from_environment())
    store = entry.open_store()
    terms = bind(query, params)
    ran = query.for_bound(terms)  # the text run_query runs: a variant's when its parameter is bound
    text = inject_values(ran.text, terms) if terms else ran.text
    project, direct = [], []
    rows_project = rows_direct = None
    while len(project) < 2 or (len(project) < 5 and sum(project) + sum(direct) < 2.0):
        start = time.perf_counter()
        result = run_query(data_dir, query, params, engine="oxigraph", store=store)
        rows_project = len(result.rows) if result.kind == "select" else len(result)
        project.append(time.perf_counter() - start)
        start = time.perf_counter()
        solutions = store.query(text, use_default_graph_as_union=True, prefixes=PREFIXES)
        variables = [v.value for v in solutions.variables]
        rows = [tuple(s[v] for v in variables) for s in solutions]
        rows_direct = len(rows)
        direct.append(time.perf_counter() - start)
    return {"seconds": min(project), "direct": min(direct), "rows": rows_project, "rows_direct": rows_direct,
            "repeats": len(project), "text": ran.name}


def stage_reference(args) -> dict:
    """The pure-Python path: rdflib, owlrl, pyshacl (prints each step as it finishes)."""
    from kg.project.load import load_dataset
    from kg.project.paths import DataDir
    from kg.engine.reference.reason import reason
    from kg.engine.reference.validate import validate_dataset

    data_dir = DataDir(Path(args.data_dir))
    steps = {}

    def step(name, seconds):
        steps[name] = seconds
        print(json.dumps({"partial": {name: seconds}}), flush=True)

    start = time.perf_counter()
    dataset = load_dataset(data_dir)
    step("load (rdflib)", time.perf_counter() - start)
    mark = time.perf_counter()
    reason(dataset)
    step("reason (owlrl)", time.perf_counter() - mark)
    mark = time.perf_counter()
    validate_dataset(data_dir, dataset)
    step("validate (pyshacl)", time.perf_counter() - mark)
    return {"seconds": time.perf_counter() - start, "steps": steps}


def stage_reference_queries(args) -> dict:
    """Every stored query on rdflib (the reference SPARQL engine) over the cached dataset."""
    from kg.config import Settings
    from kg.store.cache import ensure_cache
    from kg.project.paths import DataDir
    from kg.engine.reference.query import cached_rdflib_dataset
    from kg.ops.query import run_query
    from kg.project.catalogue import catalogue

    settings = Settings.from_environment()
    data_dir = DataDir(Path(args.data_dir))
    entry = ensure_cache(data_dir, settings=settings)
    start = time.perf_counter()
    cached_rdflib_dataset(entry)
    print(json.dumps({"partial": {"load (rdflib)": time.perf_counter() - start}}), flush=True)
    times = {}
    for query in catalogue(data_dir):
        params = {p.name: p.example for p in query.params}
        mark = time.perf_counter()
        run_query(data_dir, query, params, engine="rdflib", settings=settings)
        times[query.name] = time.perf_counter() - mark
        print(json.dumps({"partial": {query.name: times[query.name]}}), flush=True)
    return {"seconds": time.perf_counter() - start, "steps": times}


def stage_oxigraph(args) -> dict:
    import pyoxigraph as ox

    from kg.project.paths import DataDir
    from kg.rdf.io import format_name

    data_dir = DataDir(Path(args.data_dir))
    files = data_dir.ontology_files() + data_dir.data_files()
    start = time.perf_counter()
    count = 0
    for path in files:
        count += len(list(ox.parse(path=str(path), format=getattr(ox.RdfFormat, format_name(path)))))
    parse = time.perf_counter() - start
    mark = time.perf_counter()
    store = ox.Store()
    for path in files:
        store.bulk_load(path=str(path), format=getattr(ox.RdfFormat, format_name(path)),
                        to_graph=ox.NamedNode("urn:g:" + path.name))
    memory = time.perf_counter() - mark
    scratch = Path(args.scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    mark = time.perf_counter()
    disk = ox.Store(str(scratch))
    for path in files:
        disk.bulk_load(path=str(path), format=getattr(ox.RdfFormat, format_name(path)),
                       to_graph=ox.NamedNode("urn:g:" + path.name))
    disk.flush()
    on_disk = time.perf_counter() - mark
    del disk
    shutil.rmtree(scratch, ignore_errors=True)
    return {"seconds": time.perf_counter() - start, "triples": count,
            "steps": {"parse": parse, "load (memory)": memory, "load (disk)": on_disk}}


STAGES = {"build": stage_build, "validate": stage_validate, "query": stage_query,
          "reference": stage_reference, "reference-queries": stage_reference_queries,
          "oxigraph": stage_oxigraph}


# ---------------------------------------------------------------------------
# Parent: processes, their wall time and peak memory
# ---------------------------------------------------------------------------

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every descendant now (Linux /proc; 0 elsewhere)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/statm", encoding="ascii") as handle:
                total += int(handle.read().split()[1]) * PAGE
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as handle:
                    todo.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


def launch(cmd: list[str], env: dict, timeout: float | None) -> dict:
    """Run ``cmd`` in a new session (killed as a group at ``timeout``). Returns wall time,
    exit code, stdout, the end of stderr, and peak memory in MB: the largest resident set of
    the process tree sampled every 20-50 ms, or the largest single process's ru_maxrss
    (from wait4) if higher."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                   start_new_session=True)
        peak, timed_out, sampled = 0, False, 0.0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            elapsed = time.perf_counter() - start
            if timeout is not None and elapsed > timeout:
                timed_out = True
                os.killpg(process.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            if elapsed - sampled >= (0.02 if elapsed < 2 else 0.05):
                peak, sampled = max(peak, tree_rss(process.pid)), elapsed
            time.sleep(0.005 if elapsed < 2 else 0.05)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        out.seek(0)
        return {"wall": wall, "rc": process.returncode, "timed_out": timed_out,
                "peak_mb": max(peak / 2**20, usage.ru_maxrss / 1024),
                "stderr": err.read().decode("utf-8", "replace")[-3000:],
                "stdout": out.read().decode("utf-8", "replace")}


def kg_command(data_dir: Path, *words: str) -> list[str]:
    """``python -m kg --data-dir DATA_DIR WORDS...`` (the checkout's kg, via PYTHONPATH)."""
    return [sys.executable, "-m", "kg", "--data-dir", str(data_dir), *words]


def run_child(stage: str, env: dict, timeout: float | None, **options) -> dict:
    """Run one stage of this script in a new process; its JSON answer with wall time and peak
    memory, or {"timeout": ...} / {"error": ...}."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", stage]
    for key, value in options.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    done = launch(cmd, env, timeout)
    answer, partial = None, {}
    for line in done["stdout"].splitlines():
        if line.startswith('{"result"'):
            answer = json.loads(line)["result"]
        elif line.startswith('{"partial"'):
            partial.update(json.loads(line)["partial"])
    if done["timed_out"]:
        return {"timeout": timeout, "wall": done["wall"], "steps": partial, "peak_mb": done["peak_mb"]}
    if answer is None:
        return {"error": (done["stderr"] or done["stdout"])[-2000:], "wall": done["wall"],
                "peak_mb": done["peak_mb"]}
    answer.update(wall=done["wall"], peak_mb=done["peak_mb"])
    return answer


def kg_run(cmd: list[str], env: dict, timeout: float | None) -> dict:
    """A ``kg`` command in a new process: seconds (wall), peak memory, exit code, stdout, and
    ``timeout`` or ``error`` (its last stderr line) when it did not succeed."""
    done = launch(cmd, env, timeout)
    result = {"seconds": done["wall"], "peak_mb": done["peak_mb"], "rc": done["rc"]}
    if done["timed_out"]:
        result = {"timeout": timeout, "wall": done["wall"], "peak_mb": done["peak_mb"]}
    elif done["rc"] != 0:
        result["error"] = f"exit {done['rc']}: " + (done["stderr"].strip().splitlines() or [""])[-1][:300]
    result["stdout"] = done["stdout"]
    return result


# ---------------------------------------------------------------------------
# Parent: the data, the stages of one size
# ---------------------------------------------------------------------------

def prepare(size: str, seed: int, work: Path, env: dict) -> tuple[Path, Path, dict]:
    """Generate the data (once per size and seed) and the data dir; return (dir, addition, info)."""
    triples = SIZES[size]
    work.mkdir(parents=True, exist_ok=True)
    synthetic = work / f"{size}-seed{seed}.ttl"
    addition = work / f"{size}-seed{seed}-addition.ttl"
    info = {}
    gen = [sys.executable, str(BENCH / "gen.py"), "--triples", str(triples), "--seed", str(seed),
           "--link-kg", str(ROOT / "data"), "--format", "nt"]
    if not synthetic.is_file():
        done = launch(gen + ["--out", str(synthetic)], env, None)
        if done["rc"] != 0:
            raise SystemExit(f"bench/gen.py failed: {done['stderr'][-1000:]}")
        info["generate"] = {"seconds": done["wall"], "peak_mb": done["peak_mb"]}
    if not addition.is_file():
        subprocess.run(gen + ["--addition", str(ADDED_ARTICLE), "--out", str(addition)], check=True,
                       capture_output=True)
    with open(synthetic, encoding="utf-8") as handle:
        info["header"] = [next(handle)[2:].strip() for _ in range(3)]
    info["bytes"] = synthetic.stat().st_size
    data_dir = work / f"kg-{size}"
    shutil.rmtree(data_dir, ignore_errors=True)
    for folder in ("ontology", "queries"):
        shutil.copytree(ROOT / folder, data_dir / folder)
    (data_dir / "data").mkdir(parents=True)
    for path in sorted((ROOT / "data").glob("*.ttl")):
        shutil.copy(path, data_dir / "data" / path.name)
    os.link(synthetic, data_dir / "data" / "synthetic.ttl")
    return data_dir, addition, info


def stored_queries(data_dir: Path) -> list[tuple[str, str, dict]]:
    """(name, variant, params) for every stored query: "examples" (every parameter at its
    example; a query without parameters runs as it is) and, for a query with parameters
    that are all optional, "listing" (none of them: the full listing)."""
    from kg.project.paths import DataDir
    from kg.project.catalogue import catalogue

    runs = []
    for query in catalogue(DataDir(data_dir)):
        runs.append((query.name, "examples", {p.name: p.example for p in query.params}))
        if query.params and not any(p.required for p in query.params):
            runs.append((query.name, "listing", {}))
    return runs


def stages_for(size: str, args) -> list[str]:
    """The stages ``size`` runs: --stages-at SIZE=..., else --stages, else the default for
    the size (DEFAULT_STAGES_AT, everything elsewhere; reference up to --reference-max)."""
    if size in args.stages_at:
        return args.stages_at[size]
    if args.stages:
        return args.stages
    chosen = list(DEFAULT_STAGES_AT.get(size, STAGE_NAMES))
    if SIZES[size] > args.reference_max and "reference" in chosen:
        chosen.remove("reference")
    return chosen


def run_queries(runs, variant: str, data_dir: Path, env: dict, args, say) -> list[dict]:
    out = []
    for name, kind, params in runs:
        if kind != variant:
            continue
        result = run_child("query", env, args.query_timeout, data_dir=data_dir, name=name, params=json.dumps(params))
        result.update({"name": name, "variant": kind, "params": params})
        out.append(result)
        say(f"  {kind} {name}: {tables.short(result)}")
    return out


def run_cold(data_dir: Path, env: dict) -> dict:
    runs = [kg_run(kg_command(data_dir, *COLD_QUERY), env, 60) for _ in range(3)]
    for run in runs:
        run.pop("stdout")
    failed = [r for r in runs if "seconds" not in r or "error" in r]
    if failed:
        return failed[0]
    times = sorted(r["seconds"] for r in runs)
    return {"seconds": times[1], "runs": [r["seconds"] for r in runs],
            "peak_mb": max(r["peak_mb"] for r in runs)}


def run_export(size: str, data_dir: Path, env: dict, args, say) -> dict:
    """Each format twice, each run a `kg export --inferred -o FILE` process; the file's
    size and sha256 (the two runs must agree), then it is deleted."""
    out = {}
    for fmt, extension in EXPORT_FORMATS:
        target = Path(args.work) / f"export-{size}{extension}"
        runs = []
        for _ in range(2):
            target.unlink(missing_ok=True)
            run = kg_run(kg_command(data_dir, "export", "--format", fmt, "--inferred", "-o", str(target)),
                         env, args.budget)
            run.pop("stdout", None)
            if "seconds" in run and "error" not in run and target.is_file():
                digest = hashlib.sha256()
                with open(target, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
                run.update(bytes=target.stat().st_size, sha256=digest.hexdigest())
            runs.append(run)
            say(f"  export {fmt}: {tables.short(run)}")
            if "bytes" not in run:
                break
        target.unlink(missing_ok=True)
        same = len(runs) == 2 and all("sha256" in r for r in runs) and runs[0]["sha256"] == runs[1]["sha256"]
        out[fmt] = {"runs": runs, "same_bytes": same}
    return out


def run_add(size: str, data_dir: Path, addition: Path, env: dict, args, say) -> dict:
    """`kg add FILE` on a copy of the data dir (hard links; kg add writes a new file), then
    the stored query that shows the added article, in two processes with the same cache
    dir: seconds of each, and whether the answer holds the article."""
    scratch = Path(args.work) / f"kg-{size}-add"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(data_dir, scratch, copy_function=os.link)
    article = f"kg:syn-article-{ADDED_ARTICLE:06d}"
    try:
        add = kg_run(kg_command(scratch, "add", str(addition)), env, args.budget)
        add.pop("stdout", None)
        say(f"  kg add: {tables.short(add)}")
        out = {"add": add, "article": article, "query_name": ADD_QUERY}
        if "seconds" not in add or "error" in add:
            return out
        query = kg_run(kg_command(scratch, "query", ADD_QUERY, "--param", f"article={article}", "--format", "csv"),
                       env, args.budget)
        rows = list(csv.DictReader(io.StringIO(query.pop("stdout", ""))))
        full = article.replace("kg:", "https://w3id.org/mqm-kg/id/")
        found = [r for r in rows if r.get("article") in (full, article)
                 and f"Synthetic article {ADDED_ARTICLE}" in (r.get("title") or "")]
        query.update(rows=len(rows), found=bool(found), facts=found[0].get("facts") if found else None)
        say(f"  kg query {ADD_QUERY}: {tables.short(query)}; the added article "
            f"{'found' if found else 'NOT found'}")
        out["query"] = query
        return out
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def bench_size(size: str, args, env_base: dict) -> dict:
    stages = stages_for(size, args)
    data_dir, addition, info = prepare(size, args.seed, Path(args.work), env_base)
    cache = Path(args.work) / f"cache-{size}"
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(env_base, KG_CACHE_DIR=str(cache))
    say = lambda m: print(f"[{size}] {m}", file=sys.stderr, flush=True)  # noqa: E731
    out = {"size": size, "stages": stages, "info": info, "load_average_start": os.getloadavg()}
    if "build" in stages or NEEDS_CACHE & set(stages):
        say("build (load + reason + store) ...")
        out["build"] = run_child("build", env, args.build_timeout, data_dir=data_dir, max_seconds=args.build_timeout)
        out["build"]["asked"] = "build" in stages
        say(f"  {tables.short(out['build'])}")
    if "validate" in stages:
        say("validate ...")
        out["validate"] = run_child("validate", env, args.build_timeout, data_dir=data_dir)
        say(f"  {tables.short(out['validate'])}")
    runs = stored_queries(data_dir) if {"queries", "listings"} & set(stages) else []
    if "queries" in stages:
        say("stored queries with example parameters ...")
        out["queries"] = run_queries(runs, "examples", data_dir, env, args, say)
    if "listings" in stages:
        say("listings (no parameters) ...")
        out["listings"] = run_queries(runs, "listing", data_dir, env, args, say)
    if "cold" in stages:
        out["cold"] = run_cold(data_dir, env)
        say(f"  cold kg query: {tables.short(out['cold'])}")
    if "export" in stages:
        say("export ...")
        out["export"] = run_export(size, data_dir, env, args, say)
    if "add" in stages:
        say("kg add, then kg query ...")
        out["add"] = run_add(size, data_dir, addition, env, args, say)
    if "oxigraph" in stages:
        say("pyoxigraph alone ...")
        out["oxigraph"] = run_child("oxigraph", env, args.budget, data_dir=data_dir,
                                    scratch=Path(args.work) / f"oxi-{size}")
    if "reference" in stages:
        say("pure-Python reference ...")
        out["reference"] = run_child("reference", dict(env, KG_ENGINE="reference"), args.budget,
                                     data_dir=data_dir)
        out["reference_queries"] = run_child("reference-queries", env, args.budget, data_dir=data_dir)
    out["load_average_end"] = os.getloadavg()
    return out


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def _names(text: str, allowed, what: str) -> list[str]:
    """A comma-separated list of ``allowed`` names (argparse type): unknown or none is an error."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown {what}(s) {', '.join(unknown) or '(none)'}; "
                                         f"choose from {', '.join(allowed)}")
    return names


def stage_list(text: str) -> list[str]:
    return _names(text, STAGE_NAMES, "stage")


def size_stages(text: str) -> tuple[str, list[str]]:
    size, sep, names = text.partition("=")
    if not sep or size.strip() not in SIZES:
        raise argparse.ArgumentTypeError(f"expected SIZE=STAGE,STAGE... with SIZE one of {', '.join(SIZES)}")
    return size.strip(), stage_list(names)


def size_list(text: str) -> list[str]:
    return _names(text, SIZES, "size")


def parser() -> argparse.ArgumentParser:
    doc = __doc__.split("\n\n")
    p = argparse.ArgumentParser(
        prog="python bench/run.py", description=doc[0] + "\n\n" + "\n\n".join(doc[2:]),
        epilog="Examples:\n" + doc[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=size_list, default=size_list("10k,100k,1m"), metavar="SIZE,...",
                   help=f"sizes to run, in order, from {', '.join(SIZES)} (default: 10k,100k,1m); "
                        "the targets are judged at 1m, the 10M figures against the 1m of the same run")
    p.add_argument("--seed", type=int, default=1, help="bench/gen.py seed (default 1)")
    p.add_argument("--stages", type=stage_list, metavar="STAGE,...",
                   help=f"run only these stages at every size: {', '.join(STAGE_NAMES)} "
                        "(default: every stage, except that 10m runs only build, validate and queries, "
                        "and reference only up to --reference-max)")
    p.add_argument("--stages-at", type=size_stages, action="append", default=[], metavar="SIZE=STAGE,...",
                   help="the stages of one size, overriding --stages there (repeatable), "
                        "e.g. --stages-at 10m=build,validate")
    p.add_argument("--build-timeout", type=float, default=1800, metavar="S",
                   help="seconds allowed to build (also its reasoning budget) and to validate (default 1800)")
    p.add_argument("--query-timeout", type=float, default=120, metavar="S",
                   help="seconds allowed to each stored query's process (default 120)")
    p.add_argument("--budget", type=float, default=150, metavar="S",
                   help="seconds allowed to each export, add, query-after-add, pyoxigraph and "
                        "pure-Python process (default 150)")
    p.add_argument("--reference-max", type=int, default=100_000, metavar="TRIPLES",
                   help="largest size the pure-Python reference runs at by default (default 100000)")
    p.add_argument("--work", default=str(BENCH / "data"), metavar="DIR",
                   help="generated data, data dirs, caches, exports and results.json (default bench/data, "
                        "not in git)")
    p.add_argument("--out", default=str(BENCH / "RESULTS.md"), metavar="FILE",
                   help="the report (default bench/RESULTS.md; its <!-- section: NAME --> blocks are kept)")
    p.add_argument("--from-json", action="store_true",
                   help="rewrite the report from the last run's WORK/results.json (no measuring)")
    p.add_argument("--targets-at", choices=list(SIZES), metavar="SIZE",
                   help="judge the targets (set for 1m) on another size of the run, for comparison "
                        "(default 1m)")
    p.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    for option in ("data-dir", "name", "params", "scratch", "max-seconds"):
        p.add_argument(f"--{option}", help=argparse.SUPPRESS)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if args.stage:
        sys.path.insert(0, str(ROOT))
        import resource

        result = STAGES[args.stage](args)
        result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"result": result}), flush=True)
        return 0
    args.stages_at = dict(args.stages_at)
    if args.from_json:
        saved = Path(args.work) / "results.json"
        if not saved.is_file():
            parser().error(f"--from-json: {saved} does not exist (run the benchmark first)")
        saved_runs = json.loads(saved.read_text(encoding="utf-8"))
        if not isinstance(saved_runs, dict):
            parser().error(f"--from-json: {saved} was written by an older bench/run.py (run the benchmark again)")
        meta = dict(saved_runs["meta"], **({"targets_at": args.targets_at} if args.targets_at else {}))
        print(tables.write_results(saved_runs["runs"], meta, Path(args.out)))
        return 0
    sys.path.insert(0, str(ROOT))
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("KG_ENGINE", None)
    meta = run_meta(args, args.sizes)
    runs = []
    for size in args.sizes:
        runs.append(bench_size(size, args, env))
        (Path(args.work) / "results.json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=2),
                                                      encoding="utf-8")
        text = tables.write_results(runs, meta, Path(args.out))
    print(text)
    return 0


def run_meta(args, sizes) -> dict:
    """What the report's first paragraph says about the run."""
    import platform

    command = f"python bench/run.py --sizes {','.join(sizes)} --seed {args.seed}"
    if args.stages:
        command += f" --stages {','.join(args.stages)}"
    for size, names in sorted(args.stages_at.items()):
        command += f" --stages-at {size}={','.join(names)}"
    for option, default in (("build_timeout", 1800), ("query_timeout", 120), ("budget", 150)):
        if getattr(args, option) != default:
            command += f" --{option.replace('_', '-')} {getattr(args, option):g}"
    if args.targets_at:
        command += f" --targets-at {args.targets_at}"
    return {"command": command, "node": platform.node() or "this machine", "cores": os.cpu_count(),
            "python": platform.python_version(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "query_timeout": args.query_timeout, "targets_at": args.targets_at}


if __name__ == "__main__":
    raise SystemExit(main())
