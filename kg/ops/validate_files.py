"""Validate given files against a given shapes graph: ``kg validate --shapes SHAPES FILE...``.

Unlike ``kg.engine.reference.validate`` (the KG against ``ontology/shapes.ttl``), the data graph is the union of
the files alone: no ontology, no KG, and no inference unless asked (``inference="rdfs"``).
Engines:

* ``reference``: pyshacl.
* ``fast``: the shapes translated to SPARQL (``kg.engine.fast.shapes``) on pyoxigraph; a shapes
  graph it cannot translate soundly raises ``UnsupportedShape`` naming the construct.
* ``auto`` (the default): fast, and pyshacl where the fast path refuses (``report.fallback``
  says why).

The report's terms are written in full, the same on both engines: IRIs without brackets,
literals as in N-Triples (``"5"^^<http://www.w3.org/2001/XMLSchema#int>``), blank nodes as
``_:`` labels, paths in SPARQL syntax with ``<IRI>``s.

Layer: kg.ops. Imports kg.config, kg.errors, kg.rdf (vocab, terms, io) and kg.engine (results, fast);
rdflib, pyoxigraph and pyshacl inside functions.
"""
from __future__ import annotations

from dataclasses import replace

from kg.rdf.vocab import SH

from pathlib import Path

from kg.config import DEFAULT_MAX_NESTING
from kg.engine.api import run
from kg.errors import KGError, UnsupportedShape
from kg.engine.results import ValidationReport, Violation

ENGINES = ("auto", "fast", "reference")
INFERENCES = ("none", "rdfs")


def validate_with_shapes(shapes_path, files, *, engine: str = "auto", inference: str = "none",
                         max_bytes: int | None = None, max_nesting: int = DEFAULT_MAX_NESTING) -> ValidationReport:
    """Validate the union of ``files`` against the shapes in ``shapes_path``; every file at
    most ``max_bytes`` big and ``max_nesting`` deep (kg.config.Settings holds the user's limits).

    Raises ParseError for an unreadable file, UnsupportedShape when ``engine="fast"`` cannot
    translate the shapes, ShapesError when pyshacl cannot use them.
    """
    if engine not in ENGINES:
        raise KGError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if inference not in INFERENCES:
        raise KGError(f"unknown inference {inference!r}: expected one of {', '.join(INFERENCES)}")
    if not files:
        raise KGError("no data files given", hint="kg validate --shapes SHAPES.ttl FILE...")
    paths = [Path(f) for f in files]
    limits = {"max_bytes": max_bytes, "max_nesting": max_nesting}
    shapes_quads = _quads(Path(shapes_path), **limits)  # size, safety, nesting, HTML, JSON-LD drops, no triples
    data_quads = {path: _quads(path, **limits) for path in paths}
    data = _rdflib_graph(q for quads in data_quads.values() for q in quads)
    origin: dict = {}
    for path, quads in data_quads.items():  # where a focus node comes from
        for q in quads:
            for term in (q.subject, q.object):
                origin.setdefault(_plain(str(term)), str(path))
    def fast() -> ValidationReport:
        return replace(_fast(shapes_quads, data_quads, inference), engine="fast")

    def reference() -> ValidationReport:
        return replace(_reference(_rdflib_graph(shapes_quads), data, inference, shapes_path), engine="reference")

    try:
        report, ran = run("validation", engine, fast, reference)  # the one fallback (kg.engine.api)
    except UnsupportedShape as exc:  # --engine fast: the refusal is the answer
        construct = exc.message.replace(SH, "sh:")  # short enough to be shown whole
        raise UnsupportedShape(f"the fast validator cannot translate {Path(shapes_path)}: {construct}",
                               hint="use --engine auto or reference (pyshacl)") from None
    report.fallback = ran.refusal
    return _with_origin(report, origin)


def _with_origin(report: ValidationReport, origin: dict) -> ValidationReport:
    report.violations = [replace(v, source_file=origin.get(v.focus)) for v in report.violations]
    return report


# -- the engines ---------------------------------------------------------------

def _quads(path: Path, *, max_bytes: int | None, max_nesting: int) -> list:
    """The file's quads (pyoxigraph), relative IRIs resolved against the file's own URI."""
    from kg.rdf.io import parse_quads

    return parse_quads(path, require_triples=True, base_iri=path.resolve().as_uri(), max_bytes=max_bytes,
                       max_nesting=max_nesting)


def _rdflib_graph(quads, *, keep_lexical: bool = False):
    """An rdflib Graph of ``quads`` (named graphs flattened). ``keep_lexical``: literals keep
    the lexical form as written ("1"^^xsd:boolean stays "1"), as the fast compiler must see it."""
    import rdflib
    from rdflib import Graph

    from kg.rdf.terms import ox_to_rdflib

    graph, saved = Graph(), rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = not keep_lexical
    try:
        for q in quads:
            graph.add((ox_to_rdflib(q.subject), ox_to_rdflib(q.predicate), ox_to_rdflib(q.object)))
    finally:
        rdflib.NORMALIZE_LITERALS = saved
    return graph


def without_reports(graph):
    """``graph`` less its validation reports (a sh:ValidationReport and the blank nodes it
    reaches: its results): a report is not a shape, but its sh: terms would be read as one."""
    from rdflib import RDF, URIRef

    return without(graph, graph.subjects(RDF.type, URIRef(SH + "ValidationReport")))


def without(graph, roots):
    """``graph`` less every triple of ``roots`` and of the blank nodes only they reach (in
    place). A blank node that something else also points to (a shape that a report names as
    its sh:sourceShape) is kept."""
    from rdflib import BNode

    roots = set(roots)
    reached, todo = set(), list(roots)
    while todo:   # every blank node reachable from the roots
        node = todo.pop()
        for o in graph.objects(node, None):
            if isinstance(o, BNode) and o not in reached and o not in roots:
                reached.add(o)
                todo.append(o)
    owned, grew = set(roots), True
    while grew:   # ... of which those pointed to only from what is removed
        grew = False
        for node in reached - owned:
            if all(s in owned for s in graph.subjects(None, node)):
                owned.add(node)
                grew = True
    for node in owned:
        for p, o in list(graph.predicate_objects(node)):
            graph.remove((node, p, o))
    return graph


def _fast(shapes_quads, data_quads: dict, inference: str) -> ValidationReport:
    import pyoxigraph as ox

    from kg.engine.fast.literals import check_datatypes_as_written
    from kg.engine.fast.shapes.compiler import CompiledShapes
    from kg.engine.fast.validate import validate_store

    if inference != "none":
        raise UnsupportedShape(f"inference={inference} on a data graph of its own is not translated")
    shapes = without_reports(_rdflib_graph(shapes_quads, keep_lexical=True))
    compiled = CompiledShapes.from_graph(shapes, inference="none")
    for path in data_quads:  # pyoxigraph stores some datatypes as another: refuse those
        check_datatypes_as_written(path.read_bytes(), str(path))
    store = ox.Store()
    store.extend([ox.Quad(q.subject, q.predicate, q.object) for quads in data_quads.values() for q in quads])
    results = validate_store(store, compiled, graphs=None, rdfs_closed=False, workers=1)
    paths, shapes_named = _fast_texts(shapes)
    violations = [Violation(focus=_plain(r.focus), path=paths.get(r.path) or _full_iri(r.path),
                            value=_plain(r.value) if r.value is not None else None,
                            component=r.component, message=r.message or _default_message(r.component),
                            severity=r.severity, shape=shapes_named.get(r.shape, _plain(r.shape)),
                            source_file=None)
                  for r in results]
    return _report(violations)


def _full_iri(path: str | None) -> str | None:
    """A path the fast validator wrote as a prefixed name (the predicate of a sh:closed or
    SPARQL result) -> the IRI in full, as the reference writes it; other texts unchanged."""
    import re

    from kg.rdf.vocab import PREFIXES

    match = re.fullmatch(r"([A-Za-z][\w-]*):([\w.-]+)", path or "")
    return PREFIXES[match.group(1)] + match.group(2) if match and match.group(1) in PREFIXES else path


def _default_message(component: str) -> str:
    """For a shape without sh:message: "sh:minLength not satisfied" (from the component's IRI)."""
    local = component.replace(SH, "").replace("ConstraintComponent", "")
    return f"sh:{local[:1].lower()}{local[1:]} not satisfied" if component.startswith(SH) else "constraint not satisfied"


def _fast_texts(shapes) -> tuple[dict, dict]:
    """The fast validator names paths and blank-node shapes by descriptions (kg.engine.reference.validate's
    texts); map them back to this module's texts: (path map, shape map)."""
    from rdflib import BNode, URIRef

    from kg.rdf.terms import path_text, report_term_text

    paths = {}
    for node in set(shapes.objects(None, URIRef(SH + "path"))):
        try:
            paths.setdefault(path_text(node, shapes), _rdflib_path(node, shapes))
        except RecursionError:  # an ill-formed (cyclic) path of a shape that reported nothing
            continue
    described: dict[str, set] = {}
    for node in set(shapes.subjects()):
        if isinstance(node, BNode):
            try:
                described.setdefault(report_term_text(node, shapes), set()).add(node)
            except RecursionError:  # a cyclic list or path: not a shape that reported anything
                continue
    named = {text: _term(next(iter(nodes))) for text, nodes in described.items() if len(nodes) == 1}
    return paths, named


def _reference(shapes, data, inference: str, shapes_path) -> ValidationReport:
    import pyshacl
    from pyshacl.errors import ReportableRuntimeError
    from rdflib import Graph, URIRef

    from kg.errors import ShapesError

    try:
        _conforms, results, _text = pyshacl.validate(
            data, shacl_graph=shapes, inference=inference, advanced=True, allow_warnings=False,
            abort_on_first=False)
    except ReportableRuntimeError as exc:
        reason = " ".join(str(getattr(exc, "message", None) or exc).split())
        raise ShapesError(f"{shapes_path}: pyshacl cannot validate with these shapes: {reason}",
                          path=Path(shapes_path), reason=reason) from None
    if not isinstance(results, Graph):
        raise ShapesError(f"{shapes_path}: pyshacl cannot validate with these shapes: {results}",
                          path=Path(shapes_path), reason=str(results))
    sh = lambda local: URIRef(SH + local)  # noqa: E731
    violations = []
    for result in results.subjects(sh("resultSeverity"), None):
        value = results.value(result, sh("value"))
        messages = sorted(str(m) for m in results.objects(result, sh("resultMessage")))
        violations.append(Violation(
            focus=_term(results.value(result, sh("focusNode"))),
            path=_rdflib_path(results.value(result, sh("resultPath")), results),
            value=_term(value) if value is not None else None,
            component=str(results.value(result, sh("sourceConstraintComponent"))),
            message=" / ".join(messages) or "(no message)",
            severity=str(results.value(result, sh("resultSeverity"))).replace(SH, ""),
            shape=_term(results.value(result, sh("sourceShape"))),
            source_file=None))
    return _report(violations)


def _report(violations) -> ValidationReport:
    violations = sorted(set(violations), key=lambda v: (v.focus, v.path or "", v.component, v.value or "",
                                                        v.shape or "", v.message))
    conforms = not violations  # SHACL: a result of any severity (Warning, Info) means it does not conform
    return ValidationReport(conforms=conforms, violations=violations, inference="none")


# -- term texts -----------------------------------------------------------------

def _term(term) -> str | None:
    """rdflib term -> IRI in full, N-Triples literal, or ``_:`` label."""
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        from kg.rdf.terms import rdflib_to_ox

        return str(rdflib_to_ox(term))
    return str(term)


def _plain(text: str) -> str:
    """N-Triples text of an IRI -> the IRI; literals and blank nodes stay as they are."""
    return text[1:-1] if text.startswith("<") and text.endswith(">") else text


def _rdflib_path(node, graph) -> str | None:
    """A SHACL path (rdflib) in SPARQL syntax: an IRI alone in full, else ``<a>/<b>``, ``^<a>``..."""
    from rdflib import URIRef

    from kg.rdf.terms import path_text

    if node is None:
        return None
    return str(node) if isinstance(node, URIRef) else path_text(node, graph, iri=lambda text: f"<{text}>")
