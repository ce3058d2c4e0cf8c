"""kg.ops.export: deterministic bytes across processes, every format parses back, VoID/DCAT included."""
import hashlib

import pytest
from cli_helpers import run_subprocess
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.ops.export import FORMATS, export

VOID = "http://rdfs.org/ns/void#"
RDFLIB_FORMAT = {"turtle": "turtle", "nt": "nt", "trig": "trig", "nquads": "nquads", "json-ld": "json-ld",
                 "xml": "xml"}
DATASET = URIRef("https://w3id.org/mqm-kg/dataset")


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_is_byte_identical_across_processes(repo, kg_cache, fmt):
    digests = set()
    for seed in ("0", "1", "4242"):
        done = run_subprocess(["export", "--format", fmt, "--inferred"],
                              env={"PYTHONHASHSEED": seed, "KG_CACHE_DIR": str(kg_cache)})
        assert done.returncode == 0, done.stderr.decode()
        digests.add(hashlib.sha256(done.stdout).hexdigest())
    assert len(digests) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_parses_back_to_the_same_triples(repo, fmt, settings):
    data = export(repo, fmt, inferred=True, settings=settings)
    reference = Graph().parse(data=export(repo, "nt", inferred=True, settings=settings).decode("utf-8"), format="nt")
    if fmt in ("trig", "nquads", "json-ld"):
        parsed = Dataset()
        parsed.parse(data=data.decode("utf-8"), format=RDFLIB_FORMAT[fmt])
        union = Graph()
        for graph in parsed.graphs():
            union += graph
    else:
        union = Graph().parse(data=data.decode("utf-8"), format=RDFLIB_FORMAT[fmt])
    assert isomorphic(union, reference), fmt


def test_named_graphs_are_kept(repo, settings):
    parsed = Dataset()
    parsed.parse(data=export(repo, "trig", inferred=True, settings=settings).decode("utf-8"), format="trig")
    names = {str(g.identifier) for g in parsed.graphs() if len(g)}
    assert "urn:kg:file:data/entities.ttl" in names
    assert "urn:kg:file:ontology/mqm.ttl" in names
    assert "urn:kg:inferred" in names and "urn:kg:void" in names
    assert not any(name.endswith("shapes.ttl") for name in names)


def test_asserted_only_by_default(repo, settings):
    asserted = export(repo, "nquads", settings=settings).decode("utf-8")
    assert "<urn:kg:inferred>" not in asserted
    assert "<urn:kg:inferred>" in export(repo, "nquads", inferred=True, settings=settings).decode("utf-8")


def test_sorted_lines(repo, settings):
    for fmt in ("nt", "nquads"):
        lines = export(repo, fmt, settings=settings).decode("utf-8").splitlines()
        assert lines == sorted(lines) and len(lines) == len(set(lines))


def test_no_literal_subjects_and_no_random_blank_nodes(repo, settings):
    text = export(repo, "nt", inferred=True, settings=settings).decode("utf-8")
    assert not any(line.startswith('"') for line in text.splitlines())
    labels = {token for line in text.splitlines() for token in line.split() if token.startswith("_:")}
    # Canonical labels are content hashes: identical in a second export.
    again = export(repo, "nt", inferred=True, settings=settings).decode("utf-8")
    assert labels == {t for line in again.splitlines() for t in line.split() if t.startswith("_:")}


def test_void_dcat_description(repo, settings):
    graph = Graph().parse(data=export(repo, "turtle", settings=settings).decode("utf-8"), format="turtle")
    types = set(graph.objects(DATASET, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")))
    assert URIRef(VOID + "Dataset") in types and URIRef("http://www.w3.org/ns/dcat#Dataset") in types
    dcterms = "http://purl.org/dc/terms/"
    assert graph.value(DATASET, URIRef(dcterms + "title"))
    assert graph.value(DATASET, URIRef(dcterms + "license"))
    sources = set(graph.objects(DATASET, URIRef(dcterms + "source")))
    assert URIRef("https://w3id.org/mqm-kg/id/article-004") in sources
    triples = graph.value(DATASET, URIRef(VOID + "triples"))
    entities = graph.value(DATASET, URIRef(VOID + "entities"))
    assert isinstance(triples, Literal) and int(triples) > 1000
    assert int(entities) > 50
    partitions = list(graph.objects(DATASET, URIRef(VOID + "classPartition")))
    person = [p for p in partitions
              if graph.value(p, URIRef(VOID + "class")) == URIRef("http://xmlns.com/foaf/0.1/Person")]
    assert person and int(graph.value(person[0], URIRef(VOID + "entities"))) > 10


def test_export_out_file_is_written_atomically(tmp_path, repo, settings):
    from cli_helpers import run_kg

    out = tmp_path / "kg.ttl"
    result = run_kg(["export", "--out", out])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == export(repo, "turtle", settings=settings)
    assert [p.name for p in tmp_path.iterdir()] == ["kg.ttl"]
    # A failed write (missing directory) leaves nothing behind.
    bad = run_kg(["export", "--out", tmp_path / "missing" / "kg.ttl"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert [p.name for p in tmp_path.iterdir()] == ["kg.ttl"]
