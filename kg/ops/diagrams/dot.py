"""Graphviz: DOT for a picture (through the ``graphviz`` package), the fixed-position timeline
layout (rendered with ``neato -n2``), and rendering to svg or png with a clear message when
Graphviz is missing.

Layer: kg.ops; imports kg.store and below, never kg.render, kg.cli or kg.web.
"""
from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass, field

from kg.ops.diagrams.model import CATEGORY_STYLES, CATEGORY_WORDS, FOCUS_FILL, FONT, GREY, LIGHT, STATUS_ORDER, STATUS_STYLES, STRUCTURAL, Picture, Timeline, TimelineEvent, articles_text, capital, date_key, date_last
from kg.errors import KGError, RendererMissingError

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


def node_order(model: Picture) -> list[str]:
    """Nodes in the order their edges come (the layout keeps it within a rank), then the rest."""
    seen: dict[str, None] = {}
    for edge in model.edges:
        seen.setdefault(edge.tail)
        seen.setdefault(edge.head)
    return [n for n in seen if n in model.nodes] + sorted(n for n in model.nodes if n not in seen)


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
    for nid in node_order(model):
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
        head = f"{capital(event.kind)} · {event.status} · {articles_text([a for a, _ in event.articles])}"
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
                                f"spans; status {event.status}; {articles_text([a for a, _ in event.articles])}"),
                   **{"class": f"span status-{event.status}"})
    for index, row in enumerate(rows):
        event = row.event
        style = STATUS_STYLES.get(event.status, STRUCTURAL)
        y = offset + row.top + row.height / 2
        articles = articles_text([a for a, _ in event.articles])
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
