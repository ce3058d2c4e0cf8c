"""Small HTML building blocks. Every piece of data goes through ``esc`` (or ``attr``).

No template engine: pages are short, and building them from functions that escape
their arguments keeps a forgotten ``|e`` from ever becoming an injection.

Layer: top (kg.web). Imports kg.rdf.vocab only.
"""
from __future__ import annotations

import html
from urllib.parse import quote, urlencode

from kg.rdf.vocab import KG, XSD, shorten


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def attr(value) -> str:
    """A quoted attribute value."""
    return '"' + esc(value) + '"'


def href_for(iri: str) -> str:
    """Where a term's page is on this server: ``/id/<slug>`` for KG IRIs, else /resource."""
    if iri.startswith(KG) and iri[len(KG):] and "/" not in iri[len(KG):] and "#" not in iri[len(KG):]:
        return "/id/" + quote(iri[len(KG):], safe="-._~")
    return "/resource?" + urlencode({"iri": iri})


def link(iri: str, text: str | None = None) -> str:
    return f'<a href={attr(href_for(iri))}>{esc(text if text is not None else shorten(iri))}</a>'


def term_html(term, labels: dict | None = None) -> str:
    """A pyoxigraph term as HTML: IRIs become links (labelled when known), literals text."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        label = (labels or {}).get(term.value)
        return link(term.value, label) if label else link(term.value)
    if isinstance(term, ox.BlankNode):
        return f"<code>_:{esc(term.value)}</code>"
    if isinstance(term, ox.Literal):
        text = esc(term.value)
        if term.language:
            return f'<span lang={attr(term.language)}>{text}</span>'
        datatype = term.datatype.value
        if datatype.startswith(XSD) and datatype[len(XSD):] not in ("string",):
            return f'{text} <small class="dt">{esc("xsd:" + datatype[len(XSD):])}</small>'
        if datatype != XSD + "string":
            return f'{text} <small class="dt">{esc(shorten(datatype))}</small>'
        return text
    return f"<code>{esc(term)}</code>"


def table(headers, rows, *, cls: str = "results") -> str:
    """``rows`` are lists of already-escaped HTML cells; headers are escaped here."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class={attr(cls)}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def page(title: str, body: str, *, alternates: list[tuple[str, str]] | None = None) -> bytes:
    """A complete HTML document. ``alternates``: (media type, href) for <link rel=alternate>."""
    links = "".join(f'<link rel="alternate" type={attr(t)} href={attr(h)}>' for t, h in (alternates or []))
    doc = (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · MQM knowledge graph</title>"
        '<link rel="stylesheet" href="/static/style.css">'
        f"{links}</head><body>"
        '<header><a href="/">MQM knowledge graph</a> · <a href="/sparql">SPARQL endpoint</a>'
        '<form class="search" method="get" action="/search" role="search">'
        '<input type="search" name="q" placeholder="Search names, facts, quotes" aria-label="Search">'
        '<button type="submit">Search</button></form></header>'
        f"<main>{body}</main>"
        "<footer>Facts transcribed from five news articles; every statement carries its "
        "epistemic status and a verbatim quote. Data CC-BY-4.0.</footer>"
        "</body></html>\n"
    )
    return doc.encode("utf-8")


def error_page(status: int, title: str, message: str) -> bytes:
    return page(title, f"<h1>{esc(title)}</h1><p class=\"error\">{esc(message)}</p>"
                       f"<p><a href=\"/\">Home</a></p>")
