"""The queries that run a shape's checks: on a property shape one screening query, which also
does the cardinality constraints (sh:minCount, sh:maxCount) and counts the sh:hasValue
terms; on a node shape one query per check.

The screening query groups the value nodes by focus node: their count and, per check, how
many offend. The validator then runs each check's detail query on the few focus nodes it
flags, to name the offending values.

Layer: kg.engine (fast). Imports kg.rdf.vocab and the compiler's modules.
"""
from __future__ import annotations

from kg.engine.fast.shapes.graph import ShapesGraph, same_term
from kg.engine.fast.shapes.model import Check, Query
from kg.rdf.vocab import SH


def node_shape_queries(shapes: ShapesGraph, shape, focus: str, checks: list[Check], path_text) -> list[Query]:
    """A node shape's checks: the value node is the focus node itself."""
    values = f"{focus} BIND(?this AS ?v)"
    return [shapes.query(shape, sparql=f"SELECT DISTINCT ?this ?v WHERE {{ {values} FILTER ({check.condition}) }}",
                         component=SH + check.component, path=path_text)
            for check in checks]


def screen_query(shapes: ShapesGraph, shape, focus: str, path_sparql: str, path_text, checks: list[Check],
                 has_values: list[str]) -> Query | None:
    """The screening query of a property shape (None when it constrains nothing); fills in
    each check's detail query."""
    min_count, max_count = shapes.one(shape, "minCount"), shapes.one(shape, "maxCount")
    min_count = int(min_count) if min_count is not None else 0
    max_count = int(max_count) if max_count is not None else None
    if not checks and not has_values and not min_count and max_count is None:
        return None
    value_binds = " ".join(f"BIND (IF({same_term('?v', v)}, 1, 0) AS ?h{i})" for i, v in enumerate(has_values))
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
    return shapes.query(shape, sparql=sparql, component="", path=path_text, kind="screen", checks=checks,
                        has_values=len(has_values), min_count=min_count, max_count=max_count, focus=focus,
                        count_sparql=count_sparql)
