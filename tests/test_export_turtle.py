"""kg.ops.export's fast writers against the reference ones, byte for byte: the streaming
N-Triples and N-Quads (kg.ops.export_stream) and the longturtle writer (kg.ops.export_turtle)
on the article KG, on 10k synthetic triples and on generated graphs (blank nodes, lists,
literals with languages, datatypes and escapes, long strings, unusual IRIs). What the fast
writer refuses (kg.errors.Unsupported) falls back to the reference writer through
kg.engine.api.run, even when the refusal comes half-way through the output."""
from __future__ import annotations

import dataclasses
import io
import os
import shutil
import tempfile

import pyoxigraph as ox
import pytest
from cli_helpers import copy_data_dir
from hypothesis import HealthCheck, event, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kg.config import Settings
from kg.errors import Unsupported
from kg.ops.export import graphs_of, serialise, write_export, write_streamed
from kg.project.paths import DataDir
from kg.rdf.vocab import INFERRED_GRAPH, PREFIXES

STREAMED = ("nt", "nquads", "turtle")
RDF, RDFS, XSD = PREFIXES["rdf"], PREFIXES["rdfs"], PREFIXES["xsd"]


def _engine(settings: Settings, engine: str) -> Settings:
    return dataclasses.replace(settings, engine=engine)


def _fast_and_reference(data_dir, fmt: str, inferred: bool, settings: Settings) -> tuple[bytes, bytes]:
    fast, reference = io.BytesIO(), io.BytesIO()
    assert write_export(data_dir, fmt, fast, inferred=inferred, settings=_engine(settings, "fast")).engine == "fast"
    assert write_export(data_dir, fmt, reference, inferred=inferred,
                        settings=_engine(settings, "reference")).engine == "reference"
    return fast.getvalue(), reference.getvalue()


@pytest.mark.parametrize("inferred", [False, True])
@pytest.mark.parametrize("fmt", STREAMED)
def test_the_fast_writer_gives_the_reference_bytes_on_the_article_kg(repo, settings, fmt, inferred):
    fast, reference = _fast_and_reference(repo, fmt, inferred, settings)
    assert fast == reference


@pytest.fixture(scope="module")
def synthetic_10k(synthetic_graph, tmp_path_factory):
    """The article KG plus the 10k synthetic triples linked to it (conftest.py), with a cache
    of its own: the data dir and its Settings."""
    root = copy_data_dir(tmp_path_factory.mktemp("export10k"))
    shutil.copyfile(synthetic_graph.path, root / "data" / "synthetic.ttl")
    return DataDir(root), Settings(cache_dir=root / "cache")


@pytest.mark.parametrize("fmt", STREAMED)
def test_the_fast_writer_gives_the_reference_bytes_at_10k(synthetic_10k, fmt):
    data_dir, settings = synthetic_10k
    fast, reference = _fast_and_reference(data_dir, fmt, True, settings)
    assert fast == reference and len(fast) > 1_000_000


def test_formats_without_a_streaming_writer_run_the_reference_one(repo, settings):
    sink = io.BytesIO()
    chosen = write_export(repo, "trig", sink, settings=settings)
    assert chosen.engine == "reference" and "no streaming writer" in chosen.why
    assert sink.getvalue().startswith(b"@prefix")
    with pytest.raises(Unsupported):
        write_export(repo, "trig", io.BytesIO(), settings=_engine(settings, "fast"))


@pytest.fixture(scope="module")
def shared_list(tmp_path_factory):
    """The article KG plus an rdf:List whose second node a second subject also names: rdflib
    writes the list in place anyway (and loses that node's triples), which the fast writer
    refuses when it reaches the list, half-way through its output."""
    root = copy_data_dir(tmp_path_factory.mktemp("shared-list"))
    (root / "data" / "shared-list.ttl").write_text(
        "@prefix kg: <https://w3id.org/mqm-kg/id/> .\n"
        "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "kg:list-holder rdfs:seeAlso _:first .\n"
        "_:first rdf:first kg:item-a ; rdf:rest _:second .\n"
        "_:second rdf:first kg:item-b ; rdf:rest rdf:nil .\n"
        "kg:tail-holder rdfs:seeAlso _:second .\n", encoding="utf-8")
    return DataDir(root), Settings(cache_dir=root / "cache")


def test_a_refusal_half_way_falls_back_to_the_reference_bytes(shared_list):
    data_dir, settings = shared_list
    sink = io.BytesIO()
    sink.write(b"kept: ")  # what the sink held before the export is left alone
    chosen = write_export(data_dir, "turtle", sink, settings=settings)
    assert chosen.engine == "reference" and "rdf:List" in chosen.why, chosen
    reference = io.BytesIO()
    write_export(data_dir, "turtle", reference, settings=_engine(settings, "reference"))
    assert sink.getvalue() == b"kept: " + reference.getvalue()
    with pytest.raises(Unsupported, match="rdf:List"):
        write_export(data_dir, "turtle", io.BytesIO(), settings=_engine(settings, "fast"))


def test_a_refused_export_to_a_file_is_written_whole_and_atomically(shared_list, tmp_path):
    from kg.ops.export import export_to

    data_dir, settings = shared_list
    out = tmp_path / "kg.ttl"
    chosen = export_to(data_dir, "turtle", out, settings=settings)
    reference = io.BytesIO()
    write_export(data_dir, "turtle", reference, settings=_engine(settings, "reference"))
    assert chosen.engine == "reference" and out.read_bytes() == reference.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["kg.ttl"]
    with pytest.raises(Unsupported):
        export_to(data_dir, "turtle", tmp_path / "fast.ttl", settings=_engine(settings, "fast"))
    assert [p.name for p in tmp_path.iterdir()] == ["kg.ttl"]  # no half-written file


# ---------------------------------------------------------------------------
# Generated graphs
# ---------------------------------------------------------------------------

NAMESPACES = [PREFIXES[p] for p in ("kg", "mqm", "rdfs", "foaf", "dcterms", "skos", "xsd", "owl")] + [
    "http://example.org/", "http://example.org/a#", "urn:x:", "http://www.w3.org/XML/1998/",
    "https://w3id.org/mqm-kg/id/sub/", "https://w3id.org/mqm-kg/"]
NAME_PIECES = ["a", "B", "7", "-", "_", ".", "%20", "(", ")", "é", "/", "#", ":", "~", "namespace", "x9"]
GRAPHS = ["urn:kg:file:data/a.ttl", "urn:kg:file:data/b.ttl", INFERRED_GRAPH, "urn:kg:file:ontology/shapes.ttl"]


def _valid(iri: str) -> bool:
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


names = st.lists(st.sampled_from(NAME_PIECES), max_size=4).map("".join)
iris = st.builds(lambda ns, name: ns + name, st.sampled_from(NAMESPACES), names).filter(_valid).map(ox.NamedNode)
usual_predicates = st.one_of(
    st.sampled_from([RDF + "type", RDFS + "label", RDFS + "seeAlso", RDFS + "comment", PREFIXES["mqm"] + "quote",
                     PREFIXES["skos"] + "altLabel", RDF + "first", RDF + "rest"]).map(ox.NamedNode),
    st.builds(lambda name: ox.NamedNode(PREFIXES["mqm"] + name), st.sampled_from(["p", "p-1", "a_b", "Z"])))
any_predicates = st.one_of(usual_predicates, iris)  # most IRIs outside the prefixes: Turtle refused
blank_nodes = st.sampled_from([f"b{i}" for i in range(6)]).map(ox.BlankNode)
texts = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.lists(st.sampled_from(['a', ' ', '"', "'", '\\', '\n', '\r', '\t', '\x00', '\x07', 'é', '€', '𝄞', '"""']),
             max_size=12).map("".join),
    st.integers(500, 3000).map(lambda n: ("long text " * n)[:n]))
TYPED = [(XSD + "integer", ["0", "01", "1", "-5", "+3", "12345678901234567890", "x"]),
         (XSD + "decimal", ["1.50", "1.5", "-0.0", "3", "1e3"]), (XSD + "double", ["1e3", "1.0E-2", "INF", "NaN", "2"]),
         (XSD + "boolean", ["true", "false", "1", "0"]), (XSD + "date", ["2024-01-05", "2024-1-5"]),
         (XSD + "gYear", ["2024"]), (XSD + "string", ["s", ""]), ("http://example.org/dt", ["any", "0"])]
literals = st.one_of(
    texts.map(ox.Literal),
    st.builds(lambda text, language: ox.Literal(text, language=language), texts,
              st.sampled_from(["en", "EN", "en-US", "ur", "x-abc"])),
    st.sampled_from(TYPED).flatmap(lambda pair: st.sampled_from(pair[1]).map(
        lambda lexical: ox.Literal(lexical, datatype=ox.NamedNode(pair[0])))))
objects = st.one_of(iris, blank_nodes, literals,
                    st.sampled_from([RDF + "nil", RDFS + "Class"]).map(ox.NamedNode))


@st.composite
def datasets(draw) -> list:
    """Quads in the cache's graphs: well-formed rdf:Lists (some nested, some with a node
    that other triples name too), random triples over IRIs, blank nodes, the lists' nodes
    and a few subjects used often (several objects for one predicate), now and then a class
    (a rdfs:Class). One dataset in ten draws its predicates from any IRI (the Turtle writer
    then mostly refuses)."""
    graph = st.sampled_from(GRAPHS).map(ox.NamedNode)
    predicates = any_predicates if draw(st.integers(0, 9)) == 0 else usual_predicates
    quads, list_nodes = [], []
    for number in range(draw(st.integers(0, 3))):
        items = draw(st.lists(st.one_of(iris, literals, blank_nodes, st.sampled_from(list_nodes or [RDF + "nil"])
                                        .map(lambda n: n if isinstance(n, ox.BlankNode) else ox.NamedNode(n))),
                              min_size=1, max_size=5))
        where, nodes = draw(graph), [ox.BlankNode(f"l{number}n{i}") for i in range(len(items))]
        for node, item, rest in zip(nodes, items, nodes[1:] + [ox.NamedNode(RDF + "nil")]):
            quads += [ox.Quad(node, ox.NamedNode(RDF + "first"), item, where),
                      ox.Quad(node, ox.NamedNode(RDF + "rest"), rest, where)]
        list_nodes += nodes
        quads.append(ox.Quad(draw(st.one_of(iris, blank_nodes)), draw(predicates), nodes[0], where))
    few = st.sampled_from([PREFIXES["kg"] + "s", PREFIXES["kg"] + "t", RDF + "nil"]).map(ox.NamedNode)
    nodes = st.one_of(few, iris, blank_nodes, *([st.sampled_from(list_nodes)] if list_nodes else []))
    for _ in range(draw(st.integers(0, 25))):
        obj = draw(st.one_of(objects, nodes) if draw(st.integers(0, 4)) == 0 else objects)
        quads.append(ox.Quad(draw(nodes), draw(predicates), obj, draw(graph)))
    for subject in draw(st.lists(st.one_of(iris, blank_nodes), max_size=2)):
        quads.append(ox.Quad(subject, ox.NamedNode(RDF + "type"), ox.NamedNode(RDFS + "Class"), draw(graph)))
    return quads


def _cache_file(quads: list, directory: str) -> str:
    """dataset.nq as the cache writes it: pyoxigraph's N-Quads lines, sorted, each once."""
    path = os.path.join(directory, "dataset.nq")
    lines = sorted(set(ox.serialize(quads, format=ox.RdfFormat.N_QUADS).splitlines(keepends=True)))
    with open(path, "wb") as out:
        out.writelines(lines)
    return path


@hypothesis_settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets(), st.booleans())
def test_the_fast_writer_gives_the_reference_bytes_or_refuses(quads, inferred):
    directory = tempfile.mkdtemp(prefix="kg-export-test-")
    try:
        path = _cache_file(quads, directory)
        graphs = graphs_of(path, inferred=inferred)
        for fmt in STREAMED:
            try:
                reference = serialise(graphs, fmt)
            except Exception as exc:  # noqa: BLE001 - rdflib may refuse the graph: then so must the fast writer
                reference = exc
            sink = io.BytesIO()
            try:
                write_streamed(path, fmt, sink, inferred=inferred)
            except Unsupported as refusal:
                note(f"{fmt} refused: {refusal}")
                event(f"{fmt} refused: {str(refusal)[:60]}")
                # The line writers read every line pyoxigraph writes; they refuse only the
                # characters at which the reference writer breaks a line (str.splitlines).
                assert fmt == "turtle" or "U+2028" in str(refusal), refusal
                continue
            assert not isinstance(reference, Exception), (fmt, reference)
            assert sink.getvalue() == reference, fmt
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_literals_rdflib_would_merge_are_refused():
    """"01" and "1" (xsd:integer) are two triples to pyoxigraph and one to rdflib (which
    normalises the lexical form): the Turtle writer cannot know rdflib's pick, so it refuses."""
    from kg.ops.export_turtle import write_longturtle

    subject, predicate = "<https://w3id.org/mqm-kg/id/s>", f"<{RDFS}label>"
    triples = io.BytesIO("".join(f'{subject} {predicate} "{n}"^^<{XSD}integer> .\n' for n in ("01", "1")).encode())
    with pytest.raises(Unsupported, match="one literal to rdflib"):
        write_longturtle(triples, io.BytesIO())
