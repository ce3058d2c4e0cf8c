"""The data (data/*.ttl): it parses, conforms to the shapes, quotes its articles verbatim,
has no blank nodes, no label naming two entities and no link to an undeclared IRI."""
from collections import defaultdict

import pyoxigraph
import pyshacl
import pytest
from cli_helpers import ROOT
from rdflib import RDF, BNode, Graph, Namespace, URIRef
from rdflib.namespace import PROV, SKOS

MQM = Namespace("https://w3id.org/mqm-kg/ontology#")
KG = "https://w3id.org/mqm-kg/id/"
DATA_FILES = sorted((ROOT / "data").glob("*.ttl"))


@pytest.fixture(scope="module")
def data(data_files):
    """All data files in one graph (without the ontology)."""
    graph = Graph()
    for path in data_files:
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def ontology(ontology_path):
    return Graph().parse(ontology_path)


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda path: path.name)
def test_parses_with_rdflib_and_strict_pyoxigraph(path):
    graph = Graph().parse(path)
    triples = set(pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE, lenient=False))
    assert len(graph) == len(triples) > 0  # both parsers read the same triples


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda path: path.name)
def test_no_blank_nodes(path):
    graph = Graph().parse(path)
    blank = [triple for triple in graph if any(isinstance(node, BNode) for node in triple)]
    assert not blank, f"{len(blank)} triples with blank nodes, e.g. {blank[:3]}: give every node an IRI"


def test_conforms_to_the_shapes(ontology, data, shapes_path):
    """Ontology + data, validated as kg validate does (RDFS inference, SHACL-SPARQL on)."""
    graph = Graph()
    for triple in ontology:
        graph.add(triple)
    for triple in data:
        graph.add(triple)
    conforms, _, text = pyshacl.validate(graph, shacl_graph=Graph().parse(shapes_path),
                                         inference="rdfs", advanced=True)
    assert conforms, text


def test_every_quote_occurs_verbatim_in_its_article(data, articles_dir):
    if not articles_dir.is_dir():
        pytest.skip(f"article texts not found in {articles_dir}")
    texts = {}
    problems = []
    for report, quote in sorted(data.subject_objects(MQM.quote)):
        article = data.value(report, PROV.wasDerivedFrom)
        source_file = data.value(article, MQM.sourceFile) if article is not None else None
        if source_file is None:
            problems.append(f"{report}: no article with an mqm:sourceFile (prov:wasDerivedFrom {article})")
            continue
        if str(source_file) not in texts:
            texts[str(source_file)] = (articles_dir / str(source_file)).read_text(encoding="utf-8")
        if str(quote) not in texts[str(source_file)]:
            problems.append(f"{report}: quote not found in {source_file}: {str(quote)[:120]!r}")
    assert not problems, f"{len(problems)} quotes not verbatim:\n" + "\n".join(problems)


def test_no_label_names_two_entities(data):
    """A name (skos:prefLabel or skos:altLabel, ignoring case) must lead to one entity only."""
    owners = defaultdict(set)
    for prop in (SKOS.prefLabel, SKOS.altLabel):
        for entity, label in data.subject_objects(prop):
            owners[(str(label).lower(), label.language)].add(entity)
    shared = {label: sorted(str(entity) for entity in entities)
              for label, entities in owners.items() if len(entities) > 1}
    assert not shared, "labels naming two entities (keep the label on one only, or make it distinct):\n" + \
        "\n".join(f"{label[0]!r}: {entities}" for label, entities in sorted(shared.items()))


def test_every_linked_kg_iri_is_declared(data):
    """Every kg: IRI used as an object has an rdf:type in the data (catches misspelt IRIs)."""
    typed = set(data.subjects(RDF.type, None))
    undeclared = sorted({(str(obj), str(pred)) for _, pred, obj in data
                         if isinstance(obj, URIRef) and str(obj).startswith(KG) and obj not in typed})
    assert not undeclared, "kg: IRIs linked to but never typed (typo?):\n" + \
        "\n".join(f"{obj} (via {pred})" for obj, pred in undeclared)


def test_every_mqm_term_used_is_declared(data, ontology):
    declared = set(ontology.subjects(RDF.type, None))
    used = {node for triple in data for node in triple
            if isinstance(node, URIRef) and str(node).startswith(str(MQM))}
    assert not sorted(used - declared)
