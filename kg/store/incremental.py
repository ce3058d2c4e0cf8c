"""A cache entry extended from the previous one when data files were only added (``kg add``).

OWL 2 RL is monotone: adding triples only adds inferences. So when the inputs are those of
an existing entry (the *base*) plus new data files, every other file byte-identical, the new
entry is the base's store copied (``Store.backup``: hard links, no copy of the data) with the
new files loaded into their graphs and the closure extended by what they add
(kg.engine.fast.extend), instead of loading and reasoning over everything again.

Anything else rebuilds in full (``find_base`` says why): a changed or removed file (not
monotone), a changed ontology or shapes file, a base built by owlrl or by an older kg (it
lacks the rows the store does not hold, ``nemo-extra.tsv``), or a refusal of the extension
(UnsupportedForFastReasoning). tests/test_incremental.py checks that an extended entry
equals a full rebuild: asserted and inferred quads, counts and consistency report.

Layer: kg.store. Imports kg.config, kg.errors, kg.rdf, kg.project and kg.engine; kg.store.cache
imports it (it writes into the staging folder the cache gives it and never publishes).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kg.config import Settings
from kg.project.paths import DataDir
from kg.rdf.vocab import INFERRED_GRAPH, file_graph

#: The rows of the closure the store does not hold (relation, subject, object; tab-separated).
EXTRA_ROWS = "nemo-extra.tsv"


def input_records(data_dir: DataDir) -> list[dict]:
    """Every input file as recorded in an entry's meta.json: path, graph and sha256."""
    records = []
    for path in data_dir.input_files():
        relpath = data_dir.relpath(path)
        records.append({"path": relpath, "graph": file_graph(relpath),
                        "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    return records


def find_base(data_dir: DataDir, root: Path, records: list[dict]) -> tuple[Path | None, list[dict], str]:
    """(base entry, the added files' records, "") or (None, [], why there is none).

    The base is the most recent entry under ``root`` built by the fast engine whose input
    files are all among ``records``, byte-identical, the others being ``data/`` files.
    """
    current = {record["path"]: record for record in records}
    data_paths = {data_dir.relpath(path) for path in data_dir.data_files()}
    try:
        entries = [p for p in root.iterdir() if p.is_dir() and len(p.name) == 64 and (p / "meta.json").is_file()]
    except OSError:
        return None, [], "no cache yet"
    entries.sort(key=lambda p: (p / "meta.json").stat().st_mtime, reverse=True)
    why = "no earlier entry"
    for path in entries:
        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        files = meta.get("files", [])
        if meta.get("engine") != "nemo" or not meta.get("extendable") or \
                any("sha256" not in f for f in files):
            why = "the last entry was not built by this kg's fast engine"
            continue
        base = {f["path"]: f for f in files}
        if any(current.get(name, {}).get("sha256") != f["sha256"] for name, f in base.items()):
            why = "an input file was changed or removed since the last entry"
            continue
        added = [record for name, record in sorted(current.items()) if name not in base]
        if not added:
            continue
        if any(record["path"] not in data_paths for record in added):
            why = "an ontology or shapes file was added"
            continue
        return path, added, ""
    return None, [], why


def extend_into(data_dir: DataDir, base: Path, added: list[dict], staged: Path, *, settings: Settings,
                say, max_seconds=None, max_triples=None) -> tuple[dict, dict[str, int]]:
    """Write into ``staged`` (an empty entry folder) the base entry extended with ``added``.

    Returns (meta without its integrity manifest, quads per graph). Raises
    UnsupportedForFastReasoning (the caller rebuilds in full), SchemaInDataError,
    ParseError and ReasoningBudgetError like a full build.
    """
    import pyoxigraph as ox

    from kg.engine.fast.extend import extend_closure
    from kg.engine.fast.tbox import tbox_for
    from kg.engine.reference.reason import Budget
    from kg.engine.results import ConsistencyReport
    from kg.project.schemacheck import check_store
    from kg.rdf.io import UNLIMITED, load_into_store

    base_meta = json.loads((base / "meta.json").read_text(encoding="utf-8"))
    budget = Budget(max_seconds, max_triples)
    say(f"extending cache entry {base.name[:12]} with {', '.join(r['path'] for r in added)} ...")
    ox.Store.read_only(str(base / "store")).backup(str(staged / "store"))
    store = ox.Store(str(staged / "store"))
    try:
        new_graphs = [record["graph"] for record in added]
        for record in added:
            load_into_store(store, data_dir.root / record["path"], record["graph"], max_bytes=UNLIMITED,
                            max_nesting=settings.max_nesting)
        check_store(store, {record["graph"]: record["path"] for record in added})
        reasoned = {data_dir.relpath(p) for p in data_dir.ontology_files() + data_dir.data_files()}
        old_graphs = [f["graph"] for f in base_meta["files"] if f["path"] in reasoned]
        dropped = read_rows(base / EXTRA_ROWS)
        tbox = tbox_for(data_dir.ontology_files(), cache_dir=settings.cache_dir, budget=budget,
                        max_nesting=settings.max_nesting)
        extension = extend_closure(store, tbox, old_graphs=old_graphs, inferred_graph=INFERRED_GRAPH,
                                   new_graphs=new_graphs, dropped=dropped, budget=budget)
        counts = dict(base_meta["integrity"]["graphs"])
        inferred = ox.NamedNode(INFERRED_GRAPH)
        asserted_added = 0
        for index, graph in enumerate(new_graphs):
            quads = list(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
            counts[graph] = len(quads)
            earlier = [ox.NamedNode(g) for g in old_graphs + new_graphs[:index]]
            for quad in quads:
                triple = (quad.subject, quad.predicate, quad.object)
                if ox.Quad(*triple, inferred) in store:  # now asserted: no longer inferred
                    store.remove(ox.Quad(*triple, inferred))
                    counts[INFERRED_GRAPH] -= 1
                if not any(ox.Quad(*triple, g) in store for g in earlier):
                    asserted_added += 1
        fresh = [quad for quad in _quads(extension.lines, inferred) if quad not in store]
        store.extend(fresh)
        counts[INFERRED_GRAPH] = counts.get(INFERRED_GRAPH, 0) + len(fresh)
        counts = {graph: n for graph, n in counts.items() if n}
        store.flush()
    finally:
        del store
    old_report = base_meta["consistency"]
    report = ConsistencyReport(
        errors=sorted(set(old_report["errors"]) | extension.errors),
        nothing_members=sorted(set(old_report["nothing_members"]) | extension.nothing_members),
        same_as=sorted({tuple(pair) for pair in old_report["same_as"]} | extension.same_as))
    write_rows(staged / EXTRA_ROWS, dropped + extension.dropped)
    records = {record["path"]: record for record in base_meta["files"]}
    files = []
    for path in data_dir.input_files():
        relpath = data_dir.relpath(path)
        record = dict(records.get(relpath) or next(r for r in added if r["path"] == relpath))
        record["triples"] = counts.get(record["graph"], 0)
        files.append(record)
    meta = {"version": base_meta["version"], "key": staged.name, "root": str(data_dir.root), "engine": "nemo",
            "extendable": True, "extended_from": base.name, "asserted": base_meta["asserted"] + asserted_added,
            "inferred": counts.get(INFERRED_GRAPH, 0), "consistency": report.to_dict(), "files": files}
    return meta, counts


def _quads(lines, graph) -> list:
    import pyoxigraph as ox

    text = "".join(sorted(lines)).encode("utf-8")
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(text, format=ox.RdfFormat.TURTLE)]


def write_rows(path: Path, rows) -> None:
    """Write ``EXTRA_ROWS``: (relation, subject, object) rows, tab-separated."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.writelines(f"{name}\t{s}\t{o}\n" for name, s, o in rows)


def read_rows(path: Path) -> list[tuple[str, str, str]]:
    """The rows ``write_rows`` wrote."""
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        for line in handle:
            name, s, o = line.rstrip("\n").split("\t")
            rows.append((name, s, o))
    return rows
