"""Competency questions: the stored queries in queries/ answer them correctly on the article KG.

Expected answers come from reading the five articles, not from running the queries:
each test names the sentence it relies on.
"""
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

ROOT = Path(__file__).resolve().parent.parent
KG = "https://w3id.org/mqm-kg/id/"
MQM = "https://w3id.org/mqm-kg/ontology#"


def kg(slug):
    return URIRef(KG + slug)


@pytest.fixture(scope="module")
def reasoned():
    """Ontology + data, closed under OWL 2 RL (the graph the CLI queries)."""
    import owlrl

    graph = Graph()
    graph.parse(ROOT / "ontology" / "mqm.ttl")
    for path in sorted((ROOT / "data").glob("*.ttl")):
        graph.parse(path)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    return graph


@pytest.fixture(scope="module")
def run(reasoned):
    def run_query(name, **params):
        text = (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
        rows = reasoned.query(text, initBindings=params)
        return [{str(var): row[var] for var in rows.vars} for row in rows]

    return run_query


def column(rows, name):
    return {row[name] for row in rows if row[name] is not None}


def test_who_joined_mustafa_kamals_party(run):
    # 004: "five more former leaders of MQM including Dr. Sagheer Ahmed, Waseem Aftab,
    # Raza Haroon, Iftikhar Alam and Anees Advocate joined the bandwagon of Kamal and Qaimkhani."
    joined = column(run("joined-party", party=kg("psp")), "person")
    for slug in ["sagheer-ahmed", "waseem-aftab", "raza-haroon", "iftikhar-alam", "anees-advocate"]:
        assert kg(slug) in joined, slug
    # 001 and 003 only suspect these: they must not be listed as having joined.
    for slug in ["faisal-sabzwari", "haider-abbas-rizvi", "khushbakhat-shujat", "rasheed-godial", "rehan-hashmi"]:
        assert kg(slug) not in joined, slug


def test_suspected_defectors_and_what_became_of_them(run):
    rows = run("suspected-defectors")
    outcome = {}
    for row in rows:
        outcome.setdefault(row["person"], set()).add(str(row["outcome"]))
    # 001 names Raza Haroon as a suspect; 004 says he joined.
    assert "joined" in outcome[kg("raza-haroon")]
    # 003: Wasay Jalil says the claims about Rizvi, Sabzwari and Izharul Hassan "were razed to the ground".
    for slug in ["haider-abbas-rizvi", "faisal-sabzwari", "izhar-ul-hassan"]:
        assert "denied" in outcome[kg(slug)], slug
    # 001 suspects Khushbakhat Shujat; no article settles it.
    assert outcome[kg("khushbakhat-shujat")] == {"open"}


def test_who_denied_what(run):
    rows = run("denials")
    assert any("Wasay Jalil" in str(row["deniedByLabel"]) and row["denialArticle"] == kg("article-003") for row in rows)


def test_factions_that_split_from_the_mqm(run):
    descendants = column(run("splinters", root=kg("mqm")), "organisation")
    # 004: the PSP was founded by MQM dissidents; 002: MQM-RC is "a faction of the MQM";
    # 000/002: MQM-Pakistan and MQM-London are MQM splinters.
    for slug in ["psp", "mqm-restoration-committee", "mqm-pakistan", "mqm-london"]:
        assert kg(slug) in descendants, slug
    assert kg("pti") not in descendants


def test_lineage_is_transitive_under_reasoning(reasoned):
    # The PSP descends from the MQM through Kamal's dissident group (a two-step lineage).
    assert (kg("psp"), URIRef(MQM + "splinterOf"), kg("mqm")) in reasoned


def test_who_held_which_post_when(run):
    rows = run("posts-held", person=kg("anees-qaimkhani"))
    roles = {(row["role"], str(row["start"] or row["during"])) for row in rows}
    # 001: "Qaimkhani, the then deputy convener of the MQM" (2013);
    # 003: "Kaimkhani, the then Rabita Committee convener" (2013 general elections).
    assert (URIRef(MQM + "role-deputy-convener"), "2013") in roles
    assert (URIRef(MQM + "role-convener"), "2013") in roles


def test_members_of_the_mqm(run):
    members = column(run("members-of", organisation=kg("mqm")), "person")
    # 000: "the MQM Senator Barrister Farogh Nasim"; 003: "Wasay Jalil, the MQM spokesman".
    assert {kg("farogh-nasim"), kg("wasay-jalil")} <= members


def test_claims_from_anonymous_sources(run):
    rows = run("anonymous-claims")
    labels = {(str(row["sourceLabel"]).lower(), row["article"]) for row in rows}
    assert any("sources in the apml" in label and art == kg("article-000") for label, art in labels)
    assert any("well placed source" in label and art == kg("article-003") for label, art in labels)


def test_claims_by_source_separates_named_and_anonymous(run):
    rows = run("claims-by-source", article=kg("article-003"))
    kinds = {str(row["sourceKind"]) for row in rows}
    assert {"anonymous", "named person"} <= kinds
    assert all(int(row["facts"]) >= 1 for row in rows)


def test_contradicting_statements(run):
    rows = run("contradictions")
    pairs = {frozenset((row["article"], row["otherArticle"])) for row in rows}
    # 001 "deputy convener" versus 003 "Rabita Committee convener".
    assert frozenset((kg("article-001"), kg("article-003"))) in pairs
    # 003 headline "at least 60" versus body "30 to 60": a contradiction within one article.
    assert frozenset((kg("article-003"),)) in pairs


def test_allegations_who_against_whom(run):
    rows = run("allegations", accused=kg("altaf-hussain"))
    # 004: "both dissident leaders of the MQM alleged that their former supremo Altaf Hussain has ties with ... RAW"
    accusers = column(rows, "allegedBy")
    assert kg("mustafa-kamal") in accusers or kg("anees-qaimkhani") in accusers
    assert kg("article-004") in column(rows, "article")


def test_unification_talks_mediators_and_conditions(run):
    rows = run("talks")
    # 002: Sindh Governor Kamran Tessori tries to unite the MQM factions; PSP and MQM-RC lay down conditions.
    assert any("Kamran Tessori" in str(row["mediators"]) for row in rows if row["mediators"] is not None)
    assert any(row["conditions"] is not None and "(set by " in str(row["conditions"]) for row in rows)
    # One row per talks and article: the participants, conditions and quotes are lists.
    assert len(rows) == len({(row["talks"], row["article"]) for row in rows})
    talks_types = column(rows, "talksType")
    assert URIRef(MQM + "UnificationTalks") in talks_types


def test_meetings_press_conferences_and_by_election(run):
    rows = run("meetings")
    dated = {(row["eventType"], str(row["date"])) for row in rows if row["date"] is not None}
    # 004: "the March 3 presser", "unveiled the name ... on March 23", "April 7 by-election".
    assert (URIRef(MQM + "PressConference"), "2016-03-03") in dated
    assert (URIRef(MQM + "PressConference"), "2016-03-23") in dated
    assert (URIRef(MQM + "ByElection"), "2016-04-07") in dated


def test_timeline_is_in_date_order(run):
    rows = run("timeline")
    dates = [str(row["date"]) for row in rows]
    assert dates == sorted(dates)
    assert "1999" in dates  # 000: Musharraf "overthrowing the democratically elected government in 1999"
    assert "2016-03-23" in dates


def test_person_profile_spans_articles(run):
    rows = run("person-profile", entity=kg("anees-qaimkhani"))
    assert len(column(rows, "article")) >= 3


def test_article_summary_covers_every_article(run):
    rows = run("article-summary")
    assert column(rows, "article") == {kg(f"article-00{i}") for i in range(5)}
    dated = {row["article"]: row["issued"] for row in rows}
    assert dated[kg("article-004")] == Literal("2016-04-03", datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))


def test_spelling_variants_are_one_entity(run):
    rows = run("aliases")
    alt = {(row["entity"], str(row["altLabel"])) for row in rows if row["altLabel"] is not None}
    assert (kg("anees-qaimkhani"), "Anis Kaimkhani") in alt
    assert (kg("faisal-sabzwari"), "Faisal Subazwari") in alt


def test_derived_defected_to_only_for_confirmed_defections(reasoned):
    defected_to = URIRef(MQM + "defectedTo")
    assert (kg("sagheer-ahmed"), defected_to, kg("kamal-group")) in reasoned
    assert not list(reasoned.triples((kg("faisal-sabzwari"), defected_to, None)))
    assert not list(reasoned.triples((kg("khushbakhat-shujat"), defected_to, None)))
