"""Formatters: query results as a table or a W3C SPARQL results format; RDF for graphs.

Pure functions from result objects to text; nothing here prints. Imports pyoxigraph
only (graph results), so the fast query path stays light.

Layer: render. Imports kg.rdf and kg.errors.
"""
from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

from kg.errors import OutputError
from kg.rdf.terms import XML_FORBIDDEN, check_xml_triples, display, term_kind, xml_unwritable
from kg.rdf.vocab import PREFIXES, RDF_LANGSTRING, XSD_STRING, shorten

SELECT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("turtle", "ntriples", "xml", "table")
ALL_FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "ntriples")
TABLE_CELL_WIDTH = 70   # kg timeline / whois summaries; kg query tables wrap instead
#: The table width when the output is not a terminal (a file, a pipe).
DEFAULT_TABLE_WIDTH = 120
#: A wrapped column is never narrower than this (or its header).
MIN_COLUMN_WIDTH = 12
#: ... and a word longer than this may be broken.
MAX_WORD_WIDTH = 40


def table(headers: list[str], rows: list[list[str]], *, width: int | None = None) -> str:
    """A plain aligned text table (no trailing spaces). With ``width``, the widest columns
    are narrowed until a line fits and their cells wrap onto more lines (nothing is cut)."""
    import textwrap

    if not headers:
        return ""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    if width:
        # A column narrows down to its longest word (an IRI is one word: it is not broken if
        # it can be helped), its header, or MIN_COLUMN_WIDTH, whichever is widest.
        longest_word = [max([len(w) for row in rows for w in row[i].split()] or [0]) for i in range(len(headers))]
        minimum = [min(widths[i], max(len(h), min(longest_word[i], MAX_WORD_WIDTH), MIN_COLUMN_WIDTH))
                   for i, h in enumerate(headers)]
        widths = _fitted(widths, minimum, width)
        if sum(widths) + 2 * (len(widths) - 1) > width:
            # Still too wide: break long words (IRIs) too, down to the headers.
            widths = _fitted(widths, [max(len(h), MIN_COLUMN_WIDTH) for h in headers], width)

    def lines(cells):
        wrapped = [textwrap.wrap(c, w, break_long_words=True, break_on_hyphens=False) or [""] if len(c) > w else [c]
                   for c, w in zip(cells, widths)]
        return ["  ".join((part[k] if k < len(part) else "").ljust(w) for part, w in zip(wrapped, widths)).rstrip()
                for k in range(max(len(part) for part in wrapped))]

    out = lines(headers) + lines(["-" * w for w in widths])
    for row in rows:
        out.extend(lines(row))
    return "\n".join(out) + "\n"


def _fitted(widths: list[int], minimum: list[int], total: int) -> list[int]:
    """Column widths that fit ``total`` characters (two spaces between columns): the widest
    column loses a character at a time, none below its minimum."""
    widths = list(widths)
    while sum(widths) + 2 * (len(widths) - 1) > total:
        widest = max(range(len(widths)), key=lambda i: (widths[i] - minimum[i] > 0, widths[i]))
        if widths[widest] <= minimum[widest]:
            break   # as narrow as it goes: the line stays longer than the terminal
        widths[widest] -= 1
    return widths


def format_result(result, fmt: str = "table", *, width: int | None = None, truncate: int | None = None,
                  compact: bool = False) -> str:
    """Render a kg.project.catalogue.QueryResult in ``fmt``; raise OutputError for a bad pairing.

    table: ``width`` wraps long cells so a line fits (None: no limit); ``truncate`` cuts each
    cell to that many characters with "…" instead. csv, tsv and json: ``compact`` writes IRIs
    as prefixed names (kg:psp) where a known prefix applies."""
    if result.kind == "select":
        return _select(result, fmt, width=width, truncate=truncate, compact=compact)
    if result.kind == "ask":
        return _ask(result, fmt)
    return _graph(result, fmt)


def _select(result, fmt: str, *, width=None, truncate=None, compact=False) -> str:
    variables, rows = result.variables, result.rows
    if fmt == "table":
        body = [[display(t, width=truncate) for t in row] for row in rows]
        footer = f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n"
        return table(variables, body, width=None if truncate else width) + footer
    iri = shorten if compact else (lambda value: value)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        for row in rows:
            writer.writerow(["" if t is None else (f"_:{t.value}" if term_kind(t) == "bnode" else
                                                   iri(t.value) if term_kind(t) == "uri" else t.value)
                             for t in row])
        return buffer.getvalue()
    if fmt == "tsv":
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines.extend("\t".join(_tsv_term(t, compact=compact) for t in row) for row in rows)
        return "\n".join(lines) + "\n"
    if fmt == "json":
        bindings = []
        for row in rows:
            bindings.append({v: _json_term(t, iri) for v, t in zip(variables, row) if t is not None})
        doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "xml":
        for number, row in enumerate(rows, 1):
            for v, t in zip(variables, row):
                match = XML_FORBIDDEN.search(getattr(t, "value", "")) if t is not None else None
                if match:
                    where = f"the value of ?{v} in result row {number} ({term_kind(t)})"
                    raise xml_unwritable(where, match.group(),
                                          "--format json, csv or tsv (they escape it)")
        out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "  <head>"]
        out.extend(f"    <variable name={quoteattr(v)}/>" for v in variables)
        out.extend(["  </head>", "  <results>"])
        for row in rows:
            out.append("    <result>")
            for v, t in zip(variables, row):
                if t is not None:
                    out.append(f"      <binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
            out.append("    </result>")
        out.extend(["  </results>", "</sparql>"])
        return "\n".join(out) + "\n"
    raise OutputError(f"format {fmt!r} does not apply to SELECT results; use one of {', '.join(SELECT_FORMATS)}")


def _ask(result, fmt: str) -> str:
    value = bool(result.boolean)
    if fmt == "table":
        return ("yes" if value else "no") + "\n"
    if fmt in ("csv", "tsv"):
        return ("true" if value else "false") + "\n"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}, indent=2) + "\n"
    if fmt == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
                f"  <head/>\n  <boolean>{'true' if value else 'false'}</boolean>\n</sparql>\n")
    raise OutputError(f"format {fmt!r} does not apply to ASK results; use table, csv, tsv, json or xml")


def _graph(result, fmt: str) -> str:
    import pyoxigraph as ox

    triples = sorted(result.triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    if fmt == "ntriples":
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    if fmt in ("turtle", "table"):
        used = _used_prefixes(triples)
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=used).decode("utf-8")
    if fmt == "xml":
        check_xml_triples(triples)
        return ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=_used_prefixes(triples)).decode("utf-8")
    raise OutputError(f"format {fmt!r} does not apply to CONSTRUCT/DESCRIBE results; "
                      f"use one of {', '.join(GRAPH_FORMATS)}")


def _used_prefixes(triples) -> dict[str, str]:
    text = " ".join(str(t) for t in triples)
    return {p: ns for p, ns in PREFIXES.items() if ns in text}


def _json_term(term, iri=lambda value: value) -> dict:
    kind = term_kind(term)
    if kind == "uri":
        return {"type": "uri", "value": iri(term.value)}
    if kind == "bnode":
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value not in (XSD_STRING, RDF_LANGSTRING):
        out["datatype"] = iri(term.datatype.value)
    return out


def _xml_term(term) -> str:
    kind = term_kind(term)
    if kind == "uri":
        return f"<uri>{escape(term.value)}</uri>"
    if kind == "bnode":
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _tsv_term(term, *, compact: bool = False) -> str:
    if term is None:
        return ""
    text = str(term)
    if compact:
        kind = term_kind(term)
        if kind == "uri" and shorten(term.value) != term.value:
            text = shorten(term.value)
        elif kind == "literal" and not term.language and term.datatype.value not in (XSD_STRING, RDF_LANGSTRING) \
                and shorten(term.datatype.value) != term.datatype.value:
            text = text[: text.rindex("^^")] + "^^" + shorten(term.datatype.value)
    return text.replace("\t", "\\t").replace("\n", "\\n")
