"""Atomic file writes: a temporary file in the same directory, then os.replace."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from kg.errors import OutputError


def atomic_write(path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically; on any failure no partial file is left."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"{path}: directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path
