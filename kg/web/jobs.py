"""The jobs a query worker runs (kg.web.worker): their registry ``JOBS`` and the SPARQL job.

Each job takes the worker ``Context`` and keyword arguments and returns a
kg.web.http.Response. The pages are kg.web.views; running SPARQL and writing results is
kg.web.execute. Results are cut at ``max_rows`` rows (or triples) and say so.

Layer: top (kg.web). Imports kg.web.views, kg.web.execute, kg.web.guard, kg.web.http and
the lower layers; nothing in kg.web imports it but the worker.
"""
from __future__ import annotations

from kg.errors import KGError, QuerySyntaxError
from kg.rdf.vocab import PREFIXES
from kg.web import guard, views
from kg.web.execute import GRAPHS_QUERY, BadQuery, execute, serialise, truncation_headers
from kg.web.guard import Refused
from kg.web.http import HTML, Response, text_response


def sparql_job(context, query: str, formats: dict, default_graphs=None, named_graphs=None,
               union: bool = True) -> Response:
    """``formats``: ``{"select": key|None, "ask": key|None, "graph": key|None}`` (None: 406).

    The query is parsed first (kg.web.guard): an update, a SERVICE or a FROM of a graph
    outside the dataset gets 403, a text that does not parse 400, and none of them runs.
    """
    try:
        found = guard.check_query(query, [name for name, _count in context.graphs], PREFIXES)
        limited = execute(context, query, default_graphs=default_graphs, named_graphs=named_graphs,
                          union=union and not found.from_graphs)
    except Refused as exc:
        return text_response(403, exc)
    except (BadQuery, QuerySyntaxError) as exc:
        return text_response(400, exc)
    key = formats.get(limited.result.kind)
    if key is None:
        kind = {"select": "SELECT", "ask": "ASK", "graph": "CONSTRUCT/DESCRIBE"}[limited.result.kind]
        return text_response(406, f"none of the requested media types can carry {kind} results; see the "
                                  "service description at /sparql for what this endpoint produces")
    if key == "html":
        ctype, body = HTML, views.results_page("Query results", limited, context)
    else:
        ctype, body = serialise(limited, key)
    return Response(200, ctype, body, truncation_headers(limited))


def graphs_job(context) -> Response:
    """The named graphs of the store and their sizes, as JSON (for the service description)."""
    import json

    rows = [(r["g"].value, int(r["triples"].value)) for r in context.store.query(GRAPHS_QUERY)]
    return Response(200, "application/json", json.dumps(rows).encode("utf-8"))


#: Every job by name: what kg.web.handler asks a worker to run.
JOBS = {
    "sparql": sparql_job,
    "graphs": graphs_job,
    "home": views.home,
    "resource": views.resource,
    "describe": views.describe,
    "stored": views.stored_query,
    "search": views.search_page,
}


def dispatch(context, job: str, args: dict) -> Response:
    """Run job ``job`` with ``args``; an unknown job is a 500, a refused or failed one 403 or 400."""
    if job not in JOBS:
        return text_response(500, f"unknown job {job!r}")
    try:
        return JOBS[job](context, **args)
    except Refused as exc:  # a stored query of the data dir asked for SERVICE
        return text_response(403, exc)
    except KGError as exc:  # for example a result XML cannot carry (a NUL character)
        return text_response(400, exc)
