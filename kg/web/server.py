"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint and linked-data pages over the KG.

Routes (GET and HEAD unless said otherwise):

* ``/sparql``: SPARQL 1.1 Protocol. GET ``?query=``, POST form-encoded (``query=``) or
  ``application/sparql-query``; ``default-graph-uri`` / ``named-graph-uri`` (graphs of
  this dataset only). Results by content negotiation (SPARQL JSON, XML, CSV, TSV, HTML;
  Turtle, N-Triples, JSON-LD, RDF/XML for CONSTRUCT/DESCRIBE), 406 otherwise. Without
  a query: the service description (Turtle, N-Triples, JSON-LD, RDF/XML, or an HTML page
  with a query form).
* ``/id/<slug>``: the entity ``https://w3id.org/mqm-kg/id/<slug>``: HTML for a browser,
  Turtle / JSON-LD / N-Triples / RDF/XML by Accept or a ``.ttl`` / ``.jsonld`` / ``.nt`` /
  ``.rdf`` suffix. ``/resource?iri=`` does the same for any other IRI the KG mentions.
* ``/``: classes, main entities, stored queries; ``/query/<name>?param=...``: a stored
  query with its results as a table (or ``format=csv|tsv|json|xml``).

Read-only: any update (``update=`` parameter, ``application/sparql-update`` body, an
update sent as a query) and any PUT, DELETE or PATCH, or a POST elsewhere than /sparql,
gets 403, whatever the route. ``SERVICE`` and ``FROM``/``FROM NAMED`` of IRIs that are
not graphs of this dataset are refused (403) before the engine sees the query, so
nothing is ever fetched. Queries run in worker processes (kg.web.worker) that are killed
at the time limit or stopped at their memory cap (503 either way, and a fresh worker);
the workers are shared fairly between client addresses (429 beyond --per-client; a heavy
client never takes the last idle worker). Results are cut at the row limit and say so.
A request body shorter than its Content-Length gets 400, whatever the method.
"""
from __future__ import annotations

from kg.rdf.vocab import RDF_TYPE, SD

import os
import signal
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from kg import __version__
from kg.config import DEFAULTS, Settings
from kg.rdf.vocab import KG, PREFIXES
from kg.web import guard
from kg.web.negotiate import GRAPH_FORMATS, SOLUTION_FORMATS, by_key, choose, content_type
from kg.web.worker import PoolError, Response, WorkerPool, client_key

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 10000
DEFAULT_WORKERS = 3
DEFAULT_MAX_MEMORY = 1024   # MB of memory per query worker (RLIMIT_DATA)
DEFAULT_PER_CLIENT = 32     # queries one client address may have running or waiting
MAX_BODY = 1 << 20          # 1 MiB of POST body
MAX_QUERY_CHARS = 100_000
PAGE_TIMEOUT = 30.0        # seconds for the server's own pages
STATIC_DIR = Path(__file__).resolve().parent / "static"
SUFFIXES = {".ttl": "turtle", ".jsonld": "jsonld", ".nt": "ntriples", ".rdf": "rdfxml", ".html": "html"}
TEXT = "text/plain; charset=utf-8"
HTML_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")


class HTTPProblem(Exception):
    """A client error with its status (400, 404, 405, 406, 411, 413, 415)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class ServeSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    workers: int = DEFAULT_WORKERS
    max_memory: int = DEFAULT_MAX_MEMORY
    per_client: int = DEFAULT_PER_CLIENT
    quiet: bool = False


class KGServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, settings: ServeSettings, pool: WorkerPool, graphs: list, log):
        self.settings = settings
        self.pool = pool
        self.graphs = graphs
        self.graph_names = [g for g, _ in graphs]
        self.log = log
        super().__init__(address, Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, BrokenPipeError)):
            return  # the client went away
        self.log(f"error while serving {client_address[0]}: {type(exc).__name__}: {exc}")


class Handler(BaseHTTPRequestHandler):
    server_version = f"kg-serve/{__version__}"
    protocol_version = "HTTP/1.0"
    timeout = 30  # seconds a client may take to send its request

    # -- verbs ---------------------------------------------------------------
    def do_GET(self):
        self._handle("GET")

    def do_HEAD(self):
        self._handle("HEAD")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_OPTIONS(self):
        self._send(Response(204, TEXT, b"", {"Allow": "GET, HEAD, POST, OPTIONS",
                                             "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
                                             "Access-Control-Allow-Headers": "Accept, Content-Type"}), "OPTIONS")

    def log_message(self, format, *args):  # noqa: A002 (signature from the base class)
        if not self.server.settings.quiet:
            self.server.log(f"{self.address_string()} {format % args}")

    # -- dispatch ------------------------------------------------------------
    def _handle(self, method: str) -> None:
        self._body = None
        try:
            response = self._route(method)
        except guard.Refused as exc:
            response = Response(403, TEXT, f"{exc}\n".encode("utf-8"))
        except HTTPProblem as exc:
            response = Response(exc.status, TEXT, f"{exc.message}\n".encode("utf-8"))
        except PoolError as exc:
            response = Response(exc.status, TEXT, f"{exc}\n".encode("utf-8"),
                                {"Retry-After": exc.retry_after} if exc.retry_after else {})
        except (ConnectionError, TimeoutError):
            return
        except Exception as exc:  # never let one request take the server down
            self.server.log(f"internal error on {method} {self.path[:200]}: {type(exc).__name__}: {exc}")
            response = Response(500, TEXT, b"internal server error\n")
        try:
            self._send(response, method)
        except (ConnectionError, TimeoutError):
            pass

    def _send(self, response: Response, method: str) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Access-Control-Allow-Origin", "*")
        if response.content_type.startswith("text/html"):
            self.send_header("Content-Security-Policy", HTML_CSP)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(response.body)

    def _route(self, method: str) -> Response:
        parts = urlsplit(self.path)
        path = parts.path
        if not path.startswith("/"):
            raise HTTPProblem(400, "bad request target")
        params = _parse_qs(parts.query)
        if "update" in params:
            raise guard.Refused("this endpoint is read-only: SPARQL updates are refused")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            raise guard.Refused("this endpoint is read-only: SPARQL updates are refused")
        if method in ("PUT", "DELETE", "PATCH"):
            raise guard.Refused(f"this server is read-only: {method} is refused")
        if method == "POST" and path != "/sparql":
            raise guard.Refused("this server is read-only: POST is only accepted at /sparql, for queries")
        if method != "POST" and (self.headers.get("Content-Length") or self.headers.get("Transfer-Encoding")):
            self._read_body()  # a body nobody needs, but a truncated one makes the request invalid: 400
        if path == "/sparql":
            return self._sparql(method, params, ctype)
        if path == "/":
            return self._job("home", html=True)
        if path.startswith("/id/"):
            return self._entity(path[len("/id/"):], params)
        if path == "/resource":
            iri = _single(params, "iri")
            if not iri:
                raise HTTPProblem(400, "missing iri parameter")
            return self._resource(iri, params, suffix_fmt=None)
        if path.startswith("/query/"):
            return self._stored(unquote(path[len("/query/"):]), params)
        if path == "/search":
            return self._search(params)
        if path.startswith("/static/"):
            return _static(path[len("/static/"):])
        raise HTTPProblem(404, f"no such page: {path[:200]}")

    def _job(self, job: str, *, html: bool = False, timeout: float | None = None, **args) -> Response:
        """Run a job in a worker. SPARQL from clients gets --timeout; the server's own pages
        (whose queries are fixed, but may draw pictures) get at least PAGE_TIMEOUT seconds."""
        if timeout is None and job != "sparql":
            timeout = max(self.server.settings.timeout, PAGE_TIMEOUT)
        try:
            return self.server.pool.run(job, timeout=timeout, client=client_key(self.client_address[0]), **args)
        except PoolError as exc:
            if not html:
                raise
            from kg.web.html import error_page

            return Response(exc.status, "text/html; charset=utf-8", error_page(exc.status, "Unavailable", str(exc)),
                            {"Retry-After": exc.retry_after} if exc.retry_after else {})

    # -- /sparql -------------------------------------------------------------
    def _sparql(self, method: str, params: dict, ctype: str) -> Response:
        if method == "POST":
            body = self._read_body()
            if ctype == "application/x-www-form-urlencoded":
                form = _parse_qs(_decode(body))
                if "update" in form:
                    raise guard.Refused("this endpoint is read-only: SPARQL updates are refused")
                for key, values in form.items():
                    params.setdefault(key, []).extend(values)
            elif ctype == "application/sparql-query":
                params.setdefault("query", []).append(_decode(body))
            else:
                raise HTTPProblem(415, "POST needs Content-Type application/x-www-form-urlencoded or "
                                       "application/sparql-query")
        queries = params.get("query", [])
        if len(queries) > 1:
            raise HTTPProblem(400, "more than one query parameter")
        if not queries:
            return self._service_description()
        query = queries[0]
        if not query.strip():
            raise HTTPProblem(400, "empty query")
        if len(query) > MAX_QUERY_CHARS:
            raise HTTPProblem(413, f"query longer than {MAX_QUERY_CHARS} characters")
        default_graphs = params.get("default-graph-uri", [])
        named_graphs = params.get("named-graph-uri", [])
        guard.check_dataset_params(default_graphs, named_graphs, self.server.graph_names)
        accept = self.headers.get("Accept")
        requested = _first(params, "format") or _first(params, "output")
        solutions = choose(SOLUTION_FORMATS, accept, requested)
        graph = choose(GRAPH_FORMATS, accept, requested)
        if solutions is None and graph is None:
            raise HTTPProblem(406, "none of the requested media types can carry query results; "
                                   "see the service description at /sparql for what this endpoint produces")
        formats = {"select": solutions.key if solutions else None, "ask": solutions.key if solutions else None,
                   "graph": graph.key if graph else None}
        # The worker parses the query before running it (kg.web.guard): updates, SERVICE and
        # foreign FROM graphs get 403 there, within the worker's time and memory limits.
        response = self._job("sparql", query=query, formats=formats, default_graphs=default_graphs or None,
                             named_graphs=named_graphs or None)
        response.headers.setdefault("Vary", "Accept")
        return response

    def _read_body(self) -> bytes:
        """The whole body, or 400 if the connection ended before Content-Length bytes came."""
        if getattr(self, "_body", None) is not None:
            return self._body
        if self.headers.get("Transfer-Encoding"):
            raise HTTPProblem(411, "chunked request bodies are not supported; send Content-Length")
        lengths = self.headers.get_all("Content-Length") or []
        if len(set(lengths)) > 1:
            raise HTTPProblem(400, "conflicting Content-Length headers")
        length = lengths[0] if lengths else None
        if length is None:
            raise HTTPProblem(411, "POST needs a Content-Length header")
        try:
            size = int(length)
        except ValueError:
            raise HTTPProblem(400, "bad Content-Length") from None
        if size < 0:
            raise HTTPProblem(400, "bad Content-Length")
        if size > MAX_BODY:
            raise HTTPProblem(413, f"request body larger than {MAX_BODY} bytes")
        body = self.rfile.read(size)
        if len(body) != size:
            raise HTTPProblem(400, "request body shorter than its Content-Length")
        self._body = body
        return body

    def _service_description(self) -> Response:
        settings = self.server.settings
        fmt = choose(GRAPH_FORMATS, self.headers.get("Accept"), None, html_default=False)
        if fmt is None:
            raise HTTPProblem(406, "the service description is available as Turtle, N-Triples, JSON-LD, "
                                   "RDF/XML or HTML")
        endpoint = self.server.base_url + "/sparql"
        triples = service_description(endpoint, self.server.graphs, timeout=settings.timeout,
                                      max_rows=settings.max_rows)
        if fmt.key == "html":
            from kg.web.forms import sparql_page

            return Response(200, "text/html; charset=utf-8", sparql_page(serialise_triples(triples, "turtle")),
                            {"Vary": "Accept"})
        return Response(200, content_type(fmt), serialise_triples(triples, fmt.key), {"Vary": "Accept"})

    # -- linked data ---------------------------------------------------------
    def _entity(self, raw_slug: str, params: dict) -> Response:
        slug = unquote(raw_slug)
        suffix_fmt = None
        for suffix, key in SUFFIXES.items():
            if slug.endswith(suffix):
                slug, suffix_fmt = slug[: -len(suffix)], key
                break
        if not slug or any(c in slug for c in '/#?<>"{}|\\^` \t\r\n'):
            raise HTTPProblem(404, "no such entity")
        return self._resource(KG + slug, params, suffix_fmt=suffix_fmt)

    def _resource(self, iri: str, params: dict, *, suffix_fmt: str | None) -> Response:
        if suffix_fmt:
            fmt = by_key(GRAPH_FORMATS, suffix_fmt)
        else:
            fmt = choose(GRAPH_FORMATS, self.headers.get("Accept"), _first(params, "format"), html_default=True)
        if fmt is None:
            raise HTTPProblem(406, "this resource is available as HTML, Turtle, N-Triples, JSON-LD or RDF/XML")
        if fmt.key == "html":
            response = self._job("resource", html=True, iri=iri)
        else:
            response = self._job("describe", iri=iri, fmt=fmt.key)
        if not suffix_fmt:
            response.headers.setdefault("Vary", "Accept")
        return response

    def _search(self, params: dict) -> Response:
        """``/search?q=TEXT[&kind=&status=&article=&speaker=&format=json]``: kg search's hits."""
        fmt = _first(params, "format") or ("json" if "application/json" in (self.headers.get("Accept") or "")
                                           else "html")
        if fmt not in ("html", "json"):
            raise HTTPProblem(406, "search results are available as html or json")
        args = {k: _first(params, k) or None for k in ("kind", "status", "article", "speaker")}
        return self._job("search", html=fmt == "html", text=_first(params, "q") or "", fmt=fmt, **args)

    def _stored(self, name: str, params: dict) -> Response:
        requested = _first(params, "format")
        if requested:
            fmt = choose(SOLUTION_FORMATS, None, requested) or choose(GRAPH_FORMATS, None, requested)
            if fmt is None:
                raise HTTPProblem(406, f"unknown format {requested!r}")
        else:
            fmt = choose(SOLUTION_FORMATS, self.headers.get("Accept"), None, html_default=True)
            if fmt is None:
                raise HTTPProblem(406, "stored query results are available as HTML, SPARQL JSON/XML, CSV or TSV")
        values = {k: v[0] for k, v in params.items() if k not in ("format", "output") and v}
        return self._job("stored", html=fmt.key == "html", name=name, params=values, fmt=fmt.key)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPProblem(400, "request body is not UTF-8") from None


def _parse_qs(query: str) -> dict:
    try:
        return parse_qs(query, keep_blank_values=True, errors="strict", max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPProblem(400, f"malformed query string: {exc}") from None


def _single(params: dict, name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise HTTPProblem(400, f"more than one {name} parameter")
    return values[0]


def _first(params: dict, name: str) -> str | None:
    """A format hint: clients such as SPARQLWrapper may repeat it; the first one counts."""
    values = params.get(name)
    return values[0] if values else None


def _static(name: str) -> Response:
    types = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}
    if "/" in name or name.startswith(".") or Path(name).suffix not in types:
        raise HTTPProblem(404, "no such file")
    path = STATIC_DIR / name
    if not path.is_file():
        raise HTTPProblem(404, "no such file")
    return Response(200, types[path.suffix], path.read_bytes(), {"Cache-Control": "max-age=3600"})




def service_description(endpoint: str, graphs: list, *, timeout: float, max_rows: int) -> list:
    """SPARQL 1.1 Service Description triples: only what this endpoint really does."""
    import pyoxigraph as ox

    def n(iri):
        return ox.NamedNode(iri)

    service, dataset, default = n(endpoint + "#service"), n(endpoint + "#dataset"), n(endpoint + "#default-graph")
    t = [ox.Triple(service, n(RDF_TYPE), n(SD + "Service")),
         ox.Triple(service, n(SD + "endpoint"), n(endpoint)),
         ox.Triple(service, n(SD + "supportedLanguage"), n(SD + "SPARQL11Query")),
         ox.Triple(service, n(SD + "feature"), n(SD + "UnionDefaultGraph")),
         ox.Triple(service, n(SD + "defaultDataset"), dataset),
         ox.Triple(service, n(PREFIXES["dcterms"] + "title"), ox.Literal("MQM knowledge graph (read-only)")),
         ox.Triple(service, n(PREFIXES["rdfs"] + "comment"), ox.Literal(
             f"Read-only: updates are refused (403); SERVICE and FROM of graphs outside this dataset are "
             f"refused; queries stop after {timeout:g} s; results are cut at {max_rows} rows "
             "(header KG-Result-Truncated). The default graph is the union of the named graphs, "
             "which hold the asserted files and the OWL 2 RL inferences (urn:kg:inferred)."))]
    for fmt in SOLUTION_FORMATS + GRAPH_FORMATS:
        if fmt.w3c:
            t.append(ox.Triple(service, n(SD + "resultFormat"), n(fmt.w3c)))
    t += [ox.Triple(dataset, n(RDF_TYPE), n(SD + "Dataset")),
          ox.Triple(dataset, n(SD + "defaultGraph"), default),
          ox.Triple(default, n(RDF_TYPE), n(SD + "Graph"))]
    for name, count in graphs:
        node, graph = n(endpoint + "#graph-" + _frag(name)), n(endpoint + "#graph-" + _frag(name) + "-content")
        t += [ox.Triple(dataset, n(SD + "namedGraph"), node),
              ox.Triple(node, n(RDF_TYPE), n(SD + "NamedGraph")),
              ox.Triple(node, n(SD + "name"), n(name)),
              ox.Triple(node, n(SD + "graph"), graph),
              ox.Triple(graph, n(RDF_TYPE), n(SD + "Graph")),
              ox.Triple(graph, n(PREFIXES["void"] + "triples"),
                        ox.Literal(str(count), datatype=n(PREFIXES["xsd"] + "integer")))]
    return t


def _frag(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9._-]", "-", name)


def serialise_triples(triples, key: str) -> bytes:
    import pyoxigraph as ox

    formats = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
               "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
    prefixes = {"sd": SD, "void": PREFIXES["void"], "dcterms": PREFIXES["dcterms"], "rdfs": PREFIXES["rdfs"],
                "xsd": PREFIXES["xsd"]}
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    if key in ("turtle", "rdfxml"):
        return ox.serialize(ordered, format=formats[key], prefixes=prefixes)
    return ox.serialize(ordered, format=formats[key])


# ---------------------------------------------------------------------------
# Starting the server
# ---------------------------------------------------------------------------

def resolve_store_path(data_dir, *, settings: Settings = DEFAULTS, progress=None) -> str:
    """The store to serve: the persistent one (``settings.store``, ``kg --store``) brought up
    to date, else the cache's."""
    from kg.store.backends import store_path, sync_store
    from kg.store.cache import ensure_cache

    entry = ensure_cache(data_dir, settings=settings, progress=progress)
    if settings.store is not None:
        sync_store(entry, settings.store, progress=progress)
        return str(store_path(settings.store))
    return str(entry.store_path)


def list_graphs(store_path: str) -> list:
    """``[(graph IRI, triple count)]`` of the store (read in the server process, then closed)."""
    import pyoxigraph as ox

    from kg.web.jobs import GRAPHS_QUERY

    store = ox.Store.read_only(store_path)
    try:
        return [(r["g"].value, int(r["triples"].value)) for r in store.query(GRAPHS_QUERY)]
    finally:
        del store


def make_server(data_dir, store_path: str, settings: ServeSettings, *, log=None,
                kg_settings: Settings = DEFAULTS) -> KGServer:
    """Start the worker pool and bind the HTTP server (not yet serving). ``kg_settings``:
    kg.config.Settings (the cache the search index is built in)."""
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    graphs = list_graphs(store_path)
    from kg.ops.search import search_index

    config = {"store_path": store_path, "data_root": str(data_dir.root), "max_rows": settings.max_rows,
              "graphs": graphs, "max_memory_mb": settings.max_memory,
              # built here: the workers only read it
              "search_index": str(search_index(data_dir, settings=kg_settings))}
    pool = WorkerPool(config, size=settings.workers, timeout=settings.timeout, per_client=settings.per_client,
                      log=log)
    try:
        return KGServer((settings.host, settings.port), settings, pool, graphs, log)
    except BaseException:
        pool.close()
        raise


def network_notice(isolation: dict) -> str:
    """One line for the start-up log: whether the query workers can reach the network."""
    if isolation.get("network_isolated"):
        return f"kg serve: query workers run without a network ({isolation.get('isolation')})"
    return ("kg serve: warning: query workers could not be cut off from the network "
            f"({isolation.get('isolation') or 'unknown'}); the query parse check alone keeps "
            "SERVICE and remote FROM out")


def serve(data_dir, store_path: str, settings: ServeSettings, *, log=None, ready=None,
          kg_settings: Settings = DEFAULTS) -> None:
    """Serve until SIGINT / SIGTERM. ``ready(server)`` is called once the socket is bound."""
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    server = make_server(data_dir, store_path, settings, log=log, kg_settings=kg_settings)
    stop = threading.Event()

    def on_signal(signum, frame):
        if not stop.is_set():
            stop.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    previous = signal.signal(signal.SIGTERM, on_signal) if threading.current_thread() is threading.main_thread() \
        else None
    log(f"kg serve: {server.base_url}/ (SPARQL endpoint {server.base_url}/sparql); "
        f"{settings.workers} workers, timeout {settings.timeout:g} s, max {settings.max_rows} rows, "
        f"memory {f'{settings.max_memory} MB' if settings.max_memory else 'unlimited'} per worker, "
        f"{settings.per_client} queries per client; "
        f"store {store_path}; pid {os.getpid()}")
    log(network_notice(server.pool.isolation))
    if ready:
        ready(server)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.pool.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        log("kg serve: stopped")


__all__ = ["ServeSettings", "make_server", "serve", "service_description"]
