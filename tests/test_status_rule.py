"""Issue 17: who may confirm a fact, and deflections that are not denials (on the article KG).

- A named person's statement on the record is *claimed*, even when it is about themself;
  *confirmed* is kept for the article's own voice (reports attributed to the outlet or to
  kg:article-004-reporter). No confirmed fact may rest on reports attributed to people or
  anonymous sources only.
- A reply that deflects an accusation is not a denial: the accusation keeps status alleged and
  the reply is a claimed mqm:Statement that mqm:respondsTo it. The rows are read as a user
  sees them, through `kg query replies`, `kg query denials` and `kg whois`.
"""
import csv
import io
import json
from pathlib import Path

import pytest
from cli_helpers import KG, MQM, run_kg

ROOT = Path(__file__).resolve().parent.parent

# Facts with the given status none of whose reports is in the article's own voice (every one
# attributed to a foaf:Person or an mqm:AnonymousSource).
PERSON_ONLY_FACTS = """
PREFIX mqm:  <https://w3id.org/mqm-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?fact (GROUP_CONCAT(DISTINCT STR(?speaker); separator=", ") AS ?speakers)
       (SAMPLE(?q) AS ?quote)
WHERE {
  ?fact mqm:epistemicStatus <STATUS> .
  { ?fact mqm:reportedIn ?report } UNION { ?report mqm:reports ?fact }
  ?report prov:wasAttributedTo ?speaker ;
          mqm:quote ?q .
  FILTER NOT EXISTS {
    { ?fact mqm:reportedIn ?other } UNION { ?other mqm:reports ?fact }
    ?other prov:wasAttributedTo ?voice .
    FILTER NOT EXISTS { ?voice a foaf:Person }
    # The unnamed reporter of article 004 is the article's own voice, not an anonymous source.
    FILTER (?voice = <https://w3id.org/mqm-kg/id/article-004-reporter> || NOT EXISTS { ?voice a mqm:AnonymousSource })
  }
}
GROUP BY ?fact
ORDER BY ?fact
"""


def person_only_facts(status):
    result = run_kg(["--data-dir", ROOT, "query", "-e",
                     PERSON_ONLY_FACTS.replace("STATUS", MQM + "status-" + status), "--format", "json"])
    assert result.exit_code == 0, result.output
    return [{name: cell["value"] for name, cell in row.items()}
            for row in json.loads(result.stdout)["results"]["bindings"]]


def query_rows(name):
    """A stored query's rows as `kg query NAME --format csv` prints them (full IRIs)."""
    result = run_kg(["--data-dir", ROOT, "query", name, "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_no_confirmed_fact_rests_on_named_people_alone(repo):
    offenders = person_only_facts("confirmed")
    assert not offenders, "confirmed facts whose reports are all attributed to named people or anonymous sources " \
        "(make them claimed, or add a report in the outlet's own voice):\n" + "\n".join(
            f"  {row['fact']}  said by {row['speakers']}: {row['quote']!r}" for row in offenders)


def test_the_rule_query_sees_a_persons_statement_about_themself(repo):
    """The query in the test above is not vacuous: with status claimed it finds what it must."""
    found = {row["fact"] for row in person_only_facts("claimed")}
    # 004: Anees Qaimkhani replied, "I am a political man and was a deputy convener of the MQM".
    # 001: Mustafa, the former Karachi mayor, says he's in the process of making their own party.
    for slug in ("a004-membership-anees-qaimkhani-deputy-convener", "a001-founding-kamal-party"):
        assert KG + slug in found, slug


def test_a_fact_the_narration_also_states_stays_confirmed_with_an_outlet_report(repo):
    # 004: '... says senior journalist Mazhar Abbas.' (the reporter's words, outside the quote)
    rows = run_kg(["--data-dir", ROOT, "query", "said-by", "--param", "speaker=kg:article-004-reporter",
                   "--format", "csv"])
    assert rows.exit_code == 0, rows.output
    said = [row for row in csv.DictReader(io.StringIO(rows.stdout))
            if row["fact"] == KG + "a004-statement-mazhar-abbas-journalist"]
    assert said and {row["status"] for row in said} == {MQM + "status-confirmed"}
    assert {row["quote"] for row in said} == {"says senior journalist Mazhar Abbas"}


# The deflections found in the articles: (reply, speaker, accusation, words of the reply).
DEFLECTIONS = [
    # 004: Anees Qaimkhani replied, "I am a political man and was a deputy convener of the MQM".
    ("a004-statement-qaimkhani-political-man", "anees-qaimkhani",
     "a004-allegation-qaimkhani-militant-wing", "I am a political man"),
    # 004: At this point Mustafa Kamal chipped in. "The death squads are being run from South
    # Africa not from Karachi". (a counter-accusation)
    ("a004-statement-kamal-death-squads-reply", "mustafa-kamal",
     "a004-allegation-qaimkhani-militant-wing", "The death squads are being run from South Africa"),
]


@pytest.fixture(scope="module")
def replies(repo):
    return query_rows("replies")


@pytest.mark.parametrize("reply, speaker, accusation, words", DEFLECTIONS, ids=[d[0] for d in DEFLECTIONS])
def test_deflection_is_a_claimed_reply_to_an_accusation_still_alleged(replies, reply, speaker, accusation,
                                                                      words):
    rows = [row for row in replies if row["reply"] == KG + reply]
    assert rows, f"kg query replies has no row for {reply}: {replies}"
    for row in rows:
        assert row["accusation"] == KG + accusation, row
        assert row["speaker"] == KG + speaker, row
        assert row["replyStatus"] == MQM + "status-claimed", row
        assert row["accusationStatus"] == MQM + "status-alleged", row
        assert words in row["replyQuote"], row
        assert row["article"] == KG + "article-004", row


@pytest.mark.parametrize("reply, speaker, accusation, words", DEFLECTIONS, ids=[d[0] for d in DEFLECTIONS])
def test_deflection_is_not_listed_as_a_denial(repo, reply, speaker, accusation, words):
    denials = query_rows("denials")
    assert not [row for row in denials if row["claim"] == KG + accusation or row["denial"] == KG + reply], \
        [row for row in denials if row["claim"] == KG + accusation or row["denial"] == KG + reply]
    # The real denials are still there (003: Wasay Jalil: "all such claims were razed to the ground").
    assert any(row["denial"] == KG + "a003-denial-media-defection-claims" for row in denials)


def test_whois_shows_the_accusation_alleged_and_the_reply_claimed(repo):
    result = run_kg(["--data-dir", ROOT, "whois", "Anees Qaimkhani"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    accusation = [line for line in lines if "ran the MQM's militant wing" in line and line.startswith("- [")]
    assert accusation and all(line.startswith("- [alleged]") for line in accusation), accusation
    reply = [line for line in lines if "replied that he is a political man" in line and line.startswith("- [")]
    assert reply and all(line.startswith("- [claimed]") for line in reply), reply
    assert not [line for line in lines if line.startswith("- [denied]") and "militant wing" in line]
