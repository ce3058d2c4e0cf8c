"""The W3C SHACL test suite (vendored in ``tests/w3c/shacl``), run on two engines.

* **pyshacl** (the reference): ``pyshacl.validate(data, shacl_graph=shapes, inference="none")``,
  as pyshacl's own ``test_sht_validate.py`` runs the suite.
* **fast** (``kg.engine.fast.validate``): the data file loaded into a pyoxigraph store as the product
  loads it (``Store.load``, no rdflib in between), the shapes graph translated by
  ``CompiledShapes.from_graph`` and run by ``validate_store`` (no inference).

Each engine's report is compared with the test's expected report (``mf:result``) as a set
of (focus node, result path, constraint component, source shape, value, severity) plus the
``sh:conforms`` verdict. Blank nodes cannot be compared by label across parsers, so a
blank focus node or value is compared by its structure in the data graph (its outgoing
and incoming triples, other blank nodes shown as ``_``); a blank source shape or path by
the description ``kg.engine.reference.validate`` gives it (its Turtle-ish text, the SPARQL path).

Outcome per test and engine: ``pass`` (the expected report), ``refused`` (the fast engine
raised UnsupportedShape, i.e. falls back to pyshacl), ``fail`` (a wrong report or an error).
A test whose expected result is ``sht:Failure`` (ill-formed shapes) passes when the engine
reports an error: for the fast engine, UnsupportedShape.

Run ``python tests/w3c/shacl_suite.py`` to rewrite ``tests/w3c/shacl-report.md``
(``--check`` only compares).
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

SUITE = Path(__file__).resolve().parent / "shacl"
REPORT = Path(__file__).resolve().parent / "shacl-report.md"

SH = "http://www.w3.org/ns/shacl#"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
SHT = "http://www.w3.org/ns/shacl-test#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: Known pyshacl failures: test id -> reason (pytest xfail).
PYSHACL_XFAIL = {
    "core/property/uniqueLang-002": "rdflib normalises the lexical form of \"1\"^^xsd:boolean, so the "
                                    "non-boolean value of sh:uniqueLang is not seen as ill-formed",
    "sparql/pre-binding/shapesGraph-001": "pyshacl does not pre-bind $shapesGraph",
}

#: Shape parameters -> their constraint component (for the per-component report).
PARAMETERS = {
    "class": "Class", "datatype": "Datatype", "nodeKind": "NodeKind", "minCount": "MinCount",
    "maxCount": "MaxCount", "minExclusive": "MinExclusive", "minInclusive": "MinInclusive",
    "maxExclusive": "MaxExclusive", "maxInclusive": "MaxInclusive", "minLength": "MinLength",
    "maxLength": "MaxLength", "pattern": "Pattern", "languageIn": "LanguageIn", "uniqueLang": "UniqueLang",
    "equals": "Equals", "disjoint": "Disjoint", "lessThan": "LessThan", "lessThanOrEquals": "LessThanOrEquals",
    "not": "Not", "and": "And", "or": "Or", "xone": "Xone", "node": "Node", "property": "Property",
    "qualifiedValueShape": "QualifiedValueShape", "closed": "Closed", "hasValue": "HasValue", "in": "In",
    "sparql": "SPARQL",
}


@dataclass
class Case:
    id: str                 # e.g. core/node/and-001
    label: str
    data: Path
    shapes: Path
    expect_failure: bool
    expected: frozenset | None   # result keys (None when a failure is expected)
    expected_conforms: bool | None
    components: tuple = ()


@dataclass
class Outcome:
    outcome: str            # pass / refused / fail
    detail: str = ""
    missing: list = field(default_factory=list)
    unexpected: list = field(default_factory=list)


# ---------------------------------------------------------------------------
# Manifests
# ---------------------------------------------------------------------------

def _parse(path: Path, normalize: bool = True):
    """``normalize=False``: rdflib keeps each literal's lexical form ("1"^^xsd:boolean stays
    "1", not "true"), so the fast compiler sees the shapes as written."""
    import rdflib
    from rdflib import Graph

    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = normalize
    try:
        return Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())
    finally:
        rdflib.NORMALIZE_LITERALS = saved


def _path_of(iri) -> Path:
    from urllib.parse import unquote, urlparse

    return Path(unquote(urlparse(str(iri).split("#")[0]).path))


def _test_id(node) -> str:
    rel = str(_path_of(node).relative_to(SUITE))
    rel = rel[:-4] if rel.endswith(".ttl") else rel
    frag = str(node).split("#", 1)[1] if "#" in str(node) else ""
    return rel + ("#" + frag if frag else "")


def load_cases(manifest: Path = SUITE / "manifest.ttl") -> list[Case]:
    from rdflib import RDF, URIRef
    from rdflib.collection import Collection

    cases: list[Case] = []
    seen: set[Path] = set()

    def walk(path: Path) -> None:
        path = path.resolve()
        if path in seen:
            return
        seen.add(path)
        g = _parse(path)
        for m in g.subjects(RDF.type, URIRef(MF + "Manifest")):
            for inc in g.objects(m, URIRef(MF + "include")):
                walk(_path_of(inc))
            for lst in g.objects(m, URIRef(MF + "entries")):
                for entry in Collection(g, lst):
                    if (entry, RDF.type, URIRef(SHT + "Validate")) in g:
                        cases.append(_case(g, entry, path))

    walk(manifest)
    return cases


def _case(g, entry, manifest_path: Path) -> Case:
    from rdflib import URIRef

    action = g.value(entry, URIRef(MF + "action"))
    data = _path_of(g.value(action, URIRef(SHT + "dataGraph")))
    shapes = _path_of(g.value(action, URIRef(SHT + "shapesGraph")))
    result = g.value(entry, URIRef(MF + "result"))
    label = str(g.value(entry, URIRef("http://www.w3.org/2000/01/rdf-schema#label")) or "")
    components = set()
    shapes_graph = _parse(shapes)
    for p in set(shapes_graph.predicates()):
        local = str(p)[len(SH):] if str(p).startswith(SH) else None
        if local in PARAMETERS:
            components.add(PARAMETERS[local])
    if result == URIRef(SHT + "Failure"):
        return Case(_test_id(entry), label, data, shapes, True, None, None, tuple(sorted(components)))
    conforms = g.value(result, URIRef(SH + "conforms")).toPython()
    keys = set()
    for r in g.objects(result, URIRef(SH + "result")):
        keys.add(expected_key(g, r))
        comp = g.value(r, URIRef(SH + "sourceConstraintComponent"))
        if comp is not None:
            components.add(str(comp)[len(SH):].replace("ConstraintComponent", ""))
    return Case(_test_id(entry), label, data, shapes, False, frozenset(keys), bool(conforms),
                tuple(sorted(components)))


# ---------------------------------------------------------------------------
# Comparable results
# ---------------------------------------------------------------------------

def _literal_text(lit) -> str:
    """A literal as rdflib would write it after parsing (both sides normalised alike; in RDF
    1.1 "x" and "x"^^xsd:string are the same term, which rdflib writes in two ways)."""
    from rdflib import XSD, Literal

    if lit.datatype == XSD.string:
        lit = Literal(str(lit))
    return lit.n3()


def _rdflib_term_key(term, graph) -> str:
    from rdflib import BNode, Literal

    if isinstance(term, BNode):
        return "_:" + _rdflib_bnode_signature(term, graph)
    if isinstance(term, Literal):
        return _literal_text(term)
    return f"<{term}>"


def _flat(term) -> str:
    from rdflib import BNode, Literal

    if isinstance(term, BNode):
        return "_"
    if isinstance(term, Literal):
        return _literal_text(term)
    return f"<{term}>"


def _rdflib_bnode_signature(node, graph) -> str:
    out = sorted(f"{_flat(p)} {_flat(o)}" for p, o in graph.predicate_objects(node))
    inc = sorted(f"{_flat(s)} {_flat(p)}" for s, p in graph.subject_predicates(node))
    return "[" + "; ".join(out) + " | " + "; ".join(inc) + "]"


def _shape_key(shape, graph) -> str:
    from rdflib import BNode

    from kg.rdf.terms import report_term_text

    return report_term_text(shape, graph) if isinstance(shape, BNode) else str(shape)


def _path_key(path, graph) -> str | None:
    from kg.rdf.terms import path_text

    return path_text(path, graph) if path is not None else None


def expected_key(g, r, data_graph=None) -> tuple:
    """(focus, path, component, shape, value, severity) of result node ``r`` of graph ``g``
    (``data_graph``: where blank focus nodes and values live, default ``g``)."""
    from rdflib import URIRef

    data_graph = g if data_graph is None else data_graph
    v = lambda local: g.value(r, URIRef(SH + local))  # noqa: E731
    focus, value = v("focusNode"), v("value")
    severity = v("resultSeverity")
    return (_rdflib_term_key(focus, data_graph) if focus is not None else None,
            _path_key(v("resultPath"), g),
            str(v("sourceConstraintComponent")),
            _shape_key(v("sourceShape"), g) if v("sourceShape") is not None else None,
            _rdflib_term_key(value, data_graph) if value is not None else None,
            _severity(severity))


def _severity(severity) -> str:
    """As kg.engine.fast.validate writes it: sh:Violation -> Violation, another IRI in full."""
    return str(severity).replace(SH, "") if severity is not None else "Violation"


def _compare(expected: frozenset, expected_conforms: bool, actual: set, conforms: bool) -> Outcome:
    if expected == actual and expected_conforms == conforms:
        return Outcome("pass")
    missing = sorted(map(str, expected - actual))
    unexpected = sorted(map(str, actual - expected))
    detail = f"conforms {conforms} (expected {expected_conforms}); {len(missing)} missing, " \
             f"{len(unexpected)} unexpected"
    return Outcome("fail", detail, missing, unexpected)


# ---------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------

def run_pyshacl(case: Case) -> Outcome:
    try:
        conforms, actual = pyshacl_report(case)
    except Exception as exc:  # noqa: BLE001 - pyshacl reports ill-formed shapes as exceptions
        if case.expect_failure:
            return Outcome("pass", f"failure as expected: {type(exc).__name__}: {exc}"[:300])
        return Outcome("fail", f"{type(exc).__name__}: {exc}"[:500])
    if case.expect_failure:
        return Outcome("fail", "expected a failure (ill-formed shapes), got a report")
    return _compare(case.expected, case.expected_conforms, actual, conforms)


def pyshacl_report(case: Case) -> tuple[bool, set]:
    """(conforms, result keys) from pyshacl; ill-formed shapes raise."""
    import pyshacl
    from pyshacl.errors import ValidationFailure
    from rdflib import RDF, URIRef

    data = _parse(case.data)
    shapes = data if case.shapes == case.data else _parse(case.shapes)
    conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                               abort_on_first=False, advanced=False, meta_shacl=False,
                                               debug=False)
    if isinstance(report, ValidationFailure):  # pyshacl returns it as the report, as in its own runner
        raise RuntimeError(f"ValidationFailure: {report}")
    rep = next(iter(report.subjects(RDF.type, URIRef(SH + "ValidationReport"))))
    return bool(conforms), {_pyshacl_key(report, r, data, shapes) for r in report.objects(rep, URIRef(SH + "result"))}


def _pyshacl_key(report, r, data, shapes) -> tuple:
    from rdflib import BNode, URIRef

    v = lambda local: report.value(r, URIRef(SH + local))  # noqa: E731
    focus, value, shape, path = v("focusNode"), v("value"), v("sourceShape"), v("resultPath")
    severity = v("resultSeverity")
    return (_rdflib_term_key(focus, data) if focus is not None else None,
            _path_key(path, report if isinstance(path, BNode) else shapes),
            str(v("sourceConstraintComponent")),
            _shape_key(shape, shapes) if shape is not None else None,
            _rdflib_term_key(value, data) if value is not None else None,
            _severity(severity))


def run_fast(case: Case) -> Outcome:
    from kg.errors import UnsupportedShape

    try:
        conforms, actual = fast_report(case)
    except UnsupportedShape as exc:
        if case.expect_failure:
            return Outcome("pass", f"refused ill-formed shapes as expected: {exc}"[:300])
        return Outcome("refused", str(exc).splitlines()[0][:300] if str(exc) else "")
    except Exception as exc:  # noqa: BLE001
        return Outcome("fail", f"{type(exc).__name__}: {exc}"[:500])
    if case.expect_failure:
        return Outcome("fail", "expected a failure (ill-formed shapes), got a report")
    return _compare(case.expected, case.expected_conforms, actual, conforms)


def fast_report(case: Case) -> tuple[bool, set]:
    """(conforms, result keys) from kg.engine.fast.validate; raises UnsupportedShape when it refuses."""
    import pyoxigraph as ox

    from kg.engine.fast.literals import check_datatypes_as_written
    from kg.engine.fast.shapes.compiler import CompiledShapes
    from kg.engine.fast.validate import validate_store

    shapes = shapes_only(_parse(case.shapes, normalize=False))
    compiled = CompiledShapes.from_graph(shapes, inference="none")
    check_datatypes_as_written(case.data.read_bytes(), case.id)
    store = ox.Store()
    store.load(path=str(case.data), format=ox.RdfFormat.TURTLE, base_iri=case.data.resolve().as_uri())
    results = validate_store(store, compiled, graphs=None, rdfs_closed=False, workers=1)
    return not results, {_fast_key(store, r) for r in results}


def shapes_only(g):
    """The shapes graph without the test manifest and its expected report: the manifest and
    test entries, and everything reachable from them through blank nodes (mf:action,
    mf:result and the results in it). The fast compiler refuses any sh: predicate it does
    not know, and the report's sh:result, sh:focusNode ... are not shapes."""
    from rdflib import RDF, URIRef

    from kg.ops.validate_files import without

    roots = set(g.subjects(RDF.type, URIRef(MF + "Manifest"))) | set(g.subjects(RDF.type, URIRef(SHT + "Validate")))
    return without(g, roots)


def _ox_flat(term) -> str:
    import pyoxigraph as ox

    from kg.rdf.terms import ox_to_rdflib

    if isinstance(term, ox.BlankNode):
        return "_"
    if isinstance(term, ox.Literal):
        return _literal_text(ox_to_rdflib(term))
    return str(term)


def _ox_term_key(store, text: str | None) -> str | None:
    import pyoxigraph as ox

    from kg.rdf.terms import term_from_text as _term
    from kg.rdf.terms import ox_to_rdflib

    if text is None:
        return None
    if text.startswith("_:"):
        node = ox.BlankNode(text[2:])
        out = sorted(f"{_ox_flat(q.predicate)} {_ox_flat(q.object)}" for q in store.quads_for_pattern(node, None, None))
        inc = sorted(f"{_ox_flat(q.subject)} {_ox_flat(q.predicate)}" for q in store.quads_for_pattern(None, None, node))
        return "_:[" + "; ".join(out) + " | " + "; ".join(inc) + "]"
    term = _term(text)
    if isinstance(term, ox.Literal):
        return _literal_text(ox_to_rdflib(term))
    return text


def _fast_key(store, r) -> tuple:
    return (_ox_term_key(store, r.focus), r.path, r.component, r.shape, _ox_term_key(store, r.value), r.severity)


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------

def run_all(cases=None) -> dict:
    """{test id: {"pyshacl": Outcome, "fast": Outcome, "case": Case}}"""
    cases = load_cases() if cases is None else cases
    return {c.id: {"case": c, "pyshacl": run_pyshacl(c), "fast": run_fast(c)} for c in cases}


_BNODE_ID = re.compile(r"(?:_:)?\b[Nn]?[0-9a-f]{32}(?:b\d+)?\b")


def render(results: dict) -> str:
    engines = ("fast", "pyshacl")
    lines = ["# W3C SHACL test suite: results per engine", "",
             "Generated by `python tests/w3c/shacl_suite.py` (checked by `tests/test_w3c_shacl.py`); do not "
             "edit. Suite: `tests/w3c/shacl` (core + sparql, see its `SOURCE.md`).", "",
             "- **fast**: `kg.engine.fast.validate` (shapes translated to SPARQL on pyoxigraph). `refused` = it raised "
             "UnsupportedShape, so `kg validate` uses pyshacl for that shapes graph. A test expecting a failure "
             "(ill-formed shapes) passes when the engine refuses it.",
             "- **pyshacl**: the reference, `inference=\"none\"`. Known failures are xfail in the tests.",
             "- A result is compared as (focus node, path, constraint component, source shape, value, severity), "
             "plus `sh:conforms`.", "",
             f"{len(results)} tests.", "", "| engine | pass | refused | fail |", "|---|---|---|---|"]
    for e in engines:
        counts = {o: sum(1 for r in results.values() if r[e].outcome == o) for o in ("pass", "refused", "fail")}
        lines.append(f"| {e} | {counts['pass']} | {counts['refused']} | {counts['fail']} |")
    lines += ["", "## Per constraint component", "",
              "A test counts for every component its shapes use or its expected results name.", "",
              "| component | tests | fast pass | fast refused | fast fail | pyshacl pass | pyshacl fail |",
              "|---|---|---|---|---|---|---|"]
    comps = sorted({c for r in results.values() for c in r["case"].components})
    for comp in comps:
        rs = [r for r in results.values() if comp in r["case"].components]
        n = lambda e, o: sum(1 for r in rs if r[e].outcome == o)  # noqa: E731
        lines.append(f"| {comp} | {len(rs)} | {n('fast', 'pass')} | {n('fast', 'refused')} | {n('fast', 'fail')} "
                     f"| {n('pyshacl', 'pass')} | {n('pyshacl', 'fail')} |")
    for e in engines:
        for o in ("pass", "refused", "fail"):
            ids = sorted(i for i, r in results.items() if r[e].outcome == o)
            if not ids:
                continue
            lines += ["", f"## {e}: {o} ({len(ids)})", ""]
            for i in ids:
                detail = results[i][e].detail if o != "pass" else ""
                detail = _BNODE_ID.sub("_:b", detail).replace("|", "\\|").replace("\n", " ")
                lines.append(f"- `{i}`" + (f": {detail}" if detail else ""))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render(run_all())
    if "--check" in argv:
        if not REPORT.is_file() or REPORT.read_text(encoding="utf-8") != text:
            print(f"{REPORT} is not current: run python tests/w3c/shacl_suite.py", file=sys.stderr)
            return 1
        return 0
    REPORT.write_text(text, encoding="utf-8")
    print(text.split("## Per constraint")[0])
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
