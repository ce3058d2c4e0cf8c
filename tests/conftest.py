"""Shared fixtures for the tests: the repository's paths, one reasoned-graph cache for the
whole run (shared by the pytest-xdist workers), and writable copies of the data directory.

Fixtures live here, not in a helper module: a session fixture imported into several test
modules is a separate fixture in each, so the cache would be rebuilt once per module."""
import fcntl
import os
from pathlib import Path

import pytest

from cli_helpers import copy_data_dir

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope="session")
def ontology_path(repo_root):
    return repo_root / "ontology" / "mqm.ttl"


@pytest.fixture(scope="session")
def shapes_path(repo_root):
    return repo_root / "ontology" / "shapes.ttl"


@pytest.fixture(scope="session")
def data_dir(repo_root):
    return repo_root / "data"


@pytest.fixture(scope="session")
def data_files(data_dir):
    """Every Turtle file of the KG (entities, articles, article-NNN)."""
    return sorted(data_dir.glob("*.ttl"))


@pytest.fixture(scope="session")
def articles_dir(repo_root):
    """The article texts live beside the repository, in ../shared/articles."""
    return repo_root.parent / "shared" / "articles"


@pytest.fixture(scope="session")
def fixtures_dir():
    return REPO_ROOT / "tests" / "fixtures"


@pytest.fixture()
def listener():
    """A silent local TCP listener (serve_helpers.Listener) for tests that prove nothing connects out."""
    from serve_helpers import Listener
    sock = Listener()
    yield sock
    sock.close()


@pytest.fixture(scope="session")
def kg_cache(tmp_path_factory):
    """One reasoned-graph cache ($KG_CACHE_DIR) for the run, built once under a file lock and
    shared by every xdist worker (entries are written atomically, so readers never see half)."""
    shared_root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # every worker's basetemp sits in one per-run folder
        shared_root = shared_root.parent
    cache = shared_root / "kg-cache"
    cache.mkdir(exist_ok=True)
    old = os.environ.get("KG_CACHE_DIR")
    os.environ["KG_CACHE_DIR"] = str(cache)
    os.environ.pop("KG_DATA_DIR", None)
    yield cache
    if old is None:
        os.environ.pop("KG_CACHE_DIR", None)
    else:
        os.environ["KG_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def settings(kg_cache):
    """The kg.config.Settings the tests pass to library calls: the shared cache (kg_cache),
    every other setting at its default (the CLI reads the environment; the library does not)."""
    from kg.config import Settings

    return Settings(cache_dir=kg_cache)


@pytest.fixture(scope="session")
def repo(kg_cache, settings):
    """The repository's data dir, with the shared cache built (once per run, not per worker)."""
    from kg.store.cache import ensure_cache
    from kg.project.paths import DataDir

    data_dir = DataDir(REPO_ROOT)
    with open(kg_cache / ".test-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ensure_cache(data_dir, settings=settings)
    return data_dir


@pytest.fixture()
def data_copy(tmp_path, repo):
    """A writable copy of ontology/, data/ and queries/ (same bytes, so the same cache entry)."""
    from kg.project.paths import DataDir

    return DataDir(copy_data_dir(tmp_path / "kgdata"))


#: The slowest modules (about a minute each on one core; `--durations` shows them), run
#: first: with one module per worker (``--dist loadfile``), a long module started last
#: leaves the other core idle at the end.
SLOW_MODULES = ("test_queries_10k.py", "test_reasoner_differential.py", "test_queries_catalogue.py",
                "test_add_hardening.py", "test_backends.py", "test_serve_limits.py", "test_fastreason.py",
                "test_virtuoso.py")


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(SLOW_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_MODULES)))  # stable: order kept within
