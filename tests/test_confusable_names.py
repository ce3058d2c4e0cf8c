"""Issue 17: people whose names can be confused are explicitly distinct, and abbreviations are
labels of what they stand for, with expansions from outside the text marked as such.

(a) Every pair of foaf:Person entities sharing a name token in any of their labels (after the
    resolver's normalisation, which drops honorifics such as Dr, Mr, Syed, Barrister, and after
    dropping the titles and particles below; tokens compared by the resolver's romanisation
    key, so Anees = Anis and Hussain = Hassan) is owl:differentFrom, annotated by an owl:Axiom
    with an mqm:confusionNote, or is in ALLOWED with the reason.
(b) `kg whois` prints "Not to be confused with" and the other person, with the note (text and
    JSON).
(c) Each abbreviation resolves (`kg whois ABBR`) or is a label of its concept; every label of an
    entity or concept that carries an abbreviation occurs in an article text or is marked
    mqm:inferredLabel with an mqm:inferenceNote naming it.
"""
from __future__ import annotations

import itertools
import json
import re

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import FOAF, OWL, SKOS

from cli_helpers import KG, MQM, ROOT, run_kg
from kg.ops.whois import romanise_word, normalise

ARTICLES_DIR = ROOT.parent / "shared" / "articles"
LABELS = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)
CONFUSION_NOTE = URIRef(MQM + "confusionNote")
INFERRED_LABEL = URIRef(MQM + "inferredLabel")
INFERENCE_NOTE = URIRef(MQM + "inferenceNote")

#: Titles and particles that are not names, on top of the resolver's HONORIFICS: "Anees
#: Advocate" (a profession), "Senator Mian Attique" (office, and a Punjabi honorific), "Altaf
#: Bhai" ("brother"), the "ul" of Izhar-ul-Hassan / Amin-ul-Haq / Ishrat-ul-Ebad ("of the").
NOT_NAMES = {"advocate", "senator", "mian", "bhai", "ul"}

#: Pairs that share a token but are deliberately not asserted distinct, each with the reason.
#: Empty: every pair found today is owl:differentFrom in data/entities.ttl. Add a pair here
#: only with a comment saying why a reader could not merge the two (or why they may be one).
ALLOWED: dict[frozenset, str] = {}

#: Pairs asserted distinct by judgment although they share no token (names a letter or two
#: apart): they must stay asserted, with their notes.
NEAR_SPELLINGS = {frozenset({"farogh-nasim", "farooq-sattar"}), frozenset({"rehan-hashmi", "rehman-malik"}),
                  frozenset({"amin-ul-haq", "amir-khan"})}

#: Abbreviations printed in the article bodies, and what they are labels of. kg: entities must
#: resolve with `kg whois`; mqm: concepts (roles, in the ontology) must carry the label.
ABBREVIATIONS = {
    "MQM": "kg:mqm", "MQM-P": "kg:mqm-pakistan", "MQM-RC": "kg:mqm-restoration-committee", "PSP": "kg:psp",
    "APML": "kg:apml", "PTI": "kg:pti", "KKF": "kg:khidmat-e-khalq-foundation", "RAW": "kg:raw",
    "LEA": "kg:law-enforcement-agency",
    "MNA": "mqm:role-mna", "MPA": "mqm:role-mpa", "Secy General": "mqm:role-secretary-general",
}

#: Labels the KG takes from outside the article text (expansions the articles never print, an
#: abbreviation they never use): each must be marked mqm:inferredLabel with its note.
OUTSIDE_THE_TEXT = {
    ("kg:pti", "Pakistan Tehreek-e-Insaf"), ("kg:pml-n", "PML-N"), ("kg:pml-n", "Pakistan Muslim League (N)"),
    ("kg:raw", "Research and Analysis Wing"), ("kg:uk-government", "UK government"),
    ("mqm:role-mna", "member of the National Assembly"), ("mqm:role-mpa", "member of the Sindh Assembly"),
    ("mqm:role-secretary-general", "secretary general"), ("kg:mqm-haqiqi", "MQM-Haqiqi"),
}


def iri(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    return URIRef({"kg": KG, "mqm": MQM}[prefix] + local)


def slug(node) -> str:
    return str(node)[len(KG):]


@pytest.fixture(scope="module")
def graph():
    """The asserted data and the ontology (the roles live there)."""
    g = Graph()
    for path in sorted((ROOT / "data").glob("*.ttl")):
        g.parse(path)
    g.parse(ROOT / "ontology" / "mqm.ttl")
    return g


@pytest.fixture(scope="module")
def article_text():
    if not ARTICLES_DIR.is_dir():
        pytest.skip(f"article texts not found in {ARTICLES_DIR}")
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(ARTICLES_DIR.glob("*.txt")))
    return " ".join(text.split())


def in_text(label: str, text: str) -> bool:
    """The label occurs in the text as whole words, case aside (a plural or possessive allowed)."""
    pattern = r"(?<!\w)" + re.escape(" ".join(str(label).split())) + r"(?:s|’s|'s)?(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def name_tokens(g: Graph, person) -> set[str]:
    return {romanise_word(word) for prop in LABELS for label in g.objects(person, prop)
            for word in normalise(str(label)).split() if word not in NOT_NAMES}


def confusable_pairs(g: Graph) -> dict[frozenset, set[str]]:
    people = sorted(g.subjects(RDF.type, FOAF.Person))
    tokens = {p: name_tokens(g, p) for p in people}
    return {frozenset({slug(a), slug(b)}): tokens[a] & tokens[b]
            for a, b in itertools.combinations(people, 2) if tokens[a] & tokens[b]}


def distinct_pairs(g: Graph) -> dict[frozenset, list[str]]:
    """{pair: notes} for every asserted owl:differentFrom between kg: resources."""
    pairs = {frozenset({slug(a), slug(b)}): [] for a, b in g.subject_objects(OWL.differentFrom)}
    for axiom in g.subjects(OWL.annotatedProperty, OWL.differentFrom):
        source, target = g.value(axiom, OWL.annotatedSource), g.value(axiom, OWL.annotatedTarget)
        pair = frozenset({slug(source), slug(target)})
        assert pair in pairs, f"{axiom} annotates a differentFrom that is not asserted: {sorted(pair)}"
        pairs[pair] += [str(note) for note in g.objects(axiom, CONFUSION_NOTE)]
    return pairs


# --- (a) confusable pairs -------------------------------------------------------------------

def test_the_finder_finds_the_known_pairs(graph):
    found = confusable_pairs(graph)
    assert frozenset({"anees-advocate", "anees-qaimkhani"}) in found  # Advocate dropped, Anees kept
    assert frozenset({"imran-farooq", "imran-khan"}) in found
    assert frozenset({"farooq-sattar", "imran-farooq"}) in found  # first name of one, surname of the other
    assert frozenset({"altaf-hussain", "izhar-ul-hassan"}) in found  # folded by the romanisation key
    assert not any("ul" in shared or "dr" in shared for shared in found.values())
    assert len(found) >= 12


def test_every_confusable_pair_is_different_from_with_a_note_or_allowed(graph):
    distinct = distinct_pairs(graph)
    missing = []
    for pair, shared in sorted(confusable_pairs(graph).items(), key=lambda kv: sorted(kv[0])):
        if pair in ALLOWED:
            assert pair not in distinct, f"{sorted(pair)} is both allowed and asserted distinct"
            continue
        if pair not in distinct:
            missing.append(f"{' / '.join(sorted(pair))} (share {sorted(shared)}): no owl:differentFrom")
        elif not any(note.strip() for note in distinct[pair]):
            missing.append(f"{' / '.join(sorted(pair))}: owl:differentFrom without an mqm:confusionNote")
    assert not missing, "\n".join(missing)


def test_allow_list_is_current(graph):
    stale = set(ALLOWED) - set(confusable_pairs(graph))
    assert not stale, f"allow-listed pairs that no longer share a name token: {stale}"
    assert all(reason.strip() for reason in ALLOWED.values())


def test_every_different_from_is_between_people_and_has_a_note(graph):
    distinct = distinct_pairs(graph)
    for pair in NEAR_SPELLINGS:
        assert pair in distinct, f"near-spelling pair {sorted(pair)} is no longer asserted distinct"
    for pair, notes in distinct.items():
        assert len(pair) == 2, f"owl:differentFrom from an entity to itself: {pair}"
        for person in pair:
            assert (URIRef(KG + person), RDF.type, FOAF.Person) in graph, f"{person} is not a foaf:Person"
        assert len(notes) == 1 and len(notes[0]) > 40, (sorted(pair), notes)
        assert all(isinstance(n, str) for n in notes)


def test_reasoning_merges_no_distinct_pair(repo, graph, settings):
    """differentFrom and sameAs together would make the KG inconsistent: no pair is sameAs."""
    from kg.store.cache import open_store

    store = open_store(repo, settings=settings)
    same = {frozenset({slug(r["a"].value), slug(r["b"].value)}) for r in store.query(
        f"SELECT ?a ?b WHERE {{ ?a <{OWL.sameAs}> ?b FILTER (?a != ?b) }}", use_default_graph_as_union=True)}
    assert not same & set(distinct_pairs(graph))


# --- (b) kg whois ---------------------------------------------------------------------------

def test_whois_says_not_to_be_confused_with(repo):
    result = run_kg(["whois", "Iftikhar Alam"])
    assert result.exit_code == 0, result.output
    section = result.output.split("\nNot to be confused with\n", 1)[1]
    assert "- Iftikhar Randhawa (kg:iftikhar-randhawa): Both are 'Iftikhar'" in section


def test_whois_lists_each_distinct_person_from_either_side(repo):
    # The triples are written once (afaq-ahmed differentFrom sagheer-ahmed): each side lists the other.
    result = run_kg(["whois", "Dr Sagheer", "--format", "json"])
    distinct = {d["other"]: d["note"] for d in json.loads(result.stdout)["distinct"]}
    assert set(distinct) == {"kg:afaq-ahmed", "kg:azeem-ahmed-tariq"}
    assert all("Ahmed" in note for note in distinct.values())
    result = run_kg(["whois", "Afaq Ahmed", "--format", "json"])
    assert "kg:sagheer-ahmed" in {d["other"] for d in json.loads(result.stdout)["distinct"]}


def test_whois_of_someone_unconfusable_has_no_such_section(repo):
    result = run_kg(["whois", "Waseem Aftab"])
    assert result.exit_code == 0, result.output
    assert "Not to be confused with" not in result.output
    assert json.loads(run_kg(["whois", "Waseem Aftab", "--format", "json"]).stdout)["distinct"] == []


# --- (c) abbreviations ----------------------------------------------------------------------

@pytest.mark.parametrize("abbreviation,expected", sorted(ABBREVIATIONS.items()))
def test_abbreviation_is_printed_and_resolves(abbreviation, expected, graph, article_text, repo):
    assert in_text(abbreviation, article_text), f"{abbreviation!r} does not occur in the articles"
    labels = {str(label) for prop in LABELS for label in graph.objects(iri(expected), prop)}
    assert abbreviation in labels, f"{expected} has no label {abbreviation!r}: {sorted(labels)}"
    if expected.startswith("kg:"):
        result = run_kg(["whois", abbreviation])
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[0].endswith(f"({expected})"), result.output.splitlines()[0]


@pytest.mark.parametrize("curie,label", sorted(OUTSIDE_THE_TEXT))
def test_expansion_from_outside_the_text_is_marked(curie, label, graph, article_text):
    entity = iri(curie)
    assert not in_text(label, article_text), f"{label!r} is in the articles after all: do not mark it"
    assert Literal(label, lang="en") in set(graph.objects(entity, INFERRED_LABEL)), (
        f"{curie}: {label!r} is not marked mqm:inferredLabel")
    notes = [str(n) for n in graph.objects(entity, INFERENCE_NOTE)]
    assert any(f"'{label}'" in note for note in notes), f"{curie}: no mqm:inferenceNote naming '{label}'"


def test_every_label_of_an_abbreviated_entity_is_printed_or_marked(graph, article_text):
    """An entity or concept with an abbreviation among its labels (a word of two or more
    capitals: PSP, MQM-P, UK government): each of its labels is in an article text, or is
    marked mqm:inferredLabel (and then is really not in the text, and its note names it)."""
    unmarked, wrongly_marked = [], []
    subjects = {s for prop in LABELS for s, label in graph.subject_objects(prop)
                if re.search(r"\b[A-Z]{2,}", str(label)) and str(s).startswith((KG, MQM))}
    subjects |= {iri(curie) for curie in ABBREVIATIONS.values()}
    # Article records and periods carry a label the transcriber wrote to describe them
    # ("Article 003: MQM fears ...", "Anees Qaimkhani's term as MQM deputy convener"): not a name.
    described = {URIRef(MQM + "Article"), URIRef("http://www.w3.org/2006/time#Interval")}
    subjects = {s for s in subjects if not set(graph.objects(s, RDF.type)) & described}
    for entity in sorted(subjects):
        marked = {str(label) for label in graph.objects(entity, INFERRED_LABEL)}
        notes = " ".join(str(n) for n in graph.objects(entity, INFERENCE_NOTE))
        labels = {str(label) for prop in LABELS for label in graph.objects(entity, prop)}
        for label in sorted(labels):
            if label not in marked and not in_text(label, article_text):
                unmarked.append(f"{entity}: {label!r}")
        for label in sorted(marked):
            if label not in labels or in_text(label, article_text) or f"'{label}'" not in notes:
                wrongly_marked.append(f"{entity}: {label!r}")
    assert not unmarked, "labels neither in the articles nor marked mqm:inferredLabel:\n" + "\n".join(unmarked)
    assert not wrongly_marked, ("mqm:inferredLabel values that are not labels of the entity, occur in the "
                                "articles, or have no note naming them:\n" + "\n".join(wrongly_marked))

