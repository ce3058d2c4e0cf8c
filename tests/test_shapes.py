"""The SHACL shapes (ontology/shapes.ttl): well-formed, and each rule fires on its fixture.

tests/fixtures/shapes/valid.ttl is a tiny world that uses every shape and conforms.
Every other file there adds one mistake to it; its comment "# expect: ..." gives a
distinctive part of the message the shapes must report. Fixtures are read with the
ontology and valid.ttl, in the mode the shapes assume (RDFS inference); the verdict
must be the same without inference and on the OWL 2 RL closure.
"""
import re
from pathlib import Path

import owlrl
import pyshacl
import pytest
from cli_helpers import read_graph
from rdflib import Graph, Namespace, RDF, URIRef

SH = Namespace("http://www.w3.org/ns/shacl#")
MQM = "https://w3id.org/mqm-kg/ontology#"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "shapes"
VALID = FIXTURES / "valid.ttl"
INVALID = sorted(path for path in FIXTURES.glob("*.ttl") if path != VALID)
CONSTRAINT_PARAMETERS = [
    SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minLength, SH.maxLength,
    SH.pattern, SH["in"], SH.hasValue, SH.disjoint, SH.equals, SH.lessThan, SH.lessThanOrEquals,
    SH.uniqueLang, SH.node, SH["not"], SH["and"], SH["or"], SH.xone, SH.closed,
    SH.qualifiedValueShape, SH.sparql,
]


def expected_message(path, inference="rdfs"):
    """The '# expect: ...' comment; '# expect without inference: ...' overrides it for inference="none"."""
    text = path.read_text(encoding="utf-8")
    if inference == "none":
        match = re.search(r"^# expect without inference: (.+)$", text, re.MULTILINE)
        if match:
            return match.group(1).strip()
    match = re.search(r"^# expect: (.+)$", text, re.MULTILINE)
    assert match, f"{path.name} has no '# expect: ...' comment"
    return match.group(1).strip()


def validate(data, shapes, inference="rdfs"):
    """Return (conforms, set of result messages)."""
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference=inference, advanced=True)
    return conforms, {str(message) for message in report.objects(None, SH.resultMessage)}


def owlrl_closure(graph):
    closure = Graph()
    for triple in graph:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    return closure


@pytest.fixture(scope="module")
def shapes(shapes_path):
    return read_graph(shapes_path)


@pytest.fixture(scope="module")
def world(ontology_path):
    """The ontology and the valid fixture: what every failing fixture adds its mistake to."""
    return read_graph(ontology_path, VALID)


def with_fixture(world, path):
    graph = Graph()
    for triple in world:
        graph.add(triple)
    graph.parse(path)
    return graph


# --- the shapes themselves ---------------------------------------------------

def test_shapes_pass_meta_shacl(shapes, world):
    conforms, _, text = pyshacl.validate(world, shacl_graph=shapes, inference="rdfs", advanced=True,
                                         meta_shacl=True)
    assert conforms, text


def test_every_constraint_has_severity_and_message(shapes):
    missing = []
    shape_nodes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    shape_nodes |= set(shapes.objects(None, SH.property))
    for shape in shape_nodes:
        if (shape, SH.severity, None) not in shapes:
            missing.append(f"{shape}: no sh:severity")
        has_constraint = any((shape, parameter, None) in shapes for parameter in CONSTRAINT_PARAMETERS
                             if parameter != SH.sparql)
        if has_constraint and (shape, SH.message, None) not in shapes:
            missing.append(f"{shape}: no sh:message")
    for constraint in shapes.objects(None, SH.sparql):
        if (constraint, SH.message, None) not in shapes:
            missing.append(f"SPARQL constraint {constraint}: no sh:message")
    assert not missing, "\n".join(missing)


def test_every_node_shape_is_named(shapes):
    unnamed = [shape for shape in shapes.subjects(RDF.type, SH.NodeShape) if (shape, SH.name, None) not in shapes]
    assert not unnamed


def test_every_node_shape_has_a_failing_fixture(shapes):
    """Fixtures are named <shape>-<problem>.ttl, e.g. person-no-preflabel.ttl for mqmsh:PersonShape."""
    names = {path.stem for path in INVALID}
    untested = []
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        local = str(shape).split("#")[1].removesuffix("Shape")
        kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", local).lower()
        if not any(name.startswith(kebab + "-") for name in names):
            untested.append(kebab)
    assert not untested, f"no failing fixture named <shape>-<problem>.ttl for: {untested}"


# --- the fixtures ------------------------------------------------------------

def test_valid_fixture_conforms_in_every_mode(shapes, world):
    for inference in ("rdfs", "none"):
        conforms, messages = validate(world, shapes, inference)
        assert conforms, (inference, messages)
    conforms, messages = validate(owlrl_closure(world), shapes, "none")
    assert conforms, ("owlrl closure", messages)


@pytest.fixture(scope="module")
def results(shapes, world):
    """Validate each fixture once per mode: {(fixture name, inference): (conforms, messages)}."""
    cache = {}

    def result(path, inference):
        key = (path.name, inference)
        if key not in cache:
            cache[key] = validate(with_fixture(world, path), shapes, inference)
        return cache[key]

    return result


@pytest.mark.parametrize("inference", ["rdfs", "none"])
@pytest.mark.parametrize("path", INVALID, ids=lambda path: path.stem)
def test_fixture_is_rejected_with_its_message(path, inference, results):
    conforms, messages = results(path, inference)
    assert not conforms
    expected = expected_message(path, inference)
    assert any(expected in message for message in messages), f"expected {expected!r} in {messages}"


# Fixtures where OWL 2 RL adds triples that RDFS does not: functional properties
# (owl:sameAs), inverses, property chains, symmetric and transitive properties,
# hasValue classes, range typing. The closure takes over a second per fixture, so
# the sweep is limited to these.
WHERE_OWLRL_MATTERS = [
    "membership-two-members", "membership-two-organisations", "fact-two-statuses", "fact-unknown-status",
    "fact-untyped-no-report", "fact-contradicts-entity", "defector-speculated",
    "confirmed-defection-defecting-person-only", "defection-two-persons", "denial-target-not-denied",
    "denied-fact-no-denial", "report-states-no-fact", "organisational-change-no-result", "split-no-original",
    "condition-no-talks", "unique-pref-label-shared", "person-two-preflabels", "disjoint-classes-person-typed-party",
    "link-target-misspelt-iri", "anonymous-source-affiliation-not-organisation", "allegation-alleged-by-report",
    "interval-order-end-before-start",
]


@pytest.mark.parametrize("name", WHERE_OWLRL_MATTERS)
def test_fixture_is_rejected_on_the_owlrl_closure_too(name, shapes, world):
    path = FIXTURES / f"{name}.ttl"
    conforms, messages = validate(owlrl_closure(with_fixture(world, path)), shapes, inference="none")
    assert not conforms


def test_every_message_fires_on_some_fixture(shapes, results):
    """A rule no fixture triggers could be dead (misspelt path, wrong target): each message must fire."""
    fired = set()
    for path in INVALID:
        for inference in ("rdfs", "none"):
            fired |= results(path, inference)[1]
    unfired = []
    for message in set(shapes.objects(None, SH.message)):
        # SPARQL messages carry {?var} templates: compare on the text before the first one.
        head = str(message).split("{")[0]
        if not any(head in text for text in fired):
            unfired.append(str(message))
    assert not unfired, "\n".join(unfired)


def test_every_ontology_term_the_shapes_use_is_declared(shapes, ontology_path):
    """A misspelt mqm: path or class in the shapes would make a rule that never fires."""
    ontology = read_graph(ontology_path)
    declared = {str(term) for term in ontology.subjects(RDF.type, None)}
    used = {str(node) for triple in shapes for node in triple
            if isinstance(node, URIRef) and str(node).startswith(MQM)}
    for query in shapes.objects(None, SH.select):  # terms inside the SPARQL constraints and targets
        used |= {MQM + name for name in re.findall(r"\bmqm:([A-Za-z][\w-]*)", str(query))}
    assert not sorted(used - declared)
