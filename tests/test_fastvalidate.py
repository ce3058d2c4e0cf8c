"""kg.engine.fast.validate (shapes -> SPARQL on pyoxigraph) reports the same (focus node, path,
constraint component) set as pyshacl with the shapes' inference mode, on the article KG,
on every shape fixture and on a 10k synthetic graph; what it cannot translate, it refuses."""
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
from rdflib import Graph, URIRef

from kg.engine.fast.shapes.compiler import CompiledShapes
from kg.engine.fast.shapes.sparql_text import wrap_unions
from kg.engine.fast.validate import rdfs_closure, validate_store
from kg.errors import UnsupportedShape
from kg.project.load import parse_file, parse_file_into
from kg.rdf.terms import rdflib_to_ox
from kg.engine.reference.validate import shapes_inference
from kg.rdf.terms import path_text

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "mqm.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
SH = "http://www.w3.org/ns/shacl#"


def pyshacl_keys(paths, shapes_path=SHAPES):
    data = Graph()
    for path in [ONTOLOGY] + list(paths):
        parse_file_into(data, path)
    shapes = parse_file(shapes_path)
    _conforms, report, _text = pyshacl.validate(data, shacl_graph=shapes, inference=shapes_inference(shapes_path),
                                                advanced=True)
    sh = lambda local: URIRef(SH + local)  # noqa: E731
    keys = set()
    for result in report.subjects(sh("resultSeverity"), None):
        path = report.value(result, sh("resultPath"))
        keys.add((str(rdflib_to_ox(report.value(result, sh("focusNode")))),
                  path_text(path, report) if path is not None else None,
                  str(report.value(result, sh("sourceConstraintComponent")))))
    return keys


def fast_results(paths, shapes_path=SHAPES, portable=False):
    store, names = ox.Store(), []
    for i, path in enumerate([ONTOLOGY] + list(paths)):
        name = f"urn:test:{i}"
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(name))
        names.append(name)
    literal_types = rdfs_closure(store, [ONTOLOGY], graphs=names, data_graphs=names[1:], target_graph="urn:test:rdfs")
    compiled = CompiledShapes.from_graph(parse_file(shapes_path))
    return validate_store(store, compiled, graphs=names + ["urn:test:rdfs"], literal_types=literal_types,
                          portable=portable)


def fast_keys(paths, shapes_path=SHAPES):
    return {(r.focus, r.path, r.component) for r in fast_results(paths, shapes_path)}


def assert_same(paths, shapes_path=SHAPES):
    expected, actual = pyshacl_keys(paths, shapes_path), fast_keys(paths, shapes_path)
    assert actual == expected, f"missing {sorted(expected - actual)[:5]}, extra {sorted(actual - expected)[:5]}"
    return expected


def test_shapes_assume_rdfs_inference():
    # The translation computes the RDFS closure; another mode would need another closure.
    assert shapes_inference(SHAPES) == "rdfs"


def test_article_kg_same_as_pyshacl():
    assert_same(sorted((ROOT / "data").glob("*.ttl")))


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.ttl") if p.name != "valid.ttl"))
def test_shape_fixture_same_as_pyshacl(fixture):
    keys = assert_same([FIXTURES / "valid.ttl", FIXTURES / fixture])
    assert keys, f"{fixture} must fail some shape"


def test_portable_mode_gives_the_same_results():
    """The mode kg validate --endpoint uses (no screening query: counts, then each check over
    every focus node) reports result for result what the screening mode does, on every shape
    fixture at once."""
    paths = sorted(FIXTURES.glob("*.ttl"))
    screened, portable = fast_results(paths), fast_results(paths, portable=True)
    assert portable == screened
    assert len({r.component for r in screened}) >= 10


def test_valid_fixture_conforms():
    assert fast_keys([FIXTURES / "valid.ttl"]) == set() == pyshacl_keys([FIXTURES / "valid.ttl"])


def test_synthetic_10k_same_as_pyshacl(synthetic_graph):
    keys = assert_same([synthetic_graph.path])
    components = {c.rsplit("#", 1)[1] for _f, _p, c in keys}
    assert {"MinCountConstraintComponent", "MaxCountConstraintComponent", "DatatypeConstraintComponent",
            "SPARQLConstraintComponent", "DisjointConstraintComponent"} <= components


def test_results_carry_value_severity_and_message():
    results = fast_results([FIXTURES / "valid.ttl", FIXTURES / "report-quote-too-long.ttl"])
    long = [r for r in results if r.component.endswith("MaxLengthConstraintComponent")]
    assert long and long[0].value and long[0].severity == "Violation" and "400" in long[0].message
    sparql = fast_results([FIXTURES / "valid.ttl", FIXTURES / "defector-speculated.ttl"])
    defector = [r for r in sparql if r.component.endswith("SPARQLConstraintComponent")]
    assert defector and "{?value}" not in defector[0].message and "status" in defector[0].message


EXTRA_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mqm: <https://w3id.org/mqm-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<urn:test:PersonNeedsAltLabel> a sh:NodeShape ;
    sh:targetClass foaf:Person ;
    sh:property [ sh:path skos:altLabel ; sh:minCount 1 ; sh:pattern "^[A-Z]" ; sh:message "x" ] .
"""


def test_a_new_shape_is_translated_without_code(tmp_path):
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(SHAPES.read_text(encoding="utf-8") + EXTRA_SHAPE, encoding="utf-8")
    keys = assert_same([FIXTURES / "valid.ttl"], shapes)
    assert any(c.endswith("MinCountConstraintComponent") and p == "skos:altLabel" for _f, p, c in keys)


@pytest.mark.parametrize("construct", [
    "sh:node <urn:test:S>",      # recursive: SHACL leaves it undefined
    "sh:qualifiedMinCount 1",    # without sh:qualifiedValueShape (pyshacl: an error)
    "sh:closed true",            # on a property shape
    "sh:property [ sh:path foaf:age ] ; sh:node [ sh:property [ sh:path foaf:name ; "
    "sh:property [ sh:path foaf:nick ; sh:minCount 1 ] ] ]",   # nested sh:property in a sh:node shape
    "sh:datatype xsd:int",       # pyoxigraph stores it as xsd:integer
    "sh:in ( 4.0 )",             # stored as "4"^^xsd:decimal: not the term written
])
def test_untranslated_constructs_raise(construct):
    text = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:test:S> a sh:NodeShape ; sh:targetClass foaf:Person ;
    sh:property [ sh:path foaf:name ; {construct} ] .
"""
    with pytest.raises(UnsupportedShape):
        CompiledShapes.from_graph(Graph().parse(data=text, format="turtle"))


def test_sparql_with_unsupported_variables_raises():
    text = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:test:S> a sh:NodeShape ; sh:targetNode <urn:test:x> ;
    sh:sparql [ sh:select "SELECT $this WHERE { $this ?p $currentShape }" ] .
"""
    with pytest.raises(UnsupportedShape):
        CompiledShapes.from_graph(Graph().parse(data=text, format="turtle"))


def test_wrap_unions_keeps_the_query_and_its_scope():
    query = ("SELECT ?this WHERE { { ?a <urn:p> ?b } UNION { ?b <urn:q> ?a } FILTER (?a != ?b) "
             "OPTIONAL { ?x <urn:r> ?y } ?this <urn:s> ?a . }")
    wrapped = wrap_unions(query)
    assert wrapped.count("SELECT * WHERE") == 1 and "OPTIONAL { ?x <urn:r> ?y }" in wrapped
    store = ox.Store()
    store.update("INSERT DATA { <urn:1> <urn:p> <urn:2> . <urn:3> <urn:q> <urn:4> . "
                 "<urn:t> <urn:s> <urn:1> . <urn:u> <urn:s> <urn:4> . }")
    assert sorted(str(r["this"]) for r in store.query(query)) == \
        sorted(str(r["this"]) for r in store.query(wrapped)) == ["<urn:t>", "<urn:u>"]


def test_kg_validate_and_add_use_it_with_the_same_report(tmp_path):
    """kg.ops.validate.validate with the fast engine gives the report the reference engine gives."""
    from cli_helpers import copy_data_dir

    from kg.config import Settings
    from kg.ops.add import add_file
    from kg.project.paths import DataDir
    from kg.ops.validate import validate

    bad = ROOT / "tests" / "fixtures" / "cli" / "bad-addition.ttl"
    fast = Settings(cache_dir=tmp_path / "cache", engine="fast")
    reports = {}
    for engine in ("fast", "reference"):
        reports[engine] = validate(DataDir(ROOT), [bad], settings=Settings(cache_dir=tmp_path / "cache", engine=engine))
    key = lambda v: (v.focus, v.path, v.value, v.component, v.severity, v.source_file, v.shape)  # noqa: E731
    assert reports["fast"].results_graph is None
    assert sorted(map(key, reports["fast"].violations)) == sorted(map(key, reports["reference"].violations))
    assert not reports["fast"].conforms and reports["fast"].violations

    copy = copy_data_dir(tmp_path / "kg")
    before = sorted(p.name for p in (copy / "data").iterdir())
    result = add_file(DataDir(copy), bad, settings=fast)
    assert not result.written and sorted(p.name for p in (copy / "data").iterdir()) == before
    assert sorted(map(key, result.report.violations)) == sorted(
        map(key, add_file_reference(copy, bad, tmp_path / "cache").violations))
    good = ROOT / "tests" / "fixtures" / "cli" / "good-addition.ttl"
    assert add_file(DataDir(copy), good, settings=fast).written


def add_file_reference(copy, path, cache_dir):
    from kg.config import Settings
    from kg.ops.add import add_file
    from kg.project.paths import DataDir

    return add_file(DataDir(copy), path, settings=Settings(cache_dir=cache_dir, engine="reference")).report
