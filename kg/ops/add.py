"""`kg add FILE`: validate new data with the KG, then write it into ``data/`` atomically.

Nothing changes unless the file parses and adds no violation: a result the KG with the file
has and the KG as it is has not (a violation already in the KG is not the new file's fault;
``kg validate`` lists those). A large KG is checked around the new file's nodes only
(kg.ops.addcheck); ``full=True`` validates the whole KG before and after.

Writers are serialised: validation and write happen under an exclusive flock on
``data/.kg-add.lock``, and the KG is read inside it, so two concurrent ``kg add`` see each
other's files (the second of two same-named files is refused; of two files that conflict
only together, the second adds the violation and is refused). Under the lock no other
writer is running, so a leftover ``data/.*.tmp`` is a killed writer's and is removed.

The validation runs on the engine the settings choose (kg.engine.api): the shapes as SPARQL
on pyoxigraph, or pyshacl where the fast validator refuses.

Layer: kg.ops. Imports kg.config, kg.fsutil, kg.rdf, kg.project, kg.engine and kg.ops.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg.config import DEFAULTS, Settings
from kg.errors import OutputError
from kg.project.paths import DataDir

#: The writer lock of ``data/`` (an empty file; .gitignore lists it).
LOCK_NAME = ".kg-add.lock"


@dataclass
class AddResult:
    target: Path
    written: bool
    report: object  # kg.engine.reference.validate.ValidationReport
    existed: bool = False  # the target was there before (replaced, or left as it was)
    data_dir: DataDir | None = None  # the data dir written to (or not)

    def describe(self, source) -> str:
        """One line saying what happened: what was added where, or what was refused and that
        nothing was written (and, when the target was there before, that it is unchanged)."""
        where = self.data_dir.relpath(self.target) if self.data_dir else str(self.target)
        root = f" in the data dir {self.data_dir.root}" if self.data_dir else ""
        if self.written:
            return f"{'Replaced' if self.existed else 'Added'} {source} as {where}{root}."
        kept = f"{where} is unchanged" if self.existed else f"{where} was not created"
        return f"Not added: {source} was refused (see the violations above); nothing was written{root}: {kept}."


def target_path(data_dir: DataDir, source: Path) -> Path:
    return data_dir.data_dir / f"{Path(source).stem}.ttl"


def lock_path(data_dir: DataDir) -> Path:
    return data_dir.data_dir / LOCK_NAME


def _refuse_existing(target: Path, replace: bool) -> None:
    if target.exists() and not replace:
        raise OutputError(f"{target} already exists; refusing to overwrite",
                          hint="pass --replace to replace it, or rename the new file")


def add_file(data_dir: DataDir, source, *, replace: bool = False, full: bool = False,
             settings: Settings = DEFAULTS, progress=None, on_engine=None) -> AddResult:
    """Validate ``source`` with the KG; if it adds no violation, copy it to ``data/<stem>.ttl``.

    Raises ParseError (nothing written), or OutputError when the target exists and
    ``replace`` is false or the data dir is read-only (the installed package's bundled copy).
    Returns an AddResult whose ``written`` says what happened. Holds the writer lock
    (``data/.kg-add.lock``) from validation to write. ``on_engine`` hears the
    kg.engine.api.EngineRun of the validation.
    """
    from kg.fsutil import locked, remove_stale_temporaries

    source = Path(source)
    if data_dir.read_only:
        raise OutputError(f"not adding {source}: the data dir {data_dir.root} is read-only ({data_dir.read_only}); "
                          "nothing was written",
                          hint="run kg add inside a clone of the repository, or point --data-dir or "
                               "KG_DATA_DIR at one")
    target = target_path(data_dir, source)
    _refuse_existing(target, replace)  # early: no need to wait for the lock
    from kg.rdf.io import check_input_files  # nesting, HTML, JSON-LD drops, no triples
    check_input_files([source], max_bytes=settings.max_input_bytes, max_nesting=settings.max_nesting)
    with locked(lock_path(data_dir)):
        remove_stale_temporaries(data_dir.data_dir)  # no live writer owns one now
        _refuse_existing(target, replace)  # another writer may have written it meanwhile
        return _add_locked(data_dir, source, target, full=full, settings=settings, progress=progress,
                           on_engine=on_engine)


def _add_locked(data_dir: DataDir, source: Path, target: Path, *, full: bool, settings: Settings, progress,
                on_engine) -> AddResult:
    """add_file's validation and write, the writer lock held: the KG is read as it is now."""
    from kg.engine.api import run
    from kg.fsutil import atomic_write
    from kg.project.schemacheck import check_inputs  # schema axioms in a data file: SchemaInDataError
    from kg.rdf.io import read_bytes

    limits = {"max_bytes": settings.max_input_bytes, "max_nesting": settings.max_nesting}
    check_inputs(data_dir, [source], skip=[target], memo_dir=settings.cache_dir, **limits)
    report, _ = run("validation", settings.engine, on_choice=on_engine,
                    fast=lambda: _fast_report(data_dir, source, target, full=full, settings=settings,
                                              progress=progress, on_engine=on_engine),
                    reference=lambda: _reference_report(data_dir, source, target, settings=settings))
    existed = target.exists()
    if not report.conforms:
        return AddResult(target, False, report, existed, data_dir)
    if source.suffix.lower() in (".ttl", ".turtle"):
        data = read_bytes(source, settings.max_input_bytes)
    else:
        from kg.project.load import parse_file

        data = parse_file(source, **limits).serialize(format="longturtle", encoding="utf-8")
    atomic_write(target, data)
    return AddResult(target, True, report, existed, data_dir)


def _reference_report(data_dir: DataDir, source: Path, target: Path, *, settings: Settings):
    """pyshacl's report on what ``source`` adds when written to ``target``."""
    from rdflib import URIRef

    from kg.engine.reference.validate import validate_dataset
    from kg.project.load import graph_name_for, load_dataset, new_dataset, parse_file_into
    from kg.rdf.io import UNLIMITED

    dataset = new_dataset()
    for path in data_dir.input_files():
        if path.resolve() == target.resolve():
            continue  # replaced by the new file
        parse_file_into(dataset.graph(URIRef(graph_name_for(data_dir, path))), path, max_bytes=UNLIMITED,
                        max_nesting=settings.max_nesting)
    parse_file_into(dataset.graph(URIRef(graph_name_for(data_dir, target))), source,
                    max_bytes=settings.max_input_bytes, max_nesting=settings.max_nesting)
    report = validate_dataset(data_dir, dataset)
    if report.conforms:
        return report
    # Only now is the KG as it is worth validating.
    return only_new(report, validate_dataset(data_dir, load_dataset(data_dir, max_nesting=settings.max_nesting)))


def only_new(after, before):
    """``after`` without the violations ``before`` has (a kg.engine.reference.validate.ValidationReport)."""
    from dataclasses import replace as copy

    from kg.ops.addcheck import new_violations

    added = new_violations(after.violations, before.violations)
    return copy(after, conforms=not added, violations=added)


#: From this size of ontology, shapes and data, kg add validates only the neighbourhood of the
#: added file's nodes (kg.ops.addcheck); below it, the whole KG (the fast validator takes well
#: under a second on the article KG).
NEIGHBOURHOOD_FROM_BYTES = 1_000_000


def _fast_report(data_dir: DataDir, source: Path, target: Path, *, full: bool, settings: Settings, progress,
                 on_engine):
    """The fast engines' report on what ``source`` adds; raises Unsupported when they cannot apply."""
    from kg.ops.validate_kg import validate_files
    from kg.rdf.io import read_bytes

    read_bytes(source, settings.max_input_bytes)  # the same size checks as the reference path
    size = sum(p.stat().st_size for p in data_dir.input_files() if p.is_file())
    if not full and size >= NEIGHBOURHOOD_FROM_BYTES:
        from kg.ops.addcheck import check_addition

        return check_addition(data_dir, source, target, settings=settings, progress=progress, on_engine=on_engine)
    options = {"progress": progress, "cache_dir": settings.cache_dir, "max_nesting": settings.max_nesting}
    after = validate_files(data_dir, [source], replaced=[target], aliases={source: target},
                           max_bytes=settings.max_input_bytes, **options)
    return after if after.conforms else only_new(after, validate_files(data_dir, **options))
