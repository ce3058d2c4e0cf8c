"""Benchmark: the whole kg workflow at 10k, 100k and 1M triples, written to bench/RESULTS.md.

    python bench/run.py                      # 10k, 100k, 1m (about 20 minutes on 2 cores)
    python bench/run.py --sizes 10k,100k --budget 120

For each size it generates the synthetic data (bench/gen.py, seeded), makes a data dir
(the project's ontology, shapes and queries, the article data plus the synthetic file)
and times, each stage in its own process (wall time, and peak memory from the child's
``ru_maxrss``):

* **build**: ``kg.store.cache.ensure_cache`` on a cold cache: load, OWL 2 RL reasoning, store
  (the project's own code: Nemo and pyoxigraph above ``KG_ENGINE``'s size threshold);
* **validate**: ``kg.ops.validate.validate`` of the whole KG (load, RDFS closure, shapes);
* **queries**: every stored query (``queries/*.rq``) through ``kg.ops.query.run_query``
  with the parameters of its ``#+ param:`` examples, and without its optional ones, next
  to the same SPARQL run on the same pyoxigraph store directly; rows compared;
* **cold query**: ``python -m kg query`` in a new process on the warm cache;
* **export** (``kg.ops.export.export``, N-Triples) and **add** (``kg.ops.add.add_file`` of one
  article-sized file, ``gen.py --addition``), each within ``--budget``;
* **reference**: the pure-Python path (rdflib load, owlrl, pyshacl) within ``--budget``;
* **pyoxigraph**: parsing and loading the same files with pyoxigraph alone.

The machine's load average is recorded: other processes on the same cores slow every
number down.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
TARGETS_AT = "1m"


# ---------------------------------------------------------------------------
# Child stages (run in their own process: python bench/run.py --stage NAME ...)
# ---------------------------------------------------------------------------

def stage_build(args) -> dict:
    from kg.config import Settings
    from kg.store.cache import ensure_cache
    from kg.project.paths import DataDir

    marks = []
    start = time.perf_counter()
    entry = ensure_cache(DataDir(Path(args.data_dir)), settings=Settings.from_environment(),
                         progress=lambda m: marks.append((time.perf_counter(), m)))
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
            "engine": meta.get("engine", "owlrl"), "consistent": meta["consistency"]["consistent"]}


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
    """One stored query: project code and pyoxigraph directly, alternately, twice each."""
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
    text = inject_values(query.text, terms) if terms else query.text
    project, direct = [], []
    rows_project = rows_direct = None
    for _ in range(2):
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
    return {"seconds": min(project), "direct": min(direct), "rows": rows_project, "rows_direct": rows_direct}


def stage_export(args) -> dict:
    from kg.config import Settings
    from kg.ops.export import export
    from kg.project.paths import DataDir

    start = time.perf_counter()
    data = export(DataDir(Path(args.data_dir)), "nt", inferred=True, settings=Settings.from_environment())
    return {"seconds": time.perf_counter() - start, "bytes": len(data)}


def stage_add(args) -> dict:
    from kg.config import Settings
    from kg.ops.add import add_file
    from kg.project.paths import DataDir

    start = time.perf_counter()
    result = add_file(DataDir(Path(args.data_dir)), Path(args.file), settings=Settings.from_environment())
    return {"seconds": time.perf_counter() - start, "written": result.written,
            "violations": len(result.report.violations)}


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


STAGES = {"build": stage_build, "validate": stage_validate, "query": stage_query, "export": stage_export,
          "add": stage_add, "reference": stage_reference, "reference-queries": stage_reference_queries,
          "oxigraph": stage_oxigraph}


# ---------------------------------------------------------------------------
# Parent: run stages in children, collect, write RESULTS.md
# ---------------------------------------------------------------------------

def run_child(stage: str, env: dict, timeout: float | None, **options) -> dict:
    """Run one stage in a new process; its JSON answer (with its own peak RSS) and wall time."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", stage]
    for key, value in options.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    start = time.perf_counter()
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    partial: dict = {}
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        for line in out.splitlines():
            if line.startswith('{"partial"'):
                partial.update(json.loads(line)["partial"])
        return {"timeout": timeout, "wall": time.perf_counter() - start, "steps": partial, "maxrss_mb": None}
    wall = time.perf_counter() - start
    answer = None
    for line in out.splitlines():
        if line.startswith('{"result"'):
            answer = json.loads(line)["result"]
    if answer is None:
        return {"error": (err or out)[-2000:], "wall": wall, "maxrss_mb": None}
    answer["wall"] = wall
    return answer


def prepare(size: str, seed: int, work: Path) -> tuple[Path, Path, dict]:
    """Generate the data (once per size and seed) and the data dir; return (dir, addition, info)."""
    triples = SIZES[size]
    work.mkdir(parents=True, exist_ok=True)
    synthetic = work / f"{size}-seed{seed}.ttl"
    addition = work / f"{size}-seed{seed}-addition.ttl"
    info = {}
    gen = [sys.executable, str(BENCH / "gen.py"), "--triples", str(triples), "--seed", str(seed),
           "--link-kg", str(ROOT / "data"), "--format", "nt"]
    if not synthetic.is_file():
        start = time.perf_counter()
        subprocess.run(gen + ["--out", str(synthetic)], check=True, capture_output=True)
        info["generate"] = time.perf_counter() - start
    if not addition.is_file():
        subprocess.run(gen + ["--addition", "900001", "--out", str(addition)], check=True, capture_output=True)
    with open(synthetic, encoding="utf-8") as handle:
        info["header"] = [next(handle)[2:].strip() for _ in range(3)]
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
    """(name, variant, params): with every example parameter, and with the required ones only."""
    sys.path.insert(0, str(ROOT))
    from kg.project.paths import DataDir
    from kg.project.catalogue import catalogue

    runs = []
    for query in catalogue(DataDir(data_dir)):
        examples = {p.name: p.example for p in query.params}
        required = {p.name: p.example for p in query.params if p.required}
        runs.append((query.name, "examples", examples))
        if required != examples:
            runs.append((query.name, "required only", required))
    return runs


def bench_size(size: str, args, env_base: dict) -> dict:
    data_dir, addition, info = prepare(size, args.seed, Path(args.work))
    cache = Path(args.work) / f"cache-{size}"
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(env_base, KG_CACHE_DIR=str(cache))
    say = lambda m: print(f"[{size}] {m}", file=sys.stderr, flush=True)  # noqa: E731
    out = {"size": size, "info": info, "load_average_start": os.getloadavg()}
    say("build (load + reason) ...")
    out["build"] = run_child("build", env, args.budget * 4, data_dir=data_dir)
    say(f"  {out['build'].get('seconds', out['build'])}")
    say("validate ...")
    out["validate"] = run_child("validate", env, args.budget * 4, data_dir=data_dir)
    say(f"  {out['validate'].get('seconds', out['validate'])}")
    out["queries"] = []
    for name, variant, params in stored_queries(data_dir):
        result = run_child("query", env, args.query_timeout, data_dir=data_dir, name=name, params=json.dumps(params))
        result.update({"name": name, "variant": variant, "params": params})
        out["queries"].append(result)
        say(f"  query {name} ({variant}): {result.get('seconds', result.get('timeout') and 'timeout')}")
    cold = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kg", "--data-dir", str(data_dir), "query", "aliases",
                        "--param", "entity=kg:anees-qaimkhani", "--format", "csv"], env=env, cwd=ROOT,
                       capture_output=True, check=True)
        cold.append(time.perf_counter() - start)
    out["cold_query"] = sorted(cold)[1]
    say(f"  cold kg query {out['cold_query']:.2f}")
    say("export ...")
    out["export"] = run_child("export", env, args.budget, data_dir=data_dir)
    say("add ...")
    scratch = Path(args.work) / f"kg-{size}-add"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(data_dir, scratch, copy_function=os.link)
    out["add"] = run_child("add", env, args.budget, data_dir=scratch, file=addition)
    shutil.rmtree(scratch, ignore_errors=True)
    say(f"  {out['add'].get('seconds', out['add'])}")
    say("pyoxigraph alone ...")
    out["oxigraph"] = run_child("oxigraph", env, args.budget, data_dir=data_dir,
                                scratch=Path(args.work) / f"oxi-{size}")
    if SIZES[size] <= args.reference_max:
        say("pure-Python reference ...")
        out["reference"] = run_child("reference", dict(env, KG_ENGINE="reference"), args.budget,
                                     data_dir=data_dir)
        out["reference_queries"] = run_child("reference-queries", env, args.budget, data_dir=data_dir)
    out["load_average_end"] = os.getloadavg()
    return out


# ---------------------------------------------------------------------------
# RESULTS.md
# ---------------------------------------------------------------------------

def fmt_s(value) -> str:
    if value is None:
        return "–"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def seconds_of(result: dict):
    if "timeout" in result:
        return None
    return result.get("seconds")


def cell(result: dict | None, key="seconds") -> str:
    if not result:
        return "not run"
    if "timeout" in result:
        done = ", ".join(f"{k} {fmt_s(v)}" for k, v in result.get("steps", {}).items())
        return f"> {result['timeout']:.0f} s (budget)" + (f"; finished: {done}" if done else "")
    if "error" in result:
        return "error: " + result["error"].strip().splitlines()[-1][:100]
    return fmt_s(result.get(key))


def mem(result: dict | None) -> str:
    if not result or result.get("maxrss_mb") is None:
        return "–"
    return f"{result['maxrss_mb']:.0f} MB"


def write_results(runs: list[dict], args, path: Path) -> str:
    lines = ["# Benchmark results", "",
             f"`python bench/run.py --sizes {args.sizes} --seed {args.seed} --budget {args.budget:g} "
             f"--query-timeout {args.query_timeout:g}` on {platform.node() or 'this machine'}: "
             f"{os.cpu_count()} cores, Python {platform.python_version()}, "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
             "Every stage runs in a process of its own; seconds are wall time, memory the child's peak "
             "RSS. The load average (other processes on the same cores) is given per size: the machine "
             "was shared while this ran, so every number here is an upper bound.", ""]
    for run in runs:
        size, b, v = run["size"], run["build"], run["validate"]
        header = run["info"].get("header", [])
        lines += [f"## {size}", "", f"Data: `{header[0] if header else ''}`; {header[1] if len(header) > 1 else ''}; "
                  f"{header[2] if len(header) > 2 else ''}. Load average "
                  f"{run['load_average_start'][0]:.2f} at start, {run['load_average_end'][0]:.2f} at end.", ""]
        triples = b.get("asserted")
        rate = lambda s: f"{triples / s:,.0f}/s" if triples and s else "–"  # noqa: E731
        lines += ["| stage | project code | triples/s | peak memory | detail |", "|---|---|---|---|---|"]
        steps = b.get("steps", {})
        lines.append(f"| build: load + reason + store (`kg reason`, cold cache) | {cell(b)} | {rate(seconds_of(b))} "
                     f"| {mem(b)} | engine {b.get('engine', '?')}; "
                     + ", ".join(f"{k} {fmt_s(x)}" for k, x in steps.items())
                     + f"; {b.get('asserted', '?')} asserted, {b.get('inferred', '?')} inferred |")
        vs = v.get("steps", {})
        lines.append(f"| validate (`kg validate`, whole KG) | {cell(v)} | {rate(seconds_of(v))} | {mem(v)} | "
                     f"engine {v.get('engine', '?')}; " + ", ".join(f"{k} {fmt_s(x)}" for k, x in vs.items())
                     + f"; {v.get('violations', '?')} violations |")
        q_total = sum(seconds_of(q) or 0 for q in run["queries"])
        q_timeouts = sum(1 for q in run["queries"] if "timeout" in q)
        q_mem = max((q.get("maxrss_mb") or 0 for q in run["queries"]), default=0)
        lines.append(f"| every stored query ({len(run['queries'])} runs) | {fmt_s(q_total)}"
                     f"{f' + {q_timeouts} over the timeout' if q_timeouts else ''} | – | {q_mem:.0f} MB | see below |")
        lines.append(f"| cold `kg query` (new process, warm cache) | {fmt_s(run['cold_query'])} | – | – | "
                     f"`kg query aliases --param entity=kg:anees-qaimkhani` |")
        e, a = run["export"], run["add"]
        lines.append(f"| export (N-Triples, with inferences) | {cell(e)} | – | {mem(e)} | "
                     f"{e.get('bytes', 0) / 1e6:.0f} MB |" if "bytes" in e else
                     f"| export (N-Triples, with inferences) | {cell(e)} | – | {mem(e)} | |")
        lines.append(f"| `kg add` of one article-sized file | {cell(a)} | – | {mem(a)} | "
                     + (f"written: {a.get('written')}, {a.get('violations')} violations reported |"
                        if "written" in a else "|"))
        o = run["oxigraph"]
        lines.append(f"| pyoxigraph alone: parse / into memory / into an on-disk store | "
                     + " / ".join(fmt_s(o.get("steps", {}).get(k)) for k in ("parse", "load (memory)", "load (disk)"))
                     + f" | {rate(o.get('steps', {}).get('load (disk)'))} | {mem(o)} | |")
        if "reference" in run:
            r = run["reference"]
            lines.append(f"| pure Python: rdflib load, owlrl, pyshacl | {cell(r)} | {rate(seconds_of(r))} | {mem(r)} | "
                         + ", ".join(f"{k} {fmt_s(x)}" for k, x in r.get("steps", {}).items()) + " |")
            rq = run["reference_queries"]
            lines.append(f"| pure Python: every stored query on rdflib | {cell(rq)} | – | {mem(rq)} | "
                         f"load {fmt_s(rq.get('steps', {}).get('load (rdflib)'))} |")
        else:
            lines.append("| pure Python: rdflib load, owlrl, pyshacl | not run at this size (see the smaller ones) | | | |")
        end_to_end = (seconds_of(b) or 0) + (seconds_of(v) or 0) + q_total
        peak = max((x.get("maxrss_mb") or 0) for x in [b, v] + run["queries"])
        lines += ["", f"End to end (build + validate + every stored query): **{fmt_s(end_to_end)}**"
                  f"{' (some queries over the timeout not counted)' if q_timeouts else ''}, "
                  f"peak memory **{peak:.0f} MB**.", ""]
        lines += ["| query | parameters | project code | pyoxigraph directly | ratio | rows |", "|---|---|---|---|---|---|"]
        for q in run["queries"]:
            params = ", ".join(f"{k}={x}" for k, x in q["params"].items()) or "–"
            if "timeout" in q or "error" in q:
                lines.append(f"| {q['name']} | {params} | {cell(q)} | | | |")
                continue
            ratio = q["seconds"] / q["direct"] if q["direct"] else float("nan")
            same = "" if q["rows"] == q["rows_direct"] else f" (direct: {q['rows_direct']})"
            lines.append(f"| {q['name']} | {params} | {fmt_s(q['seconds'])} | {fmt_s(q['direct'])} | "
                         f"{ratio:.2f} | {q['rows']}{same} |")
        lines.append("")
    lines += targets(runs)
    text = "\n".join(lines) + "\n" + kept_sections(path)
    path.write_text(text, encoding="utf-8")
    return text


def kept_sections(path: Path) -> str:
    """The ``<!-- section: NAME -->`` ... ``<!-- /section: NAME -->`` blocks other bench
    scripts (bench/export_list.py) wrote into RESULTS.md: kept when it is rewritten."""
    import re

    old = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(r"<!-- section: ([\w-]+) -->.*?<!-- /section: \1 -->", re.S)
    return "".join("\n" + match.group(0) + "\n" for match in pattern.finditer(old))


def targets(runs) -> list[str]:
    run = next((r for r in runs if r["size"] == TARGETS_AT), None)
    if run is None:
        return []
    b, v = run["build"], run["validate"]
    q_total = sum(seconds_of(q) or 0 for q in run["queries"])
    q_timeouts = [q for q in run["queries"] if "timeout" in q or "error" in q]
    end_to_end = (seconds_of(b) or 0) + (seconds_of(v) or 0) + q_total
    peak = max((x.get("maxrss_mb") or 0) for x in [b, v] + run["queries"])
    reason = b.get("steps", {}).get("reason")
    ratios = [q["seconds"] / q["direct"] for q in run["queries"] if q.get("direct")]
    # Below 10 ms the project's fixed cost (checking and binding the parameters, ~0.2 ms) is
    # what a ratio measures; both are shown, the target is judged on the others.
    timed = [q["seconds"] / q["direct"] for q in run["queries"] if (q.get("direct") or 0) >= 0.01]
    worst = max(timed) if timed else None
    worst_all = max(ratios) if ratios else None
    a = run["add"]
    ok = lambda cond: "met" if cond else "**not met**"  # noqa: E731
    rows = [
        ("load + reason + validate + every stored query, end to end", "≤ 60 s, ≤ 2 GB",
         f"{fmt_s(end_to_end)}, {peak:.0f} MB" + (f" ({len(q_timeouts)} query runs over the timeout)" if q_timeouts else ""),
         ok(end_to_end <= 60 and peak <= 2048 and not q_timeouts)),
        ("OWL 2 RL reasoning", "≤ 10 s", fmt_s(reason), ok(reason is not None and reason <= 10)),
        ("SHACL validation of the whole KG", "≤ 24 s", fmt_s(seconds_of(v)),
         ok(seconds_of(v) is not None and seconds_of(v) <= 24)),
        ("each stored query vs pyoxigraph directly", "≤ 1.5×",
         (f"worst {worst:.2f}× over the {len(timed)} runs of 10 ms or more" if worst else "–")
         + (f" (all runs: {worst_all:.2f}×)" if worst_all else ""),
         ok(worst is not None and worst <= 1.5 and not q_timeouts)),
        ("`kg add` of one article-sized file", "≤ 5 s", fmt_s(seconds_of(a)), ok(seconds_of(a) is not None and seconds_of(a) <= 5)),
        ("cold `kg query` (new process, warm cache)", "≤ 1 s", fmt_s(run["cold_query"]), ok(run["cold_query"] <= 1)),
    ]
    lines = [f"## Targets at {TARGETS_AT}", "", "| target | wanted | measured | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return lines + [""]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget", type=float, default=150, help="seconds for export, add, reference stages")
    parser.add_argument("--query-timeout", type=float, default=120)
    parser.add_argument("--reference-max", type=int, default=100_000, help="largest size for the pure-Python path")
    parser.add_argument("--work", default=str(BENCH / "data"))
    parser.add_argument("--out", default=str(BENCH / "RESULTS.md"))
    parser.add_argument("--from-json", action="store_true",
                        help="rewrite RESULTS.md from the last run's results.json (no measuring)")
    parser.add_argument("--stage", choices=sorted(STAGES), help=argparse.SUPPRESS)
    for option in ("data-dir", "name", "params", "file", "scratch"):
        parser.add_argument(f"--{option}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage:
        sys.path.insert(0, str(ROOT))
        import resource

        result = STAGES[args.stage](args)
        result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"result": result}), flush=True)
        return 0
    if args.from_json:
        saved = Path(args.work) / "results.json"
        if not saved.is_file():
            parser.error(f"--from-json: {saved} does not exist (run the benchmark first)")
        runs = json.loads(saved.read_text(encoding="utf-8"))
        args.sizes = ",".join(run["size"] for run in runs)
        print(write_results(runs, args, Path(args.out)))
        return 0
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("KG_ENGINE", None)
    runs = []
    for size in args.sizes.split(","):
        runs.append(bench_size(size.strip(), args, env))
        (Path(args.work) / "results.json").write_text(json.dumps(runs, indent=2), encoding="utf-8")
        print(write_results(runs, args, Path(args.out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
