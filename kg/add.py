"""`kg add FILE`: validate new data with the KG, then write it into ``data/`` atomically.

Nothing changes unless the file parses and the KG with it conforms to the shapes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg.errors import OutputError
from kg.paths import DataDir


@dataclass
class AddResult:
    target: Path
    written: bool
    report: object  # kg.validate.ValidationReport


def target_path(data_dir: DataDir, source: Path) -> Path:
    return data_dir.data_dir / f"{Path(source).stem}.ttl"


def add_file(data_dir: DataDir, source, *, replace: bool = False) -> AddResult:
    """Validate ``source`` with the KG; if it conforms, copy it to ``data/<stem>.ttl``.

    Raises ParseError (nothing written) or OutputError when the target exists and
    ``replace`` is false. Returns an AddResult whose ``written`` says what happened.
    """
    from kg.fsutil import atomic_write
    from kg.load import add_file as load_into
    from kg.load import graph_name_for, new_dataset
    from kg.rdfio import UNLIMITED, read_bytes
    from kg.validate import validate_dataset

    source = Path(source)
    target = target_path(data_dir, source)
    if target.exists() and not replace:
        raise OutputError(f"{target} already exists; refusing to overwrite",
                          hint="pass --replace to replace it, or rename the new file")
    from rdflib import URIRef

    from kg.fastreason import engine_for

    report = None
    if engine_for(data_dir, [source]) == "fast":  # large KG: shapes as SPARQL (kg.fastvalidate)
        from kg.fastvalidate import fast_or_none

        read_bytes(source)  # the same size and safety checks as below
        report = fast_or_none(data_dir, [source], replaced=[target], aliases={source: target})
    if report is None:
        dataset = new_dataset()
        for path in data_dir.input_files():
            if path.resolve() == target.resolve():
                continue  # replaced by the new file
            load_into(dataset.graph(URIRef(graph_name_for(data_dir, path))), path, max_bytes=UNLIMITED)
        load_into(dataset.graph(URIRef(graph_name_for(data_dir, target))), source)
        report = validate_dataset(data_dir, dataset)
    if not report.conforms:
        return AddResult(target, False, report)
    if source.suffix.lower() in (".ttl", ".turtle"):
        data = read_bytes(source)
    else:
        from kg.load import parse_file

        data = parse_file(source).serialize(format="longturtle", encoding="utf-8")
    atomic_write(target, data)
    return AddResult(target, True, report)
