"""The SPARQL text of the shapes' own queries (sh:select, SPARQL targets), as the fast
validator rewrites it: the prologue stripped, UNIONs wrapped so a pre-bound $this joins,
the pre-binding rules of the SHACL spec checked, the WHERE group found. Every piece of text
handling goes through kg.rdf.sparql's one tokeniser.

Layer: kg.engine (fast); imports kg.errors and kg.rdf.sparql only.
"""
from __future__ import annotations

import re

from kg.errors import UnsupportedShape
from kg.rdf.sparql import mask, tokens, where_brace



_THIS = re.compile(r"[?$]this\b")


def check_prebinding(text: str, name: str) -> None:
    """Refuse a SPARQL constraint whose pre-binding of $this the fast path cannot reproduce.

    The fast path joins the focus nodes (a VALUES block) at the start of the WHERE group
    instead of substituting $this everywhere (SHACL 5.3.1). That is the same wherever a
    group that mentions $this binds it itself in a triple pattern, so refused are: the
    constructs the spec forbids in a constraint (MINUS, VALUES, SERVICE, ``AS $this``),
    sub-SELECTs, and any inner group (UNION branch, OPTIONAL, EXISTS, plain group) that
    contains $this without binding it in its own triple patterns, or that has a BIND, or
    is a GRAPH group."""
    masked = mask(text)
    for word in ("MINUS", "VALUES", "SERVICE"):
        if re.search(rf"\b{word}\b", masked, re.IGNORECASE):
            raise UnsupportedShape(f"{name}: {word} in a SPARQL constraint (the SHACL spec forbids it)")
    if re.search(r"\bAS\s*[?$](this|value|currentShape|shapesGraph)\b", masked, re.IGNORECASE):
        raise UnsupportedShape(f"{name}: a SPARQL constraint must not bind a pre-bound variable (AS $this)")
    start = required_where_brace(text)
    stack, groups = [], []   # groups: (open, close, parent index)
    for i in range(start, len(masked)):
        if masked[i] == "{":
            stack.append((i, len(groups)))
            groups.append([i, None, stack[-2][1] if len(stack) > 1 else None])
        elif masked[i] == "}":
            if not stack:
                break
            _open, index = stack.pop()
            groups[index][1] = i
            if not stack:
                break
    for index, (begin, end, parent) in enumerate(groups):
        if parent is None or end is None:
            continue
        inner = masked[begin + 1:end]
        if re.match(r"\s*SELECT\b", inner, re.IGNORECASE):
            raise UnsupportedShape(f"{name}: a sub-SELECT in a SPARQL constraint is not translated "
                                   "(pre-binding of $this)")
        if not _THIS.search(inner):
            continue
        direct, depth = [], 0
        for ch in inner:
            depth += ch == "{"
            if depth == 0:
                direct.append(ch)
            depth -= ch == "}"
        direct = "".join(direct)
        before = masked[groups[parent][0] + 1:begin].split()[-2:]
        if any(w.upper() == "GRAPH" for w in before) or re.search(r"\bBIND\b", direct, re.IGNORECASE):
            raise UnsupportedShape(f"{name}: $this inside a GRAPH group or next to a BIND in an inner group is "
                                   "not translated (pre-binding of $this)")
        while "(" in direct and re.search(r"\([^()]*\)", direct):
            direct = re.sub(r"\([^()]*\)", " ", direct)
        if not _THIS.search(direct):
            raise UnsupportedShape(f"{name}: $this in an inner group that does not bind it in a triple pattern "
                                   "is not translated (pre-binding of $this)")


def strip_prologue(text: str, prefixes: dict) -> str:
    """Move a query's own PREFIX declarations into ``prefixes`` (one shared prologue), drop its
    BASE and leading comments; return the rest of the text (``text`` itself when it has none)."""
    found = tokens(text, comments=True)
    stripped = False
    for token in found:
        if token.keyword == "PREFIX":
            name, iri = next(found, None), next(found, None)
            if name is None or name.kind != "pname" or not name.text.endswith(":") or iri is None \
                    or iri.kind != "iri":
                return text[token.start:]
            prefix, namespace = name.text[:-1], iri.text[1:-1]
            if prefixes.get(prefix, namespace) != namespace:
                raise UnsupportedShape(f"prefix {prefix}: is declared with two namespaces")
            prefixes[prefix] = namespace
        elif token.keyword == "BASE":
            iri = next(found, None)
            if iri is None or iri.kind != "iri":
                return text[token.start:]
        elif token.kind != "comment":
            return text[token.start:] if stripped else text
        stripped = True
    return ""


#: A group right after one of these words (two tokens back at most: ``GRAPH ?g {``,
#: ``SERVICE SILENT <x> {``) belongs to that pattern, so it does not start a plain UNION.
_GROUP_HEADS = {"OPTIONAL", "MINUS", "EXISTS", "GRAPH", "SERVICE", "SILENT"}


def wrap_unions(text: str) -> str:
    """Wrap each top-level ``{...} UNION {...}`` of the WHERE group in ``{ SELECT * WHERE {...} }``.

    The same solutions (a UNION is evaluated on its own either way, and SELECT * keeps
    every variable in scope), but pyoxigraph then evaluates it before the triple patterns
    that follow it instead of after them: on the shapes' disjointness query, 30 s become
    0.2 s at 100k triples.
    """
    start = required_where_brace(text)
    items, depth, group_start = [], 0, None   # items: ("G", start, end) of a group, ("W", start, word)
    for token in tokens(text):
        if token.start < start or token.kind == "punct" and token.text not in "{}":
            continue
        if token.text == "{":
            depth += 1
            if depth == 2:
                group_start = token.start
        elif token.text == "}":
            depth -= 1
            if depth == 1:
                items.append(("G", group_start, token.end))
            elif depth == 0:
                break
        elif depth == 1:
            items.append(("W", token.start, token.keyword or token.text))
    chains, i = [], 0
    while i < len(items):
        kind, begin, end = items[i]
        before = [items[j][2] for j in (i - 1, i - 2) if j >= 0 and items[j][0] == "W"]
        if kind == "G" and not set(before) & _GROUP_HEADS:
            j = i
            while j + 2 < len(items) and items[j + 1][:1] == ("W",) and items[j + 1][2] == "UNION" \
                    and items[j + 2][0] == "G":
                j += 2
            if j > i:
                chains.append((begin, items[j][2]))
                i = j + 1
                continue
        i += 1
    for begin, end in reversed(chains):
        text = text[:begin] + "{ SELECT * WHERE { " + text[begin:end] + " } }" + text[end:]
    return text


def required_where_brace(text: str) -> int:
    """Index of the '{' that opens the WHERE group of a query of the shapes (kg.rdf.sparql.where_brace)."""
    position = where_brace(text)
    if position is None:
        raise UnsupportedShape("no WHERE group in a SPARQL query of the shapes")
    return position
