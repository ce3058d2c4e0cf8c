"""Variants of stored queries (queries/NAME+PARAM.rq, kg.project.catalogue): the catalogue's
checks of a variant against its base, run_query choosing the variant's text when its
parameter is bound, and every variant in queries/ giving its base's rows on pyoxigraph and
rdflib (on the article KG here; at 10k in test_queries_10k.py, on Virtuoso in test_virtuoso.py)."""
import os

import pyoxigraph as ox
import pytest
from cli_helpers import ROOT
from query_compare import variants_agree

from kg.errors import QueryHeaderError, QueryNotFoundError
from kg.ops.query import run_query
from kg.project.catalogue import catalogue, get_query
from kg.project.variants import select_projection
from kg.project.paths import DataDir

BASE = """#+ title: Things
#+ description: A test query.
#+ param: about | iri | optional | kg:psp | Only things about this
#+ param: kind | iri | required | kg:mqm | The kind
#+ returns: thing, label
SELECT ?thing ?label WHERE {
  ?thing a ?kind ; <http://www.w3.org/2000/01/rdf-schema#label> ?label .
  FILTER (!BOUND(?about) || EXISTS { ?thing ?p ?about })
}
"""
GOOD = """#+ variant-of: things
#+ when-bound: about
SELECT ?thing ?label WHERE { ?thing ?p ?about . ?thing a ?kind ; <http://www.w3.org/2000/01/rdf-schema#label> ?label . }
"""


@pytest.fixture()
def queries_dir(tmp_path):
    """A data dir whose queries/ holds BASE as things.rq (the ontology linked, for the
    controlled vocabularies)."""
    (tmp_path / "queries").mkdir()
    os.symlink(ROOT / "ontology", tmp_path / "ontology")
    (tmp_path / "queries" / "things.rq").write_text(BASE, encoding="utf-8")
    return DataDir(tmp_path)


def test_a_variant_is_attached_to_its_base_and_not_listed(queries_dir):
    (queries_dir.queries_dir / "things+about.rq").write_text(GOOD, encoding="utf-8")
    listed = catalogue(queries_dir)
    assert [q.name for q in listed] == ["things"]
    base = listed[0]
    assert [v.name for v in base.variants] == ["things+about"]
    variant = base.variants[0]
    assert variant.text == GOOD and variant.returns == base.returns and variant.params == base.params
    assert base.for_bound({"kind"}) is base and base.for_bound({"kind", "about"}) is variant
    assert get_query(queries_dir, "things").variants[0].text == GOOD
    with pytest.raises(QueryNotFoundError) as info:
        get_query(queries_dir, "things+about")
    assert "did you mean: things\n" in str(info.value) + "\n"
    # Its file, given as a path, is the variant with its base's header (to run as it is).
    by_path = get_query(queries_dir, str(queries_dir.queries_dir / "things+about.rq"))
    assert by_path.text == GOOD and by_path.title == "Things" and by_path.variant_of == "things"


@pytest.mark.parametrize("name, text, message, line", [
    ("nothing+about.rq", GOOD.replace("variant-of: things", "variant-of: nothing"),
     "variant of unknown query 'nothing'", 1),
    ("things+who.rq", GOOD.replace("when-bound: about", "when-bound: who"),
     "'things' has no parameter 'who'", 2),
    ("things+kind.rq", GOOD.replace("when-bound: about", "when-bound: kind"),
     "parameter 'kind' of 'things' is required", 2),
    ("things+about.rq", GOOD.replace("SELECT ?thing ?label", "SELECT ?thing"),
     "the variant projects thing; its base 'things' projects thing, label", 3),
    ("things+about.rq", GOOD.replace("SELECT ?thing ?label", "SELECT ?label ?thing"),
     "the variant projects label, thing", 3),
    ("things+about.rq", GOOD.replace("?thing ?p ?about .", ""),
     "the variant does not use ?about", 2),
    ("things+about.rq", "#+ title: Things\n" + GOOD, "a variant takes 'title' from its base query", 1),
    ("things+about.rq", GOOD.replace("#+ when-bound: about\n", ""), "needs header key(s): when-bound", 1),
    ("things+other.rq", GOOD, "is named things+about.rq, not things+other.rq", 1),
])
def test_a_malformed_variant_is_an_error_naming_file_and_line(queries_dir, name, text, message, line):
    path = queries_dir.queries_dir / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QueryHeaderError) as info:
        catalogue(queries_dir)
    assert message in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert (info.value.path, info.value.line) == (path, line)
    if name.startswith("things+"):   # getting the base by name checks its variants too
        with pytest.raises(QueryHeaderError, match="malformed query header"):
            get_query(queries_dir, "things")


def test_select_projection():
    assert select_projection("PREFIX a: <x:> SELECT DISTINCT ?a ?b\n (GROUP_CONCAT(?c) AS ?cs) WHERE { }") == \
        ["a", "b", "cs"]
    assert select_projection("SELECT * { ?s ?p ?o }") == ["*"]
    assert select_projection("ASK { ?s ?p ?o }") == []


MARKED = """#+ variant-of: timeline
#+ when-bound: about
#+ description: A deliberately different text, to see which one ran.
SELECT ?date ?fact ?factType ?summary ?status ?article ?quotes
WHERE { BIND ("from the variant" AS ?summary) BIND (?about AS ?fact) }
"""


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_run_query_runs_the_variant_when_its_parameter_is_bound_and_the_base_when_not(data_copy, settings, engine):
    (data_copy.queries_dir / "timeline+about.rq").write_text(MARKED, encoding="utf-8")
    query = get_query(data_copy, "timeline")
    bound = run_query(data_copy, query, {"about": "kg:psp"}, engine=engine, settings=settings)
    assert bound.ran == "timeline+about"
    assert [(r["fact"].value, r["summary"].value) for r in bound.dicts()] == \
        [("https://w3id.org/mqm-kg/id/psp", "from the variant")]
    unbound = run_query(data_copy, query, engine=engine, settings=settings)
    assert unbound.ran == "timeline" and len(unbound.rows) > 10
    assert all(r["summary"].value != "from the variant" for r in unbound.dicts())
    # Ready terms (bindings=) choose the variant as raw parameters do.
    ready = run_query(data_copy, query, bindings={"about": ox.NamedNode("https://w3id.org/mqm-kg/id/psp")},
                      engine=engine, settings=settings)
    assert ready.ran == "timeline+about"


def test_the_web_query_page_runs_the_variant_when_its_parameter_is_bound(data_copy, monkeypatch):
    """kg serve's /query/NAME goes its own way (kg.web.views.stored_query): the SPARQL it
    hands to the executor is the variant's with the parameter, the base's without."""
    from types import SimpleNamespace

    from kg.web import views

    (data_copy.queries_dir / "timeline+about.rq").write_text(MARKED, encoding="utf-8")
    sent = []

    def execute(context, sparql, **options):
        sent.append(sparql)
        raise views.BadQuery("recorded")

    monkeypatch.setattr(views, "execute", execute)
    context = SimpleNamespace(data_dir=data_copy)
    assert views.stored_query(context, "timeline", {"about": "kg:psp"}).status == 400
    views.stored_query(context, "timeline", {})
    assert "from the variant" in sent[0] and "mustafa-kamal" not in sent[0]
    assert "from the variant" not in sent[1] and "FILTER (!BOUND(?about)" in sent[1]


@pytest.fixture(scope="module")
def exported(repo, settings):
    """The exported article KG (asserted + inferred) in pyoxigraph and, merged into one graph
    (the stored queries read the union of the graphs), in rdflib: faster there than a Dataset
    with default_union (diagram-timeline: 2 s a call instead of 7), the same for both texts."""
    from rdflib import Graph

    from kg.ops.export import export

    data = export(repo, "nquads", inferred=True, settings=settings)
    store = ox.Store()
    store.load(data, format=ox.RdfFormat.N_QUADS)
    graph = Graph()
    graph.parse(data=ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in store],
                                  format=ox.RdfFormat.N_TRIPLES).decode("utf-8"), format="nt")
    return store, graph


def test_every_variant_gives_its_base_rows_on_both_engines(repo, exported):
    """The same rows as a multiset, in the same order of the ORDER BY columns: on pyoxigraph
    for the example and ten other values of the parameter (query_compare.variant_values), on
    rdflib for the example and three of them (seconds per call there)."""
    store, dataset = exported
    bases = [q for q in catalogue(repo) if q.variants]
    assert {v.name for q in bases for v in q.variants} >= {
        "timeline+about", "diagram-timeline+about", "meetings+participant", "diagram-defections+about"}
    rows = sum(variants_agree(store, dataset, base, "article KG") for base in bases)
    assert rows > 100   # not only empty answers
