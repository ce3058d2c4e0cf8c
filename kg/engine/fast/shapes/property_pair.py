"""Property pair constraints: sh:disjoint, sh:lessThan, sh:lessThanOrEquals (checks on ``?v``)
and sh:equals (a check, and a query for the values the path lacks).

Layer: kg.engine (fast). Imports kg.errors, kg.rdf.vocab and the compiler's modules; rdflib
inside functions.
"""
from __future__ import annotations

from kg.engine.fast.shapes.graph import ShapesGraph
from kg.engine.fast.shapes.model import Check, Query
from kg.errors import UnsupportedShape
from kg.rdf.vocab import SH, XSD


def checks(shapes: ShapesGraph, shape) -> list[Check]:
    """The sh:disjoint, sh:lessThan and sh:lessThanOrEquals checks of ``shape``."""
    from rdflib import URIRef

    found = []
    for q in shapes.values(shape, "disjoint"):
        found.append(Check("DisjointConstraintComponent", f"EXISTS {{ ?this <{q}> ?v }}"))
    for local, op in (("lessThan", "<"), ("lessThanOrEquals", "<=")):
        for q in shapes.values(shape, local):
            if not isinstance(q, URIRef):
                raise UnsupportedShape(f"{shape}: sh:{local} must be an IRI")
            found.append(Check(local[0].upper() + local[1:] + "ConstraintComponent",
                               f"EXISTS {{ ?this <{q}> ?w FILTER (!COALESCE({compare(op)}, false)) }}"))
    return found


def equals(shapes: ShapesGraph, shape, focus: str, path_sparql: str, path_text) -> tuple[list[Check], list[Query]]:
    """sh:equals on a property shape: a check for the values of the path that q lacks, and a
    query for the values of q that the path lacks."""
    found, queries = [], []
    for q in shapes.values(shape, "equals"):
        found.append(Check("EqualsConstraintComponent", f"NOT EXISTS {{ ?this <{q}> ?v }}"))
        where = f"{focus} ?this <{q}> ?v FILTER NOT EXISTS {{ ?this {path_sparql} ?v }}"
        queries.append(shapes.query(shape, sparql=f"SELECT DISTINCT ?this ?v WHERE {{ {where} }}",
                                    component=SH + "EqualsConstraintComponent", path=path_text))
    return found, queries


def compare(op: str) -> str:
    """pyshacl's comparison of ?v and ?w: two strings (IRIs or string literals) compare as
    strings, a string and a non-string never compare, other values compare as SPARQL values."""
    def is_string(x):
        return f"(isIRI({x}) || (isLiteral({x}) && (DATATYPE({x}) = <{XSD}string> || LANG({x}) != \"\")))"

    return (f"IF({is_string('?v')} && {is_string('?w')}, STR(?v) {op} STR(?w), "
            f"IF({is_string('?v')} || {is_string('?w')}, false, ?v {op} ?w))")
