"""The linked-data pages in headless Chromium (Debian's `chromium`, installed by .ci/run).

A person's page renders its label and a sourced statement (status, article, quote), and a
link on it to a related entity leads to that entity's page. Chromium is kept off the
network: every host name except 127.0.0.1 resolves to nothing, background services are off.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape

import pytest

from serve_helpers import start_kg_serve

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                                         "(apt-get install chromium; .ci/run does it as root)")


@pytest.fixture(scope="module")
def server(repo, kg_cache, tmp_path_factory):
    srv = start_kg_serve(tmp_path_factory.mktemp("browser"), kg_cache, "--workers", "2")
    yield srv
    srv.stop()


def chromium(tmp_path, *args) -> subprocess.CompletedProcess:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               f"--user-data-dir={tmp_path / 'profile'}", "--no-first-run", "--no-default-browser-check",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-default-apps", "--disable-extensions", "--metrics-recording-only", "--no-pings",
               "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", *args]
    return subprocess.run(command, capture_output=True, timeout=120)


def dump_dom(tmp_path, url: str) -> str:
    result = chromium(tmp_path, "--dump-dom", url)
    dom = result.stdout.decode("utf-8", "replace")
    assert "<html" in dom, result.stderr.decode("utf-8", "replace")[-2000:]
    return dom


def text_of(dom: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", dom)).split())


def test_person_page_renders_label_and_a_sourced_statement(server, tmp_path):
    dom = dump_dom(tmp_path, f"{server.base}/id/anees-qaimkhani")
    text = text_of(dom)
    assert re.search(r"<h1>\s*Anees Qaimkhani\s*</h1>", dom)
    assert "Kaimkhani" in text                                       # an alias
    statements = re.search(r'<section id="statements">(.*?)</section>', dom, re.S)
    assert statements, "no statements section"
    rows = re.findall(r"<tr>(.*?)</tr>", statements.group(1), re.S)
    sourced = [r for r in rows if "status-" in r and "<q>" in r and "/id/article-" in r]
    assert sourced, "no statement with status, article and quote"
    first = text_of(sourced[0])
    assert any(s in first for s in ("confirmed", "claimed", "alleged", "speculated", "denied"))
    # The page really was laid out by the browser (stylesheet applied, screenshot taken).
    shot = tmp_path / "page.png"
    result = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", f"{server.base}/id/anees-qaimkhani")
    assert shot.is_file() and shot.stat().st_size > 10_000, result.stderr.decode("utf-8", "replace")[-1000:]


def test_link_to_a_related_entity_leads_to_its_page(server, tmp_path):
    dom = dump_dom(tmp_path, f"{server.base}/id/sagheer-ahmed")
    links = re.findall(r'<a href="(/id/[^"#?]+)">([^<]+)</a>', dom)
    related = [(href, label) for href, label in links
               if href not in ("/id/sagheer-ahmed",) and not href.startswith("/id/article-")
               and not href.startswith("/id/a0")]
    assert related, "no link to a related entity"
    href, label = next(((h, l) for h, l in related if h == "/id/mqm"), related[0])
    target = dump_dom(tmp_path, server.base + href)
    assert f"<h1>{label}</h1>" in target or re.search(rf"<h1>\s*{re.escape(unescape(label))}\s*</h1>", unescape(target))
    # ...and that page links back to the person through a fact (e.g. a membership).
    assert "/id/" in target and "What the articles say" in target
