"""kg whois lists each fact once per report, under its most specific relation and kind (an
asserted mqm:defector and the mqm:defectingPerson it entails are one fact, not two)."""
import json

import pytest
from cli_helpers import run_kg


def facts(name):
    result = run_kg(["whois", name, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["facts"]


@pytest.mark.parametrize("name", ["Waseem Aftab", "Mustafa Kamal", "Anees Qaimkhani", "Raza Haroon",
                                  "Sagheer Ahmed", "Altaf Hussain"])
def test_each_fact_and_report_is_listed_once(repo, name):
    rows = facts(name)
    keys = [(r["fact"], r.get("quote"), r.get("source"), r.get("article")) for r in rows]
    assert rows and len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1][:3]


def test_the_asserted_relation_wins_over_the_one_it_entails(repo):
    defections = [r for r in facts("Waseem Aftab") if r["factType"] == "mqm:Defection"]
    assert defections and {r["relation"] for r in defections} == {"mqm:defector"}
    text = run_kg(["whois", "Waseem Aftab"]).output
    assert "(mqm:Defection, mqm:defector)" in text and "mqm:defectingPerson" not in text
