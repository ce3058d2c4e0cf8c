"""Content negotiation: which media types the server produces, and picking one from Accept.

Solutions (SELECT) and booleans (ASK) come as SPARQL JSON, XML, CSV and TSV (and HTML
for a browser); graphs (CONSTRUCT, DESCRIBE, entity descriptions) as Turtle, N-Triples,
JSON-LD and RDF/XML (and HTML). The ``format`` request parameter (``json``, ``csv``,
``turtle``... or a media type) overrides Accept when it names something we produce; an
unknown value is ignored, as clients such as SPARQLWrapper send ``format=n3`` along with
a proper Accept header.

Layer: top (kg.web). Imports nothing from kg.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    key: str             # internal name
    media_type: str      # what we send in Content-Type (charset added for text types)
    aliases: tuple       # other media types we accept as asking for it
    names: tuple         # values of the ``format`` parameter
    w3c: str | None      # the W3C formats IRI (service description)


SOLUTION_FORMATS = (
    Format("json", "application/sparql-results+json", ("application/json",), ("json", "srj"),
           "http://www.w3.org/ns/formats/SPARQL_Results_JSON"),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"), ("xml", "srx"),
           "http://www.w3.org/ns/formats/SPARQL_Results_XML"),
    Format("csv", "text/csv", (), ("csv",), "http://www.w3.org/ns/formats/SPARQL_Results_CSV"),
    Format("tsv", "text/tab-separated-values", (), ("tsv",), "http://www.w3.org/ns/formats/SPARQL_Results_TSV"),
    Format("html", "text/html", ("application/xhtml+xml",), ("html",), None),
)

GRAPH_FORMATS = (
    Format("turtle", "text/turtle", ("application/turtle", "application/x-turtle"), ("turtle", "ttl"),
           "http://www.w3.org/ns/formats/Turtle"),
    Format("ntriples", "application/n-triples", ("text/plain",), ("ntriples", "nt", "n-triples"),
           "http://www.w3.org/ns/formats/N-Triples"),
    Format("jsonld", "application/ld+json", ("application/x-json+ld",), ("jsonld", "json-ld", "json"),
           "http://www.w3.org/ns/formats/JSON-LD"),
    Format("rdfxml", "application/rdf+xml", ("application/xml", "text/xml"), ("rdfxml", "rdf", "xml"),
           "http://www.w3.org/ns/formats/RDF_XML"),
    Format("html", "text/html", ("application/xhtml+xml",), ("html",), None),
)

TEXT_TYPES = ("text/", "application/sparql-results+json", "application/sparql-results+xml",
              "application/ld+json", "application/n-triples", "application/rdf+xml")


def content_type(fmt: Format) -> str:
    return f"{fmt.media_type}; charset=utf-8" if fmt.media_type.startswith(TEXT_TYPES) else fmt.media_type


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """``[(media range, q)]`` from an Accept header; malformed parts are skipped."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges or [("*/*", 1.0)]  # nothing parsable: as if no preference was given


def _quality(fmt: Format, ranges) -> tuple[float, int]:
    """Best (q, specificity) any range gives ``fmt``; the most specific range wins."""
    best = (-1.0, -1)
    for media, q in ranges:
        types = (fmt.media_type,) + fmt.aliases
        if media in types:
            spec = 3 if media == fmt.media_type else 2
        elif media.endswith("/*") and any(t.startswith(media[:-1]) for t in types):
            spec = 1
        elif media == "*/*":
            spec = 0
        else:
            continue
        if spec > best[1]:
            best = (q, spec)
    return best


def choose(formats, accept: str | None, requested: str | None = None, *, html_default: bool = False):
    """The format to send, or None (406). ``requested`` is the ``format`` parameter.

    With ``html_default`` a browser (which sends ``text/html`` first) gets HTML; otherwise
    HTML is only chosen when asked for explicitly, so ``*/*`` gets the first format.
    """
    if requested:
        wanted = requested.strip().lower()
        for fmt in formats:
            if wanted in fmt.names or wanted == fmt.media_type or wanted in fmt.aliases:
                return fmt
    ranges = parse_accept(accept)
    scored = []
    for order, fmt in enumerate(formats):
        q, spec = _quality(fmt, ranges)
        if q <= 0:
            continue
        if fmt.key == "html" and spec <= 1 and not html_default:
            continue  # */* or text/* alone never selects HTML for a machine client
        if fmt.key == "html" and html_default:
            order = -1
        scored.append((-q, -spec if spec > 1 else 0, order, fmt))
    if not scored:
        return None
    scored.sort(key=lambda item: item[:3])
    return scored[0][3]


def by_key(formats, key: str) -> Format:
    return next(f for f in formats if f.key == key)
