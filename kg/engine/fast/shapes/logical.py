"""Logical and shape-based constraints: sh:node, sh:not, sh:and, sh:or, sh:xone and
sh:qualifiedValueShape.

Each value node is tested against other shapes: every inner shape is compiled into a
*program* (its queries, with the value nodes as focus nodes), and one "logical" query gives
the (focus, value) pairs that the validator judges with the programs' results.

Layer: kg.engine (fast). Imports kg.errors, kg.rdf.vocab and the compiler's modules; rdflib
inside functions.
"""
from __future__ import annotations

from typing import Callable

from kg.engine.fast.shapes.graph import ShapesGraph, is_true, sh
from kg.engine.fast.shapes.model import Query
from kg.errors import UnsupportedShape
from kg.rdf.vocab import SH


def queries(shapes: ShapesGraph, shape, focus: str, path_sparql: str | None, path_text, *,
            program: Callable[[object, str], list], value_nodes: Callable[[str, str | None], str]) -> list[Query]:
    """The logical queries of ``shape`` on the nodes of ``focus``.

    ``program(inner, nodes)``: the compiler's queries for ``inner`` on the nodes of the
    sub-select ``nodes``; ``value_nodes(focus, path_sparql)``: the sub-select of the value nodes.
    """
    from rdflib.collection import Collection

    g = shapes.graph
    tests = [("Node", "node", [s]) for s in shapes.ordered(shapes.values(shape, "node"))]
    tests += [("Not", "not", [s]) for s in shapes.ordered(shapes.values(shape, "not"))]
    for local in ("and", "or", "xone"):
        for members in shapes.ordered(shapes.values(shape, local)):
            tests.append((local.capitalize(), local, list(Collection(g, members))))
    # The qualified parameters are ignored on a node shape (as pyshacl and the W3C test
    # core/node/qualified-001 have it); on a property shape an incomplete set is refused
    # (pyshacl reports it as an error).
    qualified = shapes.one(shape, "qualifiedValueShape") if path_sparql is not None else None
    q_min, q_max = shapes.one(shape, "qualifiedMinCount"), shapes.one(shape, "qualifiedMaxCount")
    if path_sparql is not None and (qualified is None) != (q_min is None and q_max is None):
        raise UnsupportedShape(f"{shapes.label(shape)}: sh:qualifiedValueShape needs sh:qualifiedMinCount or "
                               "sh:qualifiedMaxCount, and they need it")
    for bound in (q_min, q_max) if qualified is not None else ():
        if bound is not None and not (isinstance(bound.toPython(), int) and str(bound).isdigit()):
            raise UnsupportedShape(f"{shapes.label(shape)}: a qualified count {bound} is not an integer")
    if not tests and qualified is None:
        return []
    values = value_nodes(focus, path_sparql)
    where = f"{focus} BIND(?this AS ?v)" if path_sparql is None else f"{focus} OPTIONAL {{ ?this {path_sparql} ?v }}"
    pairs = f"SELECT DISTINCT ?this ?v WHERE {{ {where} }}"
    common = dict(sparql=pairs, shape=shapes.label(shape), path=path_text, severity=shapes.severity(shape),
                  message=shapes.message(shape), kind="logical")
    found = []
    for component, op, inner in tests:
        programs = [program(s, values) for s in inner]
        found.append(Query(component=SH + component + "ConstraintComponent", op=op, programs=programs, **common))
    if qualified is not None:
        disjoint = is_true(shapes.one(shape, "qualifiedValueShapesDisjoint"))
        # SHACL 4.7.3: the siblings are the other qualified value shapes of the
        # property shapes of every shape that has this one as a sh:property.
        siblings = shapes.ordered({q for parent in g.subjects(sh("property"), shape)
                                   for prop in shapes.values(parent, "property")
                                   for q in shapes.values(prop, "qualifiedValueShape")} - {qualified}) \
            if disjoint else []
        programs = [program(s, values) for s in [qualified] + siblings]
        found.append(Query(component="", op="qualified", programs=programs, disjoint=disjoint,
                           min_count=int(q_min) if q_min is not None else 0,
                           max_count=int(q_max) if q_max is not None else None, **common))
    return found
