"""No query makes kg connect anywhere: kg serve, kg query, kg check, and the workers' sandbox.

Each test runs a local TCP listener on 127.0.0.1; every connection attempt shows up in its
accept queue. Hostile queries aim SERVICE (and FROM) at it in every way SPARQL text can
hide a keyword; the listener must see nothing. The same listener shows that
``kg query --allow-service`` does connect, so the tests would notice a check that never fires.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from urllib.parse import urlencode

import pytest
from cli_helpers import ROOT, copy_data_dir, run_kg, run_subprocess
from serve_helpers import HOST, http, start_kg_serve

PATTERN = "{ ?a ?b ?c }"


def hostile_queries(port: int) -> list[str]:
    """At least 30 texts that would reach 127.0.0.1:port if an engine ran them unchecked."""
    t = f"http://{HOST}:{port}/sparql"
    u_iri = t.replace(":", "\\u003A", 1)  # http\u003A//... : a code-point escape inside the IRI
    return [
        f"SELECT * {{ SERVICE <{t}> {PATTERN} }}",
        f"select * {{ service <{t}> {PATTERN} }}",
        f"SELECT * {{ SeRvIcE SILENT <{t}> {PATTERN} }}",
        f"SELECT * {{ VALUES ?e {{ <{t}> }} SERVICE ?e {PATTERN} }}",
        f"SELECT * {{ BIND(<{t}> AS ?e) SERVICE SILENT ?e {PATTERN} }}",
        f"SELECT * {{ {{ SELECT * {{ SERVICE <{t}> {PATTERN} }} }} }}",
        f"SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE <{t}> {PATTERN} }} }} LIMIT 1",
        f"SELECT * {{ ?s ?p ?o MINUS {{ SERVICE <{t}> {PATTERN} }} }} LIMIT 1",
        f"SELECT * {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{t}> {PATTERN} }} }} LIMIT 1",
        f"SELECT * {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE SILENT <{t}> {PATTERN} }} }} LIMIT 1",
        f"SELECT * {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{t}> {PATTERN} }} }} LIMIT 1",
        f"SELECT * {{ GRAPH ?g {{ SERVICE <{t}> {PATTERN} }} }}",
        f"SELECT * {{ SERVICE <{t}> {{ SERVICE <{t}> {PATTERN} }} }}",
        f"CONSTRUCT {{ ?a ?b ?c }} WHERE {{ SERVICE <{t}> {PATTERN} }}",
        f"DESCRIBE ?a WHERE {{ SERVICE <{t}> {PATTERN} }}",
        f"ASK {{ SERVICE <{t}> {PATTERN} }}",
        # PN_LOCAL_ESC: an escaped '#', quote or double quote in a prefixed name
        f"PREFIX ex: <http://e/>\nSELECT * {{ ?s ex:a\\# ?o . SERVICE <{t}> {PATTERN} }}",
        f"PREFIX ex: <http://e/>\nSELECT * {{ ?s ex:a\\' ?o . SERVICE <{t}> {PATTERN} }} # '",
        f"PREFIX ex: <http://e/>\nSELECT * {{ ?s ex:b\\' ?o . ?s ex:c\\' ?o . SERVICE <{t}> {PATTERN} }}",
        f"PREFIX ex: <http://e/>\nSELECT * {{ ?s ex:q\\\" ?o . SERVICE <{t}> {PATTERN} }}",
        # code-point escapes: \u / \U in the keyword and in the IRI
        f"SELECT * {{ \\u0053ERVICE <{t}> {PATTERN} }}",
        f"SELECT * {{ \\U00000053ERVICE <{t}> {PATTERN} }}",
        f"SELECT * {{ SERV\\u0049CE SILENT <{t}> {PATTERN} }}",
        f"SELECT * {{ SERVICE <{u_iri}> {PATTERN} }}",
        # comments and strings of every quoting style before the keyword
        f"SELECT * {{ # a comment with a quote ' and a brace }}\n SERVICE <{t}> {PATTERN} }}",
        f"SELECT * {{ # a comment ending in a carriage return\r SERVICE <{t}> {PATTERN} }}",
        f"SELECT * {{ ?s ?p \"a\\\"b\" . SERVICE <{t}> {PATTERN} }}",
        f"SELECT * {{ ?s ?p 'a\\'b' . SERVICE <{t}> {PATTERN} }}",
        f"SELECT * {{ ?s ?p '''x ' '' y''' . SERVICE <{t}> {PATTERN} }}",
        f"SELECT * {{ ?s ?p \"\"\"x \" \"\" # y\"\"\" . SERVICE <{t}> {PATTERN} }}",
        f"SELECT * {{ ?s ?p <urn:x#y> . SERVICE <{t}> {PATTERN} }}",
        # no white space at all, tabs, the target as a prefixed name or a relative IRI
        f"SELECT*{{?s ?p ?o.SERVICE<{t}>{{?a ?b ?c}}}}",
        f"SELECT * {{ ?s ?p ?o FILTER(1)SERVICE<{t}>{PATTERN} }}",
        f"SELECT\t*\t{{\tSERVICE\t<{t}>\t{PATTERN}\t}}",
        f"PREFIX r: <http://{HOST}:{port}/>\nSELECT * {{ SERVICE r:sparql {PATTERN} }}",
        f"BASE <{t}>\nSELECT * {{ SERVICE <> {PATTERN} }}",
        # FROM / FROM NAMED of remote graphs
        f"SELECT * FROM <{t}> WHERE {{ ?s ?p ?o }} LIMIT 1",
        f"SELECT * FROM NAMED <{t}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1",
        f"ASK FROM <http://{HOST}:{port}/data.ttl> {{ ?s ?p ?o }}",
        f"PREFIX r: <http://{HOST}:{port}/>\nCONSTRUCT {{ ?s ?p ?o }} FROM r:g WHERE {{ ?s ?p ?o }}",
    ]


@pytest.fixture(scope="module")
def server(repo, kg_cache, tmp_path_factory):
    srv = start_kg_serve(tmp_path_factory.mktemp("serve-nonet"), kg_cache, "--timeout", "5", "--workers", "2")
    yield srv
    srv.stop()


def test_the_corpus_is_large_enough():
    assert len(set(hostile_queries(1))) >= 30


@pytest.mark.parametrize("how", ["GET", "form POST", "sparql-query POST"])
def test_kg_serve_runs_no_hostile_query(server, listener, how):
    port = listener.port
    statuses = {}
    for query in hostile_queries(port):
        accept = {"Accept": "application/sparql-results+json, text/turtle"}
        if how == "GET":
            status, _, body = http("GET", server.base + "/sparql?" + urlencode({"query": query}), headers=accept)
        elif how == "form POST":
            status, _, body = http("POST", server.base + "/sparql", data=urlencode({"query": query}).encode(),
                                   headers={**accept, "Content-Type": "application/x-www-form-urlencoded"})
        else:
            status, _, body = http("POST", server.base + "/sparql", data=query.encode("utf-8"),
                                   headers={**accept, "Content-Type": "application/sparql-query"})
        statuses[query] = status
        # Refused (403) or not parsable (400): never run.
        assert status in (400, 403), (query, status, body[:300])
    assert listener.connections() == 0
    refused = [q for q, s in statuses.items() if s == 403]
    assert len(refused) >= 30, {q: s for q, s in statuses.items() if s != 403}
    # The server still answers ordinary queries, and words inside strings are no keywords.
    status, _, body = http("GET", server.base + "/sparql?" + urlencode(
        {"query": 'ASK { FILTER("SERVICE <http://x/>" != "") }'}), headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and b"true" in body


def test_a_stored_query_with_service_is_refused_by_kg_query_and_kg_check(tmp_path, listener, repo):
    port = listener.port
    root = copy_data_dir(tmp_path / "kg")
    service = f"SERVICE <http://{HOST}:{port}/sparql> {{ ?a ?b ?c }}"
    (root / "queries" / "phone-home.rq").write_text(
        f"#+ title: Phone home\n#+ description: A stored query that would call out.\nSELECT * {{ {service} }}\n")
    (root / "queries" / "checks" / "phone-home-violation.rq").write_text(
        "#+ title: Phone home\n#+ problem: It calls out.\n#+ fix: None.\n"
        f"SELECT ?a WHERE {{ {service} }}\n")
    for engine in ("oxigraph", "rdflib"):
        result = run_kg(["--data-dir", root, "query", "phone-home", "--engine", engine])
        assert result.exit_code == 2, result.output
        assert "SERVICE" in result.output and "refused" in result.output
    result = run_kg(["--data-dir", root, "check"])
    assert result.exit_code == 1, result.output
    assert "phone-home-violation" in result.output and "refused" in result.output
    assert listener.connections() == 0


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_kg_query_refuses_service_and_remote_from(listener, repo, engine):
    port = listener.port
    for query in hostile_queries(port):
        result = run_kg(["query", "--engine", engine, "-e", query])
        if "FROM" in query and engine == "oxigraph" and "SERVICE" not in query:
            continue  # Oxigraph never fetches a FROM graph; the rdflib run covers FROM
        assert result.exit_code == 2, (query, result.output)
        assert "Traceback" not in result.output
    assert listener.connections() == 0
    result = run_kg(["query", "--engine", engine, "-e", f"SELECT * FROM <http://{HOST}:{port}/g> {{ ?s ?p ?o }}"])
    if engine == "rdflib":
        assert result.exit_code == 2 and "FROM <http" in result.output and "refused" in result.output
    assert listener.connections() == 0


def test_allow_service_does_connect(repo):
    """The listener would see a real federated query: the refusals above are the check's doing."""
    import threading

    seen, server = [], socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind((HOST, 0))
    server.listen(8)
    server.settimeout(0.2)
    done = threading.Event()

    def accept_and_hang_up():  # answer nothing: SERVICE SILENT then gives one empty solution
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except (socket.timeout, OSError):
                continue
            seen.append(conn.recv(100))
            conn.close()

    thread = threading.Thread(target=accept_and_hang_up, daemon=True)
    thread.start()
    try:
        port = server.getsockname()[1]
        result = run_kg(["query", "--allow-service", "-e",
                         f"SELECT * {{ SERVICE SILENT <http://{HOST}:{port}/sparql> {PATTERN} }}"])
    finally:
        done.set()
        thread.join(5)
        server.close()
    assert result.exit_code == 0, result.output
    assert len(seen) >= 1 and seen[0].startswith(b"POST")


SANDBOXED_SERVICE = textwrap.dedent("""
    import sys
    from kg.web.sandbox import isolate_network
    isolated, how = isolate_network()
    if not isolated:
        print("NOT-ISOLATED", how)
        sys.exit(0)
    import pyoxigraph as ox
    try:
        list(ox.Store().query("SELECT * { SERVICE <http://127.0.0.1:%s/sparql> { ?a ?b ?c } }"))
        print("RAN")
    except Exception as exc:
        print("FAILED", type(exc).__name__)
""")


def test_the_sandbox_alone_stops_a_service_call(listener):
    """Second wall: in the workers' network namespace even an unchecked SERVICE reaches nobody."""
    port = listener.port
    done = subprocess.run([sys.executable, "-c", SANDBOXED_SERVICE % port], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    if done.stdout.startswith("NOT-ISOLATED"):
        pytest.skip(f"network namespaces are not available here: {done.stdout.strip()}")
    assert done.stdout.startswith("FAILED"), done.stdout
    assert listener.connections() == 0


def test_kg_serve_says_whether_its_workers_are_isolated(server):
    log = server.log.read_text()
    assert "query workers run without a network" in log or "could not be cut off from the network" in log


SERVICE_SHAPE = """
mqmsh:PhoneHomeShape
    a sh:NodeShape ;
    sh:targetClass mqm:Report ;
    sh:sparql [
        a sh:SPARQLConstraint ;
        sh:message "calls out" ;
        sh:select \"\"\"SELECT $this WHERE { SERVICE <http://127.0.0.1:%d/sparql> { $this ?p ?o } }\"\"\"
    ] .
"""


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_a_shapes_file_with_service_connects_nowhere(tmp_path, listener, repo, engine):
    """Both validators refuse a SPARQL constraint with SERVICE (the fast one never translates it)."""
    port = listener.port
    root = copy_data_dir(tmp_path / "kg")
    shapes = root / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + SERVICE_SHAPE % port, encoding="utf-8")
    try:  # a subprocess: an engine that called out would wait on the silent listener for ever
        done = run_subprocess(["--data-dir", root, "validate"], env={"KG_ENGINE": engine}, timeout=240)
    except subprocess.TimeoutExpired:
        pytest.fail("kg validate hung: it connected to the listener and waited for an answer")
    output = (done.stdout + done.stderr).decode()
    assert done.returncode == 2, output
    assert "SERVICE" in output and "Traceback" not in output
    assert listener.connections() == 0
