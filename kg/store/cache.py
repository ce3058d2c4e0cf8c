"""The reasoned dataset, cached on disk and keyed by a hash of every input.

Layer: kg.store. Imports the layers below it (kg.config, kg.project, kg.rdf, kg.engine),
never kg.ops. The one place that writes, seals and publishes a cache entry, whichever
engine reasoned (the engines only compute; kg.engine.api chooses between them).
Longer than 500 lines because the layout, the build, the integrity manifest and the atomic
swap are one protocol, read together.

Layout of one entry, ``Settings.cache_dir`` (``$KG_CACHE_DIR``, default ``~/.cache/mqm-kg``)
``/<key>/``:

* ``dataset.nq``: every asserted graph (``urn:kg:file:...``) and the inferred graph
  (``urn:kg:inferred``) as sorted N-Quads (entries the fast engine reasoned write it on
  first use: at a million triples sorting it costs seconds nobody may need);
* ``store/``: a pyoxigraph on-disk store loaded from it (what ``kg query`` reads);
* ``meta.json``: input files (with their sha256), triple counts, consistency report, and
  the entry's integrity manifest (``integrity``): quads per graph, and size, sha256 and
  mtime of every file of ``dataset.nq``, ``nemo-extra.tsv`` and ``store/``;
* ``nemo-extra.tsv`` (fast engine): the closure's rows the store does not hold, with which
  a later entry extends this one when data files are only added (kg.store.incremental);
* ``.readers.lock``: a reader of the store holds a shared lock on it (``prune`` spares it).

The key is the SHA-256 of the relative path and bytes of every input file (ontology,
shapes, data) and the package version, so any change rebuilds the entry. An entry is
built in a temporary directory next to it (``.tmp-*``, locked by its builder) and swapped
into place: an old entry is renamed aside (``.old-*``), the new one renamed in, the old
one deleted; a reader never sees a half-written entry. Stray temporary folders (builder
dead, or older than ``STRAY_AGE`` seconds without a lock) are removed whenever the cache
is written.

Integrity: every use checks the manifest cheaply (each file present with its recorded
size and mtime; a changed mtime means its sha256 is compared); ``kg export`` and ``kg
push`` also hash ``dataset.nq`` whatever its mtime, and a ``dataset.nq`` dumped from
the store is checked against the recorded quad counts. A damaged entry (or one without a
manifest) is rebuilt, with a message "cache entry KEY was damaged (REASON); rebuilt";
where that is impossible the error says to run ``kg reason --rebuild``. A store that
RocksDB finds corrupt while opening it is reported the same way, never as an internal
error. Importing this module imports only the standard library; pyoxigraph, rdflib and
owlrl are imported when they are needed.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kg import __version__
from kg.config import DEFAULTS, Settings
from kg.errors import CacheDamagedError
from kg.store.entry_checks import GRAPH_OF_LINE, REBUILD_HINT, Damaged
from kg.store.incremental import EXTRA_ROWS, extend_into, find_base, input_records, write_rows
from kg.fsutil import current_umask, file_mode
from kg.project.paths import DataDir
from kg.engine.reference.reason import DEFAULT_MAX_SECONDS, DEFAULT_MAX_TRIPLES
from kg.rdf.vocab import INFERRED_GRAPH

INTEGRITY_VERSION = 1
STRAY_AGE = 15 * 60          # seconds: an unlocked temporary folder this old is abandoned
BUILDER_LOCK = ".builder.lock"


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
    persistent_store: Path | None = None
    """The persistent store reads go to instead of ``store/`` (``Settings.store``, ``kg --store``)."""

    @property
    def nquads(self) -> Path:
        """The sorted N-Quads file; an entry built by the fast path writes it on first use
        (checked against the recorded quad counts, and recorded in the manifest)."""
        path = self.path / "dataset.nq"
        if not path.is_file():
            try:
                _write_sorted_nquads(self, path)
            except Damaged as exc:
                raise CacheDamagedError(f"cache entry {self.path} is damaged ({exc.reason})",
                                        hint=REBUILD_HINT) from None
        return path

    @property
    def store_path(self) -> Path:
        return self.path / "store"

    @property
    def meta(self) -> dict:
        return json.loads((self.path / "meta.json").read_text(encoding="utf-8"))

    def open_store(self):
        """Open the pyoxigraph store read-only (several processes may read it at once).

        With a persistent store (``persistent_store``: ``kg --store PATH`` / ``$KG_STORE``),
        that store instead, first brought up to date with this entry (kg.store.persistent).
        """
        if self.persistent_store is not None:
            from kg.store.persistent import open_persistent

            return open_persistent(self, self.persistent_store)
        try:
            return _open_read_only(self.store_path)
        except Damaged as exc:
            raise CacheDamagedError(f"cache entry {self.path} is damaged ({exc.reason})",
                                    hint=REBUILD_HINT) from None

    def verify(self, *, full: bool = False) -> None:
        """Raise Damaged unless the entry matches its manifest (see the module docstring).

        Quick: meta.json readable, every recorded file present with its size, and its
        sha256 when its mtime changed. ``full``: dataset.nq is hashed whatever its mtime
        (or, absent, dumped from the store and its quads counted).
        """
        try:
            meta = self.meta
        except (OSError, ValueError) as exc:
            raise Damaged(f"meta.json unreadable: {exc}") from None
        integrity = meta.get("integrity") if isinstance(meta, dict) else None
        if not isinstance(integrity, dict) or integrity.get("version") != INTEGRITY_VERSION:
            raise Damaged("no integrity manifest: built by an older kg")
        for name, record in sorted(integrity.get("files", {}).items()):
            path = self.path / name
            try:
                stat = path.stat()
            except FileNotFoundError:
                raise Damaged(f"{name} is missing") from None
            if stat.st_size != record["size"]:
                raise Damaged(f"{name} has {stat.st_size} bytes, {record['size']} expected")
            if (full and name == "dataset.nq") or stat.st_mtime_ns != record.get("mtime_ns"):
                if _sha256(path) != record["sha256"]:
                    raise Damaged(f"{name} does not match its sha256 checksum")
        nquads = self.path / "dataset.nq"
        if full and "dataset.nq" not in integrity.get("files", {}) and nquads.exists():
            # Written on first use by another process that has not recorded it yet: count it.
            if _nquads_counts(nquads) != integrity.get("graphs"):
                raise Damaged("dataset.nq does not hold the recorded quads per graph")


#: A reader of an entry's store holds a shared lock on this file for as long as its process
#: lives; ``prune`` leaves an entry alone while anyone holds it (RocksDB opens its files
#: lazily: an entry deleted under a live reader, e.g. ``kg serve``, would break it).
READER_LOCK = ".readers.lock"
_reader_locks: dict[Path, object] = {}


def _hold_reader_lock(entry_path: Path) -> None:
    if entry_path in _reader_locks:
        return
    try:
        handle = open(entry_path / READER_LOCK, "a")
    except OSError:  # a read-only cache: nobody prunes it from here either
        return
    fcntl.flock(handle, fcntl.LOCK_SH)
    _reader_locks[entry_path] = handle


def _in_use(entry_path: Path) -> bool:
    try:
        with open(entry_path / READER_LOCK, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
    except OSError:
        pass
    return False


def _open_read_only(store_path: Path):
    import pyoxigraph as ox

    _hold_reader_lock(store_path.parent)
    try:
        return ox.Store.read_only(str(store_path))
    except (RuntimeError, OSError) as exc:
        raise Damaged(f"store/ cannot be opened: {' '.join(str(exc).split())[:300]}") from None


def ensure_cache(data_dir: DataDir, *, settings: Settings = DEFAULTS, progress=None, on_engine=None,
                 rebuild: bool = False, full_check: bool = False,
                 max_seconds: float | None = DEFAULT_MAX_SECONDS,
                 max_triples: int | None = DEFAULT_MAX_TRIPLES) -> CacheEntry:
    """Return the cache entry for the current inputs, building it if needed.

    ``settings``: the cache dir, the persistent store, the engine and the input limits
    (kg.config). ``max_seconds`` / ``max_triples``: the reasoning budget of a build
    (kg.engine.reference.reason.Budget); over it, ReasoningBudgetError and no entry is written.

    ``progress`` is an optional callable taking a message (the CLI prints it on stderr);
    ``on_engine`` one taking the kg.engine.api.EngineRun of a build (``--verbose``).
    ``rebuild``: build a new entry and swap it in, even if one exists. ``full_check``:
    also hash dataset.nq (kg export and kg push). A damaged entry is rebuilt, with a
    message through ``progress`` (or on stderr).
    """
    key = cache_key(data_dir)
    entry = CacheEntry(settings.cache_dir / key, persistent_store=settings.store)
    if not rebuild and (entry.path / "meta.json").is_file():
        try:
            entry.verify(full=full_check)
            return entry
        except Damaged as exc:
            reason = exc.reason
        _rebuild_damaged(data_dir, entry, reason, settings=settings, progress=progress, on_engine=on_engine)
        return entry
    records = input_records(data_dir)  # read once, for both ways of building
    if not rebuild and extend_entry(data_dir, entry, settings=settings, progress=progress, on_engine=on_engine,
                                    max_seconds=max_seconds, max_triples=max_triples, records=records):
        return entry
    build_entry(data_dir, entry, settings=settings, progress=progress, on_engine=on_engine,
                max_seconds=max_seconds, max_triples=max_triples, records=records)
    return entry


def extend_entry(data_dir: DataDir, entry: CacheEntry, *, settings: Settings = DEFAULTS, progress=None,
                 on_engine=None, max_seconds: float | None = DEFAULT_MAX_SECONDS,
                 max_triples: int | None = DEFAULT_MAX_TRIPLES, records: list[dict] | None = None) -> bool:
    """Build ``entry`` by extending an earlier one when data files were only added
    (kg.store.incremental); False where a full build is needed (saying why through
    ``progress`` when the extension itself refused). ``records``: input_records, if read."""
    from kg.engine.api import EngineRun, normalise_setting
    from kg.errors import UnsupportedForFastReasoning

    say = progress or (lambda message: None)
    if normalise_setting(settings.engine) == "reference":
        return False
    root = entry.path.parent
    base, added, _why = find_base(data_dir, root, records or input_records(data_dir))
    if base is None:
        return False  # the usual case of a first build or an edited file: not worth a line
    try:
        CacheEntry(base).verify()
    except Damaged:
        return False
    prune_stray(root)
    with _staging(root, entry.path.name) as staging:
        staged = CacheEntry(staging / entry.path.name)
        staged.path.mkdir()
        try:
            meta, counts = extend_into(data_dir, base, added, staged.path, settings=settings, say=say,
                                       max_seconds=max_seconds, max_triples=max_triples)
        except UnsupportedForFastReasoning as refusal:
            say(f"building the cache in full (the closure cannot be extended: {refusal.message})")
            return False
        except (OSError, RuntimeError) as exc:  # e.g. the base entry pruned by another writer meanwhile
            say(f"building the cache in full (the earlier entry could not be copied: {exc})")
            return False
        meta["version"] = __version__
        (staged.path / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
        _seal(staged, counts, known=CacheEntry(base).meta["integrity"]["files"])
        _swap_in(staged.path, entry.path)
    prune(root, keep=KEEP_ENTRIES, current=entry.path)
    if on_engine:
        on_engine(EngineRun("reasoning", "fast", f"extended the cache entry {base.name[:12]} with "
                                                 f"{len(added)} added file(s): the rules run on what they add"))
    return True


def _rebuild_damaged(data_dir: DataDir, entry: CacheEntry, reason: str, *, settings: Settings,
                     progress=None, on_engine=None) -> None:
    import sys

    say = progress or (lambda message: print(message, file=sys.stderr))
    try:
        build_entry(data_dir, entry, settings=settings, progress=progress, on_engine=on_engine)
        entry.verify(full=True)
    except (OSError, Damaged) as exc:
        detail = exc.reason if isinstance(exc, Damaged) else f"{type(exc).__name__}: {exc}"
        raise CacheDamagedError(f"cache entry {entry.path.name} is damaged ({reason}) and could not be "
                                f"rebuilt ({detail})", hint=REBUILD_HINT) from None
    say(f"cache entry {entry.path.name} was damaged ({reason}); rebuilt")


def open_store(data_dir: DataDir, *, settings: Settings = DEFAULTS, progress=None, on_engine=None):
    """The reasoned dataset as a read-only pyoxigraph Store (built on first use; rebuilt
    once if RocksDB finds the store corrupt); the persistent store when ``settings.store``."""
    entry = ensure_cache(data_dir, settings=settings, progress=progress, on_engine=on_engine)
    if entry.persistent_store is not None:
        return entry.open_store()
    try:
        return _open_read_only(entry.store_path)
    except Damaged as exc:
        _rebuild_damaged(data_dir, entry, exc.reason, settings=settings, progress=progress, on_engine=on_engine)
    return entry.open_store()


def build_entry(data_dir: DataDir, entry: CacheEntry, *, settings: Settings = DEFAULTS, progress=None,
                on_engine=None, max_seconds: float | None = DEFAULT_MAX_SECONDS,
                max_triples: int | None = DEFAULT_MAX_TRIPLES, records: list[dict] | None = None) -> None:
    """Reason on the engine the settings choose (kg.engine.api: Nemo, or owlrl where Nemo
    refuses), then write the entry in a locked temporary folder, seal it and swap it in.
    ``records``: the inputs' input_records, if the caller has read them."""
    from kg.engine.api import run
    from kg.engine.fast.reason import reason_data_dir

    say = progress or (lambda message: None)

    def chosen(engine_run) -> None:
        if engine_run.refusal:
            say(f"fast reasoner not applicable ({engine_run.refusal}); reasoning with owlrl")
        if on_engine:
            on_engine(engine_run)

    root = entry.path.parent
    root.mkdir(parents=True, exist_ok=True)
    prune_stray(root)
    with _staging(root, entry.path.name) as staging:
        staged = CacheEntry(staging / entry.path.name)
        reasoned, engine_run = run(
            "reasoning", settings.engine, on_choice=chosen,
            fast=lambda: reason_data_dir(data_dir, cache_dir=settings.cache_dir, max_nesting=settings.max_nesting,
                                         progress=progress, max_seconds=max_seconds, max_triples=max_triples),
            reference=lambda: _reason_reference(data_dir, settings, say, max_seconds, max_triples))
        staged.path.mkdir()
        meta = {"version": __version__, "key": entry.path.name, "root": str(data_dir.root)}
        if engine_run.engine == "fast":  # a kg.engine.fast.reason.ReasonedStore
            say(f"{reasoned.asserted} asserted, {reasoned.inferred} inferred triples; writing the on-disk store ...")
            _write_store(staged.store_path, reasoned.store)
            triples = reasoned.triples
            meta.update(asserted=reasoned.asserted, inferred=reasoned.inferred,
                        consistency=reasoned.consistency.to_dict(), engine="nemo", extendable=True)
            write_rows(staged.path / EXTRA_ROWS, reasoned.dropped)
        else:  # an rdflib Dataset and its kg.engine.results.ReasonResult
            dataset, result = reasoned
            say(f"{result.asserted_count} asserted, {result.inferred_count} inferred triples; writing cache ...")
            lines = dataset_nquads(dataset, result.inferred)
            (staged.path / "dataset.nq").write_text("".join(lines), encoding="utf-8")
            _load_store(staged.store_path, staged.path / "dataset.nq")
            triples = {str(context.identifier): len(context) for context in dataset.graphs()}
            meta.update(asserted=result.asserted_count, inferred=result.inferred_count,
                        consistency=result.consistency.to_dict())
        meta["files"] = [dict(record, triples=triples.get(record["graph"], 0))
                         for record in records or input_records(data_dir)]
        (staged.path / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
        _seal(staged)
        _swap_in(staged.path, entry.path)
    prune(root, keep=KEEP_ENTRIES, current=entry.path)


def _reason_reference(data_dir: DataDir, settings: Settings, say, max_seconds, max_triples):
    """(rdflib Dataset of the inputs, kg.engine.results.ReasonResult) with owlrl."""
    from kg.engine.reference.reason import reason
    from kg.project.load import load_dataset

    say(f"loading {len(data_dir.input_files())} files from {data_dir.root} ...")
    dataset = load_dataset(data_dir, max_nesting=settings.max_nesting)
    say("reasoning (OWL 2 RL) ...")
    return dataset, reason(dataset, max_seconds=max_seconds, max_triples=max_triples)


# ---------------------------------------------------------------------------
# Integrity manifest, atomic swap, stray folders
# ---------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_record(path: Path) -> dict:
    stat = path.stat()
    return {"size": stat.st_size, "sha256": _sha256(path), "mtime_ns": stat.st_mtime_ns}


def _graph_counts(store_path: Path) -> dict[str, int]:
    store = _open_read_only(store_path)
    try:
        return {row["g"].value: int(row["n"].value) for row in store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    except (RuntimeError, OSError) as exc:
        raise Damaged(f"store/ cannot be read: {' '.join(str(exc).split())[:300]}") from None
    finally:
        del store


def _nquads_counts(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            match = GRAPH_OF_LINE.search(line)
            name = match.group(1) if match else ""
            counts[name] = counts.get(name, 0) + 1
    return counts


def _seal(staged: CacheEntry, counts: dict[str, int] | None = None, known: dict | None = None) -> None:
    """Write the integrity manifest into the staged entry's meta.json; permissions from the umask.

    ``counts``: the quads per graph when the caller knows them (else the store is counted);
    ``known``: another entry's file records, reused for a file of the same size and mtime
    (a hard link of it: kg.store.incremental copies a store with Store.backup).
    """
    counts = counts if counts is not None else _graph_counts(staged.store_path)
    nquads = staged.path / "dataset.nq"
    if nquads.is_file() and _nquads_counts(nquads) != counts:
        raise Damaged("dataset.nq and store/ disagree right after the build")
    files = {"dataset.nq": _file_record(nquads)} if nquads.is_file() else {}
    if (staged.path / EXTRA_ROWS).is_file():
        files[EXTRA_ROWS] = _file_record(staged.path / EXTRA_ROWS)
    for path in sorted(staged.store_path.iterdir()):
        if path.is_file() and path.name not in ("LOCK", "LOG") and not path.name.startswith("LOG.old"):
            name = f"store/{path.name}"
            record = (known or {}).get(name)
            stat = path.stat()
            reuse = record and record["size"] == stat.st_size and record.get("mtime_ns") == stat.st_mtime_ns
            files[name] = dict(record) if reuse else _file_record(path)
    meta = staged.meta
    meta["integrity"] = {"version": INTEGRITY_VERSION, "graphs": dict(sorted(counts.items())),
                         "quads": sum(counts.values()), "files": files}
    (staged.path / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    dir_mode = 0o777 & ~current_umask()
    os.chmod(staged.path, dir_mode)
    os.chmod(staged.store_path, dir_mode)


class _staging:
    """A locked ``.tmp-<key>-*`` folder in the cache root, removed on exit."""

    def __init__(self, root: Path, key: str):
        self.root, self.key = root, key

    def __enter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(prefix=f".tmp-{self.key[:12]}-", dir=self.root))
        self.lock = open(self.path / BUILDER_LOCK, "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        return self.path

    def __exit__(self, *exc) -> None:
        try:
            shutil.rmtree(self.path, ignore_errors=True)
        finally:
            self.lock.close()


def _swap_in(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target``: rename any old one aside, rename in, delete the old."""
    aside = None
    for _ in range(5):
        try:
            os.rename(new, target)  # atomic; fails if target is a non-empty folder
            break
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not target.exists():
                raise
        aside = Path(tempfile.mkdtemp(prefix=f".old-{target.name[:12]}-", dir=target.parent))
        try:
            os.rename(target, aside / target.name)
        except FileNotFoundError:  # another builder moved it first
            pass
    else:
        raise OSError(f"cannot move the new cache entry into {target} (other builders keep replacing it)")
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def prune_stray(root: Path, *, max_age: float = STRAY_AGE) -> list[Path]:
    """Remove the cache root's temporary folders (``.tmp-*``, ``.old-*``) no live builder
    holds: locked by a dead process, or unlocked and older than ``max_age`` seconds.
    Also removes ``.dataset-*`` files abandoned inside entries."""
    removed = []
    now = time.time()
    try:
        children = list(root.iterdir())
    except OSError:
        return removed
    for path in children:
        if path.is_dir() and (path.name.startswith(".tmp-") or path.name.startswith(".old-")):
            lock = path / BUILDER_LOCK
            try:
                with open(lock, "r") as handle:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # a live builder
                    stale = True  # its builder died
            except OSError:
                stale = path.name.startswith(".old-") or now - _mtime(path) > max_age
            if stale:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        elif path.is_dir() and len(path.name) == 64:
            for tmp in path.glob(".dataset-*"):
                if now - _mtime(tmp) > max_age:
                    try:
                        tmp.unlink()
                        removed.append(tmp)
                    except OSError:
                        pass
    return removed


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


KEEP_ENTRIES = 8


def prune(root: Path, *, keep: int = KEEP_ENTRIES, current: Path | None = None) -> None:
    """Remove all but the ``keep`` most recently built entries (never ``current``)."""
    entries = [p for p in root.iterdir() if p.is_dir() and len(p.name) == 64 and (p / "meta.json").exists()]
    entries.sort(key=lambda p: (p / "meta.json").stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        if (current is None or old != current) and not _in_use(old):
            shutil.rmtree(old, ignore_errors=True)
    prune_stray(root)


def dataset_nquads(dataset, inferred=None) -> list[str]:
    """Sorted N-Quads lines of every named graph of ``dataset`` (+ ``inferred``)."""
    import pyoxigraph as ox

    from kg.rdf.terms import rdflib_to_ox

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


def _write_sorted_nquads(entry: CacheEntry, target: Path) -> None:
    """Dump the entry's store as sorted N-Quads, check the quads per graph against the
    manifest, write it atomically (temporary file, then rename) and record it."""
    import pyoxigraph as ox

    store = _open_read_only(entry.store_path)
    try:
        lines = store.dump(format=ox.RdfFormat.N_QUADS).splitlines(keepends=True)
    except (RuntimeError, OSError) as exc:
        raise Damaged(f"store/ cannot be read: {' '.join(str(exc).split())[:300]}") from None
    finally:
        del store
    lines.sort()
    meta = entry.meta
    expected = meta.get("integrity", {}).get("graphs")
    if expected is not None:
        counts: dict[str, int] = {}
        for line in lines:
            name = line[line.rfind(b"<") + 1:line.rfind(b">")].decode("utf-8")
            counts[name] = counts.get(name, 0) + 1
        if counts != expected:
            raise Damaged(f"store/ holds {sum(counts.values())} quads, {sum(expected.values())} recorded")
    _write_file(target, lambda out: out.writelines(lines))
    if expected is not None:
        record = _file_record(target)
        meta = entry.meta
        meta["integrity"]["files"]["dataset.nq"] = record
        _write_file(entry.path / "meta.json",
                    lambda out: out.write(json.dumps(meta, indent=2, sort_keys=True).encode("utf-8")))


def _write_file(target: Path, write) -> None:
    """Write ``target`` atomically (mkstemp + rename), with the mode the umask gives."""
    handle, tmp = tempfile.mkstemp(prefix=f".{'dataset' if target.suffix == '.nq' else target.stem}-",
                                   suffix=target.suffix + ".tmp", dir=target.parent)
    try:
        os.fchmod(handle, file_mode())
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_store(path: Path, source) -> None:
    """Copy the in-memory pyoxigraph store ``source`` into a new on-disk store at ``path``."""
    import pyoxigraph as ox

    disk = ox.Store(str(path))
    disk.bulk_extend(source)
    disk.flush()
    del disk


def _load_store(path: Path, nquads: Path) -> None:
    import pyoxigraph as ox

    store = ox.Store(str(path))
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    del store
