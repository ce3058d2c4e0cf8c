"""Atomic file writes (a temporary file in the same directory, then os.replace), the mode
the umask gives them, and the lock that serialises the writers of ``data/``.

Layer: base; imports kg.errors only.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from kg.errors import OutputError

#: Temporaries of atomic_write: ``.<name>.<random>.tmp`` next to the target.
TEMP_PREFIX = "."
TEMP_SUFFIX = ".tmp"


def current_umask() -> int:
    """The process umask, without changing it (from /proc when it can; else set and restore)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)  # no /proc: the only way to read it is to set it (briefly)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode open() would give a new file: 0o666 minus the umask (0o644 for umask 022)."""
    return 0o666 & ~current_umask()


@contextmanager
def atomic_output(path):
    """A binary file to write ``path`` through: a temporary file in the same directory that
    replaces ``path`` (os.replace) when the block ends; on any failure it is removed, so no
    partial file is left. The file gets the mode the umask gives a new file (mkstemp alone
    would make it 0600)."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"{path}: directory {directory} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", suffix=TEMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), file_mode())
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write(path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_output`)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    with atomic_output(path) as handle:
        handle.write(data)
    return Path(path)


def remove_stale_temporaries(directory) -> list[Path]:
    """Delete the dot-temporaries (``.*.tmp``) a killed writer left in ``directory``.

    Only safe while holding the directory's writer lock (``locked``): then no live writer
    owns one. Returns what was removed.
    """
    removed = []
    for path in Path(directory).glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        if not path.name.startswith(TEMP_PREFIX) or path.is_symlink() or not path.is_file():
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


@contextmanager
def locked(lock_path):
    """Hold an exclusive ``fcntl.flock`` on ``lock_path`` while inside; the file is created
    for the purpose and removed on the way out (so the directory is left as it was).

    Removal is safe: it happens while the lock is held, and a waiter that then gets the
    lock of the removed file sees that ``lock_path`` is no longer that file and tries
    again. The lock goes with the process: a writer killed with -9 releases it (and
    leaves the empty file, which the next writer takes and removes).
    """
    import fcntl

    lock_path = Path(lock_path)
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            raise OutputError(f"{lock_path}: cannot take the writer lock ({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held = os.fstat(fd)
            try:
                current = os.stat(lock_path)
            except FileNotFoundError:
                current = None
        except BaseException:
            os.close(fd)
            raise
        if current is not None and (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
            break
        os.close(fd)  # the previous holder removed that file: take the new one
    try:
        yield lock_path
    finally:
        try:
            os.unlink(lock_path)
        except OSError:
            pass
        os.close(fd)  # releases the lock
