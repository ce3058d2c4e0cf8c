"""The analyst's desk (issue 17): one row per fact, dates at their precision, tables that do
not cut text, article records, reported numbers and a generic facts query, read on the
article KG as a user sees them (`kg query ... --format csv`, the table on a terminal)."""
import csv
import io
import re

import pyoxigraph as ox
import pytest
from cli_helpers import KG, MQM, ROOT, run_kg

from kg.engine.fast.query import run_oxigraph
from kg.project.catalogue import LIST_SEPARATOR, parse_query_file, sort_lists

#: Stored queries that list facts -> the columns that name one row (the fact and its article).
FACT_LISTINGS = {
    "talks": ("talks", "article"),
    "meetings": ("event", "article"),
    "defections": ("defection", "article"),
    "allegations": ("allegation", "accused", "allegedBy", "article"),
    "denials": ("denial", "claim", "deniedByLabel", "denialArticle", "claimArticle"),
    "anonymous-claims": ("fact", "source", "article"),
    "suspected-defectors": ("rumour", "article", "deniedBy", "confirmedIn"),
    "timeline": ("fact", "date", "article"),
    "facts": ("fact", "factType", "article"),
    "counts": ("fact", "article"),
    "joined-party": ("person", "joined", "origin", "date", "article"),
    "members-of": ("person", "unit", "role", "post", "start", "end", "during", "status", "article"),
    "posts-held": ("person", "role", "organisation", "post", "start", "end", "during", "status", "article"),
    "contradictions": ("fact", "otherFact", "article", "otherArticle"),
}
#: Example parameters of the listings that need one.
REQUIRED = {"joined-party": ["party=kg:psp"], "members-of": ["organisation=kg:mqm"]}


def rows(name, *params, fmt="csv"):
    args = ["--data-dir", ROOT, "query", name, "--format", fmt]
    for param in params:
        args += ["--param", param]
    result = run_kg(args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def split(cell):
    return cell.split(LIST_SEPARATOR) if cell else []


@pytest.mark.parametrize("name", sorted(FACT_LISTINGS))
def test_fact_listings_give_one_row_per_fact(repo, name):
    found = rows(name, *REQUIRED.get(name, []))
    assert found, name
    keys = [tuple(row[c] for c in FACT_LISTINGS[name]) for row in found]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicated, f"{name}: several rows for {duplicated[:3]}"


def test_one_unification_effort_is_one_row_with_its_participants_conditions_and_quotes(repo):
    # 002: "Sindh Governor Kamran Tessori has reportedly been making efforts to unite all the
    # factions of the Muttahida Qaumi Movement (MQM)"; the PSP and the MQM-RC set conditions.
    found = [r for r in rows("talks") if r["talks"] == KG + "a002-unificationtalks-tessori"]
    assert len(found) == 1
    talks = found[0]
    assert {"Farooq Sattar", "Mustafa Kamal", "Kamran Tessori"} <= set(split(talks["participants"]))
    assert "Kamran Tessori" in split(talks["mediators"])
    assert len(split(talks["conditions"])) >= 2 and all("(set by " in c for c in split(talks["conditions"]))
    assert len(split(talks["quotes"])) >= 2
    assert split(talks["participants"]) == sorted(split(talks["participants"]), key=str.casefold)


def test_the_participant_parameter_still_filters_the_grouped_talks(repo):
    every = {r["talks"] for r in rows("talks")}
    his = {r["talks"] for r in rows("talks", "participant=kg:farooq-sattar")}
    assert his and his < every
    assert all("Farooq Sattar" in r["participants"] for r in rows("talks", "participant=kg:farooq-sattar"))


@pytest.mark.parametrize("query, column, fact, shown", [
    # A day: 004 "the March 3 presser".
    ("meetings", "event", "a004-presscon-2016-03-03", "2016-03-03"),
    # A year: 003 "the 2013 general elections".
    ("timeline", "fact", "a003-election-2013-general", "2013"),
    # An interval of days: 004 "last week" before 3 April 2016, not its first day.
    ("meetings", "event", "a004-meeting-psp-hyderabad-mirpurkhas", "2016-03-23/2016-04-03"),
    ("timeline", "fact", "a004-meeting-psp-hyderabad-mirpurkhas", "2016-03-23/2016-04-03"),
    ("facts", "fact", "a004-meeting-psp-hyderabad-mirpurkhas", "2016-03-23/2016-04-03"),
    # An interval of years: 004 "the 1990s".
    ("timeline", "fact", "a004-incident-1990s-operation", "1990/1999"),
])
def test_a_date_is_shown_at_the_precision_the_text_gives(repo, query, column, fact, shown):
    dates = {r["date"] for r in rows(query) if r[column] == KG + fact}
    assert dates == {shown}, dates


def test_a_month_and_open_intervals_are_shown_as_such():
    """No article dates a fact by its month alone, nor by one end of an interval: the stored
    query's own text, on a small graph that does."""
    store = ox.Store()
    store.load(b"""
@prefix kg: <https://w3id.org/mqm-kg/id/> . @prefix mqm: <https://w3id.org/mqm-kg/ontology#> .
@prefix time: <http://www.w3.org/2006/time#> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
kg:m1 a mqm:Meeting ; mqm:summary "month" ; mqm:epistemicStatus mqm:status-confirmed ; mqm:reportedIn kg:r ;
    time:hasTime [ time:inXSDgYearMonth "2016-03"^^xsd:gYearMonth ] .
kg:m2 a mqm:Meeting ; mqm:summary "since" ; mqm:epistemicStatus mqm:status-confirmed ; mqm:reportedIn kg:r ;
    time:hasTime [ time:hasBeginning [ time:inXSDDate "2016-03-03"^^xsd:date ] ] .
kg:m3 a mqm:Meeting ; mqm:summary "until" ; mqm:epistemicStatus mqm:status-confirmed ; mqm:reportedIn kg:r ;
    time:hasTime [ time:hasEnd [ time:inXSDgYear "2017"^^xsd:gYear ] ] .
kg:r prov:wasDerivedFrom kg:article-x ; mqm:quote "q" .
""", format=ox.RdfFormat.TURTLE)
    query = parse_query_file(ROOT / "queries" / "meetings.rq")
    found = sort_lists(run_oxigraph(store, query.text, {}), query.lists).dicts()
    assert {r["summary"].value: r["date"].value for r in found} == {
        "month": "2016-03", "since": "2016-03-03/..", "until": "../2017"}


def test_tables_wrap_long_cells_to_the_terminal_instead_of_cutting_them(repo):
    result = run_kg(["--data-dir", ROOT, "query", "meetings"], env={"COLUMNS": "150"})
    assert result.exit_code == 0
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 150
    # Every word of a long summary is printed, over several lines of its column.
    summary = next(r["summary"] for r in rows("meetings") if len(r["summary"]) > 100)
    words = re.findall(r"\w+", summary)
    printed = set(re.findall(r"\w+", result.stdout))
    assert set(words) <= printed


def test_truncate_cuts_cells_and_keeps_one_line_per_row(repo):
    result = run_kg(["--data-dir", ROOT, "query", "meetings", "--truncate", "20"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "…" in result.stdout
    assert len(lines) == 2 + len(rows("meetings")) + 1   # header, rule, one line per row, count
    assert all(len(cell.strip()) <= 20 for line in lines[2:-1] for cell in line.split("  "))


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_compact_writes_prefixed_names(repo, fmt):
    full = run_kg(["--data-dir", ROOT, "query", "defections", "--format", fmt]).stdout
    compact = run_kg(["--data-dir", ROOT, "query", "defections", "--format", fmt, "--compact"]).stdout
    assert KG + "sagheer-ahmed" in full and "kg:sagheer-ahmed" not in full
    assert "kg:sagheer-ahmed" in compact and KG + "sagheer-ahmed" not in compact
    assert "mqm:status-confirmed" in compact


def test_article_summary_shows_dateline_outlets_cited_and_caveats(repo):
    found = {r["article"].rsplit("/", 1)[-1]: r for r in rows("article-summary")}
    assert len(found) == 5 and len(rows("article-summary")) == 5   # one row per article
    assert found["article-001"]["datelineLabel"] == "Lahore"           # "LAHORE -"
    assert found["article-000"]["datelineLabel"] == "Islamabad"        # "ISLAMABAD -"
    assert "Geo News" in split(found["article-002"]["outletsCited"])  # 002 cites Geo News
    assert "Nawaiwaqt" in split(found["article-001"]["outletsCited"])
    assert any("No headline is printed" in c for c in split(found["article-000"]["caveats"]))
    assert any("outlet is not stated" in c for c in split(found["article-004"]["caveats"]))
    assert found["article-004"]["publisherLabel"] == "" and found["article-004"]["issued"] == "2016-04-03"
    counted = dict(part.rsplit(" ", 1) for part in split(found["article-004"]["byStatus"]))
    assert sum(map(int, counted.values())) == int(found["article-004"]["facts"])


def test_counts_lists_every_reported_number_with_its_range_and_contradiction(repo):
    found = rows("counts")
    texts = {r["countText"] for r in found}
    # 001 "more than two dozen key members"; 003 "30 to 60 sitting and former lawmakers" and the
    # headline's "at least 60"; 001 "more than six other members of the ... coordination committee".
    assert {"more than two dozen", "30 to 60", "at least 60"} <= texts
    thirty = [r for r in found if r["countText"] == "30 to 60" and r["contradicts"]]
    assert thirty and (thirty[0]["minCount"], thirty[0]["maxCount"]) == ("30", "60")
    assert "at least 60" in split(thirty[0]["contradicts"])
    assert all(r["status"].startswith(MQM + "status-") and r["sources"] and r["quotes"] for r in found)
    pairs = rows("contradictions")
    assert any("30 to 60" in r["summary"] + r["otherSummary"] for r in pairs)


@pytest.mark.parametrize("param, check", [
    ("kind=mqm:Sidelining", lambda r: r["factType"] == MQM + "Sidelining"),
    ("status=speculated", lambda r: r["status"] == MQM + "status-speculated"),
    ("article=kg:article-002", lambda r: r["article"] == KG + "article-002"),
])
def test_facts_query_filters_by_kind_status_and_article(repo, param, check):
    every = rows("facts")
    some = rows("facts", param)
    assert some and len(some) < len(every)
    assert all(check(r) for r in some)
    # ... and it misses none: the same filter applied to every fact.
    assert {r["fact"] for r in some} == {r["fact"] for r in every if check(r)}


def test_facts_about_nine_zero(repo):
    # 004: "The midnight event of May 18, 2013, at Nine Zero, where the MQM workers manhandled
    # senior party leaders"
    found = {r["fact"] for r in rows("facts", "about=kg:nine-zero")}
    assert KG + "a004-incident-nine-zero-2013-05-18" in found
    assert KG + "a004-founding-psp" not in found


def test_every_node_a_user_sees_has_one_preferred_label(repo):
    """Speakers (people, outlets, anonymous sources), articles, periods and every organisation,
    place or person a fact names: a join on skos:prefLabel drops none of them."""
    query = """SELECT ?node (COUNT(DISTINCT ?label) AS ?labels) WHERE {
      { ?report prov:wasAttributedTo ?node } UNION { ?report prov:wasDerivedFrom ?node }
      UNION { ?fact time:hasTime ?node . ?node a time:Interval }
      UNION { ?fact mqm:participant|mqm:origin|mqm:destination|mqm:place|mqm:accused|mqm:defector ?node }
      OPTIONAL { ?node skos:prefLabel ?label }
    } GROUP BY ?node HAVING (COUNT(DISTINCT ?label) != 1)"""
    result = run_kg(["--data-dir", ROOT, "query", "-e", query, "--format", "csv"])
    assert result.exit_code == 0, result.output
    offenders = list(csv.DictReader(io.StringIO(result.stdout)))
    assert not offenders, offenders
    # Not vacuous: anonymous sources and articles are among the nodes checked.
    seen = run_kg(["--data-dir", ROOT, "query", "-e", "SELECT ?l WHERE { kg:src-a000-apml-sources skos:prefLabel ?l }"])
    assert "Sources in the APML" in seen.stdout
