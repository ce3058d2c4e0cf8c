"""Shared fixtures for the tests: the repository's paths, one reasoned-graph cache and one
10k synthetic graph for the whole run (both shared by the pytest-xdist workers), and
writable copies of the data directory.

Fixtures live here, not in a helper module: a session fixture imported into several test
modules is a separate fixture in each, so the cache would be rebuilt once per module."""
import fcntl
import importlib.util
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli_helpers import ROOT, copy_data_dir

#: bench/gen.py's arguments for the tests' one synthetic graph: about 10k triples, 5 % of the
#: facts and entities with a deliberate mistake (every kind the shapes and the reasoner tests
#: need), some facts about the article KG's own entities (so the stored queries find them).
SYNTHETIC_ARGS = {"target": 10000, "seed": 3, "violation_rate": 0.05, "link_kg": ROOT / "data"}
#: The article number of the clean addition (bench/gen.py --addition): after every synthetic one.
CLEAN_ADDITION_NUMBER = 900001


@pytest.fixture(scope="session")
def repo_root():
    return ROOT


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
    return ROOT / "tests" / "fixtures"


@pytest.fixture()
def listener():
    """A silent local TCP listener (serve_helpers.Listener) for tests that prove nothing connects out."""
    from serve_helpers import Listener
    sock = Listener()
    yield sock
    sock.close()


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    """A folder for the whole run, the same for every xdist worker (what is built once goes here)."""
    folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # every worker's basetemp sits in one per-run folder
        folder = folder.parent
    return folder


@contextmanager
def locked(path: Path):
    """Hold an exclusive lock on ``path`` (one builder at a time among the xdist workers)."""
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def kg_cache(run_dir):
    """One reasoned-graph cache ($KG_CACHE_DIR) for the run, built once under a file lock and
    shared by every xdist worker (entries are written atomically, so readers never see half)."""
    cache = run_dir / "kg-cache"
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

    data_dir = DataDir(ROOT)
    with locked(kg_cache / ".test-build.lock"):
        ensure_cache(data_dir, settings=settings)
    return data_dir


@pytest.fixture()
def data_copy(tmp_path, repo):
    """A writable copy of ontology/, data/ and queries/ (same bytes, so the same cache entry)."""
    from kg.project.paths import DataDir

    return DataDir(copy_data_dir(tmp_path / "kgdata"))


@dataclass(frozen=True)
class SyntheticGraph:
    """The tests' synthetic data (bench/gen.py with SYNTHETIC_ARGS), as Turtle files."""
    path: Path                 # the ~10k-triple graph (with gen.py's header comment)
    clean_addition: Path       # one clean article about the same entities (what `kg add` gets)
    injected: dict[str, int]   # the deliberate mistakes in ``path``, by kind


def load_bench_gen():
    """bench/gen.py as a module (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_gen", ROOT / "bench" / "gen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_synthetic(folder: Path) -> None:
    """Generate the synthetic graph and its clean addition into ``folder``; injected.json last."""
    gen = load_bench_gen()
    generator = gen.Generator(**SYNTHETIC_ARGS)
    graph = generator.run()
    with open(folder / "synthetic.ttl", "w", encoding="utf-8") as out:
        graph.write(out, "ttl", generator.header("test"))
    clean = gen.Generator(**SYNTHETIC_ARGS).run_addition(CLEAN_ADDITION_NUMBER)
    with open(folder / "clean-addition.ttl", "w", encoding="utf-8") as out:
        clean.write(out, "ttl", "clean addition")
    (folder / "injected.json").write_text(json.dumps(generator.injected), encoding="utf-8")


@pytest.fixture(scope="session")
def synthetic_graph(run_dir):
    """The synthetic graph, generated once per run under a file lock and shared by every xdist
    worker. Read-only: a test that adds it to a KG copies it into that KG's data dir."""
    folder = run_dir / "synthetic-10k"
    with locked(run_dir / ".synthetic-10k.lock"):
        if not (folder / "injected.json").is_file():
            folder.mkdir(exist_ok=True)
            write_synthetic(folder)
    injected = json.loads((folder / "injected.json").read_text(encoding="utf-8"))
    return SyntheticGraph(folder / "synthetic.ttl", folder / "clean-addition.ttl", injected)


#: The slowest modules (about a minute each on one core; `--durations` shows them), run
#: first: with one module per worker (``--dist loadfile``), a long module started last
#: leaves the other core idle at the end.
SLOW_MODULES = ("test_queries_10k.py", "test_reasoner_differential.py", "test_queries_catalogue.py",
                "test_add_hardening.py", "test_backends.py", "test_serve_limits.py", "test_fastreason.py",
                "test_virtuoso.py", "test_query_variants.py", "test_incremental.py")


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(SLOW_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_MODULES)))  # stable: order kept within
