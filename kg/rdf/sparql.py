"""What a SPARQL text would reach outside the KG, decided from a real parse.

pyoxigraph follows ``SERVICE <http://...>`` with its own HTTP client, and rdflib follows
``SERVICE`` and fetches the IRI of a ``FROM`` / ``FROM NAMED`` graph it does not hold. A
query from a stranger (a ``kg serve`` client, a stored query or quality check in someone
else's data directory) must not make the process open a connection, so before any engine
runs a query, :func:`inspect` parses it with rdflib's SPARQL 1.1 grammar (a full parser:
code-point escapes ``\\u``/``\\U`` are expanded first, as the standard says, then comments,
strings of every quoting style, IRIs, escapes in prefixed names and keyword case are the
grammar's business, not a hand-written lexer's) and lists every ``SERVICE`` pattern and
every dataset clause. A text the parser rejects is refused: it cannot be shown harmless.

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
from urllib.parse import urljoin

from kg.errors import QuerySyntaxError, RemoteAccessRefused

QUERY_FORMS = {"SelectQuery": "SELECT", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE",
               "AskQuery": "ASK"}
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
            raise _syntax_error(text, query_error) from None
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
            from kg.rdf.vocab import unknown_prefix_message

            raise QuerySyntaxError(f"SPARQL syntax error: {unknown_prefix_message(prefix)}")
        return prefixes[prefix] + (_field(term, "localname") or "")
    return urljoin(base, str(term)) if base else str(term)


def _syntax_error(text: str, exc: Exception) -> QuerySyntaxError:
    line, column = getattr(exc, "lineno", None), getattr(exc, "col", None)
    message = getattr(exc, "msg", None) or str(exc)
    if not line:
        return QuerySyntaxError(f"SPARQL syntax error: {message}")
    lines = text.splitlines() or [""]
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    return QuerySyntaxError(f"SPARQL syntax error at line {line}, column {column}: {message}\n"
                            f"  {source}\n  {' ' * max((column or 1) - 1, 0)}^")
