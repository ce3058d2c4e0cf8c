"""kg.engine.reference.reason and kg.store.cache: closure into a copy, noise filtered, consistency, cache keyed by inputs."""
import os

import pytest
from cli_helpers import KG, MQM, ROOT, copy_data_dir
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDFS

from kg.store.cache import cache_key, ensure_cache
from kg.project.load import knowledge_graph, load_dataset
from kg.project.paths import DataDir
from kg.engine.reference.reason import reason, reason_graph

TINY = """
@prefix kg: <https://w3id.org/mqm-kg/id/> .
@prefix mqm: <https://w3id.org/mqm-kg/ontology#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix org: <http://www.w3.org/ns/org#> .
kg:t-person a foaf:Person .
kg:t-defection a mqm:Defection ; mqm:defector kg:t-person ; mqm:origin kg:t-a ; mqm:destination kg:t-b ;
    mqm:epistemicStatus mqm:status-confirmed .
"""


@pytest.fixture(scope="module")
def ontology():
    from kg.project.load import parse_file

    return parse_file(ROOT / "ontology" / "mqm.ttl")


def _with(ontology, turtle):
    graph = Graph()
    for triple in ontology:
        graph.add(triple)
    graph.parse(data=turtle, format="turtle")
    return graph


def test_reasoner_never_mutates_the_asserted_graphs(repo):
    dataset = load_dataset(repo)
    before = {str(g.identifier): len(g) for g in dataset.graphs()}
    result = reason(dataset)
    after = {str(g.identifier): len(g) for g in dataset.graphs()}
    assert before == after
    assert result.inferred_count > 0
    asserted = knowledge_graph(dataset)
    assert not any(t in asserted for t in result.inferred)


def test_inferred_graph_has_no_noise(repo):
    result = reason(load_dataset(repo))
    vocab = ("http://www.w3.org/2002/07/owl#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
             "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2001/XMLSchema#")
    for s, p, o in result.inferred:
        assert isinstance(s, URIRef) and not isinstance(s, Literal), (s, p, o)
        assert isinstance(p, URIRef)
        assert not isinstance(o, BNode) and not isinstance(s, BNode)
        assert not str(s).startswith(vocab), (s, p, o)
        assert not (p == OWL.sameAs and s == o)
        assert not (p == RDF.type and o in (OWL.Thing, RDFS.Resource))
        assert not (p in (RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf) and s == o)


def test_expected_inferences_on_a_tiny_graph(ontology):
    result = reason_graph(_with(ontology, TINY))
    inferred = result.inferred
    person, defection = URIRef(KG + "t-person"), URIRef(KG + "t-defection")
    assert (person, URIRef(MQM + "defectedFrom"), URIRef(KG + "t-a")) in inferred
    assert (person, URIRef(MQM + "defectedTo"), URIRef(KG + "t-b")) in inferred
    assert (defection, RDF.type, URIRef(MQM + "ConfirmedDefection")) in inferred
    assert result.consistency.consistent


def test_inconsistency_is_reported(ontology):
    # A person and an organisation are disjoint (owl:AllDisjointClasses in the ontology).
    bad = TINY + "kg:t-person a <http://www.w3.org/ns/org#Organization> .\n"
    result = reason_graph(_with(ontology, bad))
    assert not result.consistency.consistent
    assert result.consistency.errors
    assert result.consistency.to_dict()["consistent"] is False


def test_functional_property_merge_is_reported(ontology):
    # org:member is functional: a membership with two members merges them.
    bad = TINY + ("kg:t-m a <https://w3id.org/mqm-kg/ontology#Membership> ; org:member kg:t-person, kg:t-other ;"
                  " org:organization kg:t-a .\n")
    result = reason_graph(_with(ontology, bad))
    assert (KG + "t-other", KG + "t-person") in result.consistency.same_as


def test_cache_key_changes_with_any_input(tmp_path, repo):
    data_dir = DataDir(copy_data_dir(tmp_path))
    key = cache_key(data_dir)
    assert key == cache_key(repo)  # same bytes and relative paths: same key
    extra = tmp_path / "data" / "zz.ttl"
    extra.write_text("<https://w3id.org/mqm-kg/id/zz> <http://www.w3.org/2000/01/rdf-schema#label> \"zz\" .\n")
    key2 = cache_key(data_dir)
    assert key2 != key
    extra.write_text("<https://w3id.org/mqm-kg/id/zz> <http://www.w3.org/2000/01/rdf-schema#label> \"zy\" .\n")
    assert cache_key(data_dir) != key2
    shapes = tmp_path / "ontology" / "shapes.ttl"
    extra.unlink()
    shapes.write_bytes(shapes.read_bytes() + b"\n# changed\n")
    assert cache_key(data_dir) != key


def test_cache_is_rebuilt_when_data_changes(tmp_path, repo, settings):
    data_dir = DataDir(copy_data_dir(tmp_path))
    first = ensure_cache(data_dir, settings=settings)
    assert first.path == ensure_cache(repo, settings=settings).path
    # Read now: other tests build entries meanwhile, and the cache keeps only the newest few.
    first_asserted = first.meta["asserted"]
    (tmp_path / "data" / "zz.ttl").write_text(
        "<https://w3id.org/mqm-kg/id/zz> <http://www.w3.org/2000/01/rdf-schema#label> \"zz\" .\n")
    second = ensure_cache(data_dir, settings=settings)
    assert second.path != first.path
    assert second.meta["asserted"] == first_asserted + 1
    store = second.open_store()
    assert any(True for _ in store.quads_for_pattern(None, None, None, None))
    # No temporary directory of these builds is left behind (other tests may be building theirs).
    ours = (f".tmp-{first.path.name[:12]}-", f".tmp-{second.path.name[:12]}-")
    assert not [p for p in second.path.parent.iterdir() if p.name.startswith(ours)]


def test_cache_files(repo, settings):
    entry = ensure_cache(repo, settings=settings)
    lines = entry.nquads.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    assert any(line.endswith("<urn:kg:inferred> .") for line in lines)
    assert any("<urn:kg:file:data/entities.ttl> ." in line for line in lines)
    meta = entry.meta
    assert meta["inferred"] > 0 and meta["consistency"]["consistent"] is True
    assert os.path.isdir(entry.store_path)
