"""SHACL validation with pyshacl, and a report object that names each violation's file.

The data graph is the ontology plus every data file (plus the files being checked, for
``kg validate FILE`` and ``kg add FILE``); the shapes come from ``ontology/shapes.ttl``.
The inference mode is the one the shapes file's header declares (``inference="rdfs"``),
so the CLI gives the verdict the shapes were written and tested for.
"""
from __future__ import annotations

from kg.rdf.vocab import SH

from kg.engine.results import DEFAULT_INFERENCE, ValidationReport, Violation

import re

from kg.project.paths import DataDir
from kg.rdf.terms import report_term_text
from kg.rdf.vocab import FILE_GRAPH_PREFIX


def shapes_inference(shapes_path) -> str:
    """The inference mode a shapes file declares in its header (default rdfs)."""
    try:
        head = shapes_path.read_text(encoding="utf-8")[:8000]
    except OSError:
        return DEFAULT_INFERENCE
    match = re.search(r'inference\s*=\s*"(none|rdfs|owlrl|both)"', head)
    return match.group(1) if match else DEFAULT_INFERENCE


def validate(data_dir: DataDir, files=(), *, dataset=None, engine: str | None = None) -> ValidationReport:
    """Validate the KG (and extra ``files`` read together with it) against the shapes.

    ``engine``: "fast" (shapes as SPARQL, kg.engine.fast.validate; pyshacl where it refuses),
    "reference" (pyshacl, whose report has a ``results_graph``), or None ($KG_ENGINE, default
    fast). Raises ParseError for an unparsable file; returns a ValidationReport otherwise.
    """
    from kg.project.load import load_dataset
    from kg.project.schemacheck import check_inputs  # schema axioms in a data file: SchemaInDataError

    from kg.rdf.io import check_input_files  # nesting, HTML, JSON-LD drops, no triples
    check_input_files(files)
    from kg.store.cache import cache_root

    check_inputs(data_dir, files, cache_dir=cache_root())

    if dataset is None:
        from kg.engine.fast.reason import engine_for

        if (engine or engine_for(data_dir, files, task="validation")) == "fast":  # shapes as SPARQL (kg.engine.fast.validate)
            from kg.engine.fast.validate import fast_or_none

            report = fast_or_none(data_dir, files)
            if report is not None:
                return report
        dataset = load_dataset(data_dir, files)
    return validate_dataset(data_dir, dataset)


def validate_dataset(data_dir: DataDir, dataset) -> ValidationReport:
    """Validate ``dataset`` (one graph per file, kg.project.load) with pyshacl.

    The shapes are the graph of the data dir's shapes file (``ontology/shapes.ttl``) and
    nothing else: a data file or an input *named* shapes.ttl is data. Raises ShapesError
    when pyshacl cannot validate with the shapes (a ValidationFailure, a shape it cannot load).
    """
    import pyshacl
    from pyshacl.errors import ReportableRuntimeError
    from rdflib import Graph, URIRef

    from kg.project.load import bind_prefixes, is_shapes_graph

    shapes, data = Graph(), Graph()
    bind_prefixes(data)
    for context in dataset.graphs():
        name = str(context.identifier)
        if is_shapes_graph(name, data_dir):
            into = shapes
        elif name.startswith(FILE_GRAPH_PREFIX):
            into = data
        else:
            continue
        for triple in context:
            into.add(triple)
    inference = shapes_inference(data_dir.shapes_file)
    if not len(shapes):
        return ValidationReport(conforms=True, inference=inference)
    try:
        conforms, results, _text = pyshacl.validate(
            data, shacl_graph=shapes, inference=inference, advanced=True,
            allow_warnings=False, abort_on_first=False)
    except ReportableRuntimeError as exc:  # ShapeLoadError, ConstraintLoadError, ...
        raise _shapes_error(data_dir, exc) from None
    if not isinstance(results, Graph):  # pyshacl returns a ValidationFailure instead of a report
        raise _shapes_error(data_dir, results)
    origin = _origin_index(dataset)
    violations = []
    sh = lambda local: URIRef(SH + local)  # noqa: E731
    for result in results.subjects(sh("resultSeverity"), None):
        focus = results.value(result, sh("focusNode"))
        path = results.value(result, sh("resultPath"))
        value = results.value(result, sh("value"))
        messages = sorted(str(m) for m in results.objects(result, sh("resultMessage")))
        severity = str(results.value(result, sh("resultSeverity"))).replace(SH, "")
        violations.append(Violation(
            focus=str(focus),
            path=report_term_text(path, results),
            value=report_term_text(value, results),
            component=str(results.value(result, sh("sourceConstraintComponent"))),
            message=" / ".join(messages) or "(no message)",
            severity=severity,
            shape=report_term_text(results.value(result, sh("sourceShape")), results),
            source_file=origin.get(str(focus)),
        ))
    violations.sort(key=lambda v: (v.source_file or "", v.focus, v.path or "", v.component, v.message,
                                   v.value or ""))
    return ValidationReport(conforms=bool(conforms), violations=violations, results_graph=results,
                            inference=inference)


def _shapes_error(data_dir: DataDir, failure):
    """A ShapesError naming the shapes file and pyshacl's reason."""
    from kg.errors import ShapesError

    reason = " ".join(str(getattr(failure, "message", None) or failure).split()) or type(failure).__name__
    return ShapesError(
        f"{data_dir.shapes_file}: pyshacl cannot validate with these shapes: {reason}",
        path=data_dir.shapes_file, reason=reason,
        hint="fix the shape pyshacl names (SHACL-SPARQL forbids VALUES, MINUS and SERVICE in "
             "sh:select / sh:ask, and a nested SELECT must select $this); nothing was validated")


def _origin_index(dataset) -> dict[str, str]:
    """IRI -> path of the first file (data files first) where it is a subject (else object)."""
    graphs = sorted((str(c.identifier), c) for c in dataset.graphs()
                    if str(c.identifier).startswith(FILE_GRAPH_PREFIX))
    graphs.sort(key=lambda item: (not item[0].startswith(FILE_GRAPH_PREFIX + "data/"), item[0]))
    origin: dict[str, str] = {}
    for name, context in graphs:
        label = name[len(FILE_GRAPH_PREFIX):]
        for subject in context.subjects():
            origin.setdefault(str(subject), label)
    for name, context in graphs:
        label = name[len(FILE_GRAPH_PREFIX):]
        for obj in context.objects():
            origin.setdefault(str(obj), label)
    return origin
