"""`kg diagram`: the MQM family tree, the defection network, a timeline, an entity's neighbourhood.

Everything drawn comes from the stored queries ``queries/diagram-*.rq`` over the reasoned KG,
so a new article changes the pictures without code changes. Each picture is first built as a
small neutral model (:class:`Picture`: nodes, edges, a legend) and then written as Graphviz DOT
(through the ``graphviz`` package) or as Mermaid text; ``svg`` and ``png`` are rendered by
Graphviz's ``dot`` program. The timeline is laid out in kg.ops.diagrams.dot (rows on a vertical
axis, marks at the precision of their date) and rendered with ``neato -n2``, which keeps the
given positions. The parts live in the package kg.ops.diagrams (model, pictures, dot, mermaid);
this module is the entry: :func:`diagram`, :func:`build` and :func:`embed` (for web pages).

Readability rules: the Okabe-Ito palette (safe for colour-blind readers), and epistemic status
never shown by colour alone: confirmed is a solid line, claimed, alleged and speculated are
dashed with the status in words, denied is dashed vermillion with the name struck through.
Every node, edge and mark carries a tooltip (SVG ``xlink:title``) with its status and articles,
and links to the article (or entity) through ``link``. Output is deterministic: rows are
grouped and sorted, identifiers derive from IRIs.

Layer: kg.ops; imports kg.store and below, never kg.render, kg.cli or kg.web.
"""
from __future__ import annotations

import html
import re

from kg.ops.diagrams import pictures
from kg.ops.diagrams.dot import render, svg_inline, to_dot
from kg.ops.diagrams.mermaid import mermaid_text, to_mermaid
from kg.ops.diagrams.model import EXTENSIONS, FORMATS, KINDS, OKABE_ITO, STATUS_ORDER, STATUS_STYLES, Picture, Timeline
from kg.config import DEFAULTS, Settings
from kg.errors import KGError, RendererMissingError
from kg.rdf.vocab import XSD, shorten
from kg.project.paths import DataDir

__all__ = ["KINDS", "FORMATS", "EXTENSIONS", "OKABE_ITO", "STATUS_ORDER", "STATUS_STYLES", "RendererMissingError",
           "diagram", "build", "embed", "render", "resolve_about", "svg_inline", "to_dot", "to_mermaid",
           "mermaid_text"]


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------

def diagram(data_dir: DataDir, kind: str, *, about: str | None = None, fmt: str = "svg",
            store=None, link=None, settings: Settings = DEFAULTS, progress=None) -> bytes | str:
    """Draw ``kind`` (lineage, defections, timeline, neighbourhood) as svg, png, dot or mermaid.

    ``about`` is any name or IRI (resolved like ``kg whois``); ``link`` maps an IRI (entity or
    article) to the href a mark links to (default: the IRI itself). Returns bytes for png,
    text otherwise.
    """
    if fmt not in FORMATS:
        raise KGError(f"unknown diagram format {fmt!r}; expected one of {', '.join(FORMATS)}")
    model = build(data_dir, kind, about=about, store=store, link=link, settings=settings, progress=progress)
    if fmt == "mermaid":
        return to_mermaid(model)
    source = to_dot(model)
    if fmt == "dot":
        return source
    data = render(source, fmt, engine="neato" if isinstance(model, Timeline) else "dot")
    return data if fmt == "png" else data.decode("utf-8")


def build(data_dir: DataDir, kind: str, *, about: str | None = None, store=None, link=None,
          settings: Settings = DEFAULTS, progress=None):
    """The neutral model of a picture: a :class:`Picture`, or a :class:`Timeline`."""
    import pyoxigraph as ox

    from kg.store.cache import open_store

    if kind not in KINDS:
        raise KGError(f"unknown diagram {kind!r}; expected one of {', '.join(KINDS)}")
    store = store or open_store(data_dir, settings=settings, progress=progress)
    link = link or (lambda iri: iri)
    about_iri = about_label = None
    if about:
        about_iri, about_label = resolve_about(data_dir, about, store=store)
    elif kind == "neighbourhood":
        raise KGError("the neighbourhood diagram needs --about ENTITY",
                      hint="for example: kg diagram neighbourhood --about 'Sagheer Ahmed'")
    bindings = {"about": ox.NamedNode(about_iri)} if about_iri else {}
    rows = _rows(data_dir, store, f"diagram-{kind}", bindings)
    builder = getattr(pictures, kind)
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
    from kg.ops.whois import resolve

    match = resolve(data_dir, about, store=store)
    return match.iri, match.label


def _rows(data_dir: DataDir, store, name: str, bindings: dict) -> list[dict]:
    from kg.ops.query import run_query
    from kg.project.catalogue import get_query

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


#: Fragments drawn in this process (kg.web's query workers), keyed by data dir, store, kind,
#: about and link: a worker serves one read-only store for its whole life, so a fragment
#: never goes stale; the memo is cleared past 512 entries.
_EMBEDDED: dict = {}
EMBED_CAPTIONS = {"lineage": "How the MQM broke apart: splits, foundings, mergers, factions and organs",
                  "defections": "Who moved from where to where, and who is only rumoured to",
                  "timeline": "When it happened, each fact at the precision of its date",
                  "neighbourhood": "This entity's facts and everyone they involve"}


def embed(data_dir: DataDir, kind: str, *, about: str | None = None, store=None, link=None,
          settings: Settings = DEFAULTS, open_limit: float = 1600.0) -> str:
    """An HTML fragment for a web page: the picture as inline SVG in a ``<figure>``.

    ``<details class="kg-diagram-box">`` holds ``<figure class="kg-diagram" data-diagram=KIND>``
    (open unless the picture is taller than ``open_limit`` points). Returns "" when ``about``
    names nothing with a label (a fact, an article), and a short note instead of the picture
    when Graphviz is missing. Memoised per data dir, store, kind and ``about``: a served store is
    read-only, so a page pays for Graphviz once.
    """
    key = (str(getattr(data_dir, "root", data_dir)), str(settings.cache_dir), id(store), kind, about, id(link))
    if key in _EMBEDDED:
        return _EMBEDDED[key]
    caption = EMBED_CAPTIONS.get(kind, kind)
    try:
        model = build(data_dir, kind, about=about, store=store, link=link, settings=settings)
    except KGError:
        return ""
    if isinstance(model, Picture) and kind == "neighbourhood" and not model.edges:
        return ""
    try:
        svg = render(to_dot(model), "svg", engine="neato" if isinstance(model, Timeline) else "dot").decode("utf-8")
    except RendererMissingError as exc:
        fragment = (f'<p class="kg-diagram-missing" data-diagram="{html.escape(kind)}">The {html.escape(kind)} picture '
                    f"needs Graphviz: {html.escape(exc.message)} ({html.escape(exc.hint or '')}).</p>")
    except KGError as exc:  # Graphviz failed on this picture: the page still renders, without it
        fragment = (f'<p class="kg-diagram-missing" data-diagram="{html.escape(kind)}">The {html.escape(kind)} picture '
                    f"could not be drawn: {html.escape(str(exc))}</p>")
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
