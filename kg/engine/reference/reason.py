"""OWL 2 RL reasoning with owlrl, into a copy: the asserted graphs are never touched.

``reason(dataset)`` returns the inferred triples (closure minus asserted, minus noise)
and a ConsistencyReport. Noise that never reaches the inferred graph (the rule shared with
the fast reasoner: kg.engine.noise):

* triples that are not valid RDF (literal subject, non-IRI predicate);
* triples about the rdf:, rdfs:, owl: and xsd: vocabularies themselves;
* ``x owl:sameAs x``, ``x a owl:Thing``, ``x a rdfs:Resource``, reflexive or trivial
  ``rdfs:subClassOf`` / ``owl:equivalentClass`` / ``rdfs:subPropertyOf`` /
  ``owl:equivalentProperty`` statements and ``C rdfs:subClassOf owl:Thing``;
* datatype axioms (``x a rdfs:Datatype`` ...);
* any triple with a blank node: the ontology's blank nodes are OWL restrictions and
  lists, and what the reasoner says about them (or about data typed by them) is
  bookkeeping, not knowledge (the instance data has no blank nodes).

**Budget.** Reasoning is bounded (``Budget``): at most ``DEFAULT_MAX_SECONDS`` of wall
time and ``DEFAULT_MAX_TRIPLES`` inferred triples unless the caller passes other limits
(``kg reason --max-seconds/--max-triples``; ``None``: no limit). owlrl runs in this
process: the closure class is subclassed so that the budget is checked while rules fire
(every few hundred rule applications and derived triples, and inside the property-chain
rule, whose path enumeration can run for minutes without deriving anything), not only
between owlrl's cycles. Over budget, ``ReasoningBudgetError`` (exit 2) is raised and the
caller writes nothing. **Schema in the data.** ``reason`` refuses a dataset whose
``data/`` graphs state schema axioms (kg.project.schemacheck).

Layer: kg.engine. Imports kg.errors, kg.project (load, schemacheck) and kg.engine.
"""
from __future__ import annotations

import time

from kg.engine.noise import ERRNS, is_noise
from kg.engine.results import ConsistencyReport, ReasonResult
from kg.errors import ReasoningBudgetError

#: Wall-clock seconds reasoning may take (owlrl: 10k triples take about 16 s; Nemo: 1M
#: triples about 20 s).
DEFAULT_MAX_SECONDS = 120.0
#: Inferred triples reasoning may produce (the KG infers about half its asserted size;
#: 20 million is far past what the reference engine reaches in the time budget, and keeps
#: the fast engine's output in memory).
DEFAULT_MAX_TRIPLES = 20_000_000


class Budget:
    """A time and an inferred-triple budget, started when the object is made.

    ``check(inferred)`` raises ReasoningBudgetError when either is exceeded;
    ``tick(count)`` does the same every ``every`` calls only (for hot loops; ``count``
    returns the inferred triples so far). ``None`` for a limit means no limit.
    """

    def __init__(self, max_seconds: float | None = DEFAULT_MAX_SECONDS,
                 max_triples: int | None = DEFAULT_MAX_TRIPLES, *, every: int = 256):
        self.max_seconds = max_seconds
        self.max_triples = max_triples
        self.start = time.monotonic()
        self.deadline = None if max_seconds is None else self.start + max_seconds
        self.every = every
        self._count = 0

    @classmethod
    def of(cls, budget: "Budget | None", max_seconds, max_triples) -> "Budget":
        """``budget`` if given (one budget shared by several steps), else a new one."""
        return budget if budget is not None else cls(max_seconds, max_triples)

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def remaining(self) -> float | None:
        """Seconds left (never negative), None without a time limit."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def tick(self, inferred=None) -> None:
        """Every ``every`` calls, ``check(inferred())`` (``inferred``: a callable or None)."""
        self._count += 1
        if self._count >= self.every:
            self._count = 0
            self.check(inferred() if inferred is not None else 0)

    def check(self, inferred: int = 0) -> None:
        if self.max_triples is not None and inferred > self.max_triples:
            self.over_triples(inferred)
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.over_time(inferred)

    def over_time(self, inferred: int | None = None) -> None:
        so_far = f", {inferred} triples inferred so far" if inferred else ""
        raise ReasoningBudgetError(
            f"reasoning stopped: over the {self.max_seconds:g} s time budget "
            f"(after {self.elapsed():.1f} s{so_far}); nothing was changed",
            kind="time", limit=self.max_seconds, elapsed=self.elapsed(), inferred=inferred or 0,
            hint=_BUDGET_HINT)

    def over_triples(self, inferred: int) -> None:
        raise ReasoningBudgetError(
            f"reasoning stopped: over the budget of {self.max_triples} inferred triples "
            f"({inferred} after {self.elapsed():.1f} s); nothing was changed",
            kind="triples", limit=self.max_triples, elapsed=self.elapsed(), inferred=inferred,
            hint=_BUDGET_HINT)


_BUDGET_HINT = ("look for axioms that make the closure explode (self-referential property chains, "
                "long owl:sameAs chains); if the input is just large, raise the limit with "
                "kg reason --max-seconds N / --max-triples N")


def budgeted(closure_class, budget: Budget):
    """A subclass of an owlrl closure class (``OWLRL_Semantics``, pyshacl's RDFS semantics)
    that checks ``budget`` while it runs; it raises ReasoningBudgetError out of ``closure()``."""

    class Budgeted(closure_class):
        def closure(self):
            self._kg_base = len(self.destination)
            return super().closure()

        def _kg_inferred(self) -> int:
            return len(self.destination) - self._kg_base + len(self.added_triples)

        def rules(self, t, cycle_num):
            budget.tick(self._kg_inferred)
            return super().rules(t, cycle_num)

        def store_triple(self, t):
            super().store_triple(t)
            budget.tick(self._kg_inferred)

        def flush_stored_triples(self):
            super().flush_stored_triples()
            budget.check(self._kg_inferred())

        def _property_chain(self, p, x):
            # owlrl's prp-spo2 with the budget checked at every step of the path
            # enumeration (and the frontier deduplicated: the same pairs, fewer paths).
            chain = self._list(x)
            if not chain:
                return
            for (u1, _y, z) in list(self.graph.triples((None, chain[0], None))):
                frontier = {z}
                for pi in chain[1:]:
                    step = set()
                    for ui in frontier:
                        for u in self.graph.objects(ui, pi):
                            step.add(u)
                            budget.tick(self._kg_inferred)
                    frontier = step
                    if not frontier:
                        break
                for un in frontier:
                    self.store_triple((u1, p, un))

    Budgeted.__name__ = Budgeted.__qualname__ = f"Budgeted{closure_class.__name__}"
    return Budgeted


def expand(graph, closure_class, budget: Budget, **options) -> None:
    """``owlrl.DeductiveClosure(closure_class, **options).expand(graph)`` within ``budget``.

    Over budget, ReasoningBudgetError; ``graph`` is then partly expanded (callers pass a copy).
    """
    import owlrl
    from owlrl import DatatypeHandling

    closure = owlrl.DeductiveClosure(budgeted(closure_class, budget), **options)
    try:
        closure.expand(graph)
    except BaseException:
        # expand() switches owlrl's literal conversions globally and back at its end.
        if not owlrl.DeductiveClosure.improved_datatype_generic and closure.improved_datatypes:
            DatatypeHandling.use_RDFLib_lexical_conversions()
        raise


def reason_graph(asserted, *, max_seconds: float | None = DEFAULT_MAX_SECONDS,
                 max_triples: int | None = DEFAULT_MAX_TRIPLES,
                 budget: Budget | None = None) -> ReasonResult:
    """Closure of an rdflib Graph (not modified); return inferred triples and consistency.

    Raises ReasoningBudgetError past ``max_seconds`` / ``max_triples`` inferred triples
    (or the shared ``budget``).
    """
    import owlrl
    from rdflib import RDF as RDFNS
    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL as OWLNS

    from kg.project.load import bind_prefixes

    budget = Budget.of(budget, max_seconds, max_triples)
    closure = Graph()
    for triple in asserted:
        closure.add(triple)
    expand(closure, owlrl.OWLRL_Semantics, budget, axiomatic_triples=False, datatype_axioms=False)

    report = ConsistencyReport()
    for message in closure.objects(None, URIRef(ERRNS + "error")):
        report.errors.append(str(message))
    report.errors.sort()
    report.nothing_members = sorted(str(s) for s in closure.subjects(RDFNS.type, OWLNS.Nothing)
                                    if isinstance(s, URIRef))
    report.same_as = sorted({tuple(sorted((str(s), str(o)))) for s, o in
                             closure.subject_objects(OWLNS.sameAs)
                             if isinstance(s, URIRef) and isinstance(o, URIRef) and s != o})

    inferred = Graph()
    bind_prefixes(inferred)
    for s, p, o in closure:
        if (s, p, o) in asserted or is_noise(s, p, o):
            continue
        inferred.add((s, p, o))
    budget.check(len(inferred))
    return ReasonResult(inferred=inferred, consistency=report, asserted_count=len(asserted))


def reason(dataset, *, max_seconds: float | None = DEFAULT_MAX_SECONDS,
           max_triples: int | None = DEFAULT_MAX_TRIPLES, check_schema: bool = True) -> ReasonResult:
    """Reason over the ontology and data graphs of a Dataset (shapes are not OWL: left out).

    Raises SchemaInDataError when a ``data/`` graph states a schema axiom (``check_schema``)
    and ReasoningBudgetError over budget (see ``reason_graph``).
    """
    from kg.project.load import knowledge_graph

    if check_schema:
        from kg.project.schemacheck import check_dataset

        check_dataset(dataset)
    return reason_graph(knowledge_graph(dataset, include_shapes=False),
                        max_seconds=max_seconds, max_triples=max_triples)
