"""The shapes compiler's driver: which shapes apply to which focus nodes, their paths and
nesting; the constraints themselves are compiled by the family modules of this package.

Layer: kg.engine (fast). Imports kg.config, kg.errors, kg.rdf.vocab, kg.project.load,
kg.engine.reference.validate (the inference mode a shapes file declares) and this package;
rdflib inside functions.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kg.config import DEFAULT_MAX_NESTING
from kg.engine.fast.shapes import logical, other, property_pair, range_and_string, screen, sparql_based, value_type
from kg.engine.fast.shapes.graph import SUPPORTED, ShapesGraph, is_true, sh, sparql_term
from kg.engine.fast.shapes.model import TYPE_PATH, Query
from kg.errors import UnsupportedShape
from kg.rdf.vocab import OWL, RDF, RDFS, SH, XSD

#: Classes whose axiomatic triples (every resource an rdfs:Resource...) are not inferred.
UNSUPPORTED_TERMS = (RDFS + "Resource", RDF + "Property", RDFS + "Class")


@dataclass
class CompiledShapes:
    """A shapes graph as queries, and what the validator fills in when it runs them."""

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


#: Compiled shapes files by the SHA-256 of their bytes (and the nesting limit they were
#: parsed under): an edited file is a new key, so an entry is never stale; one per shapes
#: file a process validates with.
_COMPILED: dict[tuple[str, int], CompiledShapes] = {}


def compiled_shapes(shapes_path, *, max_nesting: int = DEFAULT_MAX_NESTING) -> CompiledShapes:
    """The shapes file translated (memoised by its bytes)."""
    from kg.project.load import parse_file

    data = shapes_path.read_bytes()
    key = (hashlib.sha256(data).hexdigest(), max_nesting)
    if key not in _COMPILED:
        _COMPILED[key] = CompiledShapes.from_graph(parse_file(shapes_path, max_nesting=max_nesting))
    return _COMPILED[key]


def shapes_for(data_dir, *, max_nesting: int = DEFAULT_MAX_NESTING):
    """(inference, compiled shapes or None when the data dir has no shapes file).

    Raises UnsupportedShape when the shapes ask for an inference other than rdfs.
    """
    from kg.engine.reference.validate import shapes_inference

    inference = shapes_inference(data_dir.shapes_file)
    if not data_dir.shapes_file.is_file():
        return inference, None
    if inference != "rdfs":
        raise UnsupportedShape(f"the shapes ask for inference={inference!r}; the fast validator does rdfs")
    return inference, compiled_shapes(data_dir.shapes_file, max_nesting=max_nesting)


class _Compiler:
    """Translates one shapes graph (rdflib) into a CompiledShapes."""

    def __init__(self, graph, inference: str = "rdfs"):
        self.shapes = ShapesGraph(graph)
        self.inference = inference
        self.prefixes: dict[str, str] = {}   # the shared prologue of the SPARQL constraints
        self.queries: list[Query] = []
        self.target_classes: dict[str, set] = {}
        self._stack: list = []    # the shapes whose conformance programs are being compiled
        self._depth = 0           # for unique variable names in nested value-node selects

    def compile(self) -> CompiledShapes:
        from rdflib import RDF as R
        from rdflib import URIRef

        g, shapes = self.shapes.graph, self.shapes
        for term in UNSUPPORTED_TERMS if self.inference == "rdfs" else ():
            if (None, None, URIRef(term)) in g or (URIRef(term), None, None) in g:
                raise UnsupportedShape(f"the shapes mention {term}: its axiomatic triples are not inferred")
        bad = sorted({str(p) for p in g.predicates() if str(p).startswith(SH) and str(p) not in SUPPORTED})
        if bad:
            on = shapes.ordered(g.subjects(URIRef(bad[0]), None))[0]
            also = f" (nor {', '.join('sh:' + b[len(SH):] for b in bad[1:])})" if bad[1:] else ""
            raise UnsupportedShape(f"{bad[0]} (on {shapes.label(on)}) is not translated to SPARQL{also}")
        for shape in shapes.ordered(set(g.subjects(R.type, sh("NodeShape"))) | {
                s for p in ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode", "target")
                for s in g.subjects(sh(p), None)} | {
                s for s in g.subjects(R.type, URIRef(RDFS + "Class"))
                if (s, R.type, sh("NodeShape")) in g or (s, R.type, sh("PropertyShape")) in g}):
            if (shape, R.type, URIRef(OWL + "Class")) in g:
                raise UnsupportedShape(f"{shape} is also an owl:Class (implicit class target)")
            if shapes.deactivated(shape):
                continue
            focus = self._focus(shape)
            if focus is None:
                continue
            self._shape(shape, focus)
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(self.prefixes.items()))
        return CompiledShapes(self.queries, prologue, self.target_classes)

    def _shape(self, shape, focus) -> None:
        """The queries of every constraint of ``shape`` on the nodes of ``focus`` (a
        sub-select of ?this). A shape with a sh:path is a property shape (also one with its
        own targets: its path applies to those focus nodes)."""
        if self.shapes.one(shape, "path") is not None:
            self._property_shape(shape, focus)
            return
        self._node_constraints(shape, focus)
        for prop in self.shapes.ordered(self.shapes.values(shape, "property")):
            if not self.shapes.deactivated(prop):
                self._property_shape(prop, focus)

    def _program(self, shape, focus) -> list:
        """The queries whose results name the nodes of ``focus`` that do not conform to
        ``shape`` (its targets ignored): what sh:node, sh:not, sh:and, sh:or, sh:xone and
        sh:qualifiedValueShape test their value nodes with. A deactivated shape has none."""
        from rdflib import BNode, URIRef

        if not isinstance(shape, (URIRef, BNode)):
            raise UnsupportedShape(f"{shape} is given as a shape but is a literal")
        if shape in self._stack:
            raise UnsupportedShape(f"{self.shapes.label(shape)} refers to itself through sh:node / sh:and / ...: "
                                   "recursive shapes are not validated (SHACL leaves them undefined)")
        saved, self.queries = self.queries, []
        self._stack.append(shape)
        try:
            if not self.shapes.deactivated(shape):
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

    def _focus(self, shape) -> str | None:
        """The sub-select of a node shape's focus nodes (None when it has no target)."""
        from rdflib import URIRef

        shapes, g = self.shapes, self.shapes.graph
        parts, classes = [], set()
        implicit = [shape] if (shape, URIRef(RDF + "type"), URIRef(RDFS + "Class")) in g else []
        for c in list(shapes.values(shape, "targetClass")) + implicit:
            if str(c).startswith(XSD):
                raise UnsupportedShape(f"{shape}: sh:targetClass {c} is a datatype")
            parts.append(f"{{ ?this {TYPE_PATH} <{c}> }}")
            classes.add(f"<{c}>")
        for p in shapes.values(shape, "targetSubjectsOf"):
            parts.append(f"{{ ?this <{p}> ?focusAny }}")
        for p in shapes.values(shape, "targetObjectsOf"):
            parts.append(f"{{ ?focusAny <{p}> ?this }}")
        nodes = list(shapes.values(shape, "targetNode"))
        if nodes:
            parts.append("{ VALUES ?this { %s } }" % " ".join(sparql_term(n) for n in nodes))
        for target in shapes.values(shape, "target"):
            parts.append(sparql_based.target_group(shapes, shape, target, self.prefixes))
        if not parts:
            return None
        key = f"F{len(self.target_classes)}"
        self.target_classes[key] = classes
        # {LITERALS:key} is replaced at run time by the literal focus nodes (or nothing).
        return "{ SELECT DISTINCT ?this WHERE { %s {LITERALS:%s} } }" % (" UNION ".join(parts), key)

    def _node_constraints(self, shape, focus) -> None:
        """Constraints on the focus node itself: the value node is the focus node."""
        self._value_constraints(shape, focus, path_sparql=None, path_text=None)
        closed = other.closed(self.shapes, shape, focus)
        if closed is not None:
            self.queries.append(closed)
        for constraint in self.shapes.values(shape, "sparql"):
            self._sparql_constraint(shape, constraint, focus, path_sparql=None, path_text=None)

    def _property_shape(self, prop, focus) -> None:
        from kg.rdf.terms import path_text as shacl_path_text

        shapes = self.shapes
        path = shapes.one(prop, "path")
        if path is None:
            raise UnsupportedShape(f"property shape {shapes.label(prop)} has no sh:path")
        if is_true(shapes.one(prop, "closed")):
            raise UnsupportedShape(f"sh:closed on the property shape {shapes.label(prop)} is not translated")
        path_sparql = self._path(path)
        path_text = shacl_path_text(path, shapes.graph)
        self._value_constraints(prop, focus, path_sparql, path_text)
        for constraint in shapes.values(prop, "sparql"):
            self._sparql_constraint(prop, constraint, focus, path_sparql, path_text)
        nested = [p for p in shapes.ordered(shapes.values(prop, "property")) if not shapes.deactivated(p)]
        if nested and self._stack:
            # Their results name the value nodes, not the node whose conformance is tested.
            raise UnsupportedShape(f"sh:property nested inside the property shape {shapes.label(prop)} of a shape "
                                   "used by sh:node / sh:and / ... is not translated")
        for inner in nested:
            # Each value node is validated against the inner property shape; its results
            # are reported as they are (PropertyConstraintComponent).
            self._property_shape(inner, self._value_nodes(focus, path_sparql))

    def _path(self, node) -> str:
        """A SHACL path as a SPARQL property path."""
        from rdflib import RDF as R
        from rdflib import BNode, URIRef
        from rdflib.collection import Collection

        g = self.shapes.graph
        if isinstance(node, URIRef):
            return f"<{node}>"
        if not isinstance(node, BNode):
            raise UnsupportedShape(f"bad sh:path {node}")
        if (node, R.first, None) in g:
            return "(" + "/".join(self._path(x) for x in Collection(g, node)) + ")"
        alt = self.shapes.one(node, "alternativePath")
        if alt is not None:
            return "(" + "|".join(self._path(x) for x in Collection(g, alt)) + ")"
        for local, fmt in (("inversePath", "^({})"), ("zeroOrMorePath", "({})*"),
                           ("oneOrMorePath", "({})+"), ("zeroOrOnePath", "({})?")):
            inner = self.shapes.one(node, local)
            if inner is not None:
                return fmt.format(self._path(inner))
        raise UnsupportedShape(f"sh:path {node} is not a SHACL path")

    def _value_constraints(self, shape, focus, path_sparql, path_text) -> None:
        """The core constraints of ``shape``, family by family: the logical ones, then the
        per-value checks, run by one screening query on a property shape (one query each on
        a node shape)."""
        shapes = self.shapes
        found = logical.queries(shapes, shape, focus, path_sparql, path_text,   # compiles inner shapes
                                program=self._program, value_nodes=self._value_nodes)
        self.queries.extend(found)
        checks = (value_type.checks(shapes, shape) + range_and_string.checks(shapes, shape)
                  + other.in_checks(shapes, shape) + property_pair.checks(shapes, shape))
        has_values = other.has_values(shapes, shape)
        equals = list(shapes.values(shape, "equals"))
        unique_lang = is_true(shapes.one(shape, "uniqueLang"))
        if path_sparql is None:
            if equals or unique_lang:
                raise UnsupportedShape(f"{shape}: sh:equals / sh:uniqueLang need a property shape")
            self.queries.extend(screen.node_shape_queries(shapes, shape, focus, checks, path_text))
            self.queries.extend(other.has_value_queries(shapes, shape, focus, has_values, path_text))
            return
        equal_checks, equal_queries = property_pair.equals(shapes, shape, focus, path_sparql, path_text)
        checks += equal_checks
        self.queries.extend(equal_queries)
        if unique_lang:
            checks.append(range_and_string.unique_lang(path_sparql))
        screening = screen.screen_query(shapes, shape, focus, path_sparql, path_text, checks, has_values)
        if screening is not None:
            self.queries.append(screening)

    def _sparql_constraint(self, shape, constraint, focus, path_sparql, path_text) -> None:
        query = sparql_based.constraint_query(self.shapes, shape, constraint, focus, path_sparql, path_text,
                                              self.prefixes)
        if query is not None:
            self.queries.append(query)
