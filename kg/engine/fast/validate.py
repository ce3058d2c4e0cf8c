"""SHACL validation on pyoxigraph: the compiled shapes' queries run on a store, their rows
read back as results and violations.

pyshacl (``kg.engine.reference.validate``) is the reference; this is the engine for large
graphs. ``kg.engine.fast.shapes`` translates the shapes into SPARQL queries (its docstring
says how); ``validate_store`` runs them on a pyoxigraph Store, or anything with its
``query`` method (``kg.store.remote.RemoteStore``), and judges the rows of the
shape-based constraints in Python (``_judge``); ``to_violations`` turns the results into
the report's violations, each with the file its focus node comes from.

Checked on the W3C SHACL suite (``tests/w3c/shacl-report.md``) and on generated shapes
(``tests/test_shacl_differential.py``): every case gives pyshacl's report or a refusal
(``UnsupportedShape``).

Inference: the shapes assume pyshacl's ``inference="rdfs"``. ``rdfs_closure`` computes it
with ``kg.engine.fast.reason`` (profile ``"rdfs"``: domain, range, subproperty and subclass rules
read off the ontology) into a graph of the store; literals that a range types (RDF cannot
store a literal subject) come back as a list and join the ``sh:targetClass`` focus nodes.
Not reproduced: the axiomatic ``rdf:type rdfs:Resource`` / ``rdf:Property`` triples (a
shape that mentions those classes is refused), and literal types inside SPARQL
constraints.

The SPARQL text of the shapes' own queries is rewritten in kg.engine.fast.shapes.sparql_text.

Layer: kg.engine (fast). Imports kg.config, kg.errors, kg.rdf, kg.engine.results, kg.engine.fast.reason
and kg.engine.fast.shapes.model; pyoxigraph inside functions.
"""
from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kg.config import DEFAULT_MAX_NESTING
from kg.engine.fast.shapes.model import TYPE_PATH, Query
from kg.errors import UnsupportedShape
from kg.rdf.vocab import RDF, RDFS, SH


@dataclass(frozen=True)
class Result:
    """One validation result: what pyshacl's report gives, as texts."""

    focus: str          # N-Triples text of the focus node
    path: str | None    # the path as kg.engine.reference.validate writes it (prefixed SPARQL path), or None
    value: str | None   # N-Triples text of the value node
    component: str      # full IRI of the constraint component
    severity: str       # Violation, Warning or Info
    message: str
    shape: str          # the shape's IRI or a description of a blank-node shape


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

def rdfs_closure(store, ontology_paths, *, graphs, data_graphs, target_graph: str,
                 cache_dir=None, max_nesting: int = DEFAULT_MAX_NESTING) -> list:
    """Add the RDFS closure pyshacl's ``inference="rdfs"`` computes to ``target_graph`` of
    ``store``; return the (literal, class) pairs a range gave (term texts)."""
    import pyoxigraph as ox

    from kg.engine.fast.reason import reason_store, tbox_for

    tbox = tbox_for(ontology_paths, cache_dir=cache_dir, profile="rdfs", max_nesting=max_nesting)
    result = reason_store(store, tbox, graphs=graphs, data_graphs=data_graphs, sort=False)
    if result.turtle:
        store.load(result.turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(target_graph))
    return result.literal_types


def validate_store(store, compiled, *, graphs=None, literal_types=(),
                   timings: dict | None = None, rdfs_closed: bool = True, workers: int = 2,
                   portable: bool = False) -> list[Result]:
    """Run every query of ``compiled`` (a kg.engine.fast.shapes.compiler.CompiledShapes) over
    the union of ``graphs`` (None: all graphs).

    ``rdfs_closed``: the graphs hold their RDFS closure (``rdfs_closure``), so an instance
    test is a plain rdf:type lookup. ``portable``: no screening query (an EXISTS inside a
    BIND inside an OPTIONAL, which Virtuoso 7 cannot compile): the counts alone, then each
    check's own query over every focus node; the same results, more queries.
    """
    import pyoxigraph as ox

    dataset = {"use_default_graph_as_union": True} if graphs is None else \
        {"default_graph": [ox.NamedNode(g) for g in graphs]}
    literal_focus: dict[str, list[str]] = {}
    for key, classes in compiled.target_classes.items():
        literal_focus[key] = sorted({lit for lit, c in literal_types if c in classes})
    focus_cache: dict[str, list[str]] = {}
    type_path = f"<{RDF}type>" if rdfs_closed else f"<{RDF}type>/<{RDFS}subClassOf>*"

    def prepare(text: str) -> str:
        text = re.sub(r"\{LITERALS:(F\d+)\}", lambda m: _literal_block(literal_focus.get(m.group(1), [])), text)
        return compiled.prologue + text.replace(TYPE_PATH, type_path)

    def run(text: str, query: Query):
        try:
            return store.query(text, **dataset)
        except SyntaxError as exc:
            raise UnsupportedShape(f"generated query for {query.shape} ({query.component}) does not parse: "
                                   f"{exc}\n{text}") from None

    focus_lock = threading.Lock()

    def evaluate(query: Query, focus_only: bool = False):
        """The results of ``query`` (with ``focus_only``: enough of them to name every focus
        node that has one)."""
        start = time.perf_counter()
        results: set[Result] = set()
        if query.kind == "sparql":
            # As pyshacl does: the focus nodes first, then the constraint with $this bound
            # (here to a batch of focus nodes at once).
            with focus_lock:
                nodes = focus_cache.get(query.focus)
            if nodes is None:
                nodes = [str(row["this"]) for row in
                         run(prepare(f"SELECT ?this WHERE {{ {query.focus} }}"), query)]
                with focus_lock:
                    focus_cache[query.focus] = nodes
            for values in _focus_blocks(nodes, query.focus):
                for row in run(prepare(query.sparql.replace("{FOCUSVALUES}", values)), query):
                    results.add(_result(query, row))
        elif query.kind == "screen" and portable:
            for row in run(prepare(query.count_sparql), query) if query.count_sparql else ():
                results |= _count_results(query, row)
            for check in query.checks:
                results |= _check_results(query, check, run(prepare(check.detail.replace("{OFFENDERS}", query.focus)), query))
        elif query.kind == "screen":
            offenders: dict[int, list[str]] = {}
            for row in run(prepare(query.sparql), query):
                if focus_only:   # any row is a focus node that fails
                    results.add(_focus_result(query, row["this"], "screen"))
                    continue
                results |= _count_results(query, row)
                for i in range(len(query.checks)):
                    if int(row[f"c{i}"].value) > 0:
                        offenders.setdefault(i, []).append(str(row["this"]))
            for i, nodes in sorted(offenders.items()):
                check = query.checks[i]
                for values in _focus_blocks(nodes, query.focus):
                    results |= _check_results(query, check, run(prepare(check.detail.replace("{OFFENDERS}", values)), query))
        elif query.kind == "logical":
            pairs = [(row["this"], row["v"]) for row in run(prepare(query.sparql), query)]
            failing = [nonconforming(program) for program in query.programs]
            results |= _judge(query, pairs, failing)
        else:
            for row in run(prepare(query.sparql), query):
                results.add(_result(query, row))
        return results, time.perf_counter() - start

    programs: dict[int, set] = {}

    def nonconforming(program: list) -> set:
        """The N-Triples texts of the nodes some query of ``program`` has a result for."""
        if id(program) not in programs:
            programs[id(program)] = {r.focus for q in program for r in evaluate(q, focus_only=True)[0]}
        return programs[id(program)]

    # pyoxigraph evaluates a query without holding the GIL: two at a time use both cores.
    results: set[Result] = set()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for query, (found, seconds) in zip(compiled.queries, pool.map(evaluate, compiled.queries)):
            results |= found
            if timings is not None:
                key = f"{query.shape} {(query.component or 'screen').replace(SH, '')}"
                timings[key] = timings.get(key, 0.0) + seconds
    return sorted(results, key=lambda r: (r.focus, r.path or "", r.component, r.value or "", r.shape))


FOCUS_BATCH = 2000


def _check_results(query: Query, check, rows) -> set:
    """The results of one count/hasValue check's detail query: a focus node (and its value,
    unless the check is judged per focus node) per row."""
    results = set()
    for row in rows:
        value = None if check.per_focus else row["v"]
        results.add(Result(focus=str(row["this"]), path=query.path,
                           value=str(value) if value is not None else None,
                           component=SH + check.component, severity=query.severity,
                           message=query.message, shape=query.shape))
    return results


def _count_results(query: Query, row) -> set:
    """The sh:minCount, sh:maxCount and sh:hasValue results of one row of a screening (or
    counting) query: ?n distinct values, ?hvI the values equal to the I-th sh:hasValue."""
    this, n = row["this"], int(row["n"].value)
    found = set()
    if n < query.min_count:
        found.add(_focus_result(query, this, "MinCountConstraintComponent"))
    if query.max_count is not None and n > query.max_count:
        found.add(_focus_result(query, this, "MaxCountConstraintComponent"))
    for i in range(query.has_values):
        if int(row[f"hv{i}"].value) == 0:
            found.add(_focus_result(query, this, "HasValueConstraintComponent"))
    return found


def _focus_blocks(nodes: list[str], focus: str):
    """The nodes as VALUES blocks of at most FOCUS_BATCH; the focus sub-select itself when
    one is a blank node (a VALUES block cannot name it): the same join, only slower."""
    if any(node.startswith("_:") for node in nodes):
        yield focus
        return
    for i in range(0, len(nodes), FOCUS_BATCH):
        yield "VALUES ?this { %s }" % " ".join(nodes[i:i + FOCUS_BATCH])


def _judge(query: Query, pairs, failing: list[set]) -> set:
    """The results of a "logical" query from its (focus, value) pairs and, per program, the
    value nodes that do not conform to its shape."""
    results = set()
    if query.op == "qualified":
        counts: dict[str, set] = {}
        for this, value in pairs:
            conforming = counts.setdefault(str(this), set())
            if value is None or str(value) in failing[0]:
                continue
            if query.disjoint and not all(str(value) in f for f in failing[1:]):
                continue   # it conforms to a sibling shape too
            conforming.add(str(value))
        for this, conforming in counts.items():
            if len(conforming) < query.min_count:
                results.add(_focus_result(query, this, "QualifiedMinCountConstraintComponent"))
            if query.max_count is not None and len(conforming) > query.max_count:
                results.add(_focus_result(query, this, "QualifiedMaxCountConstraintComponent"))
        return results
    for this, value in pairs:
        if value is None:
            continue
        fails = [str(value) in f for f in failing]
        offends = {"node": lambda: fails[0], "not": lambda: not fails[0], "and": lambda: any(fails),
                   "or": lambda: all(fails), "xone": lambda: fails.count(False) != 1}[query.op]()
        if offends:
            results.add(Result(focus=str(this), path=query.path, value=str(value), component=query.component,
                               severity=query.severity, message=query.message, shape=query.shape))
    return results


def _literal_block(literals: list[str]) -> str:
    return "UNION { VALUES ?this { %s } }" % " ".join(literals) if literals else ""


def _focus_result(query: Query, this, component: str) -> Result:
    return Result(focus=str(this), path=query.path, value=None, component=SH + component,
                  severity=query.severity, message=query.message, shape=query.shape)


def _result(query: Query, row) -> Result:
    this = row["this"]
    value = None
    message = query.message
    if query.kind in ("value", "closed"):
        value = row["v"]
    elif query.kind == "sparql":
        value = row["value"] if "value" in query.variables else None
        if value is None and query.node_shape_focus:
            value = this
        message = _fill(message, row, query.variables)
    path = query.path
    if query.kind == "closed":
        from kg.rdf.vocab import shorten

        path = shorten(row["p"].value)
    if query.kind == "sparql" and "path" in query.variables and row["path"] is not None:
        from kg.rdf.vocab import shorten

        path = shorten(row["path"].value) if hasattr(row["path"], "value") else str(row["path"])
    return Result(focus=str(this), path=path, value=str(value) if value is not None else None,
                  component=query.component, severity=query.severity, message=message, shape=query.shape)


def _fill(message: str, row, variables) -> str:
    def sub(match):
        name = match.group(1)
        if name not in variables:
            return match.group(0)
        term = row[name]
        if term is None:
            return ""
        return term.value if hasattr(term, "value") else str(term)

    return re.sub(r"\{[?$](\w+)\}", sub, message)


# ---------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------

def to_violations(store, results, data_names, names) -> list:
    """Results -> kg.engine.reference.validate.Violation (with the file each focus node comes from)."""
    import pyoxigraph as ox

    from kg.rdf.vocab import FILE_GRAPH_PREFIX, shorten
    from kg.engine.results import Violation

    focus = sorted({r.focus for r in results if r.focus.startswith("<")})
    origin: dict[str, str] = {}
    for position in ("?f ?p ?o", "?s ?p ?f"):
        for i in range(0, len(focus), FOCUS_BATCH):
            query = "SELECT ?f ?g WHERE { VALUES ?f { %s } GRAPH ?g { %s } }" % (" ".join(focus[i:i + FOCUS_BATCH]),
                                                                             position)
            found: dict[str, set] = {}
            for row in store.query(query):
                found.setdefault(str(row["f"]), set()).add(row["g"].value)
            for f, graphs in found.items():
                if f in origin:
                    continue
                ordered = sorted(graphs, key=lambda g: (g not in data_names, g))
                origin[f] = ordered[0][len(FILE_GRAPH_PREFIX):] if ordered[0].startswith(FILE_GRAPH_PREFIX) \
                    else ordered[0]
    violations = []
    for r in results:
        violations.append(Violation(
            focus=_plain_text(r.focus), path=r.path,
            value=_value_text(r.value, shorten) if r.value is not None else None,
            component=r.component, message=r.message or "(no message)", severity=r.severity,
            shape=r.shape if not r.shape.startswith("http") else shorten(r.shape),
            source_file=origin.get(r.focus)))
    del ox, names
    violations.sort(key=lambda v: (v.source_file or "", v.focus, v.path or "", v.component, v.message,
                                   v.value or ""))
    return violations


def _plain_text(text: str) -> str:
    """N-Triples text -> what rdflib's str() gives (IRI without brackets, literal's lexical form)."""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    if text.startswith("_:"):
        return text[2:]
    from kg.rdf.terms import term_from_text as _term

    term = _term(text)
    return term.value if term is not None else text


def _value_text(text: str, shorten) -> str:
    if text.startswith("<") and text.endswith(">"):
        return shorten(text[1:-1])
    return _plain_text(text)
