"""Other constraints: sh:in (a check on ``?v``), sh:hasValue (its terms, counted by the
screening query or tested on a node shape's focus node) and sh:closed (a query).

Layer: kg.engine (fast). Imports kg.errors, kg.rdf.vocab and the compiler's modules; rdflib
inside functions.
"""
from __future__ import annotations

from kg.engine.fast.shapes.graph import ShapesGraph, is_true, same_term, sparql_term
from kg.engine.fast.shapes.model import Check, Query
from kg.errors import UnsupportedShape
from kg.rdf.vocab import SH


def in_checks(shapes: ShapesGraph, shape) -> list[Check]:
    """The sh:in check of ``shape`` (none when it has no sh:in)."""
    from rdflib.collection import Collection

    members = shapes.one(shape, "in")
    if members is None:
        return []
    test = " || ".join(same_term("?v", sparql_term(x)) for x in Collection(shapes.graph, members)) or "false"
    return [Check("InConstraintComponent", f"!({test})")]


def has_values(shapes: ShapesGraph, shape) -> list[str]:
    """The sh:hasValue terms of ``shape`` as SPARQL text."""
    return [sparql_term(v) for v in shapes.values(shape, "hasValue")]


def has_value_queries(shapes: ShapesGraph, shape, focus: str, terms: list[str], path_text) -> list[Query]:
    """sh:hasValue on a node shape: the focus nodes that are not the term, one query per term."""
    return [shapes.query(shape, sparql=f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER (!{same_term('?this', v)}) }}",
                         component=SH + "HasValueConstraintComponent", path=path_text, kind="focus")
            for v in terms]


def closed(shapes: ShapesGraph, shape, focus: str) -> Query | None:
    """sh:closed on a node shape: every triple of the focus node whose predicate is not
    the path of one of its property shapes nor in sh:ignoredProperties."""
    from rdflib import URIRef
    from rdflib.collection import Collection

    if not is_true(shapes.one(shape, "closed")):
        return None
    allowed = {path for prop in shapes.values(shape, "property")
               for path in [shapes.one(prop, "path")] if isinstance(path, URIRef)}
    ignored = shapes.one(shape, "ignoredProperties")
    if ignored is not None:
        allowed |= set(Collection(shapes.graph, ignored))
    if not all(isinstance(p, URIRef) for p in allowed):
        raise UnsupportedShape(f"{shapes.label(shape)}: sh:ignoredProperties lists a non-IRI")
    test = f"FILTER (?p NOT IN ({', '.join(f'<{p}>' for p in sorted(allowed))}))" if allowed else ""
    return shapes.query(shape, sparql=f"SELECT DISTINCT ?this ?p ?v WHERE {{ {focus} ?this ?p ?v {test} }}",
                        component=SH + "ClosedConstraintComponent", path=None, kind="closed")
