"""The Datalog program Nemo runs: the OWL 2 RL instance rules compiled for one schema.

The instance rules (cax-*, cls-*, prp-*, eq-*) are a fixed program over the schema tables
of a ``TBox``, plus one generated rule per intersection, property chain and key. Terms
travel as their exact text (SPARQL TSV, i.e. Turtle syntax, as pyoxigraph writes it):
Nemo never parses a literal, so no literal is normalised, merged or dropped on the way
(Nemo's own RDF import does all three). Inconsistencies become rows of the ``err``
relation; ``MESSAGES`` says what each one means, in owlrl's words.

Layer: kg.engine. Imports kg.errors and kg.engine.fast.tbox.
"""
from __future__ import annotations

from pathlib import Path

from kg.engine.fast.tbox import DIFFERENT, NOTHING, SAME_AS, TABLES, THING, TYPE, TBox
from kg.errors import UnsupportedForFastReasoning

#: The rule name of an ``err`` row -> owlrl's message for it ({0}, {1}, {2}: the row's terms).
MESSAGES = {
    "cax-dw": "Disjoint classes {0} and {1} have a common individual {2}",
    "cls-nothing2": "{0} is defined of type 'Nothing'",
    "eq-diff": "'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: ({0}, {1})",
    "prp-irp": "Irreflexive property used on {1} with {0}",
    "prp-asyp": "Erroneous usage of asymmetric property {0} on {1} and {2}",
    "prp-pdw": "Erroneous usage of disjoint properties {0} and {1} on {2} and {3}",
    "cls-com": "Violation of complementarity for classes {0} and {1} on element {2}",
    "cls-maxc1": "Erroneous usage of maximum cardinality with {0} and {2}",
    "cls-maxqc1": "Erroneous usage of maximum qualified cardinality with {0}, {1} and {2}",
}


def nemo_program(tbox: TBox, workdir: Path) -> str:
    """The Nemo program: the OWL 2 RL instance rules compiled for the schema ``tbox``; the
    schema tables are written into ``workdir``, where the program reads them.

    Triples are split by predicate: ``type(x, c)`` for rdf:type and one binary relation
    per property the rules name (``r0``, ``r1``...), so each rule reads only the
    triples of its own properties. Schema rows become rule constants or small joined
    tables; a table with no rows yields no rule.
    """
    lines = []
    rel = tbox.relations()
    for name in ["type"] + sorted(rel.values()):
        lines.append(f'@import in_{name} :- tsv{{resource="{_nemo_path(workdir / ("in_" + name + ".tsv"))}", '
                     f'format=(string,string), quoting=false, ignore_headers=true}} .')
    tables = dict(tbox.tables)
    tables["tb"] = list(tbox.inferred)
    for name, rows in sorted(tables.items()):
        if not rows:
            continue
        arity = 3 if name == "tb" else TABLES[name]
        path = workdir / f"{name}.tsv"
        with open(path, "w", encoding="utf-8", newline="") as out:
            for row in rows:
                out.write("\t".join(row) + "\n")
        fmt = ",".join(["string"] * arity)
        # Tables that rules read with a constant column (tb, hv) are copied into a
        # relation of their own first: Nemo 0.9 panics ("assertion left == right") when
        # an imported 3-column table is read with a constant (found by the differential test).
        imported = f"{name}_file" if name in ("tb", "hv") else name
        lines.append(f'@import {imported} :- tsv{{resource="{_nemo_path(path)}", format=({fmt}), '
                     f'quoting=false, ignore_headers=false}} .')
        if imported != name:
            columns = ", ".join(f"?c{i}" for i in range(arity))
            lines.append(f"{name}({columns}) :- {imported}({columns}) .")
    T = tbox.tables
    rules = []
    add = rules.append

    def q(text: str) -> str:
        if '"' in text or "\\" in text:
            raise UnsupportedForFastReasoning(f"term {text!r} cannot be a rule constant")
        return f'"{text}"'

    # Triples into relations; the schema closure's own triples too.
    add("type(?x, ?c) :- in_type(?x, ?c) .")
    for r in rel.values():
        add(f"{r}(?x, ?y) :- in_{r}(?x, ?y) .")
    if tbox.inferred:
        add(f"type(?x, ?c) :- tb(?x, {q(TYPE)}, ?c) .")
        for p in sorted({p for _s, p, _o in tbox.inferred} & set(rel)):
            add(f"{rel[p]}(?x, ?y) :- tb(?x, {q(p)}, ?y) .")
    owl = tbox.profile == "owlrl"
    # Equality: eq-sym, eq-trans, eq-rep-s, eq-rep-o (eq-rep-p: refused in reason_store).
    same, diff = (rel[SAME_AS], rel[DIFFERENT]) if owl else ("same_in", "diff_in")
    add(f"same(?x, ?y) :- {same}(?x, ?y), ?x != ?y .")
    add(f"{same}(?x, ?y) :- same(?x, ?y) .")
    add("same(?y, ?x) :- same(?x, ?y) .")
    add("same(?x, ?z) :- same(?x, ?y), same(?y, ?z), ?x != ?z .")
    add("type(?s2, ?c) :- same(?s, ?s2), type(?s, ?c) .")
    add("type(?s, ?c2) :- same(?c, ?c2), type(?s, ?c) .")
    for r in rel.values():
        add(f"{r}(?s2, ?o) :- same(?s, ?s2), {r}(?s, ?o) .")
        add(f"{r}(?s, ?o2) :- same(?o, ?o2), {r}(?s, ?o) .")
    # cax-sco, cax-eqc, cls-int2, cls-uni (all as subclass edges), cls-oo
    if T["sco"]:
        add("type(?x, ?d) :- type(?x, ?c), sco(?c, ?d) .")
    if T["oneof"]:
        add("type(?y, ?c) :- oneof(?y, ?c) .")
    # prp-dom, prp-rng, prp-spo1, prp-eqp, prp-inv, prp-symp, prp-trp, prp-fp, prp-ifp
    for p, c in T["dom"]:
        add(f"type(?x, {q(c)}) :- {rel[p]}(?x, ?y) .")
    for p, c in T["rng"]:
        add(f"type(?y, {q(c)}) :- {rel[p]}(?x, ?y) .")
    for p1, p2 in T["spo"]:
        add(f"{rel[p2]}(?x, ?y) :- {rel[p1]}(?x, ?y) .")
    for p1, p2 in T["inv"]:
        add(f"{rel[p2]}(?y, ?x) :- {rel[p1]}(?x, ?y) .")
    for (p,) in T["symp"]:
        add(f"{rel[p]}(?y, ?x) :- {rel[p]}(?x, ?y) .")
    for (p,) in T["trp"]:
        add(f"{rel[p]}(?x, ?z) :- {rel[p]}(?x, ?y), {rel[p]}(?y, ?z) .")
    for (p,) in T["fp"]:
        add(f"same(?y1, ?y2) :- {rel[p]}(?x, ?y1), {rel[p]}(?x, ?y2), ?y1 != ?y2 .")
    for (p,) in T["ifp"]:
        add(f"same(?x1, ?x2) :- {rel[p]}(?x1, ?y), {rel[p]}(?x2, ?y), ?x1 != ?x2 .")
    # cls-svf1, cls-svf2, cls-avf, cls-hv1, cls-hv2, cls-maxc2, cls-maxqc3/4
    for r, p, c in T["svf"]:
        add(f"type(?u, {q(r)}) :- {rel[p]}(?u, ?v), type(?v, {q(c)}) .")
    for r, p in T["svft"]:
        add(f"type(?u, {q(r)}) :- {rel[p]}(?u, ?v) .")
    for r, p, c in T["avf"]:
        add(f"type(?v, {q(c)}) :- type(?u, {q(r)}), {rel[p]}(?u, ?v) .")
    for p in sorted({p for _r, p, _v in T["hv"]}):
        add(f"type(?u, ?r) :- {rel[p]}(?u, ?v), hv(?r, {q(p)}, ?v) .")
        add(f"{rel[p]}(?u, ?v) :- hv(?r, {q(p)}, ?v), type(?u, ?r) .")
    for r, p in T["maxc1"]:
        add(f"same(?y1, ?y2) :- type(?u, {q(r)}), {rel[p]}(?u, ?y1), {rel[p]}(?u, ?y2), ?y1 != ?y2 .")
    for r, p, c in T["maxqc1"]:
        add(f"same(?y1, ?y2) :- type(?u, {q(r)}), {rel[p]}(?u, ?y1), type(?y1, {q(c)}), "
            f"{rel[p]}(?u, ?y2), type(?y2, {q(c)}), ?y1 != ?y2 .")
    # cls-int1, prp-spo2, prp-key
    for kind, head, items in tbox.rules:
        if kind == "int":
            body = ", ".join(f"type(?x, {q(c)})" for c in items)
            add(f"type(?x, {q(head)}) :- {body} .")
        elif kind == "chain":
            body = ", ".join(f"{rel[p]}(?v{i}, ?v{i + 1})" for i, p in enumerate(items))
            add(f"{rel[head]}(?v0, ?v{len(items)}) :- {body} .")
        elif kind == "key":
            body = [f"type(?x, {q(head)})", f"type(?y, {q(head)})"]
            for i, k in enumerate(items):
                body += [f"{rel[k]}(?x, ?z{i})", f"{rel[k]}(?y, ?z{i})"]
            add(f"same(?x, ?y) :- {', '.join(body)}, ?x != ?y .")
    # What is new: not asserted.
    add("new_type(?x, ?c) :- type(?x, ?c), ~in_type(?x, ?c) .")
    for r in rel.values():
        add(f"new_{r}(?x, ?y) :- {r}(?x, ?y), ~in_{r}(?x, ?y) .")
    if not owl:
        # RDFS: no equality (owl:sameAs means nothing), no inconsistency.
        rules = [r for r in rules if "same(" not in r and "same_in" not in r]
        lines += rules
        for name in ["type"] + sorted(rel.values()):
            lines.append(f'@export new_{name} :- tsv{{resource="new_{name}.tsv", format=(string,string)}} .')
        return "\n".join(lines) + "\n"
    # Inconsistencies.
    add(f"diffall(?x, ?y) :- {diff}(?x, ?y) .")
    if T["diff"]:
        add("diffall(?x, ?y) :- diff(?x, ?y) .")
    add('err("eq-diff", ?x, ?y, "") :- same(?x, ?y), diffall(?x, ?y) .')
    add('err("eq-diff", ?x, ?y, "") :- same(?x, ?y), diffall(?y, ?x) .')
    add('err("eq-diff", ?x, ?x, "") :- diffall(?x, ?x) .')  # eq-ref: everything is sameAs itself
    add(f'err("cls-nothing2", ?x, "", "") :- type(?x, {q(NOTHING)}) .')
    if T["dw"]:
        add('err("cax-dw", ?c1, ?c2, ?x) :- dw(?c1, ?c2), type(?x, ?c1), type(?x, ?c2) .')
    if T["com"]:
        add('err("cls-com", ?c1, ?c2, ?x) :- com(?c1, ?c2), type(?x, ?c1), type(?x, ?c2) .')
    for (p,) in T["irp"]:
        add(f'err("prp-irp", {q(p)}, ?x, "") :- {rel[p]}(?x, ?x) .')
    for (p,) in T["asyp"]:
        add(f'err("prp-asyp", {q(p)}, ?x, ?y) :- {rel[p]}(?x, ?y), {rel[p]}(?y, ?x) .')
    for i, (p1, p2) in enumerate(T["pdw"]):  # "prp-pdw i": the i-th pair (err has 3 free columns)
        add(f'err("prp-pdw {i}", ?x, ?y, "") :- {rel[p1]}(?x, ?y), {rel[p2]}(?x, ?y) .')
    for r, p in T["maxc0"]:
        add(f'err("cls-maxc1", {q(r)}, ?u, ?y) :- type(?u, {q(r)}), {rel[p]}(?u, ?y) .')
    for r, p, c in T["maxqc0"]:  # (owlrl's message names the restriction, the class and the value)
        typed = "" if c == THING else f", type(?y, {q(c)})"
        add(f'err("cls-maxqc1", {q(r)}, {q(c)}, ?y) :- type(?u, {q(r)}), {rel[p]}(?u, ?y){typed} .')
    lines += rules
    for name in ["type"] + sorted(rel.values()):
        lines.append(f'@export new_{name} :- tsv{{resource="new_{name}.tsv", format=(string,string)}} .')
    lines.append('@export err :- tsv{resource="err.tsv", format=(string,string,string,string)} .')
    return "\n".join(lines) + "\n"


def _nemo_path(path: Path) -> str:
    """``path`` made absolute, as a Nemo import may quote it."""
    text = str(Path(path).resolve())
    if '"' in text or "\\" in text:
        raise UnsupportedForFastReasoning(f"path {text!r} cannot be used in a Nemo program")
    return text



# ---------------------------------------------------------------------------
# The program's rules as data (kg.engine.fast.extend evaluates them on an addition)
# ---------------------------------------------------------------------------

def parse_program(text: str) -> tuple[dict[str, Path], list[tuple]]:
    """A program of ``nemo_program`` -> (imported relation -> its TSV file, [(head, body)]).

    An atom is ``(name, args)``; a filter ``("!=", (left, right))``; a negated atom's name
    starts with ``~``. Arguments are kept as written: ``?var`` or a quoted constant.
    """
    imports, rules = {}, []
    for line in text.splitlines():
        if line.startswith("@import "):
            name = line.split()[1]
            imports[name] = Path(line.split('resource="', 1)[1].split('"', 1)[0])
        elif line and not line.startswith("@"):
            rules.append(_parse_rule(line))
    return imports, rules


def _parse_rule(line: str) -> tuple[tuple, list]:
    """``head :- atom, atom, ?x != ?y .`` -> ((name, args), [atom, ...])."""
    head_text, body_text = line.rstrip(" .").split(" :- ", 1)
    return _parse_atom(head_text), [_parse_atom(part) for part in _split_top(body_text)]


def _split_top(text: str) -> list[str]:
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def _parse_atom(text: str) -> tuple:
    if " != " in text and "(" not in text:
        left, right = text.split(" != ")
        return ("!=", (left.strip(), right.strip()))
    name, args = text.split("(", 1)
    if not args.endswith(")"):
        raise UnsupportedForFastReasoning(f"cannot read the rule atom {text!r}")
    return (name.strip(), tuple(_split_top(args[:-1])))
