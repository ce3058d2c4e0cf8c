"""SPARQL text: the one tokeniser, parameters as a VALUES block, syntax errors, remote access.

Layer: kg.rdf. Imports kg.errors and kg.rdf.vocab; rdflib only for :func:`inspect`.

* **Tokens** (:func:`tokens`, :func:`mask`): the one lexer of SPARQL text in kg, after the
  SPARQL 1.1 grammar's terminals: comments end at CR or LF, strings of the four quoting
  styles with their escapes, IRIs, variables, prefixed names (with ``\\'`` and ``%xx``
  escapes in the local part) and blank node labels are one token each. ``\\u`` escapes are
  not expanded: pyoxigraph reads them only inside strings, as this lexer does. A hand-written
  lexer because rdflib's parser keeps no positions and costs a quarter of a second per stored
  query (plus 0.8 s to import), and pyoxigraph has no parser API.
* **Parameters** (:func:`where_brace`, :func:`inject_values`): a ``VALUES`` block first in the
  WHERE group, for engines without ``initBindings`` (pyoxigraph, remote endpoints).
* **Syntax errors** (:func:`syntax_error_text`, :func:`rdflib_syntax_error`): line, column, the
  line of text and a caret, and ``unknown prefix 'foo:'`` where pyoxigraph means one.
* **Remote access** (:func:`inspect`, :func:`refuse_remote`): pyoxigraph follows ``SERVICE
  <http://...>`` with its own HTTP client, and rdflib follows ``SERVICE`` and fetches the IRI
  of a ``FROM`` / ``FROM NAMED`` graph it does not hold. A query from a stranger (a ``kg
  serve`` client, a stored query or quality check in someone else's data directory) must
  not make the process open a connection, so before any engine runs a query, ``inspect``
  parses it with rdflib's SPARQL 1.1 grammar (a full parser: code-point escapes are expanded
  first, as the standard says; comments, strings, IRIs, escapes in prefixed names and keyword
  case are the grammar's business) and lists every ``SERVICE`` pattern and every dataset
  clause. A text the parser rejects is refused: it cannot be shown harmless.

  One shortcut, sound without any lexing: the ``SERVICE`` keyword must appear in the text,
  after code-point escapes are expanded, as those seven letters (any case). A text without
  them (and without ``\\u``/``\\U``) has no ``SERVICE`` and needs no parse, which keeps a cold
  ``kg query`` free of rdflib's import. Lines whose first non-blank character is ``#`` are
  comments (a string cannot span into them without them being string content) and are
  skipped by that search, so the ``#+`` headers of stored queries do not count.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, NamedTuple
from urllib.parse import urljoin

from kg.errors import QuerySyntaxError, RemoteAccessRefused
from kg.rdf.vocab import PREFIXES, unknown_prefix_message

# ---------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------

_PN_CHARS = r"\-\w\u00B7\u0300-\u036F\u203F\u2040"      # PN_CHARS (\w: letters, digits, _)
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"        # %xx or an escaped character
_PN_PREFIX = rf"[^\W\d_](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = rf"(?:[\w:]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_LONG_STRING = '"""(?:[^"\\\\]|\\\\[\\s\\S]|"(?!""))*"""' + "|'''(?:[^'\\\\]|\\\\[\\s\\S]|'(?!''))*'''"
_SHORT_STRING = r'"(?:[^"\\\r\n]|\\.)*"' + r"|'(?:[^'\\\r\n]|\\.)*'"
_TOKEN = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in [
    ("space", r"\s+"),
    ("comment", r"#[^\r\n]*"),
    ("iri", r'<[^<>"{}|^`\\\x00-\x20]*>'),
    ("string", f"{_LONG_STRING}|{_SHORT_STRING}"),
    ("unterminated", r"[\"'][\s\S]*"),                    # a string that never ends: the rest
    ("var", r"[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+"),
    ("bnode", rf"_:[\w](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"),
    ("pname", rf"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?"),
    ("word", r"[^\W\d]\w*"),                               # keywords, a, true, function names
    ("number", r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?"),
    ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("punct", r"[\s\S]"),                                  # { } ( ) . ; , * ^ | / ! = < > ...
]))
#: Token kinds whose text is not SPARQL structure: blanked by :func:`mask`.
_OPAQUE = ("comment", "iri", "string", "unterminated")
QUERY_FORMS = {"SelectQuery": "SELECT", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE",
               "AskQuery": "ASK"}


class Token(NamedTuple):
    """One token: its kind (word, var, pname, iri, string, punct...), its text, where it starts."""

    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def keyword(self) -> str | None:
        """The word in capitals (``WHERE``) for a word token; None for any other token."""
        return self.text.upper() if self.kind == "word" else None


def tokens(text: str, *, comments: bool = False) -> Iterator[Token]:
    """The tokens of ``text`` in order; white space never, comments only with ``comments``."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind != "space" and (comments or kind != "comment"):
            yield Token(kind, match.group(), match.start())


def mask(text: str) -> str:
    """``text`` with its comments, strings and IRIs blanked out (same length, same lines)."""
    return "".join(re.sub(r"[^\r\n]", " ", m.group()) if m.lastgroup in _OPAQUE else m.group()
                   for m in _TOKEN.finditer(text))


# ---------------------------------------------------------------------------
# Parameters as a VALUES block
# ---------------------------------------------------------------------------

def where_brace(text: str) -> int | None:
    """Index of the ``{`` that opens the WHERE group (after a CONSTRUCT template), or None."""
    form = previous = None
    depth = 0
    for token in tokens(text):
        if token.text == "{":
            if depth == 0 and not (form == "CONSTRUCT" and previous != "WHERE"):
                return token.start
            depth += 1
        elif token.text == "}":
            depth -= 1
            if depth == 0 and form == "CONSTRUCT":
                form = "CONSTRUCT template"  # the next group is the WHERE group
        elif depth == 0 and form is None and token.keyword in QUERY_FORMS.values():
            form = token.keyword
        previous = token.keyword
    return None


def inject_values(text: str, terms: dict) -> str:
    """Put ``VALUES (?a ?b) { (t1 t2) }`` first in the WHERE group of ``text``.

    ``terms``: variable name -> pyoxigraph term (written in N-Triples syntax, never pasted
    text). A short-form ``CONSTRUCT WHERE { pattern }`` (whose group may hold triple patterns
    only) is first written out as ``CONSTRUCT { pattern } WHERE { pattern }``.
    """
    position = where_brace(text)
    if position is None:
        raise QuerySyntaxError("cannot bind parameters: no WHERE group found in the query")
    text, position = _expand_short_construct(text, position)
    names = sorted(terms)
    values = " VALUES (" + " ".join(f"?{n}" for n in names) + ") { (" + \
        " ".join(str(terms[n]) for n in names) + ") } "
    return text[: position + 1] + values + text[position + 1:]


def _expand_short_construct(text: str, brace: int) -> tuple[str, int]:
    """``CONSTRUCT WHERE { p }`` -> ``CONSTRUCT { p } WHERE { p }``; other queries unchanged.

    Returns the text and the index of the WHERE group's opening brace in it.
    """
    found = list(tokens(text))
    at = next(i for i, token in enumerate(found) if token.start == brace)
    if at < 2 or found[at - 1].keyword != "WHERE" or found[at - 2].keyword != "CONSTRUCT":
        return text, brace
    depth = 0
    for token in found[at:]:
        depth += {"{": 1, "}": -1}.get(token.text, 0)
        if depth == 0:
            close = token.start
            break
    else:
        return text, brace
    pattern = text[brace:close + 1]
    head = text[:found[at - 1].start] + pattern + " WHERE "
    return head + text[brace:], len(head)


# ---------------------------------------------------------------------------
# Syntax errors
# ---------------------------------------------------------------------------

def syntax_error_text(text: str, message: str) -> str:
    """pyoxigraph's SyntaxError ``message`` about ``text`` in plain words: line, column, a caret,
    and ``unknown prefix 'foo:'`` (with the predeclared ones) where a prefix is undeclared."""
    match = re.search(r"at (\d+):(\d+)", message)
    if not match:
        return f"SPARQL syntax error: {message}"
    line, column = int(match.group(1)), int(match.group(2))
    lines = text.splitlines() or [""]
    first = message.splitlines()[0] if message else "invalid query"
    # pyoxigraph words an undeclared prefix as "expected one of ..., Prefix not found, ..." or,
    # in subject or predicate position, as "expected OPTIONAL": look for one before the error.
    offset = sum(len(text_line) + 1 for text_line in lines[:line - 1]) + max(column - 1, 0)
    prefix = undeclared_prefix(text, offset, anywhere="Prefix not found" in message)
    if prefix is not None:
        first = unknown_prefix_message(prefix)
    return _located(text, line, column, first)


def rdflib_syntax_error(text: str, exc: Exception) -> QuerySyntaxError:
    """rdflib's parse error (a pyparsing exception, or its unknown-prefix error) about ``text``."""
    unknown = re.match(r"Unknown namespace prefix\s*:\s*(\S+)", str(exc))
    if unknown:  # rdflib raises it while translating, with no position
        return QuerySyntaxError(f"SPARQL syntax error: {unknown_prefix_message(unknown.group(1))}")
    line, column = getattr(exc, "lineno", None), getattr(exc, "col", None)
    message = getattr(exc, "msg", None) or str(exc)
    if not line:
        return QuerySyntaxError(f"SPARQL syntax error: {message}")
    return QuerySyntaxError(_located(text, line, column, message))


def _located(text: str, line: int, column: int | None, message: str) -> str:
    """The one layout of a syntax error: where, what, the line of text and a caret under the spot."""
    lines = text.splitlines() or [""]
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    return (f"SPARQL syntax error at line {line}, column {column}: {message}\n"
            f"  {source}\n  {' ' * max((column or 1) - 1, 0)}^")


def undeclared_prefix(text: str, offset: int, *, anywhere: bool = False) -> str | None:
    """The last prefix used before ``offset`` in ``text`` (with ``anywhere``, else the first
    after it) that neither a PREFIX declaration in the text nor PREFIXES declares."""
    found = list(tokens(text))
    declared = set(PREFIXES) | {name.text[:-1] for keyword, name in zip(found, found[1:])
                                if keyword.keyword == "PREFIX" and name.kind == "pname"
                                and name.text.endswith(":")}
    undeclared = [t for t in found if t.kind == "pname" and not t.text.startswith(":")
                  and t.text.split(":", 1)[0] not in declared]
    before = [t for t in undeclared if t.start < offset]
    if before:
        return before[-1].text.split(":", 1)[0]
    after = [t for t in undeclared if t.start >= offset] if anywhere else []
    return after[0].text.split(":", 1)[0] if after else None


# ---------------------------------------------------------------------------
# Remote access: what a query would reach outside the KG, from a real parse
# ---------------------------------------------------------------------------

_CODEPOINT_ESCAPE = re.compile(r"\\[uU]")
_COMMENT_LINE = re.compile(r"^[ \t]*#[^\r\n]*", re.MULTILINE)  # a comment ends at CR or LF
_SERVICE = re.compile("service", re.IGNORECASE)


@dataclass
class Inspection:
    """What a parse of one SPARQL text found."""

    form: str | None                                   # SELECT / CONSTRUCT / DESCRIBE / ASK; None for an update
    is_update: bool = False
    service_targets: list = field(default_factory=list)  # IRI text or ?variable of each SERVICE
    from_graphs: list = field(default_factory=list)      # ("FROM" | "FROM NAMED", absolute IRI)

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def may_use_service(text: str) -> bool:
    """False only when ``text`` certainly holds no SERVICE keyword (no parse needed)."""
    if _CODEPOINT_ESCAPE.search(text):
        return True
    return bool(_SERVICE.search(_COMMENT_LINE.sub("", text)))


def inspect(text: str, prefixes: dict | None = None) -> Inspection:
    """Parse ``text`` (a query or an update) and list its SERVICE patterns and dataset clauses.

    Raises QuerySyntaxError when the SPARQL 1.1 grammar rejects the text.
    """
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        parsed = parseQuery(text)
    except RecursionError:
        raise QuerySyntaxError("SPARQL query nested too deeply to be checked; refused") from None
    except Exception as query_error:  # pyparsing.ParseException and friends
        try:
            update = parseUpdate(text)
        except Exception:
            raise rdflib_syntax_error(text, query_error) from None
        return Inspection(form=None, is_update=True, service_targets=_services(update))
    prologue, body = parsed[0], parsed[1]
    found = Inspection(form=QUERY_FORMS.get(body.name), service_targets=_services(body))
    declared, base = dict(prefixes or {}), None
    for decl in prologue:
        if decl.name == "Base":
            base = urljoin(base, str(decl["iri"])) if base else str(decl["iri"])
        elif decl.name == "PrefixDecl":
            declared[_field(decl, "prefix") or ""] = str(decl["iri"])
    for clause in _field(body, "datasetClause") or []:
        keyword, target = ("FROM NAMED", clause["named"]) if "named" in clause else ("FROM", clause["default"])
        found.from_graphs.append((keyword, _absolute(target, declared, base)))
    return found


def refuse_remote(text: str, *, allow_service: bool = False, local_graphs=None,
                  prefixes: dict | None = None) -> Inspection | None:
    """Raise RemoteAccessRefused if running ``text`` could open a network connection.

    ``SERVICE`` is refused unless ``allow_service``. With ``local_graphs`` (the graph IRIs
    the engine holds), a ``FROM`` / ``FROM NAMED`` of any other IRI is refused too: rdflib
    would fetch it. Returns the inspection, or None when the text needed no parse.
    """
    if allow_service:
        return None
    if local_graphs is None and not may_use_service(text):
        return None
    found = inspect(text, prefixes)
    if found.service_targets:
        target = found.service_targets[0]
        raise RemoteAccessRefused(
            f"SERVICE {target} is refused: a federated query would make kg connect to another server",
            hint="kg never fetches remote data unless told to: `kg query --allow-service` runs it "
                 "(never in kg serve or kg check)")
    if local_graphs is not None:
        known = set(local_graphs)
        for keyword, iri in found.from_graphs:
            if iri not in known:
                raise RemoteAccessRefused(
                    f"{keyword} <{iri}> is refused: it is not a graph of this KG, and kg never fetches one",
                    hint="name a graph the KG holds (urn:kg:file:..., urn:kg:inferred), or drop the clause")
    return found


def _services(tree) -> list[str]:
    """The target (IRI or variable, as text) of every ServiceGraphPattern in a parse tree."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    targets, stack = [], [tree]
    while stack:  # iterative: a deeply nested query must not exhaust the Python stack here
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                targets.append(_term_text(_field(node, "term")))
            stack.extend(node.values())
        elif isinstance(node, (ParseResults, list, tuple)):
            stack.extend(node)
    return targets


def _field(node, name: str):
    """``node[name]`` or None (rdflib's CompValue.get returns the key itself when it is absent)."""
    return node[name] if name in node else None


def _term_text(term) -> str:
    from rdflib import URIRef, Variable
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, CompValue) and term.name == "pname":
        return f"{_field(term, 'prefix') or ''}:{_field(term, 'localname') or ''}"
    return str(term)


def _absolute(term, prefixes: dict, base: str | None) -> str:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(term, CompValue) and term.name == "pname":
        prefix = _field(term, "prefix") or ""
        if prefix not in prefixes:
            raise QuerySyntaxError(f"SPARQL syntax error: {unknown_prefix_message(prefix)}")
        return prefixes[prefix] + (_field(term, "localname") or "")
    return urljoin(base, str(term)) if base else str(term)
