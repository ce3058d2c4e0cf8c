"""Extend a closure with added triples instead of recomputing it (OWL 2 RL is monotone).

The closure of the KG as it was is a pyoxigraph store (its asserted graphs and the
inferred graph) plus the rows of Nemo's relations the store does not hold (``dropped``:
noise and stubbed literals, kg.engine.fast.reason.FastReasonResult.dropped). The added
triples are in graphs of their own in the same store.

The rules are Nemo's own program (kg.engine.fast.rules, parsed with ``parse_program``),
evaluated semi-naively from the added facts: each new fact is joined, rule by rule, with
the old closure (looked up in the store's indexes) and the facts found so far, and what
the rules derive that neither holds is new and joined in turn, until nothing is. Only the
rule instances that use a new fact are computed, so the work grows with the addition, not
with the KG. (Nemo itself was measured for this first: the rewritten program has to read
the whole old closure in, which at a million triples took longer than reasoning from
scratch.) Equality is then replicated for the predicates the rules do not name
(kg.engine.fast.reason.replicate_same_as, as a full run does) and the added literals are
type-checked. tests/test_incremental.py compares the result with a full rebuild.

Refuses (UnsupportedForFastReasoning; the caller rebuilds in full): owl:sameAs that merges
schema terms (a full run recompiles the schema then), a program shape this evaluator does
not know (a negated atom outside the output rules, a derived relation it cannot read from
the store), or a join that would scan a whole relation.

Layer: kg.engine. Imports kg.errors, kg.rdf and kg.engine (reference.reason, fast.*).
"""
from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kg.engine.fast.nemo import STUB, error_message
from kg.engine.fast.reason import asserted_same_as, ill_typed_literals, replicate_same_as
from kg.engine.fast.rules import nemo_program, parse_program
from kg.engine.fast.tbox import NOTHING, SAME_AS, TYPE, TBox
from kg.engine.noise import is_noise_text
from kg.engine.reference.reason import Budget
from kg.errors import UnsupportedForFastReasoning
from kg.rdf.terms import term_from_text, tsv_of

#: A lookup that would return more old facts than this is a scan: the evaluator refuses.
MAX_SCAN = 200_000


@dataclass
class Extension:
    """What an addition adds to a closure."""

    lines: set
    """Inferred triples, one Turtle line each (some may already be in the inferred graph:
    equality replication is recomputed whole)."""
    errors: set
    nothing_members: set
    same_as: set
    """Every merged pair of distinct IRIs of the new closure (old ones included)."""
    dropped: list = field(default_factory=list)
    """The addition's share of the rows the store does not hold (see the module docstring)."""


def extend_closure(store, tbox: TBox, *, old_graphs: list[str], inferred_graph: str, new_graphs: list[str],
                   dropped: list, budget: Budget | None = None) -> Extension:
    """The closure of ``old_graphs`` + ``new_graphs`` less that of ``old_graphs`` alone.

    ``store`` holds the old closure (``old_graphs`` asserted, ``inferred_graph``, plus the
    old ``dropped`` rows given here) and the added triples in ``new_graphs``.
    """
    budget = budget if budget is not None else Budget(None, None)
    work = Path(tempfile.mkdtemp(prefix="kg-extend-"))
    try:
        imports, rules = parse_program(nemo_program(tbox, work))
        program = _Program(tbox, imports, rules)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    old = _OldClosure(store, program, old_graphs + [inferred_graph], dropped)
    new = _Facts()
    seeds = _Facts()
    for graph in new_graphs:
        for relation, row in program.rows_of(store.quads_for_pattern(None, None, None, _node(graph))):
            seeds.add(relation, row)
            if not old.has(relation, row):
                new.add(relation, row)
    queue = [(relation, row) for relation in sorted(new.rows) for row in sorted(new.rows[relation])]
    while queue:
        budget.tick(lambda: new.count)
        relation, row = queue.pop()
        for head, body, position in program.readers.get(relation, ()):
            for fact in program.fire(head, body, position, row, old, new):
                if not old.has(fact[0], fact[1]) and new.add(*fact):
                    queue.append(fact)
    budget.check(new.count)
    lines, added = set(), []
    for relation, rows in new.rows.items():
        predicate = program.predicate.get(relation)
        if predicate is None:
            continue
        for s, o in rows:
            if (s, o) in seeds.rows.get(relation, ()):
                continue  # asserted by the addition
            if o == STUB or is_noise_text(s, predicate, o):
                added.append((relation, s, o))
            else:
                lines.add(f"{s} {predicate} {o} .\n")
    same_name = program.name_of.get(SAME_AS)
    same_pairs = {(s, o) for s, o in new.rows.get(same_name, ()) if s != o} if same_name else set()
    same_pairs |= asserted_same_as(store, new_graphs)
    if same_name:
        same_pairs |= {(s, o) for s, o in old.scan(same_name) if s != o}
    schema = sorted(pair for pair in same_pairs if pair[0] in tbox.terms or pair[1] in tbox.terms)
    if schema:
        raise UnsupportedForFastReasoning(f"owl:sameAs merges the schema terms {schema[0][0]} and "
                                          f"{schema[0][1]}: the schema must be recompiled")
    if same_pairs:
        exact, stubbed = tbox.predicates()
        lines |= replicate_same_as(store, same_pairs, set(exact), set(stubbed), old_graphs + new_graphs,
                                   budget=budget)
    errors, nothing = set(), set()
    for row in new.rows.get("err", ()):
        message, member = error_message(tbox, *row)
        errors.add(message)
        if member:
            nothing.add(member)
    if tbox.profile == "owlrl":
        errors |= set(ill_typed_literals(store, new_graphs))
    nothing |= {line.split(" ", 1)[0][1:-1] for line in lines if line.endswith(f" {TYPE} {NOTHING} .\n")}
    same_as = {tuple(sorted((a[1:-1], b[1:-1]))) for a, b in same_pairs if a.startswith("<") and b.startswith("<")}
    return Extension(lines=lines, errors=errors, nothing_members=nothing, same_as=same_as, dropped=added)


def _node(iri: str):
    import pyoxigraph as ox

    return ox.NamedNode(iri)


class _Facts:
    """Rows per relation, indexed by each column's value."""

    def __init__(self):
        self.rows: dict[str, set] = defaultdict(set)
        self.index: dict[tuple, list] = defaultdict(list)
        self.count = 0

    def add(self, relation: str, row: tuple) -> bool:
        if row in self.rows[relation]:
            return False
        self.rows[relation].add(row)
        for column, value in enumerate(row):
            self.index[(relation, column, value)].append(row)
        self.count += 1
        return True

    def match(self, relation: str, pattern: tuple):
        bound = [(i, v) for i, v in enumerate(pattern) if v is not None]
        if not bound:
            candidates = self.rows.get(relation, ())
        else:
            candidates = self.index.get((relation,) + bound[0], ())
        for row in candidates:
            if all(row[i] == v for i, v in bound):
                yield row


class _Program:
    """The rules, sorted by the relations they read, and what each relation means."""

    def __init__(self, tbox: TBox, imports: dict, rules: list):
        self.name_of = {TYPE: "type", **tbox.relations()}  # predicate text -> relation
        self.predicate = {name: p for p, name in self.name_of.items()}
        self.stubbed = set(tbox.predicates()[1])
        inputs = {name[len("in_"):] for name in imports if name.startswith("in_")}
        self.static = _Facts()
        for name, path in imports.items():
            if not name.startswith("in_"):
                with open(path, encoding="utf-8", newline="") as handle:
                    for line in handle:
                        self.static.add(name, tuple(line.rstrip("\n").split("\t")))
        derived = [(h, b) for h, b in rules if not (len(b) == 1 and b[0][0] == f"in_{h[0]}")
                   and not h[0].startswith("new_")]
        dynamic = set(inputs)
        changed = True
        while changed:  # a relation can change if a rule defining it reads one that can
            changed = False
            for head, body in derived:
                if head[0] not in dynamic and any(a[0].lstrip("~") in dynamic for a in body):
                    dynamic.add(head[0])
                    changed = True
        self.static_names = ({name for name in imports if not name.startswith("in_")}
                             | {h[0] for h, _ in derived}) - dynamic
        for _ in range(len(derived)):  # schema tables copied by rules (tb, hv): computed once
            before = self.static.count
            for head, body in derived:
                if head[0] in self.static_names:
                    for fact in list(_solve(body, {}, self.static.match)):
                        self.static.add(head[0], _ground(head[1], fact))
            if self.static.count == before:
                break
        #: For each relation that can change, the (head, body, position) of the rules reading it.
        self.readers: dict[str, list] = defaultdict(list)
        self.views: dict[str, list] = {}
        for head, body in derived:
            if head[0] in self.static_names:
                continue
            if any(a[0].startswith("~") for a in body):
                raise UnsupportedForFastReasoning(f"a rule for {head[0]} negates an atom")
            for position, atom in enumerate(body):
                if atom[0] in dynamic:
                    self.readers[atom[0]].append((head, body, position))
        for name in sorted(dynamic - inputs - {"err"}):
            self.views[name] = self._view(name, derived, inputs)
        if any(a[0] == "err" for _h, body in derived for a in body):
            raise UnsupportedForFastReasoning("a rule reads the err relation")

    def _view(self, name: str, rules: list, inputs: set) -> list:
        """How a derived relation's old rows are read: ``same`` is its input relation less
        the reflexive rows (``same(x, y) :- r(x, y), x != y`` and ``r(x, y) :- same(x, y)``);
        a relation defined by single-atom copies only is the union of what it copies."""
        own = [(h, b) for h, b in rules if h[0] == name]
        copies = [b[0][0] for h, b in own if len(b) == 1 and b[0][1] == h[1] and b[0][0] != name]
        if len(copies) == len(own):
            return [(source, False) for source in copies]
        for head, body in own:
            if len(body) == 2 and body[0][0] in inputs and body[1] == ("!=", head[1]) and body[0][1] == head[1] \
                    and any(h[0] == body[0][0] and b == [(name, h[1])] for h, b in rules):
                return [(body[0][0], True)]
        raise UnsupportedForFastReasoning(f"the old rows of {name} cannot be read from the store")

    def rows_of(self, quads):
        """(relation, row) of the store's quads whose predicate a rule reads."""
        import pyoxigraph as ox

        for quad in quads:
            relation = self.name_of.get(f"<{quad.predicate.value}>")
            if relation is None:
                continue
            subject = tsv_of(quad.subject)
            if isinstance(quad.object, ox.Literal) and self.predicate[relation] in self.stubbed:
                yield relation, (subject, STUB)
            else:
                yield relation, (subject, tsv_of(quad.object))

    def fire(self, head, body, position, row, old, new):
        """The facts ``head`` gets from the rule instances where body atom ``position`` is ``row``."""
        binding = _unify(body[position][1], row, {})
        if binding is None:
            return
        rest = body[:position] + body[position + 1:]

        def lookup(relation, pattern):
            if relation in self.static_names:
                return self.static.match(relation, pattern)
            return _chain(old.match(relation, pattern), new.match(relation, pattern))

        for solution in _solve(rest, binding, lookup):
            yield head[0], _ground(head[1], solution)


def _chain(first, second):
    seen = set()
    for row in first:
        seen.add(row)
        yield row
    for row in second:
        if row not in seen:
            yield row


class _OldClosure:
    """The old closure's rows of a relation: the store's quads in ``graphs`` (stubs applied),
    the dropped rows, and the views of derived relations."""

    def __init__(self, store, program: _Program, graphs: list[str], dropped: list):
        self.store, self.program = store, program
        self.graphs = {graph for graph in graphs}
        self.dropped = _Facts()
        for name, s, o in dropped:
            self.dropped.add(name, (s, o))
        self.terms: dict[str, object] = {}

    def term(self, text: str):
        if text not in self.terms:
            self.terms[text] = term_from_text(text)
        return self.terms[text]

    def has(self, relation: str, row: tuple) -> bool:
        if relation == "err":
            return False  # the old errors are known: what is derived again is merged with them
        return any(True for _ in self.match(relation, row))

    def scan(self, relation: str):
        return self.match(relation, (None, None), limit=None)

    def match(self, relation: str, pattern: tuple, limit: int | None = MAX_SCAN):
        if relation in self.program.views:
            for source, irreflexive in self.program.views[relation]:
                for row in self.match(source, pattern, limit):
                    if not irreflexive or row[0] != row[1]:
                        yield row
            return
        if relation in self.program.static_names:
            yield from self.program.static.match(relation, pattern)
            return
        yield from self.dropped.match(relation, pattern)
        predicate = self.program.predicate.get(relation)
        if predicate is None:
            return
        yield from self._stored(predicate, pattern, limit)

    def _stored(self, predicate: str, pattern: tuple, limit):
        import pyoxigraph as ox

        s_text, o_text = pattern
        subject = self.term(s_text) if s_text is not None else None
        if s_text is not None and not isinstance(subject, (ox.NamedNode, ox.BlankNode)):
            return  # a literal subject: only in the dropped rows
        stubbed = predicate in self.program.stubbed
        obj = None
        if o_text is not None and not (stubbed and o_text == STUB):
            obj = self.term(o_text)
            if obj is None:
                return
        seen = set()
        for n, quad in enumerate(self.store.quads_for_pattern(subject, self.term(predicate), obj, None)):
            if limit is not None and n > limit:
                raise UnsupportedForFastReasoning(f"a join would scan over {limit} triples of {predicate}")
            if quad.graph_name.value not in self.graphs:
                continue
            literal = isinstance(quad.object, ox.Literal)
            if stubbed and o_text == STUB and not literal:
                continue
            row = (tsv_of(quad.subject), STUB if stubbed and literal else tsv_of(quad.object))
            if row not in seen:
                seen.add(row)
                yield row


def _unify(args: tuple, row: tuple, binding: dict) -> dict | None:
    binding = dict(binding)
    for arg, value in zip(args, row):
        if arg.startswith("?"):
            if binding.setdefault(arg, value) != value:
                return None
        elif arg.strip('"') != value:
            return None
    return binding


def _ground(args: tuple, binding: dict) -> tuple:
    return tuple(binding[a] if a.startswith("?") else a.strip('"') for a in args)


def _solve(atoms: list, binding: dict, lookup):
    """Every extension of ``binding`` that satisfies ``atoms`` (joined most-bound first)."""
    filters = [a for a in atoms if a[0] == "!="]
    atoms = [a for a in atoms if a[0] != "!="]
    if not atoms:
        if all(binding[left] != binding[right] for _n, (left, right) in filters):
            yield binding
        return
    def bound(atom):
        return sum(1 for a in atom[1] if not a.startswith("?") or a in binding)
    best = max(range(len(atoms)), key=lambda i: bound(atoms[i]))
    atom = atoms[best]
    pattern = tuple(binding.get(a) if a.startswith("?") else a.strip('"') for a in atom[1])
    rest = atoms[:best] + atoms[best + 1:] + filters
    for row in list(lookup(atom[0], pattern)):
        extended = _unify(atom[1], row, binding)
        if extended is not None:
            if any(left in extended and right in extended and extended[left] == extended[right]
                   for _n, (left, right) in filters):
                continue
            yield from _solve(rest, extended, lookup)
