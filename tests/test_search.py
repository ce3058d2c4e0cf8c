"""kg search: full-text search (SQLite FTS5, bm25) over labels, summaries, quotes and notes."""
import json
import sqlite3
from urllib.parse import urlencode

import pytest
from cli_helpers import KG, run_kg
from serve_helpers import http, start_kg_serve

from kg.ops.search import fold_text, mark, query_words


def hits(*args):
    result = run_kg(["search", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_spelling_variants_fold_as_in_whois(repo):
    for spelling in ("Kaimkhani", "qaimkhani", "QAIMKHANI", "Qaimkhānī"):
        found = hits(spelling, "--kind", "foaf:Person")
        assert found and found[0]["node"] == "kg:anees-qaimkhani", (spelling, found[:2])
    assert fold_text("Anis Kaimkhani") == fold_text("Anees Qaimkhani")


def test_every_word_must_occur_and_the_match_is_marked(repo):
    found = hits("sagheer", "joined")
    assert found
    for hit in found:
        text = (hit["text"] + " " + (hit["quote"] or "")).lower()
        assert "[sagheer]" in text and "[joined]" in text, hit
    assert mark("Dr. Sagheer Ahmed joined", query_words("sagheer JOIN")) == "Dr. [Sagheer] Ahmed [joined]"


def test_filters_by_status_article_kind_and_speaker(repo):
    confirmed = hits("joined", "--status", "confirmed", "--limit", "50")
    assert confirmed and {h["status"] for h in confirmed} == {"mqm:status-confirmed"}
    in_001 = hits("joined", "--article", "article-001", "--limit", "50")
    assert in_001 and {h["article"] for h in in_001} == {"kg:article-001"}
    defections = hits("joined", "--kind", "Defection", "--limit", "50")
    # subclasses count: the inferred ConfirmedDefection is a Defection
    assert defections and all("Defection" in h["kind"] for h in defections)
    assert any(h["kind"] == "ConfirmedDefection" for h in defections)
    by_kamal = hits("kamal", "--speaker", "kg:mustafa-kamal", "--limit", "50")
    assert by_kamal and all(h["speaker"] for h in by_kamal)
    assert {h["node"] for h in by_kamal} >= {"kg:a001-contact-several-mqm-members"}


def test_one_hit_per_node_best_first(repo):
    found = hits("nine", "zero", "--limit", "50")
    nodes = [h["node"] for h in found]
    assert nodes[0] == "kg:nine-zero" and len(nodes) == len(set(nodes))
    assert [h["score"] for h in found] == sorted(h["score"] for h in found)


def test_text_output_and_no_match_exit_1(repo):
    result = run_kg(["search", "kaimkhani", "--limit", "2"])
    assert result.exit_code == 0 and result.output.startswith("1. kg:")
    assert "[Qaimkhani]" in result.output or "[Kaimkhani]" in result.output
    none = run_kg(["search", "zzzqqq"])
    assert none.exit_code == 1 and none.output == "No match.\n"


def test_the_index_lives_in_the_cache_entry_and_follows_the_data(data_copy, tmp_path, settings):
    from kg.store.cache import ensure_cache

    new = tmp_path / "new.ttl"
    new.write_text(
        f"@prefix kg: <{KG}> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
        "kg:zubair-qureshi-test a foaf:Person ; skos:prefLabel \"Zubair Qureshiwala\"@en .\n", encoding="utf-8")
    before = run_kg(["--data-dir", data_copy.root, "search", "qureshiwala"])
    assert before.exit_code == 1
    entry_before = ensure_cache(data_copy, settings=settings)
    assert (entry_before.path / "search.sqlite").is_file()
    (data_copy.root / "data" / "zz-new.ttl").write_text(new.read_text(), encoding="utf-8")
    result = run_kg(["--data-dir", data_copy.root, "search", "--format", "json", "Qureshiwala"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["node"] == "kg:zubair-qureshi-test"
    entry_after = ensure_cache(data_copy, settings=settings)
    assert entry_after.path != entry_before.path
    with sqlite3.connect(entry_after.path / "search.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM docs").fetchone()[0] > 500  # every label, summary, quote...
        assert db.execute("SELECT text FROM docs WHERE node = ?", (KG + "zubair-qureshi-test",)).fetchall() == \
            [("Zubair Qureshiwala",)]


# -- kg serve: /search and a search box on every page ---------------------------------

@pytest.fixture(scope="module")
def server(repo, kg_cache, tmp_path_factory):
    srv = start_kg_serve(tmp_path_factory.mktemp("serve-search"), kg_cache, "--workers", "1")
    yield srv
    srv.stop()


def test_serve_search_json_and_html(server):
    status, headers, body = http("GET", server.base + "/search?" + urlencode(
        {"q": "kaimkhani", "kind": "foaf:Person", "format": "json"}))
    assert status == 200 and headers["content-type"].startswith("application/json")
    found = json.loads(body)
    assert found[0]["node"] == "kg:anees-qaimkhani" and found[0]["iri"] == KG + "anees-qaimkhani"
    status, _headers, body = http("GET", server.base + "/search?q=sagheer+joined&status=confirmed")
    page = body.decode("utf-8")
    assert status == 200 and 'href="/id/a001-defection-sagheer-ahmed"' in page
    assert "<mark>Sagheer</mark>" in page and "<mark>joined</mark>" in page


def test_every_page_has_the_search_box_and_queries_are_escaped(server):
    for path in ("/", "/id/anees-qaimkhani", "/query/defections"):
        status, _headers, body = http("GET", server.base + path)
        assert status == 200 and b'action="/search"' in body, path
    status, _headers, body = http("GET", server.base + "/search?" + urlencode({"q": "<script>alert(1)</script>"}))
    assert status == 200 and b"<script>alert" not in body and b"&lt;script&gt;" in body
