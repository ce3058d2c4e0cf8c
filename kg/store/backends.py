"""Store backends beyond the embedded default: a persistent pyoxigraph store, a remote endpoint.

* **Embedded (default).** The reasoned dataset cached by kg.store.cache (N-Quads + a pyoxigraph
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
``--user`` and an environment variable, and never appear in any message (``redact``,
``scrub``). ``http_request`` speaks HTTP Basic and HTTP Digest (RFC 7616 / 2617: MD5,
SHA-256, SHA-512-256 and their ``-sess`` variants; qop ``auth``, ``auth-int`` or none),
chosen from the server's ``WWW-Authenticate`` challenge: the first request to a server
carries no credentials, so the password never goes as Basic to a server that did not ask
for Basic; a 401 with a challenge is answered and the request retried once (again if the
server says a Digest nonce was stale), and what the server accepted is kept in the
``Credentials`` so the next requests of the same run answer it directly (one request per
graph). A 401 that names no scheme gets Basic once. A 401 that remains, or a scheme kg cannot speak, is
reported naming the scheme the server asked for (``auth_problem``). Redirects are never
followed, so credentials go nowhere else.
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from kg.errors import EndpointError, StoreError
from kg.rdf.vocab import PREFIXES

STORE_ENV_VAR = "KG_STORE"
PASSWORD_ENV_VAR = "KG_ENDPOINT_PASSWORD"
STORE_META = "kg-store.json"
STORE_DIR = "oxigraph"
_GRAPH_OF_LINE = re.compile(r"<([^<>]*)> \.\s*$")


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
    """The cache entry must match its integrity manifest (kg.store.cache) before it is copied in."""
    from kg.store.cache import REBUILD_HINT, Damaged
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
    password: str = field(repr=False)
    # Per origin: [the Digest challenge last answered, its nonce count, accepted by the server].
    _digest: dict = field(default_factory=dict, repr=False, compare=False, hash=False)
    # The origins that asked for Basic and accepted it (the password is sent to no other).
    _basic: set = field(default_factory=set, repr=False, compare=False, hash=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False, hash=False)

    def header(self) -> str:
        """The HTTP Basic ``Authorization`` value."""
        token = base64.b64encode(f"{self.user}:{self.password}".encode("utf-8")).decode("ascii")
        return f"Basic {token}"

    def digest(self, challenge: dict, method: str, url: str, body: bytes | None) -> str | None:
        """The Digest ``Authorization`` value answering ``challenge`` for this request (the
        nonce count goes up with every use of the same nonce); None if it cannot be answered."""
        key = _origin(url)
        with self._lock:
            kept = self._digest.get(key)
            same = kept is not None and kept[0].get("nonce") == challenge.get("nonce")
            nc = kept[1] + 1 if same else 1
            self._digest[key] = [challenge, nc, same and kept[2]]
        return digest_authorization(self.user, self.password, challenge, method, _selector(url), body,
                                    nc=nc, cnonce=os.urandom(16).hex())

    def known_digest(self, url: str) -> dict | None:
        """The Digest challenge this server sent before and accepted an answer to (or None)."""
        with self._lock:
            kept = self._digest.get(_origin(url))
        return kept[0] if kept and kept[2] else None

    def knows_basic(self, url: str) -> bool:
        with self._lock:
            return _origin(url) in self._basic

    def basic_outcome(self, url: str, accepted: bool) -> None:
        with self._lock:
            (self._basic.add if accepted else self._basic.discard)(_origin(url))

    def digest_outcome(self, url: str, accepted: bool) -> None:
        """Keep the challenge for the next requests if the server accepted the answer, else drop it."""
        with self._lock:
            if accepted and _origin(url) in self._digest:
                self._digest[_origin(url)][2] = True
            elif not accepted:
                self._digest.pop(_origin(url), None)


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


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _selector(url: str) -> str:
    """The request-target of ``url`` (path and query), as sent on the request line."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


# ---------------------------------------------------------------------------
# Remote endpoints: HTTP authentication (Basic, Digest)
# ---------------------------------------------------------------------------

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_AUTH_PARAM = re.compile(rf'({_TOKEN})[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|{_TOKEN})[ \t]*(?=,|$)')
_AUTH_SCHEME = re.compile(rf"({_TOKEN})(?=[ \t]|,|$)")
_TOKEN68 = re.compile(r"([A-Za-z0-9._~+/-]+=*)[ \t]*(?=,|$)")
_SEPARATORS = re.compile(r"[ \t,]*")
_BLANKS = re.compile(r"[ \t]*")
# Digest algorithms (RFC 7616 section 6.1) -> hashlib names.
_DIGEST_HASHES = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}


def parse_challenges(text: str) -> list[tuple[str, dict]]:
    """The challenges of a ``WWW-Authenticate`` value (RFC 7235; several headers joined by
    commas): ``[(scheme as written, {parameter in lower case: value unquoted})]``."""
    challenges: list[tuple[str, dict]] = []
    pos = 0
    while True:
        pos = _SEPARATORS.match(text, pos).end()
        if pos >= len(text):
            return challenges
        param = _AUTH_PARAM.match(text, pos)
        if param and challenges:
            value = param.group(2)
            if value.startswith('"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            challenges[-1][1].setdefault(param.group(1).lower(), value)
            pos = param.end()
            continue
        scheme = _AUTH_SCHEME.match(text, pos)
        if not scheme:
            return challenges      # the rest is unparsable: keep what was understood
        challenges.append((scheme.group(1), {}))
        pos = _BLANKS.match(text, scheme.end()).end()
        token68 = _TOKEN68.match(text, pos)
        if token68 and not _AUTH_PARAM.match(text, pos):
            challenges[-1][1]["token68"] = token68.group(1)
            pos = token68.end()


def _digest_hash(algorithm: str):
    """``(H, sess)`` for a Digest algorithm name; H is None when kg cannot compute it."""
    name = algorithm.upper()
    sess = name.endswith("-SESS")
    hash_name = _DIGEST_HASHES.get(name[:-5] if sess else name)
    if hash_name is None:
        return None, sess
    try:
        hashlib.new(hash_name)
    except ValueError:         # e.g. SHA-512/256 missing from this OpenSSL
        return None, sess
    return (lambda data: hashlib.new(hash_name, data if isinstance(data, bytes) else data.encode("utf-8"))
            .hexdigest()), sess


def _digest_qop(challenge: dict) -> str | None:
    """The qop kg answers with: ``auth`` if offered, else ``auth-int``; ``""`` when the
    challenge has no qop (RFC 2069 style); None when it offers only something else."""
    if "qop" not in challenge:
        return ""
    offered = [q.strip().lower() for q in challenge["qop"].split(",")]
    return next((q for q in ("auth", "auth-int") if q in offered), None)


def digest_supported(challenge: dict) -> bool:
    return (_digest_hash(challenge.get("algorithm", "MD5"))[0] is not None and _digest_qop(challenge) is not None
            and "realm" in challenge and "nonce" in challenge)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def digest_authorization(user: str, password: str, challenge: dict, method: str, uri: str,
                         body: bytes | None, *, nc: int, cnonce: str) -> str | None:
    """The ``Authorization`` value answering a Digest ``challenge`` (RFC 7616 section 3.4),
    or None if kg cannot answer it (unknown algorithm or qop, no realm or nonce)."""
    if not digest_supported(challenge):
        return None
    algorithm = challenge.get("algorithm", "MD5")
    H, sess = _digest_hash(algorithm)
    qop = _digest_qop(challenge)
    realm, nonce = challenge["realm"], challenge["nonce"]
    ncvalue = f"{nc:08x}"
    a1 = f"{user}:{realm}:{password}"
    if sess:
        a1 = f"{H(a1)}:{nonce}:{cnonce}"
    a2 = f"{method}:{uri}"
    if qop == "auth-int":
        a2 += ":" + H(body or b"")
    if qop:
        response = H(f"{H(a1)}:{nonce}:{ncvalue}:{cnonce}:{qop}:{H(a2)}")
    else:
        response = H(f"{H(a1)}:{nonce}:{H(a2)}")
    fields = []
    if challenge.get("userhash", "").lower() == "true":
        fields += [f"username={_quoted(H(f'{user}:{realm}'))}", "userhash=true"]
    elif user.isascii() and user.isprintable():
        fields.append(f"username={_quoted(user)}")
    else:
        fields.append(f"username*=UTF-8''{quote(user, safe='')}")
    fields += [f"realm={_quoted(realm)}", f"uri={_quoted(uri)}"]
    if "algorithm" in challenge:
        fields.append(f"algorithm={algorithm}")
    fields += [f"nonce={_quoted(nonce)}", f"response={_quoted(response)}"]
    if qop:
        fields += [f"qop={qop}", f"nc={ncvalue}", f"cnonce={_quoted(cnonce)}"]
    if "opaque" in challenge:
        fields.append(f"opaque={_quoted(challenge['opaque'])}")
    return "Digest " + ", ".join(fields)


def choose_challenge(challenges: list[tuple[str, dict]]) -> tuple[str, dict] | None:
    """The challenge kg answers: the first Digest one it can compute, else Basic, else None."""
    for scheme, params in challenges:
        if scheme.lower() == "digest" and digest_supported(params):
            return scheme, params
    return next(((s, p) for s, p in challenges if s.lower() == "basic"), None)


def _scheme_name(scheme: str, params: dict) -> str:
    name = {"basic": "Basic", "digest": "Digest"}.get(scheme.lower(), scheme)
    if scheme.lower() == "digest" and params.get("algorithm"):
        name += f" ({params['algorithm']})"
    return name


def auth_problem(headers: dict, creds: Credentials | None, password_env: str = PASSWORD_ENV_VAR) -> str:
    """Why a request stayed at HTTP 401, naming the scheme the server asks for."""
    challenges = parse_challenges(_header(headers, "WWW-Authenticate"))
    if not challenges:
        what = "the server refuses the request without naming an authentication scheme (no WWW-Authenticate)"
        return what + (f"; check --user and ${password_env}" if creds else
                       f"; give --user and set ${password_env}")
    chosen = choose_challenge(challenges)
    if chosen is None:
        offered = " or ".join(dict.fromkeys(_scheme_name(s, p) for s, p in challenges))
        return (f"the server asks for {offered} authentication, which kg cannot answer "
                "(it speaks Basic and Digest with MD5, SHA-256 or SHA-512-256)")
    scheme, params = chosen
    name = "Digest" if scheme.lower() == "digest" else "Basic"
    realm = f' (realm "{params["realm"]}")' if params.get("realm") else ""
    if creds:
        return f"the server asks for {name} authentication{realm}; check --user and ${password_env}"
    return f"the server asks for {name} authentication{realm}; give --user and set ${password_env}"


def _send(method: str, url: str, data: bytes | None, headers: dict | None, authorization: str | None,
          timeout: float) -> tuple[int, dict, bytes]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    request.add_header("User-Agent", "mqm-kg")
    if authorization:
        # An "unredirected" header: urllib would not copy it to a redirect (none is followed anyway).
        request.add_unredirected_header("Authorization", authorization)

    def head(message) -> dict:
        if not message:
            return {}
        result = dict(message.items())
        challenges = message.get_all("WWW-Authenticate") or []
        if len(challenges) > 1:   # several headers: one comma-joined value (RFC 9110 section 5.3)
            for key in [k for k in result if k.lower() == "www-authenticate"]:
                del result[key]
            result["WWW-Authenticate"] = ", ".join(challenges)
        return result

    try:
        with _opener().open(request, timeout=timeout) as response:
            return response.status, head(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read()
        except OSError:
            body = b""
        return exc.code, head(exc.headers), body
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, OSError):
            raise exc.reason from None
        raise OSError(str(exc.reason)) from None


def http_request(method: str, url: str, *, data: bytes | None = None, headers: dict | None = None,
                 creds: Credentials | None = None, timeout: float = 30.0) -> tuple[int, dict, bytes]:
    """One HTTP request; returns (status, headers, body) for any status; raises OSError on
    connection problems (refused, reset, timeout).

    With ``creds``: the first request to a server carries no credentials, unless it has asked
    for them before (its accepted Digest challenge is answered, or Basic sent where it asked
    for Basic), so that the password never goes as Basic to a server that did not ask for
    it; a 401 whose challenge kg can answer (Digest, or Basic) is answered and the request
    sent again, at most twice (the second time only for a Digest nonce the server calls
    stale); a 401 that names no scheme gets Basic once. Virtuoso answers a Basic header it
    does not take with a 401 that names no scheme: then the request is sent once without
    credentials to learn the challenge. A 401 returned from here is final: ``auth_problem``
    says why."""
    known = creds.known_digest(url) if creds else None
    authorization = None
    if known:
        authorization = creds.digest(known, method, url, data)
    elif creds and creds.knows_basic(url):
        authorization = creds.header()
    basic_sent = bool(authorization and authorization.startswith("Basic "))
    status, answer, body = _send(method, url, data, headers, authorization, timeout)
    answered, probed = 0, authorization is None   # a try without credentials tells the scheme
    while status == 401 and creds and answered < 2:
        challenges = parse_challenges(_header(answer, "WWW-Authenticate"))
        if not challenges:
            if not authorization and not basic_sent:
                # A 401 naming no scheme to a request without credentials: Basic, once.
                authorization, basic_sent = creds.header(), True
                answered += 1
                status, answer, body = _send(method, url, data, headers, authorization, timeout)
                creds.basic_outcome(url, accepted=status != 401)
                continue
            if probed or not authorization:
                break
            probed, authorization = True, None     # ask without credentials which scheme it wants
            status, answer, body = _send(method, url, data, headers, None, timeout)
            continue
        chosen = choose_challenge(challenges)
        if chosen is None:
            break
        scheme, challenge = chosen
        if scheme.lower() == "basic":
            if basic_sent:
                break               # the password was already sent that way and refused
            authorization, basic_sent = creds.header(), True
            answered += 1
            status, answer, body = _send(method, url, data, headers, authorization, timeout)
            creds.basic_outcome(url, accepted=status != 401)
            continue
        else:
            if answered and challenge.get("stale", "").lower() != "true":
                break               # a fresh answer was refused: wrong user or password
            authorization = creds.digest(challenge, method, url, data)
        answered += 1
        status, answer, body = _send(method, url, data, headers, authorization, timeout)
    if creds and (status == 401 or (authorization or "").startswith("Digest ")):
        creds.digest_outcome(url, accepted=status != 401)
    return status, answer, body


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
        self.password_env = password_env
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"RemoteEndpoint({self.url!r})"

    def query_text(self, text: str, terms: dict | None = None) -> str:
        """The SPARQL sent: VALUES for the bindings, then the project's prefixes declared."""
        from kg.rdf.sparql import inject_values

        body = inject_values(text, terms) if terms else text
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(PREFIXES.items()))
        return prologue + body

    def run(self, text: str, terms: dict | None = None, *, default_graphs: list[str] | None = None):
        """``default_graphs``: the graphs whose union is the query's default graph (the SPARQL
        protocol's default-graph-uri); None: the endpoint's own default graph."""
        import pyoxigraph as ox
        from urllib.parse import urlencode

        from kg.engine.results import QueryResult

        sparql = self.query_text(text, terms)
        form = [("query", sparql)] + [("default-graph-uri", g) for g in default_graphs or ()]
        try:
            status, headers, body = http_request(
                "POST", self.url, data=urlencode(form).encode("utf-8"),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": self.ACCEPT},
                creds=self.creds, timeout=self.timeout)
        except OSError as exc:
            raise EndpointError(scrub(f"endpoint {self.url}: {_reason(exc)}", self.creds)) from None
        if status == 401:
            raise EndpointError(scrub(f"HTTP 401 from {self.url}: "
                                      f"{auth_problem(headers, self.creds, self.password_env)}", self.creds))
        if status != 200:
            snippet = body[:500].decode("utf-8", "replace").strip()
            raise EndpointError(scrub(f"endpoint {self.url} answered HTTP {status}: {snippet}", self.creds))
        if _header(headers, "X-SQL-State"):
            # Virtuoso's "anytime" answer: the rows found before its time limit, not all of them.
            raise EndpointError(f"endpoint {self.url} returned a partial answer (X-SQL-State "
                                f"{_header(headers, 'X-SQL-State')}: {_header(headers, 'X-SQL-Message')}); "
                                "raise the server's query time limit (Virtuoso: [SPARQL] MaxQueryExecutionTime)")
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


def endpoint_engine(endpoint: "RemoteEndpoint") -> str | None:
    """Which SPARQL engine answers at ``endpoint`` (one of kg.project.catalogue.ENGINES), from the
    Server header of a trivial ASK; None when it does not say."""
    from urllib.parse import urlencode

    from kg.project.catalogue import ENGINES

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
    from kg.project.catalogue import bind, parse_query_text, sort_lists

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
