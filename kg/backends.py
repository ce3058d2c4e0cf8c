"""Store backends beyond the embedded default: a persistent pyoxigraph store, a remote endpoint.

* **Embedded (default).** The reasoned dataset cached by kg.cache (N-Quads + a pyoxigraph
  store under ``$KG_CACHE_DIR``): nothing to set up.
* **Persistent store** (``kg --store PATH``, or ``$KG_STORE``): a pyoxigraph on-disk store
  in ``PATH/oxigraph`` that every command reads instead of the cache's copy. It is brought
  up to date from the reasoned dataset graph by graph: a graph whose content hash changed
  is replaced, a graph that disappeared is dropped, the others are left alone, so adding
  one article to a large KG rewrites that article's graph and the inferred graph only.
  ``PATH/kg-store.json`` records the cache key and one hash per graph. Writers take a
  lock (``PATH/.lock``); readers open the store read-only, several processes at once.
* **Remote endpoint** (``kg query NAME --endpoint URL``): any SPARQL 1.1 Protocol endpoint.
  Parameters are bound by a ``VALUES`` block injected into the query (RDF terms in
  N-Triples syntax, never pasted as text), the project's prefixes are declared, the
  query is POSTed form-encoded, and the results (SPARQL JSON/XML, or N-Triples/Turtle for
  graphs) are parsed back into the same ``QueryResult`` the local engines return. The
  endpoint must expose the KG as its default graph: push it with ``kg push`` and run the
  server with a union default graph (``oxigraph serve --union-default-graph``, Fuseki's
  ``unionDefaultGraph``; GraphDB and Virtuoso query all graphs by default).

Credentials for remote servers come from the URL (``https://user:pass@host/...``) or from
``--user`` and an environment variable; they are sent as HTTP Basic authentication and
never appear in any message (``redact``).
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from kg.errors import KGError
from kg.prefixes import PREFIXES

STORE_ENV_VAR = "KG_STORE"
PASSWORD_ENV_VAR = "KG_ENDPOINT_PASSWORD"
STORE_META = "kg-store.json"
STORE_DIR = "oxigraph"
_GRAPH_OF_LINE = re.compile(r"<([^<>]*)> \.\s*$")


class StoreError(KGError):
    """The persistent store cannot be used (not ours, locked, unreadable)."""


class EndpointError(KGError):
    """A remote endpoint could not be reached or answered with an error."""


# ---------------------------------------------------------------------------
# Persistent embedded store
# ---------------------------------------------------------------------------

@dataclass
class SyncReport:
    path: Path
    replaced: list
    dropped: list
    unchanged: list

    @property
    def changed(self) -> bool:
        return bool(self.replaced or self.dropped)


def _read_meta(root: Path) -> dict | None:
    try:
        return json.loads((root / STORE_META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StoreError(f"{root / STORE_META}: unreadable store description: {exc}") from None


def _check_root(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise StoreError(f"--store {root}: exists and is not a directory")
    if root.is_dir() and any(p.name != ".lock" for p in root.iterdir()) and not (root / STORE_META).is_file():
        raise StoreError(f"--store {root}: the directory is not empty and is not a kg store "
                         f"(no {STORE_META}); refusing to write into it",
                         hint="give a new or empty directory")


@contextmanager
def _locked(root: Path):
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _graphs_of(nquads: Path) -> dict[str, list[str]]:
    """The cache's N-Quads lines grouped by graph IRI (every line of the cache has one)."""
    graphs: dict[str, list[str]] = {}
    with open(nquads, encoding="utf-8") as handle:
        for line in handle:
            match = _GRAPH_OF_LINE.search(line)
            if not match:
                raise StoreError(f"{nquads}: a quad without a named graph: {line[:120]!r}")
            graphs.setdefault(match.group(1), []).append(line)
    return graphs


def _graph_hash(lines: list[str]) -> str:
    """Content hash of one graph's N-Quads lines, independent of blank-node labels (which
    change with every rebuild): a graph with blank nodes is canonicalised (RDFC-1.0) first."""
    import pyoxigraph as ox

    if any("_:" in line for line in lines):
        dataset = ox.Dataset(ox.parse("".join(lines), format=ox.RdfFormat.N_QUADS))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        lines = sorted(str(quad) + " .\n" for quad in dataset)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def sync_store(entry, path, *, progress=None) -> SyncReport:
    """Bring the persistent store at ``path`` up to date with cache ``entry``, graph by graph."""
    import pyoxigraph as ox

    root = Path(path).expanduser().resolve()
    _check_root(root)
    say = progress or (lambda message: None)
    meta = _read_meta(root)
    if meta and meta.get("key") == entry.path.name and (root / STORE_DIR).is_dir():
        return SyncReport(root, [], [], sorted(meta.get("graphs", {})))
    with _locked(root):
        meta = _read_meta(root) or {}
        if meta.get("key") == entry.path.name and (root / STORE_DIR).is_dir():
            return SyncReport(root, [], [], sorted(meta.get("graphs", {})))
        _verify_entry(entry)
        graphs = _graphs_of(entry.nquads)
        hashes = {name: _graph_hash(lines) for name, lines in graphs.items()}
        old = meta.get("graphs", {}) if (root / STORE_DIR).is_dir() else {}
        replaced = sorted(g for g in hashes if old.get(g) != hashes[g])
        dropped = sorted(g for g in old if g not in hashes)
        unchanged = sorted(g for g in hashes if old.get(g) == hashes[g])
        say(f"updating store {root}: {len(replaced)} graph(s) to load, {len(dropped)} to drop, "
            f"{len(unchanged)} unchanged ...")
        # Mark the store dirty first: if we die half-way, the next run reloads everything.
        _write_meta(root, {"key": None, "graphs": {}, "version": 1})
        store = ox.Store(str(root / STORE_DIR))
        try:
            for name in dropped + replaced:
                graph = ox.NamedNode(name)
                if store.contains_named_graph(graph):
                    store.remove_graph(graph)
            for name in replaced:
                text = "".join(graphs[name])
                store.bulk_extend(ox.parse(text, format=ox.RdfFormat.N_QUADS))
            store.flush()
            if replaced or dropped:
                store.optimize()
        finally:
            del store
        _write_meta(root, {"key": entry.path.name, "graphs": hashes, "version": 1,
                           "quads": sum(len(v) for v in graphs.values())})
    return SyncReport(root, replaced, dropped, unchanged)


def _verify_entry(entry) -> None:
    """The cache entry must match its integrity manifest (kg.cache) before it is copied in."""
    from kg.cache import REBUILD_HINT, Damaged
    from kg.errors import CacheDamagedError

    try:
        entry.verify(full=True)
    except Damaged as exc:
        raise CacheDamagedError(f"cache entry {entry.path.name} is damaged ({exc.reason}); "
                                "not copying it into the store", hint=REBUILD_HINT) from None


def _write_meta(root: Path, meta: dict) -> None:
    from kg.fsutil import atomic_write

    atomic_write(root / STORE_META, json.dumps(meta, indent=2, sort_keys=True))


def store_path(path) -> Path:
    """Where the pyoxigraph store of a persistent kg store lives."""
    return Path(path).expanduser().resolve() / STORE_DIR


def open_persistent(entry, path, *, progress=None):
    """Sync the persistent store at ``path`` with ``entry`` and open it read-only."""
    import pyoxigraph as ox

    report = sync_store(entry, path, progress=progress)
    try:
        return ox.Store.read_only(str(report.path / STORE_DIR))
    except OSError as exc:
        raise StoreError(f"--store {report.path}: cannot open the store: {exc}") from None


def configured_store() -> str | None:
    """The persistent store chosen with ``kg --store`` / ``$KG_STORE`` (None: the default)."""
    return os.environ.get(STORE_ENV_VAR) or None


# ---------------------------------------------------------------------------
# Remote endpoints: URLs and credentials
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Credentials:
    user: str
    password: str

    def header(self) -> str:
        token = base64.b64encode(f"{self.user}:{self.password}".encode("utf-8")).decode("ascii")
        return f"Basic {token}"


def split_credentials(url: str, *, user: str | None = None,
                      password_env: str = PASSWORD_ENV_VAR) -> tuple[str, Credentials | None]:
    """``(url without user:pass@, credentials or None)``; ``user`` takes its password from env."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"endpoint {redact(url)!r}: expected an http:// or https:// URL")
    creds = None
    if parts.username is not None:
        creds = Credentials(unquote(parts.username), unquote(parts.password or ""))
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port is not None:
        netloc += f":{parts.port}"
    clean = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    if user:
        password = os.environ.get(password_env)
        if password is None:
            raise EndpointError(f"--user {user} needs a password in the environment variable {password_env}",
                                hint=f"export {password_env}=... (it is never printed)")
        creds = Credentials(user, password)
    return clean, creds


def redact(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, "***@" + host, parts.path, parts.query, parts.fragment))


def scrub(message: str, creds: Credentials | None) -> str:
    """Remove a password (and its Basic token) from any text before it is shown."""
    if creds:
        for secret in (creds.password, creds.header().split(" ", 1)[1]):
            if secret:
                message = message.replace(secret, "***")
    return message


def _opener():
    """A urllib opener that does not follow redirects: credentials must not travel elsewhere."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            return None

    return urllib.request.build_opener(NoRedirect())


def http_request(method: str, url: str, *, data: bytes | None = None, headers: dict | None = None,
                 creds: Credentials | None = None, timeout: float = 30.0) -> tuple[int, dict, bytes]:
    """One HTTP request; returns (status, headers, body) for any status; raises OSError on
    connection problems (refused, reset, timeout)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    request.add_header("User-Agent", "mqm-kg")
    if creds:
        request.add_header("Authorization", creds.header())
    try:
        with _opener().open(request, timeout=timeout) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read()
        except OSError:
            body = b""
        return exc.code, dict(exc.headers.items()) if exc.headers else {}, body
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, OSError):
            raise exc.reason from None
        raise OSError(str(exc.reason)) from None


# ---------------------------------------------------------------------------
# Remote SPARQL endpoint
# ---------------------------------------------------------------------------

class RemoteEndpoint:
    """Run SPARQL on a remote SPARQL 1.1 Protocol endpoint; results as kg QueryResult."""

    ACCEPT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
              "application/n-triples;q=0.9, text/turtle;q=0.8")

    def __init__(self, url: str, *, user: str | None = None, password_env: str = PASSWORD_ENV_VAR,
                 timeout: float = 60.0):
        self.url, self.creds = split_credentials(url, user=user, password_env=password_env)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"RemoteEndpoint({self.url!r})"

    def query_text(self, text: str, terms: dict | None = None) -> str:
        """The SPARQL sent: VALUES for the bindings, then the project's prefixes declared."""
        from kg.queries import inject_values

        body = inject_values(text, terms) if terms else text
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(PREFIXES.items()))
        return prologue + body

    def run(self, text: str, terms: dict | None = None, *, default_graphs: list[str] | None = None):
        """``default_graphs``: the graphs whose union is the query's default graph (the SPARQL
        protocol's default-graph-uri); None: the endpoint's own default graph."""
        import pyoxigraph as ox
        from urllib.parse import urlencode

        from kg.queries import QueryResult

        sparql = self.query_text(text, terms)
        form = [("query", sparql)] + [("default-graph-uri", g) for g in default_graphs or ()]
        try:
            status, headers, body = http_request(
                "POST", self.url, data=urlencode(form).encode("utf-8"),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": self.ACCEPT},
                creds=self.creds, timeout=self.timeout)
        except OSError as exc:
            raise EndpointError(scrub(f"endpoint {self.url}: {_reason(exc)}", self.creds)) from None
        if status != 200:
            snippet = body[:500].decode("utf-8", "replace").strip()
            raise EndpointError(scrub(f"endpoint {self.url} answered HTTP {status}: {snippet}", self.creds))
        ctype = _header(headers, "Content-Type").split(";")[0].strip().lower()
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
        if isinstance(parsed, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(parsed))
        variables = [v.value for v in parsed.variables]
        rows = [tuple(solution[v] for v in variables) for solution in parsed]
        return QueryResult("select", variables=variables, rows=rows)


class RemoteStore:
    """A remote SPARQL endpoint behind the part of pyoxigraph.Store's API that kg.fastvalidate
    and kg.checks use (``query`` with a default graph), so that the shapes run where the data
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


def endpoint_engine(endpoint: "RemoteEndpoint") -> str | None:
    """Which SPARQL engine answers at ``endpoint`` (one of kg.queries.ENGINES), from the
    Server header of a trivial ASK; None when it does not say."""
    from urllib.parse import urlencode

    from kg.queries import ENGINES

    try:
        _status, headers, _body = http_request(
            "POST", endpoint.url, data=urlencode({"query": "ASK {}"}).encode("utf-8"),
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Accept": "application/sparql-results+json"},
            creds=endpoint.creds, timeout=endpoint.timeout)
    except OSError:
        return None
    server = _header(headers, "Server").lower()
    return next((engine for engine in ENGINES if engine in server), None)


def _header(headers: dict, name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return "no answer before the timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    return f"{type(exc).__name__}: {exc}"


def run_remote(data_dir, query, params: dict | None, endpoint: RemoteEndpoint):
    """A stored query (or SPARQL text) with ``params`` bound, run on ``endpoint``."""
    from kg.queries import bind, parse_query_text, sort_lists

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
