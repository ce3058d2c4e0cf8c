"""HTML pages and entity descriptions, built inside a query worker.

* ``home``: the classes, the main people and organisations, every stored query with a
  form for its parameters;
* ``resource``: the page of one IRI (``/id/<slug>`` for KG IRIs): label, aliases, types,
  posts, memberships, defections, every statement about it with its epistemic status,
  article, source and quote, its sources when it is itself a fact, its instances when it
  is a class, and every triple in and out (asserted or inferred), all linked;
* ``describe``: the same IRI as Turtle, N-Triples, JSON-LD or RDF/XML;
* ``stored_query``: a stored query run from the browser, results as a table.

Every value reaches the page through kg.web.html (escaped).

Layer: top (kg.web). Imports kg.web.execute, kg.web.html, kg.web.http and the lower layers.
"""
from __future__ import annotations

import re
from urllib.parse import urlencode

from kg.rdf.vocab import INFERRED_GRAPH, KG, PREFIXES, shorten
from kg.web.execute import BadQuery, execute, serialise, truncation_headers
from kg.web.html import attr, esc, href_for, link, page, table, term_html
from kg.web.http import HTML, Response, text_response

LABEL_PROPS = ("skos:prefLabel", "rdfs:label", "dcterms:title", "foaf:name")
STATUS_PREFIX = PREFIXES["mqm"] + "status-"
MAX_TRIPLES_SHOWN = 500


def _nt(iri: str) -> str:
    """``<iri>`` after checking it is a valid IRI (pyoxigraph raises ValueError otherwise)."""
    import pyoxigraph as ox

    return str(ox.NamedNode(iri))


def _rows(context, sparql: str, limit: int = 2000) -> list[dict]:
    limited = execute(context, sparql, limit=limit)
    return limited.result.dicts()


def labels_for(context, terms) -> dict[str, str]:
    """``{iri: label}`` for the IRIs among ``terms`` (preferred label first)."""
    import pyoxigraph as ox

    iris = sorted({t.value for t in terms if isinstance(t, ox.NamedNode)})
    out: dict[str, str] = {}
    for start in range(0, len(iris), 400):
        chunk = iris[start:start + 400]
        values = " ".join(_nt(i) for i in chunk)
        sparql = ("SELECT ?s ?l ?rank WHERE { VALUES ?s { " + values + " } "
                  "{ ?s skos:prefLabel ?l BIND(1 AS ?rank) } UNION { ?s rdfs:label ?l BIND(2 AS ?rank) } "
                  "UNION { ?s dcterms:title ?l BIND(3 AS ?rank) } UNION { ?s foaf:name ?l BIND(4 AS ?rank) } "
                  "FILTER (LANG(?l) = '' || LANGMATCHES(LANG(?l), 'en')) } ORDER BY ?s ?rank ?l")
        for row in _rows(context, sparql, limit=10 * len(chunk) + 10):
            out.setdefault(row["s"].value, row["l"].value)
    return out


def _status(term) -> str:
    if term is None:
        return ""
    value = term.value
    name = value[len(STATUS_PREFIX):] if value.startswith(STATUS_PREFIX) else shorten(value)
    return f'<span class="status status-{esc(name)}">{esc(name)}</span>'


# ---------------------------------------------------------------------------
# Home
# ---------------------------------------------------------------------------

CLASSES_QUERY = f"""
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  ?s a ?class . FILTER (STRSTARTS(STR(?s), "{KG}"))
}} GROUP BY ?class ORDER BY DESC(?n) ?class
"""

MAIN_QUERY = """
SELECT ?e ?label (COUNT(DISTINCT ?fact) AS ?facts) WHERE {
  ?e a %s ; skos:prefLabel ?label .
  # Facts about it, and facts it is the source of (a report attributed to it).
  OPTIONAL { { ?fact mqm:epistemicStatus ?status ; ?relation ?e . }
             UNION { ?fact mqm:reportedIn/prov:wasAttributedTo ?e . } }
} GROUP BY ?e ?label ORDER BY DESC(?facts) ?label
"""


def home(context) -> Response:
    from kg.project.catalogue import catalogue

    graphs = context.graphs
    total = sum(n for _, n in graphs)
    parts = ["<h1>MQM knowledge graph</h1>",
             "<p>Karachi's Muttahida Qaumi Movement and its splinters, as five news articles tell it: "
             "every fact with its epistemic status (confirmed, claimed, alleged, speculated, denied), "
             "its article and a verbatim quote. Entity IRIs "
             f"(<code>{esc(KG)}…</code>) resolve here under <code>/id/</code>; the SPARQL endpoint "
             f'is <a href="/sparql">/sparql</a>. {total} triples in {len(graphs)} graphs '
             "(asserted and OWL 2 RL inferences).</p>"]
    # -- pictures (kg.ops.diagrams.draw): the family tree and the defection network ------------------
    from kg.ops.diagrams.draw import embed

    parts.extend(embed(context.data_dir, kind, store=context.store, link=href_for)
                 for kind in ("lineage", "defections"))
    # -------------------------------------------------------------------------------------------
    for title, cls in (("People", "foaf:Person"), ("Organisations", "org:Organization")):
        rows = _rows(context, MAIN_QUERY % cls, limit=1000)
        items = "".join(f"<li>{link(r['e'].value, r['label'].value)} <small>({esc(r['facts'].value)} facts)</small></li>"
                        for r in rows[:40])
        more = (f' <a href={attr(href_for(PREFIXES[cls.split(":")[0]] + cls.split(":")[1]))}>all {len(rows)}</a>'
                if len(rows) > 40 else "")
        parts.append(f'<section><h2>{esc(title)}</h2><ul class="columns">{items}</ul>{more}</section>')
    queries = catalogue(context.data_dir)
    forms = "".join(_query_form(q, {}, open_=False) for q in queries)
    parts.append(f'<section id="queries"><h2>Stored queries</h2>{forms}</section>')
    rows = _rows(context, CLASSES_QUERY, limit=1000)
    labels = labels_for(context, [r["class"] for r in rows])
    parts.append("<section><h2>Classes</h2>" + table(
        ["class", "label", "instances"],
        [[link(r["class"].value), esc(labels.get(r["class"].value, "")), esc(r["n"].value)] for r in rows]) +
        "</section>")
    return Response(200, HTML, page("Home", "".join(parts)))


def _query_form(query, values: dict, *, open_: bool) -> str:
    fields = []
    for p in query.params:
        kind = {"date": "date", "integer": "number"}.get(p.type, "text")
        required = " required" if p.required else ""
        fields.append(f'<label>{esc(p.name)} <small>({esc(p.type)}{"" if p.required else ", optional"}: '
                      f'{esc(p.description)})</small> <input type={attr(kind)} name={attr(p.name)} '
                      f'value={attr(values.get(p.name, ""))} placeholder={attr(p.example)}{required}></label>')
    example = {p.name: p.example for p in query.params if p.required}
    example_link = f"/query/{query.name}" + ("?" + urlencode(example) if example else "")
    return (f'<details class="query"{" open" if open_ else ""}><summary><b>{esc(query.title)}</b> '
            f'<code>{esc(query.name)}</code></summary><p>{esc(query.description)}</p>'
            f'<form method="get" action={attr("/query/" + query.name)}>{"".join(fields)}'
            f'<button type="submit">Run</button> <a href={attr(example_link)}>run with the example</a></form>'
            "</details>")


# ---------------------------------------------------------------------------
# Results as a table (SPARQL endpoint and stored queries)
# ---------------------------------------------------------------------------

def results_html(context, limited) -> str:
    result = limited.result
    notice = (f'<p class="warning">Result truncated to the first {limited.limit} '
              f'{"triples" if result.kind == "graph" else "rows"} (kg serve --max-rows).</p>'
              if limited.truncated else "")
    if result.kind == "ask":
        return f'<p class="answer">{"yes" if result.boolean else "no"}</p>'
    if result.kind == "graph":
        labels = labels_for(context, [t for tr in result.triples for t in (tr.subject, tr.object)]) \
            if context is not None else {}
        rows = [[term_html(t.subject, labels), term_html(t.predicate), term_html(t.object, labels)]
                for t in result.triples]
        return notice + f"<p>{len(rows)} triples</p>" + table(["subject", "predicate", "object"], rows)
    labels = labels_for(context, [t for row in result.rows for t in row if t is not None]) \
        if context is not None else {}
    rows = [[term_html(t, labels) for t in row] for row in result.rows]
    return notice + f"<p>{len(rows)} row{'s' if len(rows) != 1 else ''}</p>" + table(result.variables, rows)


def results_page(title: str, limited, context=None) -> bytes:
    return page(title, f"<h1>{esc(title)}</h1>" + results_html(context, limited))


def stored_query(context, name: str, params: dict, fmt: str = "html") -> Response:
    from kg.errors import KGError
    from kg.project.catalogue import bind, get_query
    from kg.rdf.sparql import inject_values

    try:
        if not re.match(r"^[A-Za-z0-9_-]+$", name):  # a catalogue name, never a path to a .rq file
            raise KGError(f"no stored query named {name!r}")
        query = get_query(context.data_dir, name)
    except KGError:
        return Response(404, HTML, page("Unknown query", f"<h1>No stored query named {esc(name)}</h1>"
                                                        '<p><a href="/#queries">The stored queries</a></p>'))
    given = {k: v for k, v in params.items() if v.strip()}
    form = _query_form(query, given, open_=True)
    try:
        terms = bind(query, given)
        query = query.for_bound(terms)  # a variant's text for a bound optional parameter
        sparql = inject_values(query.text, terms) if terms else query.text
        limited = execute(context, sparql)
    except (KGError, BadQuery) as exc:
        if fmt != "html":
            return text_response(400, exc)
        body = f"<h1>{esc(query.title)}</h1>{form}<p class=\"error\">{esc(exc)}</p>"
        return Response(400, HTML, page(query.title, body))
    if fmt != "html":
        ctype, body = serialise(limited, fmt)
        return Response(200, ctype, body, truncation_headers(limited))
    choices = ((("turtle", "Turtle"), ("jsonld", "JSON-LD"), ("ntriples", "N-Triples"))
               if limited.result.kind == "graph" else
               (("csv", "CSV"), ("tsv", "TSV"), ("json", "JSON"), ("xml", "XML")))
    downloads = " ".join(f'<a href={attr("/query/" + name + "?" + urlencode({**given, "format": key}))}>{esc(label)}</a>'
                         for key, label in choices)
    body = (f"<h1>{esc(query.title)}</h1>{form}<p>Download: {downloads}</p>"
            f"{results_html(context, limited)}"
            f"<details><summary>SPARQL</summary><pre>{esc(query.text)}</pre></details>")
    return Response(200, HTML, page(query.title, body), truncation_headers(limited))


# ---------------------------------------------------------------------------
# One resource
# ---------------------------------------------------------------------------

def describe_query(iri: str) -> str:
    node = _nt(iri)
    return f"CONSTRUCT {{ {node} ?p ?o . ?s ?q {node} }} WHERE {{ {{ {node} ?p ?o }} UNION {{ ?s ?q {node} }} }}"


def describe(context, iri: str, fmt: str) -> Response:
    """The triples in and out of ``iri`` (asserted and inferred) in an RDF format."""
    try:
        limited = execute(context, describe_query(iri), limit=max(context.max_rows, 10000))
    except ValueError:
        return text_response(400, "not a valid IRI")
    if not limited.result.triples:
        return text_response(404, f"nothing is known about <{iri}>")
    ctype, body = serialise(limited, fmt)
    return Response(200, ctype, body, truncation_headers(limited))


OUT_QUERY = "SELECT ?p ?o ?g WHERE { GRAPH ?g { %s ?p ?o } } ORDER BY ?p ?o ?g"
IN_QUERY = "SELECT ?s ?p ?g WHERE { GRAPH ?g { ?s ?p %s } } ORDER BY ?p ?s ?g"
SOURCES_QUERY = """
SELECT ?report ?article ?speaker ?quote WHERE {
  %s mqm:reportedIn ?report .
  OPTIONAL { ?report prov:wasDerivedFrom ?article }
  OPTIONAL { ?report prov:wasAttributedTo ?speaker }
  OPTIONAL { ?report mqm:quote ?quote }
} ORDER BY ?article ?report
"""
INSTANCES_QUERY = "SELECT DISTINCT ?s WHERE { ?s a %s } ORDER BY ?s"


def _stored_rows(context, name: str, param: str, iri: str) -> list[dict] | None:
    """Rows of stored query ``name`` bound to ``iri`` (None when the query is absent)."""
    import pyoxigraph as ox

    from kg.errors import KGError
    from kg.project.catalogue import get_query
    from kg.rdf.sparql import inject_values

    try:
        query = get_query(context.data_dir, name)
    except KGError:
        return None
    if not query.param(param):
        return None
    sparql = inject_values(query.for_bound({param}).text, {param: ox.NamedNode(iri)})
    return execute(context, sparql, limit=MAX_TRIPLES_SHOWN).result.dicts()


def _dedupe(rows: list[dict], keys) -> list[dict]:
    seen, out = set(), []
    for row in rows:
        key = tuple(str(row.get(k)) for k in keys)
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def _merge_relations(rows: list[dict]) -> list[dict]:
    """person-profile rows, one per (fact, report quote), with every relation to the entity."""
    merged: dict = {}
    for row in rows:
        key = (str(row.get("fact")), str(row.get("article")), str(row.get("source")), str(row.get("quote")))
        entry = merged.setdefault(key, {**row, "relations": []})
        relation = row.get("relation")
        if relation is not None and str(relation) not in {str(r) for r in entry["relations"]}:
            entry["relations"].append(relation)
    return list(merged.values())


def resource(context, iri: str) -> Response:
    """The HTML page of any IRI the KG mentions (404 when it mentions nothing)."""
    import pyoxigraph as ox

    from kg.ops.whois import MEMBERSHIPS_QUERY

    try:
        node = _nt(iri)
    except ValueError:
        return Response(400, HTML, page("Bad IRI", "<h1>Not a valid IRI</h1>"))
    out_rows = _rows(context, OUT_QUERY % node, limit=MAX_TRIPLES_SHOWN * 4)
    in_rows = _rows(context, IN_QUERY % node, limit=MAX_TRIPLES_SHOWN + 1)
    if not out_rows and not in_rows:
        return Response(404, HTML, page("Not found", f"<h1>Not found</h1><p>The knowledge graph says nothing "
                                                     f"about <code>{esc(iri)}</code>.</p><p><a href=\"/\">Home</a></p>"))
    subject = ox.NamedNode(iri)
    labels = labels_for(context, [subject] + [r["p"] for r in out_rows] + [r["o"] for r in out_rows] +
                        [r["s"] for r in in_rows] + [r["p"] for r in in_rows])
    label = labels.get(iri) or shorten(iri)

    def values(prop: str, *, asserted_only: bool = False):
        full = PREFIXES[prop.split(":")[0]] + prop.split(":")[1]
        seen, out = set(), []
        for r in out_rows:
            if r["p"].value == full and (not asserted_only or r["g"].value != INFERRED_GRAPH):
                if str(r["o"]) not in seen:
                    seen.add(str(r["o"]))
                    out.append(r["o"])
        return out

    parts = [f"<h1>{esc(label)}</h1>", f'<p class="iri"><code>{esc(iri)}</code> · '
             f'<a href={attr(_alt(iri, "ttl"))}>Turtle</a> · <a href={attr(_alt(iri, "jsonld"))}>JSON-LD</a></p>']
    facts = []
    asserted_types = values("rdf:type", asserted_only=True)
    all_types = values("rdf:type")
    inferred_types = [t for t in all_types if str(t) not in {str(a) for a in asserted_types}]
    types_html = ", ".join(term_html(t, labels) for t in asserted_types) or "–"
    if inferred_types:
        types_html += ' <small>(inferred: ' + ", ".join(term_html(t, labels) for t in inferred_types) + ")</small>"
    facts.append(("Type", types_html))
    aliases = [t.value for t in values("skos:altLabel") + values("skos:hiddenLabel")]
    if aliases:
        facts.append(("Also known as", "; ".join(esc(a) for a in sorted(set(aliases)))))
    for prop, title in (("mqm:summary", "Summary"), ("skos:definition", "Definition"),
                        ("dcterms:description", "Description"), ("rdfs:comment", "Comment")):
        for term in values(prop):
            facts.append((title, esc(term.value)))
    status = values("mqm:epistemicStatus")
    if status:
        facts.append(("Epistemic status", " ".join(_status(s) for s in status)))
    external = values("skos:exactMatch") + values("skos:closeMatch") + values("owl:sameAs")
    if external:
        facts.append(("Elsewhere", ", ".join(
            f'<a href={attr(t.value)} rel="nofollow noopener">{esc(t.value)}</a>' if t.value.startswith(("http://", "https://"))
            else term_html(t, labels) for t in external)))
    parts.append('<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>")
    # -- picture (kg.ops.diagrams.draw): this entity's neighbourhood ("" for IRIs without a name) ---------
    from kg.ops.diagrams.draw import embed

    parts.append(embed(context.data_dir, "neighbourhood", about=iri, store=context.store, link=href_for))
    # -------------------------------------------------------------------------------------------

    from kg.rdf.sparql import inject_values

    posts = _dedupe([r for r in _stored_rows(context, "posts-held", "person", iri) or []
                     if r.get("role") is not None or r.get("post") is not None],
                    ["role", "post", "organisation", "start", "end", "status", "article"])
    memberships = _rows(context, inject_values(MEMBERSHIPS_QUERY, {"entity": subject}), limit=MAX_TRIPLES_SHOWN)
    defections = _dedupe(_stored_rows(context, "defections", "person", iri) or [],
                         ["defection", "origin", "destination", "date", "status", "article", "quotes"])
    statements = _merge_relations(_stored_rows(context, "person-profile", "entity", iri) or [])
    said = _stored_rows(context, "said-by", "speaker", iri) or []
    from kg.ops.whois import DIFFERENT_QUERY

    distinct = _rows(context, inject_values(DIFFERENT_QUERY, {"entity": subject}), limit=MAX_TRIPLES_SHOWN)
    sources = _rows(context, SOURCES_QUERY % node, limit=MAX_TRIPLES_SHOWN)
    instances = _rows(context, INSTANCES_QUERY % node, limit=MAX_TRIPLES_SHOWN + 1)
    more_terms = [t for rows in (posts, memberships, defections, sources, instances) for r in rows
                  for t in r.values() if t is not None]
    more_terms += [t for r in statements for t in (r.get("fact"), r.get("factType"), r.get("article"))
                   if t is not None] + [t for r in statements for t in r["relations"]]
    more_terms += [t for r in said for t in (r.get("factType"), r.get("article")) if t is not None]
    labels.update({k: v for k, v in labels_for(context, more_terms).items() if k not in labels})

    def quote(row):
        return f"<q>{esc(row['quote'].value)}</q>" if row.get("quote") is not None else ""

    def quotes(row):
        from kg.project.catalogue import LIST_SEPARATOR

        if row.get("quotes") is None:
            return ""
        return "<br>".join(f"<q>{esc(q)}</q>" for q in row["quotes"].value.split(LIST_SEPARATOR))

    if posts:
        parts.append("<section><h2>Posts</h2>" + table(
            ["role / post", "organisation", "from", "to", "status", "article"],
            [[term_html(r.get("role") or r.get("post"), labels), term_html(r.get("organisation"), labels),
              term_html(r.get("start")), term_html(r.get("end")), _status(r.get("status")),
              term_html(r.get("article"), labels)] for r in posts]) + "</section>")
    if memberships:
        parts.append("<section><h2>Memberships</h2>" + table(
            ["organisation", "role", "from", "to", "status", "article", "record"],
            [[term_html(r["organisation"], labels), term_html(r.get("roleLabel")), term_html(r.get("start")),
              term_html(r.get("end")), _status(r.get("status")), term_html(r.get("article"), labels),
              term_html(r["membership"])] for r in memberships]) + "</section>")
    if defections:
        parts.append("<section><h2>Defections</h2>" + table(
            ["from", "to", "date", "status", "article", "sources", "quotes", "record"],
            [[term_html(r.get("origin"), labels), term_html(r.get("destination"), labels), term_html(r.get("date")),
              _status(r.get("status")), term_html(r.get("article"), labels), term_html(r.get("sources")),
              quotes(r), term_html(r.get("defection"))] for r in defections]) + "</section>")
    if statements:
        rows = []
        for r in statements:
            summary, fact = r.get("summary"), r.get("fact")
            rows.append([_status(r.get("status")),
                         link(fact.value, summary.value if summary is not None else None) if fact is not None else "",
                         term_html(r.get("factType"), labels),
                         ", ".join(term_html(t, labels) for t in r["relations"]),
                         term_html(r.get("article"), labels), term_html(r.get("source")), quote(r)])
        parts.append(f"<section id=\"statements\"><h2>What the articles say ({len(rows)} statements)</h2>" + table(
            ["status", "statement", "kind", "role in it", "article", "source", "quote"], rows,
            cls="results statements") + "</section>")
    if said:
        rows = []
        for r in said:
            summary, fact = r.get("summary"), r.get("fact")
            rows.append([_status(r.get("status")),
                         link(fact.value, summary.value if summary is not None else None) if fact is not None else "",
                         term_html(r.get("factType"), labels), term_html(r.get("article"), labels),
                         term_html(r.get("date")), quote(r)])
        parts.append(f"<section id=\"said\"><h2>What they said ({len(rows)} statements)</h2>" + table(
            ["status", "statement", "kind", "article", "date", "quote"], rows, cls="results statements") +
            "</section>")
    if distinct:
        parts.append("<section id=\"distinct\"><h2>Not to be confused with</h2>" + table(
            ["person", "why they could be confused"],
            [[link(r["other"].value, r["otherLabel"].value), esc(r["note"].value) if r.get("note") is not None else ""] for r in distinct]) + "</section>")
    if sources:
        parts.append("<section id=\"sources\"><h2>Sources</h2>" + table(
            ["report", "article", "attributed to", "quote"],
            [[term_html(r["report"]), term_html(r.get("article"), labels), term_html(r.get("speaker"), labels),
              quote(r)] for r in sources]) + "</section>")
    if instances:
        items = "".join(f"<li>{term_html(r['s'], labels)}</li>" for r in instances[:MAX_TRIPLES_SHOWN])
        parts.append(f'<section><h2>Instances ({len(instances)})</h2><ul class="columns">{items}</ul></section>')

    def graph_note(g):
        return '<small class="inferred">inferred</small>' if g.value == INFERRED_GRAPH else \
            f'<small>{esc(g.value.replace("urn:kg:file:", ""))}</small>'

    parts.append("<section><h2>All statements with this subject</h2>" + table(
        ["property", "value", "graph"],
        [[term_html(r["p"], labels), term_html(r["o"], labels), graph_note(r["g"])]
         for r in out_rows[:MAX_TRIPLES_SHOWN * 4]], cls="results triples") + "</section>")
    if in_rows:
        more = (f"<p>Only the first {MAX_TRIPLES_SHOWN} shown.</p>" if len(in_rows) > MAX_TRIPLES_SHOWN else "")
        parts.append("<section><h2>Referenced by</h2>" + table(
            ["subject", "property", "graph"],
            [[term_html(r["s"], labels), term_html(r["p"], labels), graph_note(r["g"])]
             for r in in_rows[:MAX_TRIPLES_SHOWN]], cls="results triples") + more + "</section>")
    alternates = [("text/turtle", _alt(iri, "ttl")), ("application/ld+json", _alt(iri, "jsonld"))]
    return Response(200, HTML, page(label, "".join(parts), alternates=alternates))


def _alt(iri: str, suffix: str) -> str:
    href = href_for(iri)
    if href.startswith("/id/"):
        return f"{href}.{suffix}"
    return f"{href}&{urlencode({'format': {'ttl': 'turtle', 'jsonld': 'jsonld'}[suffix]})}"


def search_page(context, text: str, fmt: str = "html", kind=None, status=None, article=None,
                speaker=None) -> Response:
    """``kg search`` in the browser: a form and the ranked hits, linked to their pages (or JSON)."""
    from pathlib import Path

    from kg.errors import KGError
    from kg.ops.search import hits_json, search

    hits, problem = [], ""
    if text.strip():
        try:
            hits = search(Path(context.config["search_index"]), text, kind=kind, status=status,
                          article=article, speaker=speaker, limit=50)
        except KGError as exc:
            problem = str(exc)
    if fmt == "json":
        if problem:
            return text_response(400, problem)
        return Response(200, "application/json", hits_json(hits).encode("utf-8"))
    form = (f'<form method="get" action="/search"><input type="search" name="q" value={attr(text)}> '
            '<button type="submit">Search</button></form>')
    items = []
    for hit in hits:
        where = " · ".join(esc(x) for x in (hit.kind, (hit.status or "").replace("mqm:status-", ""),
                                            hit.article, hit.speaker) if x)
        quote = f'<blockquote>{_marked(hit.quote)}</blockquote>' if hit.quote and hit.field != "quote" else ""
        items.append(f"<li>{link(hit.iri, hit.node)} <small>{where}</small>"
                     f"<p>{esc(hit.field)}: {_marked(hit.text)}</p>{quote}</li>")
    if problem:
        body = f'<p class="error">{esc(problem)}</p>'
    elif text.strip():
        body = f"<p>{len(hits)} hit{'s' if len(hits) != 1 else ''}.</p><ol class=\"hits\">{''.join(items)}</ol>"
    else:
        body = "<p>Search labels, fact summaries, quotes and notes (spellings fold as in kg whois).</p>"
    return Response(200, HTML, page(f"Search: {text}" if text else "Search", f"<h1>Search</h1>{form}{body}"))


def _marked(text: str) -> str:
    """kg.ops.search's [marked] words as <mark>, everything escaped."""
    return re.sub(r"\[([^\[\]]+)\]", lambda m: f"<mark>{m.group(1)}</mark>", esc(text))
