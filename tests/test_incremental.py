"""The incremental cache (kg.store.incremental, kg.engine.fast.extend): an entry extended with
added data files equals a full rebuild of the same inputs, and anything that is not a pure
addition (or that the extension refuses) is rebuilt in full."""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from cli_helpers import copy_data_dir
from kg.config import Settings
from kg.errors import SchemaInDataError
from kg.project.paths import DataDir
from kg.store.cache import ensure_cache

#: An addition about existing entities that reaches far into the old closure: org:member is
#: functional, so two people merge (owl:sameAs) and every fact of either is copied to the other;
#: one of them becomes an article too (disjoint with foaf:Person: an inconsistency), and a
#: literal is ill-typed.
MERGING_ADDITION = """\
@prefix kg:   <https://w3id.org/mqm-kg/id/> .
@prefix mqm:  <https://w3id.org/mqm-kg/ontology#> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .

kg:a000-membership-musharraf-apml-chief org:member kg:sagheer-ahmed .
kg:waseem-aftab a mqm:Article ;
    rdfs:comment "not a number"^^xsd:integer .
"""


def quads(entry) -> tuple[set, dict]:
    """The entry's quads without blank nodes, and those with blank nodes per graph (rdflib)."""
    from rdflib import Dataset, URIRef

    store = ox.Store.read_only(str(entry.store_path))
    plain, blank = set(), {}
    for line in store.dump(format=ox.RdfFormat.N_QUADS).decode("utf-8").splitlines():
        if "_:" in line:
            graph = line[line.rfind("<") + 1:line.rfind(">")]
            blank.setdefault(graph, []).append(line)
        else:
            plain.add(line)
    graphs = {}
    for graph, lines in blank.items():
        dataset = Dataset()
        dataset.parse(data="\n".join(lines), format="nquads")
        graphs[graph] = dataset.graph(URIRef(graph))
    return plain, graphs


def assert_same_entry(extended, full) -> None:
    from rdflib.compare import isomorphic
    from rdflib import Graph

    assert extended.meta.get("extended_from"), "the entry was not extended"
    assert "extended_from" not in full.meta
    ext_plain, ext_blank = quads(extended)
    full_plain, full_blank = quads(full)
    assert ext_plain == full_plain, (sorted(ext_plain - full_plain)[:5], sorted(full_plain - ext_plain)[:5])
    assert set(ext_blank) == set(full_blank)
    for graph in ext_blank:
        a, b = Graph(), Graph()
        for triple in ext_blank[graph].triples((None, None, None)):
            a.add(triple)
        for triple in full_blank[graph].triples((None, None, None)):
            b.add(triple)
        assert isomorphic(a, b), graph
    for key in ("asserted", "inferred", "consistency"):
        assert extended.meta[key] == full.meta[key], key
    assert extended.meta["integrity"]["graphs"] == full.meta["integrity"]["graphs"]
    assert [(f["path"], f["triples"], f["sha256"]) for f in extended.meta["files"]] == \
        [(f["path"], f["triples"], f["sha256"]) for f in full.meta["files"]]
    extended.verify(full=True)


@pytest.fixture()
def repo_base(tmp_path, repo, settings):
    """(a copy of the repository's data dir, Settings of a cache holding its entry): the
    session's entry copied in, not built again."""
    entry = ensure_cache(repo, settings=settings)
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copytree(entry.path, cache / entry.path.name)
    return DataDir(copy_data_dir(tmp_path / "kg")), Settings(cache_dir=cache)


def build_pair(tmp_path: Path, data: DataDir, add, name: str, messages: list | None = None,
               settings: Settings | None = None):
    """(entry after extending, entry of a full rebuild): ``add(data)`` adds the files.
    ``settings``: a cache already holding the entry of ``data`` (else it is built here)."""
    if settings is None:
        settings = Settings(cache_dir=tmp_path / "cache")
        ensure_cache(data, settings=settings)
    add(data)
    said = messages if messages is not None else []
    extended = ensure_cache(data, settings=settings, progress=said.append)
    full = ensure_cache(data, settings=replace(settings, cache_dir=tmp_path / f"full-{name}"))
    return extended, full


@pytest.fixture()
def articles_but_one(tmp_path):
    """A copy of the repository's data dir without article-003 (which is then added back)."""
    root = copy_data_dir(tmp_path / "kg")
    held = tmp_path / "article-003.ttl"
    shutil.move(root / "data" / "article-003.ttl", held)
    return DataDir(root), held


def test_adding_an_article_extends_the_entry_to_what_a_rebuild_gives(tmp_path, articles_but_one):
    data, held = articles_but_one
    messages: list = []
    extended, full = build_pair(tmp_path, data, lambda d: shutil.copy(held, d.data_dir / held.name), "a3",
                                messages)
    assert any("extending cache entry" in m for m in messages), messages
    assert_same_entry(extended, full)
    assert extended.meta["asserted"] > extended.meta["integrity"]["graphs"]["urn:kg:file:data/article-003.ttl"]


def test_an_addition_that_merges_people_and_breaks_consistency_is_extended_exactly(tmp_path, repo_base):
    data, settings = repo_base
    write = lambda d: (d.data_dir / "merging.ttl").write_text(MERGING_ADDITION, encoding="utf-8")  # noqa: E731
    extended, full = build_pair(tmp_path, data, write, "merge", settings=settings)
    report = full.meta["consistency"]
    assert ["https://w3id.org/mqm-kg/id/pervez-musharraf", "https://w3id.org/mqm-kg/id/sagheer-ahmed"] in \
        report["same_as"], report["same_as"]
    assert any("waseem-aftab" in e for e in report["errors"]), report["errors"]
    assert any("not a number" in e for e in report["errors"]), report["errors"]
    assert_same_entry(extended, full)


def test_adding_an_article_to_the_10k_graph_is_extended_exactly(tmp_path, synthetic_graph):
    root = copy_data_dir(tmp_path / "kg")
    shutil.copy(synthetic_graph.path, root / "data" / "synthetic.ttl")
    data = DataDir(root)
    add = lambda d: shutil.copy(synthetic_graph.clean_addition, d.data_dir / "addition.ttl")  # noqa: E731
    extended, full = build_pair(tmp_path, data, add, "10k")
    assert_same_entry(extended, full)
    assert full.meta["inferred"] > 5000


def test_two_files_added_at_once_are_extended_exactly(tmp_path, articles_but_one):
    data, held = articles_but_one

    def add(d):
        shutil.copy(held, d.data_dir / held.name)
        (d.data_dir / "merging.ttl").write_text(MERGING_ADDITION, encoding="utf-8")

    extended, full = build_pair(tmp_path, data, add, "two")
    assert_same_entry(extended, full)


def test_a_changed_file_is_rebuilt_in_full(repo_base):
    data, settings = repo_base
    path = data.data_dir / "articles.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    (data.data_dir / "merging.ttl").write_text(MERGING_ADDITION, encoding="utf-8")
    entry = ensure_cache(data, settings=settings)
    assert "extended_from" not in entry.meta


def test_the_reference_engine_setting_never_extends(repo_base):
    from kg.store.cache import CacheEntry, cache_key, extend_entry

    data, settings = repo_base
    (data.data_dir / "merging.ttl").write_text(MERGING_ADDITION, encoding="utf-8")
    entry = CacheEntry(settings.cache_dir / cache_key(data))
    assert not extend_entry(data, entry, settings=replace(settings, engine="reference"))
    assert extend_entry(data, entry, settings=settings)  # the same addition, on the fast engine
    assert entry.meta["extended_from"]


def test_sameas_between_schema_terms_is_refused_and_rebuilt_in_full(repo_base):
    data, settings = repo_base
    (data.data_dir / "odd.ttl").write_text(
        "<https://w3id.org/mqm-kg/id/kamal-x> <http://www.w3.org/2002/07/owl#sameAs> "
        "<http://xmlns.com/foaf/0.1/Person> .\n", encoding="utf-8")
    messages: list = []
    entry = ensure_cache(data, settings=settings, progress=messages.append)
    assert any("cannot be extended" in m and "schema" in m for m in messages), messages
    assert "extended_from" not in entry.meta


def test_an_added_file_with_schema_axioms_fails_like_a_full_build_and_writes_nothing(repo_base):
    data, settings = repo_base
    first = ensure_cache(data, settings=settings)
    (data.data_dir / "schema.ttl").write_text(
        "<https://w3id.org/mqm-kg/id/x> <http://www.w3.org/2000/01/rdf-schema#subClassOf> "
        "<http://xmlns.com/foaf/0.1/Person> .\n", encoding="utf-8")
    with pytest.raises(SchemaInDataError):
        ensure_cache(data, settings=settings)
    entries = [p.name for p in settings.cache_dir.iterdir() if not p.name.startswith(".")]
    assert entries == [first.path.name]


def test_kg_add_then_query_answers_with_the_added_article_from_an_extended_entry(tmp_path, synthetic_graph):
    from kg.ops.add import add_file
    from kg.ops.query import run_query
    from kg.project.catalogue import get_query

    root = copy_data_dir(tmp_path / "kg")
    shutil.copy(synthetic_graph.path, root / "data" / "synthetic.ttl")
    data = DataDir(root)
    settings = Settings(cache_dir=tmp_path / "cache")
    ensure_cache(data, settings=settings)
    result = add_file(data, synthetic_graph.clean_addition, settings=settings)
    assert result.written, [v.message for v in result.report.violations]
    query = get_query(data, "article-summary")
    article = next(line.split()[0] for line in synthetic_graph.clean_addition.read_text(encoding="utf-8").splitlines()
                   if " a mqm:Article" in line)
    answer = run_query(data, query, {"article": article}, settings=settings)
    assert answer.rows, "the added article is not in the answer"
    entry = ensure_cache(data, settings=settings)
    assert entry.meta.get("extended_from")
