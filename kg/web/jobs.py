"""Jobs run inside a query worker (see kg.web.worker): SPARQL, pages, descriptions.

Each job takes the worker ``Context`` and keyword arguments and returns a ``Response``.
Results are cut at ``max_rows`` rows (or triples); a cut result says so in the
``KG-Result-Truncated`` and ``Warning`` headers (and on HTML pages).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import KGError
from kg.rdf.vocab import PREFIXES
from kg.web import guard
from kg.web.guard import Refused
from kg.web.worker import Response

TRUNCATED_HEADER = "KG-Result-Truncated"


@dataclass
class Limited:
    """A kg.engine.results.QueryResult plus whether the row limit cut it."""

    result: object
    truncated: bool
    limit: int


class BadQuery(Exception):
    """The engine rejected the query (syntax, unsupported feature): 400."""


def dispatch(context, job: str, args: dict) -> Response:
    from kg.web import views

    handlers = {
        "sparql": sparql_job,
        "graphs": graphs_job,
        "home": views.home,
        "resource": views.resource,
        "describe": views.describe,
        "stored": views.stored_query,
        "search": views.search_page,
    }
    if job not in handlers:
        return Response(500, "text/plain; charset=utf-8", f"unknown job {job!r}\n".encode())
    try:
        return handlers[job](context, **args)
    except Refused as exc:  # a stored query of the data dir asked for SERVICE
        return Response(403, "text/plain; charset=utf-8", (str(exc) + "\n").encode("utf-8"))
    except KGError as exc:  # for example a result XML cannot carry (a NUL character)
        return Response(400, "text/plain; charset=utf-8", (str(exc) + "\n").encode("utf-8"))


def execute(context, sparql: str, *, limit: int | None = None, default_graphs=None,
            named_graphs=None, union: bool = True) -> Limited:
    """Run SPARQL on the worker's store, keeping at most ``limit`` rows or triples.

    The default graph is the union of all graphs, unless ``default_graphs`` names some or
    ``union`` is false (a query with its own FROM clauses: they define its dataset).
    """
    import pyoxigraph as ox

    from kg.engine.results import QueryResult

    from kg.errors import QuerySyntaxError, RemoteAccessRefused
    from kg.rdf.sparql import refuse_remote

    try:  # every text a job runs (stored queries of the data dir too): never a SERVICE
        refuse_remote(sparql, prefixes=PREFIXES)
    except RemoteAccessRefused as exc:
        raise Refused(exc.message) from None
    except QuerySyntaxError as exc:
        raise BadQuery(exc.message) from None
    limit = context.max_rows if limit is None else limit
    kwargs = {"prefixes": PREFIXES}
    if default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    elif union:
        kwargs["use_default_graph_as_union"] = True
    if named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    try:
        result = context.store.query(sparql, **kwargs)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows, truncated = [], False
            for solution in result:
                if len(rows) >= limit:
                    truncated = True
                    break
                rows.append(tuple(solution[v] for v in variables))
            return Limited(QueryResult("select", variables=variables, rows=rows), truncated, limit)
        if isinstance(result, ox.QueryBoolean):
            return Limited(QueryResult("ask", boolean=bool(result)), False, limit)
        triples, truncated = [], False
        for triple in result:
            if len(triples) >= limit:
                truncated = True
                break
            triples.append(triple)
        return Limited(QueryResult("graph", triples=triples), truncated, limit)
    except SyntaxError as exc:
        raise BadQuery(_syntax_message(sparql, str(exc))) from None
    except (OSError, RuntimeError, ValueError, TypeError) as exc:
        raise BadQuery(f"query failed: {exc}") from None


def _syntax_message(text: str, message: str) -> str:
    from kg.rdf.sparql import syntax_error_text

    first = message.splitlines()[0] if message else "invalid query"
    return syntax_error_text(text, message) if re.search(r"at \d+:\d+", message) else \
        f"SPARQL syntax error: {first}"


def truncation_headers(limited: Limited) -> dict:
    if not limited.truncated:
        return {}
    what = "triples" if limited.result.kind == "graph" else "rows"
    return {TRUNCATED_HEADER: f"true; limit={limited.limit}",
            "Warning": f'199 kg "result truncated to the first {limited.limit} {what} (kg serve --max-rows)"'}


def serialise(limited: Limited, fmt_key: str, *, context=None, title: str = "Query results") -> tuple[str, bytes]:
    """(content type, body) of a result in one of the negotiable formats."""
    import pyoxigraph as ox

    from kg.render.formats import format_result
    from kg.web.negotiate import GRAPH_FORMATS, SOLUTION_FORMATS, by_key, content_type

    result = limited.result
    if fmt_key == "html":
        from kg.web import views

        return "text/html; charset=utf-8", views.results_page(title, limited, context)
    if result.kind == "graph":
        fmt = by_key(GRAPH_FORMATS, fmt_key)
        if fmt_key == "jsonld":
            triples = sorted(result.triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
            body = ox.serialize(triples, format=ox.RdfFormat.JSON_LD) if triples else b"[]"
            return content_type(fmt), body
        internal = {"turtle": "turtle", "ntriples": "ntriples", "rdfxml": "xml"}[fmt_key]
        return content_type(fmt), format_result(result, internal).encode("utf-8")
    fmt = by_key(SOLUTION_FORMATS, fmt_key)
    return content_type(fmt), format_result(result, fmt_key).encode("utf-8")


def sparql_job(context, query: str, formats: dict, default_graphs=None, named_graphs=None,
               union: bool = True) -> Response:
    """``formats``: ``{"select": key|None, "ask": key|None, "graph": key|None}`` (None: 406).

    The query is parsed first (kg.web.guard): an update, a SERVICE or a FROM of a graph
    outside the dataset gets 403, a text that does not parse 400, and none of them runs.
    """
    from kg.errors import QuerySyntaxError

    try:
        found = guard.check_query(query, [name for name, _count in context.graphs], PREFIXES)
        limited = execute(context, query, default_graphs=default_graphs, named_graphs=named_graphs,
                          union=union and not found.from_graphs)
    except guard.Refused as exc:
        return Response(403, "text/plain; charset=utf-8", (str(exc) + "\n").encode("utf-8"))
    except (BadQuery, QuerySyntaxError) as exc:
        return Response(400, "text/plain; charset=utf-8", (str(exc) + "\n").encode("utf-8"))
    key = formats.get(limited.result.kind)
    if key is None:
        kind = {"select": "SELECT", "ask": "ASK", "graph": "CONSTRUCT/DESCRIBE"}[limited.result.kind]
        return Response(406, "text/plain; charset=utf-8",
                        f"none of the requested media types can carry {kind} results; see the service "
                        "description at /sparql for what this endpoint produces\n".encode("utf-8"))
    ctype, body = serialise(limited, key, context=context)
    return Response(200, ctype, body, truncation_headers(limited))


GRAPHS_QUERY = """
SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g
"""


def graphs_job(context) -> Response:
    """The named graphs of the store and their sizes, as JSON (for the service description)."""
    import json

    rows = [(r["g"].value, int(r["triples"].value)) for r in context.store.query(GRAPHS_QUERY)]
    return Response(200, "application/json", json.dumps(rows).encode("utf-8"))
