"""SHACL validation on pyoxigraph: the shapes file translated into SPARQL queries.

pyshacl (``kg.engine.reference.validate``) is the reference; this is the engine for large graphs. Every
query is generated from ``ontology/shapes.ttl`` (``CompiledShapes.from_graph``), never
written per shape by hand:

* **Focus nodes** of a node shape: one sub-select, the union of its targets
  (``sh:targetClass`` through ``rdf:type/rdfs:subClassOf*``, ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``, ``sh:targetNode``, and ``sh:SPARQLTarget`` queries as written).
* **Property shapes**: the path becomes a SPARQL property path (sequence, alternative,
  inverse, zero-or-more, one-or-more, zero-or-one); each constraint one query that returns
  the offending (focus, value) pairs: ``sh:minCount``/``sh:maxCount`` by ``GROUP BY ...
  HAVING``, ``sh:class``, ``sh:datatype`` (well-formedness by a cast), ``sh:nodeKind``,
  ``sh:minLength``/``sh:maxLength``, ``sh:pattern`` (``REGEX``), ``sh:in``
  (``sameTerm``), ``sh:hasValue``, ``sh:disjoint``, ``sh:equals``, ``sh:lessThan``,
  ``sh:lessThanOrEquals`` and ``sh:uniqueLang``, with pyshacl's reading of each (a literal
  never satisfies ``sh:class``; strings and IRIs compare as strings...).
* **SPARQL constraints** (``sh:sparql``) run as written, with the focus nodes joined first
  in the WHERE clause where pyshacl pre-binds ``$this`` one node at a time.

Also translated: ``sh:minInclusive``/``minExclusive``/``maxInclusive``/``maxExclusive``
(a value that does not compare is a violation), ``sh:languageIn`` (``langMatches``),
implicit class targets (a shape that is an ``rdfs:Class``), property shapes with their own
targets, ``sh:closed`` (with ``sh:ignoredProperties``) on a node shape, and ``sh:property``
nested in a property shape (the value nodes become the focus nodes of the inner shape).
* **Shape-based constraints** (``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``,
  ``sh:qualifiedValueShape``): each inner shape is compiled into a *program*, the same
  queries with the value nodes (a sub-select) as focus nodes; a value node conforms when no
  query of the program has a result for it. One query gives the (focus, value) pairs, and
  the operator judges them in Python (``_judge``). Recursive shapes are refused.

Checked on the W3C SHACL suite (``tests/w3c/shacl-report.md``) and on generated shapes
(``tests/test_shacl_differential.py``): every case gives pyshacl's report or a refusal.

Anything else (custom components, ``sh:closed`` on a property shape, ``$currentShape``...)
raises ``UnsupportedShape``: nothing is skipped silently. So do SPARQL constraints whose
pre-binding of ``$this`` the join does not reproduce (``_check_prebinding``), an
``sh:datatype`` pyoxigraph rewrites on loading (integer subtypes, ``xsd:dateTimeStamp``),
data with literals of those datatypes (``check_datatypes_as_written``, before loading)
and literals of the shapes that are not in pyoxigraph's canonical form.

Inference: the shapes assume pyshacl's ``inference="rdfs"``. ``rdfs_closure`` computes it
with ``kg.engine.fast.reason`` (profile ``"rdfs"``: domain, range, subproperty and subclass rules
read off the ontology) into a graph of the store; literals that a range types (RDF cannot
store a literal subject) come back as a list and join the ``sh:targetClass`` focus nodes.
Not reproduced: the axiomatic ``rdf:type rdfs:Resource`` / ``rdf:Property`` triples (a
shape that mentions those classes is refused), and literal types inside SPARQL
constraints.
"""
from __future__ import annotations

from kg.rdf.vocab import OWL, RDF, RDFS, SH, XSD

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from kg.errors import KGError, UnsupportedShape
from kg.rdf.sparql import mask, may_use_service, tokens, where_brace


#: Shape-level predicates understood (anything else in the sh: namespace is refused).
SUPPORTED = {SH + p for p in (
    "targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode", "target", "property", "path",
    "minCount", "maxCount", "nodeKind", "minLength", "maxLength", "pattern", "flags", "datatype",
    "class", "in", "hasValue", "disjoint", "equals", "lessThan", "lessThanOrEquals", "uniqueLang",
    "sparql", "severity", "message", "name", "description", "order", "group", "deactivated",
    "defaultValue", "select", "prefixes", "declare", "prefix", "namespace", "alternativePath",
    "inversePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath", "minInclusive", "minExclusive",
    "maxInclusive", "maxExclusive", "languageIn", "node", "not", "and", "or", "xone", "closed",
    "ignoredProperties", "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount",
    "qualifiedValueShapesDisjoint")}
#: Datatypes whose well-formedness a SPARQL cast can check (as rdflib's ill_typed does).
CASTS = {XSD + d for d in ("integer", "decimal", "float", "double", "boolean", "date", "time",
                           "dateTime", "gYear", "gYearMonth")}
#: Datatypes pyoxigraph does not keep: a valid "5"^^xsd:int is stored as "5"^^xsd:integer,
#: an xsd:dateTimeStamp as an xsd:dateTime (upstream oxigraph issue #1413).
REWRITTEN_DATATYPES = {XSD + d for d in (
    "byte", "short", "int", "long", "unsignedByte", "unsignedShort", "unsignedInt", "unsignedLong",
    "positiveInteger", "nonNegativeInteger", "negativeInteger", "nonPositiveInteger", "dateTimeStamp")}
_REWRITTEN_NAMES = b"|".join(d[len(XSD):].encode() for d in sorted(REWRITTEN_DATATYPES))
#: A literal typed with one of them, in Turtle / N-Triples (^^xsd:int, ^^<...#int>), RDF/XML
#: (rdf:datatype="...#int") or JSON-LD ("@type": "xsd:int"); any prefix, to be safe.
_REWRITTEN_IN_INPUT = re.compile(
    rb"(?:\^\^\s*(?:<[^>\s]*#|[A-Za-z0-9_.-]*:)|datatype\s*=\s*[\"'][^\"']*#|\"@type\"\s*:\s*\"[^\"]*[#:])"
    rb"(?:" + _REWRITTEN_NAMES + rb")(?![A-Za-z0-9_.-])")


def check_datatypes_as_written(data: bytes, where: str = "the data") -> None:
    """Raise UnsupportedShape when ``data`` (a file's bytes) has a literal whose datatype
    pyoxigraph would rewrite on loading (``REWRITTEN_DATATYPES``): every result that
    reads or reports such a value would differ from pyshacl's."""
    match = _REWRITTEN_IN_INPUT.search(data)
    if match:
        raise UnsupportedShape(f"{where} has a literal typed {match.group(0).decode('utf-8', 'replace')!r}, which "
                               "pyoxigraph stores with another datatype: validated with pyshacl")


NODE_KINDS = {
    SH + "IRI": "!isIRI(?v)", SH + "BlankNode": "!isBlank(?v)", SH + "Literal": "!isLiteral(?v)",
    SH + "BlankNodeOrIRI": "isLiteral(?v)", SH + "BlankNodeOrLiteral": "isIRI(?v)",
    SH + "IRIOrLiteral": "isBlank(?v)",
}
UNSUPPORTED_TERMS = (RDFS + "Resource", RDF + "Property", RDFS + "Class")
#: Placeholder for "is an instance of": rdf:type/rdfs:subClassOf*, or plain rdf:type when the
#: graph is closed under the RDFS subclass rules (rdfs9, rdfs11): the same solutions, and on
#: a large graph the path is by far the slowest part of a query.
TYPE_PATH = "{TYPEPATH}"
_INSTANCE_PATH = re.compile(
    r"(?:\brdf:type|(?<![\w:?$])a|<http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type>)\s*/\s*"
    r"(?:rdfs:subClassOf|<http://www\.w3\.org/2000/01/rdf-schema#subClassOf>)\s*\*")


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


@dataclass
class Check:
    """One per-value constraint of a property shape: the condition that makes ?v offend."""

    component: str
    condition: str
    detail_select: str = "DISTINCT ?this ?v"
    per_focus: bool = False   # one result per detail row without a value (sh:uniqueLang)
    detail: str = ""


@dataclass
class Query:
    """One generated query and how to read its rows."""

    sparql: str
    component: str
    shape: str
    path: str | None
    severity: str
    message: str
    kind: str = "value"   # "value" (?this ?v), "focus" (?this), "sparql" (constraint rows),
    #                       "screen" (counts and flags), "closed" (?this ?p ?v), "logical" (below)
    node_shape_focus: bool = False   # SPARQL constraint of a node shape: value = focus
    variables: list[str] = field(default_factory=list)
    focus: str = ""   # the focus sub-select ("sparql": run first, as pyshacl pre-binds $this)
    checks: list = field(default_factory=list)   # "screen" kind: per-value checks
    has_values: int = 0
    min_count: int = 0
    max_count: int | None = None
    # "logical" kind: sparql gives the (?this, ?v) pairs; each program (the queries of one
    # shape, run on the value nodes) finds the value nodes that do not conform to it; op
    # ("node", "not", "and", "or", "xone", "qualified") says which pairs are results.
    op: str = ""
    programs: list = field(default_factory=list)
    disjoint: bool = False
    # "screen" kind, for a store that cannot run the screen (portable mode): the counts and
    # sh:hasValue flags alone ("" when the shape has none); each check then runs its detail
    # query over every focus node.
    count_sparql: str = ""


@dataclass
class CompiledShapes:
    queries: list[Query]
    prologue: str
    target_classes: dict[str, set]  # focus-query key -> classes (for literal focus nodes)

    @classmethod
    def from_graph(cls, shapes, *, inference: str = "rdfs") -> "CompiledShapes":
        """``inference``: the mode the queries will run under, ``"rdfs"`` (``rdfs_closure``
        first, as ``kg validate`` does) or ``"none"`` (the data as it is: the W3C suite)."""
        if inference not in ("rdfs", "none"):
            raise UnsupportedShape(f"inference={inference!r} is not reproduced by the fast validator")
        return _Compiler(shapes, inference=inference).compile()


# ---------------------------------------------------------------------------
# Translation
# ---------------------------------------------------------------------------

class _Compiler:
    def __init__(self, g, inference: str = "rdfs"):
        self.g = g
        self.inference = inference
        self.prefixes: dict[str, str] = {}
        self.queries: list[Query] = []
        self.target_classes: dict[str, set] = {}
        self._stack: list = []    # the shapes whose conformance programs are being compiled
        self._depth = 0           # for unique variable names in nested value-node selects

    def compile(self) -> CompiledShapes:
        from rdflib import RDF as R
        from rdflib import URIRef

        g = self.g
        sh = lambda local: URIRef(SH + local)  # noqa: E731
        for term in UNSUPPORTED_TERMS if self.inference == "rdfs" else ():
            if (None, None, URIRef(term)) in g or (URIRef(term), None, None) in g:
                raise UnsupportedShape(f"the shapes mention {term}: its axiomatic triples are not inferred")
        bad = sorted({str(p) for p in g.predicates() if str(p).startswith(SH) and str(p) not in SUPPORTED})
        if bad:
            on = self._ordered(g.subjects(URIRef(bad[0]), None))[0]
            also = f" (nor {', '.join('sh:' + b[len(SH):] for b in bad[1:])})" if bad[1:] else ""
            raise UnsupportedShape(f"{bad[0]} (on {self._label(on)}) is not translated to SPARQL{also}")
        for shape in self._ordered(set(g.subjects(R.type, sh("NodeShape"))) | {
                s for p in ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode", "target")
                for s in g.subjects(sh(p), None)} | {
                s for s in g.subjects(R.type, URIRef(RDFS + "Class"))
                if (s, R.type, sh("NodeShape")) in g or (s, R.type, sh("PropertyShape")) in g}):
            if (shape, R.type, URIRef(OWL + "Class")) in g:
                raise UnsupportedShape(f"{shape} is also an owl:Class (implicit class target)")
            if self._deactivated(shape):
                continue
            focus, key = self._focus(shape)
            if focus is None:
                continue
            self._shape(shape, focus)
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(self.prefixes.items()))
        return CompiledShapes(self.queries, prologue, self.target_classes)

    def _shape(self, shape, focus) -> None:
        """The queries of every constraint of ``shape`` on the nodes of ``focus`` (a
        sub-select of ?this). A shape with a sh:path is a property shape (also one with its
        own targets: its path applies to those focus nodes)."""
        if self._one(shape, "path") is not None:
            self._property_shape(shape, focus)
            return
        self._node_constraints(shape, focus)
        for prop in self._ordered(self.g.objects(shape, self._sh("property"))):
            if not self._deactivated(prop):
                self._property_shape(prop, focus)

    def _program(self, shape, focus) -> list:
        """The queries whose results name the nodes of ``focus`` that do not conform to
        ``shape`` (its targets ignored): what sh:node, sh:not, sh:and, sh:or, sh:xone and
        sh:qualifiedValueShape test their value nodes with. A deactivated shape has none."""
        from rdflib import BNode, URIRef

        if not isinstance(shape, (URIRef, BNode)):
            raise UnsupportedShape(f"{shape} is given as a shape but is a literal")
        if shape in self._stack:
            raise UnsupportedShape(f"{self._label(shape)} refers to itself through sh:node / sh:and / ...: "
                                   "recursive shapes are not validated (SHACL leaves them undefined)")
        saved, self.queries = self.queries, []
        self._stack.append(shape)
        try:
            if not self._deactivated(shape):
                self._shape(shape, focus)
            return self.queries
        finally:
            self.queries = saved
            self._stack.pop()

    def _value_nodes(self, focus, path_sparql) -> str:
        """A sub-select of the value nodes (as ?this) of the nodes of ``focus`` along the
        path; the focus nodes themselves for a node shape (no path)."""
        if path_sparql is None:
            return focus
        self._depth += 1
        outer = f"?kgOuter{self._depth}"
        return (f"{{ SELECT DISTINCT ?this WHERE {{ {{ SELECT (?this AS {outer}) WHERE {{ {focus} }} }} "
                f"{outer} {path_sparql} ?this }} }}")

    # -- helpers --------------------------------------------------------------
    def _ordered(self, nodes) -> list:
        """Shapes in a stable order (IRIs, then blank nodes by their description), so
        that the first refusal, and the queries, are the same on every run."""
        from rdflib import BNode

        return sorted(set(nodes), key=lambda n: (isinstance(n, BNode), self._label(n), str(n)))

    def _deactivated(self, shape) -> bool:
        from rdflib import URIRef

        return _is_true(self.g.value(shape, URIRef(SH + "deactivated")))

    def _one(self, node, local):
        from rdflib import URIRef

        values = list(self.g.objects(node, URIRef(SH + local)))
        if len(values) > 1:
            raise UnsupportedShape(f"{node} has {len(values)} sh:{local} values")
        return values[0] if values else None

    def _severity(self, shape) -> str:
        value = self._one(shape, "severity")
        return str(value).replace(SH, "") if value is not None else "Violation"

    def _message(self, shape) -> str:
        values = sorted(str(m) for m in self.g.objects(shape, self._sh("message")))
        return " / ".join(values)

    @staticmethod
    def _sh(local):
        from rdflib import URIRef

        return URIRef(SH + local)

    def _label(self, shape) -> str:
        from rdflib import BNode

        from kg.rdf.terms import report_term_text

        return report_term_text(shape, self.g) if isinstance(shape, BNode) else str(shape)

    def _declare(self, node) -> None:
        """Collect the sh:declare prefixes reachable from sh:prefixes ``node``."""
        for decl in self.g.objects(node, self._sh("declare")):
            prefix, ns = self._one(decl, "prefix"), self._one(decl, "namespace")
            if prefix is None or ns is None:
                raise UnsupportedShape(f"incomplete sh:declare on {node}")
            prefix, ns = str(prefix), str(ns)
            if self.prefixes.get(prefix, ns) != ns:
                raise UnsupportedShape(f"prefix {prefix}: is declared with two namespaces")
            self.prefixes[prefix] = ns

    def _select(self, node) -> str:
        for prefixes in self.g.objects(node, self._sh("prefixes")):
            self._declare(prefixes)
        text = self._one(node, "select")
        if text is None:
            raise UnsupportedShape(f"{node}: only sh:select SPARQL is translated")
        if may_use_service(str(text)):  # never run a federated query from a shapes file
            raise UnsupportedShape(f"{node}: a SPARQL constraint that may use SERVICE is not run by the fast "
                                   "validator")
        text = _INSTANCE_PATH.sub(TYPE_PATH, str(text))
        for bad in ("$currentShape", "$shapesGraph", "$value"):
            if bad in text:
                raise UnsupportedShape(f"{node}: {bad} in a SPARQL query is not translated")
        return text

    # -- focus nodes -----------------------------------------------------------
    def _focus(self, shape):
        """The sub-select of a node shape's focus nodes (None when it has no target)."""
        from rdflib import Literal, URIRef

        g = self.g
        parts, classes = [], set()
        implicit = [shape] if (shape, URIRef(RDF + "type"), URIRef(RDFS + "Class")) in g else []
        for c in list(g.objects(shape, self._sh("targetClass"))) + implicit:
            if str(c).startswith(XSD):
                raise UnsupportedShape(f"{shape}: sh:targetClass {c} is a datatype")
            parts.append(f"{{ ?this {TYPE_PATH} <{c}> }}")
            classes.add(f"<{c}>")
        for p in g.objects(shape, self._sh("targetSubjectsOf")):
            parts.append(f"{{ ?this <{p}> ?focusAny }}")
        for p in g.objects(shape, self._sh("targetObjectsOf")):
            parts.append(f"{{ ?focusAny <{p}> ?this }}")
        nodes = list(g.objects(shape, self._sh("targetNode")))
        if nodes:
            parts.append("{ VALUES ?this { %s } }" % " ".join(_sparql_term(n) for n in nodes))
        for target in g.objects(shape, self._sh("target")):
            if (target, URIRef(RDF + "type"), self._sh("SPARQLTarget")) not in g:
                raise UnsupportedShape(f"{shape}: only sh:SPARQLTarget custom targets are translated")
            parts.append("{ %s }" % wrap_unions(_strip_prologue(self._select(target), self.prefixes)))
        if not parts:
            return None, None
        key = f"F{len(self.target_classes)}"
        self.target_classes[key] = classes
        del Literal
        # {LITERALS:key} is replaced at run time by the literal focus nodes (or nothing).
        return "{ SELECT DISTINCT ?this WHERE { %s {LITERALS:%s} } }" % (" UNION ".join(parts), key), key

    # -- constraints -------------------------------------------------------------
    def _node_constraints(self, shape, focus) -> None:
        # Constraints on the focus node itself: the value node is the focus node.
        self._value_constraints(shape, focus, path_sparql=None, path_text=None)
        self._closed(shape, focus)
        for constraint in self.g.objects(shape, self._sh("sparql")):
            self._sparql_constraint(shape, constraint, focus, path_sparql=None, path_text=None)

    def _property_shape(self, prop, focus) -> None:
        from kg.rdf.terms import path_text

        path = self._one(prop, "path")
        if path is None:
            raise UnsupportedShape(f"property shape {self._label(prop)} has no sh:path")
        if _is_true(self._one(prop, "closed")):
            raise UnsupportedShape(f"sh:closed on the property shape {self._label(prop)} is not translated")
        path_sparql = self._path(path)
        path_text = path_text(path, self.g)
        self._value_constraints(prop, focus, path_sparql, path_text)
        for constraint in self.g.objects(prop, self._sh("sparql")):
            self._sparql_constraint(prop, constraint, focus, path_sparql, path_text)
        nested = [p for p in self._ordered(self.g.objects(prop, self._sh("property"))) if not self._deactivated(p)]
        if nested and self._stack:
            # Their results name the value nodes, not the node whose conformance is tested.
            raise UnsupportedShape(f"sh:property nested inside the property shape {self._label(prop)} of a shape "
                                   "used by sh:node / sh:and / ... is not translated")
        for inner in nested:
            # Each value node is validated against the inner property shape; its results
            # are reported as they are (PropertyConstraintComponent).
            self._property_shape(inner, self._value_nodes(focus, path_sparql))

    def _closed(self, shape, focus) -> None:
        """sh:closed on a node shape: every triple of the focus node whose predicate is not
        the path of one of its property shapes nor in sh:ignoredProperties."""
        from rdflib import URIRef
        from rdflib.collection import Collection

        if not _is_true(self._one(shape, "closed")):
            return
        allowed = {path for prop in self.g.objects(shape, self._sh("property"))
                   for path in [self._one(prop, "path")] if isinstance(path, URIRef)}
        ignored = self._one(shape, "ignoredProperties")
        if ignored is not None:
            allowed |= set(Collection(self.g, ignored))
        if not all(isinstance(p, URIRef) for p in allowed):
            raise UnsupportedShape(f"{self._label(shape)}: sh:ignoredProperties lists a non-IRI")
        test = f"FILTER (?p NOT IN ({', '.join(f'<{p}>' for p in sorted(allowed))}))" if allowed else ""
        self.queries.append(Query(sparql=f"SELECT DISTINCT ?this ?p ?v WHERE {{ {focus} ?this ?p ?v {test} }}",
                                  component=SH + "ClosedConstraintComponent", shape=self._label(shape),
                                  path=None, severity=self._severity(shape), message=self._message(shape),
                                  kind="closed"))

    def _logical(self, shape, focus, path_sparql, path_text) -> None:
        """sh:node, sh:not, sh:and, sh:or, sh:xone and sh:qualifiedValueShape: each value
        node is tested against other shapes (their programs), then the pairs are judged."""
        from rdflib.collection import Collection

        g = self.g
        tests = [("Node", "node", [s]) for s in self._ordered(g.objects(shape, self._sh("node")))]
        tests += [("Not", "not", [s]) for s in self._ordered(g.objects(shape, self._sh("not")))]
        for local in ("and", "or", "xone"):
            for members in self._ordered(g.objects(shape, self._sh(local))):
                tests.append((local.capitalize(), local, list(Collection(g, members))))
        # The qualified parameters are ignored on a node shape (as pyshacl and the W3C test
        # core/node/qualified-001 have it); on a property shape an incomplete set is refused
        # (pyshacl reports it as an error).
        qualified = self._one(shape, "qualifiedValueShape") if path_sparql is not None else None
        q_min, q_max = self._one(shape, "qualifiedMinCount"), self._one(shape, "qualifiedMaxCount")
        if path_sparql is not None and (qualified is None) != (q_min is None and q_max is None):
            raise UnsupportedShape(f"{self._label(shape)}: sh:qualifiedValueShape needs sh:qualifiedMinCount or "
                                   "sh:qualifiedMaxCount, and they need it")
        for bound in (q_min, q_max) if qualified is not None else ():
            if bound is not None and not (isinstance(bound.toPython(), int) and str(bound).isdigit()):
                raise UnsupportedShape(f"{self._label(shape)}: a qualified count {bound} is not an integer")
        if not tests and qualified is None:
            return
        values = self._value_nodes(focus, path_sparql)
        where = f"{focus} BIND(?this AS ?v)" if path_sparql is None else f"{focus} OPTIONAL {{ ?this {path_sparql} ?v }}"
        pairs = f"SELECT DISTINCT ?this ?v WHERE {{ {where} }}"
        common = dict(sparql=pairs, shape=self._label(shape), path=path_text, severity=self._severity(shape),
                      message=self._message(shape), kind="logical")
        for component, op, shapes in tests:
            programs = [self._program(s, values) for s in shapes]
            self.queries.append(Query(component=SH + component + "ConstraintComponent", op=op, programs=programs,
                                      **common))
        if qualified is not None:
            disjoint = _is_true(self._one(shape, "qualifiedValueShapesDisjoint"))
            # SHACL 4.7.3: the siblings are the other qualified value shapes of the
            # property shapes of every shape that has this one as a sh:property.
            siblings = self._ordered({q for parent in g.subjects(self._sh("property"), shape)
                                      for prop in g.objects(parent, self._sh("property"))
                                      for q in g.objects(prop, self._sh("qualifiedValueShape"))} - {qualified}) \
                if disjoint else []
            programs = [self._program(s, values) for s in [qualified] + siblings]
            self.queries.append(Query(component="", op="qualified", programs=programs, disjoint=disjoint,
                                      min_count=int(q_min) if q_min is not None else 0,
                                      max_count=int(q_max) if q_max is not None else None, **common))

    def _path(self, node) -> str:
        from rdflib import RDF as R
        from rdflib import BNode, URIRef
        from rdflib.collection import Collection

        g = self.g
        if isinstance(node, URIRef):
            return f"<{node}>"
        if not isinstance(node, BNode):
            raise UnsupportedShape(f"bad sh:path {node}")
        if (node, R.first, None) in g:
            return "(" + "/".join(self._path(x) for x in Collection(g, node)) + ")"
        alt = self._one(node, "alternativePath")
        if alt is not None:
            return "(" + "|".join(self._path(x) for x in Collection(g, alt)) + ")"
        for local, fmt in (("inversePath", "^({})"), ("zeroOrMorePath", "({})*"),
                           ("oneOrMorePath", "({})+"), ("zeroOrOnePath", "({})?")):
            inner = self._one(node, local)
            if inner is not None:
                return fmt.format(self._path(inner))
        raise UnsupportedShape(f"sh:path {node} is not a SHACL path")

    def _add(self, shape, component, where, select, path_text, kind="value", having=None):
        body = f"SELECT {select} WHERE {{ {where} }}"
        if having:
            body += f" GROUP BY ?this HAVING ({having})"
        self.queries.append(Query(sparql=body, component=SH + component, shape=self._label(shape),
                                  path=path_text, severity=self._severity(shape),
                                  message=self._message(shape), kind=kind))

    def _value_constraints(self, shape, focus, path_sparql, path_text) -> None:
        """The core constraints of ``shape``: one screening query per property shape (counts
        and one flag per constraint, aggregated per focus node), then, for the few focus
        nodes it flags, one query per failed constraint to name the offending values."""
        from rdflib import Literal, URIRef
        from rdflib.collection import Collection

        g = self.g
        self._logical(shape, focus, path_sparql, path_text)
        one = lambda local: self._one(shape, local)  # noqa: E731
        checks: list[Check] = []   # per-value conditions on ?v
        for c in g.objects(shape, self._sh("class")):
            checks.append(Check("ClassConstraintComponent",
                                f"isLiteral(?v) || NOT EXISTS {{ ?v {TYPE_PATH} <{c}> }}"))
        d = one("datatype")
        if d is not None and str(d) in REWRITTEN_DATATYPES:
            raise UnsupportedShape(f"{self._label(shape)}: sh:datatype {d}: pyoxigraph stores such literals with "
                                   "another datatype (xsd:integer, xsd:dateTime), so the datatype as written "
                                   "cannot be checked")
        if d is not None:
            checks.append(Check("DatatypeConstraintComponent", f"!({_datatype_match(str(d))})"))
        k = one("nodeKind")
        if k is not None:
            if str(k) not in NODE_KINDS:
                raise UnsupportedShape(f"{shape}: unknown sh:nodeKind {k}")
            checks.append(Check("NodeKindConstraintComponent", NODE_KINDS[str(k)]))
        n = one("minLength")
        if n is not None and int(n) > 0:
            checks.append(Check("MinLengthConstraintComponent", f"isBlank(?v) || STRLEN(STR(?v)) < {int(n)}"))
        n = one("maxLength")
        if n is not None:
            checks.append(Check("MaxLengthConstraintComponent", f"isBlank(?v) || STRLEN(STR(?v)) > {int(n)}"))
        for pattern in g.objects(shape, self._sh("pattern")):
            flags = one("flags")
            args = _string(str(pattern)) + (f", {_string(str(flags))}" if flags is not None else "")
            checks.append(Check("PatternConstraintComponent", f"isBlank(?v) || !REGEX(STR(?v), {args})"))
        for local, op in (("minInclusive", ">="), ("minExclusive", ">"), ("maxInclusive", "<="),
                          ("maxExclusive", "<")):
            bound = one(local)
            if bound is None:
                continue
            if not isinstance(bound, Literal):
                raise UnsupportedShape(f"{self._label(shape)}: sh:{local} {bound} is not a literal")
            # A value that does not compare (an error) is a violation, as the spec says.
            checks.append(Check(local[0].upper() + local[1:] + "ConstraintComponent",
                                f"!COALESCE(?v {op} {_sparql_term(bound)}, false)"))
        languages = one("languageIn")
        if languages is not None:
            tags = list(Collection(g, languages))
            if not all(isinstance(t, Literal) for t in tags):
                raise UnsupportedShape(f"{self._label(shape)}: sh:languageIn lists a non-literal")
            test = " || ".join(f"langMatches(LANG(?v), {_string(str(t))})" for t in tags) or "false"
            checks.append(Check("LanguageInConstraintComponent", f"!(isLiteral(?v) && ({test}))"))
        members = one("in")
        if members is not None:
            test = " || ".join(_same("?v", _sparql_term(x)) for x in Collection(g, members)) or "false"
            checks.append(Check("InConstraintComponent", f"!({test})"))
        for q in g.objects(shape, self._sh("disjoint")):
            checks.append(Check("DisjointConstraintComponent", f"EXISTS {{ ?this <{q}> ?v }}"))
        for local, op in (("lessThan", "<"), ("lessThanOrEquals", "<=")):
            for q in g.objects(shape, self._sh(local)):
                if not isinstance(q, URIRef):
                    raise UnsupportedShape(f"{shape}: sh:{local} must be an IRI")
                checks.append(Check(local[0].upper() + local[1:] + "ConstraintComponent",
                                    f"EXISTS {{ ?this <{q}> ?w FILTER (!COALESCE({_compare(op)}, false)) }}"))
        has_values = [_sparql_term(v) for v in g.objects(shape, self._sh("hasValue"))]
        equals = list(g.objects(shape, self._sh("equals")))
        u = one("uniqueLang")
        unique_lang = _is_true(u)
        if path_sparql is None:
            # A node shape: the value node is the focus node itself.
            if equals or unique_lang:
                raise UnsupportedShape(f"{shape}: sh:equals / sh:uniqueLang need a property shape")
            values = f"{focus} BIND(?this AS ?v)"
            for check in checks:
                self._add(shape, check.component, f"{values} FILTER ({check.condition})", "DISTINCT ?this ?v",
                          path_text)
            for v in has_values:
                self._add(shape, "HasValueConstraintComponent", f"{focus} FILTER (!{_same('?this', v)})",
                          "DISTINCT ?this", path_text, kind="focus")
            return
        for q in equals:
            checks.append(Check("EqualsConstraintComponent", f"NOT EXISTS {{ ?this <{q}> ?v }}"))
            # ... and the values of q that the path lacks.
            self._add(shape, "EqualsConstraintComponent",
                      f"{focus} ?this <{q}> ?v FILTER NOT EXISTS {{ ?this {path_sparql} ?v }}",
                      "DISTINCT ?this ?v", path_text)
        if unique_lang:
            checks.append(Check("UniqueLangConstraintComponent",
                                f"EXISTS {{ ?this {path_sparql} ?w FILTER (LANG(?v) != \"\" && !sameTerm(?v, ?w) "
                                f"&& LCASE(LANG(?v)) = LCASE(LANG(?w))) }}",
                                detail_select="DISTINCT ?this (LCASE(LANG(?v)) AS ?lang)", per_focus=True))
        min_count, max_count = one("minCount"), one("maxCount")
        min_count = int(min_count) if min_count is not None else 0
        max_count = int(max_count) if max_count is not None else None
        if not checks and not has_values and not min_count and max_count is None:
            return
        value_binds = " ".join(f"BIND (IF({_same('?v', v)}, 1, 0) AS ?h{i})" for i, v in enumerate(has_values))
        binds = " ".join(f"BIND (IF({c.condition}, 1, 0) AS ?f{i})" for i, c in enumerate(checks)) + " " + value_binds
        aggregates = ["(COUNT(DISTINCT ?v) AS ?n)"]
        aggregates += [f"(SUM(COALESCE(?f{i}, 0)) AS ?c{i})" for i in range(len(checks))]
        aggregates += [f"(SUM(COALESCE(?h{i}, 0)) AS ?hv{i})" for i in range(len(has_values))]
        having = [f"SUM(COALESCE(?f{i}, 0)) > 0" for i in range(len(checks))]
        having += [f"SUM(COALESCE(?h{i}, 0)) = 0" for i in range(len(has_values))]
        if min_count:
            having.append(f"COUNT(DISTINCT ?v) < {min_count}")
        if max_count is not None:
            having.append(f"COUNT(DISTINCT ?v) > {max_count}")
        sparql = (f"SELECT ?this {' '.join(aggregates)} WHERE {{ {focus} OPTIONAL {{ ?this {path_sparql} ?v {binds} }} }} "
                  f"GROUP BY ?this HAVING ({' || '.join(having)})")
        count_having = having[len(checks):]
        count_sparql = "" if not count_having else (
            f"SELECT ?this {' '.join(aggregates[:1] + aggregates[1 + len(checks):])} WHERE {{ {focus} OPTIONAL {{ "
            f"?this {path_sparql} ?v {value_binds} }} }} "
            f"GROUP BY ?this HAVING ({' || '.join(count_having)})")
        for check in checks:
            check.detail = (f"SELECT {check.detail_select} WHERE {{ {{OFFENDERS}} ?this {path_sparql} ?v "
                            f"FILTER ({check.condition}) }}")
        self.queries.append(Query(sparql=sparql, component="", shape=self._label(shape), path=path_text,
                                  severity=self._severity(shape), message=self._message(shape), kind="screen",
                                  checks=checks, has_values=len(has_values), min_count=min_count,
                                  max_count=max_count, focus=focus, count_sparql=count_sparql))

    def _sparql_constraint(self, shape, constraint, focus, path_sparql, path_text) -> None:
        if self._deactivated(constraint):
            return
        for other in self.g.predicates(constraint, None):
            if str(other).startswith(SH) and str(other) not in SUPPORTED:
                raise UnsupportedShape(f"{constraint}: {other} is not translated")
        text = self._select(constraint)
        _check_prebinding(text, self._label(constraint))
        if "$PATH" in text:
            if path_sparql is None:
                raise UnsupportedShape(f"{constraint}: $PATH in a node shape's constraint")
            text = text.replace("$PATH", path_sparql)
        body = wrap_unions(_strip_prologue(text, self.prefixes))
        head = body[: _where_brace(body)]
        if not re.search(r"[?$]this\b", head) and "*" not in head.split("WHERE")[0]:
            raise UnsupportedShape(f"{constraint}: the query must select $this")
        position = _where_brace(body)
        sparql = body[: position + 1] + " {FOCUSVALUES} " + body[position + 1:]
        variables = re.findall(r"[?$](\w+)", head)
        message = " / ".join(sorted(str(m) for m in self.g.objects(constraint, self._sh("message")))) \
            or self._message(shape)
        self.queries.append(Query(sparql=sparql, component=SH + "SPARQLConstraintComponent",
                                  shape=self._label(shape), path=path_text, severity=self._severity(shape),
                                  message=message, kind="sparql", node_shape_focus=path_sparql is None,
                                  variables=variables, focus=focus))


def _is_true(value) -> bool:
    """A boolean parameter is on only for the literal true ("1"^^xsd:boolean is not true
    in SHACL; rdflib's default literal normalisation hides that, see the W3C runner)."""
    from rdflib import Literal

    return isinstance(value, Literal) and value.datatype is not None and \
        str(value.datatype) == XSD + "boolean" and str(value) == "true"


_THIS = re.compile(r"[?$]this\b")


def _check_prebinding(text: str, name: str) -> None:
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
    start = _where_brace(text)
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


def _same(variable: str, term: str) -> str:
    """``variable`` is the term ``term`` (SPARQL text). For an IRI written as ``isIRI(?v) &&
    ?v = <iri>``: the same test (IRIs are equal only when identical), which Virtuoso 7 gets
    right where its sameTerm on IRIs does not."""
    if term.startswith("<"):
        return f"(isIRI({variable}) && {variable} = {term})"
    return f"sameTerm({variable}, {term})"


def _datatype_match(d: str) -> str:
    if d == RDFS + "Literal":
        return "isLiteral(?v)"
    if d == XSD + "string":
        return f"isLiteral(?v) && DATATYPE(?v) = <{XSD}string>"
    if d == RDF + "langString":
        return "isLiteral(?v) && LANG(?v) != \"\""
    match = f"isLiteral(?v) && DATATYPE(?v) = <{d}>"
    if d in CASTS:
        match += f" && COALESCE(IF(<{d}>(STR(?v)) = <{d}>(STR(?v)), true, true), false)"
    return match


def _compare(op: str) -> str:
    """pyshacl's comparison: two strings (IRIs or string literals) compare as strings, a
    string and a non-string never compare, other values compare as SPARQL values."""
    def is_string(x):
        return f"(isIRI({x}) || (isLiteral({x}) && (DATATYPE({x}) = <{XSD}string> || LANG({x}) != \"\")))"

    return (f"IF({is_string('?v')} && {is_string('?w')}, STR(?v) {op} STR(?w), "
            f"IF({is_string('?v')} || {is_string('?w')}, false, ?v {op} ?w))")


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _sparql_term(node) -> str:
    """The term in SPARQL syntax. A literal whose lexical form pyoxigraph would rewrite
    ("4.0"^^xsd:decimal becomes "4") is refused: it would not be the same term as the
    value pyshacl compares and reports."""
    from rdflib import Literal

    from kg.rdf.terms import rdflib_to_ox

    text = str(rdflib_to_ox(node))
    if isinstance(node, Literal) and node.datatype is not None and _stored_form(text) != text:
        raise UnsupportedShape(f"the literal {text} of the shapes is not in pyoxigraph's canonical form "
                               f"({_stored_form(text)}), so it would not be compared or reported as written")
    return text


_EMPTY_STORE = []


def _stored_form(text: str) -> str:
    """How pyoxigraph writes the literal ``text`` back (its canonical form)."""
    import pyoxigraph as ox

    if not _EMPTY_STORE:
        _EMPTY_STORE.append(ox.Store())
    try:
        rows = list(_EMPTY_STORE[0].query(f"SELECT ?x WHERE {{ VALUES ?x {{ {text} }} }}"))
    except SyntaxError:
        return ""
    return str(rows[0]["x"]) if rows else ""


def _strip_prologue(text: str, prefixes: dict) -> str:
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
    start = _where_brace(text)
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


def _where_brace(text: str) -> int:
    """Index of the '{' that opens the WHERE group of a query of the shapes (kg.rdf.sparql.where_brace)."""
    position = where_brace(text)
    if position is None:
        raise UnsupportedShape("no WHERE group in a SPARQL query of the shapes")
    return position


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

def rdfs_closure(store, ontology_paths, *, graphs, data_graphs, target_graph: str,
                 cache_dir=None) -> list:
    """Add the RDFS closure pyshacl's ``inference="rdfs"`` computes to ``target_graph`` of
    ``store``; return the (literal, class) pairs a range gave (term texts)."""
    import pyoxigraph as ox

    from kg.engine.fast.reason import reason_store, tbox_for

    tbox = tbox_for(ontology_paths, cache_dir=cache_dir, profile="rdfs")
    result = reason_store(store, tbox, graphs=graphs, data_graphs=data_graphs, sort=False)
    if result.turtle:
        store.load(result.turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(target_graph))
    return result.literal_types


def validate_store(store, compiled: CompiledShapes, *, graphs=None, literal_types=(),
                   timings: dict | None = None, rdfs_closed: bool = True, workers: int = 2,
                   portable: bool = False) -> list[Result]:
    """Run every generated query over the union of ``graphs`` (None: all graphs).

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
# kg validate / kg add on the fast engines
# ---------------------------------------------------------------------------

_COMPILED: dict[str, CompiledShapes] = {}


def compiled_shapes(shapes_path) -> CompiledShapes:
    """The shapes file translated (memoised by its bytes)."""
    import hashlib

    from kg.project.load import parse_file

    data = shapes_path.read_bytes()
    key = hashlib.sha256(data).hexdigest()
    if key not in _COMPILED:
        _COMPILED[key] = CompiledShapes.from_graph(parse_file(shapes_path))
    return _COMPILED[key]


def shapes_for(data_dir):
    """(inference, compiled shapes or None when the data dir has no shapes file).

    Raises UnsupportedShape when the shapes ask for an inference other than rdfs.
    """
    from kg.engine.reference.validate import shapes_inference

    inference = shapes_inference(data_dir.shapes_file)
    if not data_dir.shapes_file.is_file():
        return inference, None
    if inference != "rdfs":
        raise UnsupportedShape(f"the shapes ask for inference={inference!r}; the fast validator does rdfs")
    return inference, compiled_shapes(data_dir.shapes_file)


def validate_files(data_dir, files=(), *, replaced=(), aliases=None, progress=None, timings: dict | None = None):
    """kg.engine.reference.validate.validate on pyoxigraph: the KG (minus ``replaced`` files) and ``files``,
    in an in-memory store, with the RDFS closure, against the translated shapes.

    ``aliases``: {file: path it is named after} (kg add names the new file's graph after
    its target in data/). Returns a kg.engine.reference.validate.ValidationReport (``results_graph`` is None). Raises
    UnsupportedShape / kg.engine.fast.reason.UnsupportedForFastReasoning when it cannot apply.
    """
    from pathlib import Path

    import pyoxigraph as ox

    from kg.store.cache import cache_root
    from kg.engine.fast.reason import load_into
    from kg.rdf.vocab import file_graph
    from kg.engine.results import ValidationReport

    say = progress or (lambda message: None)
    inference, compiled = shapes_for(data_dir)
    if compiled is None:
        return ValidationReport(conforms=True, inference=inference)
    start = time.perf_counter()
    skip = {Path(p).resolve() for p in replaced}
    ontology = [p for p in data_dir.ontology_files()]
    data = [p for p in data_dir.data_files() if p.resolve() not in skip] + [Path(f) for f in files]
    store = ox.Store()
    names, data_names = [], []
    say(f"loading {len(ontology) + len(data)} files into pyoxigraph ...")
    aliases = {Path(k): Path(v) for k, v in (aliases or {}).items()}
    for path in data:
        check_datatypes_as_written(Path(path).read_bytes(), str(path))
    for path in ontology + data:
        name = file_graph(data_dir.relpath(aliases.get(path, path)))
        load_into(store, data_dir, path, name)
        names.append(name)
        if path not in ontology:
            data_names.append(name)
    mark = time.perf_counter()
    say("RDFS closure (the shapes' inference mode) ...")
    literal_types = rdfs_closure(store, ontology, graphs=names, data_graphs=data_names,
                                 target_graph="urn:kg:fastvalidate:rdfs", cache_dir=cache_root())
    closed = time.perf_counter()
    say(f"validating ({len(compiled.queries)} queries) ...")
    results = validate_store(store, compiled, graphs=names + ["urn:kg:fastvalidate:rdfs"],
                             literal_types=literal_types)
    done = time.perf_counter()
    if timings is not None:
        timings.update({"load": mark - start, "rdfs": closed - mark, "shapes": done - closed})
    violations = to_violations(store, results, data_names, names)
    return ValidationReport(conforms=not violations, violations=violations, results_graph=None,
                            inference=inference)


def validate_endpoint(data_dir, endpoint, *, graphs=None, progress=None):
    """The shapes of ``data_dir`` run on a remote SPARQL endpoint (kg.store.backends.RemoteEndpoint)
    over ``graphs`` (default: every ``urn:kg:`` graph it holds), without downloading the data.

    The shapes assume RDFS inference: the endpoint must hold the reasoned KG, as ``kg push
    --inferred`` leaves it (the graph ``urn:kg:inferred`` holds the OWL 2 RL closure, which
    includes the RDFS rules), so an instance test is a plain rdf:type lookup. Not reproduced
    remotely: literals that a range types (RDF cannot store them as subjects). Returns a
    kg.engine.reference.validate.ValidationReport; raises KGError when the endpoint cannot run a query."""
    from kg.store.backends import RemoteStore
    from kg.rdf.vocab import FILE_GRAPH_PREFIX, INFERRED_GRAPH
    from kg.engine.results import ValidationReport

    say = progress or (lambda message: None)
    inference, compiled = shapes_for(data_dir)
    if compiled is None:
        return ValidationReport(conforms=True, inference=inference)
    store = RemoteStore(endpoint)
    names = list(graphs) if graphs else [g for g in store.graph_names() if g.startswith("urn:kg:")]
    if not names:
        raise KGError(f"{endpoint.url} holds no urn:kg: graph: push the KG first (kg push --inferred), "
                      "or name the graphs with --graph")
    if inference == "rdfs" and INFERRED_GRAPH not in names:
        raise KGError(f"the shapes assume RDFS inference, and the graphs validated on {endpoint.url} do not "
                      f"include {INFERRED_GRAPH}: push with --inferred (or add --graph {INFERRED_GRAPH})")
    say(f"validating on {endpoint.url} ({len(compiled.queries)} queries over {len(names)} graphs) ...")
    results = validate_store(store, compiled, graphs=names, rdfs_closed=True, portable=True)
    data_names = [g for g in names if g.startswith(FILE_GRAPH_PREFIX + "data/")]
    violations = to_violations(store, results, data_names, names)
    return ValidationReport(conforms=not violations, violations=violations, results_graph=None,
                            inference=inference)


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
    from kg.engine.fast.reason import _term

    term = _term(text)
    return term.value if term is not None else text


def _value_text(text: str, shorten) -> str:
    if text.startswith("<") and text.endswith(">"):
        return shorten(text[1:-1])
    return _plain_text(text)


def fast_or_none(data_dir, files=(), *, replaced=(), aliases=None, progress=None):
    """validate_files, or None when the shapes or data need the reference engines."""
    from kg.errors import UnsupportedForFastReasoning

    try:
        return validate_files(data_dir, files, replaced=replaced, aliases=aliases, progress=progress)
    except (UnsupportedShape, UnsupportedForFastReasoning):
        return None
