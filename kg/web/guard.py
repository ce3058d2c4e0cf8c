"""Inspect SPARQL text before it reaches the engine: its form, and what it must not do.

The server is read-only and never fetches anything: pyoxigraph would follow a
``SERVICE <http://...>`` clause with its own HTTP client, so such queries are refused
here, before any engine sees them. ``FROM`` / ``FROM NAMED`` may only name graphs of
this dataset. The lexer skips comments, strings and IRIs, so a keyword inside a literal
or an IRI (``"SERVICE"``, ``<http://example.org/service>``) is not mistaken for one; a
prefixed name (``ex:service``) or a variable (``?service``) is one token, never a keyword.
The check is conservative: any bare ``SERVICE`` word refuses the query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")

_IRI = re.compile(r"<([^\s<>\"{}|^`\\]*)>")
_PNAME = re.compile(r"([A-Za-z\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?:((?:[\w\-\u00B7\u00C0-\uFFFF:%.\\]|%[0-9A-Fa-f]{2})*)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VAR = re.compile(r"[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+")


class Refused(Exception):
    """The request asks for something the server does not do (an update, a fetch): 403."""


@dataclass
class Token:
    kind: str  # word, iri, pname, var, punct
    value: str


@dataclass
class Inspection:
    form: str | None                     # SELECT / CONSTRUCT / DESCRIBE / ASK, or None (unknown)
    is_update: bool = False
    prefixes: dict = field(default_factory=dict)
    base: str | None = None
    from_graphs: list = field(default_factory=list)       # (keyword, IRI or None)
    has_service: bool = False

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def tokens(text: str):
    """Tokens of SPARQL text; comments and string literals are dropped."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else ch
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote)
        elif ch == "<" and _IRI.match(text, i):
            match = _IRI.match(text, i)
            yield Token("iri", match.group(1))
            i = match.end()
        elif ch in "?$" and _VAR.match(text, i):
            match = _VAR.match(text, i)
            yield Token("var", match.group(0))
            i = match.end()
        elif (ch.isalpha() or ch == ":") and _PNAME.match(text, i) and ":" in _PNAME.match(text, i).group(0):
            match = _PNAME.match(text, i)
            yield Token("pname", match.group(0))
            i = match.end()
        elif ch.isalpha() or ch == "_":
            match = _WORD.match(text, i)
            if match:
                yield Token("word", match.group(0).upper())
                i = match.end()
            else:  # a letter outside ASCII: part of nothing we look for
                i += 1
        else:
            yield Token("punct", ch)
            i += 1


def inspect(text: str, default_prefixes: dict | None = None) -> Inspection:
    """The form of a query, whether it is an update, and its FROM graphs and SERVICE use."""
    toks = list(tokens(text))
    prefixes = dict(default_prefixes or {})
    base = None
    i = 0
    # Prologue: BASE <iri> and PREFIX p: <iri>, in any order.
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "word" and tok.value == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            base = toks[i + 1].value
            i += 2
        elif (tok.kind == "word" and tok.value == "PREFIX" and i + 2 < len(toks)
              and toks[i + 1].kind == "pname" and toks[i + 2].kind == "iri"):
            prefixes[toks[i + 1].value.split(":", 1)[0]] = toks[i + 2].value
            i += 3
        else:
            break
    result = Inspection(form=None, prefixes=prefixes, base=base)
    if i < len(toks) and toks[i].kind == "word":
        if toks[i].value in QUERY_FORMS:
            result.form = toks[i].value
        elif toks[i].value in UPDATE_WORDS:
            result.is_update = True
    for j, tok in enumerate(toks):
        if tok.kind != "word":
            continue
        if tok.value == "SERVICE":
            result.has_service = True
        elif tok.value == "FROM":
            keyword, k = "FROM", j + 1
            if k < len(toks) and toks[k].kind == "word" and toks[k].value == "NAMED":
                keyword, k = "FROM NAMED", k + 1
            target = toks[k] if k < len(toks) else None
            result.from_graphs.append((keyword, _resolve(target, prefixes, base)))
        elif tok.value in ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE") and result.form is None:
            result.is_update = True
    return result


def _resolve(token: Token | None, prefixes: dict, base: str | None) -> str | None:
    if token is None:
        return None
    if token.kind == "iri":
        return urljoin(base, token.value) if base else token.value
    if token.kind == "pname":
        prefix, local = token.value.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


def check_query(text: str, allowed_graphs, default_prefixes: dict | None = None) -> Inspection:
    """Inspect ``text`` and raise Refused for an update, SERVICE, or a FROM of a foreign graph."""
    found = inspect(text, default_prefixes)
    if found.is_update:
        raise Refused("this endpoint is read-only: SPARQL updates are refused")
    if found.has_service:
        raise Refused("SERVICE (federated query) is refused: this endpoint never fetches remote data")
    allowed = set(allowed_graphs)
    for keyword, iri in found.from_graphs:
        if iri is None or iri not in allowed:
            shown = iri if iri is not None else "(unrecognised graph)"
            raise Refused(f"{keyword} <{shown}> is refused: only this dataset's graphs can be named "
                          f"(see the service description at /sparql); nothing is ever fetched")
    return found


def check_dataset_params(default_graphs, named_graphs, allowed_graphs) -> None:
    """The protocol's default-graph-uri / named-graph-uri: only graphs of this dataset."""
    allowed = set(allowed_graphs)
    for name, values in (("default-graph-uri", default_graphs), ("named-graph-uri", named_graphs)):
        for iri in values:
            if iri not in allowed:
                raise Refused(f"{name}={iri} is refused: only this dataset's graphs can be named; "
                              "nothing is ever fetched")
