"""Where the ontology, shapes, data and queries live, and which files are inputs.

A *data dir* is a root holding ``ontology/``, ``data/`` and ``queries/``. It is found in
this order: an explicit path (``--data-dir``); the current directory or the nearest folder
above it that is a data dir (as git finds its repository: run ``kg`` anywhere inside a clone
and it uses that clone); the ``KG_DATA_DIR`` environment variable; the repository root next
to the package (a clone or editable install); and the copy bundled into the wheel
(``kg/_bundled``), which is read-only (``DataDir.read_only``: ``kg add`` refuses to write there).

Layer: kg.project. Imports kg.errors.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kg.errors import DataDirError

ENV_VAR = "KG_DATA_DIR"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
BUNDLED = "_bundled"


@dataclass(frozen=True)
class DataDir:
    """A resolved data dir. All listings are sorted, so every consumer sees one order."""

    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def checks_dir(self) -> Path:
        return self.root / "queries" / "checks"

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / "shapes.ttl"

    def ontology_files(self) -> list[Path]:
        """Every ``ontology/*.ttl`` except the shapes."""
        return sorted(p for p in self.ontology_dir.glob("*.ttl")
                      if p.name != "shapes.ttl" and not p.name.startswith("."))

    def data_files(self) -> list[Path]:
        """Every ``data/*.ttl`` except dot-files (a writer's temporaries, editor files)."""
        return sorted(p for p in self.data_dir.glob("*.ttl") if not p.name.startswith("."))

    def shapes_files(self) -> list[Path]:
        return [self.shapes_file] if self.shapes_file.is_file() else []

    def input_files(self) -> list[Path]:
        """Every file the reasoned graph depends on (ontology, shapes, data), in load order."""
        return self.ontology_files() + self.shapes_files() + self.data_files()

    @property
    def read_only(self) -> str | None:
        """Why nothing may be written here (the installed package's bundled copy), or None."""
        root = self.root.resolve()
        if root == (PACKAGE_DIR / BUNDLED).resolve() or (root.name == BUNDLED and root.parent.name == "kg"):
            return "it is the copy of the data bundled in the installed kg package"
        if any(part in ("site-packages", "dist-packages") for part in root.parts):
            return "it is inside an installed package (site-packages)"
        return None

    def relpath(self, path: Path) -> str:
        """Path relative to the root in POSIX form; absolute if outside the root."""
        path = Path(path).resolve()
        try:
            return path.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def _is_data_dir(path: Path) -> bool:
    return (path / "ontology").is_dir() and (path / "data").is_dir()


def _looks_like_data_dir(path: Path) -> bool:
    """Stricter, for discovery from the current directory: ontology/*.ttl and data/."""
    try:
        return _is_data_dir(path) and any(p.suffix == ".ttl" for p in (path / "ontology").iterdir())
    except OSError:
        return False


def find_upwards(start: str | os.PathLike | None = None) -> Path | None:
    """The nearest data dir at or above ``start`` (default: the current directory), or None."""
    try:
        here = Path(start if start is not None else os.getcwd()).resolve()
    except OSError:  # the current directory was removed
        return None
    for folder in (here, *here.parents):
        if _looks_like_data_dir(folder):
            return folder
    return None


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> DataDir:
    """Find the data dir (see module docstring); raise DataDirError naming what was tried."""
    if explicit is not None:
        root = Path(explicit).expanduser().resolve()
        if not _is_data_dir(root):
            raise DataDirError(f"--data-dir {explicit}: not a data dir (needs ontology/ and data/ folders)")
        return DataDir(root)
    found = find_upwards()
    if found is not None:
        return DataDir(found)
    env = os.environ.get(ENV_VAR)
    if env:
        root = Path(env).expanduser().resolve()
        if not _is_data_dir(root):
            raise DataDirError(f"{ENV_VAR}={env}: not a data dir (needs ontology/ and data/ folders)")
        return DataDir(root)
    candidates = [PACKAGE_DIR.parent, PACKAGE_DIR / BUNDLED]
    for root in candidates:
        if _is_data_dir(root):
            return DataDir(root)
    tried = ", ".join(["the current directory and those above it", *(str(c) for c in candidates)])
    raise DataDirError(f"no data dir found (tried {tried})",
                       hint=f"pass --data-dir or set {ENV_VAR}")
