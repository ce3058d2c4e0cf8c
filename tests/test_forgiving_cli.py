"""The CLI forgives near misses and says what it did: skipped checks, the data dir it used,
short vocabulary values, misspelt names, export formats, unknown prefixes, refused adds."""
import json

import pytest
from cli_helpers import FIXTURES, ROOT, assert_clean_error, run_kg, snapshot

ARTICLES = ROOT.parent / "shared" / "articles"


# 1. kg check says how many checks ran and which were skipped

def test_check_counts_the_checks_that_ran_and_names_the_skipped(data_copy, monkeypatch):
    monkeypatch.delenv("KG_ARTICLES_DIR", raising=False)
    result = run_kg(["--data-dir", data_copy.root, "check"])
    assert result.exit_code == 0, result.output
    steps = [line for line in result.output.splitlines() if line[:4] in ("PASS", "FAIL", "SKIP")]
    assert "SKIP  quotes: Every quote occurs verbatim in its article (article texts not found; " \
           "set KG_ARTICLES_DIR)" in steps
    assert "All checks pass." not in result.output
    assert result.output.endswith(f"All {len(steps) - 1} checks that ran pass; 1 skipped: quotes "
                                  "(article texts not found; set KG_ARTICLES_DIR)\n")
    assert "../shared/articles" in result.output  # where the texts are in the team's layout


def test_check_names_a_kg_articles_dir_that_is_not_a_folder(data_copy, monkeypatch, tmp_path):
    monkeypatch.setenv("KG_ARTICLES_DIR", str(tmp_path / "no-such-folder"))
    result = run_kg(["--data-dir", data_copy.root, "check"])
    assert result.exit_code == 0, result.output
    assert f"KG_ARTICLES_DIR={tmp_path / 'no-such-folder'} is not a folder" in result.output
    assert "1 skipped: quotes" in result.output


@pytest.mark.skipif(not ARTICLES.is_dir(), reason="article texts not found in ../shared/articles")
def test_check_with_the_articles_counts_every_check(data_copy, monkeypatch):
    monkeypatch.setenv("KG_ARTICLES_DIR", str(ARTICLES))
    result = run_kg(["--data-dir", data_copy.root, "check"])
    steps = [line for line in result.output.splitlines() if line[:4] in ("PASS", "FAIL", "SKIP")]
    assert result.exit_code == 0, result.output
    assert result.output.endswith(f"All {len(steps)} checks pass.\n")


# 2. A misspelt query name gets the close matches; a missing .rq path is a missing file

def test_query_near_miss_says_did_you_mean_instead_of_listing_all(repo):
    result = run_kg(["query", "defection"])
    assert_clean_error(result, 2, "no stored query named 'defection'; did you mean: defections")
    assert "available:" not in result.output and "members-of" not in result.output


@pytest.mark.parametrize("path", ["missing.rq", "queries/missing.rq", "some/folder/defections"])
def test_query_path_that_does_not_exist_says_no_such_file(repo, path):
    result = run_kg(["query", path])
    assert_clean_error(result, 2, f"no such file: {path}")
    assert "no stored query named" not in result.output


# 3. An undeclared prefix in SPARQL text is named, with the predeclared prefixes

@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("sparql", [
    "SELECT * { ?s foo:x ?o }",  # object position: pyoxigraph says "Prefix not found"
    "SELECT * { foo:a ?p ?o }",  # subject position: pyoxigraph says only "expected OPTIONAL"
    "PREFIX bar: <http://example.org/> SELECT * { ?s bar:x <http://a/b:c> . ?s a foo:y }",
])
def test_undeclared_prefix_is_named_with_the_predeclared_ones(repo, engine, sparql):
    result = run_kg(["query", "--engine", engine, "-e", sparql])
    assert_clean_error(result, 2, "SPARQL syntax error", "unknown prefix 'foo:'", "kg:, mqm:, org:",
                       "PREFIX foo: <...>")
    assert "Prefix not found" not in result.output and "expected one of" not in result.output
    assert "Unknown namespace prefix" not in result.output


# 4. kg export takes the format from the --out extension and refuses a contradiction

@pytest.mark.parametrize("name, check", [
    ("kg.jsonld", lambda data: json.loads(data)),
    ("kg.nt", lambda data: data.splitlines()[0].startswith(b"<") and data.rstrip().endswith(b" .")),
    ("kg.nq", lambda data: b"<urn:kg:file:" in data.splitlines()[0]),
    ("kg.rdf", lambda data: data.startswith(b"<?xml")),
])
def test_export_takes_the_format_from_the_out_extension(repo, tmp_path, name, check, settings):
    from kg.ops.export import FORMAT_OF_EXTENSION, export

    out = tmp_path / name
    result = run_kg(["export", "--out", out])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert not data.startswith(b"@prefix") and check(data)
    assert data == export(repo, FORMAT_OF_EXTENSION[out.suffix], settings=settings)


def test_export_refuses_a_format_the_extension_contradicts(repo, tmp_path):
    result = run_kg(["export", "--format", "nt", "--out", tmp_path / "kg.jsonld"])
    assert_clean_error(result, 2, "--format nt contradicts", "kg.jsonld", ".jsonld means json-ld",
                       "nothing was written")
    assert list(tmp_path.iterdir()) == []
    agrees = run_kg(["export", "--format", "json-ld", "--out", tmp_path / "kg.jsonld"])
    assert agrees.exit_code == 0, agrees.output


@pytest.mark.parametrize("command", [["export"], ["reason"]])
def test_an_out_extension_that_names_no_format_is_refused(repo, tmp_path, command):
    result = run_kg([*command, "--out", tmp_path / "kg.n3"])
    assert_clean_error(result, 2, "cannot tell the export format of", "kg.n3", ".ttl (turtle)",
                       ".jsonld (json-ld)", ".nq (nquads)", ".rdf (xml)")
    assert list(tmp_path.iterdir()) == []
    if command == ["export"]:  # an explicit --format decides for a name without a known extension
        explicit = run_kg(["export", "--format", "nt", "--out", tmp_path / "kg.txt"])
        assert explicit.exit_code == 0 and (tmp_path / "kg.txt").read_bytes().startswith(b"<")


# 5. kg add says what it refused and that nothing was written, or where it wrote

def test_add_refusal_of_a_new_file_says_nothing_was_written(data_copy):
    before = snapshot(data_copy.root)
    result = run_kg(["--data-dir", data_copy.root, "add", FIXTURES / "bad-addition.ttl"])
    assert result.exit_code == 1, result.output
    assert f"Not added: {FIXTURES / 'bad-addition.ttl'} was refused" in result.output
    assert f"nothing was written in the data dir {data_copy.root}: data/bad-addition.ttl was not created." \
        in result.output
    assert "left unchanged" not in result.output and "is unchanged" not in result.output
    assert snapshot(data_copy.root) == before


def test_add_refusal_of_a_replacement_says_the_old_file_is_unchanged(data_copy, tmp_path):
    good = run_kg(["--data-dir", data_copy.root, "add", FIXTURES / "good-addition.ttl"])
    assert good.exit_code == 0, good.output
    before = snapshot(data_copy.root)
    bad = tmp_path / "good-addition.ttl"
    bad.write_bytes((FIXTURES / "bad-addition.ttl").read_bytes())
    result = run_kg(["--data-dir", data_copy.root, "add", "--replace", bad])
    assert result.exit_code == 1, result.output
    assert f"Not added: {bad} was refused" in result.output
    assert "nothing was written" in result.output and "data/good-addition.ttl is unchanged." in result.output
    assert snapshot(data_copy.root) == before


def test_add_names_the_data_dir_it_wrote_to(data_copy):
    result = run_kg(["--data-dir", data_copy.root, "add", FIXTURES / "good-addition.ttl"])
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"Added {FIXTURES / 'good-addition.ttl'} as data/good-addition.ttl "
                             f"in the data dir {data_copy.root}.\n")
    assert (data_copy.data_dir / "good-addition.ttl").is_file()


# 6. The data dir is found from the current directory upwards; the bundled copy is read-only

def test_add_from_inside_another_copy_writes_into_that_copy(data_copy, monkeypatch, tmp_path):
    monkeypatch.delenv("KG_DATA_DIR", raising=False)
    repo_before = snapshot(ROOT / "data")
    monkeypatch.chdir(data_copy.root / "queries" / "checks")  # a subfolder of the copy
    stray = ROOT / "data" / "good-addition.ttl"
    try:
        result = run_kg(["add", FIXTURES / "good-addition.ttl"])
    finally:
        if "good-addition.ttl" not in repo_before and stray.exists():
            stray.unlink()  # the bug this test is about: never leave it in the repository
            pytest.fail(f"kg add wrote into the repository next to the package: {stray}")
    assert result.exit_code == 0, result.output
    assert (data_copy.data_dir / "good-addition.ttl").read_bytes() == (FIXTURES / "good-addition.ttl").read_bytes()
    assert f"in the data dir {data_copy.root}." in result.output
    assert snapshot(ROOT / "data") == repo_before  # not the repository next to the package


def test_the_current_directory_wins_over_kg_data_dir_and_data_dir_over_both(data_copy, monkeypatch, tmp_path):
    from cli_helpers import copy_data_dir

    other = copy_data_dir(tmp_path / "other")
    monkeypatch.setenv("KG_DATA_DIR", str(other))
    monkeypatch.chdir(data_copy.data_dir)
    inside = run_kg(["add", FIXTURES / "good-addition.ttl"])
    assert inside.exit_code == 0 and f"in the data dir {data_copy.root}." in inside.output, inside.output
    assert not (other / "data" / "good-addition.ttl").exists()
    explicit = run_kg(["--data-dir", other, "add", FIXTURES / "good-addition.ttl"])
    assert explicit.exit_code == 0 and f"in the data dir {other}." in explicit.output, explicit.output
    monkeypatch.chdir(tmp_path)  # outside every data dir: KG_DATA_DIR
    (other / "data" / "good-addition.ttl").unlink()
    outside = run_kg(["add", FIXTURES / "good-addition.ttl"])
    assert outside.exit_code == 0 and f"in the data dir {other}." in outside.output, outside.output


def test_add_refuses_to_write_into_the_bundled_copy(repo, monkeypatch, tmp_path):
    import kg.project.paths
    from cli_helpers import copy_data_dir

    package = tmp_path / "site-packages" / "kg"  # an installed wheel: kg/_bundled, no repository above
    bundled = copy_data_dir(package / "_bundled")
    monkeypatch.setattr(kg.project.paths, "PACKAGE_DIR", package)
    monkeypatch.delenv("KG_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    before = snapshot(bundled)
    result = run_kg(["add", FIXTURES / "good-addition.ttl"])
    assert_clean_error(result, 2, f"the data dir {bundled} is read-only",
                       "bundled in the installed kg package", "nothing was written", "inside a clone")
    assert snapshot(bundled) == before
    explicit = run_kg(["--data-dir", bundled, "add", FIXTURES / "good-addition.ttl"])
    assert_clean_error(explicit, 2, "is read-only")
    assert snapshot(bundled) == before


# 7. Parameter values: short forms of a controlled vocabulary; a warning for an unknown IRI

def test_controlled_parameter_accepts_the_short_form(repo):
    short = run_kg(["query", "defections", "--param", "status=confirmed", "-f", "csv"])
    full = run_kg(["query", "defections", "--param", "status=mqm:status-confirmed", "-f", "csv"])
    assert short.exit_code == 0 and full.exit_code == 0, short.output + full.output
    assert len(short.stdout.splitlines()) > 1  # rows, not the header alone
    assert short.stdout == full.stdout
    assert "warning" not in short.output


def test_controlled_parameter_outside_its_vocabulary_lists_the_values(repo):
    result = run_kg(["query", "defections", "--param", "status=confirmd"])
    assert_clean_error(result, 2, "parameter 'status': 'confirmd' is not one of its values: "
                                  "confirmed, claimed, alleged, denied, speculated", "did you mean: confirmed")


def test_queries_and_query_help_show_the_allowed_values(repo):
    listing = run_kg(["queries"])
    assert "status:iri? (confirmed|claimed|alleged|denied|speculated)" in listing.output
    doc = json.loads(run_kg(["queries", "--format", "json"]).stdout)
    status = next(p for q in doc if q["name"] == "defections" for p in q["params"] if p["name"] == "status")
    assert {"iri": "mqm:status-confirmed", "short": "confirmed"} in status["values"]
    helped = run_kg(["query", "defections", "--help"])
    assert helped.exit_code == 0, helped.output
    assert "Stored query defections (Defections)" in helped.output
    assert "One of: confirmed, claimed, alleged, denied, speculated" in " ".join(helped.output.split())


def test_an_iri_parameter_naming_nothing_warns_with_suggestions(repo):
    result = run_kg(["query", "defections", "--param", "person=kg:sagheer-ahmad", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1  # the header row: nothing matched
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1, result.stderr
    assert "parameter 'person': kg:sagheer-ahmad names nothing in the KG" in warning[0]
    suggestions = warning[0].split("did you mean: ")[1].split(", kg:")
    assert suggestions[0] == "kg:sagheer-ahmed (Sagheer Ahmed)" and len(suggestions) <= 3
    known = run_kg(["query", "defections", "--param", "person=kg:sagheer-ahmed", "-f", "csv"])
    assert "warning" not in known.stderr


# 8. kg whois: exact or normalised matches resolve; anything fuzzier is a ranked list (exit 1)

def _suggested(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines() if line.startswith("  kg:")]


NORMALISED = [("anis kaimkhani", "Anees Qaimkhani"), ("Anis Qaimkhani", "Anees Qaimkhani"),
              ("Dr. Sagheer Ahmed", "Sagheer Ahmed"), ("Ishratul Ibad", "Ishrat-ul-Ebad"),
              ("Subazwari", "Faisal Sabzwari"), ("raza haroon", "Raza Haroon"),
              ("PSP", "Pak Sarzameen Party"), ("psp", "Pak Sarzameen Party"), ("MQM", "Muttahida Qaumi Movement")]


def test_whois_acronym_never_matches_another_organisations_words(repo):
    result = run_kg(["whois", "PPP"])
    assert_clean_error(result, 1, "no entity named 'PPP'")
    assert "kg:mqm-pakistan" not in result.output
    for name, label in NORMALISED:  # exact and normalised names, acronyms included, still resolve
        resolved = run_kg(["whois", name])
        assert resolved.exit_code == 0 and resolved.output.startswith(label + "  (kg:"), (name, resolved.output)


def test_whois_fuzzy_names_are_ranked_suggestions(repo):
    for name, first in [("Mustfa Kaml", "kg:mustafa-kamal"),  # used to resolve silently (vowels dropped)
                        ("Sagir Ahmad", "kg:sagheer-ahmed"),  # ranked over the whole name: before Amir Khan
                        ("Qaimkani", "kg:anees-qaimkhani")]:
        result = run_kg(["whois", name])
        assert_clean_error(result, 1, f"no entity named {name!r}; did you mean:")
        suggested = _suggested(result.output)
        assert suggested[0] == first, result.output
        if "kg:amir-khan" in suggested:
            assert suggested.index(first) < suggested.index("kg:amir-khan"), result.output


# 9. Bare `kg` is a request for help, not an error

def test_bare_kg_prints_help_and_exits_0():
    result = run_kg([])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ") and "  query " in result.output and "Exit codes:" in result.output
