"""SPARQL run inside a query worker, cut at the row limit, and its result as bytes.

A cut result says so in the ``KG-Result-Truncated`` and ``Warning`` headers
(``truncation_headers``) and on HTML pages (kg.web.views). Every text run here, stored
queries of the data dir too, is refused if it asks for a SERVICE.

Layer: top (kg.web). Imports kg.web.guard, kg.web.negotiate and the lower layers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg.engine.results import QueryResult
from kg.errors import QuerySyntaxError, RemoteAccessRefused
from kg.rdf.sparql import refuse_remote, syntax_error_text
from kg.rdf.vocab import PREFIXES
from kg.render.formats import format_result
from kg.web.guard import Refused
from kg.web.negotiate import GRAPH_FORMATS, SOLUTION_FORMATS, by_key, content_type

TRUNCATED_HEADER = "KG-Result-Truncated"

GRAPHS_QUERY = """
SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g
"""


@dataclass
class Limited:
    """A kg.engine.results.QueryResult plus whether the row limit cut it."""

    result: object
    truncated: bool
    limit: int


class BadQuery(Exception):
    """The engine rejected the query (syntax, unsupported feature): 400."""


def execute(context, sparql: str, *, limit: int | None = None, default_graphs=None,
            named_graphs=None, union: bool = True) -> Limited:
    """Run SPARQL on the worker's store, keeping at most ``limit`` rows or triples.

    The default graph is the union of all graphs, unless ``default_graphs`` names some or
    ``union`` is false (a query with its own FROM clauses: they define its dataset).
    """
    import pyoxigraph as ox

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
    first = message.splitlines()[0] if message else "invalid query"
    return syntax_error_text(text, message) if re.search(r"at \d+:\d+", message) else \
        f"SPARQL syntax error: {first}"


def truncation_headers(limited: Limited) -> dict:
    if not limited.truncated:
        return {}
    what = "triples" if limited.result.kind == "graph" else "rows"
    return {TRUNCATED_HEADER: f"true; limit={limited.limit}",
            "Warning": f'199 kg "result truncated to the first {limited.limit} {what} (kg serve --max-rows)"'}


def serialise(limited: Limited, fmt_key: str) -> tuple[str, bytes]:
    """(content type, body) of a result in one of the negotiable formats other than HTML
    (an HTML table of results is kg.web.views.results_page)."""
    import pyoxigraph as ox

    result = limited.result
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
