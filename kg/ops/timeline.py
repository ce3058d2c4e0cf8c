"""`kg timeline`: dated facts in order, partial dates sorted sensibly.

Rows come from the stored query ``queries/timeline.rq``; facts are grouped (one entry per
fact, all its articles) and sorted by (year, month, day) with a missing month or day
counting as 0, so 2013 < 2013-05 < 2013-05-02 and a year-only event comes before the
month-level ones of the same year.

Layer: kg.ops; imports kg.store and below, never kg.render, kg.cli or kg.web.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.config import DEFAULTS, Settings
from kg.project.paths import DataDir


@dataclass
class TimelineEntry:
    date: str
    fact: str
    kind: str
    summary: str
    status: str
    articles: list[str] = field(default_factory=list)


def date_key(value: str) -> tuple:
    """Sort key of an xsd:date / gYearMonth / gYear lexical form."""
    match = re.match(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value or "")
    if not match:
        return (99999, 0, 0, value or "")
    year, month, day = match.groups()
    return (int(year), int(month or 0), int(day or 0), value)


def timeline(data_dir: DataDir, about: str | None = None, *, store=None,
             settings: Settings = DEFAULTS) -> list[TimelineEntry]:
    """Dated facts in order; ``about`` (any spelling, resolved like whois) filters to one entity."""
    import pyoxigraph as ox

    from kg.store.cache import open_store
    from kg.rdf.terms import display
    from kg.ops.query import run_query
    from kg.project.catalogue import get_query

    store = store or open_store(data_dir, settings=settings)
    bindings = {}
    if about:
        from kg.ops.whois import resolve

        bindings["about"] = ox.NamedNode(resolve(data_dir, about, store=store).iri)
    rows = run_query(data_dir, get_query(data_dir, "timeline"), bindings=bindings, store=store).dicts()
    entries: dict[tuple, TimelineEntry] = {}
    for row in rows:
        date = display(row.get("date"))
        key = (date, row["fact"].value)
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = TimelineEntry(date, display(row["fact"]), display(row.get("factType")),
                                                 display(row.get("summary")), display(row.get("status")))
        article = display(row.get("article"))
        if article and article not in entry.articles:
            entry.articles.append(article)
    ordered = sorted(entries.values(), key=lambda e: (date_key(e.date), e.fact))
    for entry in ordered:
        entry.articles.sort()
    return ordered
