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

Also here: the SPARQL-text helpers the compiler rewrites the shapes' own queries with
(``check_prebinding``, ``strip_prologue``, ``wrap_unions``, ``required_where_brace``), on
kg.rdf.sparql's one tokeniser.

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
from kg.rdf.sparql import mask, tokens, where_brace
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
# SPARQL text of the shapes' own queries (used by kg.engine.fast.shapes.sparql_based)
# ---------------------------------------------------------------------------

_THIS = re.compile(r"[?$]this\b")


def check_prebinding(text: str, name: str) -> None:
    """Refuse a SPARQL constraint whose pre-binding of $this the fast path cannot reproduce.

    The fast path joins the focus nodes (a VALUES block) at the start of the WHERE group
    instead of substituting $this everywhere (SHACL 5.3.1). That is the same wherever a
    group that mentions $this binds it itself in a triple pattern, so refused are: the
    constructs the spec forbids in a constraint (MINUS, VALUES, SERVICE, ``AS $this``),
    sub-SELECTs, and any inner group (UNION branch, OPTIONAL, EXISTS, plain group) that
    contains $this without binding it in its own triple patterns, or that has a BIND, or
    is a GRAPH group."""
    masked = mask(text)
    for word in ("MINUS", "VALUES", "SERVICE"):
        if re.search(rf"\b{word}\b", masked, re.IGNORECASE):
            raise UnsupportedShape(f"{name}: {word} in a SPARQL constraint (the SHACL spec forbids it)")
    if re.search(r"\bAS\s*[?$](this|value|currentShape|shapesGraph)\b", masked, re.IGNORECASE):
        raise UnsupportedShape(f"{name}: a SPARQL constraint must not bind a pre-bound variable (AS $this)")
    start = required_where_brace(text)
    stack, groups = [], []   # groups: (open, close, parent index)
    for i in range(start, len(masked)):
        if masked[i] == "{":
            stack.append((i, len(groups)))
            groups.append([i, None, stack[-2][1] if len(stack) > 1 else None])
        elif masked[i] == "}":
            if not stack:
                break
            _open, index = stack.pop()
            groups[index][1] = i
            if not stack:
                break
    for index, (begin, end, parent) in enumerate(groups):
        if parent is None or end is None:
            continue
        inner = masked[begin + 1:end]
        if re.match(r"\s*SELECT\b", inner, re.IGNORECASE):
            raise UnsupportedShape(f"{name}: a sub-SELECT in a SPARQL constraint is not translated "
                                   "(pre-binding of $this)")
        if not _THIS.search(inner):
            continue
        direct, depth = [], 0
        for ch in inner:
            depth += ch == "{"
            if depth == 0:
                direct.append(ch)
            depth -= ch == "}"
        direct = "".join(direct)
        before = masked[groups[parent][0] + 1:begin].split()[-2:]
        if any(w.upper() == "GRAPH" for w in before) or re.search(r"\bBIND\b", direct, re.IGNORECASE):
            raise UnsupportedShape(f"{name}: $this inside a GRAPH group or next to a BIND in an inner group is "
                                   "not translated (pre-binding of $this)")
        while "(" in direct and re.search(r"\([^()]*\)", direct):
            direct = re.sub(r"\([^()]*\)", " ", direct)
        if not _THIS.search(direct):
            raise UnsupportedShape(f"{name}: $this in an inner group that does not bind it in a triple pattern "
                                   "is not translated (pre-binding of $this)")


def strip_prologue(text: str, prefixes: dict) -> str:
    """Move a query's own PREFIX declarations into ``prefixes`` (one shared prologue), drop its
    BASE and leading comments; return the rest of the text (``text`` itself when it has none)."""
    found = tokens(text, comments=True)
    stripped = False
    for token in found:
        if token.keyword == "PREFIX":
            name, iri = next(found, None), next(found, None)
            if name is None or name.kind != "pname" or not name.text.endswith(":") or iri is None \
                    or iri.kind != "iri":
                return text[token.start:]
            prefix, namespace = name.text[:-1], iri.text[1:-1]
            if prefixes.get(prefix, namespace) != namespace:
                raise UnsupportedShape(f"prefix {prefix}: is declared with two namespaces")
            prefixes[prefix] = namespace
        elif token.keyword == "BASE":
            iri = next(found, None)
            if iri is None or iri.kind != "iri":
                return text[token.start:]
        elif token.kind != "comment":
            return text[token.start:] if stripped else text
        stripped = True
    return ""


#: A group right after one of these words (two tokens back at most: ``GRAPH ?g {``,
#: ``SERVICE SILENT <x> {``) belongs to that pattern, so it does not start a plain UNION.
_GROUP_HEADS = {"OPTIONAL", "MINUS", "EXISTS", "GRAPH", "SERVICE", "SILENT"}


def wrap_unions(text: str) -> str:
    """Wrap each top-level ``{...} UNION {...}`` of the WHERE group in ``{ SELECT * WHERE {...} }``.

    The same solutions (a UNION is evaluated on its own either way, and SELECT * keeps
    every variable in scope), but pyoxigraph then evaluates it before the triple patterns
    that follow it instead of after them: on the shapes' disjointness query, 30 s become
    0.2 s at 100k triples.
    """
    start = required_where_brace(text)
    items, depth, group_start = [], 0, None   # items: ("G", start, end) of a group, ("W", start, word)
    for token in tokens(text):
        if token.start < start or token.kind == "punct" and token.text not in "{}":
            continue
        if token.text == "{":
            depth += 1
            if depth == 2:
                group_start = token.start
        elif token.text == "}":
            depth -= 1
            if depth == 1:
                items.append(("G", group_start, token.end))
            elif depth == 0:
                break
        elif depth == 1:
            items.append(("W", token.start, token.keyword or token.text))
    chains, i = [], 0
    while i < len(items):
        kind, begin, end = items[i]
        before = [items[j][2] for j in (i - 1, i - 2) if j >= 0 and items[j][0] == "W"]
        if kind == "G" and not set(before) & _GROUP_HEADS:
            j = i
            while j + 2 < len(items) and items[j + 1][:1] == ("W",) and items[j + 1][2] == "UNION" \
                    and items[j + 2][0] == "G":
                j += 2
            if j > i:
                chains.append((begin, items[j][2]))
                i = j + 1
                continue
        i += 1
    for begin, end in reversed(chains):
        text = text[:begin] + "{ SELECT * WHERE { " + text[begin:end] + " } }" + text[end:]
    return text


def required_where_brace(text: str) -> int:
    """Index of the '{' that opens the WHERE group of a query of the shapes (kg.rdf.sparql.where_brace)."""
    position = where_brace(text)
    if position is None:
        raise UnsupportedShape("no WHERE group in a SPARQL query of the shapes")
    return position


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
                for row in run(prepare(check.detail.replace("{OFFENDERS}", query.focus)), query):
                    value = None if check.per_focus else row["v"]
                    results.add(Result(focus=str(row["this"]), path=query.path,
                                       value=str(value) if value is not None else None,
                                       component=SH + check.component, severity=query.severity,
                                       message=query.message, shape=query.shape))
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
                    for row in run(prepare(check.detail.replace("{OFFENDERS}", values)), query):
                        value = None if check.per_focus else row["v"]
                        results.add(Result(focus=str(row["this"]), path=query.path,
                                           value=str(value) if value is not None else None,
                                           component=SH + check.component, severity=query.severity,
                                           message=query.message, shape=query.shape))
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
