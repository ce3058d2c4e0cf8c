"""HTTP requests to remote servers with credentials: Basic and Digest authentication.

Credentials for remote servers come from the URL (``https://user:pass@host/...``) or from
``--user`` and an environment variable (read by kg.config.Settings), and never appear in any message (``redact``,
``scrub``). ``http_request`` speaks HTTP Basic and HTTP Digest (RFC 7616 / 2617: MD5,
SHA-256, SHA-512-256 and their ``-sess`` variants; qop ``auth``, ``auth-int`` or none),
chosen from the server's ``WWW-Authenticate`` challenge: the first request to a server
carries no credentials, so the password never goes as Basic to a server that did not ask
for Basic; a 401 with a challenge is answered and the request retried once (again if the
server says a Digest nonce was stale), and what the server accepted is kept in the
``Credentials`` so the next requests of the same run answer it directly (one request per
graph). A 401 that names no scheme gets Basic once. A 401 that remains, or a scheme kg
cannot speak, is reported naming the scheme the server asked for (``auth_problem``).
Redirects are never followed, so credentials go nowhere else.

Used by kg.store.remote (SPARQL endpoints) and kg.ops.push (Graph Store Protocol).

Layer: store. Imports kg.errors only.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from kg.errors import EndpointError

PASSWORD_ENV_VAR = "KG_ENDPOINT_PASSWORD"


# ---------------------------------------------------------------------------
# URLs and credentials
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


def split_credentials(url: str, *, user: str | None = None, password: str | None = None,
                      password_env: str = PASSWORD_ENV_VAR) -> tuple[str, Credentials | None]:
    """``(url without user:pass@, credentials or None)``. ``user`` goes with ``password``, which
    the caller read from the environment variable ``password_env`` (kg.config.Settings)."""
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
# HTTP authentication (Basic, Digest)
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
    challenges = parse_challenges(header_value(headers, "WWW-Authenticate"))
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
        challenges = parse_challenges(header_value(answer, "WWW-Authenticate"))
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


def header_value(headers: dict, name: str) -> str:
    """The value of header ``name`` (any case) in ``headers``, or ""."""
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def connection_error_text(exc: BaseException) -> str:
    """What went wrong when a request got no answer (``exc`` raised by ``http_request``)."""
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return "no answer before the timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    return f"{type(exc).__name__}: {exc}"
