"""Store backends: the persistent pyoxigraph store (`kg --store PATH`) gives the same answers
as the in-memory reference engine and the embedded default for every stored query, is
updated graph by graph, and refuses to write into a foreign directory; remote-endpoint
helpers bind parameters as RDF terms and never leak credentials."""
from __future__ import annotations

import json
import os

import pytest
from cli_helpers import assert_clean_error, run_kg
from query_compare import result_rows

KG = "https://w3id.org/mqm-kg/id/"


def _param_sets(query):
    """Required parameters with their examples; then every parameter with its example."""
    required = {p.name: p.example for p in query.params if p.required}
    full = {p.name: p.example for p in query.params}
    return [required] if full == required else [required, full]


@pytest.fixture(scope="module")
def persistent(repo, tmp_path_factory, settings):
    from kg.store.persistent import open_persistent
    from kg.store.cache import ensure_cache

    path = tmp_path_factory.mktemp("store") / "kg-store"
    entry = ensure_cache(repo, settings=settings)
    return path, open_persistent(entry, path), entry


def test_every_stored_query_gives_the_same_rows_on_the_persistent_store(repo, persistent, settings):
    from kg.store.cache import open_store
    from kg.ops.query import run_query
    from kg.project.catalogue import catalogue

    _, store, _ = persistent
    default = open_store(repo, settings=settings)
    checked = 0
    for query in catalogue(repo):
        for params in _param_sets(query):
            on_disk = result_rows(run_query(repo, query, params, store=store))
            assert on_disk == result_rows(run_query(repo, query, params, engine="rdflib", settings=settings)), \
                (query.name, params)
            assert on_disk == result_rows(run_query(repo, query, params, store=default)), (query.name, params)
            checked += 1
    assert checked >= len(catalogue(repo))


def test_the_persistent_store_holds_exactly_the_reasoned_dataset(repo, persistent):
    import pyoxigraph as ox

    from kg.store.cache import ensure_cache

    _, store, entry = persistent   # the entry the store was synced from (the data may change meanwhile)
    cached = [q for q in ox.parse(path=str(entry.nquads), format=ox.RdfFormat.N_QUADS)]

    def key(q):  # blank-node labels are the store's own; everything else must match exactly
        return tuple("_:" if isinstance(t, ox.BlankNode) else str(t)
                     for t in (q.subject, q.predicate, q.object, q.graph_name))

    assert sorted(map(key, store)) == sorted(map(key, cached))
    meta = entry.meta
    assert len(list(store.quads_for_pattern(None, None, None, ox.NamedNode("urn:kg:inferred")))) == meta["inferred"]


def test_cli_commands_run_against_the_store(repo, persistent, tmp_path):
    from kg.project.catalogue import catalogue

    path, _, _ = persistent
    for query in catalogue(repo):
        args = ["query", query.name, "--format", "json"]
        for name, value in _param_sets(query)[-1].items():
            args += ["--param", f"{name}={value}"]
        default = run_kg(args)
        stored = run_kg(["--store", path, *args])
        assert stored.exit_code == 0, stored.output
        assert json.loads(stored.stdout) == json.loads(default.stdout), query.name
    for args in (["whois", "Kaimkhani"], ["timeline", "--about", "Mustafa Kamal"], ["stats", "--format", "json"],
                 ["check", "--format", "json"]):
        default, stored = run_kg(args), run_kg(["--store", path, *args])
        assert (stored.exit_code, stored.stdout) == (default.exit_code, default.stdout), args
    assert os.environ.get("KG_STORE") is None          # the option does not leak past the command
    # $KG_STORE works like --store.
    result = run_kg(["query", "defections", "--format", "csv"], env={"KG_STORE": str(path)})
    assert result.exit_code == 0 and "sagheer-ahmed" in result.stdout


def test_the_store_is_updated_graph_by_graph(data_copy, tmp_path, settings):
    from kg.store.persistent import STORE_META, sync_store
    from kg.store.cache import ensure_cache
    from kg.ops.query import run_query

    path = tmp_path / "store"
    first = sync_store(ensure_cache(data_copy, settings=settings), path)
    assert first.replaced and not first.dropped and not first.unchanged
    again = sync_store(ensure_cache(data_copy, settings=settings), path)
    assert not again.changed
    # Add one fact-free entity to one data file: that graph and the inferred graph change, nothing else.
    entities = data_copy.data_dir / "entities.ttl"
    entities.write_text(entities.read_text(encoding="utf-8") +
                        '\nkg:test-person a foaf:Person ; skos:prefLabel "Test Person"@en .\n', encoding="utf-8")
    entry = ensure_cache(data_copy, settings=settings)
    update = sync_store(entry, path)
    assert update.replaced == ["urn:kg:file:data/entities.ttl", "urn:kg:inferred"]
    assert "urn:kg:file:data/article-004.ttl" in update.unchanged and not update.dropped
    assert json.loads((path / STORE_META).read_text())["key"] == entry.path.name
    from kg.store.persistent import open_persistent

    store = open_persistent(entry, path)
    rows = run_query(data_copy, "SELECT ?l WHERE { kg:test-person skos:prefLabel ?l }", store=store).rows
    assert [r[0].value for r in rows] == ["Test Person"]
    # A removed file's graph is dropped.
    del store
    (data_copy.data_dir / "articles.ttl").unlink()
    update = sync_store(ensure_cache(data_copy, settings=settings), path)
    assert update.dropped == ["urn:kg:file:data/articles.ttl"]


def test_the_store_refuses_a_foreign_directory(repo, tmp_path):
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff\xd8")
    result = run_kg(["--store", foreign, "query", "defections"])
    assert_clean_error(result, 2, "not a kg store")
    assert sorted(p.name for p in foreign.iterdir()) == ["holiday.jpg"]
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert run_kg(["--store", a_file, "query", "defections"]).exit_code == 2


# ---------------------------------------------------------------------------
# Remote endpoints: binding and credentials (the real server is in test_push.py)
# ---------------------------------------------------------------------------

def test_credentials_are_split_from_the_url_and_redacted():
    from kg.store.http_auth import redact, scrub, split_credentials
    from kg.errors import EndpointError

    url, creds = split_credentials("https://alice:s3cr%40t@example.org:8443/ds/sparql?x=1")
    assert url == "https://example.org:8443/ds/sparql?x=1"
    assert (creds.user, creds.password) == ("alice", "s3cr@t")
    assert redact("https://alice:s3cret@example.org/sparql") == "https://***@example.org/sparql"
    assert "s3cr@t" not in scrub("failed with s3cr@t and " + creds.header(), creds)
    assert split_credentials("http://example.org/sparql")[1] is None
    with pytest.raises(EndpointError):
        split_credentials("ftp://example.org/")
    with pytest.raises(EndpointError, match="KG_TEST_PASSWORD"):
        split_credentials("http://example.org/", user="bob", password_env="KG_TEST_PASSWORD")
    assert split_credentials("http://example.org/", user="bob", password="hunter2",
                             password_env="KG_TEST_PASSWORD")[1].password == "hunter2"


def test_remote_query_text_binds_values_as_terms(repo):
    import pyoxigraph as ox

    from kg.store.remote import RemoteEndpoint
    from kg.project.catalogue import bind, get_query

    query = get_query(repo, "members-of")
    terms = bind(query, {"organisation": "kg:mqm", "onDate": "2013-06-01"})
    text = RemoteEndpoint("http://127.0.0.1:1/sparql").query_text(query.text, terms)
    assert f'VALUES (?onDate ?organisation) {{ ("2013-06-01"^^<http://www.w3.org/2001/XMLSchema#date> <{KG}mqm>) }}' in text
    assert text.startswith("PREFIX ")
    ox.Store().query(text)  # valid SPARQL
    # A hostile string stays one literal.
    query = get_query(repo, "aliases")
    evil = bind(query, {"entity": "kg:x"})
    evil["entity"] = ox.Literal('x" } } INSERT DATA { <a:b> <a:c> <a:d> } #')
    sparql = RemoteEndpoint("http://127.0.0.1:1/sparql").query_text(query.text, evil)
    ox.Store().query(sparql)


def test_query_endpoint_errors_are_clean_and_never_show_the_password(repo):
    from serve_helpers import free_port

    port = free_port()  # nothing listens there
    result = run_kg(["query", "defections", "--endpoint", f"http://bob:topsecret@127.0.0.1:{port}/sparql"])
    assert_clean_error(result, 2, "connection refused")
    assert "topsecret" not in result.output
    result = run_kg(["query", "defections", "--endpoint", "not a url"])
    assert_clean_error(result, 2, "http")


def test_kg_serve_runs_on_the_persistent_store(repo, kg_cache, persistent, tmp_path, settings):
    from urllib.parse import urlencode

    from kg.ops.query import run_query
    from kg.project.catalogue import get_query
    from serve_helpers import http, start_kg_serve

    path, _, _ = persistent
    server = start_kg_serve(tmp_path, kg_cache, "--workers", "1", env={"KG_STORE": str(path)})
    try:
        assert str(path / "oxigraph") in server.log.read_text()
        query = get_query(repo, "splinters")
        status, _, body = http("GET", server.base + "/query/splinters?" + urlencode({"root": "kg:mqm", "format": "json"}))
        assert status == 200
        got = sorted(tuple(sorted((k, v["value"]) for k, v in b.items())) for b in json.loads(body)["results"]["bindings"])
        local = run_query(repo, query, {"root": "kg:mqm"}, settings=settings)
        expected = sorted(tuple(sorted((k, t.value) for k, t in row.items() if t is not None)) for row in local.dicts())
        assert got == expected
    finally:
        server.stop()
