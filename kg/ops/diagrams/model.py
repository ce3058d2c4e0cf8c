"""The neutral model of a picture (nodes, edges, legend; timeline events) and its styles.

Status styles use the Okabe-Ito palette and never rely on colour alone (line style, words).
Small helpers format dates at their precision and name articles.

Layer: kg.ops; imports kg.store and below, never kg.render, kg.cli or kg.web.
"""
from __future__ import annotations


import re
from dataclasses import dataclass, field

from kg.rdf.vocab import KG, MQM, shorten

KINDS = ("lineage", "defections", "timeline", "neighbourhood")
FORMATS = ("svg", "png", "dot", "mermaid")
EXTENSIONS = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid",
              ".mermaid": "mermaid", ".md": "mermaid"}

FONT = "Helvetica,Arial,sans-serif"
GREY = "#7F7F7F"
LIGHT = "#F2F2F2"

#: Okabe & Ito (2008) colours; black for what is confirmed, vermillion for what was denied.
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7"}


@dataclass(frozen=True)
class StatusStyle:
    colour: str
    line: str  # Graphviz style: solid or dashed
    words: str  # shown after a name on an edge label ("" for confirmed)


STATUS_STYLES = {
    "confirmed": StatusStyle(OKABE_ITO["black"], "solid", ""),
    "claimed": StatusStyle(OKABE_ITO["blue"], "dashed", "claimed"),
    "alleged": StatusStyle(OKABE_ITO["orange"], "dashed", "alleged"),
    "speculated": StatusStyle(OKABE_ITO["reddish purple"], "dashed", "speculated"),
    "denied": StatusStyle(OKABE_ITO["vermillion"], "dashed", "denied"),
}
STATUS_ORDER = list(STATUS_STYLES)
STRUCTURAL = StatusStyle(GREY, "solid", "")

#: Node looks by category (the lineage query's categories, plus person, fact and unknown).
CATEGORY_STYLES = {
    "party": {"shape": "box", "style": "rounded,bold", "penwidth": "2"},
    "faction": {"shape": "box", "style": "rounded,dashed"},
    "organ": {"shape": "box", "style": "rounded,filled", "fillcolor": LIGHT, "color": GREY, "fontsize": "10"},
    "organisation": {"shape": "box", "style": "rounded"},
    "person": {"shape": "box", "style": "rounded,filled", "fillcolor": "#FFFFFF"},
    "place": {"shape": "box", "style": "rounded,dotted"},
    "unknown": {"shape": "box", "style": "rounded,dotted", "fontcolor": GREY, "color": GREY},
    "fact": {"shape": "ellipse", "fontsize": "9"},
}
CATEGORY_WORDS = {"party": "political party", "faction": "faction or group", "organ": "party organ",
                  "organisation": "other organisation"}
FOCUS_FILL = "#FFF5CC"  # a pale tint of Okabe-Ito yellow behind the entity a picture is about

RELATION_WORDS = {MQM + "Split": "split off", MQM + "Founding": "founded as", MQM + "Merger": "merged into",
                  MQM + "factionOf": "faction", "http://www.w3.org/ns/org#unitOf": ""}

NEIGHBOURHOOD_DETAIL_LIMIT = 24
NEIGHBOURHOOD_MAX_OTHERS = 16
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ---------------------------------------------------------------------------
# The neutral model
# ---------------------------------------------------------------------------

@dataclass
class Node:
    id: str
    label: str
    category: str = "organisation"
    note: str = ""
    tooltip: str = ""
    href: str = ""
    focus: bool = False
    status: str = ""  # fact nodes only


@dataclass
class Edge:
    tail: str
    head: str
    label: str = ""
    status: str = ""  # an epistemic status, or "" for a structural link (unit, faction)
    relation: str = ""  # move, split off, founded as, merged into, faction, organ, or a role
    tooltip: str = ""
    href: str = ""
    strike: bool = False

    @property
    def style(self) -> StatusStyle:
        return STATUS_STYLES.get(self.status, STRUCTURAL)


@dataclass
class Picture:
    kind: str
    title: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (status, faction or organ; words)
    node_legend: list[str] = field(default_factory=list)  # node categories to explain
    rankdir: str = "LR"
    note: str = ""


@dataclass
class TimelineEvent:
    fact: str
    kind: str
    date: str  # lexical form, precision kept
    precision: str  # day, month or year
    end: str = ""
    end_precision: str = ""
    date_text: str = ""
    summary: str = ""
    status: str = ""
    articles: list[tuple[str, str]] = field(default_factory=list)  # (iri, label)

    def when(self) -> str:
        """The date at its precision; a period as ``23 Mar – 3 Apr 2016`` or ``1990 – 1999``."""
        start = format_date(self.date, self.precision)
        if not self.end or self.end == self.date:
            return start
        end = format_date(self.end, self.end_precision)
        start_year, end_year = date_key(self.date)[0], date_key(self.end)[0]
        if start_year == end_year and self.precision != "year" and start.endswith(f" {start_year}"):
            start = start[: -len(f" {start_year}")]
        return f"{start} – {end}"


@dataclass
class Timeline:
    title: str
    events: list[TimelineEvent]
    link: object = None  # IRI -> href


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

def node_id(iri: str) -> str:
    """A DOT and Mermaid safe identifier derived from an IRI (``kg:psp`` -> ``n_psp``)."""
    local = iri[len(KG):] if iri.startswith(KG) else shorten(iri)
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", local)


def status_name(iri: str | None) -> str:
    return (iri or "").rsplit("status-", 1)[-1] if iri else ""


def format_date(lexical: str, precision: str) -> str:
    """``2016-03-03`` -> ``3 Mar 2016``; ``2016-03`` -> ``Mar 2016``; ``2016`` -> ``2016``."""
    match = re.match(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", lexical or "")
    if not match:
        return lexical or ""
    year, month, day = match.groups()
    if precision == "day" and month and day:
        return f"{int(day)} {MONTHS[int(month) - 1]} {year}"
    if precision in ("day", "month") and month:
        return f"{MONTHS[int(month) - 1]} {year}"
    return year


def date_key(lexical: str) -> tuple:
    """Sort key: 2013 < 2013-05 < 2013-05-02 (a missing month or day counts as 0)."""
    match = re.match(r"^(-?\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", lexical or "")
    if not match:
        return (99999, 0, 0)
    year, month, day = match.groups()
    return (int(year), int(month or 0), int(day or 0))


def date_last(lexical: str) -> tuple:
    """The last day a partial date can mean: 2013 -> (2013, 12, 31); 2013-05 -> (2013, 5, 31)."""
    year, month, day = date_key(lexical)
    return (year, month or 12, day or 31)


def article_name(iri: str, label: str | None = None) -> str:
    """``kg:article-004`` -> ``article 004``."""
    local = iri[len(KG):] if iri.startswith(KG) else shorten(iri)
    return local.replace("-", " ") if local.startswith("article-") else (label or local)


def articles_text(articles) -> str:
    names = sorted({article_name(a) for a in articles})
    numbers = [n.split(" ", 1)[1] for n in names if n.startswith("article ")]
    if len(numbers) == len(names) and names:
        return ("article " if len(names) == 1 else "articles ") + ", ".join(numbers)
    return ", ".join(names)


def date_text(dates) -> str:
    return " / ".join(format_date(d, p) for d, p in sorted(set(dates), key=lambda dp: date_key(dp[0])))


def mark_focus(picture: Picture, about_iri: str | None) -> None:
    if about_iri and node_id(about_iri) in picture.nodes:
        picture.nodes[node_id(about_iri)].focus = True


def status_rank(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def legend_words(status: str) -> str:
    style = STATUS_STYLES[status]
    line = "solid line" if style.line == "solid" else "dashed line"
    if status == "denied":
        return "denied: dashed, name struck through"
    return f"{status}: {line}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]
