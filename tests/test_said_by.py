"""Who said what: the stored query said-by and kg whois's "What they said" section, for people,
outlets and anonymous sources."""
import json

import pytest
from cli_helpers import KG, run_kg

PROV = "http://www.w3.org/ns/prov#"
MQM = "https://w3id.org/mqm-kg/ontology#"


def said_by(speaker, engine="oxigraph"):
    result = run_kg(["query", "said-by", "--engine", engine, "--param", f"speaker={speaker}", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["results"]["bindings"]


@pytest.mark.parametrize("speaker", ["the-nation", "mustafa-kamal", "src-a003-rabita-source", "src-a000-apml-sources"])
def test_said_by_lists_every_report_of_the_speaker_once_per_fact(repo, speaker, settings):
    from kg.store.cache import open_store

    store = open_store(repo, settings=settings)
    expected = {(r["r"].value, r["f"].value if r["f"] is not None else None) for r in store.query(
        f"SELECT ?r ?f WHERE {{ ?r <{PROV}wasAttributedTo> <{KG}{speaker}> . "
        f"OPTIONAL {{ ?f <{MQM}reportedIn> ?r ; <{MQM}summary> ?s ; <{MQM}epistemicStatus> ?st }} }}",
        use_default_graph_as_union=True)}
    for engine in ("oxigraph", "rdflib"):
        rows = said_by(f"kg:{speaker}", engine)
        pairs = [(r["report"]["value"], r["fact"]["value"] if "fact" in r else None) for r in rows]
        assert len(pairs) == len(set(pairs)), "one row per report and fact"
        assert set(pairs) == expected and len(expected) > 0
        assert all(r["factType"]["value"].startswith(MQM) for r in rows if "fact" in r)
        assert not any(r["factType"]["value"].endswith(("#ClaimedFact", "#ConfirmedFact")) for r in rows if "fact" in r)


def test_whois_says_what_an_anonymous_source_said(repo):
    result = run_kg(["whois", "sources in the APML"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Sources in the APML  (kg:src-a000-apml-sources)")
    said = result.output.split("\nWhat they said\n", 1)[1]
    assert "Sources in the APML informed The Nation that Gen.(Retd) Pervez Musharraf was optimistic" in said


def test_whois_of_an_outlet_lists_its_reports(repo):
    result = run_kg(["whois", "The Nation", "--format", "json"])
    said = json.loads(result.stdout)["said"]
    assert len(said) == len(said_by("kg:the-nation")) >= 10
    assert {s["article"] for s in said} >= {"kg:article-000"}


@pytest.fixture(scope="module")
def server(repo, kg_cache, tmp_path_factory):
    from serve_helpers import start_kg_serve

    srv = start_kg_serve(tmp_path_factory.mktemp("serve-said"), kg_cache, "--workers", "1")
    yield srv
    srv.stop()


def test_entity_pages_show_what_they_said_and_outlets_count_their_facts(server):
    from serve_helpers import http

    status, _headers, body = http("GET", server.base + "/id/the-nation")
    page = body.decode("utf-8")
    assert status == 200 and f'<h2>What they said ({len(said_by("kg:the-nation"))} statements)</h2>' in page
    status, _headers, body = http("GET", server.base + "/")
    home = body.decode("utf-8")
    assert ">The Nation</a> <small>(0 facts)" not in home and ">The Nation</a> <small>(" in home


def test_entity_page_lists_who_not_to_confuse_them_with(server):
    from serve_helpers import http

    status, _headers, body = http("GET", server.base + "/id/anees-advocate")
    page = body.decode("utf-8")
    assert status == 200 and "<h2>Not to be confused with</h2>" in page
    section = page.split("<h2>Not to be confused with</h2>", 1)[1].split("</section>", 1)[0]
    assert "/id/anees-qaimkhani" in section and "Anees Qaimkhani" in section and "Both are" in section
    status, _headers, body = http("GET", server.base + "/id/psp")
    assert "Not to be confused with" not in body.decode("utf-8")
