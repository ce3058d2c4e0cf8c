"""`kg serve` as a real server in a subprocess, queried with SPARQLWrapper and raw HTTP.

Covers every result format (checked against the local engine's rows), the service
description, updates refused (403) on every route, SERVICE / remote FROM refused with a
local listener showing no connection was made, a pathological query stopped at the
timeout followed by a normal query, the row limit, 20 concurrent clients, malformed
requests, linked-data pages and content negotiation, and HTML escaping.
"""
from __future__ import annotations

import csv
import io
import json
import socket
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode

import pytest

from serve_helpers import HOST, http, start_kg_serve

SPARQLWrapper = pytest.importorskip("SPARQLWrapper", reason="SPARQLWrapper is a test dependency: pip install '.[test]'")

KG = "https://w3id.org/mqm-kg/id/"
TIMEOUT = 2.0
MAX_ROWS = 500
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SELECT = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX mqm: <https://w3id.org/mqm-kg/ontology#>
SELECT ?person ?label ?party WHERE { ?person mqm:defectedTo ?party ; skos:prefLabel ?label } ORDER BY ?label ?party"""
CONSTRUCT = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s a <http://xmlns.com/foaf/0.1/Person> ; skos:prefLabel ?l }"""


@pytest.fixture(scope="module")
def server(repo, kg_cache, tmp_path_factory):
    srv = start_kg_serve(tmp_path_factory.mktemp("serve"), kg_cache, "--timeout", str(TIMEOUT),
                         "--max-rows", str(MAX_ROWS), "--workers", "3")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def local(repo, settings):
    from kg.store.cache import open_store

    store = open_store(repo, settings=settings)

    def run(text):
        from kg.ops.query import run_query

        return run_query(repo, text, store=store)

    return run


def wrapper(server, query, fmt, method="GET"):
    from SPARQLWrapper import SPARQLWrapper as Wrapper

    sparql = Wrapper(server.base + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    sparql.setTimeout(30)
    return sparql.query()


def as_rows(result):
    return sorted(tuple(str(t) if t is not None else "" for t in row) for row in result.rows)


def test_select_in_every_result_format(server, local):
    from SPARQLWrapper import CSV, JSON, TSV, XML

    import pyoxigraph as ox

    expected = local(SELECT)
    assert expected.rows
    # SPARQL JSON, by GET and by POST (form-encoded).
    for method in ("GET", "POST"):
        response = wrapper(server, SELECT, JSON, method)
        assert response.response.headers["Content-Type"].startswith("application/sparql-results+json")
        doc = response.convert()
        assert doc["head"]["vars"] == ["person", "label", "party"]
        got = sorted((b["person"]["value"], b["label"]["value"], b["party"]["value"]) for b in doc["results"]["bindings"])
        assert got == sorted((r[0].value, r[1].value, r[2].value) for r in expected.rows)
        assert all(b["person"]["type"] == "uri" and b["label"].get("xml:lang") == "en" for b in doc["results"]["bindings"])
    # SPARQL XML, parsed by pyoxigraph's strict parser.
    body = wrapper(server, SELECT, XML).response.read()
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)
    assert as_rows(type("R", (), {"rows": [tuple(s[v] for v in ("person", "label", "party")) for s in parsed]})) == \
        as_rows(expected)
    # TSV: terms in Turtle syntax, parsed back by pyoxigraph.
    response = wrapper(server, SELECT, TSV)
    assert response.response.headers["Content-Type"].startswith("text/tab-separated-values")
    body = response.response.read()
    assert body.startswith(b"?person\t?label\t?party\n")
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
    assert sorted(tuple(str(s[v]) for v in ("person", "label", "party")) for s in parsed) == as_rows(expected)
    # CSV: RFC 4180 with CRLF, plain values (IRIs bare, literals as their lexical form).
    response = wrapper(server, SELECT, CSV)
    assert response.response.headers["Content-Type"].startswith("text/csv")
    body = response.response.read().decode("utf-8")
    assert body.startswith("person,label,party\r\n") and body.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert sorted(map(tuple, rows)) == sorted((r[0].value, r[1].value, r[2].value) for r in expected.rows)


def test_ask_and_graph_formats(server, local):
    from SPARQLWrapper import JSON, JSONLD, N3, RDFXML, TURTLE, XML

    import pyoxigraph as ox

    assert wrapper(server, "ASK { ?s ?p ?o }", JSON).convert() == {"head": {}, "boolean": True}
    body = wrapper(server, "ASK { <urn:x:nothing> ?p ?o }", XML).response.read()
    assert bool(ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)) is False

    expected = sorted(str(t) for t in local(CONSTRUCT).triples)
    assert expected
    for fmt, media, rdf_format in ((TURTLE, "text/turtle", ox.RdfFormat.TURTLE),
                                   (N3, "text/turtle", ox.RdfFormat.TURTLE),
                                   (JSONLD, "application/ld+json", ox.RdfFormat.JSON_LD),
                                   (RDFXML, "application/rdf+xml", ox.RdfFormat.RDF_XML)):
        response = wrapper(server, CONSTRUCT, fmt)
        assert response.response.headers["Content-Type"].startswith(media), fmt
        got = sorted(str(ox.Triple(q.subject, q.predicate, q.object))
                     for q in ox.parse(response.response.read(), format=rdf_format))
        assert got == expected, fmt
    status, headers, body = http("GET", server.base + "/sparql?" + urlencode({"query": CONSTRUCT}),
                                 headers={"Accept": "application/n-triples"})
    assert status == 200 and headers["content-type"].startswith("application/n-triples")
    assert sorted(str(ox.Triple(q.subject, q.predicate, q.object))
                  for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)) == expected
    # DESCRIBE works too (and through the sparql-query POST body).
    status, headers, body = http("POST", server.base + "/sparql", data=f"DESCRIBE <{KG}psp>".encode(),
                                 headers={"Content-Type": "application/sparql-query", "Accept": "text/turtle"})
    assert status == 200
    assert any(q.subject.value == KG + "psp" for q in ox.parse(body, format=ox.RdfFormat.TURTLE))


def test_406_for_formats_it_cannot_produce(server):
    for query, accept in ((SELECT, "image/png"), (SELECT, "text/turtle"), (CONSTRUCT, "text/csv"),
                          (CONSTRUCT, "application/sparql-results+json")):
        status, _, body = http("GET", server.base + "/sparql?" + urlencode({"query": query}),
                               headers={"Accept": accept})
        assert status == 406, (query, accept, body)


def test_service_description(server):
    import pyoxigraph as ox

    status, headers, body = http("GET", server.base + "/sparql", headers={"Accept": "text/turtle"})
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    store = ox.Store()
    store.load(body, format=ox.RdfFormat.TURTLE)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = ox.NamedNode(server.base + "/sparql")
    assert store.query(f"ASK {{ ?s a <{sd}Service> ; <{sd}endpoint> {endpoint} ; "
                       f"<{sd}supportedLanguage> <{sd}SPARQL11Query> }}")
    # Only what it really serves: no update language, no federation, no URI dereferencing.
    assert not store.query(f"ASK {{ ?s ?p <{sd}SPARQL11Update> }}")
    assert not store.query(f"ASK {{ ?s ?p <{sd}BasicFederatedQuery> }}")
    assert not store.query(f"ASK {{ ?s ?p <{sd}DereferencesURIs> }}")
    formats = {r["f"].value.rsplit("/", 1)[1] for r in store.query(f"SELECT ?f {{ ?s <{sd}resultFormat> ?f }}")}
    assert formats == {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                       "Turtle", "N-Triples", "JSON-LD", "RDF_XML"}
    graphs = {r["g"].value for r in store.query(f"SELECT ?g {{ ?d <{sd}namedGraph>/<{sd}name> ?g }}")}
    assert "urn:kg:inferred" in graphs and any(g.startswith("urn:kg:file:data/") for g in graphs)
    # Each advertised format is really produced.
    for media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values"):
        status, headers, _ = http("GET", server.base + "/sparql?" + urlencode({"query": SELECT}),
                                  headers={"Accept": media})
        assert status == 200 and headers["content-type"].startswith(media)
    for media in ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"):
        status, headers, _ = http("GET", server.base + "/sparql?" + urlencode({"query": CONSTRUCT}),
                                  headers={"Accept": media})
        assert status == 200 and headers["content-type"].startswith(media)
    # Other serialisations of the description itself, and an HTML form for a browser.
    status, headers, body = http("GET", server.base + "/sparql", headers={"Accept": "application/ld+json"})
    assert status == 200 and json.loads(body)
    status, headers, body = http("GET", server.base + "/sparql", headers={"Accept": "text/html"})
    assert status == 200 and b"<form" in body and b"SPARQL11Query" in body


def test_updates_are_refused_on_every_route(server):
    from SPARQLWrapper import JSON, POST

    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    before = wrapper(server, count, JSON).convert()["results"]["bindings"][0]["n"]["value"]
    update = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    with pytest.raises(urllib.error.HTTPError) as caught:
        wrapper(server, update, JSON, POST)  # SPARQLWrapper sends update=... form-encoded
    assert caught.value.code == 403
    attempts = [
        ("GET", "/sparql?" + urlencode({"update": update}), None, {}),
        ("POST", "/sparql", update.encode(), {"Content-Type": "application/sparql-update"}),
        ("POST", "/sparql", update.encode(), {"Content-Type": "application/sparql-query"}),
        ("POST", "/sparql", urlencode({"query": update}).encode(), {"Content-Type": "application/x-www-form-urlencoded"}),
        ("GET", "/sparql?" + urlencode({"query": "PREFIX x: <urn:x:> DELETE WHERE { ?s ?p ?o }"}), None, {}),
        ("GET", "/sparql?" + urlencode({"query": "LOAD <http://127.0.0.1:9/x.ttl>"}), None, {}),
        ("GET", "/sparql?" + urlencode({"query": "CLEAR ALL"}), None, {}),
        ("POST", "/update", urlencode({"update": update}).encode(), {"Content-Type": "application/x-www-form-urlencoded"}),
        ("PUT", "/store?graph=urn:x:g", b"<urn:x:a> <urn:x:b> <urn:x:c> .", {"Content-Type": "application/n-triples"}),
        ("DELETE", "/store?default", None, {}),
        ("PATCH", "/sparql", update.encode(), {"Content-Type": "application/sparql-update"}),
        ("POST", "/id/psp", b"x=1", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("PUT", "/id/psp", b"<urn:x:a> <urn:x:b> <urn:x:c> .", {"Content-Type": "text/turtle"}),
    ]
    for method, path, data, headers in attempts:
        status, _, body = http(method, server.base + path, data=data, headers=headers)
        assert status == 403, (method, path, status, body)
    after = wrapper(server, count, JSON).convert()["results"]["bindings"][0]["n"]["value"]
    assert after == before


def test_service_and_remote_from_are_refused_before_any_connection(server, listener, settings):
    port = listener.port
    target = f"http://{HOST}:{port}/sparql"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{target}> {{ ?s ?p ?o }} }}",
        f"PREFIX r: <http://{HOST}:{port}/>\nSELECT * WHERE {{ ?x ?y ?z . SeRvIcE r:sparql {{ ?s ?p ?o }} }} LIMIT 1",
        f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{target}> {{ ?s ?q ?v }} }} }} LIMIT 1",
        f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }} LIMIT 1",
        f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1",
        f"ASK FROM <http://{HOST}:{port}/data.ttl> {{ ?s ?p ?o }}",
    ]
    for query in queries:
        status, _, body = http("GET", server.base + "/sparql?" + urlencode({"query": query}),
                               headers={"Accept": "application/sparql-results+json"})
        assert status == 403, (query, status, body)
        assert b"refused" in body
    for params in ({"default-graph-uri": target}, {"named-graph-uri": target}):
        status, _, _ = http("GET", server.base + "/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }", **params}))
        assert status == 403
    assert listener.connections() == 0
    # The words inside strings, IRIs, prefixed names and variables are not keywords: not refused.
    harmless = ('SELECT ?service WHERE { BIND("SERVICE <http://x/>" AS ?service) '
                'FILTER (?service != <http://example.org/service>) }')
    status, _, _ = http("GET", server.base + "/sparql?" + urlencode({"query": harmless}))
    assert status == 200
    # FROM a graph of this dataset is fine, and restricts the dataset to it.
    status, _, body = http("GET", server.base + "/sparql?" + urlencode(
        {"query": "SELECT (COUNT(*) AS ?n) FROM <urn:kg:inferred> WHERE { ?s ?p ?o }"}),
        headers={"Accept": "text/csv"})
    assert status == 200
    from kg.store.cache import ensure_cache
    from kg.project.paths import DataDir
    from serve_helpers import ROOT

    assert int(body.decode().split()[1]) == ensure_cache(DataDir(ROOT), settings=settings).meta["inferred"]


def test_timeout_stops_a_pathological_query_and_the_next_one_works(server):
    from SPARQLWrapper import JSON

    started = time.monotonic()
    status, headers, body = http("GET", server.base + "/sparql?" + urlencode({"query": PATHOLOGICAL}),
                                 headers={"Accept": "application/sparql-results+json"})
    elapsed = time.monotonic() - started
    assert status == 503, body
    assert b"time limit" in body
    assert TIMEOUT <= elapsed < TIMEOUT + 8
    started = time.monotonic()
    doc = wrapper(server, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", JSON).convert()
    assert int(doc["results"]["bindings"][0]["n"]["value"]) > 1000
    assert time.monotonic() - started < TIMEOUT
    # Several at once: every worker killed and replaced, and the server still answers.
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: http("GET", server.base + "/sparql?" + urlencode({"query": PATHOLOGICAL}))[0],
                                 range(4)))
    assert set(statuses) == {503}
    assert wrapper(server, "ASK { ?s ?p ?o }", JSON).convert()["boolean"] is True


def test_row_limit_truncates_and_says_so(server):
    status, headers, body = http("GET", server.base + "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"}),
                                 headers={"Accept": "application/sparql-results+json"})
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == MAX_ROWS
    assert headers["kg-result-truncated"].startswith("true")
    assert "truncated" in headers["warning"]
    status, headers, body = http("GET", server.base + "/sparql?" + urlencode({"query": SELECT}),
                                 headers={"Accept": "application/sparql-results+json"})
    assert "kg-result-truncated" not in headers
    status, headers, body = http("GET", server.base + "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"}),
                                 headers={"Accept": "text/html"})
    assert status == 200 and b"truncated" in body


def test_twenty_concurrent_clients(server, local):
    from SPARQLWrapper import JSON

    people = ["sagheer-ahmed", "anees-qaimkhani", "mustafa-kamal", "raza-haroon", "waseem-aftab"]
    template = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }} "
                "ORDER BY ?p ?o")
    expected = {p: as_rows(local(template.format(iri=KG + p))) for p in people}

    def client(i):
        person = people[i % len(people)]
        if i % 4 == 3:
            status, _, body = http("GET", f"{server.base}/id/{person}", headers={"Accept": "text/html"})
            return person, ("page", status, b"<h1>" in body)
        doc = wrapper(server, template.format(iri=KG + person), JSON).convert()
        rows = sorted(tuple(str(_term(b.get(v))) for v in ("p", "o")) for b in doc["results"]["bindings"])
        return person, ("rows", rows)

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(client, range(40)))
    for person, outcome in results:
        if outcome[0] == "page":
            assert outcome[1:] == (200, True)
        else:
            assert outcome[1] == expected[person]


def _term(binding):
    import pyoxigraph as ox

    if binding["type"] == "uri":
        return ox.NamedNode(binding["value"])
    if "xml:lang" in binding:
        return ox.Literal(binding["value"], language=binding["xml:lang"])
    if "datatype" in binding:
        return ox.Literal(binding["value"], datatype=ox.NamedNode(binding["datatype"]))
    return ox.Literal(binding["value"])


def _raw(server, payload: bytes) -> bytes:
    with socket.create_connection((HOST, server.port), timeout=10) as sock:
        sock.sendall(payload)
        chunks = []
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def test_malformed_requests_do_not_hurt_the_server(server):
    bad = [
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET /sparql HTTP/9.9\r\n\r\n",
        b"GET /sparql?query=%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /%00%ff HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n\r\n",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nContent-Type: application/sparql-query\r\n\r\n",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\nContent-Type: application/sparql-query\r\n\r\n",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Type: application/sparql-query\r\n\r\n\xff\xfe\xfd\xfc",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
        b"GET /sparql?query=SELECT%20*%20WHERE%20%7B HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /sparql?query=a&query=b HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /id/ HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /id/%3Cscript%3E HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /resource?iri=not%20an%20iri HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /static/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /query/..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 70000 + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,   # a TLS ClientHello
    ]
    for payload in bad:
        answer = _raw(server, payload)
        if answer:
            status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 400
            assert 400 <= status < 500, (payload[:60], answer[:200])
        assert b"Traceback" not in answer
    # A client that connects and says nothing, then goes away.
    sock = socket.create_connection((HOST, server.port), timeout=5)
    sock.close()
    status, _, body = http("GET", server.base + "/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"}),
                           headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and json.loads(body)["boolean"] is True
    assert server.proc.poll() is None


def test_syntax_error_is_a_clear_400(server):
    status, _, body = http("GET", server.base + "/sparql?" + urlencode({"query": "SELECT ?x WHERE { ?x ?y }"}))
    assert status == 400 and b"syntax error" in body.lower()


# ---------------------------------------------------------------------------
# Linked data
# ---------------------------------------------------------------------------

def test_entity_page_html(server):
    status, headers, body = http("GET", server.base + "/id/sagheer-ahmed",
                                 headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert status == 200 and headers["content-type"].startswith("text/html")
    page = body.decode("utf-8")
    assert "<h1>Sagheer Ahmed</h1>" in page
    assert "Dr Sagheer" in page                                   # alias
    assert "foaf:Person" in page                                  # type
    for section in ("Memberships", "Defections", "What the articles say"):
        assert section in page, section
    assert 'class="status status-confirmed"' in page              # epistemic status
    assert "Article 004" in page                                  # article
    assert "five more former leaders of MQM" in page              # quote
    assert 'href="/id/mqm"' in page and 'href="/id/kamal-group"' in page   # related entities
    assert headers.get("content-security-policy")
    # The related entity's page is served too.
    status, _, body = http("GET", server.base + "/id/mqm", headers={"Accept": "text/html"})
    assert status == 200 and b"Muttahida Qaumi Movement" in body
    # Posts appear for someone who held one.
    status, _, body = http("GET", server.base + "/id/anees-qaimkhani", headers={"Accept": "text/html"})
    assert status == 200 and b"<h2>Posts</h2>" in body and b"convener" in body


@pytest.mark.parametrize("how", ["accept", "suffix"])
def test_entity_description_as_rdf(server, how):
    import pyoxigraph as ox

    cases = (("text/turtle", ".ttl", ox.RdfFormat.TURTLE), ("application/ld+json", ".jsonld", ox.RdfFormat.JSON_LD),
             ("application/n-triples", ".nt", ox.RdfFormat.N_TRIPLES))
    for media, suffix, rdf_format in cases:
        if how == "accept":
            status, headers, body = http("GET", server.base + "/id/sagheer-ahmed", headers={"Accept": media})
            assert "Accept" in headers.get("vary", "")
        else:
            status, headers, body = http("GET", server.base + "/id/sagheer-ahmed" + suffix)
        assert status == 200 and headers["content-type"].startswith(media), (media, how)
        triples = {(q.subject.value, q.predicate.value, str(q.object)) for q in ox.parse(body, format=rdf_format)}
        assert (KG + "sagheer-ahmed", "http://www.w3.org/2004/02/skos/core#prefLabel", '"Sagheer Ahmed"@en') in triples
        assert any(p == "https://w3id.org/mqm-kg/ontology#defector" and o == f"<{KG}sagheer-ahmed>"
                   for _, p, o in triples)


def test_entity_negotiation_errors(server):
    assert http("GET", server.base + "/id/sagheer-ahmed", headers={"Accept": "image/png"})[0] == 406
    assert http("GET", server.base + "/id/no-such-entity")[0] == 404
    assert http("GET", server.base + "/id/no-such-entity.ttl")[0] == 404
    status, _, body = http("GET", server.base + "/resource?" + urlencode({"iri": "https://w3id.org/mqm-kg/ontology#Defection"}),
                           headers={"Accept": "text/html"})
    assert status == 200 and b"Instances" in body


def test_home_page_and_stored_queries_from_the_browser(server, repo):
    from kg.project.catalogue import catalogue

    status, _, body = http("GET", server.base + "/", headers={"Accept": "text/html"})
    page = body.decode("utf-8")
    assert status == 200
    assert "Classes" in page and "mqm:Defection" in page
    assert 'href="/id/mustafa-kamal"' in page and 'href="/id/psp"' in page
    for query in catalogue(repo):
        assert f'action="/query/{query.name}"' in page, query.name
        for param in query.params:
            assert f'name="{param.name}"' in page
    status, _, body = http("GET", server.base + "/query/defections?" + urlencode({"person": "kg:sagheer-ahmed", "status": ""}),
                           headers={"Accept": "text/html"})
    assert status == 200 and b"<table" in body and b"Sagheer Ahmed" in body and b"Mustafa Kamal" in body
    status, headers, body = http("GET", server.base + "/query/members-of?" + urlencode(
        {"organisation": "kg:mqm", "onDate": "2013-06-01", "format": "csv"}))
    assert status == 200 and headers["content-type"].startswith("text/csv") and body.startswith(b"person,")
    status, _, body = http("GET", server.base + "/query/members-of?" + urlencode({"onDate": "yesterday"}),
                           headers={"Accept": "text/html"})
    assert status == 400 and b"onDate" in body
    assert http("GET", server.base + "/query/no-such-query")[0] == 404


def test_everything_is_escaped(server):
    evil = '<script>alert("x")</script>'
    query = f'SELECT ?x WHERE {{ BIND({json.dumps(evil)} AS ?x) }}'
    status, _, body = http("GET", server.base + "/sparql?" + urlencode({"query": query}), headers={"Accept": "text/html"})
    assert status == 200
    assert b"<script>" not in body and b"&lt;script&gt;" in body
    status, _, body = http("GET", server.base + "/resource?" + urlencode({"iri": "urn:x:<script>"}),
                           headers={"Accept": "text/html"})
    assert b"<script>" not in body
    status, _, body = http("GET", server.base + "/query/defections?" + urlencode({"person": evil}),
                           headers={"Accept": "text/html"})
    assert status == 400 and b"<script>" not in body
    status, _, body = http("GET", server.base + "/id/" + quote('"><script>x</script>'), headers={"Accept": "text/html"})
    assert b"<script>" not in body


def test_stored_query_route_never_reads_a_file(server, tmp_path):
    secret = tmp_path / "secret.rq"
    secret.write_text("# TOPSECRET\nSELECT * WHERE { ?s ?p ?o } LIMIT 1\n")
    for name in (str(secret), "../../" + str(secret), "defections.rq"):
        status, _, body = http("GET", server.base + "/query/" + quote(name, safe=""), headers={"Accept": "text/html"})
        assert status == 404 and b"TOPSECRET" not in body, name


# ---------------------------------------------------------------------------
# The pieces, without a server
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, form, update, service", [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT", False, False),
    ("PREFIX a: <urn:a:>\nBASE <http://x/>\n# SERVICE in a comment\nASK { ?s a:p 'SERVICE' }", "ASK", False, False),
    ("construct { ?s ?p ?o } where { ?s ?p ?o }", "CONSTRUCT", False, False),
    ("DESCRIBE <http://example.org/service>", "DESCRIBE", False, False),
    ('SELECT ?service WHERE { ?service ex:SERVICE """SERVICE <http://x/>""" }', "SELECT", False, False),
    ("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", "SELECT", False, True),
    ("SELECT * {?s ?p ?o.SERVICE<http://x/>{?s ?p ?o}}", "SELECT", False, True),
    ("SELECT * { ?a ?b ?c FILTER(?c<3) SERVICE ?endpoint { ?s ?p ?o } }", "SELECT", False, True),
    ("INSERT DATA { <a:b> <a:c> <a:d> }", None, True, False),
    ("PREFIX x: <urn:x:> WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", None, True, False),
    ("  load <http://x/data.ttl>", None, True, False),
])
def test_guard_inspects_queries(text, form, update, service):
    from kg.rdf.sparql import inspect

    found = inspect(text)
    assert (found.form, found.is_update, bool(found.service_targets)) == (form, update, service)


def test_guard_resolves_from_graphs():
    from kg.web.guard import Refused, check_query

    allowed = ["urn:kg:inferred", "urn:kg:file:data/entities.ttl"]
    check_query("SELECT * FROM <urn:kg:inferred> FROM NAMED <urn:kg:file:data/entities.ttl> { ?s ?p ?o }", allowed)
    check_query("PREFIX g: <urn:kg:>\nSELECT * FROM g:inferred { ?s ?p ?o }", allowed)
    for bad in ("SELECT * FROM <http://127.0.0.1/x.ttl> { ?s ?p ?o }", "SELECT * FROM NAMED <file:///etc/passwd> { }",
                "BASE <http://evil/>\nSELECT * FROM <x.ttl> { }"):
        with pytest.raises(Refused):
            check_query(bad, allowed)
    from kg.errors import QuerySyntaxError

    with pytest.raises(QuerySyntaxError, match="unknown prefix"):
        check_query("SELECT * FROM unknown:thing { }", allowed)


def test_content_negotiation():
    from kg.web.negotiate import GRAPH_FORMATS, SOLUTION_FORMATS, choose

    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert choose(SOLUTION_FORMATS, browser).key == "html"
    assert choose(GRAPH_FORMATS, browser, html_default=True).key == "html"
    assert choose(SOLUTION_FORMATS, None).key == "json"
    assert choose(SOLUTION_FORMATS, "*/*").key == "json"
    assert choose(GRAPH_FORMATS, "*/*").key == "turtle"
    assert choose(SOLUTION_FORMATS, "text/csv;q=0.5, text/tab-separated-values").key == "tsv"
    assert choose(SOLUTION_FORMATS, "application/sparql-results+xml;q=0.9, application/json").key == "json"
    assert choose(SOLUTION_FORMATS, "text/*").media_type.endswith(("xml", "csv"))   # never HTML for text/*
    assert choose(SOLUTION_FORMATS, "image/png") is None
    assert choose(SOLUTION_FORMATS, "application/json;q=0") is None
    assert choose(GRAPH_FORMATS, "application/ld+json").key == "jsonld"
    assert choose(SOLUTION_FORMATS, "image/png", "csv").key == "csv"           # format= wins
    assert choose(SOLUTION_FORMATS, "text/csv", "n3").key == "csv"             # unknown format= ignored
    assert choose(SOLUTION_FORMATS, "garbage;;;, ,q=x").key == "json"          # unparsable: as */*
