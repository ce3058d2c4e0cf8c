"""The reasoned dataset, cached on disk and keyed by a hash of every input.

Layout of one entry, ``$KG_CACHE_DIR`` (default ``~/.cache/mqm-kg``) ``/<key>/``:

* ``dataset.nq``: every asserted graph (``urn:kg:file:...``) and the inferred graph
  (``urn:kg:inferred``) as sorted N-Quads (entries built by kg.fastreason write it on
  first use: at a million triples sorting it costs seconds nobody may need);
* ``store/``: a pyoxigraph on-disk store loaded from it (what ``kg query`` reads);
* ``meta.json``: input files, triple counts, consistency report.

The key is the SHA-256 of the relative path and bytes of every input file (ontology,
shapes, data) and the package version, so any change rebuilds the entry. An entry is
built in a temporary directory next to it and renamed into place (``os.replace``), so a
reader never sees a half-written cache. This module imports only the standard library
and pyoxigraph; rdflib and owlrl are imported only when an entry has to be built.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kg import __version__
from kg.paths import DataDir
from kg.prefixes import INFERRED_GRAPH, file_graph

ENV_VAR = "KG_CACHE_DIR"


def cache_root() -> Path:
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "mqm-kg"


def cache_key(data_dir: DataDir) -> str:
    digest = hashlib.sha256()
    digest.update(f"mqm-kg {__version__}\n".encode())
    for path in data_dir.input_files():
        data = path.read_bytes()
        digest.update(f"{data_dir.relpath(path)}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    path: Path

    @property
    def nquads(self) -> Path:
        """The sorted N-Quads file; an entry built by the fast path writes it on first use."""
        path = self.path / "dataset.nq"
        if not path.is_file():
            _write_sorted_nquads(self.store_path, path)
        return path

    @property
    def store_path(self) -> Path:
        return self.path / "store"

    @property
    def meta(self) -> dict:
        return json.loads((self.path / "meta.json").read_text(encoding="utf-8"))

    def open_store(self):
        """Open the pyoxigraph store read-only (several processes may read it at once).

        With a persistent store configured (``kg --store PATH`` / ``$KG_STORE``), that store
        instead, first brought up to date with this entry (kg.backends).
        """
        import pyoxigraph as ox

        if os.environ.get("KG_STORE"):
            from kg.backends import open_persistent

            return open_persistent(self, os.environ["KG_STORE"])
        return ox.Store.read_only(str(self.store_path))


def ensure_cache(data_dir: DataDir, *, progress=None, rebuild: bool = False) -> CacheEntry:
    """Return the cache entry for the current inputs, building it if needed.

    ``progress`` is an optional callable taking a message (the CLI prints it on stderr).
    """
    key = cache_key(data_dir)
    entry = CacheEntry(cache_root() / key)
    if not rebuild and (entry.path / "meta.json").is_file():
        return entry
    build_entry(data_dir, entry, progress=progress)
    return entry


def open_store(data_dir: DataDir, *, progress=None):
    """The reasoned dataset as a read-only pyoxigraph Store (built on first use)."""
    return ensure_cache(data_dir, progress=progress).open_store()


def build_entry(data_dir: DataDir, entry: CacheEntry, *, progress=None) -> None:
    """Load, reason and write a cache entry atomically."""
    from kg.fastreason import UnsupportedForFastReasoning, build_entry_fast, engine_for
    from kg.load import load_dataset
    from kg.reason import reason

    say = progress or (lambda message: None)
    if engine_for(data_dir) == "fast":  # large inputs: pyoxigraph + Nemo (kg.fastreason)
        try:
            build_entry_fast(data_dir, entry, progress=progress)
            prune(entry.path.parent, keep=KEEP_ENTRIES, current=entry.path)
            return
        except UnsupportedForFastReasoning as exc:
            say(f"fast reasoner not applicable ({exc.message}); reasoning with owlrl")
    say(f"loading {len(data_dir.input_files())} files from {data_dir.root} ...")
    dataset = load_dataset(data_dir)
    say("reasoning (OWL 2 RL) ...")
    result = reason(dataset)
    say(f"{result.asserted_count} asserted, {result.inferred_count} inferred triples; writing cache ...")
    entry.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{entry.path.name[:12]}-", dir=entry.path.parent))
    try:
        lines = dataset_nquads(dataset, result.inferred)
        (tmp / "dataset.nq").write_text("".join(lines), encoding="utf-8")
        _load_store(tmp / "store", tmp / "dataset.nq")
        files = []
        for path in data_dir.input_files():
            name = file_graph(data_dir.relpath(path))
            files.append({"path": data_dir.relpath(path), "graph": name,
                          "triples": len(dataset.graph(_uri(name)))})
        meta = {"version": __version__, "key": entry.path.name, "root": str(data_dir.root),
                "files": files, "asserted": result.asserted_count,
                "inferred": result.inferred_count,
                "consistency": result.consistency.to_dict()}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
        try:
            os.replace(tmp, entry.path)
        except OSError:
            if not (entry.path / "meta.json").is_file():
                # A stale, incomplete entry: replace it.
                shutil.rmtree(entry.path, ignore_errors=True)
                os.replace(tmp, entry.path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    prune(entry.path.parent, keep=KEEP_ENTRIES, current=entry.path)


KEEP_ENTRIES = 8


def prune(root: Path, *, keep: int = KEEP_ENTRIES, current: Path | None = None) -> None:
    """Remove all but the ``keep`` most recently built entries (never ``current``)."""
    entries = [p for p in root.iterdir() if p.is_dir() and len(p.name) == 64 and (p / "meta.json").exists()]
    entries.sort(key=lambda p: (p / "meta.json").stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        if current is None or old != current:
            shutil.rmtree(old, ignore_errors=True)


def _uri(value: str):
    from rdflib import URIRef

    return URIRef(value)


def dataset_nquads(dataset, inferred=None) -> list[str]:
    """Sorted N-Quads lines of every named graph of ``dataset`` (+ ``inferred``)."""
    import pyoxigraph as ox

    from kg.terms import rdflib_to_ox

    quads = []
    for context in dataset.graphs():
        name = str(context.identifier)
        if name == "urn:x-rdflib:default" or not len(context):
            continue
        graph = ox.NamedNode(name)
        quads.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), graph)
                     for s, p, o in context)
    if inferred is not None:
        graph = ox.NamedNode(INFERRED_GRAPH)
        quads.extend(ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), graph)
                     for s, p, o in inferred)
    text = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    return sorted(set(line + "\n" for line in text.splitlines() if line))


def _write_sorted_nquads(store_path: Path, target: Path) -> None:
    """Dump a store as sorted N-Quads, written atomically (temporary file, then rename)."""
    import pyoxigraph as ox

    lines = ox.Store.read_only(str(store_path)).dump(format=ox.RdfFormat.N_QUADS).splitlines(keepends=True)
    lines.sort()
    handle, tmp = tempfile.mkstemp(prefix=".dataset-", suffix=".nq", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.writelines(lines)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _load_store(path: Path, nquads: Path) -> None:
    import pyoxigraph as ox

    store = ox.Store(str(path))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    del store
