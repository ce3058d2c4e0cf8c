"""Shared helpers for the kg package tests (the fixtures are in conftest.py)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "cli"
KG = "https://w3id.org/mqm-kg/id/"
MQM = "https://w3id.org/mqm-kg/ontology#"


def copy_data_dir(target: Path) -> Path:
    """A writable copy of ontology/, data/ and queries/ (same bytes, so same cache key)."""
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / folder, target / folder,
                        ignore=shutil.ignore_patterns(".*lock", "__pycache__"))
    return target


def read_graph(*paths):
    """One rdflib graph of every file in ``paths`` (format from the file name)."""
    from rdflib import Graph

    graph = Graph()
    for path in paths:
        graph.parse(path)
    return graph


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_kg(args, runner=None, **kwargs):
    """Invoke the CLI in-process with Click's CliRunner."""
    from click.testing import CliRunner

    from kg.cli import cli

    runner = runner or CliRunner()
    return runner.invoke(cli, [str(a) for a in args], obj={}, catch_exceptions=False, **kwargs)


def run_subprocess(args, *, env=None, cwd=None, timeout=300):
    """`python -m kg ...` in a new process; returns CompletedProcess (bytes)."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), full_env.get("PYTHONPATH")]))
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "kg", *map(str, args)], capture_output=True,
                          env=full_env, cwd=cwd or ROOT, timeout=timeout)


def assert_clean_error(result, code: int = 2, *needles: str) -> None:
    """Exit code as expected, an 'Error:' line, the needles in it, and no traceback."""
    output = result.output if hasattr(result, "output") else (result.stdout + result.stderr).decode()
    assert result.exit_code == code if hasattr(result, "exit_code") else result.returncode == code, output
    assert "Traceback" not in output, output
    assert "Error" in output, output
    for needle in needles:
        assert needle in output, (needle, output)
