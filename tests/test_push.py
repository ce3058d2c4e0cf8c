"""`kg push` and `kg query --endpoint` against a real `oxigraph serve` on 127.0.0.1, plus
small local fake Graph Store servers for retries, timeouts, partial failure and credentials."""
from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from cli_helpers import assert_clean_error, run_kg
from query_compare import result_rows
from serve_helpers import HOST, free_port, http, oxigraph_binary, start_oxigraph

pytestmark = pytest.mark.skipif(oxigraph_binary() is None, reason="the oxigraph server is not installed "
                                                                   "(pip install oxigraph)")


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield server
    server.stop()


def _count(server, query: str) -> int:
    status, _, body = http("POST", server.base + "/query", data=urlencode({"query": query}).encode(),
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "Accept": "application/sparql-results+json"})
    assert status == 200, body
    doc = json.loads(body)
    return int(doc["results"]["bindings"][0]["n"]["value"])


def test_push_then_every_stored_query_matches(oxigraph, repo, settings):
    from kg.store.remote import RemoteEndpoint, run_remote
    from kg.ops.push import graph_payloads
    from kg.ops.query import run_query
    from kg.project.catalogue import catalogue

    result = run_kg(["push", "--endpoint", f"{oxigraph.base}/store", "--inferred"])
    assert result.exit_code == 0, result.output
    payloads = graph_payloads(repo, inferred=True, settings=settings)
    for name, (count, _) in payloads.items():
        assert f"written       {name}  ({count} triples" in result.stdout
    assert "Pushed" in result.stdout
    total = sum(count for count, _ in payloads.values())
    assert _count(oxigraph, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }") == total
    assert _count(oxigraph, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) } }") == 0

    endpoint = RemoteEndpoint(f"{oxigraph.base}/query")
    checked = 0
    for query in catalogue(repo):
        required = {p.name: p.example for p in query.params if p.required}
        full = {p.name: p.example for p in query.params}
        for params in ([required, full] if full != required else [required]):
            local = run_query(repo, query, params, settings=settings)
            remote = run_remote(repo, query, params, endpoint)
            assert result_rows(remote) == result_rows(local), (query.name, params)
            checked += 1
    assert checked > len(catalogue(repo))
    # The same through the command line, in a W3C format.
    local = run_kg(["query", "defections", "--param", "person=kg:sagheer-ahmed", "--format", "json"])
    remote = run_kg(["query", "defections", "--param", "person=kg:sagheer-ahmed", "--format", "json",
                     "--endpoint", f"{oxigraph.base}/query"])
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout) == json.loads(local.stdout)
    ask = run_kg(["query", "-e", "ASK { kg:psp a mqm:PoliticalParty }", "--endpoint", f"{oxigraph.base}/query"])
    assert ask.stdout.strip() == "yes"
    construct = run_kg(["query", "-e", "CONSTRUCT { kg:psp ?p ?o } WHERE { kg:psp ?p ?o }", "--format", "ntriples",
                        "--endpoint", f"{oxigraph.base}/query"])
    assert construct.exit_code == 0 and "<https://w3id.org/mqm-kg/id/psp>" in construct.stdout


def test_pushing_twice_gives_the_same_store(oxigraph, repo):
    for _ in range(2):
        assert run_kg(["push", "--endpoint", f"{oxigraph.base}/store", "--inferred"]).exit_code == 0
    first = _count(oxigraph, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert run_kg(["push", "--endpoint", f"{oxigraph.base}/store", "--inferred"]).exit_code == 0
    assert _count(oxigraph, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }") == first
    skolem = _count(oxigraph, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o "
                              "FILTER STRSTARTS(STR(?s), 'https://w3id.org/mqm-kg/.well-known/genid/') } }")
    assert skolem > 0      # the ontology's blank nodes, as stable IRIs


def test_push_one_graph_and_unknown_graphs(oxigraph, repo):
    result = run_kg(["push", "--endpoint", f"{oxigraph.base}/store", "--graph", "urn:kg:void", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [g["graph"] for g in doc["graphs"]] == ["urn:kg:void"] and doc["ok"]
    result = run_kg(["push", "--endpoint", f"{oxigraph.base}/store", "--graph", "urn:kg:nope"])
    assert_clean_error(result, 2, "urn:kg:nope", "not a graph of the KG")


def test_unreachable_server_reports_every_graph_and_exits_2(repo):
    port = free_port()
    started = time.monotonic()
    result = run_kg(["push", "--endpoint", f"http://admin:pa55word@{HOST}:{port}/store", "--retries", "1",
                     "--timeout", "2"])
    assert result.exit_code == 2
    assert time.monotonic() - started < 20
    assert "pa55word" not in result.output
    assert "failed" in result.stdout and "connection refused" in result.stdout
    assert "not attempted" in result.stdout
    assert "Push incomplete: 0 of" in result.stdout
    assert "urn:kg:file:data/entities.ttl" in result.stdout


class FakeStore:
    """A Graph Store Protocol server in a thread; ``behaviour(graph, attempt)`` -> (status, delay)."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        store = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                graph = parse_qs(urlsplit(self.path).query).get("graph", [""])[0]
                with store.lock:
                    attempt = sum(1 for r in store.requests if r["graph"] == graph) + 1
                    store.requests.append({"graph": graph, "auth": self.headers.get("Authorization"),
                                           "type": self.headers.get("Content-Type"), "size": len(body)})
                status, delay = store.behaviour(graph, attempt)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://{HOST}:{self.server.server_address[1]}/store"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def fake_store():
    servers = []

    def make(behaviour):
        server = FakeStore(behaviour)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def test_retries_on_server_errors_then_succeeds(repo, fake_store):
    store = fake_store(lambda graph, attempt: (503, 0) if attempt == 1 else (204, 0))
    result = run_kg(["push", "--endpoint", store.url, "--retries", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] and all(g["attempts"] == 2 and g["status"] == "written" for g in doc["graphs"])
    assert all(r["type"] == "application/n-triples" for r in store.requests)


def test_bounded_retries_and_partial_failure(repo, fake_store):
    def behaviour(graph, attempt):
        if graph == "urn:kg:file:data/articles.ttl":
            return 500, 0               # always fails: retried, then reported
        if graph == "urn:kg:file:data/entities.ttl":
            return 400, 0               # a client error: not retried
        return 201, 0

    store = fake_store(behaviour)
    result = run_kg(["push", "--endpoint", store.url, "--retries", "2"])
    assert result.exit_code == 2
    attempts = {}
    for r in store.requests:
        attempts[r["graph"]] = attempts.get(r["graph"], 0) + 1
    assert attempts["urn:kg:file:data/articles.ttl"] == 3
    assert attempts["urn:kg:file:data/entities.ttl"] == 1
    assert "failed        urn:kg:file:data/articles.ttl" in result.stdout
    assert "HTTP 500" in result.stdout and "HTTP 400" in result.stdout
    assert "written       urn:kg:file:data/article-004.ttl" in result.stdout
    assert "not written: urn:kg:file:data/articles.ttl, urn:kg:file:data/entities.ttl" in result.stdout


def test_per_request_timeout(repo, fake_store):
    store = fake_store(lambda graph, attempt: (204, 3))   # answers after 3 s
    started = time.monotonic()
    result = run_kg(["push", "--endpoint", store.url, "--graph", "urn:kg:void", "--timeout", "0.5",
                     "--retries", "1"])
    assert result.exit_code == 2
    assert "no answer before the timeout" in result.stdout
    assert time.monotonic() - started < 6
    assert len(store.requests) == 2


def test_credentials_are_sent_but_never_printed(repo, fake_store, monkeypatch):
    store = fake_store(lambda graph, attempt: (401, 0))
    url = store.url.replace("http://", "http://alice:Sup3r-S3cret@")
    result = run_kg(["push", "--endpoint", url, "--graph", "urn:kg:void"])
    assert result.exit_code == 2
    assert "Sup3r-S3cret" not in result.output and "alice:" not in result.output
    token = base64.b64encode(b"alice:Sup3r-S3cret").decode()
    assert token not in result.output
    # A 401 naming no scheme to a request without credentials: Basic once, then it stops.
    assert [r["auth"] for r in store.requests] == [None, f"Basic {token}"]
    # --user with the password in the environment.
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "an0ther-secret")
    ok = fake_store(lambda graph, attempt: (204, 0))
    result = run_kg(["push", "--endpoint", ok.url, "--graph", "urn:kg:void", "--user", "bob"])
    assert result.exit_code == 0, result.output
    assert "an0ther-secret" not in result.output
    assert ok.requests[0]["auth"] is None   # the server did not ask: the password was not sent
    monkeypatch.delenv("KG_ENDPOINT_PASSWORD")
    result = run_kg(["push", "--endpoint", ok.url, "--user", "bob"])
    assert_clean_error(result, 2, "KG_ENDPOINT_PASSWORD")
