"""Value type constraints: sh:class, sh:datatype, sh:nodeKind, as checks on ``?v``.

Layer: kg.engine (fast). Imports kg.errors, kg.rdf.vocab, kg.engine.fast.literals and the
compiler's modules.
"""
from __future__ import annotations

from kg.engine.fast.literals import REWRITTEN_DATATYPES
from kg.engine.fast.shapes.graph import ShapesGraph
from kg.engine.fast.shapes.model import TYPE_PATH, Check
from kg.errors import UnsupportedShape
from kg.rdf.vocab import RDF, RDFS, SH, XSD

#: sh:nodeKind -> the condition that makes ?v offend.
NODE_KINDS = {
    SH + "IRI": "!isIRI(?v)", SH + "BlankNode": "!isBlank(?v)", SH + "Literal": "!isLiteral(?v)",
    SH + "BlankNodeOrIRI": "isLiteral(?v)", SH + "BlankNodeOrLiteral": "isIRI(?v)",
    SH + "IRIOrLiteral": "isBlank(?v)",
}
#: Datatypes whose well-formedness a SPARQL cast can check (as rdflib's ill_typed does).
CASTS = {XSD + d for d in ("integer", "decimal", "float", "double", "boolean", "date", "time",
                           "dateTime", "gYear", "gYearMonth")}


def checks(shapes: ShapesGraph, shape) -> list[Check]:
    """The sh:class, sh:datatype and sh:nodeKind checks of ``shape``."""
    found = []
    for c in shapes.values(shape, "class"):
        found.append(Check("ClassConstraintComponent", f"isLiteral(?v) || NOT EXISTS {{ ?v {TYPE_PATH} <{c}> }}"))
    d = shapes.one(shape, "datatype")
    if d is not None and str(d) in REWRITTEN_DATATYPES:
        raise UnsupportedShape(f"{shapes.label(shape)}: sh:datatype {d}: pyoxigraph stores such literals with "
                               "another datatype (xsd:integer, xsd:dateTime), so the datatype as written "
                               "cannot be checked")
    if d is not None:
        found.append(Check("DatatypeConstraintComponent", f"!({datatype_match(str(d))})"))
    k = shapes.one(shape, "nodeKind")
    if k is not None:
        if str(k) not in NODE_KINDS:
            raise UnsupportedShape(f"{shape}: unknown sh:nodeKind {k}")
        found.append(Check("NodeKindConstraintComponent", NODE_KINDS[str(k)]))
    return found


def datatype_match(d: str) -> str:
    """The condition that ?v is a well-formed literal of the datatype ``d`` (an IRI)."""
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
