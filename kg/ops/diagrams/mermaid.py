"""Mermaid text: a ``flowchart`` for a picture, a ``timeline`` for the timeline; needs no renderer.

Labels are quoted and use Mermaid's entity codes for quotes and markup characters, so any
name is safe; the tests check the grammar line by line, and with Mermaid itself where present.

Layer: kg.ops; imports kg.store and below, never kg.render, kg.cli or kg.web.
"""
from __future__ import annotations

from kg.ops.diagrams.dot import node_order
from kg.ops.diagrams.model import (CATEGORY_STYLES, FOCUS_FILL, STATUS_STYLES, STRUCTURAL, Timeline, TimelineEvent,
                               articles_text, date_key)

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
    for nid in node_order(model):
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
            articles = articles_text([a for a, _ in event.articles])
            texts.append(_timeline_text(f"{event.kind} ({event.status}, {articles}) {summary}"))
        out.append(f"        {_timeline_text(when)} : " + " : ".join(texts))
    if not model.events:
        out.append("    section no dated facts")
        out.append("        - : nothing to show")
    return "\n".join(out) + "\n"
