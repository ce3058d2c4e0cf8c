"""OpenLink Virtuoso as a second store (issue 18): a scratch Virtuoso on 127.0.0.1 with its own
database, the reasoned KG loaded into it graph by graph through its Graph Store endpoint, and
every stored query run there with and without its example parameters.

Each query gives the same rows on Virtuoso as `kg query` on the embedded store (booleans
compared by value: Virtuoso writes false as "0"^^xsd:integer), or its header declares
`#+ unsupported: virtuoso | reason` and `kg query --endpoint` refuses to send it (exit 2).
Skipped, with the reason, where the Debian package virtuoso-opensource is not installed
(`.ci/run` installs it).
"""
import collections
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
import serve_helpers
from cli_helpers import ROOT, run_kg
from query_compare import example_bindings, variant_gives_the_base_rows, variant_values

from kg.store.remote import RemoteEndpoint, run_remote
from kg.errors import KGError
from kg.engine.fast.query import run_oxigraph
from kg.project.catalogue import catalogue, sort_lists

NO_VIRTUOSO = "Virtuoso is not installed (apt-get install virtuoso-opensource)"
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def virtuoso(repo, tmp_path_factory):
    if serve_helpers.virtuoso_binary() is None:
        pytest.skip(NO_VIRTUOSO)
    server = serve_helpers.start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def loaded(repo, virtuoso, settings):
    """The reasoned KG (every graph, asserted and inferred) in Virtuoso and in a local store."""
    from kg.ops.export import export

    data = export(repo, "nquads", inferred=True, settings=settings)
    local = ox.Store()
    local.load(data, format=ox.RdfFormat.N_QUADS)
    graphs = collections.defaultdict(list)
    for quad in ox.parse(data, format=ox.RdfFormat.N_QUADS):
        graphs[quad.graph_name.value].append(ox.Triple(quad.subject, quad.predicate, quad.object))
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, virtuoso.base, *serve_helpers.VIRTUOSO_USER)
    opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
    for graph, triples in graphs.items():
        url = f"{virtuoso.base}/sparql-graph-crud-auth?graph-uri={urllib.parse.quote(graph, safe='')}"
        request = urllib.request.Request(url, data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES),
                                         method="PUT", headers={"Content-Type": "application/n-triples"})
        with opener.open(request, timeout=120) as response:
            assert response.status in (200, 201, 204)
    return local, RemoteEndpoint(virtuoso.base + "/sparql"), len(graphs)


def _value_key(term) -> str:
    """A term as text, a boolean and the integer Virtuoso writes for it alike."""
    if term is None:
        return ""
    if isinstance(term, ox.Literal) and term.datatype.value in (XSD + "boolean", XSD + "integer") \
            and term.value in ("true", "false", "1", "0"):
        return "bool:" + str(term.value in ("true", "1"))
    return str(term)


def _rows(result):
    return sorted(tuple(_value_key(t) for t in row) for row in result.rows)


def test_every_stored_query_gives_the_same_rows_on_virtuoso_or_says_it_cannot(repo, loaded):
    local, endpoint, graphs = loaded
    assert graphs >= 8   # the files, the inferred graph, the dataset description
    compared, refused = [], []
    for query in catalogue(repo):
        if query.is_check:
            continue
        for everything in (False, True):
            terms = example_bindings(query, everything)
            expected = sort_lists(run_oxigraph(local, query.text, terms), query.lists)
            if expected.kind != "select":
                continue
            if "virtuoso" in query.unsupported:
                with pytest.raises(KGError, match="does not run on Virtuoso"):
                    run_remote(repo, query, {p: _raw(v) for p, v in terms.items()}, endpoint)
                refused.append(query.name)
                continue
            got = run_remote(repo, query, {p: _raw(v) for p, v in terms.items()}, endpoint)
            assert _rows(got) == _rows(expected), f"{query.name} ({'all' if everything else 'required'} params)"
            compared.append(query.name)
    assert len(set(compared)) >= 20, compared
    assert set(refused) <= {"diagram-lineage", "diagram-neighbourhood", "person-profile"}


def test_every_variant_gives_its_base_rows_on_virtuoso(repo, loaded):
    """queries/NAME+PARAM.rq and its base, both sent to Virtuoso, for the example and four other
    values of the parameter (about a second a call here; ten on pyoxigraph in
    test_query_variants.py): the same rows, in the same order of the ORDER BY columns."""
    local, endpoint, _ = loaded
    by_text = {}

    def run(text, terms):
        return run_remote(repo, by_text[text], {p: _raw(v) for p, v in terms.items()}, endpoint)

    rows = 0
    for base in catalogue(repo):
        for variant in base.variants:
            if "virtuoso" in base.unsupported:
                continue
            by_text.update({base.text: base, variant.text: variant})
            for term in variant_values(local, variant, 4):
                rows += variant_gives_the_base_rows(run, base, variant, {variant.when_bound: term},
                                                    (variant.name, term))
    assert rows > 30   # diagram-lineage, unsupported on Virtuoso, left out


def _raw(term) -> str:
    """A bound term back as the text a user gives --param."""
    if isinstance(term, ox.NamedNode):
        return term.value
    return term.value if isinstance(term, ox.Literal) else str(term)


def test_kg_query_endpoint_refuses_a_query_declared_unsupported_before_sending_it(repo, loaded, virtuoso):
    result = run_kg(["--data-dir", ROOT, "query", "person-profile", "--param", "entity=kg:psp",
                     "--endpoint", virtuoso.base + "/sparql"])
    assert result.exit_code == 2
    assert "does not run on Virtuoso" in result.stderr and "Stack Overflow" in result.stderr
    ok = run_kg(["--data-dir", ROOT, "query", "defections", "--param", "person=kg:sagheer-ahmed",
                 "--endpoint", virtuoso.base + "/sparql", "--format", "csv"])
    assert ok.exit_code == 0 and "sagheer-ahmed" in ok.stdout


def test_kg_push_answers_virtuosos_digest_challenge(repo, virtuoso, monkeypatch, settings):
    """`kg push` to the authenticated Graph Store (HTTP Digest): every graph written, pushing
    twice gives the same count; a wrong password names Digest and is not printed. Last in
    the module: it replaces the graphs the tests above loaded (blank nodes become skolem IRIs)."""
    from kg.ops.push import graph_payloads

    def count() -> int:
        result = run_remote(repo, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                                  "FILTER(STRSTARTS(STR(?g), 'urn:kg:')) }", {},
                            RemoteEndpoint(virtuoso.base + "/sparql"))
        return int(result.rows[0][0].value)

    user, password = serve_helpers.VIRTUOSO_USER
    endpoint = virtuoso.base + "/sparql-graph-crud-auth"
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "not-the-password")
    wrong = run_kg(["--data-dir", ROOT, "push", "--endpoint", endpoint, "--user", user, "--graph", "urn:kg:void"])
    assert wrong.exit_code == 2
    assert "the server asks for Digest authentication" in wrong.output and "not-the-password" not in wrong.output
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", password)
    payloads = graph_payloads(repo, inferred=True, settings=settings)
    for _ in range(2):
        result = run_kg(["--data-dir", ROOT, "push", "--endpoint", endpoint, "--user", user, "--inferred"])
        assert result.exit_code == 0, result.output
        assert count() == sum(n for n, _ in payloads.values())


def test_a_partial_anytime_answer_is_an_error_not_rows(repo):
    """Virtuoso answers a query that ran out of time with the rows found so far, HTTP 200 and
    an X-SQL-State header: kg reports it instead of printing incomplete rows as the answer."""
    import http.server
    import threading

    class Partial(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "uri", "value": "urn:x"}}]}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("X-SQL-State", "S1TAT")
            self.send_header("X-SQL-Message", "RC...: Returning incomplete results, query interrupted by result timeout.")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer((serve_helpers.HOST, 0), Partial)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = run_kg(["--data-dir", ROOT, "query", "-e", "SELECT ?x WHERE { ?x ?p ?o }", "--endpoint",
                         f"http://{serve_helpers.HOST}:{server.server_address[1]}/sparql"])
    finally:
        server.shutdown()
    assert result.exit_code == 2
    assert "partial answer" in result.stderr and "S1TAT" in result.stderr and "urn:x" not in result.stdout
