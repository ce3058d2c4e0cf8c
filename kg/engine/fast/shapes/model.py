"""What a compiled shape is made of: the queries (``Query``) and per-value checks (``Check``).

Layer: kg.engine (fast). Imports nothing from kg.
"""
from __future__ import annotations

from dataclasses import dataclass, field

#: Placeholder for "is an instance of": rdf:type/rdfs:subClassOf*, or plain rdf:type when the
#: graph is closed under the RDFS subclass rules (rdfs9, rdfs11): the same solutions, and on
#: a large graph the path is by far the slowest part of a query. The validator fills it in.
TYPE_PATH = "{TYPEPATH}"


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
