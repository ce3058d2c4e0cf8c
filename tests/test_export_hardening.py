"""kg.ops.export hardening: long rdf:Lists export in linear time (RDFC-1.0 labels), symmetric
blank-node tangles fail within a time budget instead of running for hours, and XML output
(RDF/XML export, SPARQL XML results, CONSTRUCT as RDF/XML) refuses characters XML 1.0
cannot hold, naming where they are."""
from __future__ import annotations

import hashlib
import itertools
import time

import pytest
from cli_helpers import assert_clean_error, copy_data_dir, run_kg, run_subprocess
from rdflib import Dataset, Graph, URIRef
from rdflib.collection import Collection

from kg.ops.export import FORMATS

LIST_ITEMS = 3000
KG = "https://w3id.org/mqm-kg/id/"
SEE_ALSO = URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso")
RDFLIB_FORMAT = {"turtle": "turtle", "nt": "nt", "trig": "trig", "nquads": "nquads", "json-ld": "json-ld",
                 "xml": "xml"}
# Generous: every format exports this list in about 2 s here (rdflib's canonicalisation,
# used before, took minutes: 19 s at 1,000 items, growing with the square).
EXPORT_TIMEOUT = 60


@pytest.fixture(scope="module")
def long_list(tmp_path_factory):
    """A data dir: the repository's data plus one rdf:List of LIST_ITEMS IRIs; its own cache."""
    root = copy_data_dir(tmp_path_factory.mktemp("long-list"))
    members = " ".join(f"kg:item-{i:05d}" for i in range(LIST_ITEMS))
    (root / "data" / "long-list.ttl").write_text(
        "@prefix kg: <https://w3id.org/mqm-kg/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"kg:long-list rdfs:seeAlso ( {members} ) .\n", encoding="utf-8")
    cache = tmp_path_factory.mktemp("long-list-cache")
    done = run_subprocess(["--data-dir", root, "reason"], env={"KG_CACHE_DIR": str(cache)}, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    return root, cache


def _parse(data: bytes, fmt: str) -> Graph:
    if fmt in ("trig", "nquads", "json-ld"):
        dataset = Dataset()
        dataset.parse(data=data.decode("utf-8"), format=RDFLIB_FORMAT[fmt])
        union = Graph()
        for graph in dataset.graphs():
            union += graph
        return union
    return Graph().parse(data=data.decode("utf-8"), format=RDFLIB_FORMAT[fmt])


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_long_list_exports_whole_and_in_order(long_list, fmt):
    root, cache = long_list
    start = time.monotonic()
    done = run_subprocess(["--data-dir", root, "export", "--inferred", "--format", fmt],
                          env={"KG_CACHE_DIR": str(cache)}, timeout=EXPORT_TIMEOUT)
    assert done.returncode == 0, done.stderr.decode()
    graph = _parse(done.stdout, fmt)
    heads = list(graph.objects(URIRef(KG + "long-list"), SEE_ALSO))
    assert len(heads) == 1, heads
    items = list(Collection(graph, heads[0]))
    assert items == [URIRef(f"{KG}item-{i:05d}") for i in range(LIST_ITEMS)], fmt
    assert time.monotonic() - start < EXPORT_TIMEOUT


def test_a_long_list_export_is_byte_identical_across_processes(long_list):
    root, cache = long_list
    for fmt in ("nt", "turtle"):
        digests = set()
        for seed in ("0", "77"):
            done = run_subprocess(["--data-dir", root, "export", "--inferred", "--format", fmt],
                                  env={"KG_CACHE_DIR": str(cache), "PYTHONHASHSEED": seed}, timeout=EXPORT_TIMEOUT)
            assert done.returncode == 0, done.stderr.decode()
            digests.add(hashlib.sha256(done.stdout).hexdigest())
        assert len(digests) == 1, fmt


def _quads(pairs, graph="urn:g"):
    import pyoxigraph as ox

    p, g = ox.NamedNode("http://example.org/p"), ox.NamedNode(graph)
    return [ox.Quad(s, p, o, g) for s, o in pairs]


def test_tied_blank_nodes_get_the_same_labels_in_the_child_as_in_process():
    """Two lists with equal tails tie in their first-degree hashes: that takes the forked path,
    which must give exactly RDFC-1.0's labels."""
    import pyoxigraph as ox

    from kg.ops.export import canonicalise_in_child, tied_blank_nodes

    first, rest = ox.NamedNode("http://example.org/first"), ox.NamedNode("http://example.org/rest")
    a, a2, b, b2 = (ox.BlankNode() for _ in range(4))
    g = ox.NamedNode("urn:g")
    quads = [ox.Quad(ox.NamedNode("http://example.org/x"), first, a, g), ox.Quad(a, rest, a2, g),
             ox.Quad(a2, first, ox.NamedNode("http://example.org/z"), g),
             ox.Quad(ox.NamedNode("http://example.org/y"), first, b, g), ox.Quad(b, rest, b2, g),
             ox.Quad(b2, first, ox.NamedNode("http://example.org/z"), g)]
    assert tied_blank_nodes(quads) == 2
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    assert sorted(map(str, canonicalise_in_child(quads, 30.0, 2))) == sorted(map(str, dataset))


def test_a_symmetric_tangle_of_blank_nodes_fails_within_its_budget():
    """A clique of 11 blank nodes: RDFC-1.0 would run for hours; the budget stops it."""
    import pyoxigraph as ox

    from kg.ops.export import canonical_quads
    from kg.errors import CanonicalisationBudgetError

    nodes = [ox.BlankNode() for _ in range(11)]
    start = time.monotonic()
    with pytest.raises(CanonicalisationBudgetError) as caught:
        canonical_quads(_quads(itertools.permutations(nodes, 2)), budget=1.0)
    assert time.monotonic() - start < 15
    message = str(caught.value)
    assert "11 blank nodes" in message and "KG_EXPORT_CANON_BUDGET" in message


# ---------------------------------------------------------------------------
# Characters XML 1.0 cannot hold
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nul_data(tmp_path_factory):
    root = copy_data_dir(tmp_path_factory.mktemp("nul-data"))
    (root / "data" / "nul.ttl").write_text(
        "@prefix kg: <https://w3id.org/mqm-kg/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'kg:nul-holder rdfs:comment "before\\u0000after" .\n', encoding="utf-8")
    return root, tmp_path_factory.mktemp("nul-cache")


def test_rdfxml_export_of_a_nul_literal_is_refused_naming_subject_and_predicate(nul_data):
    from xml.dom import minidom

    root, cache = nul_data
    env = {"KG_CACHE_DIR": str(cache)}
    done = run_subprocess(["--data-dir", root, "export", "--format", "xml"], env=env, timeout=600)
    assert_clean_error(done, 2, "U+0000", f"<{KG}nul-holder>", "<http://www.w3.org/2000/01/rdf-schema#comment>",
                       "--format nt")
    assert done.stdout == b""
    # N-Triples and Turtle carry it, escaped.
    nt = run_subprocess(["--data-dir", root, "export", "--format", "nt"], env=env, timeout=600)
    assert nt.returncode == 0 and b'"before\\u0000after"' in nt.stdout
    # Without the NUL the same KG's RDF/XML is well-formed XML.
    (root / "data" / "nul.ttl").unlink()
    ok = run_subprocess(["--data-dir", root, "export", "--format", "xml"], env=env, timeout=600)
    assert ok.returncode == 0, ok.stderr.decode()
    minidom.parseString(ok.stdout)


def test_sparql_xml_results_with_a_nul_are_refused(repo):
    result = run_kg(["query", "-e", 'SELECT ?text WHERE { BIND("a\\u0000b" AS ?text) }', "--format", "xml"])
    assert_clean_error(result, 2, "U+0000", "?text", "row 1", "--format json")
    assert "<sparql" not in result.stdout
    # JSON escapes it, and an ordinary XML result is still written.
    json_result = run_kg(["query", "-e", 'SELECT ?text WHERE { BIND("a\\u0000b" AS ?text) }', "--format", "json"])
    assert json_result.exit_code == 0 and "\\u0000" in json_result.stdout
    fine = run_kg(["query", "-e", 'SELECT ?text WHERE { BIND("a\\tb" AS ?text) }', "--format", "xml"])
    assert fine.exit_code == 0 and "<literal>a\tb</literal>" in fine.stdout


def test_construct_as_rdfxml_with_a_control_character_is_refused(repo):
    query = 'CONSTRUCT { kg:psp rdfs:comment ?c } WHERE { BIND("bell\\u0007" AS ?c) }'
    result = run_kg(["query", "-e", query, "--format", "xml"])
    assert_clean_error(result, 2, "U+0007", f"<{KG}psp>", "rdf-schema#comment", "--format ntriples")
