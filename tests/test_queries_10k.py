"""Every stored SELECT gives the same rows on the fast path (Nemo-reasoned pyoxigraph store)
as on rdflib over the same dataset, on 10k synthetic triples linked to the article KG
(bench/gen.py --link-kg): the queries were rewritten for Oxigraph's planner at 1M triples."""
import importlib.util
import shutil
from pathlib import Path

import pytest

from kg.cache import ensure_cache
from kg.paths import DataDir
from kg.queries import bind, cached_rdflib_dataset, catalogue, run_oxigraph, run_rdflib

ROOT = Path(__file__).resolve().parent.parent


def _key(row):
    return tuple("" if t is None else str(t) for t in row)


@pytest.fixture(scope="module")
def synthetic_kg(tmp_path_factory, monkeypatch_module):
    spec = importlib.util.spec_from_file_location("bench_gen", ROOT / "bench" / "gen.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    root = tmp_path_factory.mktemp("kg10k")
    for folder in ("ontology", "queries", "data"):
        shutil.copytree(ROOT / folder, root / folder)
    generator = gen.Generator(10000, seed=1, link_kg=ROOT / "data")
    with open(root / "data" / "synthetic.ttl", "w", encoding="utf-8") as out:
        generator.run().write(out, "ttl", generator.header("test"))
    monkeypatch_module.setenv("KG_CACHE_DIR", str(root / "cache"))
    monkeypatch_module.setenv("KG_ENGINE", "fast")
    data_dir = DataDir(root)
    entry = ensure_cache(data_dir)
    assert entry.meta["engine"] == "nemo"
    return data_dir, entry


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_every_stored_select_gives_the_same_rows_on_both_engines_at_10k(synthetic_kg):
    data_dir, entry = synthetic_kg
    store, dataset = entry.open_store(), cached_rdflib_dataset(entry)
    compared = 0
    for query in catalogue(data_dir):
        variants = [{p.name: p.example for p in query.params},
                    {p.name: p.example for p in query.params if p.required}]
        for params in variants if variants[0] != variants[1] else variants[:1]:
            terms = bind(query, params)
            fast = run_oxigraph(store, query.text, terms)
            if fast.kind != "select":
                break
            reference = run_rdflib(dataset, query.text, terms)
            assert fast.variables == reference.variables, query.name
            assert sorted(map(_key, fast.rows)) == sorted(map(_key, reference.rows)), (query.name, params)
            compared += 1
    assert compared >= 30
