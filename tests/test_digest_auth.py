"""HTTP authentication for `kg push` and `kg query --endpoint`: Digest (RFC 7616 / 2617, as
Virtuoso's /sparql-graph-crud-auth asks for) and Basic, chosen from the server's challenge.

The servers are small threaded `http.server`s on 127.0.0.1 started inside the tests: they
check every Digest answer themselves (hashlib, per RFC 7616; a wrong response, an unknown
nonce or a nonce count that does not go up is refused), record every request, and keep
the graphs PUT to them, so a broken Digest client fails these tests."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from urllib.request import parse_http_list, parse_keqv_list

import pytest
from cli_helpers import assert_clean_error, run_kg
from serve_helpers import HOST

USER, PASSWORD = "dba", "C0rrect-H0rse"
WRONG = "Wr0ng-Batt3ry"
REALM = "SPARQL"
HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
SPARQL_JSON = {"head": {"vars": ["x"]},
               "results": {"bindings": [{"x": {"type": "literal", "value": "digest-ok"}}]}}


class AuthServer:
    """A Graph Store (PUT ?graph=) and SPARQL (POST) endpoint behind Basic or Digest auth.

    ``scheme``: "digest", "basic" or "bearer" (a scheme kg does not speak); ``algorithm``:
    the Digest algorithm offered; ``nonce_uses``: after that many accepted uses a nonce is
    stale (401 with stale=true); ``redirect_to``: after authentication, answer 307 there;
    ``like_virtuoso``: a Digest server that answers a Basic header with a 401 naming no
    scheme (no WWW-Authenticate), as Virtuoso 7 does."""

    def __init__(self, scheme="digest", *, algorithm="MD5", nonce_uses=None, redirect_to=None, like_virtuoso=True):
        self.scheme, self.algorithm, self.nonce_uses, self.redirect_to = scheme, algorithm, nonce_uses, redirect_to
        self.like_virtuoso = like_virtuoso and scheme == "digest"
        self.requests: list[dict] = []
        self.graphs: dict[str, bytes] = {}
        self.nonces: dict[str, dict] = {}      # nonce -> {"nc": last nonce count, "uses": accepted uses}
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self):
                server.handle(self)

            def do_POST(self):
                server.handle(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://{HOST}:{self.httpd.server_address[1]}"

    # -- authentication, computed here independently of kg -------------------------------

    def challenge(self, stale=False) -> str:
        if self.scheme == "basic":
            return f'Basic realm="{REALM}"'
        if self.scheme == "bearer":
            return f'Bearer realm="{REALM}"'
        nonce = os.urandom(12).hex()
        self.nonces[nonce] = {"nc": 0, "uses": 0}
        # What Virtuoso sends (every value quoted, algorithm too).
        return (f'Digest realm="{REALM}", domain="/sparql-graph-crud-auth", nonce="{nonce}", '
                f'opaque="{os.urandom(8).hex()}", stale="{"true" if stale else "false"}", qop="auth", '
                f'algorithm="{self.algorithm}"')

    def check(self, handler) -> tuple[bool, bool]:
        """(authenticated, nonce was stale)."""
        header = handler.headers.get("Authorization") or ""
        if self.scheme == "basic":
            token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            return header == f"Basic {token}", False
        if self.scheme != "digest" or not header.startswith("Digest "):
            return False, False
        fields = parse_keqv_list(parse_http_list(header[len("Digest "):]))
        nonce = fields.get("nonce", "")
        state = self.nonces.get(nonce)
        if state is None or fields.get("username") != USER or fields.get("realm") != REALM:
            return False, False
        if fields.get("uri") != handler.path or fields.get("qop") != "auth":
            return False, False
        if fields.get("algorithm", "MD5").strip('"') != self.algorithm:
            return False, False
        H = lambda text: HASHES[self.algorithm](text.encode()).hexdigest()  # noqa: E731
        ha1 = H(f"{USER}:{REALM}:{PASSWORD}")
        ha2 = H(f"{handler.command}:{handler.path}")
        expected = H(f"{ha1}:{nonce}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
        if fields.get("response") != expected:
            return False, False
        nc = int(fields["nc"], 16)
        if nc <= state["nc"]:                     # a replayed nonce count
            return False, False
        if self.nonce_uses is not None and state["uses"] >= self.nonce_uses:
            return False, True
        state["nc"], state["uses"] = nc, state["uses"] + 1
        return True, False

    def handle(self, handler):
        body = handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
        graph = parse_qs(urlsplit(handler.path).query).get("graph", [""])[0]
        with self.lock:
            ok, stale = self.check(handler)
            self.requests.append({"method": handler.command, "graph": graph, "ok": ok,
                                  "auth": handler.headers.get("Authorization"), "size": len(body)})
            if not ok:
                if self.like_virtuoso and (handler.headers.get("Authorization") or "").startswith("Basic "):
                    return self.answer(handler, 401, b"Unauthorized")
                return self.answer(handler, 401, b"Unauthorized", {"WWW-Authenticate": self.challenge(stale)})
            if self.redirect_to:
                return self.answer(handler, 307, b"", {"Location": self.redirect_to + handler.path})
            if handler.command == "PUT":
                existed = graph in self.graphs
                self.graphs[graph] = body
                return self.answer(handler, 204 if existed else 201, b"")
        self.answer(handler, 200, json.dumps(SPARQL_JSON).encode(), {"Content-Type": "application/sparql-results+json"})

    @staticmethod
    def answer(handler, status, body, headers=None):
        handler.send_response(status)
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def auth_server():
    servers = []

    def make(*args, **kwargs):
        server = AuthServer(*args, **kwargs)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def _everything(result) -> str:
    return result.output + (result.stdout or "") + (result.stderr or "")


def _secrets(password: str) -> list[str]:
    return [password, base64.b64encode(f"{USER}:{password}".encode()).decode()]


# ---------------------------------------------------------------------------
# kg push
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("algorithm, like_virtuoso", [("MD5", True), ("SHA-256", True), ("MD5", False)])
def test_push_answers_a_digest_challenge_and_every_graph_arrives(repo, auth_server, monkeypatch, algorithm,
                                                                 like_virtuoso, settings):
    from kg.ops.push import graph_payloads

    server = auth_server("digest", algorithm=algorithm, like_virtuoso=like_virtuoso)
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", PASSWORD)
    result = run_kg(["push", "--endpoint", f"{server.base}/sparql-graph-crud-auth", "--user", USER,
                     "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] and all(g["status"] == "written" for g in doc["graphs"])
    payloads = graph_payloads(repo, settings=settings)
    assert server.graphs == {name: payload for name, (_, payload) in payloads.items()}
    accepted = [r for r in server.requests if r["ok"]]
    assert sorted(r["graph"] for r in accepted) == sorted(payloads)
    assert all(r["auth"].startswith("Digest ") for r in accepted)
    # Only the first graph meets a challenge (sent without credentials: the password never goes
    # as Basic to a server that asks for Digest): later graphs answer the known nonce directly.
    assert [r["ok"] for r in server.requests[:2]] == [False, True]
    assert server.requests[0]["auth"] is None
    assert all(r["ok"] for r in server.requests[2:])
    assert PASSWORD not in _everything(result)
    # Pushing again replaces every graph with the same content.
    before = dict(server.graphs)
    again = run_kg(["push", "--endpoint", f"{server.base}/sparql-graph-crud-auth", "--user", USER])
    assert again.exit_code == 0, again.output
    assert server.graphs == before
    assert "written       urn:kg:void" in again.stdout and "HTTP 204" in again.stdout


def test_push_follows_the_server_when_its_nonce_goes_stale(repo, auth_server, monkeypatch, settings):
    from kg.ops.push import graph_payloads

    server = auth_server("digest", nonce_uses=2)
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", PASSWORD)
    result = run_kg(["push", "--endpoint", f"{server.base}/store", "--user", USER])
    assert result.exit_code == 0, result.output
    assert set(server.graphs) == set(graph_payloads(repo, settings=settings))
    assert sum(1 for r in server.requests if not r["ok"]) > 1     # several stale nonces were renewed


def test_push_to_a_basic_server_sends_basic_once_it_asks(repo, auth_server, settings):
    from kg.ops.push import graph_payloads

    server = auth_server("basic")
    url = server.base.replace("http://", f"http://{USER}:{PASSWORD}@") + "/store"
    result = run_kg(["push", "--endpoint", url])
    assert result.exit_code == 0, result.output
    assert set(server.graphs) == set(graph_payloads(repo, settings=settings))
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    # The first request carries nothing; after the server's Basic challenge, every one carries it.
    assert server.requests[0]["auth"] is None and not server.requests[0]["ok"]
    assert all(r["ok"] and r["auth"] == f"Basic {token}" for r in server.requests[1:])
    assert len(server.requests) == len(server.graphs) + 1
    assert not any(secret in _everything(result) for secret in _secrets(PASSWORD))


def test_a_wrong_password_names_digest_and_is_never_printed(repo, auth_server, monkeypatch):
    server = auth_server("digest")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", WRONG)
    result = run_kg(["push", "--endpoint", f"{server.base}/sparql-graph-crud-auth", "--user", USER,
                     "--graph", "urn:kg:void", "--graph", "urn:kg:file:data/entities.ttl"])
    assert result.exit_code == 2
    out = _everything(result)
    assert ('HTTP 401: the server asks for Digest authentication (realm "SPARQL"); '
            "check --user and $KG_ENDPOINT_PASSWORD") in out
    assert "Push incomplete: 0 of 2" in out
    assert "failed        urn:kg:file:data/entities.ttl" in out or "failed        urn:kg:void" in out
    assert "skipped: the server refused the credentials (HTTP 401)" in out   # the other graph
    assert not any(secret in out for secret in _secrets(WRONG))
    assert not server.graphs
    # One try without credentials (for the challenge), one Digest answer, then it stops: no
    # endless retries, no second graph sent with refused credentials, never Basic.
    assert [(r["auth"] or "none").split()[0] for r in server.requests] == ["none", "Digest"]


def test_without_credentials_the_message_names_the_scheme(repo, auth_server):
    for scheme, name in (("digest", "Digest"), ("basic", "Basic")):
        server = auth_server(scheme)
        result = run_kg(["push", "--endpoint", f"{server.base}/store", "--graph", "urn:kg:void"])
        assert result.exit_code == 2
        assert (f'the server asks for {name} authentication (realm "SPARQL"); give --user and set '
                "$KG_ENDPOINT_PASSWORD") in result.stdout, result.output
        assert len(server.requests) == 1 and server.requests[0]["auth"] is None
    server = auth_server("bearer")
    url = server.base.replace("http://", f"http://{USER}:{PASSWORD}@") + "/store"
    result = run_kg(["push", "--endpoint", url, "--graph", "urn:kg:void"])
    assert result.exit_code == 2
    assert "the server asks for Bearer authentication, which kg cannot answer" in result.stdout
    assert not any(secret in _everything(result) for secret in _secrets(PASSWORD))


def test_a_redirect_to_another_port_gets_no_credentials(repo, auth_server, monkeypatch):
    elsewhere = auth_server("basic")
    server = auth_server("digest", redirect_to=elsewhere.base)
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", PASSWORD)
    result = run_kg(["push", "--endpoint", f"{server.base}/store", "--user", USER, "--graph", "urn:kg:void"])
    assert result.exit_code == 2
    assert "HTTP 307" in result.stdout
    assert any(r["ok"] for r in server.requests)           # the Digest answer was accepted, then redirected
    assert not any(r["auth"] for r in elsewhere.requests)  # nothing carrying credentials got there
    assert elsewhere.requests == [] and not elsewhere.graphs


# ---------------------------------------------------------------------------
# kg query --endpoint
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_query_endpoint_behind_digest(repo, auth_server, monkeypatch, algorithm):
    server = auth_server("digest", algorithm=algorithm)
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", PASSWORD)
    result = run_kg(["query", "-e", "SELECT ?x WHERE { ?x ?p ?o }", "--format", "json",
                     "--endpoint", f"{server.base}/sparql-auth", "--user", USER])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [b["x"]["value"] for b in doc["results"]["bindings"]] == ["digest-ok"]
    assert [r["ok"] for r in server.requests] == [False, True]
    assert server.requests[0]["auth"] is None and server.requests[1]["auth"].startswith("Digest ")
    # The wrong password: a clean error naming Digest, without the password.
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", WRONG)
    result = run_kg(["query", "-e", "SELECT ?x WHERE { ?x ?p ?o }", "--endpoint", f"{server.base}/sparql-auth",
                     "--user", USER])
    assert_clean_error(result, 2, f"HTTP 401 from {server.base}/sparql-auth: the server asks for Digest "
                                  'authentication (realm "SPARQL"); check --user and $KG_ENDPOINT_PASSWORD')
    assert not any(secret in _everything(result) for secret in _secrets(WRONG))
    # No credentials at all.
    result = run_kg(["query", "-e", "ASK {}", "--endpoint", f"{server.base}/sparql-auth"])
    assert_clean_error(result, 2, "asks for Digest authentication", "give --user and set $KG_ENDPOINT_PASSWORD")


# ---------------------------------------------------------------------------
# The Digest computation and the challenge parser (RFC examples)
# ---------------------------------------------------------------------------

def test_digest_answers_match_the_rfc_examples():
    from kg.store.http_auth import digest_authorization, parse_challenges

    # RFC 7616 section 3.9.1: the same request answered with SHA-256 and with MD5.
    offered = parse_challenges(
        'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, '
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", '
        'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, '
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"')
    assert [(s, p["algorithm"]) for s, p in offered] == [("Digest", "SHA-256"), ("Digest", "MD5")]
    expected = ["753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
                "8ca523f5e9506fed4657c9700eebdbec"]
    for (_, challenge), response in zip(offered, expected):
        header = digest_authorization("Mufasa", "Circle of Life", challenge, "GET", "/dir/index.html", None,
                                      nc=1, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
        fields = parse_keqv_list(parse_http_list(header[len("Digest "):]))
        assert fields["response"] == response
        assert (fields["qop"], fields["nc"], fields["opaque"]) == ("auth", "00000001", challenge["opaque"])
    # RFC 2617 section 3.5 (MD5, no algorithm named).
    (_, challenge), = parse_challenges('Digest realm="testrealm@host.com", qop="auth,auth-int", '
                                       'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
                                       'opaque="5ccc069c403ebaf9f0171e9517f40e41"')
    header = digest_authorization("Mufasa", "Circle Of Life", challenge, "GET", "/dir/index.html", None,
                                  nc=1, cnonce="0a4f113b")
    assert 'response="6629fae49393a05397450978507c4ef1"' in header


def test_challenges_are_parsed_and_chosen():
    from kg.store.http_auth import auth_problem, choose_challenge, parse_challenges

    challenges = parse_challenges('Negotiate, Bearer realm="x", error="invalid_token", Basic realm="a, b", '
                                  'Negotiate abc123==')
    assert challenges == [("Negotiate", {}), ("Bearer", {"realm": "x", "error": "invalid_token"}),
                          ("Basic", {"realm": "a, b"}), ("Negotiate", {"token68": "abc123=="})]
    assert choose_challenge(challenges)[0] == "Basic"
    both = parse_challenges('Basic realm="r", Digest realm="r", nonce="n", qop="auth"')
    assert choose_challenge(both)[0] == "Digest"          # the stronger one, whatever the order
    unknown = parse_challenges('Digest realm="r", nonce="n", algorithm=SHA-1-NOT-A-THING')
    assert choose_challenge(unknown) is None
    assert "Digest (SHA-1-NOT-A-THING) authentication, which kg cannot answer" in auth_problem(
        {"WWW-Authenticate": 'Digest realm="r", nonce="n", algorithm=SHA-1-NOT-A-THING'}, None)
