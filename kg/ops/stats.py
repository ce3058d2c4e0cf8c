"""`kg stats`: entities by class, facts by article and by epistemic status (cached store).

Layer: kg.ops; imports kg.store and below, never kg.render, kg.cli or kg.web.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kg.config import DEFAULTS, Settings
from kg.project.paths import DataDir

ENTITIES_BY_CLASS = """
SELECT ?class (COUNT(DISTINCT ?entity) AS ?count) WHERE {
  GRAPH ?g { ?entity a ?class }
  FILTER (STRSTARTS(STR(?g), "urn:kg:file:data/") && STRSTARTS(STR(?entity), "https://w3id.org/mqm-kg/id/"))
} GROUP BY ?class ORDER BY DESC(?count) ?class
"""

FACTS_BY_ARTICLE = """
PREFIX mqm: <https://w3id.org/mqm-kg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?article (COUNT(DISTINCT ?fact) AS ?facts) (COUNT(DISTINCT ?report) AS ?reports) WHERE {
  ?fact mqm:reportedIn ?report . ?report prov:wasDerivedFrom ?article .
} GROUP BY ?article ORDER BY ?article
"""

FACTS_BY_STATUS = """
PREFIX mqm: <https://w3id.org/mqm-kg/ontology#>
SELECT ?status (COUNT(DISTINCT ?fact) AS ?facts) WHERE {
  ?fact mqm:epistemicStatus ?status .
} GROUP BY ?status ORDER BY DESC(?facts) ?status
"""


@dataclass
class Stats:
    asserted: int = 0
    inferred: int = 0
    files: list[tuple[str, int]] = field(default_factory=list)
    entities_by_class: list[tuple[str, int]] = field(default_factory=list)
    facts_by_article: list[tuple[str, int, int]] = field(default_factory=list)
    facts_by_status: list[tuple[str, int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def stats(data_dir: DataDir, *, settings: Settings = DEFAULTS, progress=None) -> Stats:
    from kg.store.cache import ensure_cache
    from kg.rdf.terms import display

    entry = ensure_cache(data_dir, settings=settings, progress=progress)
    store = entry.open_store()
    meta = entry.meta

    def rows(text):
        return list(store.query(text, use_default_graph_as_union=True))

    result = Stats(asserted=meta["asserted"], inferred=meta["inferred"],
                   files=[(f["path"], f["triples"]) for f in meta["files"]])
    result.entities_by_class = [(display(r["class"]), int(r["count"].value)) for r in rows(ENTITIES_BY_CLASS)]
    result.facts_by_article = [(display(r["article"]), int(r["facts"].value), int(r["reports"].value))
                               for r in rows(FACTS_BY_ARTICLE)]
    result.facts_by_status = [(display(r["status"]), int(r["facts"].value)) for r in rows(FACTS_BY_STATUS)]
    return result
