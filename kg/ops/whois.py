"""`kg whois`: resolve any spelling of a name to an entity, and build its profile.

One policy, for whois and every ``--about``: an exact or normalised match resolves; anything
fuzzier is a ranked list of suggestions (ResolveError, exit 1). Normalised means:

* the normalised key: case folded, diacritics and punctuation removed, honorifics such as Dr,
  Mr, Syed, Barrister, Gen, Retd dropped, spaces collapsed ("dr. sagheer ahmed");
* the romanisation key, which folds the usual romanisation variants of Urdu names: q/k, w/v,
  ph/f, ee/i, oo/u, doubled letters, and a vowel's quality (Kaimkhani = Qaimkhani,
  Anis = Anees); a vowel dropped or added, or a consonant changed, is not folded
  ("Mustfa Kaml", "Qaimkani" are suggestions), and the same key without word boundaries
  (Ishratul Ibad = Ishrat-ul-Ebad);
* an acronym (one word of 2 to 6 letters) matches a name that is that acronym, or whose words'
  initials are exactly it (PSP, Pak Sarzameen Party), never another organisation's words
  (PPP is not MQM-P);
* every word of the query is a word of the name (Subazwari, of Faisal Subazwari).

Several entities on one rule: ambiguous (exit 1, the candidates). Suggestions are ranked by a
similarity of the whole name (difflib ratios of the normalised and romanised names, and of
each query word to its best-matching word of the name), best first. Runs on the cached store.

Layer: kg.ops; imports kg.store and below, never kg.render, kg.cli or kg.web.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from kg.config import DEFAULTS, Settings
from kg.errors import ResolveError
from kg.project.paths import DataDir
from kg.rdf.vocab import KG, PREFIXES

HONORIFICS = {"dr", "mr", "mrs", "ms", "miss", "syed", "sayed", "sayyid", "barrister", "gen", "general",
              "retd", "retired", "r", "lt", "col", "maj", "brig", "prof", "engr", "sahib", "sb", "janab"}

LABELS_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?entity ?label ?pref WHERE {
  {
    ?entity skos:prefLabel ?pref .
    ?entity skos:prefLabel|skos:altLabel|skos:hiddenLabel ?label .
  } UNION {
    # Anonymous sources and articles carry rdfs:label only.
    ?entity rdfs:label ?pref .
    FILTER NOT EXISTS { ?entity skos:prefLabel ?other }
    BIND (?pref AS ?label)
  }
  FILTER (STRSTARTS(STR(?entity), "https://w3id.org/mqm-kg/id/"))
}
"""


def normalise(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[’'`]", "", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    tokens = [t for t in text.split() if t not in HONORIFICS]
    return " ".join(tokens)


def romanise_word(word: str) -> str:
    w = word.replace("ph", "f").replace("q", "k").replace("w", "v").replace("ck", "k")
    w = w.replace("ee", "i").replace("oo", "u")
    w = re.sub(r"(.)\1+", r"\1", w)
    return re.sub(r"[aeiouy]+", "a", w)


def translit_key(name: str) -> str:
    """Each word after folding romanisation variants and vowel quality (not vowel presence)."""
    return " ".join(romanise_word(word) for word in normalise(name).split())


def compact_key(name: str) -> str:
    """The romanisation key with word boundaries ignored (Ishratul Ibad = Ishrat-ul-Ebad)."""
    return romanise_word(normalise(name).replace(" ", ""))


def initials(name: str) -> str:
    """The first letters of a name's words (Pak Sarzameen Party: psp)."""
    return "".join(word[0] for word in normalise(name).split())


def _acronym_shaped(text: str) -> bool:
    """One word of 2 to 6 letters, written in capitals or without a vowel (PPP, psp)."""
    return bool(re.fullmatch(r"[A-Za-z]{2,6}", text)) and (text.isupper() or not re.search(r"[aeiouy]", text, re.I))


def similarity(query: str, label: str) -> float:
    """How alike two names are, 0 to 1, over the whole name: the best of difflib's ratio of
    the normalised names, of their romanisation keys, and of each query word to its
    best-matching word of the label (averaged over the query's words, times 0.9)."""
    a, b = normalise(query), normalise(label)
    if not a or not b:
        return 0.0
    ratio = difflib.SequenceMatcher(None, a, b).ratio()
    roman = difflib.SequenceMatcher(None, translit_key(query), translit_key(label)).ratio()
    words = b.split()
    per_word = [max(difflib.SequenceMatcher(None, q, w).ratio() for w in words) for q in a.split()]
    return max(ratio, roman, 0.9 * sum(per_word) / len(per_word))


@dataclass
class Match:
    iri: str
    label: str


def _label_index(store) -> dict[str, dict]:
    index: dict[str, dict] = {}
    for row in store.query(LABELS_QUERY, use_default_graph_as_union=True):
        entry = index.setdefault(row["entity"].value, {"pref": row["pref"].value, "labels": set()})
        entry["labels"].add(row["label"].value)
    return index


def resolve(data_dir: DataDir, name: str, *, store=None, settings: Settings = DEFAULTS) -> Match:
    """The one entity ``name`` designates; ResolveError (ambiguous or unknown) otherwise."""

    from kg.store.cache import open_store
    from kg.project.catalogue import expand_iri

    store = store or open_store(data_dir, settings=settings)
    index = _label_index(store)
    text = name.strip()
    if re.match(r"^(<.*>|https?://\S+|[A-Za-z]+:[\w.-]+)$", text):
        try:
            iri = expand_iri(text)
        except ValueError:
            iri = None
        if iri and iri in index:
            return Match(iri, index[iri]["pref"])
    if text.startswith(KG) and text in index:
        return Match(text, index[text]["pref"])
    for matcher in (normalise, translit_key, compact_key):
        key = matcher(text)
        if not key:
            break
        hits = sorted({iri for iri, entry in index.items() if any(matcher(l) == key for l in entry["labels"])})
        if hits:
            return _one_or_ambiguous(name, hits, index)
    key = normalise(text)
    if re.fullmatch(r"[A-Za-z]{2,6}", text):  # an acronym: a name whose words' initials it is
        hits = sorted({iri for iri, entry in index.items()
                       if any(len(normalise(l).split()) > 1 and initials(l) == key for l in entry["labels"])})
        if hits:
            return _one_or_ambiguous(name, hits, index)
    if key and not _acronym_shaped(text):
        # Every word of the query is a word of one entity's label (e.g. "Subazwari"): the words
        # as normalised, or romanised when both have three letters or more (never an initial).
        words = key.split()

        def has_words(label: str) -> bool:
            theirs = normalise(label).split()
            roman = {romanise_word(w) for w in theirs if len(w) >= 3}
            return all(w in theirs or (len(w) >= 3 and romanise_word(w) in roman) for w in words)

        hits = sorted({iri for iri, entry in index.items() if any(has_words(l) for l in entry["labels"])})
        if hits:
            return _one_or_ambiguous(name, hits, index)
    suggestions = [(_short(iri), index[iri]["pref"]) for iri, _score in suggest(index, text, n=5)]
    message = f"no entity named {name!r}" + ("; did you mean:" if suggestions else "")
    raise ResolveError(message, suggestions, ambiguous=False)


def _one_or_ambiguous(name: str, hits: list[str], index: dict) -> Match:
    """The Match when one entity is hit; ResolveError (ambiguous) when several are."""
    if len(hits) == 1:
        return Match(hits[0], index[hits[0]]["pref"])
    raise ResolveError(f"{name!r} is ambiguous; candidates:",
                       [(_short(i), index[i]["pref"]) for i in hits], ambiguous=True)


def suggest(index: dict, text: str, *, n: int = 5, cutoff: float = 0.6) -> list[tuple[str, float]]:
    """``[(iri, score)]``: the ``n`` entities whose names are most like ``text`` (similarity
    over every label, the best counting), best first, ties by preferred label."""
    scored = []
    for iri, entry in index.items():
        score = max(similarity(text, label) for label in entry["labels"])
        if score >= cutoff:
            scored.append((-score, entry["pref"], iri))
    return [(iri, -score) for score, _pref, iri in sorted(scored)[:n]]


def suggest_entities(store, text: str, *, n: int = 3) -> list[tuple[str, str]]:
    """``[(short IRI, label)]`` of the entities of the KG whose label or local name is most
    like ``text`` (a name, or an IRI's local name such as sagheer-ahmad), best first."""
    index = _label_index(store)
    for iri, entry in index.items():
        entry["labels"].add(iri[len(KG):].replace("-", " "))
    return [(_short(iri), index[iri]["pref"]) for iri, _ in suggest(index, text, n=n)]


def _short(iri: str) -> str:
    from kg.rdf.vocab import shorten

    return shorten(iri)


@dataclass
class Profile:
    iri: str
    label: str
    alt_labels: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    memberships: list[dict] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)
    defections: list[dict] = field(default_factory=list)
    facts: list[dict] = field(default_factory=list)
    said: list[dict] = field(default_factory=list)
    """What they said: every report attributed to them (stored query said-by)."""
    distinct: list[dict] = field(default_factory=list)
    """Not to be confused with: each entity owl:differentFrom this one, with the mqm:confusionNote
    of the owl:Axiom annotating that triple (why the two could be taken for one)."""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


MEMBERSHIPS_QUERY = """
PREFIX mqm:  <https://w3id.org/mqm-kg/ontology#>
PREFIX org:  <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?membership ?organisation ?organisationLabel ?roleLabel ?start ?end ?status ?article WHERE {
  ?membership org:member ?entity ; org:organization ?organisation ; mqm:epistemicStatus ?status .
  OPTIONAL { ?membership mqm:reportedIn/prov:wasDerivedFrom ?article . }
  ?organisation skos:prefLabel ?organisationLabel .
  OPTIONAL { ?membership org:role/skos:prefLabel ?roleLabel . }
  OPTIONAL { ?membership org:memberDuring/time:hasBeginning/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?start . }
  OPTIONAL { ?membership org:memberDuring/time:hasEnd/(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear) ?end . }
}
ORDER BY STR(?start) ?organisationLabel ?article ?membership
"""

DIFFERENT_QUERY = """
PREFIX mqm:  <https://w3id.org/mqm-kg/ontology#>
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?other ?otherLabel ?note WHERE {
  { ?entity owl:differentFrom ?other } UNION { ?other owl:differentFrom ?entity }
  FILTER (?other != ?entity)
  ?other skos:prefLabel ?otherLabel .
  OPTIONAL {
    ?axiom owl:annotatedProperty owl:differentFrom ; mqm:confusionNote ?note .
    { ?axiom owl:annotatedSource ?entity ; owl:annotatedTarget ?other }
    UNION { ?axiom owl:annotatedSource ?other ; owl:annotatedTarget ?entity }
  }
}
ORDER BY ?otherLabel ?other ?note
"""

TYPES_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?type ?alt WHERE {
  { GRAPH ?g { ?entity a ?type } FILTER (STRSTARTS(STR(?g), "urn:kg:file:")) }
  UNION { ?entity skos:altLabel ?alt }
}
"""


def profile(data_dir: DataDir, name: str, *, store=None, settings: Settings = DEFAULTS) -> Profile:
    """Resolve ``name`` and gather what the KG says about the entity."""
    import pyoxigraph as ox

    from kg.store.cache import open_store
    from kg.rdf.terms import display
    from kg.engine.fast.query import run_oxigraph
    from kg.ops.query import run_query
    from kg.project.catalogue import get_query

    store = store or open_store(data_dir, settings=settings)
    match = resolve(data_dir, name, store=store)
    entity = ox.NamedNode(match.iri)
    result = Profile(match.iri, match.label)
    rows = run_oxigraph(store, TYPES_QUERY, {"entity": entity}).dicts()
    result.types = sorted({display(r["type"]) for r in rows if r["type"] is not None})
    result.alt_labels = sorted({r["alt"].value for r in rows if r["alt"] is not None})

    def simple(rows, keep):
        return [{k: display(r.get(k)) for k in keep if k in r} for r in rows]

    memberships = run_oxigraph(store, MEMBERSHIPS_QUERY, {"entity": entity}).dicts()
    result.memberships = simple(memberships, ["organisationLabel", "roleLabel", "start", "end", "status",
                                              "article", "membership"])
    stored = {p.stem for p in data_dir.queries_dir.glob("*.rq")}
    if "posts-held" in stored:
        query = get_query(data_dir, "posts-held")
        if query.param("person"):
            rows = [r for r in run_query(data_dir, query, bindings={"person": entity}, store=store).dicts()
                    if r.get("post") is not None]
            result.posts = _dedupe(simple(rows, ["postLabel", "organisationLabel", "start", "end", "status",
                                                 "article"]))
    if "defections" in stored:
        query = get_query(data_dir, "defections")
        if query.param("person"):
            rows = run_query(data_dir, query, bindings={"person": entity}, store=store).dicts()
            result.defections = _dedupe(simple(rows, ["originLabel", "destinationLabel", "date", "status",
                                                      "article", "defection"]))
    if "person-profile" in stored:
        query = get_query(data_dir, "person-profile")
        rows = run_query(data_dir, query, bindings={"entity": entity}, store=store).dicts()
        result.facts = most_specific(simple(rows, ["fact", "factType", "summary", "relation", "status", "article",
                                                   "source", "quote"]), store)
    if "said-by" in stored:
        query = get_query(data_dir, "said-by")
        if query.param("speaker"):
            rows = run_query(data_dir, query, bindings={"speaker": entity}, store=store).dicts()
            result.said = simple(rows, ["report", "fact", "factType", "summary", "status", "article", "date",
                                        "quote"])
    rows = run_oxigraph(store, DIFFERENT_QUERY, {"entity": entity}).dicts()
    result.distinct = simple(rows, ["other", "otherLabel", "note"])
    return result


_SUPERS_QUERY = """SELECT ?sub ?super WHERE {
  { ?sub <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> ?super } UNION
  { ?sub <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?super }
  FILTER (isIRI(?sub) && isIRI(?super) && ?sub != ?super) }"""


def most_specific(facts: list[dict], store) -> list[dict]:
    """One row per fact and report: a fact reached by an asserted link and by the link it
    entails (mqm:defector, and the super-property mqm:defectingPerson), or typed by a class and
    its superclass, is listed once, under its most specific relation and kind."""
    from kg.rdf.vocab import shorten

    supers: dict[str, set] = {}
    for row in store.query(_SUPERS_QUERY, use_default_graph_as_union=True):
        supers.setdefault(shorten(row["sub"].value), set()).add(shorten(row["super"].value))

    def narrowest(values: set) -> str:
        kept = sorted(v for v in values if not any(v in supers.get(other, ()) for other in values if other != v))
        return ", ".join(kept)

    groups: dict[tuple, dict] = {}
    for fact in facts:
        key = tuple(fact.get(k) for k in ("fact", "summary", "status", "article", "source", "quote"))
        group = groups.setdefault(key, {"row": dict(fact), "relation": set(), "factType": set()})
        for name in ("relation", "factType"):
            if fact.get(name):
                group[name].add(fact[name])
    out = []
    for group in groups.values():  # in the query's order
        row = group["row"]
        for name in ("relation", "factType"):
            if group[name]:
                row[name] = narrowest(group[name])
        out.append(row)
    return out


def _dedupe(rows: list[dict]) -> list[dict]:
    seen, out = set(), []
    for row in rows:
        key = tuple(sorted(row.items()))
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


__all__ = ["normalise", "translit_key", "resolve", "suggest", "suggest_entities", "similarity", "profile", "Profile", "ResolveError", "PREFIXES"]
