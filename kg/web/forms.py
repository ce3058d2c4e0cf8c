"""The HTML face of /sparql: a query form, with the service description below it.

Layer: top (kg.web). Imports kg.web.html only.
"""
from __future__ import annotations

from kg.web.html import esc, page

EXAMPLE = """PREFIX mqm: <https://w3id.org/mqm-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?person ?label WHERE {
  ?person mqm:defectedTo ?party ; skos:prefLabel ?label .
} ORDER BY ?label"""

FORMATS = (("html", "HTML table"), ("json", "SPARQL JSON"), ("xml", "SPARQL XML"), ("csv", "CSV"),
           ("tsv", "TSV"), ("turtle", "Turtle (CONSTRUCT/DESCRIBE)"), ("jsonld", "JSON-LD (CONSTRUCT/DESCRIBE)"),
           ("ntriples", "N-Triples (CONSTRUCT/DESCRIBE)"))


def sparql_page(description: bytes) -> bytes:
    options = "".join(f'<option value="{esc(k)}">{esc(v)}</option>' for k, v in FORMATS)
    body = ("<h1>SPARQL endpoint</h1>"
            "<p>SPARQL 1.1 queries (SELECT, ASK, CONSTRUCT, DESCRIBE) over the reasoned graph; "
            "the prefixes kg:, mqm:, skos:, org:, prov:, time:, foaf:, dcterms: and others are predeclared. "
            "Read-only: updates and SERVICE are refused.</p>"
            '<form method="get" action="/sparql">'
            f'<textarea name="query" rows="10" cols="100">{esc(EXAMPLE)}</textarea><br>'
            f'<label>Results as <select name="format">{options}</select></label> '
            '<button type="submit">Run</button></form>'
            "<h2>Service description</h2>"
            f"<pre>{esc(description.decode('utf-8'))}</pre>")
    return page("SPARQL endpoint", body)
