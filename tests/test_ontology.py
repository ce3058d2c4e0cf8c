"""The ontology (ontology/mqm.ttl): it parses, every term is labelled and defined, it carries
its metadata, the OWL 2 RL closure of ontology + data is consistent, and the reasoner
derives what the model promises (tests/fixtures/ontology/reasoning.ttl)."""
from pathlib import Path

import owlrl
import pyoxigraph
import pytest
from cli_helpers import read_graph
from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SKOS

MQM = Namespace("https://w3id.org/mqm-kg/ontology#")
KG = Namespace("https://w3id.org/mqm-kg/id/")
ONTOLOGY_IRI = URIRef("https://w3id.org/mqm-kg/ontology")
# owlrl writes each inconsistency it finds as [] a err:ErrorMessage ; err:error "...".
OWLRL_ERROR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ontology"
INCONSISTENT = sorted(FIXTURES.glob("inconsistent-*.ttl"))
TERM_TYPES = [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
              RDF.Property, SKOS.Concept, SKOS.ConceptScheme]


def closure(graph):
    """The OWL 2 RL closure of a copy of the graph (owlrl writes into the graph it is given)."""
    closed = Graph()
    for triple in graph:
        closed.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closed)
    return closed


def members(graph, axiom, *properties):
    for prop in properties:
        head = graph.value(axiom, prop)
        if head is not None:
            return list(Collection(graph, head))
    return []


def inconsistencies(closed):
    """Everything inconsistent in an OWL RL closure, in words.

    owlrl's own error messages, plus a check of our own on disjointness, owl:Nothing and
    difference: owlrl 7's AllDifferent rule skips the last member of the list, so it is
    not trusted alone.
    """
    problems = [str(closed.value(error, OWLRL_ERROR.error))
                for error in closed.subjects(RDF.type, OWLRL_ERROR.ErrorMessage)]
    problems += [f"{node} is an owl:Nothing" for node in closed.subjects(RDF.type, OWL.Nothing)]
    disjoint = set(closed.subject_objects(OWL.disjointWith))
    for axiom in closed.subjects(RDF.type, OWL.AllDisjointClasses):
        classes = members(closed, axiom, OWL.members)
        disjoint |= {(a, b) for i, a in enumerate(classes) for b in classes[i + 1:]}
    for first, second in disjoint:
        for node in closed.subjects(RDF.type, first):
            if (node, RDF.type, second) in closed:
                problems.append(f"{node} is both {first} and {second}, declared disjoint")
    different = set(closed.subject_objects(OWL.differentFrom))
    for axiom in closed.subjects(RDF.type, OWL.AllDifferent):
        nodes = members(closed, axiom, OWL.distinctMembers, OWL.members)
        different |= {(a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:]}
    for a, b in different:
        if a == b or (a, OWL.sameAs, b) in closed or (b, OWL.sameAs, a) in closed:
            problems.append(f"{a} and {b} are declared different but are the same")
    return problems


@pytest.fixture(scope="module")
def ontology(ontology_path):
    return read_graph(ontology_path)


@pytest.fixture(scope="module")
def reasoned_fixture(ontology_path):
    return closure(read_graph(ontology_path, FIXTURES / "reasoning.ttl"))


# --- parsing and annotations --------------------------------------------------

@pytest.mark.parametrize("name", ["mqm.ttl", "shapes.ttl"])
def test_parses_with_rdflib_and_strict_pyoxigraph(name, repo_root):
    path = repo_root / "ontology" / name
    assert len(read_graph(path)) > 0
    triples = list(pyoxigraph.parse(path=path, format=pyoxigraph.RdfFormat.TURTLE, lenient=False))
    assert len(triples) > 0


def our_terms(ontology):
    return sorted({term for kind in TERM_TYPES for term in ontology.subjects(RDF.type, kind)
                   if str(term).startswith(str(MQM))})


def test_every_term_has_a_label_and_a_definition(ontology):
    terms = our_terms(ontology)
    assert len(terms) > 50
    missing = [f"{term}: no rdfs:label" for term in terms if (term, RDFS.label, None) not in ontology]
    missing += [f"{term}: no skos:definition or rdfs:comment" for term in terms
                if (term, SKOS.definition, None) not in ontology and (term, RDFS.comment, None) not in ontology]
    missing += [f"{term}: no rdfs:isDefinedBy" for term in terms if (term, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology]
    assert not missing, "\n".join(missing)


def test_every_term_used_is_declared(ontology):
    """A misspelt mqm: IRI anywhere in the ontology is a term nobody declared."""
    declared = set(our_terms(ontology))
    used = {node for triple in ontology for node in triple
            if isinstance(node, URIRef) and str(node).startswith(str(MQM))}
    assert not sorted(used - declared)


def test_no_two_terms_share_a_label(ontology):
    seen = {}
    clashes = []
    for term in our_terms(ontology):
        for label in ontology.objects(term, RDFS.label):
            key = (str(label).lower(), label.language)
            if key in seen:
                clashes.append(f"{seen[key]} and {term} are both labelled {label!r}")
            seen[key] = term
    assert not clashes, "\n".join(clashes)


def test_ontology_metadata(ontology):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    for prop in [OWL.versionIRI, OWL.versionInfo, DCTERMS.title, DCTERMS.license, DCTERMS.creator,
                 DCTERMS.description, DCTERMS.modified]:
        assert ontology.value(ONTOLOGY_IRI, prop) is not None, prop
    version = str(ontology.value(ONTOLOGY_IRI, OWL.versionInfo))
    assert str(ontology.value(ONTOLOGY_IRI, OWL.versionIRI)).endswith("/" + version)


def test_no_owl_imports(ontology):
    """Nothing is fetched over the network: the ORG and OWL-Time axioms used are restated."""
    assert (None, OWL.imports, None) not in ontology


# --- consistency --------------------------------------------------------------

@pytest.mark.parametrize("path", INCONSISTENT, ids=lambda path: path.stem)
def test_inconsistent_fixture_is_caught(path, ontology_path):
    assert inconsistencies(closure(read_graph(ontology_path, path)))


def test_owlrl_alone_misses_the_last_all_different_member(ontology_path):
    """Why inconsistencies() checks AllDifferent itself (owlrl 7, rule eq-diff2)."""
    closed = closure(read_graph(ontology_path, FIXTURES / "inconsistent-statuses-merged.ttl"))
    assert not list(closed.subjects(RDF.type, OWLRL_ERROR.ErrorMessage))
    assert inconsistencies(closed)


def test_reasoning_fixture_is_consistent(reasoned_fixture):
    assert not inconsistencies(reasoned_fixture)


def test_ontology_and_data_closure_is_consistent(ontology_path, data_files):
    closed = closure(read_graph(ontology_path, *data_files))
    assert not inconsistencies(closed)
    merged = sorted((str(a), str(b)) for a, b in closed.subject_objects(OWL.sameAs) if a != b)
    assert not merged, f"the reasoner merged resources (a functional property with two values?): {merged[:10]}"


# --- what the reasoner derives -------------------------------------------------

def test_member_of_is_derived_from_a_membership(reasoned_fixture):
    assert (KG["rx-ali"], MQM.memberOf, KG["rx-government"]) in reasoned_fixture
    assert (KG["rx-government"], MQM.hasMember, KG["rx-ali"]) in reasoned_fixture
    assert (KG["rx-ali"], MQM.holdsPost, KG["rx-governor"]) in reasoned_fixture


def test_defected_to_only_for_confirmed_defections(reasoned_fixture):
    assert (KG["rx-ali"], MQM.defectedTo, KG["rx-splinter"]) in reasoned_fixture
    assert (KG["rx-ali"], MQM.defectedFrom, KG["rx-mother-party"]) in reasoned_fixture
    assert not list(reasoned_fixture.objects(KG["rx-bilal"], MQM.defectedTo))
    assert not list(reasoned_fixture.objects(KG["rx-bilal"], MQM.defectedFrom))
    # Both are still found as defecting persons, whatever the status.
    assert (KG["rx-defection-ali"], MQM.defectingPerson, KG["rx-ali"]) in reasoned_fixture
    assert (KG["rx-defection-bilal"], MQM.defectingPerson, KG["rx-bilal"]) in reasoned_fixture


def test_defections_are_classified_by_status(reasoned_fixture):
    assert (KG["rx-defection-ali"], RDF.type, MQM.ConfirmedDefection) in reasoned_fixture
    assert (KG["rx-defection-ali"], RDF.type, MQM.ConfirmedFact) in reasoned_fixture
    assert (KG["rx-defection-bilal"], RDF.type, MQM.ConfirmedDefection) not in reasoned_fixture
    assert (KG["rx-defection-bilal"], RDF.type, MQM.RumouredDefection) in reasoned_fixture


def test_splinter_of_is_transitive(reasoned_fixture):
    assert (KG["rx-splinter"], MQM.splinterOf, KG["rx-mother-party"]) in reasoned_fixture
    assert (KG["rx-new-party"], MQM.splinterOf, KG["rx-splinter"]) in reasoned_fixture
    assert (KG["rx-new-party"], MQM.splinterOf, KG["rx-mother-party"]) in reasoned_fixture
    assert (KG["rx-wing"], MQM.splinterOf, KG["rx-mother-party"]) in reasoned_fixture  # via mqm:factionOf
    assert (KG["rx-mother-party"], MQM.hasSplinter, KG["rx-wing"]) in reasoned_fixture


def test_inverses_and_anonymous_reports(reasoned_fixture):
    assert (KG["rx-report"], MQM.reports, KG["rx-defection-ali"]) in reasoned_fixture
    assert (KG["rx-mother-party"], URIRef("http://www.w3.org/ns/org#changedBy"), KG["rx-split"]) in reasoned_fixture
    assert (KG["rx-anonymous-report"], RDF.type, MQM.AnonymousReport) in reasoned_fixture
    assert (KG["rx-report"], RDF.type, MQM.AnonymousReport) not in reasoned_fixture
