"""The pictures as models, built from the rows of the stored queries ``queries/diagram-*.rq``.

``lineage``, ``defections`` and ``neighbourhood`` give a :class:`Picture`; ``timeline`` a
:class:`Timeline`. Rows are plain values (IRIs and literals as strings, dates as
``(lexical, precision)``); grouping and sorting make the output deterministic.

Layer: kg.ops; imports kg.store and below, never kg.render, kg.cli or kg.web.
"""
from __future__ import annotations

import re

from kg.ops.diagrams.model import (MQM, NEIGHBOURHOOD_DETAIL_LIMIT, NEIGHBOURHOOD_MAX_OTHERS, RELATION_WORDS,
                               STATUS_ORDER, STATUS_STYLES, STRUCTURAL, Edge, Node, Picture, Timeline, TimelineEvent,
                               articles_text, capital, date_key, date_text, legend_words, mark_focus, node_id,
                               shorten, status_name, status_rank)

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
    def order(item):  # events by date first, then factions, then organs: splinters stay together
        (parent, child, relation, status), group = item
        kind = 2 if relation.endswith("unitOf") else 1 if relation.endswith("factionOf") else 0
        dates = [date_key(r["date"][0]) for r in group if r.get("date")]
        return (kind, min(dates) if dates else (99999, 0, 0), parent, child, relation, status_rank(status))

    for (parent, child, relation, status), group in sorted(groups.items(), key=order):
        word = RELATION_WORDS.get(relation, shorten(relation))
        dates = [r["date"] for r in group if r.get("date")]
        articles = sorted({r["article"] for r in group if r.get("article")})
        parent_label, child_label = group[0]["parentLabel"], group[0]["childLabel"]
        parts = [word] if word else []
        if dates:
            parts.append(date_text(dates))
        if word and status and status != "confirmed":
            parts.append(f"({status})")
        if relation in (MQM + "Split", MQM + "Founding", MQM + "Merger"):
            lines = [f"{parent_label} {word} {child_label}" + (f", {date_text(dates)}" if dates else ""),
                     f"status: {status or 'not stated'}"]
            seen = set()
            for r in sorted(group, key=lambda r: (r.get("article") or "", r.get("step") or "")):
                entry = (r.get("article"), r.get("summary"))
                if entry not in seen and r.get("summary"):
                    seen.add(entry)
                    lines.append(f"[{articles_text([r['article']]) if r.get('article') else 'no article'}] "
                                 f"{r['summary']}")
        else:
            kind = "a faction of" if relation == MQM + "factionOf" else "a unit (organ) of"
            lines = [f"{child_label} is {kind} {parent_label} (entity register, no dated event)",
                     "status: not a reported event",
                     f"mentioned in {articles_text(articles)}" if articles else "mentioned in no article"]
        picture.edges.append(Edge(node_id(parent), node_id(child), label="\n".join(parts),
                                  status=status if word else "", relation=word or "organ",
                                  tooltip="\n".join(lines), href=link(articles[0]) if articles else ""))
    mark_focus(picture, about_iri)
    present = {e.status for e in picture.edges if e.status}
    picture.legend = [(s, legend_words(s)) for s in STATUS_ORDER if s in present]
    if any(e.relation == "faction" for e in picture.edges):
        picture.legend.append(("faction", "faction of (no dated event)"))
    if any(e.relation == "organ" for e in picture.edges):
        picture.legend.append(("organ", "party organ (unit) of"))
    categories = {n.category for n in picture.nodes.values()}
    picture.node_legend = [c for c in ("party", "faction", "organ", "organisation") if c in categories]
    if not picture.edges:
        picture.note = "No lineage links" + (f" for {about_label}" if about_label else "") + " in the KG."
    return picture


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
                status_rank(status), group[0]["personLabel"], person)

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
            move += f", {date_text(dates)}"
        lines = [move, f"status: {status}"]
        seen = set()
        for r in sorted(group, key=lambda r: (r["article"], r.get("source") or "", r["defection"])):
            entry = (r["article"], r.get("source"), r.get("summary"))
            if entry not in seen:
                seen.add(entry)
                lines.append(f"[{articles_text([r['article']])}] {r.get('source') or 'unattributed'}: "
                             f"{r.get('summary') or ''}".rstrip())
        articles = sorted({r["article"] for r in group})
        label = name + (f" ({style.words})" if style.words and status != "denied" else "")
        if status == "denied":
            label = f"{name} ✗ denied"
        picture.edges.append(Edge(tail, head, label=label, status=status, relation="move",
                                  tooltip="\n".join(lines), href=link(articles[0]), strike=status == "denied"))
    mark_focus(picture, about_iri)
    picture.legend = [(s, legend_words(s)) for s in STATUS_ORDER]
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
        kind = capital(first.get("kindLabel") or shorten(first.get("factType") or ""))
        roles = tuple(sorted({r.get("roleLabel") or shorten(r["role"]) for r in fact_rows}))
        key = (kind, status_rank(status), roles) if grouped else (fact,)
        groups.setdefault(key, []).append((fact, fact_rows))
    for key, members in sorted(groups.items(), key=lambda kv: kv[0] if grouped else (0,)):
        fact_rows = [r for _, rs in members for r in rs]
        first = fact_rows[0]
        status = status_name(first.get("status"))
        kind = capital(first.get("kindLabel") or shorten(first.get("factType") or ""))
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
            label += "\n" + date_text(dates)
        if status != "confirmed":
            label += f"\n{status}"
        lines = [f"{kind}{'' if not grouped else f' ({len(members)} facts)'}", f"status: {status}"]
        for fact, rs in members[:12]:
            arts = articles_text(sorted({r["article"] for r in rs}))
            lines.append(f"[{arts}] {rs[0].get('summary') or shorten(fact)}")
        if len(members) > 12:
            lines.append(f"… and {len(members) - 12} more")
        picture.nodes[fid] = Node(fid, label, category="fact", status=status, tooltip="\n".join(lines),
                                  href=link(articles[0]))
        picture.edges.append(Edge(centre, fid, label=", ".join(roles), status=status, relation="role",
                                  tooltip=f"{about_label}: {', '.join(roles)} in {kind.lower()}; status {status}; "
                                          f"{articles_text(articles)}", href=link(articles[0])))
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
                                              f"{kind.lower()}; status {status}; {articles_text(articles)}"))
    present = {e.status for e in picture.edges}
    picture.legend = [(s, legend_words(s)) for s in STATUS_ORDER if s in present]
    if grouped:
        picture.note = (f"{len(facts)} facts, grouped by kind, status and role; the {len(kept_others)} entities "
                        f"sharing most facts with it (kg timeline --about {shorten(about_iri)} lists the facts)")
    elif not facts:
        picture.note = f"No facts involve {about_label} in the KG."
    return picture


def _first_date(rows: list[dict]) -> tuple:
    dates = [date_key(r["date"][0]) for r in rows if r.get("date")]
    return min(dates) if dates else (99999, 0, 0)


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
