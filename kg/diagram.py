"""`kg diagram`: the MQM family tree, the defection network, a timeline, an entity's neighbourhood.

Everything drawn comes from the stored queries ``queries/diagram-*.rq`` over the reasoned KG,
so a new article changes the pictures without code changes. Each picture is first built as a
small neutral model (:class:`Picture`: nodes, edges, a legend) and then written as Graphviz DOT
(through the ``graphviz`` package) or as Mermaid text; ``svg`` and ``png`` are rendered by
Graphviz's ``dot`` program. The timeline is laid out here (rows on a vertical axis, marks at the
precision of their date) and rendered with ``neato -n2``, which keeps the given positions.

Readability rules: the Okabe-Ito palette (safe for colour-blind readers), and epistemic status
never shown by colour alone: confirmed is a solid line, claimed, alleged and speculated are
dashed with the status in words, denied is dashed vermillion with the name struck through.
Every node, edge and mark carries a tooltip (SVG ``xlink:title``) with its status and articles,
and links to the article (or entity) through ``link``. Output is deterministic: rows are
grouped and sorted, identifiers derive from IRIs.
"""
from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass, field

from kg.errors import KGError
from kg.paths import DataDir
from kg.prefixes import KG, MQM, shorten

KINDS = ("lineage", "defections", "timeline", "neighbourhood")
FORMATS = ("svg", "png", "dot", "mermaid")
EXTENSIONS = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid",
              ".mermaid": "mermaid", ".md": "mermaid"}

XSD = "http://www.w3.org/2001/XMLSchema#"
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


class RendererMissingError(KGError):
    """Graphviz (the ``dot`` program or the ``graphviz`` package) is needed and missing."""


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
# Entry points
# ---------------------------------------------------------------------------

def diagram(data_dir: DataDir, kind: str, *, about: str | None = None, fmt: str = "svg",
            store=None, link=None) -> bytes | str:
    """Draw ``kind`` (lineage, defections, timeline, neighbourhood) as svg, png, dot or mermaid.

    ``about`` is any name or IRI (resolved like ``kg whois``); ``link`` maps an IRI (entity or
    article) to the href a mark links to (default: the IRI itself). Returns bytes for png,
    text otherwise.
    """
    if fmt not in FORMATS:
        raise KGError(f"unknown diagram format {fmt!r}; expected one of {', '.join(FORMATS)}")
    model = build(data_dir, kind, about=about, store=store, link=link)
    if fmt == "mermaid":
        return to_mermaid(model)
    source = to_dot(model)
    if fmt == "dot":
        return source
    data = render(source, fmt, engine="neato" if isinstance(model, Timeline) else "dot")
    return data if fmt == "png" else data.decode("utf-8")


def build(data_dir: DataDir, kind: str, *, about: str | None = None, store=None, link=None):
    """The neutral model of a picture: a :class:`Picture`, or a :class:`Timeline`."""
    import pyoxigraph as ox

    from kg.cache import open_store

    if kind not in KINDS:
        raise KGError(f"unknown diagram {kind!r}; expected one of {', '.join(KINDS)}")
    store = store or open_store(data_dir)
    link = link or (lambda iri: iri)
    about_iri = about_label = None
    if about:
        about_iri, about_label = resolve_about(data_dir, about, store=store)
    elif kind == "neighbourhood":
        raise KGError("the neighbourhood diagram needs --about ENTITY",
                      hint="for example: kg diagram neighbourhood --about 'Sagheer Ahmed'")
    bindings = {"about": ox.NamedNode(about_iri)} if about_iri else {}
    rows = _rows(data_dir, store, f"diagram-{kind}", bindings)
    builder = {"lineage": lineage, "defections": defections, "timeline": timeline,
               "neighbourhood": neighbourhood}[kind]
    return builder(rows, about_iri=about_iri, about_label=about_label, link=link)


def resolve_about(data_dir: DataDir, about: str, *, store) -> tuple[str, str]:
    """(IRI, label) of ``about``: a full IRI with a ``skos:prefLabel`` as is, else any name (like whois)."""
    if re.match(r"^(https?://|urn:)\S+$", about.strip()):
        import pyoxigraph as ox

        iri = about.strip()
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            raise KGError(f"{iri!r} is not a valid IRI") from None
        labels = sorted(s["l"].value for s in store.query(  # str(node) is a checked <IRI>
            f"SELECT ?l WHERE {{ {node} <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}",
            use_default_graph_as_union=True))
        if not labels:
            raise KGError(f"{shorten(iri)} is not an entity with a name (skos:prefLabel) in the KG")
        return iri, labels[0]
    from kg.whois import resolve

    match = resolve(data_dir, about, store=store)
    return match.iri, match.label


def _rows(data_dir: DataDir, store, name: str, bindings: dict) -> list[dict]:
    from kg.queries import get_query, run_query

    result = run_query(data_dir, get_query(data_dir, name), bindings=bindings, store=store)
    return [{k: _value(v) for k, v in row.items()} for row in result.dicts()]


def _value(term):
    """A term as a plain value: IRIs and literals as strings, dates as (lexical, precision)."""
    if term is None:
        return None
    datatype = getattr(term, "datatype", None)
    if datatype is not None and datatype.value in (XSD + "date", XSD + "gYearMonth", XSD + "gYear"):
        precision = {"date": "day", "gYearMonth": "month", "gYear": "year"}[datatype.value[len(XSD):]]
        return (term.value, precision)
    return term.value


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


def _articles_text(articles) -> str:
    names = sorted({article_name(a) for a in articles})
    numbers = [n.split(" ", 1)[1] for n in names if n.startswith("article ")]
    if len(numbers) == len(names) and names:
        return ("article " if len(names) == 1 else "articles ") + ", ".join(numbers)
    return ", ".join(names)


def _date_text(dates) -> str:
    return " / ".join(format_date(d, p) for d, p in sorted(set(dates), key=lambda dp: date_key(dp[0])))


def _about_node(picture: Picture, about_iri: str | None) -> None:
    if about_iri and node_id(about_iri) in picture.nodes:
        picture.nodes[node_id(about_iri)].focus = True


# ---------------------------------------------------------------------------
# Lineage: the family tree
# ---------------------------------------------------------------------------

def lineage(rows: list[dict], *, about_iri=None, about_label=None, link) -> Picture:
    title = "MQM family tree: splits, foundings, mergers, factions and organs"
    if about_label:
        title = f"Lineage of {about_label}"
    picture = Picture("lineage", title, rankdir="LR")
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        for end in ("parent", "child"):
            nid = node_id(row[end])
            if nid not in picture.nodes:
                category = row.get(f"{end}Category") or "organisation"
                picture.nodes[nid] = Node(nid, row[f"{end}Label"], category=category, href=link(row[end]),
                                          tooltip=f"{row[f'{end}Label']} ({shorten(row[end])}): {category}")
        key = (row["parent"], row["child"], row["relation"], status_name(row.get("status")))
        groups.setdefault(key, []).append(row)
    for (parent, child, relation, status), group in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], _status_rank(kv[0][3]))):
        word = RELATION_WORDS.get(relation, shorten(relation))
        dates = [r["date"] for r in group if r.get("date")]
        articles = sorted({r["article"] for r in group if r.get("article")})
        parent_label, child_label = group[0]["parentLabel"], group[0]["childLabel"]
        parts = [word] if word else []
        if dates:
            parts.append(_date_text(dates))
        if word and status and status != "confirmed":
            parts.append(f"({status})")
        if relation in (MQM + "Split", MQM + "Founding", MQM + "Merger"):
            lines = [f"{parent_label} {word} {child_label}" + (f", {_date_text(dates)}" if dates else ""),
                     f"status: {status or 'not stated'}"]
            seen = set()
            for r in sorted(group, key=lambda r: (r.get("article") or "", r.get("step") or "")):
                entry = (r.get("article"), r.get("summary"))
                if entry not in seen and r.get("summary"):
                    seen.add(entry)
                    lines.append(f"[{_articles_text([r['article']]) if r.get('article') else 'no article'}] "
                                 f"{r['summary']}")
        else:
            kind = "a faction of" if relation == MQM + "factionOf" else "a unit (organ) of"
            lines = [f"{child_label} is {kind} {parent_label} (entity register, no dated event)",
                     "status: not a reported event",
                     f"mentioned in {_articles_text(articles)}" if articles else "mentioned in no article"]
        picture.edges.append(Edge(node_id(parent), node_id(child), label="\n".join(parts),
                                  status=status if word else "", relation=word or "organ",
                                  tooltip="\n".join(lines), href=link(articles[0]) if articles else ""))
    _about_node(picture, about_iri)
    present = {e.status for e in picture.edges if e.status}
    picture.legend = [(s, _legend_words(s)) for s in STATUS_ORDER if s in present]
    if any(e.relation == "faction" for e in picture.edges):
        picture.legend.append(("faction", "faction of (no dated event)"))
    if any(e.relation == "organ" for e in picture.edges):
        picture.legend.append(("organ", "party organ (unit) of"))
    categories = {n.category for n in picture.nodes.values()}
    picture.node_legend = [c for c in ("party", "faction", "organ", "organisation") if c in categories]
    if not picture.edges:
        picture.note = "No lineage links" + (f" for {about_label}" if about_label else "") + " in the KG."
    return picture


def _status_rank(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def _legend_words(status: str) -> str:
    style = STATUS_STYLES[status]
    line = "solid line" if style.line == "solid" else "dashed line"
    if status == "denied":
        return "denied: dashed, name struck through"
    return f"{status}: {line}"


# ---------------------------------------------------------------------------
# Defections: who moved from where to where
# ---------------------------------------------------------------------------

def defections(rows: list[dict], *, about_iri=None, about_label=None, link) -> Picture:
    title = "Defections: who moved from which organisation to which"
    if about_label:
        title = f"Defections involving {about_label}"
    picture = Picture("defections", title, rankdir="LR")
    became: dict[str, set[str]] = {}
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        for end in ("origin", "destination"):
            shown = row.get(f"{end}Shown")
            nid = node_id(shown) if shown else f"n_unknown_{end}"
            if nid not in picture.nodes:
                if shown:
                    label = row.get(f"{end}ShownLabel") or shorten(shown)
                    picture.nodes[nid] = Node(nid, label, href=link(shown), tooltip=f"{label} ({shorten(shown)})")
                else:
                    picture.nodes[nid] = Node(nid, f"({end} not stated)", category="unknown",
                                              tooltip=f"The articles do not state the {end} of this move.")
            if shown and row.get(end) and row[end] != shown:
                became.setdefault(nid, set()).add(row.get(f"{end}Label") or shorten(row[end]))
        key = (row["person"], row.get("originShown") or "", row.get("destinationShown") or "",
               status_name(row["status"]))
        groups.setdefault(key, []).append(row)
    for nid, groups_before in became.items():
        node = picture.nodes[nid]
        node.note = "incl. " + ", ".join(sorted(groups_before))
        node.tooltip += "; includes " + ", ".join(sorted(groups_before)) + ", which was founded as it"

    def order(item):
        (person, origin, destination, status), group = item
        return (picture.nodes[_end_id(origin, "origin")].label, picture.nodes[_end_id(destination, "destination")].label,
                _status_rank(status), group[0]["personLabel"], person)

    for (person, origin, destination, status), group in sorted(groups.items(), key=order):
        style = STATUS_STYLES.get(status, STRUCTURAL)
        name = group[0]["personLabel"]
        tail, head = _end_id(origin, "origin"), _end_id(destination, "destination")
        joined = sorted({r["destinationLabel"] for r in group
                         if r.get("destination") and r.get("destination") != r.get("destinationShown")})
        move = f"{name}: {picture.nodes[tail].label} → {picture.nodes[head].label}"
        if joined:
            move += f" (joined {', '.join(joined)})"
        dates = [r["date"] for r in group if r.get("date")]
        if dates:
            move += f", {_date_text(dates)}"
        lines = [move, f"status: {status}"]
        seen = set()
        for r in sorted(group, key=lambda r: (r["article"], r.get("source") or "", r["defection"])):
            entry = (r["article"], r.get("source"), r.get("summary"))
            if entry not in seen:
                seen.add(entry)
                lines.append(f"[{_articles_text([r['article']])}] {r.get('source') or 'unattributed'}: "
                             f"{r.get('summary') or ''}".rstrip())
        articles = sorted({r["article"] for r in group})
        label = name + (f" ({style.words})" if style.words and status != "denied" else "")
        if status == "denied":
            label = f"{name} ✗ denied"
        picture.edges.append(Edge(tail, head, label=label, status=status, relation="move",
                                  tooltip="\n".join(lines), href=link(articles[0]), strike=status == "denied"))
    _about_node(picture, about_iri)
    picture.legend = [(s, _legend_words(s)) for s in STATUS_ORDER]
    if not picture.edges:
        picture.note = "No defections" + (f" involving {about_label}" if about_label else "") + " in the KG."
    return picture


def _end_id(shown: str, end: str) -> str:
    return node_id(shown) if shown else f"n_unknown_{end}"


# ---------------------------------------------------------------------------
# Neighbourhood: an entity's facts and everyone they involve
# ---------------------------------------------------------------------------

def neighbourhood(rows: list[dict], *, about_iri=None, about_label=None, link,
                  detail_limit: int = NEIGHBOURHOOD_DETAIL_LIMIT) -> Picture:
    """The entity, the facts it takes part in, and who and what else each fact involves.

    Up to ``detail_limit`` facts each get a node; beyond that (a hub such as the MQM) facts are
    grouped by kind, status and the entity's role, and edges carry counts.
    """
    picture = Picture("neighbourhood", f"Neighbourhood of {about_label}", rankdir="LR")
    centre = node_id(about_iri)
    picture.nodes[centre] = Node(centre, about_label, category="person", href=link(about_iri), focus=True,
                                 tooltip=f"{about_label} ({shorten(about_iri)})")
    facts: dict[str, list[dict]] = {}
    for row in rows:
        facts.setdefault(row["fact"], []).append(row)
    grouped = len(facts) > detail_limit
    kept_others = None
    if grouped:  # a hub: only the entities sharing the most facts with it get a node
        shared: dict[str, set[str]] = {}
        for row in rows:
            if row.get("other"):
                shared.setdefault(row["other"], set()).add(row["fact"])
        labels = {row["other"]: row["otherLabel"] for row in rows if row.get("other")}
        ranked = sorted(shared, key=lambda o: (-len(shared[o]), labels[o], o))
        kept_others = set(ranked[:NEIGHBOURHOOD_MAX_OTHERS])
    groups: dict[tuple, list[tuple[str, list[dict]]]] = {}
    for fact, fact_rows in sorted(facts.items(), key=lambda item: (_first_date(item[1]), item[0])):
        first = fact_rows[0]
        status = status_name(first.get("status"))
        kind = _capital(first.get("kindLabel") or shorten(first.get("factType") or ""))
        roles = tuple(sorted({r.get("roleLabel") or shorten(r["role"]) for r in fact_rows}))
        key = (kind, _status_rank(status), roles) if grouped else (fact,)
        groups.setdefault(key, []).append((fact, fact_rows))
    for key, members in sorted(groups.items(), key=lambda kv: kv[0] if grouped else (0,)):
        fact_rows = [r for _, rs in members for r in rs]
        first = fact_rows[0]
        status = status_name(first.get("status"))
        kind = _capital(first.get("kindLabel") or shorten(first.get("factType") or ""))
        roles = sorted({r.get("roleLabel") or shorten(r["role"]) for r in fact_rows})
        articles = sorted({r["article"] for r in fact_rows})
        dates = [r["date"] for r in fact_rows if r.get("date")]
        positions = sorted({r["position"] for r in fact_rows if r.get("position")})
        fid = node_id(members[0][0]) if not grouped else "g_" + re.sub(r"[^A-Za-z0-9_]", "_",
                                                                          f"{kind}_{status}_{'_'.join(roles)}")
        label = kind + (f" ({', '.join(positions)})" if positions and not grouped else "")
        if grouped:
            label += f" ×{len(members)}"
        if dates and not grouped:
            label += "\n" + _date_text(dates)
        if status != "confirmed":
            label += f"\n{status}"
        lines = [f"{kind}{'' if not grouped else f' ({len(members)} facts)'}", f"status: {status}"]
        for fact, rs in members[:12]:
            arts = _articles_text(sorted({r["article"] for r in rs}))
            lines.append(f"[{arts}] {rs[0].get('summary') or shorten(fact)}")
        if len(members) > 12:
            lines.append(f"… and {len(members) - 12} more")
        picture.nodes[fid] = Node(fid, label, category="fact", status=status, tooltip="\n".join(lines),
                                  href=link(articles[0]))
        picture.edges.append(Edge(centre, fid, label=", ".join(roles), status=status, relation="role",
                                  tooltip=f"{about_label}: {', '.join(roles)} in {kind.lower()}; status {status}; "
                                          f"{_articles_text(articles)}", href=link(articles[0])))
        others: dict[str, dict[str, set[str]]] = {}
        for r in fact_rows:
            if r.get("other") and (kept_others is None or r["other"] in kept_others):
                role = r.get("otherRoleLabel") or shorten(r["otherRole"])
                others.setdefault(r["other"], {}).setdefault(role, set()).add(r["fact"])
                oid = node_id(r["other"])
                if oid not in picture.nodes:
                    picture.nodes[oid] = Node(oid, r["otherLabel"], category="organisation", href=link(r["other"]),
                                              tooltip=f"{r['otherLabel']} ({shorten(r['other'])})")
        for other, by_role in sorted(others.items()):
            parts = [role + (f" ×{len(fs)}" if grouped and len(fs) > 1 else "") for role, fs in sorted(by_role.items())]
            # A hub's second hop carries its roles in the tooltip only: labels would swamp the picture.
            picture.edges.append(Edge(fid, node_id(other), label="" if grouped else ", ".join(parts),
                                      status=status, relation="role",
                                      href=link(articles[0]),
                                      tooltip=f"{picture.nodes[node_id(other)].label}: {', '.join(parts)} in "
                                              f"{kind.lower()}; status {status}; {_articles_text(articles)}"))
    present = {e.status for e in picture.edges}
    picture.legend = [(s, _legend_words(s)) for s in STATUS_ORDER if s in present]
    if grouped:
        picture.note = (f"{len(facts)} facts, grouped by kind, status and role; the {len(kept_others)} entities "
                        f"sharing most facts with it (kg timeline --about {shorten(about_iri)} lists the facts)")
    elif not facts:
        picture.note = f"No facts involve {about_label} in the KG."
    return picture


def _first_date(rows: list[dict]) -> tuple:
    dates = [date_key(r["date"][0]) for r in rows if r.get("date")]
    return min(dates) if dates else (99999, 0, 0)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------
# Timeline: dated facts on an axis, at their precision
# ---------------------------------------------------------------------------

def timeline(rows: list[dict], *, about_iri=None, about_label=None, link) -> Timeline:
    events: dict[tuple, TimelineEvent] = {}
    for row in rows:
        date, precision = row["date"]
        key = (row["fact"], date)
        event = events.get(key)
        if event is None:
            end, end_precision = row["end"] if row.get("end") else ("", "")
            event = events[key] = TimelineEvent(
                row["fact"], row.get("kindLabel") or shorten(row["factType"]), date, precision, end, end_precision,
                row.get("dateText") or "", row.get("summary") or "", status_name(row.get("status")))
        entry = (row["article"], row.get("articleLabel") or "")
        if entry not in event.articles:
            event.articles.append(entry)
        if row.get("dateText") and not event.date_text:
            event.date_text = row["dateText"]
    ordered = sorted(events.values(), key=lambda e: (date_key(e.date), e.fact, e.date))
    for event in ordered:
        event.articles.sort()
    title = "Timeline of the MQM knowledge graph" if not about_label else f"Timeline: {about_label}"
    return Timeline(title, ordered, link)


# ---------------------------------------------------------------------------
# DOT
# ---------------------------------------------------------------------------

def _href(url: str) -> str:
    # Graphviz copies URLs into SVG attributes without escaping them.
    return html.escape(url, quote=True) if url else ""


def _tip(text: str) -> str:
    # A tooltip is an escString: a backslash would start an escape sequence.
    return text.replace("\\", "/")


def _esc(text: str) -> str:
    return text.replace("\\", "/")


def to_dot(model) -> str:
    """Graphviz DOT source for a :class:`Picture` or a :class:`Timeline`."""
    if isinstance(model, Timeline):
        return _timeline_dot(model)
    import graphviz

    graph = graphviz.Digraph(model.kind, comment=f"kg diagram {model.kind}: {model.title}")
    graph.attr(rankdir=model.rankdir, fontname=FONT, fontsize="16", labelloc="t", labeljust="l",
               label=_esc(model.title + (f"\n{model.note}" if model.note else "")), tooltip=_tip(model.title),
               nodesep="0.25", ranksep="0.6", newrank="true", pad="0.2", bgcolor="white")
    graph.attr("node", fontname=FONT, fontsize="11", margin="0.12,0.06", penwidth="1.2")
    graph.attr("edge", fontname=FONT, fontsize="9", arrowsize="0.7")
    for nid in sorted(model.nodes):
        node = model.nodes[nid]
        attrs = dict(CATEGORY_STYLES.get(node.category, CATEGORY_STYLES["organisation"]))
        if node.category == "fact":
            style = STATUS_STYLES.get(node.status, STRUCTURAL)
            attrs.update(color=style.colour, style="filled" + (",dashed" if style.line == "dashed" else ""),
                         fillcolor="#FFFFFF")
        if node.focus:
            attrs["style"] = ",".join(sorted(set(attrs.get("style", "").split(",")) - {""} | {"filled", "bold"}))
            attrs["fillcolor"] = FOCUS_FILL
        label = _esc(node.label)
        if node.note:
            label = f"<{html.escape(node.label)}<BR/><FONT POINT-SIZE=\"9\">{html.escape(node.note)}</FONT>>"
        graph.node(nid, label=label, tooltip=_tip(node.tooltip or node.label), URL=_href(node.href),
                   target="_top", **{"class": f"{node.category}" + (" focus" if node.focus else "")}, **attrs)
    for index, edge in enumerate(model.edges):
        style = edge.style
        attrs = {"color": style.colour, "fontcolor": style.colour if edge.status else GREY,
                 "style": style.line, "penwidth": "1.6" if edge.status == "confirmed" else "1.3"}
        if edge.relation == "organ":
            attrs.update(arrowhead="none", penwidth="1")
        label = _esc(edge.label)
        if edge.strike:
            name = html.escape(edge.label.replace(" ✗ denied", ""))
            label = f"<<S>{name}</S> ✗ denied>"
        status_class = f"status-{edge.status}" if edge.status else "structural"
        graph.edge(edge.tail, edge.head, label=label, tooltip=_tip(edge.tooltip), labeltooltip=_tip(edge.tooltip),
                   edgetooltip=_tip(edge.tooltip), URL=_href(edge.href), target="_top",
                   id=f"{model.kind}-edge-{index}",
                   **{"class": f"{edge.relation.replace(' ', '-')} {status_class}"}, **attrs)
    if model.legend:
        with graph.subgraph(name="cluster_legend") as legend:
            legend.attr(label="Legend", fontsize="11", style="rounded", color=GREY, fontcolor="#000000",
                        tooltip="Legend: line styles by epistemic status")
            for status, words in model.legend:
                style = STATUS_STYLES.get(status, STRUCTURAL)
                a, b = f"legend_{status}_a", f"legend_{status}_b"
                for end in (a, b):
                    legend.node(end, label="", shape="point", width="0.05", color=GREY, tooltip=_tip(words),
                                **{"class": "legend"})
                label = "<<S>name</S> ✗ denied>" if status == "denied" else words
                extra = {"arrowhead": "none"} if status == "organ" else {}
                legend.edge(a, b, label=label, color=style.colour, fontcolor=style.colour, style=style.line,
                            tooltip=_tip(words), labeltooltip=_tip(words),
                            **{"class": f"legend status-{status}"}, **extra)
            for previous, category in zip([None] + model.node_legend, model.node_legend):
                look = dict(CATEGORY_STYLES[category])
                legend.node(f"legend_node_{category}", label=CATEGORY_WORDS[category], tooltip=CATEGORY_WORDS[category],
                            **{"class": f"legend {category}"}, **look)
                if previous:  # side by side
                    legend.edge(f"legend_node_{previous}", f"legend_node_{category}", style="invis")
    return graph.source


def render(source: str, fmt: str, *, engine: str = "dot") -> bytes:
    """Render DOT ``source`` to svg or png bytes with Graphviz (``neato`` means ``neato -n2``)."""
    try:
        import graphviz
    except ImportError:  # pragma: no cover - a declared dependency
        raise RendererMissingError("the Python package 'graphviz' is not installed",
                                   hint="pip install graphviz, or use --format dot or --format mermaid") from None
    try:
        extra = {"neato_no_op": 2} if engine == "neato" else {}
        return graphviz.Source(source, engine=engine).pipe(format=fmt, quiet=True, **extra)
    except graphviz.ExecutableNotFound:
        raise RendererMissingError(
            f"Graphviz's '{engine}' program is not installed, so {fmt} cannot be drawn",
            hint="install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
                 "https://graphviz.org/download/), or use --format dot or --format mermaid, which need no "
                 "renderer") from None
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise KGError(f"Graphviz failed to draw the diagram: {detail[0] if detail else exc}") from None


def svg_inline(svg: str | bytes) -> str:
    """An SVG document without its XML prolog, doctype and comments' header, for embedding in HTML."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


_EMBEDDED: dict = {}
EMBED_CAPTIONS = {"lineage": "How the MQM broke apart: splits, foundings, mergers, factions and organs",
                  "defections": "Who moved from where to where, and who is only rumoured to",
                  "timeline": "When it happened, each fact at the precision of its date",
                  "neighbourhood": "This entity's facts and everyone they involve"}


def embed(data_dir: DataDir, kind: str, *, about: str | None = None, store=None, link=None,
          open_limit: float = 1600.0) -> str:
    """An HTML fragment for a web page: the picture as inline SVG in a ``<figure>``.

    ``<details class="kg-diagram-box">`` holds ``<figure class="kg-diagram" data-diagram=KIND>``
    (open unless the picture is taller than ``open_limit`` points). Returns "" when ``about``
    names nothing with a label (a fact, an article), and a short note instead of the picture
    when Graphviz is missing. Memoised per data dir, store, kind and ``about``: a served store is
    read-only, so a page pays for Graphviz once.
    """
    key = (str(getattr(data_dir, "root", data_dir)), id(store), kind, about, id(link))
    if key in _EMBEDDED:
        return _EMBEDDED[key]
    caption = EMBED_CAPTIONS.get(kind, kind)
    try:
        model = build(data_dir, kind, about=about, store=store, link=link)
    except KGError:
        return ""
    if isinstance(model, Picture) and kind == "neighbourhood" and not model.edges:
        return ""
    try:
        svg = render(to_dot(model), "svg", engine="neato" if isinstance(model, Timeline) else "dot").decode("utf-8")
    except RendererMissingError as exc:
        fragment = (f'<p class="kg-diagram-missing" data-diagram="{html.escape(kind)}">The {html.escape(kind)} picture '
                    f"needs Graphviz: {html.escape(exc.message)} ({html.escape(exc.hint or '')}).</p>")
    else:
        svg = svg_inline(svg)
        svg = re.sub(r'\bid="', f'id="{kind}-', svg)  # two pictures on one page: unique ids
        height = re.search(r'<svg width="[\d.]+pt" height="([\d.]+)pt"', svg)
        is_open = " open" if not height or float(height.group(1)) <= open_limit else ""
        fragment = (f'<details class="kg-diagram-box"{is_open}><summary>{html.escape(caption)}</summary>'
                    f'<figure class="kg-diagram" data-diagram="{html.escape(kind)}">{svg}'
                    f"<figcaption><small>Drawn from the stored query diagram-{html.escape(kind)}; hover a mark "
                    f"for its status and article. Solid: confirmed; dashed: claimed, alleged or speculated; "
                    f"struck through in vermillion: denied.</small></figcaption></figure></details>")
    if len(_EMBEDDED) > 512:
        _EMBEDDED.clear()
    _EMBEDDED[key] = fragment
    return fragment


# ---------------------------------------------------------------------------
# Timeline layout (points; y grows downwards here and is flipped for Graphviz)
# ---------------------------------------------------------------------------

LINE = 12.0  # line height of 10 pt text
LABEL_WIDTH = 470.0
WRAP = 84  # characters per summary line at 10 pt in LABEL_WIDTH
DATE_WIDTH = 118.0
LANE = 7.0
HEADER = 24.0
SECTION_GAP = 6.0
MARK = {"day": ("circle", 9.0), "month": ("diamond", 12.0), "year": ("square", 9.0)}


@dataclass
class _Row:
    event: TimelineEvent
    top: float = 0.0
    height: float = 0.0
    lines: list[str] = field(default_factory=list)

    @property
    def middle(self) -> float:
        return self.top + self.height / 2


def _span_end(event: TimelineEvent) -> tuple | None:
    """The last day an event may fall on, when it is not a single known day."""
    if event.end:
        return date_last(event.end)
    if event.precision != "day":
        return date_last(event.date)
    return None


def timeline_layout(model: Timeline):
    """Rows (top, height), year sections and span lanes for the timeline."""
    rows, sections, y, year = [], [], 0.0, None
    for event in model.events:
        event_year = date_key(event.date)[0]
        if event_year != year:
            if year is not None:
                y += SECTION_GAP if event_year - year <= 1 else SECTION_GAP * 3
            sections.append([event_year, y, y])
            y += HEADER
            year = event_year
        head = f"{_capital(event.kind)} · {event.status} · {_articles_text([a for a, _ in event.articles])}"
        lines = [head] + textwrap.wrap(event.summary, WRAP) or [head]
        height = max(2, len(lines)) * LINE + 8
        rows.append(_Row(event, y, height, lines))
        y += height
        sections[-1][2] = y
    spans, lane_ends = [], []
    for index, row in enumerate(rows):
        last = _span_end(row.event)
        if last is None:
            continue
        end_index = index
        for later in range(index + 1, len(rows)):
            if date_key(rows[later].event.date) <= last:
                end_index = later
        lane = next((i for i, end in enumerate(lane_ends) if end < index), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(end_index)
        lane_ends[lane] = end_index
        spans.append((row, rows[end_index], lane))
    return rows, sections, spans, len(lane_ends), y


def _timeline_dot(model: Timeline) -> str:
    import graphviz

    link = model.link or (lambda iri: iri)
    rows, sections, spans, lanes, height = timeline_layout(model)
    lanes_width = max(lanes, 1) * LANE
    x_axis = DATE_WIDTH + 16 + lanes_width + 8
    x_label = x_axis + 14
    top_block = 70.0  # title and legend
    total = height + top_block + 10

    def pos(x: float, y: float) -> str:
        return f"{x:.1f},{total - y:.1f}"

    graph = graphviz.Digraph("timeline", comment="kg diagram timeline: render with neato -n2 (positions are fixed)")
    graph.attr(fontname=FONT, bgcolor="white", pad="0.2", tooltip=_tip(model.title), splines="false")
    graph.attr("node", fontname=FONT, fontsize="10", fixedsize="true", margin="0", penwidth="1")
    width_all = x_label + LABEL_WIDTH
    graph.node("title", label=_esc(model.title + (f" ({len(rows)} dated facts)" if rows else ": no dated facts")),
               shape="plaintext", fontsize="16", width=f"{width_all / 72:.3f}", height="0.35",
               pos=pos(width_all / 2, 12), tooltip=_tip(model.title))
    legend = ('<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="2"><TR>'
              + "".join(f'<TD><FONT COLOR="{STATUS_STYLES[s].colour}">●</FONT> {s}</TD>' for s in STATUS_ORDER)
              + '<TD>   ● day   ◆ month   ■ year   ┃ may fall anywhere in the bar\'s rows</TD>'
              + "</TR></TABLE>>")
    graph.node("legend", label=legend, shape="plaintext", fontsize="9", width=f"{width_all / 72:.3f}",
               height="0.3", pos=pos(width_all / 2, 40),
               tooltip="Legend: marker colour = epistemic status; marker shape = precision of the date; "
                       "a bar spans the rows its month, year or period covers")
    offset = top_block
    for index, (year, start, end) in enumerate(sections):  # backgrounds first: later marks draw over them
        band_h = end - start
        graph.node(f"band_{index}", label="", shape="box", style="filled", color=LIGHT if index % 2 == 0 else "white",
                   fillcolor=LIGHT if index % 2 == 0 else "white", width=f"{width_all / 72:.3f}",
                   height=f"{band_h / 72:.3f}", pos=pos(width_all / 2, offset + start + band_h / 2),
                   tooltip=str(year))
    for index, (year, start, end) in enumerate(sections):
        band_h = end - start
        graph.node(f"year_{index}", label=str(year), shape="plaintext", fontsize="12",
                   width=f"{DATE_WIDTH / 72:.3f}", height=f"{HEADER / 72:.3f}",
                   pos=pos(DATE_WIDTH / 2, offset + start + HEADER / 2), tooltip=str(year))
        graph.node(f"axis_{index}", label="", shape="box", style="filled", color=GREY, fillcolor=GREY,
                   width=f"{1.5 / 72:.4f}", height=f"{max(band_h - HEADER + 4, 1) / 72:.3f}",
                   pos=pos(x_axis, offset + start + HEADER + (band_h - HEADER) / 2), tooltip=f"{year}")
        if index + 1 < len(sections):
            years = sections[index + 1][0] - year
            if years > 1:
                gap_middle = offset + (end + sections[index + 1][1]) / 2
                graph.node(f"gap_{index}", label=f"⋮  {years - 1} year{'s' if years > 2 else ''} without dated facts",
                           shape="plaintext", fontsize="8", fontcolor=GREY, width="2.4", height=f"{10 / 72:.3f}",
                           pos=pos(x_axis + 86, gap_middle),
                           tooltip=f"{years - 1} year(s) with no dated fact: the axis is not to scale")
    for row_index, (row_start, row_end, lane) in enumerate(spans):
        event = row_start.event
        style = STATUS_STYLES.get(event.status, STRUCTURAL)
        top, bottom = offset + row_start.top + 3, offset + row_end.top + row_end.height - 3
        x = x_axis - 12 - lane * LANE
        what = "period" if event.end else event.precision
        graph.node(f"span_{row_index}", label="", shape="box", style="filled", color=style.colour,
                   fillcolor=style.colour, width=f"{2.5 / 72:.4f}", height=f"{(bottom - top) / 72:.3f}",
                   pos=pos(x, (top + bottom) / 2), URL=_href(link(event.articles[0][0])), target="_top",
                   tooltip=_tip(f"{event.kind}, {event.when()} ({what} only): somewhere in the rows this bar "
                                f"spans; status {event.status}; {_articles_text([a for a, _ in event.articles])}"),
                   **{"class": f"span status-{event.status}"})
    for index, row in enumerate(rows):
        event = row.event
        style = STATUS_STYLES.get(event.status, STRUCTURAL)
        y = offset + row.top + row.height / 2
        articles = _articles_text([a for a, _ in event.articles])
        tip = "\n".join([f"{event.kind}: {event.when()}" + (f' ("{event.date_text}")' if event.date_text else ""),
                         f"status: {event.status}; {articles}", event.summary])
        href = _href(link(event.articles[0][0]))
        shape, size = MARK[event.precision]
        graph.node(f"mark_{index}", label="", shape=shape, style="filled", color=style.colour,
                   fillcolor=style.colour, width=f"{size / 72:.3f}", height=f"{size / 72:.3f}",
                   pos=pos(x_axis, y), tooltip=_tip(tip), URL=href, target="_top",
                   **{"class": f"mark {event.precision} status-{event.status}"})
        graph.node(f"date_{index}", label=_esc(event.when()) + "\\r", shape="plaintext", fontsize="10",
                   width=f"{DATE_WIDTH / 72:.3f}", height=f"{LINE / 72:.3f}", pos=pos(DATE_WIDTH / 2, y),
                   tooltip=_tip(tip), URL=href, target="_top", **{"class": f"date {event.precision}"})
        text = "\\l".join(_esc(line) for line in row.lines) + "\\l"
        graph.node(f"event_{index}", label=text, shape="plaintext", fontsize="10",
                   width=f"{LABEL_WIDTH / 72:.3f}", height=f"{(row.height - 4) / 72:.3f}",
                   pos=pos(x_label + LABEL_WIDTH / 2, y), tooltip=_tip(tip), URL=href, target="_top",
                   **{"class": f"event status-{event.status}"})
    return graph.source


# ---------------------------------------------------------------------------
# Mermaid
# ---------------------------------------------------------------------------

def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: entity codes for quotes and markup characters."""
    replacements = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;"}
    return "".join(replacements.get(ch, ch) for ch in " ".join(text.split()))


def _mermaid_label(text: str) -> str:
    parts = [mermaid_text(part) for part in text.split("\n")]
    return "<br/>".join(parts)


def to_mermaid(model) -> str:
    """Mermaid text: a flowchart for a :class:`Picture`, a ``timeline`` for a :class:`Timeline`."""
    if isinstance(model, Timeline):
        return _timeline_mermaid(model)
    out = ["---", f"title: {_front_matter(model.title)}", "---", f"flowchart {model.rankdir}"]
    if model.note:
        out.append(f"    %% {model.note}")
    classes: dict[str, list[str]] = {}
    for nid in sorted(model.nodes):
        node = model.nodes[nid]
        label = _mermaid_label(node.label + (f"\n{node.note}" if node.note else ""))
        shape = ('(["', '"])') if node.category == "fact" else ('["', '"]')
        out.append(f"    {nid}{shape[0]}{label}{shape[1]}")
        classes.setdefault("focus" if node.focus else node.category, []).append(nid)
    link_styles = []
    for index, edge in enumerate(model.edges):
        style = edge.style
        if edge.status == "denied":
            arrow = "-.-x"
        elif edge.relation == "organ":
            arrow = "---"
        elif style.line == "dashed":
            arrow = "-.->"
        else:
            arrow = "-->"
        label = f'|"{_mermaid_label(edge.label)}"|' if edge.label else ""
        out.append(f"    %% {mermaid_text(' '.join(edge.tooltip.split()))}")
        out.append(f"    {edge.tail} {arrow}{label} {edge.head}")
        width = "2px" if edge.status == "confirmed" else "1.5px"
        link_styles.append(f"    linkStyle {index} stroke:{style.colour},stroke-width:{width},color:{style.colour}")
    if model.legend:
        out.append('    subgraph legend["Legend"]')
        out.append("        direction LR")
        for status, words in model.legend:
            if status == "denied":  # Mermaid cannot strike text through
                words = "denied: dashed, ending in ✗, name marked ✗ denied"
            out.append(f'        legend_{status}_text["{mermaid_text(words)}"]')
            classes.setdefault(f"legend_{status}", []).append(f"legend_{status}_text")
        out.append("    end")
    out.extend(link_styles)
    for category in sorted(classes):
        out.append(f"    classDef {category} {_mermaid_class(category)}")
        out.append(f"    class {','.join(classes[category])} {category}")
    for nid in sorted(model.nodes):
        node = model.nodes[nid]
        if node.href:
            out.append(f'    click {nid} href "{_mermaid_url(node.href)}" "{_mermaid_tooltip(node.tooltip)}"')
    return "\n".join(out) + "\n"


def _front_matter(text: str) -> str:
    return '"' + text.replace("\\", "/").replace('"', "'") + '"'


def _mermaid_url(url: str) -> str:
    return url.replace('"', "%22").replace(" ", "%20")


def _mermaid_tooltip(text: str) -> str:
    return " ".join(text.replace('"', "'").split())


def _mermaid_class(category: str) -> str:
    if category.startswith("legend_"):
        style = STATUS_STYLES.get(category[len("legend_"):], STRUCTURAL)
        dash = ",stroke-dasharray:5 3" if style.line == "dashed" else ""
        return f"fill:#FFFFFF,stroke:{style.colour},color:{style.colour},stroke-width:2px{dash}"
    if category == "focus":
        return f"fill:{FOCUS_FILL},stroke:#000000,stroke-width:2px"
    look = CATEGORY_STYLES.get(category, CATEGORY_STYLES["organisation"])
    fill = look.get("fillcolor", "#FFFFFF")
    stroke = look.get("color", "#000000")
    width = "2px" if "bold" in look.get("style", "") else "1px"
    dash = ",stroke-dasharray:4 3" if ("dashed" in look.get("style", "") or "dotted" in look.get("style", "")) else ""
    return f"fill:{fill},stroke:{stroke},stroke-width:{width}{dash}"


def _timeline_text(text: str) -> str:
    # In a Mermaid timeline ':' separates events and '#' starts entity codes: keep neither raw.
    return " ".join(mermaid_text(text).replace(":", " -").replace(";", ",").split())


def _timeline_mermaid(model: Timeline) -> str:
    out = ["timeline", f"    title {_timeline_text(model.title)}"]
    section = None
    by_when: dict[tuple, list[TimelineEvent]] = {}
    for event in model.events:
        by_when.setdefault((date_key(event.date)[0], event.when(), date_key(event.date)), []).append(event)
    for (year, when, _key), events in by_when.items():
        if year != section:
            out.append(f"    section {year}")
            section = year
        texts = []
        for event in events:
            summary = event.summary if len(event.summary) <= 110 else event.summary[:109].rstrip() + "…"
            articles = _articles_text([a for a, _ in event.articles])
            texts.append(_timeline_text(f"{event.kind} ({event.status}, {articles}) {summary}"))
        out.append(f"        {_timeline_text(when)} : " + " : ".join(texts))
    if not model.events:
        out.append("    section no dated facts")
        out.append("        - : nothing to show")
    return "\n".join(out) + "\n"
