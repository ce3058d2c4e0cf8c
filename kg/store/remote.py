"""A remote SPARQL 1.1 Protocol endpoint as a kg store (``kg query NAME --endpoint URL``).

Parameters are bound by a ``VALUES`` block injected into the query (RDF terms in
N-Triples syntax, never pasted as text), the project's prefixes are declared, the query
is POSTed form-encoded, and the results (SPARQL JSON/XML, or N-Triples/Turtle for graphs)
are parsed back into the same ``QueryResult`` the local engines return. The endpoint must
expose the KG as its default graph: push it with ``kg push`` and run the server with a
union default graph (``oxigraph serve --union-default-graph``, Fuseki's
``unionDefaultGraph``; GraphDB and Virtuoso query all graphs by default). Requests,
credentials and authentication are kg.store.http_auth.

Layer: store. Imports kg.store.http_auth, kg.project.catalogue, kg.engine.results,
kg.rdf.sparql, kg.rdf.vocab and kg.errors.
"""
from __future__ import annotations

from urllib.parse import urlencode

from kg.engine.results import QueryResult, oxigraph_result
from kg.errors import EndpointError
from kg.project.catalogue import ENGINES, bind, parse_query_text, sort_lists
from kg.rdf.sparql import inject_values
from kg.rdf.vocab import PREFIXES
from kg.store.http_auth import (PASSWORD_ENV_VAR, auth_problem, connection_error_text, header_value,
                                http_request, scrub, split_credentials)


class RemoteEndpoint:
    """Run SPARQL on a remote SPARQL 1.1 Protocol endpoint; results as kg QueryResult."""

    ACCEPT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
              "application/n-triples;q=0.9, text/turtle;q=0.8")

    def __init__(self, url: str, *, user: str | None = None, password: str | None = None,
                 password_env: str = PASSWORD_ENV_VAR,
                 timeout: float = 60.0):
        self.url, self.creds = split_credentials(url, user=user, password=password, password_env=password_env)
        self.password_env = password_env
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"RemoteEndpoint({self.url!r})"

    def query_text(self, text: str, terms: dict | None = None) -> str:
        """The SPARQL sent: VALUES for the bindings, then the project's prefixes declared."""
        body = inject_values(text, terms) if terms else text
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(PREFIXES.items()))
        return prologue + body

    def run(self, text: str, terms: dict | None = None, *, default_graphs: list[str] | None = None):
        """``default_graphs``: the graphs whose union is the query's default graph (the SPARQL
        protocol's default-graph-uri); None: the endpoint's own default graph."""
        import pyoxigraph as ox

        sparql = self.query_text(text, terms)
        form = [("query", sparql)] + [("default-graph-uri", g) for g in default_graphs or ()]
        try:
            status, headers, body = http_request(
                "POST", self.url, data=urlencode(form).encode("utf-8"),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": self.ACCEPT},
                creds=self.creds, timeout=self.timeout)
        except OSError as exc:
            raise EndpointError(scrub(f"endpoint {self.url}: {connection_error_text(exc)}", self.creds)) from None
        if status == 401:
            raise EndpointError(scrub(f"HTTP 401 from {self.url}: "
                                      f"{auth_problem(headers, self.creds, self.password_env)}", self.creds))
        if status != 200:
            snippet = body[:500].decode("utf-8", "replace").strip()
            raise EndpointError(scrub(f"endpoint {self.url} answered HTTP {status}: {snippet}", self.creds))
        if header_value(headers, "X-SQL-State"):
            # Virtuoso's "anytime" answer: the rows found before its time limit, not all of them.
            raise EndpointError(f"endpoint {self.url} returned a partial answer (X-SQL-State "
                                f"{header_value(headers, 'X-SQL-State')}: {header_value(headers, 'X-SQL-Message')}); "
                                "raise the server's query time limit (Virtuoso: [SPARQL] MaxQueryExecutionTime)")
        ctype = header_value(headers, "Content-Type").split(";")[0].strip().lower()
        try:
            if ctype in ("application/sparql-results+json", "application/json"):
                parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            elif ctype in ("application/sparql-results+xml", "application/xml", "text/xml"):
                parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
            else:
                rdf_format = ox.RdfFormat.from_media_type(ctype) if ctype else None
                if rdf_format is None:
                    raise EndpointError(f"endpoint {self.url} answered with unsupported media type {ctype!r}")
                triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=rdf_format)]
                return QueryResult("graph", triples=triples)
        except (SyntaxError, ValueError) as exc:
            raise EndpointError(f"endpoint {self.url}: unreadable {ctype} answer: {exc}") from None
        return oxigraph_result(parsed)


class RemoteStore:
    """A remote SPARQL endpoint behind the part of pyoxigraph.Store's API that kg.engine.fast.validate
    and kg.ops.check use (``query`` with a default graph), so that the shapes run where the data
    lives, without downloading it."""

    def __init__(self, endpoint: RemoteEndpoint):
        self.endpoint = endpoint

    def query(self, text: str, *, use_default_graph_as_union: bool = False, default_graph=None, prefixes=None):
        graphs = [g.value for g in default_graph] if default_graph else None
        result = self.endpoint.run(text, default_graphs=graphs)
        return [_Solution(result.variables, row) for row in result.rows]

    def graph_names(self) -> list[str]:
        """The named graphs the endpoint holds."""
        result = self.endpoint.run("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(row[0].value for row in result.rows if row[0] is not None)


class _Solution:
    """One row, read like a pyoxigraph QuerySolution: ``row["name"]`` (None when unbound)."""

    def __init__(self, variables: list[str], row: tuple):
        self._terms = dict(zip(variables, row))

    def __getitem__(self, name: str):
        return self._terms.get(name)


def endpoint_engine(endpoint: RemoteEndpoint) -> str | None:
    """Which SPARQL engine answers at ``endpoint`` (one of kg.project.catalogue.ENGINES), from the
    Server header of a trivial ASK; None when it does not say."""
    try:
        _status, headers, _body = http_request(
            "POST", endpoint.url, data=urlencode({"query": "ASK {}"}).encode("utf-8"),
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Accept": "application/sparql-results+json"},
            creds=endpoint.creds, timeout=endpoint.timeout)
    except OSError:
        return None
    server = header_value(headers, "Server").lower()
    return next((engine for engine in ENGINES if engine in server), None)


def run_remote(data_dir, query, params: dict | None, endpoint: RemoteEndpoint):
    """A stored query (or SPARQL text) with ``params`` bound, run on ``endpoint``."""
    if isinstance(query, str):
        query = parse_query_text(query, require_header=False)
        headerless = True
    else:
        headerless = not query.title
    terms = bind(query, params or {}, headerless=headerless)
    if query.unsupported:
        engine = endpoint_engine(endpoint)
        if engine in query.unsupported:
            raise EndpointError(f"query {query.name!r} does not run on {engine.capitalize()} (its header says: "
                                f"{query.unsupported[engine]}); not sent to {endpoint.url}")
    return sort_lists(endpoint.run(query.text, terms), query.lists)
