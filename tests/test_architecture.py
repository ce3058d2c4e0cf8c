"""The package's shape (README "Layout"): layers that import one way, no cycles, no private
names across modules, no environment reads below kg.config, short modules."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted((ROOT / "kg").rglob("*.py"))
MAX_LINES = 500
#: A module longer than MAX_LINES says why in its docstring with this phrase.
LONG_MODULE_NOTE = "Longer than 500 lines because"
#: Where the environment may be read: the settings, the CLI that builds them, and the server's
#: worker start-up (it hands its own environment to a child interpreter).
ENVIRONMENT_READERS = {"kg/config.py", "kg/cli.py", "kg/web/worker.py"}


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_import_linter_contracts_hold():
    """pyproject.toml [tool.importlinter]: the layers contract (imports inside functions count)
    and no import cycle between sibling modules."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "2 kept, 0 broken" in done.stdout, done.stdout[-2000:]


def test_a_contract_violation_is_caught(tmp_path):
    """The contract really fails on an upward import (so the test above can fail)."""
    lint = Path(sys.executable).with_name("lint-imports")
    package = tmp_path / "kg"
    for sub in ("", "rdf", "ops"):
        (package / sub).mkdir(parents=True, exist_ok=True)
        (package / sub / "__init__.py").write_text("")
    (package / "rdf" / "vocab.py").write_text("def later():\n    from kg.ops import tool\n")
    (package / "ops" / "tool.py").write_text("import kg.rdf.vocab\n")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = kg\n\n[importlinter:contract:layers]\nname = layers\n"
        "type = layers\nlayers =\n    kg.ops\n    kg.rdf\n")
    done = subprocess.run([str(lint), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode != 0 and "kg.rdf.vocab -> kg.ops.tool" in done.stdout, done.stdout


def test_no_private_name_is_imported_from_another_module():
    found = []
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kg"):
                found += [f"{_name(path)}:{node.lineno}: {node.module}.{a.name}"
                          for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
    assert not found, "\n".join(found)


def test_environment_is_read_only_by_the_settings_layer():
    found = []
    for path in MODULES:
        if _name(path) in ENVIRONMENT_READERS:
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv", "unsetenv") \
                    and isinstance(node.value, ast.Name) and node.value.id == "os":
                found.append(f"{_name(path)}:{node.lineno}: os.{node.attr}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_module_is_short_or_says_why(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    if lines > MAX_LINES:
        doc = ast.get_docstring(_tree(path)) or ""
        assert LONG_MODULE_NOTE in doc, f"{_name(path)} has {lines} lines and no '{LONG_MODULE_NOTE} ...'"


@pytest.mark.parametrize("path", [p for p in MODULES if p.name not in ("__main__.py",)], ids=_name)
def test_module_docstring_names_its_layer(path):
    doc = ast.get_docstring(_tree(path)) or ""
    assert "Layer:" in doc, f"{_name(path)}: the docstring does not say 'Layer: ...'"
