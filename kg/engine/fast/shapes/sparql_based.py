"""SPARQL-based constraints (sh:sparql) and targets (sh:SPARQLTarget): the queries as written.

Their PREFIX lines join one shared prologue, and ``rdf:type/rdfs:subClassOf*`` becomes the
validator's instance path. A constraint's focus nodes are joined at the start of its WHERE
group, where pyshacl pre-binds ``$this`` one node at a time; a query whose pre-binding that
join does not reproduce is refused.

Layer: kg.engine (fast). Imports kg.errors, kg.rdf.{vocab, sparql}, the SPARQL-text helpers
of kg.engine.fast.validate and the compiler's modules; rdflib inside functions.
"""
from __future__ import annotations

import re

from kg.engine.fast.shapes.graph import SUPPORTED, ShapesGraph, sh
from kg.engine.fast.shapes.model import TYPE_PATH, Query
from kg.engine.fast.shapes.sparql_text import check_prebinding, required_where_brace, strip_prologue, wrap_unions
from kg.errors import UnsupportedShape
from kg.rdf.sparql import may_use_service
from kg.rdf.vocab import RDF, SH

#: "is an instance of" as the queries write it (rdf:type/rdfs:subClassOf*, a/rdfs:subClassOf*...).
_INSTANCE_PATH = re.compile(
    r"(?:\brdf:type|(?<![\w:?$])a|<http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type>)\s*/\s*"
    r"(?:rdfs:subClassOf|<http://www\.w3\.org/2000/01/rdf-schema#subClassOf>)\s*\*")


def select(shapes: ShapesGraph, node, prefixes: dict) -> str:
    """The sh:select text of ``node`` (a constraint or a target); its sh:prefixes declarations
    go into ``prefixes``."""
    for declarations in shapes.values(node, "prefixes"):
        _declare(shapes, declarations, prefixes)
    text = shapes.one(node, "select")
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


def _declare(shapes: ShapesGraph, node, prefixes: dict) -> None:
    """Collect the sh:declare prefixes of ``node`` (an object of sh:prefixes) into ``prefixes``."""
    for decl in shapes.values(node, "declare"):
        prefix, ns = shapes.one(decl, "prefix"), shapes.one(decl, "namespace")
        if prefix is None or ns is None:
            raise UnsupportedShape(f"incomplete sh:declare on {node}")
        prefix, ns = str(prefix), str(ns)
        if prefixes.get(prefix, ns) != ns:
            raise UnsupportedShape(f"prefix {prefix}: is declared with two namespaces")
        prefixes[prefix] = ns


def target_group(shapes: ShapesGraph, shape, target, prefixes: dict) -> str:
    """The group of a sh:target of ``shape``: the focus nodes its sh:SPARQLTarget selects."""
    from rdflib import URIRef

    if (target, URIRef(RDF + "type"), sh("SPARQLTarget")) not in shapes.graph:
        raise UnsupportedShape(f"{shape}: only sh:SPARQLTarget custom targets are translated")
    return "{ %s }" % wrap_unions(strip_prologue(select(shapes, target, prefixes), prefixes))


def constraint_query(shapes: ShapesGraph, shape, constraint, focus: str, path_sparql: str | None, path_text,
                     prefixes: dict) -> Query | None:
    """The query of the sh:sparql ``constraint`` of ``shape`` (None when it is deactivated)."""
    if shapes.deactivated(constraint):
        return None
    for other in shapes.graph.predicates(constraint, None):
        if str(other).startswith(SH) and str(other) not in SUPPORTED:
            raise UnsupportedShape(f"{constraint}: {other} is not translated")
    text = select(shapes, constraint, prefixes)
    check_prebinding(text, shapes.label(constraint))
    if "$PATH" in text:
        if path_sparql is None:
            raise UnsupportedShape(f"{constraint}: $PATH in a node shape's constraint")
        text = text.replace("$PATH", path_sparql)
    body = wrap_unions(strip_prologue(text, prefixes))
    head = body[: required_where_brace(body)]
    if not re.search(r"[?$]this\b", head) and "*" not in head.split("WHERE")[0]:
        raise UnsupportedShape(f"{constraint}: the query must select $this")
    position = required_where_brace(body)
    sparql = body[: position + 1] + " {FOCUSVALUES} " + body[position + 1:]
    variables = re.findall(r"[?$](\w+)", head)
    message = shapes.message(constraint) or shapes.message(shape)
    return shapes.query(shape, sparql=sparql, component=SH + "SPARQLConstraintComponent", path=path_text,
                        message=message, kind="sparql", node_shape_focus=path_sparql is None,
                        variables=variables, focus=focus)
