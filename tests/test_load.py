"""kg.project.load / kg.rdf.io / kg.project.paths: one named graph per file, strict parsing, data dir lookup."""
from pathlib import Path

import pytest
from cli_helpers import FIXTURES, ROOT, copy_data_dir

from kg.errors import DataDirError, InputError, ParseError, UnsafeInputError
from kg.project.load import load_dataset, parse_file
from kg.project.paths import DataDir, resolve_data_dir
from kg.rdf.vocab import file_graph


def test_every_file_in_its_own_named_graph(repo):
    dataset = load_dataset(repo)
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    expected = {file_graph(repo.relpath(p)) for p in repo.input_files()}
    assert names == expected
    assert "urn:kg:file:ontology/mqm.ttl" in names
    assert "urn:kg:file:data/entities.ttl" in names


def test_queries_see_the_union(repo):
    dataset = load_dataset(repo)
    rows = list(dataset.query("""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?label ?classLabel WHERE {
          <https://w3id.org/mqm-kg/id/psp> skos:prefLabel ?label ; a ?class .
          ?class rdfs:label ?classLabel }"""))
    # The entity comes from data/entities.ttl, its class label from ontology/mqm.ttl.
    assert rows and str(rows[0][0]) == "Pak Sarzameen Party"


def test_new_data_file_is_picked_up(tmp_path, repo):
    data_dir = DataDir(copy_data_dir(tmp_path))
    (tmp_path / "data" / "zz-extra.ttl").write_text(
        '<https://w3id.org/mqm-kg/id/zz> <http://www.w3.org/2000/01/rdf-schema#label> "zz" .\n')
    dataset = load_dataset(data_dir)
    assert len(dataset.graph(file_graph("data/zz-extra.ttl"))) == 1


def test_syntax_error_names_file_line_and_column():
    with pytest.raises(ParseError) as info:
        parse_file(FIXTURES / "syntax-error.ttl")
    assert info.value.line == 5 and info.value.column == 17
    assert "syntax-error.ttl:5:17" in str(info.value)


def test_invalid_iri_is_an_error_with_its_line():
    with pytest.raises(ParseError) as info:
        parse_file(FIXTURES / "bad-iri.ttl")
    assert info.value.line == 5
    assert "IRI" in str(info.value)


def test_missing_file_and_unknown_extension(tmp_path):
    with pytest.raises(InputError):
        parse_file(tmp_path / "nope.ttl")
    odd = tmp_path / "data.xyz"
    odd.write_text("x")
    with pytest.raises(InputError, match="unknown RDF file extension"):
        parse_file(odd)


def test_urls_are_never_read():
    with pytest.raises(InputError, match="only local files"):
        parse_file("http://example.org/data.ttl")


def test_oversized_input_refused(tmp_path):
    big = tmp_path / "big.ttl"
    big.write_text("# " + "x" * 2000 + "\n")
    with pytest.raises(UnsafeInputError, match="larger than the limit"):
        parse_file(big, max_bytes=1000)


def test_data_dir_resolution_order(tmp_path, monkeypatch):
    from kg.config import Settings

    def resolve(explicit=None):  # as kg.cli does: $KG_DATA_DIR through kg.config.Settings
        return resolve_data_dir(explicit, fallback=Settings.from_environment().fallback_data_dir)

    monkeypatch.delenv("KG_DATA_DIR", raising=False)
    assert resolve().root == ROOT
    other = copy_data_dir(tmp_path / "other")
    monkeypatch.setenv("KG_DATA_DIR", str(other))
    monkeypatch.chdir(tmp_path)  # outside any data dir: the environment decides
    assert resolve().root == other.resolve()
    assert resolve(ROOT).root == ROOT  # --data-dir wins over the environment
    monkeypatch.chdir(ROOT / "kg")  # inside a clone: the clone wins over the environment
    assert resolve().root == ROOT
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataDirError):
        resolve(tmp_path / "empty")
    monkeypatch.setenv("KG_DATA_DIR", str(tmp_path / "missing"))
    with pytest.raises(DataDirError, match="KG_DATA_DIR"):
        resolve()


def test_shapes_are_not_ontology_files(repo):
    assert repo.shapes_file not in repo.ontology_files()
    assert all(Path(p).suffix == ".ttl" for p in repo.input_files())


def test_defined_namespace_matches_the_ontology():
    from rdflib import Graph, URIRef

    from kg.rdf.namespaces import MQM
    from kg.rdf.vocab import MQM as NS

    graph = Graph().parse(ROOT / "ontology" / "mqm.ttl")
    declared = {str(s)[len(NS):] for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(NS)}
    ours = set(MQM.__annotations__) | set(MQM._extras)
    missing = ours - declared
    assert not missing, f"kg/rdf/namespaces.py names terms the ontology does not declare: {sorted(missing)}"
    with pytest.raises(AttributeError):
        MQM.Defecton  # noqa: B018 - a typo must raise
