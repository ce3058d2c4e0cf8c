"""RESULTS.md sections that a bench script owns: ``<!-- section: NAME -->`` ... ``<!-- /section: NAME -->``.

bench/run.py keeps such blocks when it rewrites the file (run.kept_sections).
"""
from __future__ import annotations

from pathlib import Path


def write_section(path: Path, name: str, text: str) -> None:
    """Replace section ``name`` of ``path`` with ``text`` (or append it), leaving the rest as it is."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    begin, end = f"<!-- section: {name} -->", f"<!-- /section: {name} -->"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        tail = rest.split(end, 1)[1].lstrip("\n")
        new = head + text + ("\n" + tail if tail else "")
    else:
        new = old + ("\n" if old and not old.endswith("\n\n") else "") + text
    path.write_text(new, encoding="utf-8")
