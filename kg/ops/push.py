"""`kg push`: upload the KG to a SPARQL 1.1 Graph Store HTTP Protocol server.

One ``PUT <endpoint>?graph=<IRI>`` per named graph, with the graph's whole content as
N-Triples: PUT replaces the graph, so pushing twice leaves the same store (no
duplicates). The graphs are those of ``kg export`` (one per ontology and data file, the
VoID/DCAT description ``urn:kg:void``, and with ``--inferred`` the OWL 2 RL inferences
``urn:kg:inferred``). Blank nodes (only the ontology has them) are skolemised into
``https://w3id.org/mqm-kg/.well-known/genid/<canonical label>`` IRIs, stable across runs,
so a re-push replaces them instead of adding copies.

Each request has a timeout; connection failures, timeouts, 408, 429 and 5xx are retried
a bounded number of times with backoff; other statuses are final. The report names
every graph as written, failed (with the reason) or not attempted (the server stopped
answering). Credentials never appear in it (kg.store.http_auth.scrub / redact). HTTP Basic and
Digest authentication (Virtuoso's ``/sparql-graph-crud-auth`` asks for Digest) are handled
by kg.store.http_auth.http_request; a 401 names the scheme the server asked for.

Endpoint URLs: Oxigraph ``http://host:7878/store``, Fuseki ``http://host:3030/DATASET/data``,
GraphDB ``http://host:7200/repositories/REPO/rdf-graphs/service``, Virtuoso
``http://host:8890/sparql-graph-crud-auth``.

Layer: ops. Imports kg.config, kg.ops.export, kg.store.http_auth and kg.errors.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

from kg.config import DEFAULTS, Settings
from kg.errors import EndpointError, KGError
from kg.store.http_auth import (PASSWORD_ENV_VAR, Credentials, auth_problem, connection_error_text, http_request,
                                redact, scrub, split_credentials)

SKOLEM_AUTHORITY = "https://w3id.org"
SKOLEM_BASEPATH = "/mqm-kg/.well-known/genid/"
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}


@dataclass
class GraphOutcome:
    graph: str
    triples: int
    status: str                 # written | failed | not attempted
    detail: str = ""
    attempts: int = 0


@dataclass
class PushReport:
    endpoint: str               # redacted
    outcomes: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(o.status == "written" for o in self.outcomes)

    @property
    def written(self) -> list:
        return [o for o in self.outcomes if o.status == "written"]

    @property
    def not_written(self) -> list:
        return [o for o in self.outcomes if o.status != "written"]

    def to_dict(self) -> dict:
        return {"endpoint": self.endpoint, "ok": self.ok, "graphs": [o.__dict__ for o in self.outcomes]}

    def describe(self) -> str:
        """Plain-text report: one line per graph, then a summary line."""
        lines = [f"{o.status:<13} {o.graph}  ({o.triples} triples{'; ' + o.detail if o.detail else ''})"
                 for o in self.outcomes]
        total = sum(o.triples for o in self.written)
        if self.ok:
            lines.append(f"Pushed {len(self.outcomes)} graph(s), {total} triples, to {self.endpoint}.")
        else:
            lines.append(f"Push incomplete: {len(self.written)} of {len(self.outcomes)} graph(s) written to "
                         f"{self.endpoint}; not written: {', '.join(o.graph for o in self.not_written)}.")
        return "\n".join(lines) + "\n"


def skolemise(graph):
    """Replace blank nodes by stable IRIs (the export's blank nodes are canonical); rdflib Graph."""
    from rdflib import BNode

    if not any(isinstance(t, BNode) for triple in graph for t in triple):
        return graph
    return graph.skolemize(authority=SKOLEM_AUTHORITY, basepath=SKOLEM_BASEPATH)


def skolem_iri(label: str) -> str:
    """The IRI a canonical blank node ``_:label`` is pushed as (what rdflib's skolemize gives)."""
    return SKOLEM_AUTHORITY + SKOLEM_BASEPATH + label


def skolemise_triples(triples) -> list:
    """pyoxigraph Triples with every blank node replaced by its skolem IRI."""
    import pyoxigraph as ox

    def term(t):
        return ox.NamedNode(skolem_iri(t.value)) if isinstance(t, ox.BlankNode) else t

    return [ox.Triple(term(t.subject), t.predicate, term(t.object)) for t in triples]


def graph_payloads(data_dir, *, inferred: bool = False, only=None, settings: Settings = DEFAULTS,
                   progress=None) -> dict[str, tuple[int, bytes]]:
    """``{graph IRI: (triples, sorted N-Triples bytes)}`` to push (the cache entry is fully
    checked first: a damaged one is rebuilt, never pushed in part)."""
    from kg.ops.export import export_triples

    import pyoxigraph as ox

    graphs = export_triples(data_dir, inferred=inferred, settings=settings, progress=progress)
    if only:
        unknown = sorted(set(only) - set(graphs))
        if unknown:
            raise KGError(f"--graph {', '.join(unknown)}: not a graph of the KG; graphs: {', '.join(graphs)}"
                          + ("" if inferred or "urn:kg:inferred" not in unknown else
                             " (add --inferred for urn:kg:inferred)"))
        graphs = {name: graphs[name] for name in graphs if name in only}
    payloads = {}
    for name, triples in graphs.items():
        text = ox.serialize(skolemise_triples(triples), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        lines = sorted(set(line + "\n" for line in text.splitlines() if line))
        payloads[name] = (len(lines), "".join(lines).encode("utf-8"))
    return payloads


def graph_url(endpoint: str, graph: str) -> str:
    """``endpoint?graph=<IRI>`` (keeping any query string the endpoint URL already has)."""
    parts = urlsplit(endpoint)
    query = (parts.query + "&" if parts.query else "") + urlencode({"graph": graph})
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def put_graph(endpoint: str, graph: str, payload: bytes, *, creds: Credentials | None, timeout: float,
              retries: int, sleep=time.sleep, password_env: str = PASSWORD_ENV_VAR) -> tuple[bool, str, int, bool]:
    """PUT one graph with retries: (ok, detail, attempts, server_unreachable). Basic or Digest
    authentication is answered inside ``http_request``; a 401 is final and says which scheme
    the server asked for."""
    url = graph_url(endpoint, graph)
    detail, unreachable = "", False
    attempts = 0
    for attempt in range(retries + 1):
        attempts = attempt + 1
        try:
            status, headers, body = http_request("PUT", url, data=payload, creds=creds, timeout=timeout,
                                                 headers={"Content-Type": "application/n-triples"})
        except OSError as exc:
            detail, unreachable = connection_error_text(exc), True
        else:
            unreachable = False
            if 200 <= status < 300:
                return True, f"HTTP {status}", attempts, False
            if status == 401:
                return False, scrub(f"HTTP 401: {auth_problem(headers, creds, password_env)}", creds), attempts, False
            snippet = " ".join(body[:300].decode("utf-8", "replace").split())
            detail = f"HTTP {status}" + (f": {snippet}" if snippet else "")
            if status not in RETRY_STATUSES:
                return False, scrub(detail, creds), attempts, False
        if attempt < retries:
            sleep(min(0.5 * (2 ** attempt), 8.0))
    return False, scrub(detail, creds) + f" (after {attempts} attempts)", attempts, unreachable


def push(data_dir, endpoint: str, *, graphs=None, inferred: bool = False, user: str | None = None,
         password: str | None = None, password_env: str | None = None, timeout: float = 30.0, retries: int = 3,
         settings: Settings = DEFAULTS, progress=None, sleep=time.sleep) -> PushReport:
    """Upload the KG's graphs to a Graph Store Protocol ``endpoint``; never raises for
    network failures (they are in the report), raises KGError for usage errors."""
    if retries < 0 or timeout <= 0:
        raise KGError("--retries must be >= 0 and --timeout > 0")
    say = progress or (lambda message: None)
    password_env = password_env or PASSWORD_ENV_VAR
    url, creds = split_credentials(endpoint, user=user, password=password, password_env=password_env)
    report = PushReport(redact(url))
    payloads = graph_payloads(data_dir, inferred=inferred, only=graphs, settings=settings, progress=progress)
    give_up = None   # why the graphs after this one are not attempted
    for name, (count, payload) in payloads.items():
        if give_up:
            report.outcomes.append(GraphOutcome(name, count, "not attempted", f"skipped: {give_up}"))
            continue
        say(f"PUT {name} ({count} triples) ...")
        ok, detail, attempts, unreachable = put_graph(url, name, payload, creds=creds, timeout=timeout,
                                                      retries=retries, sleep=sleep, password_env=password_env)
        report.outcomes.append(GraphOutcome(name, count, "written" if ok else "failed", detail, attempts))
        if unreachable:
            give_up = "the server stopped answering"
        elif not ok and detail.startswith("HTTP 401"):
            # The same credentials would be refused for every graph: stop sending them.
            give_up = "the server refused the credentials (HTTP 401)"
    return report


__all__ = ["push", "PushReport", "GraphOutcome", "graph_payloads", "skolemise", "skolemise_triples", "EndpointError"]
