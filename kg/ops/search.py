"""`kg search`: full-text search over the KG's texts, with SQLite FTS5 and bm25 ranking.

What is indexed: every text a user reads on a node of the KG (``kg:`` IRIs): labels
(skos:prefLabel/altLabel/hiddenLabel, rdfs:label), fact summaries, quotes, notes and comments,
count texts, definitions and titles. Each hit carries its node's kind (most specific ``mqm:``
class), epistemic status, article, speaker and quote: for a fact, those of the reports it is
reported in; for a report, its own.

Folding: the words of each text are indexed folded the way ``kg whois`` folds names (case,
diacritics, punctuation, romanisation variants: Kaimkhani = Qaimkhani, Anis = Anees), so a
query in any of those spellings finds them; every query word must occur (as a word prefix).

The index is a SQLite file in the cache entry (``search.sqlite``), written on first use
from the entry's store (atomically; an entry is content-addressed, so a new entry means a
new index).

Layer: kg.ops; imports kg.store and below, never kg.render, kg.cli or kg.web.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from kg.config import DEFAULTS, Settings
from kg.errors import KGError
from kg.rdf.vocab import KG, MQM, shorten
from kg.ops.whois import HONORIFICS, romanise_word, normalise

INDEX_VERSION = 2
TEXT_PROPERTIES = {
    "http://www.w3.org/2004/02/skos/core#prefLabel": "label",
    "http://www.w3.org/2004/02/skos/core#altLabel": "label",
    "http://www.w3.org/2004/02/skos/core#hiddenLabel": "label",
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    MQM + "summary": "summary",
    MQM + "quote": "quote",
    "http://www.w3.org/2000/01/rdf-schema#comment": "note",
    "http://www.w3.org/2004/02/skos/core#note": "note",
    MQM + "inferenceNote": "note",
    MQM + "countText": "count",
    "http://www.w3.org/2004/02/skos/core#definition": "definition",
    "http://purl.org/dc/terms/title": "title",
    "http://purl.org/dc/terms/description": "title",
}

_TEXTS = """
SELECT ?node ?p ?text WHERE {
  VALUES ?p { %s }
  ?node ?p ?text
  FILTER(isLiteral(?text) && STRSTARTS(STR(?node), "%s"))
}""" % (" ".join(f"<{p}>" for p in TEXT_PROPERTIES), KG)
_TYPES = """SELECT ?node ?type WHERE { ?node a ?type FILTER(STRSTARTS(STR(?node), "%s") && isIRI(?type)
  && !STRSTARTS(STR(?type), "http://www.w3.org/2002/07/owl#")) }""" % KG
_SUBCLASSES = """SELECT ?sub ?super WHERE { ?sub <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?super
  FILTER(?sub != ?super && isIRI(?sub) && isIRI(?super)) }"""
_STATUS = """SELECT ?node ?status WHERE { ?node <%sepistemicStatus> ?status }""" % MQM
_REPORTS = """
SELECT ?fact ?report WHERE { ?fact <%sreportedIn> ?report }""" % MQM
_REPORT_DETAILS = """
SELECT ?report ?article ?speaker ?quote WHERE {
  ?report a <%sReport> .
  OPTIONAL { ?report <http://www.w3.org/ns/prov#wasDerivedFrom> ?article }
  OPTIONAL { ?report <http://www.w3.org/ns/prov#wasAttributedTo> ?speaker }
  OPTIONAL { ?report <%squote> ?quote }
}""" % (MQM, MQM)


@dataclass
class Hit:
    iri: str           # the node's IRI
    node: str          # the same, shortened (kg:...)
    kind: str          # its most specific mqm: class (local name)
    field: str         # label, summary, quote, note, count, definition or title
    text: str          # the text that matched, matches marked [like this]
    status: str | None
    article: str | None
    speaker: str | None
    quote: str | None
    score: float       # bm25 (lower is better)


# -- folding --------------------------------------------------------------------

@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """One word folded as kg.ops.whois folds names (case, diacritics, romanisation)."""
    words = normalise(word).split() or [word.casefold()]
    return "".join(romanise_word(w) for w in words)


def fold_text(text: str) -> str:
    """A text's words, each folded (honorifics kept: a search for them still finds them)."""
    return " ".join(fold_word(w) for w in re.findall(r"\w+", text))


def query_words(text: str) -> list[str]:
    """The folded words of a query (honorifics dropped unless the query is nothing else)."""
    words = re.findall(r"\w+", text)
    kept = [w for w in words if w.casefold() not in HONORIFICS] or words
    return [f for f in (fold_word(w) for w in kept) if f]


def mark(text: str, words: list[str]) -> str:
    """``text`` with every word whose folded form starts with a query word in [brackets]."""
    def sub(match):
        folded = fold_word(match.group(0))
        return f"[{match.group(0)}]" if any(folded.startswith(w) for w in words) else match.group(0)

    return re.sub(r"\w+", sub, text)


# -- the index --------------------------------------------------------------------

def search_index(data_dir, *, settings: Settings = DEFAULTS, progress=None) -> Path:
    """The search index of the data dir's current cache entry (built if needed)."""
    from kg.store.cache import ensure_cache

    return index_path(ensure_cache(data_dir, settings=settings, progress=progress))


def index_path(entry) -> Path:
    """The entry's search index, built from its store on first use."""
    path = entry.path / "search.sqlite"
    if not path.is_file() or not _current(path):
        build_index(entry.open_store(), path)
    return path


def _current(path: Path) -> bool:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone() == (str(INDEX_VERSION),)
    except sqlite3.Error:
        return False


def build_index(store, path: Path) -> int:
    """Write the FTS5 index of ``store``'s texts to ``path`` (atomically); return its rows."""
    rows = index_rows(store)
    handle, tmp = tempfile.mkstemp(prefix=".search-", suffix=".sqlite.tmp", dir=path.parent)
    os.close(handle)
    try:
        db = sqlite3.connect(tmp)
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('version', ?)", (str(INDEX_VERSION),))
        db.execute("CREATE VIRTUAL TABLE docs USING fts5(folded, facets, text UNINDEXED, node UNINDEXED, "
                   "kind UNINDEXED, kinds UNINDEXED, field UNINDEXED, status UNINDEXED, "
                   "article UNINDEXED, speakers UNINDEXED, details UNINDEXED, tokenize='unicode61')")
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [(row[0], facets(*row[3:9]), *row[1:]) for row in rows])
        db.commit()
        db.close()
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(rows)


def facet(kind: str, value: str) -> str:
    """One filter value as an FTS token ("k" + the kind's letters and digits, lower case): the
    filters narrow the full-text match inside FTS5 (the exact values are checked after)."""
    return kind + re.sub(r"[\W_]+", "", value).lower()


def facets(kind, kinds, field, status, article, speakers="") -> str:
    """The facet tokens of an index row: kinds, status, article, speakers."""
    tokens = [facet("k", k) for k in kinds.split()]
    tokens += [facet("s", status)] if status else []
    tokens += [facet("a", article)] if article else []
    tokens += [facet("p", p) for p in speakers.split()]
    return " ".join(tokens)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def index_rows(store) -> list[tuple]:
    """(folded, text, node, kind, kinds, field, status, article, speakers, details) per text."""
    def query(text):
        return store.query(text, use_default_graph_as_union=True)

    types: dict[str, set] = {}
    for row in query(_TYPES):
        types.setdefault(row["node"].value, set()).add(row["type"].value)
    supers: dict[str, set] = {}
    for row in query(_SUBCLASSES):
        supers.setdefault(row["sub"].value, set()).add(row["super"].value)
    status = {row["node"].value: row["status"].value for row in query(_STATUS)}
    reports: dict[str, list] = {}
    for row in query(_REPORTS):
        reports.setdefault(row["fact"].value, []).append(row["report"].value)
    details: dict[str, dict] = {}
    for row in query(_REPORT_DETAILS):
        d = details.setdefault(row["report"].value, {"article": None, "speaker": None, "quote": None})
        for key in ("article", "speaker", "quote"):
            if row[key] is not None and d[key] is None:
                d[key] = row[key].value
    rows = []
    for row in query(_TEXTS):
        node, text = row["node"].value, row["text"].value
        kinds = types.get(node, set())
        specific = sorted((k for k in kinds if not any(k in supers.get(other, ()) for other in kinds if other != k)),
                          key=lambda k: (not k.startswith(MQM), k))  # the project's own classes first
        own = [node] if node in details else []
        context = [details[r] for r in sorted(reports.get(node, [])) + own if r in details]
        first = context[0] if context else {"article": None, "speaker": None, "quote": None}
        rows.append((
            fold_text(text), text, node, _kind_name(specific[0]) if specific else "",
            " ".join(sorted(_kind_name(k) for k in kinds)), TEXT_PROPERTIES[row["p"].value],
            status.get(node), first["article"],
            " ".join(sorted({c["speaker"] for c in context if c["speaker"]})),
            json.dumps({"speaker": first["speaker"], "quote": first["quote"]})))
    return sorted(set(rows))


# -- searching --------------------------------------------------------------------

def search(index: Path, text: str, *, kind: str | None = None, status: str | None = None,
           article: str | None = None, speaker: str | None = None, limit: int = 20) -> list[Hit]:
    """The best ``limit`` hits for ``text`` (every word must occur), best first.

    ``kind``: an mqm: class (Defection or mqm:Defection; subclasses included) or another
    vocabulary's prefixed name (foaf:Person);
    ``status``: confirmed, mqm:status-confirmed...; ``article``: article-004 or kg:article-004;
    ``speaker``: an IRI or kg: name of the source a report is attributed to.
    """
    words = query_words(text)
    if not words:
        raise KGError(f"nothing to search for in {text!r}", hint="give a word, e.g. kg search defected")
    terms = ["folded : (" + " ".join(f'"{w}"*' for w in words) + ")"]
    sql = ["SELECT text, node, kind, field, status, article, details, bm25(docs, 1.0, 0.0) AS score FROM docs "
           "WHERE docs MATCH ?"]
    params: list = []
    if kind:
        kind = _local(kind, MQM)
        terms.append(f'facets : "{facet("k", kind)}"')
        sql.append("AND (' ' || kinds || ' ') LIKE ?")
        params.append(f"% {kind} %")
    if status:
        local = _local(status, MQM)
        status = MQM + (local if local.startswith("status-") else "status-" + local)
        terms.append(f'facets : "{facet("s", status)}"')
        sql.append("AND status = ?")
        params.append(status)
    if article:
        article = KG + _local(article, KG)
        terms.append(f'facets : "{facet("a", article)}"')
        sql.append("AND article = ?")
        params.append(article)
    if speaker:
        speaker = KG + _local(speaker, KG)
        terms.append(f'facets : "{facet("p", speaker)}"')
        sql.append("AND (' ' || speakers || ' ') LIKE ?")
        params.append(f"% {speaker} %")
    params.insert(0, " AND ".join(terms))
    sql.append("ORDER BY score, node, field, text")
    with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
        cursor = db.execute(" ".join(sql), params)
        found, seen = [], set()
        for row in cursor:  # one hit per node: its best-ranked text
            if row[1] not in seen:
                seen.add(row[1])
                found.append(row)
                if len(found) == limit:
                    break
    hits = []
    for text_, node, kind_, field_, status_, article_, details_, score in found:
        extra = json.loads(details_)
        hits.append(Hit(iri=node, node=shorten(node), kind=kind_, field=field_, text=mark(text_, words),
                        status=shorten(status_) if status_ else None,
                        article=shorten(article_) if article_ else None,
                        speaker=shorten(extra["speaker"]) if extra["speaker"] else None,
                        quote=mark(extra["quote"], words) if extra["quote"] else None, score=round(score, 3)))
    return hits


def _kind_name(iri: str) -> str:
    """mqm:Defection -> Defection; another vocabulary's class stays prefixed (foaf:Person)."""
    return iri[len(MQM):] if iri.startswith(MQM) else shorten(iri)


def _local(name: str, namespace: str) -> str:
    """``kg:x``, ``mqm:x``, a full IRI or ``x`` -> ``x``."""
    if name.startswith(namespace):
        return name[len(namespace):]
    prefix = "kg:" if namespace == KG else "mqm:"
    return name[len(prefix):] if name.startswith(prefix) else name


def hits_json(hits: list[Hit]) -> str:
    return json.dumps([asdict(h) for h in hits], indent=2, ensure_ascii=False) + "\n"
