"""Untrusted input: no network, no DTD, no recursion blow-up, invalid IRIs are errors."""
import json
import subprocess
import sys
import textwrap

import pytest
from cli_helpers import FIXTURES, ROOT, run_kg

from kg.errors import ParseError, UnsafeInputError
from kg.project.load import parse_file

AUDIT_SCRIPT = textwrap.dedent("""
    import json, sys
    events = []
    WATCH = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request",
             "http.client.connect", "ftplib.connect", "smtplib.connect")
    def hook(event, args):
        if event in WATCH:
            events.append([event, repr(args)[:200]])
    sys.addaudithook(hook)

    from kg.config import Settings
    from kg.project.paths import resolve_data_dir
    from kg.project.load import load_dataset, parse_file
    from kg.engine.reference.reason import reason
    from kg.ops.validate import validate
    from kg.ops.query import run_query
    from kg.project.catalogue import get_query
    from kg.ops.export import export
    from kg.store.cache import ensure_cache

    settings = Settings.from_environment()
    data_dir = resolve_data_dir()
    dataset = load_dataset(data_dir)
    reason(dataset)
    ensure_cache(data_dir, rebuild=True, settings=settings)
    validate(data_dir, [sys.argv[1]], settings=settings)
    run_query(data_dir, get_query(data_dir, "defections"), {"person": "kg:sagheer-ahmed"}, settings=settings)
    run_query(data_dir, get_query(data_dir, "defections"), {"person": "kg:sagheer-ahmed"}, engine="rdflib",
              settings=settings)
    for fmt in ("turtle", "trig", "json-ld", "xml"):
        export(data_dir, fmt, inferred=True, settings=settings)
    try:
        parse_file(sys.argv[2])
    except Exception:
        pass
    # Self-test: the hook does see a connection attempt.
    import socket
    try:
        socket.getaddrinfo("localhost", 9)
    except OSError:
        pass
    print(json.dumps(events))
""")


def test_pipeline_opens_no_network_connection(tmp_path, kg_cache):
    env = {"KG_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
           "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", AUDIT_SCRIPT, str(FIXTURES / "imports.ttl"),
                           str(FIXTURES / "remote-context.jsonld")],
                          capture_output=True, cwd=tmp_path, env=env, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    events = json.loads(done.stdout.decode().strip().splitlines()[-1])
    # Exactly one event: the self-test lookup at the end, proving the hook works.
    assert [e[0] for e in events] == ["socket.getaddrinfo"], events


def test_rdfxml_with_a_dtd_is_refused():
    with pytest.raises(UnsafeInputError) as info:
        parse_file(FIXTURES / "doctype.rdf")
    assert "DTD" in str(info.value) and info.value.line == 2


def test_rdfxml_entity_without_doctype_keyword_is_refused(tmp_path):
    path = tmp_path / "entity.rdf"
    path.write_bytes(b'<?xml version="1.0"?>\n<!ENTITY x "y">\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>')
    with pytest.raises(UnsafeInputError):
        parse_file(path)


def test_plain_rdfxml_is_accepted(tmp_path):
    path = tmp_path / "ok.rdf"
    path.write_text('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                    'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
                    '<rdf:Description rdf:about="https://w3id.org/mqm-kg/id/x"><rdfs:label>x</rdfs:label>'
                    '</rdf:Description></rdf:RDF>\n')
    assert len(parse_file(path)) == 1


def test_owl_imports_are_not_followed():
    graph = parse_file(FIXTURES / "imports.ttl")
    assert len(graph) == 3  # the triples of the file itself, nothing imported


def test_remote_jsonld_context_is_refused():
    with pytest.raises(UnsafeInputError, match="remote"):
        parse_file(FIXTURES / "remote-context.jsonld")


@pytest.mark.parametrize("name, text", [
    ("deep.ttl", "@prefix ex: <http://e/> .\nex:a ex:b " + "[ ex:b " * 100000 + "ex:c " + "] " * 100000 + ".\n"),
    ("deep-list.ttl", "@prefix ex: <http://e/> .\nex:a ex:b " + "( " * 100000 + ") " * 100000 + ".\n"),
    ("deep.jsonld", '{"@id": "http://e/a", "http://e/b": ' + '{"http://e/b": ' * 100000 + '"x"' + "}" * 100001),
    ("deep.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                 'xmlns:ex="http://e/">' + '<rdf:Description><ex:b rdf:parseType="Resource">' * 20000
                 + "</ex:b></rdf:Description>" * 20000 + "</rdf:RDF>"),
])
def test_deeply_nested_input_never_raises_recursion_error(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    try:
        graph = parse_file(path)
    except ParseError as exc:
        assert str(exc)
    else:
        assert len(graph) > 0


def test_cli_handles_nesting_deeper_than_the_recursion_limit(tmp_path, repo):
    path = tmp_path / "nested.ttl"
    depth = 3000  # deeper than Python's default recursion limit (1000)
    path.write_text("@prefix ex: <http://e/> .\nex:a ex:b " + "[ ex:b " * depth + "ex:c " + "] " * depth + ".\n")
    result = run_kg(["validate", path])
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output and "RecursionError" not in result.output


@pytest.mark.parametrize("iri", ["bad iri", 'bad"iri', "bad<iri", "bad>iri"])
def test_invalid_iris_are_errors_naming_the_line(tmp_path, iri):
    path = tmp_path / "iri.ttl"
    path.write_text(f'<https://w3id.org/mqm-kg/id/ok> <http://e/p> "x" .\n\n<https://w3id.org/mqm-kg/id/{iri}> <http://e/p> "x" .\n')
    with pytest.raises(ParseError) as info:
        parse_file(path)
    assert info.value.line == 3


def test_cli_refuses_unsafe_input_cleanly(repo):
    for name in ("doctype.rdf", "bad-iri.ttl", "syntax-error.ttl", "remote-context.jsonld"):
        for command in ("validate", "add"):
            result = run_kg([command, FIXTURES / name])
            assert result.exit_code == 2, (name, result.output)
            assert "Traceback" not in result.output
            assert name in result.output
