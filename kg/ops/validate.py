"""`kg validate`: the KG, with any extra files read together with it, against its shapes.

Layer: kg.ops. Imports kg.config, kg.rdf, kg.project, kg.engine and kg.ops.validate_kg.
The engine is chosen by kg.engine.api: the shapes as SPARQL on pyoxigraph
(kg.ops.validate_kg.validate_files, on kg.engine.fast), or pyshacl
(kg.engine.reference.validate) where the fast validator refuses.
"""
from __future__ import annotations

from kg.config import DEFAULTS, Settings
from kg.engine.results import ValidationReport
from kg.project.paths import DataDir


def validate(data_dir: DataDir, files=(), *, settings: Settings = DEFAULTS, engine: str | None = None,
             progress=None, on_engine=None) -> ValidationReport:
    """Validate the KG (and extra ``files`` read together with it) against the shapes.

    ``engine``: "fast", "reference" (pyshacl, whose report has a ``results_graph``) or
    "auto"; None: ``settings.engine``. ``on_engine`` hears the kg.engine.api.EngineRun.
    Raises ParseError for an unparsable file, SchemaInDataError for a file stating a schema
    axiom; returns a ValidationReport otherwise.
    """
    from kg.engine.api import run
    from kg.ops.validate_kg import validate_files
    from kg.engine.reference.validate import validate_dataset
    from kg.project.load import load_dataset
    from kg.project.schemacheck import check_inputs
    from kg.rdf.io import check_input_files  # nesting, HTML, JSON-LD drops, no triples

    limits = {"max_bytes": settings.max_input_bytes, "max_nesting": settings.max_nesting}
    check_input_files(files, **limits)
    check_inputs(data_dir, files, memo_dir=settings.cache_dir, **limits)
    report, _ = run(
        "validation", engine or settings.engine, on_choice=on_engine,
        fast=lambda: validate_files(data_dir, files, progress=progress, cache_dir=settings.cache_dir, **limits),
        reference=lambda: validate_dataset(data_dir, load_dataset(data_dir, files, **limits)))
    return report
