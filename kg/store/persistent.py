"""The persistent pyoxigraph store (``kg --store PATH``, or ``$KG_STORE``).

A pyoxigraph on-disk store in ``PATH/oxigraph`` that every command reads instead of the
cache's copy (the default, embedded store is the reasoned dataset cached by
kg.store.cache, nothing to set up). It is brought up to date from the reasoned dataset
graph by graph: a graph whose content hash changed is replaced, a graph that disappeared
is dropped, the others are left alone, so adding one article to a large KG rewrites that
article's graph and the inferred graph only. ``PATH/kg-store.json`` records the cache key
and one hash per graph. Writers take a lock (``PATH/.lock``); readers open the store
read-only, several processes at once.

Layer: store. Imports kg.store.cache, kg.errors and kg.fsutil.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kg.errors import CacheDamagedError, StoreError
from kg.fsutil import atomic_write
from kg.store.entry_checks import GRAPH_OF_LINE, REBUILD_HINT, Damaged

STORE_META = "kg-store.json"
STORE_DIR = "oxigraph"


@dataclass
class SyncReport:
    """What sync_store did: the graphs it replaced, dropped and left alone."""

    path: Path
    replaced: list
    dropped: list
    unchanged: list

    @property
    def changed(self) -> bool:
        return bool(self.replaced or self.dropped)


def _read_meta(root: Path) -> dict | None:
    try:
        return json.loads((root / STORE_META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StoreError(f"{root / STORE_META}: unreadable store description: {exc}") from None


def _check_root(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise StoreError(f"--store {root}: exists and is not a directory")
    if root.is_dir() and any(p.name != ".lock" for p in root.iterdir()) and not (root / STORE_META).is_file():
        raise StoreError(f"--store {root}: the directory is not empty and is not a kg store "
                         f"(no {STORE_META}); refusing to write into it",
                         hint="give a new or empty directory")


@contextmanager
def _locked(root: Path):
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _graphs_of(nquads: Path) -> dict[str, list[str]]:
    """The cache's N-Quads lines grouped by graph IRI (every line of the cache has one)."""
    graphs: dict[str, list[str]] = {}
    with open(nquads, encoding="utf-8") as handle:
        for line in handle:
            match = GRAPH_OF_LINE.search(line)
            if not match:
                raise StoreError(f"{nquads}: a quad without a named graph: {line[:120]!r}")
            graphs.setdefault(match.group(1), []).append(line)
    return graphs


def _graph_hash(lines: list[str]) -> str:
    """Content hash of one graph's N-Quads lines, independent of blank-node labels (which
    change with every rebuild): a graph with blank nodes is canonicalised (RDFC-1.0) first."""
    import pyoxigraph as ox

    if any("_:" in line for line in lines):
        dataset = ox.Dataset(ox.parse("".join(lines), format=ox.RdfFormat.N_QUADS))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        lines = sorted(str(quad) + " .\n" for quad in dataset)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def sync_store(entry, path, *, progress=None) -> SyncReport:
    """Bring the persistent store at ``path`` up to date with cache ``entry``, graph by graph."""
    import pyoxigraph as ox

    root = Path(path).expanduser().resolve()
    _check_root(root)
    say = progress or (lambda message: None)
    meta = _read_meta(root)
    if meta and meta.get("key") == entry.path.name and (root / STORE_DIR).is_dir():
        return SyncReport(root, [], [], sorted(meta.get("graphs", {})))
    with _locked(root):
        meta = _read_meta(root) or {}
        if meta.get("key") == entry.path.name and (root / STORE_DIR).is_dir():
            return SyncReport(root, [], [], sorted(meta.get("graphs", {})))
        _verify_entry(entry)
        graphs = _graphs_of(entry.nquads)
        hashes = {name: _graph_hash(lines) for name, lines in graphs.items()}
        old = meta.get("graphs", {}) if (root / STORE_DIR).is_dir() else {}
        replaced = sorted(g for g in hashes if old.get(g) != hashes[g])
        dropped = sorted(g for g in old if g not in hashes)
        unchanged = sorted(g for g in hashes if old.get(g) == hashes[g])
        say(f"updating store {root}: {len(replaced)} graph(s) to load, {len(dropped)} to drop, "
            f"{len(unchanged)} unchanged ...")
        # Mark the store dirty first: if we die half-way, the next run reloads everything.
        _write_meta(root, {"key": None, "graphs": {}, "version": 1})
        store = ox.Store(str(root / STORE_DIR))
        try:
            for name in dropped + replaced:
                graph = ox.NamedNode(name)
                if store.contains_named_graph(graph):
                    store.remove_graph(graph)
            for name in replaced:
                text = "".join(graphs[name])
                store.bulk_extend(ox.parse(text, format=ox.RdfFormat.N_QUADS))
            store.flush()
            if replaced or dropped:
                store.optimize()
        finally:
            del store
        _write_meta(root, {"key": entry.path.name, "graphs": hashes, "version": 1,
                           "quads": sum(len(v) for v in graphs.values())})
    return SyncReport(root, replaced, dropped, unchanged)


def _verify_entry(entry) -> None:
    """The cache entry must match its integrity manifest (kg.store.cache) before it is copied in."""
    try:
        entry.verify(full=True)
    except Damaged as exc:
        raise CacheDamagedError(f"cache entry {entry.path.name} is damaged ({exc.reason}); "
                                "not copying it into the store", hint=REBUILD_HINT) from None


def _write_meta(root: Path, meta: dict) -> None:
    atomic_write(root / STORE_META, json.dumps(meta, indent=2, sort_keys=True))


def store_path(path) -> Path:
    """Where the pyoxigraph store of a persistent kg store lives."""
    return Path(path).expanduser().resolve() / STORE_DIR


def open_persistent(entry, path, *, progress=None):
    """Sync the persistent store at ``path`` with ``entry`` and open it read-only."""
    import pyoxigraph as ox

    report = sync_store(entry, path, progress=progress)
    try:
        return ox.Store.read_only(str(report.path / STORE_DIR))
    except OSError as exc:
        raise StoreError(f"--store {report.path}: cannot open the store: {exc}") from None
