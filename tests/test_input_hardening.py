"""Hardening of RDF input parsing (kg.rdf.io): nesting depth, BOM, HTML, empty files, JSON-LD drops.

Measured on pyoxigraph 0.5 (the reasons for the checks): JSON-LD objects nested 1,000 deep
take 200 MB, 3,000 deep 1.7 GB, and 4,000 deep crash the process (SIGSEGV); Turtle and
N-Triples triple terms ``<<( ... )>>`` crash from about 20,000 levels; Turtle ``[`` / ``(``
nesting takes ~0.8 KB a level (700 MB for a million levels in a 4 MB file); RDF/XML takes
time quadratic in the element depth (40,000 levels: 45 s, 100,000: minutes).
"""
import json
import subprocess
import sys
import textwrap

import pytest
from cli_helpers import ROOT, copy_data_dir, run_kg

from kg.config import Settings
from kg.errors import ParseError, UnsafeInputError
from kg.rdf import io as rdfio
from kg.project.load import load_dataset, parse_file

LIMIT = 256  # kg.rdf.io.DEFAULT_MAX_NESTING


def nesting_exceeds(data, fmt, limit):
    return rdfio.nesting_exceeds(data, fmt, limit)

KG = "https://w3id.org/mqm-kg/id/"
RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://e/"'
GOOD_TTL = (f"@prefix kg: <{KG}> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            'kg:psp rdfs:comment "a comment (with [brackets])" .\n')


def nested(kind: str, depth: int) -> tuple[str, str]:
    """(file name, text) of an input nested ``depth`` levels deep."""
    if kind == "jsonld-object":
        return "deep.jsonld", '{"@id": "http://e/a", "http://e/b": ' + '{"http://e/b": ' * depth + '"x"' + "}" * (depth + 1)
    if kind == "jsonld-list":
        return "deep-list.jsonld", '{"@id": "http://e/a", "http://e/b": ' + '{"@list": [' * depth + '"x"' + "]}" * depth + "}"
    if kind == "turtle-bnode":
        return "deep.ttl", "@prefix ex: <http://e/> .\nex:a ex:b " + "[ ex:b " * depth + "ex:c " + "] " * depth + ".\n"
    if kind == "turtle-list":
        return "deep-list.ttl", "@prefix ex: <http://e/> .\nex:a ex:b " + "( " * depth + ") " * depth + ".\n"
    if kind == "turtle-triple-term":
        return "deep-tt.ttl", "@prefix ex: <http://e/> .\nex:a ex:b " + "<<( ex:a ex:b " * depth + "ex:c" + " )>>" * depth + " .\n"
    if kind == "trig-bnode":
        return "deep.trig", "@prefix ex: <http://e/> .\nex:g { ex:a ex:b " + "[ ex:b " * depth + "ex:c " + "] " * depth + ". }\n"
    if kind == "ntriples-triple-term":
        return "deep.nt", ("<http://e/a> <http://e/b> " + "<<( <http://e/a> <http://e/b> " * depth + "<http://e/c>"
                           + " )>>" * depth + " .\n")
    if kind == "rdfxml-elements":
        return "deep.rdf", ('<?xml version="1.0"?>\n<rdf:RDF ' + RDF_NS + "><rdf:Description>"
                            + "<ex:b><rdf:Description>" * depth + "</rdf:Description></ex:b>" * depth
                            + "</rdf:Description></rdf:RDF>")
    raise ValueError(kind)


KINDS = ["jsonld-object", "jsonld-list", "turtle-bnode", "turtle-list", "turtle-triple-term", "trig-bnode",
         "ntriples-triple-term", "rdfxml-elements"]

# Runs `python -m kg ARGS` as its child and prints its exit code, output and peak memory:
# RUSAGE_CHILDREN of this fresh process covers that one child only.
MEASURE = textwrap.dedent("""
    import json, resource, subprocess, sys
    done = subprocess.run([sys.executable, "-m", "kg", *sys.argv[1:]], capture_output=True, timeout=100)
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"code": done.returncode, "rss_mb": rss_kb / 1024,
                      "output": (done.stdout + done.stderr).decode("utf-8", "replace")}))
""")


def run_measured(args, tmp_path):
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "KG_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", MEASURE, *map(str, args)], capture_output=True,
                          cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


@pytest.mark.parametrize("depth", [5000, 100000])
@pytest.mark.parametrize("kind", KINDS)
def test_deep_nesting_is_refused_in_a_subprocess_with_little_memory(tmp_path, kind, depth):
    name, text = nested(kind, depth)
    path = tmp_path / name
    path.write_text(text)
    result = run_measured(["validate", path], tmp_path)
    output = result["output"]
    assert result["code"] == 2, result  # not 139 (SIGSEGV), not 0/1 after parsing it
    assert "Traceback" not in output
    assert name in output and f"limit of {LIMIT} levels" in output, output
    assert result["rss_mb"] < 200, result


@pytest.mark.parametrize("kind", KINDS)
def test_nesting_at_the_limit_is_accepted_and_one_deeper_refused(tmp_path, kind):
    limit = 40
    name, text = nested(kind, 10)
    fmt = {"jsonld": "JSON_LD", "ttl": "TURTLE", "trig": "TRIG", "nt": "N_TRIPLES", "rdf": "RDF_XML"}[name.split(".")[1]]
    assert not nesting_exceeds(text.encode(), fmt, limit)
    for depth in range(5, 60):
        if nesting_exceeds(nested(kind, depth)[1].encode(), fmt, limit):
            break
    else:
        pytest.fail("never refused")
    assert nesting_exceeds(nested(kind, depth + 1)[1].encode(), fmt, limit)
    assert not nesting_exceeds(nested(kind, depth - 1)[1].encode(), fmt, limit)
    assert depth >= limit // 3  # a level counts at most 3 (``<<(``, ``{"@list": [``, XML pairs)


def test_brackets_in_strings_iris_and_comments_do_not_count():
    turtle = ('@prefix ex: <http://e/> .\nex:a ex:b "' + "[" * 500 + '", """' + "(\n" * 500 + '""", \''
              + "{" * 500 + "' . # " + "[" * 500 + "\n" + "<http://e/x(> ex:p ex:a\\( .\n" * 500)
    assert not nesting_exceeds(turtle.encode(), "TURTLE", 8)
    jsonld = '{"@id": "http://e/a", "http://e/b": "' + '[{\\"' * 500 + '"}'
    assert not nesting_exceeds(jsonld.encode(), "JSON_LD", 8)
    xml = ('<?xml version="1.0"?><rdf:RDF ' + RDF_NS + '>'
           + '<rdf:Description rdf:about="http://e/x>"/><!-- <a><a> --><![CDATA[<b><b>]]><?pi <c>?>' * 500
           + "</rdf:RDF>")
    assert not nesting_exceeds(xml.encode(), "RDF_XML", 8)
    # ... but an attribute value holding "/>" does not make an element empty
    assert nesting_exceeds(('<?xml version="1.0"?><rdf:RDF ' + RDF_NS + '>' + '<a x="/>">' * 20
                            + "</a>" * 20 + "</rdf:RDF>").encode(), "RDF_XML", 8)


def test_the_repository_data_is_far_from_the_limit(repo):
    assert rdfio.DEFAULT_MAX_NESTING == LIMIT
    for path in repo.input_files():
        assert not nesting_exceeds(path.read_bytes(), rdfio.EXTENSIONS[path.suffix], 16), path


def test_nesting_limit_can_be_raised(tmp_path, monkeypatch):
    path = tmp_path / "deep.ttl"
    path.write_text(nested("turtle-bnode", 300)[1])
    with pytest.raises(UnsafeInputError, match="limit of 256"):
        parse_file(path)
    monkeypatch.setenv("KG_MAX_NESTING", "1000")
    assert len(parse_file(path, max_nesting=Settings.from_environment().max_nesting)) == 301


FAST_LOAD = textwrap.dedent("""
    import sys
    from pathlib import Path
    import pyoxigraph as ox
    from kg.errors import UnsafeInputError
    from kg.rdf.io import load_into_store
    try:
        load_into_store(ox.Store(), Path(sys.argv[1]), "urn:x:g")
    except UnsafeInputError as exc:
        print("refused:", exc)
""")


def test_fast_engine_loader_refuses_deep_nesting_too(tmp_path):
    # In a subprocess: without the check, pyoxigraph's bulk_load crashes the process (SIGSEGV).
    path = tmp_path / "deep.jsonld"
    path.write_text(nested("jsonld-object", 5000)[1])
    done = subprocess.run([sys.executable, "-c", FAST_LOAD, str(path)], capture_output=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 0, (done.returncode, done.stderr.decode()[-2000:])
    assert f"limit of {LIMIT} levels" in done.stdout.decode()


def test_depth_scan_is_linear_and_quick(tmp_path):
    import time

    unit = "".join(f'ex:s{i} a ex:C ; ex:label "name ({i}) [x]"@en ; ex:p [ ex:q ( ex:a ex:b ) ] .\n'
                   for i in range(2000)).encode()
    flat = b"@prefix ex: <http://e/> .\n" + unit * (8_000_000 // len(unit))
    start = time.perf_counter()
    assert not nesting_exceeds(flat, "TURTLE", LIMIT)
    elapsed = time.perf_counter() - start
    assert elapsed < 5, elapsed  # ~0.12 s on the reference machine (pyoxigraph parses it in ~0.6 s)
    deep = nested("turtle-bnode", 150_000)[1].encode()  # 1 MB
    start = time.perf_counter()
    assert nesting_exceeds(deep, "TURTLE", LIMIT)
    assert time.perf_counter() - start < 2


# --- BOM -------------------------------------------------------------------------------------

def test_bom_prefixed_turtle_loads_like_the_same_file_without(tmp_path):
    from rdflib.compare import isomorphic

    plain, bom = tmp_path / "plain.ttl", tmp_path / "bom.ttl"
    plain.write_text(GOOD_TTL, encoding="utf-8")
    bom.write_bytes(b"\xef\xbb\xbf" + GOOD_TTL.encode("utf-8"))
    assert len(parse_file(bom)) == 1
    assert isomorphic(parse_file(bom), parse_file(plain))


@pytest.mark.parametrize("name, text", [
    ("bom.nt", f'<{KG}psp> <http://www.w3.org/2000/01/rdf-schema#comment> "x" .\n'),
    ("bom.trig", f'<{KG}g> {{ <{KG}psp> <http://www.w3.org/2000/01/rdf-schema#comment> "x" . }}\n'),
    ("bom.jsonld", f'{{"@id": "{KG}psp", "http://www.w3.org/2000/01/rdf-schema#comment": "x"}}'),
    ("bom.rdf", '<?xml version="1.0"?>\n<rdf:RDF ' + RDF_NS + f'><rdf:Description rdf:about="{KG}psp">'
                "<ex:b>x</ex:b></rdf:Description></rdf:RDF>"),
])
def test_bom_is_accepted_in_every_format(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert len(parse_file(path)) == 1


def test_bom_turtle_validates_like_without_and_is_added_without_bom(tmp_path, repo):
    from kg.project.paths import DataDir

    plain, bom = tmp_path / "plain-note.ttl", tmp_path / "bom-note.ttl"
    plain.write_text(GOOD_TTL, encoding="utf-8")
    bom.write_bytes(b"\xef\xbb\xbf" + GOOD_TTL.encode("utf-8"))
    without, with_bom = run_kg(["validate", plain]), run_kg(["validate", bom])
    assert with_bom.exit_code == without.exit_code == 0, with_bom.output
    assert with_bom.output == without.output
    data_dir = DataDir(copy_data_dir(tmp_path / "kgdata"))
    added = run_kg(["--data-dir", data_dir.root, "add", bom])
    assert added.exit_code == 0, added.output
    written = (data_dir.data_dir / "bom-note.ttl").read_bytes()
    assert written == GOOD_TTL.encode("utf-8")  # the BOM is dropped, the rest kept byte for byte


def test_utf16_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "utf16.ttl"
    path.write_bytes(GOOD_TTL.encode("utf-16"))
    with pytest.raises(ParseError, match="UTF-16 encoded"):
        parse_file(path)


# --- HTML saved as RDF -------------------------------------------------------------------------

@pytest.mark.parametrize("name, text, label", [
    ("page.ttl", "<!DOCTYPE html>\n<html><head><title>x</title></head><body></body></html>\n", "Turtle"),
    ("page2.ttl", "\n\n   <html lang='en'>\n<body>404</body></html>", "Turtle"),
    ("page.nt", "<!-- saved --><!doctype HTML><html></html>", "N-Triples"),
    ("page.jsonld", "<!DOCTYPE html><html></html>", "JSON-LD"),
    ("page.rdf", '<?xml version="1.0"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml"></html>',
     "RDF/XML"),
])
def test_html_page_is_named_as_such(tmp_path, name, text, label):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert f"looks like an HTML page, not {label}" in str(info.value)
    assert not isinstance(info.value, UnsafeInputError)  # not the DTD refusal for XHTML


def test_html_page_through_the_cli(tmp_path, repo):
    path = tmp_path / "download.ttl"
    path.write_text("  <!DOCTYPE html>\n<html><body>Sign in</body></html>\n")
    for command in ("validate", "add"):
        result = run_kg([command, path])
        assert result.exit_code == 2, result.output
        assert "download.ttl" in result.output and "looks like an HTML page, not Turtle" in result.output


def test_turtle_mentioning_html_is_not_html(tmp_path):
    path = tmp_path / "ok.ttl"
    path.write_text(f'<{KG}psp> <http://www.w3.org/2000/01/rdf-schema#comment> "<html> is a tag" .\n')
    assert len(parse_file(path)) == 1


# --- empty input -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, text", [
    ("empty.ttl", ""),
    ("blank.ttl", "  \n\n\t\n"),
    ("comments.ttl", "# nothing yet\n@prefix kg: <https://w3id.org/mqm-kg/id/> .\n"),
    ("empty.nt", ""),
    ("empty.jsonld", "{}"),
    ("empty.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'),
])
def test_input_without_triples_is_refused_by_validate_and_add(tmp_path, repo, name, text):
    from kg.project.paths import DataDir

    path = tmp_path / name
    path.write_text(text)
    result = run_kg(["validate", path])
    assert result.exit_code == 2, result.output
    assert name in result.output and "no triples" in result.output
    data_dir = DataDir(copy_data_dir(tmp_path / "kgdata"))
    before = sorted(p.name for p in data_dir.data_dir.iterdir())
    result = run_kg(["--data-dir", data_dir.root, "add", path])
    assert result.exit_code == 2, result.output
    assert "no triples" in result.output
    assert sorted(p.name for p in data_dir.data_dir.iterdir()) == before  # nothing written


def test_empty_file_is_refused_when_loaded_as_an_input(tmp_path, repo):
    path = tmp_path / "empty.ttl"
    path.write_text("")
    with pytest.raises(ParseError, match="no triples"):
        load_dataset(repo, [path])


def test_an_empty_file_of_the_kg_itself_is_still_loaded(tmp_path, repo):
    from kg.project.paths import DataDir

    data_dir = DataDir(copy_data_dir(tmp_path / "kgdata"))
    (data_dir.data_dir / "zz-empty.ttl").write_text("# placeholder\n")
    assert len(load_dataset(data_dir, include_shapes=False)) > 0
    assert len(parse_file(data_dir.data_dir / "zz-empty.ttl")) == 0


# --- JSON-LD statements dropped silently -------------------------------------------------------

@pytest.mark.parametrize("text, iri", [
    ('{"@id": "http://exa mple.org/x", "http://e/b": "x"}', "http://exa mple.org/x"),
    ('{"@id": "http://e/a",\n "http://ex.org/p q": "x"}', "http://ex.org/p q"),
    ('{"@id": "http://e/a", "@type": "http://e/T x"}', "http://e/T x"),
    ('{"@id": "http://e/a", "http://e/b": {"@id": "http://e/o\\"o"}}', 'http://e/o"o'),
    ('{"@id": "relative", "http://e/b": "x"}', "relative"),
    ('{"@id": "http://e/a", "name": "x"}', "name"),  # no @context term, no @vocab
    ('{"@id": "http://e/g g", "@graph": [{"@id": "http://e/a", "http://e/b": "x"}]}', "http://e/g g"),
])
def test_jsonld_invalid_iri_is_an_error_naming_it(tmp_path, text, iri):
    path = tmp_path / "bad.jsonld"
    path.write_text(text)
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert repr(iri) in str(info.value), str(info.value)
    assert "bad.jsonld" in str(info.value)


def test_jsonld_invalid_iri_through_the_cli(tmp_path, repo):
    path = tmp_path / "person.jsonld"
    path.write_text('{"@id": "https://w3id.org/mqm-kg/id/psp",\n  "http://ex.org/p q": "x"}\n')
    for command in ("validate", "add"):
        result = run_kg([command, path])
        assert result.exit_code == 2, result.output
        assert "person.jsonld:2:" in result.output and "'http://ex.org/p q'" in result.output


def test_jsonld_fast_loader_refuses_invalid_iri_too(tmp_path, repo):
    import pyoxigraph as ox

    from kg.rdf.io import load_into_store

    path = tmp_path / "bad.jsonld"
    path.write_text('{"@id": "http://exa mple.org/x", "http://e/b": "x"}')
    with pytest.raises(ParseError, match="exa mple"):
        load_into_store(ox.Store(), path, "urn:x:g")


def test_valid_jsonld_with_context_is_not_flagged(tmp_path):
    path = tmp_path / "ok.jsonld"
    path.write_text(json.dumps({
        "@context": {"kg": KG, "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "@vocab": "http://e/",
                     "label": "rdfs:label"},
        "@graph": [{"@id": "kg:psp", "@type": "kg:Party", "label": {"@value": "PSP", "@language": "en"},
                    "member": {"@id": "_:b1", "name": "x"}, "list": {"@list": [1, 2]}}]}))
    assert len(parse_file(path)) == 9
