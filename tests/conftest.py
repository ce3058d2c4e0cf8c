"""Shared paths for the tests: the repository, its ontology, shapes and data, and the articles."""
from pathlib import Path

import pytest

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
