"""Completeness (issue 2): every named person, organisation, place, date and number in the
article bodies is in the data.

The mentions are listed by hand in tests/fixtures/completeness/article-NNN.tsv, one per line:
``kind<TAB>surface<TAB>expected``.

- ``surface`` is the string exactly as it occurs in the article body (checked).
- person / organisation / place: ``expected`` is the entity as a ``kg:`` CURIE. It must be
  declared in the data (have an rdf:type) and carry the surface, ignoring case and runs of
  whitespace, as skos:prefLabel, skos:altLabel, skos:hiddenLabel, rdfs:label or foaf:name; an
  inflected or possessive surface ("Kamal’s", "assemblies") may instead match a label equal to
  the surface without its ending ('s, ’s, s', s; -ies for -y). The entity must also be used in
  data/article-NNN.ttl (or be the dateline of the article record): mentioned means transcribed.
- abbreviation (issue 17): an abbreviation printed in the body that names a concept rather
  than an actor of the story (MNAs, LEA, Secy General); ``expected`` is a ``kg:`` or ``mqm:``
  CURIE declared in the data or the ontology that carries the surface as a label, matched
  like a person's (an inflected surface by its stem). It need not be used in the article's
  facts: the row checks that the abbreviation resolves to what it stands for. Abbreviations of
  parties and bodies that are actors (PSP, APML, KKF, RAW...) are organisation rows.
- date / number: ``expected`` is checked against the literals of data/article-NNN.ttl (plus
  the article record kg:article-NNN in data/articles.ttl):
  ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` must be a typed date literal (xsd:gYear,
  xsd:gYearMonth, xsd:date, xsd:dateTime) with that value; a bare integer must be an integer
  literal (xsd:integer and its subtypes) with that value; any other text must occur in some
  literal (a quote, an mqm:dateText / mqm:countText, a note), case as written.

Page clutter (the headline list under 002, the reader comments under 003, the footer of 001)
is not listed: it is not part of the article bodies.
"""
import csv
import re

import pytest
from cli_helpers import ROOT
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import FOAF, SKOS

KG = "https://w3id.org/mqm-kg/id/"
FIXTURES = ROOT / "tests" / "fixtures" / "completeness"
ARTICLES_DIR = ROOT.parent / "shared" / "articles"
DATA_DIR = ROOT / "data"
ONTOLOGY = ROOT / "ontology" / "mqm.ttl"
MQM = "https://w3id.org/mqm-kg/ontology#"
KINDS = {"person", "organisation", "place", "date", "number", "abbreviation"}
ENTITY_KINDS = {"person", "organisation", "place"}
LABELS = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, RDFS.label, FOAF.name)
_XSD = "http://www.w3.org/2001/XMLSchema#"  # a string: pytest's collection trips over rdflib's XSD
DATE_TYPES = {URIRef(_XSD + name) for name in ("gYear", "gYearMonth", "date", "dateTime")}
DATE_TIME = URIRef(_XSD + "dateTime")
INTEGER_TYPES = {URIRef(_XSD + name) for name in (
    "integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort")}
DATE_FORM = re.compile(r"\d{4}(-\d{2}){0,2}")
INTEGER_FORM = re.compile(r"-?\d+")
ENDINGS = ("’s", "'s", "s’", "s'", "s")

if not ARTICLES_DIR.is_dir():
    pytest.skip(f"article texts not found in {ARTICLES_DIR}: the surfaces cannot be checked",
                allow_module_level=True)


def _rows():
    rows = []
    for path in sorted(FIXTURES.glob("article-*.tsv")):
        number = path.stem.split("-")[1]
        with path.open(encoding="utf-8", newline="") as handle:
            for line_no, row in enumerate(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE),
                                          start=1):
                if not row or row[0].startswith("#") or row == ["kind", "surface", "expected"]:
                    continue
                rows.append(pytest.param(number, line_no, *row,
                                         id=f"article-{number}:{row[0]}:{row[1]}"))
    return rows


ROWS = _rows()


def _norm(text):
    return " ".join(str(text).split()).casefold()


def _article_text(number):
    matches = sorted(ARTICLES_DIR.glob(f"{number}_*.txt"))
    assert len(matches) == 1, f"expected one article file {number}_*.txt in {ARTICLES_DIR}"
    return matches[0].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def texts():
    return {number: _article_text(number) for number in {row.values[0] for row in ROWS}}


@pytest.fixture(scope="module")
def data():
    """All data files in one graph, and per article the literals of its fact file and record."""
    graph = Graph()
    per_file = {}
    for path in sorted(DATA_DIR.glob("*.ttl")):
        part = Graph().parse(path)
        per_file[path.stem] = part
        graph += part
    literals, linked = {}, {}
    for name, part in per_file.items():
        if name.startswith("article-"):
            number = name.split("-")[1]
            record = URIRef(f"{KG}article-{number}")
            terms = set(part.subjects()) | set(part.objects())
            terms |= set(per_file["articles"].objects(record, None))
            literals[number] = {term for term in terms if isinstance(term, Literal)}
            linked[number] = {term for term in terms if isinstance(term, URIRef)}
    return graph, literals, linked


@pytest.fixture(scope="module")
def vocabulary(data):
    """The data and the ontology in one graph (abbreviation rows may name an mqm: concept)."""
    graph = Graph()
    graph += data[0]
    graph.parse(ONTOLOGY)
    return graph


def _has_label(graph, entity, surface):
    labels = {_norm(label) for prop in LABELS for label in graph.objects(entity, prop)}
    wanted = _norm(surface)
    stems = {wanted[: -len(end)] for end in ENDINGS if wanted.endswith(end)}
    if wanted.endswith("ies"):  # a plural: "Sindh assemblies"
        stems.add(wanted[:-3] + "y")
    return wanted in labels or bool(stems & labels), sorted(labels)


def test_every_article_has_a_fixture():
    numbers = {path.name.split("_")[0] for path in ARTICLES_DIR.glob("*.txt")}
    listed = {path.stem.split("-")[1] for path in FIXTURES.glob("article-*.tsv")}
    assert numbers <= listed, f"articles without a completeness fixture: {sorted(numbers - listed)}"


@pytest.mark.parametrize("number,line_no,kind,surface,expected", ROWS)
def test_mention_is_in_the_data(number, line_no, kind, surface, expected, texts, data, vocabulary):
    where = f"article-{number}.tsv line {line_no}"
    assert kind in KINDS, f"{where}: unknown kind {kind!r}"
    assert surface in texts[number], f"{where}: {surface!r} does not occur in article {number}"
    graph, literals, linked = data
    if kind == "abbreviation":
        prefix, _, local = expected.partition(":")
        assert prefix in ("kg", "mqm") and local, f"{where}: expected a kg: or mqm: CURIE, got {expected!r}"
        entity = URIRef((KG if prefix == "kg" else MQM) + local)
        assert (entity, RDF.type, None) in vocabulary, f"{where}: {expected} is not declared in the data or ontology"
        ok, labels = _has_label(vocabulary, entity, surface)
        assert ok, f"{where}: {expected} has no label {surface!r} (labels: {labels})"
        return
    if kind in ENTITY_KINDS:
        assert expected.startswith("kg:"), f"{where}: expected a kg: CURIE, got {expected!r}"
        entity = URIRef(KG + expected[3:])
        assert (entity, RDF.type, None) in graph, f"{where}: {expected} is not declared in the data"
        assert entity in linked.get(number, set()), (
            f"{where}: {expected} is not used in data/article-{number}.ttl (nor as its record's dateline)")
        ok, labels = _has_label(graph, entity, surface)
        assert ok, f"{where}: {expected} has no label {surface!r} (labels: {labels})"
        return
    found = literals.get(number, set())
    if kind == "date" and DATE_FORM.fullmatch(expected):
        ok = any(lit.datatype in DATE_TYPES and (str(lit) == expected or
                 (lit.datatype == DATE_TIME and str(lit).startswith(expected))) for lit in found)
        assert ok, f"{where}: no date literal {expected} in data/article-{number}.ttl"
    elif kind == "number" and INTEGER_FORM.fullmatch(expected):
        ok = any(lit.datatype in INTEGER_TYPES and str(lit) == expected for lit in found)
        assert ok, f"{where}: no integer literal {expected} in data/article-{number}.ttl"
    else:
        ok = any(expected in str(lit) for lit in found)
        assert ok, f"{where}: no literal containing {expected!r} in data/article-{number}.ttl"
