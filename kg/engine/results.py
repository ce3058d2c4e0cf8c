"""The engine-neutral results every engine returns and every operation consumes.

Layer: kg.engine. Imports only kg.rdf (names for messages); the engines in
kg.engine.reference and kg.engine.fast build these, kg.store and kg.ops read them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from kg.rdf.vocab import SH, shorten

DEFAULT_INFERENCE = "rdfs"


@dataclass
class QueryResult:
    """Engine-neutral result; terms are pyoxigraph terms (None when unbound)."""

    kind: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    boolean: bool | None = None
    triples: list = field(default_factory=list)
    #: What the caller should hear about (an IRI parameter naming nothing in the KG...).
    warnings: list[str] = field(default_factory=list)
    #: The stored query whose text ran (``timeline``, or its variant ``timeline+about`` when
    #: about was bound: kg.project.catalogue); empty for SPARQL text.
    ran: str = ""

    def dicts(self) -> list[dict]:
        """SELECT rows as dicts ``{variable: term or None}``."""
        return [dict(zip(self.variables, row)) for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows) if self.kind == "select" else len(self.triples)


@dataclass
class ConsistencyReport:
    """Outcome of the consistency check done with the closure."""

    errors: list[str] = field(default_factory=list)
    """owlrl's inconsistency messages (e.g. a violated disjointness)."""
    nothing_members: list[str] = field(default_factory=list)
    """IRIs inferred to be members of owl:Nothing."""
    same_as: list[tuple[str, str]] = field(default_factory=list)
    """Pairs of distinct IRIs the reasoner merged (owl:sameAs): usually a modelling error,
    e.g. a membership with two members (org:member is functional)."""

    @property
    def consistent(self) -> bool:
        return not self.errors and not self.nothing_members

    def to_dict(self) -> dict:
        return {"consistent": self.consistent, "errors": self.errors,
                "nothing_members": self.nothing_members,
                "same_as": [list(pair) for pair in self.same_as]}


@dataclass
class ReasonResult:
    inferred: object  # rdflib.Graph of inferred triples
    consistency: ConsistencyReport
    asserted_count: int

    @property
    def inferred_count(self) -> int:
        return len(self.inferred)


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    value: str | None
    component: str
    message: str
    severity: str  # Violation, Warning or Info
    shape: str | None
    source_file: str | None

    def describe(self) -> str:
        """One violation in plain words (for the text report)."""
        where = self.source_file or "?"
        parts = [f"[{self.severity}] {where}: {shorten(self.focus)}"]
        if self.path:
            parts.append(f"  {self.path}")
        if self.value is not None:
            parts.append(f"= {self.value}")
        head = " ".join(parts)
        component = self.component.replace(SH, "sh:")
        return f"{head}\n    {self.message}\n    (constraint {component})"


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    results_graph: object = None  # rdflib Graph of the SHACL validation report
    inference: str = DEFAULT_INFERENCE
    engine: str = ""
    """"fast" or "reference" when the caller chose between them (kg.ops.validate_files)."""
    fallback: str | None = None
    """Why the fast engine was not used, when it refused the shapes."""

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for v in self.violations:
            counts[v.severity] = counts.get(v.severity, 0) + 1
        return counts

    def to_dict(self) -> dict:
        return {"conforms": self.conforms, "inference": self.inference,
                "violations": [asdict(v) for v in self.violations]}


def select_result(variables: list[str], solutions, convert=None, *, limit: int | None = None) -> QueryResult:
    """SELECT solutions as a QueryResult: every solution is read as ``solution[name]`` for each
    of ``variables`` (None when unbound), every bound term passed through ``convert`` when given
    (rdflib -> pyoxigraph terms); at most ``limit`` rows. The one conversion of engines' solutions."""
    from itertools import islice

    solutions = islice(solutions, limit)
    if convert is None:
        rows = [tuple(solution[name] for name in variables) for solution in solutions]
    else:
        rows = [tuple(None if solution[name] is None else convert(solution[name]) for name in variables)
                for solution in solutions]
    return QueryResult("select", variables=list(variables), rows=rows)


def oxigraph_result(answer, *, limit: int | None = None) -> QueryResult:
    """pyoxigraph's answer to a query (Store.query, or parse_query_results of an endpoint's
    SPARQL JSON/XML answer) as a QueryResult, with at most ``limit`` rows or triples (ask for
    one more than you show to learn whether there were more). Iterates the answer, so an
    evaluation error shows here."""
    import pyoxigraph as ox
    from itertools import islice

    if isinstance(answer, ox.QuerySolutions):
        return select_result([v.value for v in answer.variables], answer, limit=limit)
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(answer))
    return QueryResult("graph", triples=list(islice(answer, limit)))
