"""Every stored SELECT gives the same rows on the fast store (Nemo reasoning, pyoxigraph) and
on rdflib over 10k synthetic triples linked to the article KG (its own module, so that pytest-xdist
runs it beside the catalogue tests rather than after them)."""
import shutil

import pytest
from cli_helpers import copy_data_dir
from query_compare import example_bindings, same_rows, variants_agree

from kg.config import Settings
from kg.store.cache import ensure_cache
from kg.project.paths import DataDir
from kg.engine.reference.query import cached_rdflib_dataset
from kg.project.catalogue import catalogue


@pytest.fixture(scope="module")
def synthetic_10k(synthetic_graph, tmp_path_factory):
    """The article KG plus the 10k synthetic triples linked to it (conftest.py), reasoned on the
    fast path (Nemo, pyoxigraph store) in a data dir of their own."""
    root = copy_data_dir(tmp_path_factory.mktemp("kg10k"))
    shutil.copyfile(synthetic_graph.path, root / "data" / "synthetic.ttl")
    data_dir = DataDir(root)
    entry = ensure_cache(data_dir, settings=Settings(cache_dir=root / "cache", engine="fast"))
    assert entry.meta["engine"] == "nemo"
    yield data_dir, entry


def test_every_stored_select_gives_the_same_rows_on_both_engines_at_10k(synthetic_10k):
    """The queries were rewritten for Oxigraph's planner at 1M triples: the fast store (Nemo
    reasoning) and rdflib over the same dataset must still agree, with either parameter set."""
    data_dir, entry = synthetic_10k
    store, dataset = entry.open_store(), cached_rdflib_dataset(entry)
    compared = 0
    for query in catalogue(data_dir):
        variants = {tuple(sorted(example_bindings(query, everything).items())) for everything in (False, True)}
        compared += sum(same_rows(store, dataset, query, dict(terms), (query.name, terms))
                        for terms in variants)
    assert compared >= 30


def test_every_variant_gives_its_base_rows_at_10k(synthetic_10k):
    """queries/NAME+PARAM.rq against its base at 10k on pyoxigraph, for the example and ten
    other values of the parameter (rdflib, seconds per call at this size, compares them on the
    article KG: test_query_variants.py)."""
    data_dir, entry = synthetic_10k
    store = entry.open_store()
    bases = [q for q in catalogue(data_dir) if q.variants]
    assert len(bases) >= 4
    rows = sum(variants_agree(store, None, base, "10k") for base in bases)
    assert rows > 200
