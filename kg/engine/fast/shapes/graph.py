"""Reading the shapes graph for the compiler, and writing its terms as SPARQL text.

Layer: kg.engine (fast). Imports kg.errors, kg.rdf.{vocab, terms}, kg.engine.fast.literals
and the compiler's model; rdflib inside functions.
"""
from __future__ import annotations

from kg.engine.fast.literals import stored_form
from kg.engine.fast.shapes.model import Query
from kg.errors import UnsupportedShape
from kg.rdf.vocab import SH, XSD

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


def sh(local: str):
    """The rdflib IRI of ``sh:local``."""
    from rdflib import URIRef

    return URIRef(SH + local)


class ShapesGraph:
    """The shapes graph (an rdflib Graph, ``self.graph``) read as the compiler needs it."""

    def __init__(self, graph):
        self.graph = graph

    def values(self, node, local):
        """The objects of ``node sh:local``."""
        return self.graph.objects(node, sh(local))

    def one(self, node, local):
        """The one value of ``node sh:local`` (None when it has none); two are refused."""
        values = list(self.values(node, local))
        if len(values) > 1:
            raise UnsupportedShape(f"{node} has {len(values)} sh:{local} values")
        return values[0] if values else None

    def ordered(self, nodes) -> list:
        """Shapes in a stable order (IRIs, then blank nodes by their description), so
        that the first refusal, and the queries, are the same on every run."""
        from rdflib import BNode

        return sorted(set(nodes), key=lambda n: (isinstance(n, BNode), self.label(n), str(n)))

    def deactivated(self, shape) -> bool:
        return is_true(self.graph.value(shape, sh("deactivated")))

    def severity(self, shape) -> str:
        value = self.one(shape, "severity")
        return str(value).replace(SH, "") if value is not None else "Violation"

    def message(self, shape) -> str:
        return " / ".join(sorted(str(m) for m in self.values(shape, "message")))

    def label(self, shape) -> str:
        """The shape's IRI, or the description kg.engine.reference.validate gives a blank node."""
        from rdflib import BNode

        from kg.rdf.terms import report_term_text

        return report_term_text(shape, self.graph) if isinstance(shape, BNode) else str(shape)

    def query(self, shape, **fields) -> Query:
        """A Query of ``shape``, its label, severity and (unless given) message filled in."""
        if "message" not in fields:
            fields["message"] = self.message(shape)
        return Query(shape=self.label(shape), severity=self.severity(shape), **fields)


def is_true(value) -> bool:
    """A boolean parameter is on only for the literal true ("1"^^xsd:boolean is not true
    in SHACL; rdflib's default literal normalisation hides that, see the W3C runner)."""
    from rdflib import Literal

    return isinstance(value, Literal) and value.datatype is not None and \
        str(value.datatype) == XSD + "boolean" and str(value) == "true"


def sparql_term(node) -> str:
    """The term in SPARQL syntax. A literal whose lexical form pyoxigraph would rewrite
    ("4.0"^^xsd:decimal becomes "4") is refused: it would not be the same term as the
    value pyshacl compares and reports."""
    from rdflib import Literal

    from kg.rdf.terms import rdflib_to_ox

    text = str(rdflib_to_ox(node))
    if isinstance(node, Literal) and node.datatype is not None and stored_form(text) != text:
        raise UnsupportedShape(f"the literal {text} of the shapes is not in pyoxigraph's canonical form "
                               f"({stored_form(text)}), so it would not be compared or reported as written")
    return text


def sparql_string(text: str) -> str:
    """``text`` as a SPARQL string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def same_term(variable: str, term: str) -> str:
    """``variable`` is the term ``term`` (SPARQL text). For an IRI written as ``isIRI(?v) &&
    ?v = <iri>``: the same test (IRIs are equal only when identical), which Virtuoso 7 gets
    right where its sameTerm on IRIs does not."""
    if term.startswith("<"):
        return f"(isIRI({variable}) && {variable} = {term})"
    return f"sameTerm({variable}, {term})"
