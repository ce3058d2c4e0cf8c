"""`kg whois`: resolve any spelling of a name to an entity, and build its profile.

Names are compared on a normalised key (case folded, diacritics and punctuation removed,
honorifics such as Dr, Mr, Syed, Barrister, Gen, Retd dropped, spaces collapsed), then on
a transliteration key that folds the usual romanisation variants of Urdu names
(q/k, w/v, ph/f, doubled letters, and the vowels, which romanisations disagree on most),
so Kaimkhani finds Qaimkhani and Subazwari finds Sabzwari. Runs on the cached store.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from kg.errors import KGError
from kg.paths import DataDir
from kg.prefixes import KG, PREFIXES

HONORIFICS = {"dr", "mr", "mrs", "ms", "miss", "syed", "sayed", "sayyid", "barrister", "gen", "general",
              "retd", "retired", "r", "lt", "col", "maj", "brig", "prof", "engr", "sahib", "sb", "janab"}

LABELS_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?entity ?label ?pref WHERE {
  ?entity skos:prefLabel ?pref .
  ?entity skos:prefLabel|skos:altLabel|skos:hiddenLabel ?label .
  FILTER (STRSTARTS(STR(?entity), "https://w3id.org/mqm-kg/id/"))
}
"""


class ResolveError(KGError):
    """The name matched no entity, or several: ``candidates`` lists (iri, label) pairs."""

    exit_code = 1

    def __init__(self, message: str, candidates: list[tuple[str, str]], *, ambiguous: bool):
        lines = [message] + [f"  {iri_short}  {label}" for iri_short, label in candidates]
        super().__init__("\n".join(lines))
        self.candidates = candidates
        self.ambiguous = ambiguous


def normalise(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[’'`]", "", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    tokens = [t for t in text.split() if t not in HONORIFICS]
    return " ".join(tokens)


def translit_key(name: str) -> str:
    """Consonant skeleton of each word after folding romanisation variants."""
    words = []
    for word in normalise(name).split():
        w = word.replace("ph", "f").replace("q", "k").replace("w", "v").replace("ck", "k")
        w = re.sub(r"(.)\1+", r"\1", w)
        skeleton = w[0] + re.sub(r"[aeiouy]", "", w[1:]) if w else w
        skeleton = re.sub(r"(.)\1+", r"\1", skeleton)
        words.append(skeleton)
    return " ".join(words)


def compact_key(name: str) -> str:
    """The transliteration key with word boundaries ignored (Ishratul Ibad = Ishrat-ul-Ebad)."""
    return translit_key(normalise(name).replace(" ", ""))


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


def resolve(data_dir: DataDir, name: str, *, store=None) -> Match:
    """The one entity ``name`` designates; ResolveError (ambiguous or unknown) otherwise."""
    from kg.cache import open_store
    from kg.queries import expand_iri

    store = store or open_store(data_dir)
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
        if len(hits) == 1:
            return Match(hits[0], index[hits[0]]["pref"])
        if hits:
            raise ResolveError(f"{name!r} is ambiguous; candidates:",
                               [(_short(i), index[i]["pref"]) for i in hits], ambiguous=True)
    # Every word of the query occurs in one entity's label (e.g. "Qaimkhani").
    words = set(normalise(text).split()) | set()
    keys = set(translit_key(text).split())
    hits = sorted({iri for iri, entry in index.items()
                   if any(words <= set(normalise(l).split()) or keys <= set(translit_key(l).split())
                          for l in entry["labels"])}) if words else []
    if len(hits) == 1:
        return Match(hits[0], index[hits[0]]["pref"])
    if hits:
        raise ResolveError(f"{name!r} is ambiguous; candidates:",
                           [(_short(i), index[i]["pref"]) for i in hits], ambiguous=True)
    labels = {normalise(l): iri for iri, entry in index.items() for l in entry["labels"]}
    close = difflib.get_close_matches(normalise(text), list(labels), n=5, cutoff=0.6)
    suggestions = sorted({(_short(labels[c]), index[labels[c]]["pref"]) for c in close})
    message = f"no entity named {name!r}" + ("; did you mean:" if suggestions else "")
    raise ResolveError(message, suggestions, ambiguous=False)


def _short(iri: str) -> str:
    from kg.prefixes import shorten

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

TYPES_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?type ?alt WHERE {
  { GRAPH ?g { ?entity a ?type } FILTER (STRSTARTS(STR(?g), "urn:kg:file:")) }
  UNION { ?entity skos:altLabel ?alt }
}
"""


def profile(data_dir: DataDir, name: str, *, store=None) -> Profile:
    """Resolve ``name`` and gather what the KG says about the entity."""
    import pyoxigraph as ox

    from kg.cache import open_store
    from kg.formats import display
    from kg.queries import get_query, run_oxigraph, run_query

    store = store or open_store(data_dir)
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
        result.facts = simple(rows, ["fact", "factType", "summary", "relation", "status", "article",
                                     "source", "quote"])
    return result


def _dedupe(rows: list[dict]) -> list[dict]:
    seen, out = set(), []
    for row in rows:
        key = tuple(sorted(row.items()))
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


__all__ = ["normalise", "translit_key", "resolve", "profile", "Profile", "ResolveError", "PREFIXES"]
