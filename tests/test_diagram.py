"""kg.ops.diagrams.draw and `kg diagram`: pictures drawn from the stored queries, checked as data.

SVG is parsed as XML and searched for the expected labels, edge classes and tooltips; the
Mermaid text is checked line by line against the subset of the grammar it uses (and, where
``KG_MERMAID_JS`` points at ``mermaid.min.js`` and Chromium is installed, by Mermaid itself);
a served home page is screenshotted with Chromium and checked to be non-blank.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from cli_helpers import ROOT, assert_clean_error, run_kg, run_subprocess

from kg.ops.diagrams import draw as dg
from kg.ops.query import run_query
from kg.project.catalogue import get_query

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
HAS_DOT = shutil.which("dot") is not None and shutil.which("neato") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz (dot) is not installed: apt-get install graphviz")
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
KINDS = [("lineage", None), ("defections", None), ("timeline", None), ("neighbourhood", "Sagheer Ahmed"),
         ("neighbourhood", "kg:mqm")]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _svg(repo, settings, kind, about=None):
    text = dg.diagram(repo, kind, about=about, fmt="svg", settings=settings)
    return ET.fromstring(text.encode("utf-8"))


def _texts(element) -> str:
    return " ".join(t.text or "" for t in element.iter(SVG + "text"))


def _edges(root) -> list[dict]:
    """Every drawn edge: its title (tail->head), classes, label text, tooltips, stroke, dashes."""
    out = []
    for g in root.iter(SVG + "g"):
        classes = (g.get("class") or "").split()
        if "edge" not in classes:
            continue
        path = g.find(f".//{SVG}path")
        out.append({"title": g.findtext(SVG + "title"), "classes": classes, "text": _texts(g),
                    "tips": [a.get(XLINK + "title") for a in g.iter(SVG + "a")],
                    "hrefs": [a.get(XLINK + "href") for a in g.iter(SVG + "a")],
                    "stroke": path.get("stroke") if path is not None else None,
                    "dashed": path is not None and path.get("stroke-dasharray") is not None,
                    "struck": any(t.get("text-decoration") == "line-through" for t in g.iter(SVG + "text"))})
    return out


def _nodes(root) -> dict[str, dict]:
    out = {}
    for g in root.iter(SVG + "g"):
        if "node" in (g.get("class") or "").split():
            out[g.findtext(SVG + "title")] = {"classes": g.get("class").split(), "text": _texts(g),
                                              "tips": [a.get(XLINK + "title") for a in g.iter(SVG + "a")]}
    return out


def _labels(repo, settings, name, **params):
    rows = run_query(repo, get_query(repo, name), params, settings=settings).dicts()
    return rows


def _text_boxes(root) -> list[tuple]:
    """Approximate boxes of every text line: (x0, y0, x1, y1, text) in SVG user units."""
    boxes = []
    for t in root.iter(SVG + "text"):
        if not (t.text or "").strip():
            continue
        size = float(t.get("font-size", "14"))
        width = len(t.text) * size * 0.48
        x, y = float(t.get("x")), float(t.get("y"))
        anchor = t.get("text-anchor", "start")
        x0 = x - width / 2 if anchor == "middle" else (x - width if anchor == "end" else x)
        boxes.append((x0, y - size * 0.72, x0 + width, y + size * 0.18, t.text))
    return boxes


def _overlaps(boxes) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1:
                found.append((a[4], b[4]))
    return found


# ---------------------------------------------------------------------------
# SVG: the defection network
# ---------------------------------------------------------------------------

@needs_dot
def test_defections_svg_has_psp_with_the_people_who_joined_it(repo, settings):
    root = _svg(repo, settings, "defections")
    nodes, edges = _nodes(root), _edges(root)
    assert "Pak Sarzameen Party" in nodes["n_psp"]["text"]
    joined = sorted({r["personLabel"].value for r in _labels(repo, settings, "joined-party", party="kg:psp")})
    assert "Sagheer Ahmed" in joined and len(joined) >= 5
    for person in joined:
        solid = [e for e in edges if e["title"].endswith("->n_psp") and e["text"] == person]
        assert solid, person
        assert all("status-confirmed" in e["classes"] and not e["dashed"] for e in solid), person
        assert all(any("status: confirmed" in tip and "article" in tip for tip in e["tips"]) for e in solid)
        assert all(any(h.endswith(("/article-001", "/article-004")) for h in e["hrefs"]) for e in solid)


@needs_dot
def test_a_suspected_only_person_has_no_solid_edge(repo, settings):
    root = _svg(repo, settings, "defections")
    edges = _edges(root)
    confirmed = {r["personLabel"].value for r in _labels(repo, settings, "defections", status="mqm:status-confirmed")}
    suspected = {r["personLabel"].value for r in _labels(repo, settings, "suspected-defectors")}
    only_suspected = sorted(suspected - confirmed)
    assert "Rehan Hashmi" in only_suspected
    for person in only_suspected:
        mine = [e for e in edges if person in e["text"]]
        assert mine, person
        for edge in mine:
            assert "status-confirmed" not in edge["classes"], (person, edge)
            assert edge["dashed"], (person, edge)
            assert re.search(r"\((speculated|claimed|alleged)\)|denied", edge["text"]), edge["text"]


@needs_dot
def test_denied_moves_are_red_and_struck_through(repo, settings):
    edges = [e for e in _edges(_svg(repo, settings, "defections")) if "status-denied" in e["classes"]]
    assert edges
    for edge in edges:
        assert edge["stroke"].upper() == dg.OKABE_ITO["vermillion"] and edge["dashed"] and edge["struck"]
        assert "✗ denied" in edge["text"]


@needs_dot
def test_defections_legend_explains_every_status(repo, settings):
    root = _svg(repo, settings, "defections")
    legend = [g for g in root.iter(SVG + "g") if g.get("id", "").startswith("clust")]
    text = " ".join(_texts(g) for g in legend) + " " + " ".join(
        e["text"] for e in _edges(root) if "legend" in e["classes"])
    for status in dg.STATUS_ORDER:
        assert status in text, status


@needs_dot
def test_defections_about_a_person(repo, settings):
    edges = _edges(_svg(repo, settings, "defections", about="raza haroon"))
    moves = [e for e in edges if "move" in e["classes"]]
    assert {e["text"] for e in moves} == {"Raza Haroon", "Raza Haroon (speculated)"}


# ---------------------------------------------------------------------------
# SVG: lineage, timeline, neighbourhood
# ---------------------------------------------------------------------------

@needs_dot
def test_lineage_svg_draws_splits_and_foundings_with_dates(repo, settings):
    root = _svg(repo, settings, "lineage")
    nodes, edges = _nodes(root), _edges(root)
    for nid in ("n_mqm", "n_kamal_group", "n_psp"):
        assert nid in nodes
    assert "party" in nodes["n_psp"]["classes"] and "faction" in nodes["n_kamal_group"]["classes"]
    founding = [e for e in edges if e["title"] == "n_kamal_group->n_psp"]
    assert founding and "founded as" in founding[0]["text"] and "23 Mar 2016" in founding[0]["text"]
    assert any("article 004" in tip for tip in founding[0]["tips"])
    split = [e for e in edges if e["title"] == "n_mqm->n_kamal_group"]
    assert split and "split off" in split[0]["text"] and not split[0]["dashed"]
    organs = [e for e in edges if "organ" in e["classes"]]
    assert any(e["title"] == "n_mqm->n_mqm_rabita_committee" for e in organs)


@needs_dot
def test_lineage_about_psp_keeps_its_ancestors_only(repo, settings):
    nodes = _nodes(_svg(repo, settings, "lineage", about="PSP"))
    drawn = {n for n in nodes if n.startswith("n_")}
    assert drawn == {"n_mqm", "n_kamal_group", "n_psp"}
    assert "focus" in nodes["n_psp"]["classes"]


@needs_dot
def test_timeline_places_dates_at_their_precision_and_links_articles(repo, settings):
    root = _svg(repo, settings, "timeline")
    nodes = {g.findtext(SVG + "title"): g for g in root.iter(SVG + "g") if "node" in (g.get("class") or "")}
    marks = {k: v for k, v in nodes.items() if k.startswith("mark_")}
    dates = {k: _texts(v) for k, v in nodes.items() if k.startswith("date_")}
    events = {k: _texts(v) for k, v in nodes.items() if k.startswith("event_")}
    assert len(marks) == len(dates) == len(events) >= 15
    by_text = {dates[f"date_{k[5:]}"]: v for k, v in marks.items()}
    precision = {k: v.get("class").split()[2] for k, v in marks.items()}
    assert "2013" in by_text and "year" in by_text["2013"].get("class")            # a year: a square
    assert "3 Mar 2016" in by_text and "day" in by_text["3 Mar 2016"].get("class")  # a day: a circle
    assert "23 Mar – 3 Apr 2016" in dates.values()                                  # a period: its span
    assert set(precision.values()) <= {"day", "month", "year"}
    spans = [g for g in root.iter(SVG + "g") if "span" in (g.get("class") or "").split()]
    assert spans and all(a.get(XLINK + "title") for g in spans for a in g.iter(SVG + "a"))
    # Every mark says its status and article and links to the article.
    for mark in marks.values():
        a = mark.find(f".//{SVG}a")
        assert "status: " in a.get(XLINK + "title") and "article" in a.get(XLINK + "title")
        assert re.search(r"/article-\d{3}$", a.get(XLINK + "href"))
    # Sorted: partial dates first (2013 < 18 May 2013).
    order = [dates[f"date_{i}"] for i in range(len(dates))]
    assert order.index("2013") < order.index("18 May 2013")


@needs_dot
def test_neighbourhood_of_a_person_and_of_a_hub(repo, settings):
    root = _svg(repo, settings, "neighbourhood", about="Sagheer Ahmed")
    nodes, edges = _nodes(root), _edges(root)
    assert "focus" in nodes["n_sagheer_ahmed"]["classes"]
    assert {"n_mqm", "n_kamal_group"} <= set(nodes)
    assert any(e["text"] == "defector" for e in edges)
    hub = _nodes(_svg(repo, settings, "neighbourhood", about="kg:mqm"))
    grouped = [n for n in hub if n.startswith("g_")]
    assert grouped and len(hub) < 60  # a hub is grouped by kind and status, not drawn fact by fact


@needs_dot
@pytest.mark.parametrize("kind, about", KINDS)
def test_no_overlapping_labels(repo, kind, about, settings):
    root = _svg(repo, settings, kind, about)
    overlaps = _overlaps(_text_boxes(root))
    assert not overlaps, overlaps[:5]


@needs_dot
@pytest.mark.parametrize("kind, about", KINDS)
def test_every_mark_has_a_tooltip(repo, kind, about, settings):
    root = _svg(repo, settings, kind, about)
    for g in root.iter(SVG + "g"):
        classes = (g.get("class") or "").split()
        if ("node" in classes or "edge" in classes) and "legend" not in classes and g.findtext(SVG + "title") != \
                "title" and not g.findtext(SVG + "title").startswith(("band_", "year_", "axis_", "gap_")):
            tips = [a.get(XLINK + "title") for a in g.iter(SVG + "a")]
            assert tips and all(tips), (kind, g.findtext(SVG + "title"))


@needs_dot
def test_png_and_sensible_size(repo, settings):
    data = dg.diagram(repo, "defections", fmt="png", settings=settings)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert 300 < width < 4000 and 200 < height < 4000


# ---------------------------------------------------------------------------
# Mermaid
# ---------------------------------------------------------------------------

_NODE = re.compile(r'^    (n_\w+|g_\w+)(\["|\(\[")([^"]*)("\]|"\]\))$')
_EDGE = re.compile(r'^    (n_\w+|g_\w+) (-->|-\.->|-\.-x|---)(?:\|"([^"]*)"\|)? (n_\w+|g_\w+)$')
_LINKSTYLE = re.compile(r"^    linkStyle (\d+) stroke:#[0-9A-F]{6},stroke-width:[\d.]+px,color:#[0-9A-F]{6}$")
_CLASSDEF = re.compile(r"^    classDef (\w+) [\w#:.,\- ]+$")
_CLASS = re.compile(r"^    class ([\w,]+) (\w+)$")
_CLICK = re.compile(r'^    click (n_\w+|g_\w+) href "[^"\s]+" "[^"]*"$')


def check_flowchart(text: str) -> dict:
    """Check Mermaid flowchart text line by line; return its nodes and edges."""
    lines = text.splitlines()
    assert lines[0] == "---" and re.match(r'^title: "[^"]*"$', lines[1]) and lines[2] == "---", lines[:3]
    assert re.match(r"^flowchart (LR|TB)$", lines[3])
    nodes, edges, styles, legend_ids, in_subgraph = {}, [], [], set(), False
    for line in lines[4:]:
        if line.startswith("    %% ") or line.startswith("        direction "):
            assert "%%{" not in line
            continue
        if line.startswith('    subgraph legend["'):
            in_subgraph = True
            continue
        if line == "    end":
            assert in_subgraph
            in_subgraph = False
            continue
        if in_subgraph:
            match = re.match(r'^        (legend_\w+)\["([^"]*)"\]$', line)
            assert match, line
            legend_ids.add(match.group(1))
            continue
        if match := _NODE.match(line):
            assert match.group(1) not in nodes, line
            nodes[match.group(1)] = match.group(3)
        elif match := _EDGE.match(line):
            assert match.group(1) in nodes and match.group(4) in nodes, line
            edges.append((match.group(1), match.group(2), match.group(3), match.group(4)))
        elif match := _LINKSTYLE.match(line):
            styles.append(int(match.group(1)))
        elif _CLASSDEF.match(line):
            pass
        elif match := _CLASS.match(line):
            for nid in match.group(1).split(","):
                assert nid in nodes or nid in legend_ids, line
        elif _CLICK.match(line):
            assert _CLICK.match(line).group(1) in nodes
        else:
            raise AssertionError(f"not a Mermaid line this generator writes: {line!r}")
    assert not in_subgraph
    assert styles == list(range(len(edges)))
    for label in list(nodes.values()) + [e[2] for e in edges if e[2]]:
        assert '"' not in label and "<" not in label.replace("<br/>", "")
    return {"nodes": nodes, "edges": edges}


def check_timeline(text: str) -> list[str]:
    lines = text.splitlines()
    assert lines[0] == "timeline" and lines[1].startswith("    title ")
    events = []
    for line in lines[2:]:
        if line.startswith("    section "):
            continue
        match = re.match(r"^        ([^:]+) : (.+)$", line)
        assert match, line
        parts = match.group(2).split(" : ")
        assert all(p.strip() and ":" not in p for p in parts), line
        events.extend(parts)
    return events


def test_mermaid_defections(repo, settings):
    text = dg.diagram(repo, "defections", fmt="mermaid", settings=settings)
    chart = check_flowchart(text)
    labels = {(tail, head): [] for tail, _, _, head in chart["edges"]}
    for tail, arrow, label, head in chart["edges"]:
        labels[(tail, head)].append((arrow, label))
    into_psp = labels[("n_mqm", "n_psp")]
    assert ("-->", "Sagheer Ahmed") in into_psp
    assert ("-.->", "Rehan Hashmi (speculated)") in into_psp
    assert not any(label == "Rehan Hashmi" for _, label in into_psp)
    assert any(arrow == "-.-x" and "denied" in label for arrow, label in into_psp)
    assert chart["nodes"]["n_psp"].startswith("Pak Sarzameen Party")


def test_mermaid_lineage_and_neighbourhood(repo, settings):
    lineage = check_flowchart(dg.diagram(repo, "lineage", fmt="mermaid", settings=settings))
    assert ("n_kamal_group", "-->", "founded as<br/>23 Mar 2016", "n_psp") in lineage["edges"]
    assert any(e[:2] == ("n_mqm", "---") and e[3] == "n_nine_zero" for e in lineage["edges"])
    hood = check_flowchart(dg.diagram(repo, "neighbourhood", about="Sagheer Ahmed", fmt="mermaid", settings=settings))
    assert "n_sagheer_ahmed" in hood["nodes"]
    check_flowchart(dg.diagram(repo, "neighbourhood", about="kg:mqm", fmt="mermaid", settings=settings))


def test_mermaid_timeline(repo, settings):
    text = dg.diagram(repo, "timeline", fmt="mermaid", settings=settings)
    events = check_timeline(text)
    model = dg.build(repo, "timeline", settings=settings)
    assert len(events) == len(model.events)
    assert "    section 2013" in text and "        2013 : " in text and "        3 Mar 2016 : " in text


def test_mermaid_escapes_what_would_break_it():
    assert dg.mermaid_text('He said "no" <b> #1 `x`') == "He said #quot;no#quot; #lt;b#gt; #35;1 #96;x#96;"
    from kg.ops.diagrams.mermaid import _timeline_text

    assert ":" not in _timeline_text("a: b; c")


def _mermaid_js() -> Path | None:
    for candidate in (os.environ.get("KG_MERMAID_JS"), ROOT / "node_modules/mermaid/dist/mermaid.min.js"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@pytest.mark.skipif(CHROMIUM is None or _mermaid_js() is None,
                    reason="needs Chromium and KG_MERMAID_JS=/path/to/mermaid.min.js (npm install mermaid)")
def test_mermaid_itself_parses_and_renders_every_diagram(repo, tmp_path, settings):
    texts = {f"{kind}-{about}": dg.diagram(repo, kind, about=about, fmt="mermaid", settings=settings) for kind, about in KINDS}
    page = tmp_path / "mermaid.html"
    page.write_text(f"""<!doctype html><html><body><pre id="result">pending</pre>
<script src="{_mermaid_js().resolve().as_uri()}"></script>
<script>
const texts = {json.dumps(texts)};
(async () => {{
  mermaid.initialize({{startOnLoad: false, securityLevel: 'strict'}});
  const out = {{}};
  let i = 0;
  for (const [name, text] of Object.entries(texts)) {{
    try {{ await mermaid.parse(text); const r = await mermaid.render('d' + (i++), text); out[name] = 'ok'; }}
    catch (e) {{ out[name] = 'ERROR ' + (e && e.message || e); }}
  }}
  document.getElementById('result').textContent = JSON.stringify(out);
}})();
</script></body></html>""", encoding="utf-8")
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                             "--virtual-time-budget=30000", "--dump-dom", page.as_uri()],
                            capture_output=True, text=True, timeout=180)
    match = re.search(r'<pre id="result">(.*?)</pre>', result.stdout, re.S)
    assert match, result.stderr[-2000:]
    import html

    outcome = json.loads(html.unescape(match.group(1)))
    assert outcome == {name: "ok" for name in texts}, outcome


# ---------------------------------------------------------------------------
# Determinism, renderer missing, CLI, new data
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["dot", "mermaid"] + (["svg"] if HAS_DOT else []))
def test_output_is_deterministic_across_processes(repo, kg_cache, fmt, settings):
    outputs = set()
    for seed in ("1", "12345"):
        result = run_subprocess(["diagram", "defections", "--format", fmt], env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1
    for kind, about in KINDS[:3]:
        assert dg.diagram(repo, kind, about=about, fmt=fmt, settings=settings) == dg.diagram(repo, kind, about=about, fmt=fmt, settings=settings)


def test_without_graphviz_svg_fails_clearly_and_text_formats_work(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot, no neato
    result = run_kg(["diagram", "lineage", "--format", "svg"])
    assert_clean_error(result, 2, "Graphviz", "apt-get install graphviz", "--format dot or --format mermaid")
    result = run_kg(["diagram", "timeline", "--format", "png", "--out", tmp_path / "t.png"])
    assert_clean_error(result, 2, "neato")
    assert not (tmp_path / "t.png").exists()
    for fmt in ("dot", "mermaid"):
        result = run_kg(["diagram", "lineage", "--format", fmt])
        assert result.exit_code == 0 and "n_psp" in result.output


def test_cli_formats_out_and_errors(repo, tmp_path):
    out = tmp_path / "d.mmd"
    result = run_kg(["diagram", "defections", "--out", out])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("---\ntitle:")
    result = run_kg(["diagram", "timeline", "--about", "Mustafa Kamal", "--format", "dot"])
    assert result.exit_code == 0 and "neato -n2" in result.output and "Mustafa Kamal" in result.output
    assert_clean_error(run_kg(["diagram", "neighbourhood"]), 2, "needs --about")
    assert_clean_error(run_kg(["diagram", "lineage", "--about", "nobody at all xyz"]), 1, "no entity named")
    assert_clean_error(run_kg(["diagram", "family"]), 2, "lineage")
    if HAS_DOT:
        svg = tmp_path / "d.svg"
        assert run_kg(["diagram", "lineage", "--out", svg]).exit_code == 0
        ET.fromstring(svg.read_bytes())


NEW_ARTICLE = """
@prefix kg:   <https://w3id.org/mqm-kg/id/> .
@prefix mqm:  <https://w3id.org/mqm-kg/ontology#> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .

kg:test-newcomer a foaf:Person ; skos:prefLabel "Test Newcomer"@en .
kg:date-2016-08-22 a time:Instant ; time:inXSDDate "2016-08-22"^^xsd:date .
kg:a999-split-mqm-p a mqm:Split ;
    mqm:summary "A test split."@en ;
    org:originalOrganization kg:mqm ; org:resultingOrganization kg:mqm-pakistan ;
    time:hasTime kg:date-2016-08-22 ;
    mqm:epistemicStatus mqm:status-confirmed ; mqm:reportedIn kg:a999-r .
kg:a999-defection a mqm:Defection ;
    mqm:summary "Test Newcomer joined MQM-Pakistan."@en ;
    mqm:defector kg:test-newcomer ; mqm:origin kg:mqm ; mqm:destination kg:mqm-pakistan ;
    time:hasTime kg:date-2016-08-22 ;
    mqm:epistemicStatus mqm:status-confirmed ; mqm:reportedIn kg:a999-r .
kg:a999-r a mqm:Report ; prov:wasDerivedFrom kg:article-004 ;
    prov:wasAttributedTo kg:article-004-reporter ; mqm:quote "test" .
"""


def test_a_new_article_changes_the_pictures_without_code_changes(data_copy, settings):
    (data_copy.root / "data" / "article-999.ttl").write_text(NEW_ARTICLE, encoding="utf-8")
    lineage = check_flowchart(dg.diagram(data_copy, "lineage", fmt="mermaid", settings=settings))
    assert ("n_mqm", "-->", "split off<br/>22 Aug 2016", "n_mqm_pakistan") in lineage["edges"]
    moves = check_flowchart(dg.diagram(data_copy, "defections", fmt="mermaid", settings=settings))
    assert ("n_mqm", "-->", "Test Newcomer", "n_mqm_pakistan") in moves["edges"]
    assert any("22 Aug 2016" in line for line in dg.diagram(data_copy, "timeline", fmt="mermaid", settings=settings).splitlines())


# ---------------------------------------------------------------------------
# The served home page (kg serve), screenshotted with Chromium
# ---------------------------------------------------------------------------

def _png_pixels(data: bytes):
    """(width, height, rows of bytes, bytes per pixel) of an 8-bit RGB(A) PNG, no Pillow needed."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


@pytest.fixture()
def served(tmp_path, kg_cache, repo):
    if not (ROOT / "kg" / "serve.py").is_file():
        pytest.skip("kg serve is not part of this checkout")
    import socket
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT), KG_CACHE_DIR=str(kg_cache), no_proxy="127.0.0.1,localhost",
               NO_PROXY="127.0.0.1,localhost")
    env.pop("KG_DATA_DIR", None)
    log = tmp_path / "serve.log"
    with open(log, "wb") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--quiet"], stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(base + "/sparql", timeout=2):
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text(errors="replace")) from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "text/html"}), timeout=60) as r:
        return r.read().decode("utf-8")


@needs_dot
def test_served_pages_show_the_pictures(served):
    home = _get(served + "/")
    assert 'data-diagram="lineage"' in home and 'data-diagram="defections"' in home
    assert "Pak Sarzameen Party" in home and home.count("<svg") >= 2
    pictures = home[home.index('<details class="kg-diagram-box"'):home.rindex("</figure>")]
    assert ' style="' not in pictures  # the pages' Content-Security-Policy forbids inline styles
    page = _get(served + "/id/sagheer-ahmed")
    assert 'data-diagram="neighbourhood"' in page and 'href="/id/article-004"' in page
    fact = _get(served + "/id/a004-defection-sagheer-ahmed")
    assert "data-diagram" not in fact  # a fact has no name: no picture


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_screenshot_of_the_served_home_page_is_not_blank(served, tmp_path):
    shot = tmp_path / "home.png"
    result = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             f"--screenshot={shot}", "--window-size=1280,1600", "--virtual-time-budget=15000",
                             served + "/"], capture_output=True, timeout=180)
    assert shot.is_file(), result.stderr.decode(errors="replace")[-2000:]
    width, height, rows, bpp = _png_pixels(shot.read_bytes())
    assert (width, height) == (1280, 1600)
    pixels = [row[i:i + 3] for row in rows[::8] for i in range(0, len(row), bpp * 8)]
    background = max(set(pixels), key=pixels.count)
    share = sum(p != background for p in pixels) / len(pixels)
    colours = len(set(pixels))
    assert share > 0.02 and colours > 8, (share, colours)


def test_embed_survives_a_graphviz_failure(repo, monkeypatch, settings):
    """A picture Graphviz cannot draw leaves a note on the page instead of an error (kg serve)."""
    def failing_render(*_args, **_kwargs):
        raise dg.KGError("Graphviz failed to draw the diagram: syntax error in line 1")

    monkeypatch.setattr(dg, "render", failing_render)
    dg._EMBEDDED.clear()
    fragment = dg.embed(repo, "lineage", settings=settings)
    dg._EMBEDDED.clear()
    assert 'class="kg-diagram-missing"' in fragment
    assert "could not be drawn: Graphviz failed" in fragment
    assert "<svg" not in fragment
