"""Safe, strict reading of RDF files, without rdflib (pyoxigraph only).

Every input is parsed with pyoxigraph first: it is strict (an IRI with a space, a quote
or an angle bracket is an error, not a warning), reports line and column, and does not
recurse on nesting, so deeply nested input cannot raise RecursionError. Nothing here
opens a network connection: only local paths are read, RDF/XML with a DTD or entity
declarations is refused before parsing, and JSON-LD remote contexts are never loaded.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from kg.errors import InputError, ParseError, UnsafeInputError

#: Largest input accepted from `kg validate` / `kg add` (bytes); override with KG_MAX_INPUT_BYTES.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: The limit for the files of the KG's own data dir (the user's own data: rosters run to
#: hundreds of MB); only files given to `kg validate` / `kg add` are untrusted.
UNLIMITED = 1 << 62

EXTENSIONS = {
    ".ttl": "TURTLE",
    ".turtle": "TURTLE",
    ".nt": "N_TRIPLES",
    ".nq": "N_QUADS",
    ".trig": "TRIG",
    ".rdf": "RDF_XML",
    ".owl": "RDF_XML",
    ".xml": "RDF_XML",
    ".jsonld": "JSON_LD",
    ".json": "JSON_LD",
}

_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ERROR_POSITION = re.compile(r"^Parser error (?:at|between) line (\d+)"
                             r"(?: between columns (\d+) and \d+| column (\d+)(?: and line \d+ column \d+)?)?: ")


def format_name(path: Path) -> str:
    """The pyoxigraph RdfFormat name for a file, from its extension."""
    try:
        return EXTENSIONS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(EXTENSIONS))
        raise InputError(f"{path}: unknown RDF file extension {path.suffix!r} (known: {known})") from None


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """Read a local file, refusing URLs, directories and oversized files."""
    text = str(path)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        raise InputError(f"{text}: only local files are read, never URLs")
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    limit = max_bytes if max_bytes is not None else int(os.environ.get("KG_MAX_INPUT_BYTES", DEFAULT_MAX_BYTES))
    size = path.stat().st_size
    if size > limit:
        raise UnsafeInputError(f"file is {size} bytes, larger than the limit of {limit}",
                               path=path, hint="raise KG_MAX_INPUT_BYTES if the file is trusted")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def _check_safe(data: bytes, path: Path, fmt: str) -> None:
    if fmt == "RDF_XML":
        match = _DTD.search(data)
        if match:
            line = data.count(b"\n", 0, match.start()) + 1
            raise UnsafeInputError("RDF/XML with a DTD or entity declaration is refused "
                                   "(no external entities, no entity expansion)", path=path, line=line)


def parse_quads(path: Path, *, max_bytes: int | None = None):
    """Parse one local RDF file strictly; return a list of pyoxigraph Quads.

    Raises ParseError (file, line, column) or UnsafeInputError.
    """
    import pyoxigraph as ox

    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", str(path)):
        raise InputError(f"{path}: only local files are read, never URLs")
    path = Path(path)
    fmt = format_name(path)
    data = read_bytes(path, max_bytes)
    _check_safe(data, path, fmt)
    try:
        return list(ox.parse(data, format=getattr(ox.RdfFormat, fmt), base_iri=None,
                             rename_blank_nodes=True, lenient=False))
    except SyntaxError as exc:
        error = _parse_error(exc, path)
        if "LoadDocumentCallback" in error.reason:
            raise UnsafeInputError("JSON-LD with a remote @context is refused: remote contexts are "
                                   "never fetched; inline the context", path=path) from None
        raise error from None
    except (ValueError, OSError) as exc:
        raise ParseError(str(exc), path=path) from None
    except RecursionError:
        raise UnsafeInputError("input is nested too deeply", path=path) from None


def _parse_error(exc: SyntaxError, path: Path) -> ParseError:
    message = str(exc.msg if getattr(exc, "msg", None) else exc)
    message = re.sub(r"\s*\([^()]*, line \d+\)$", "", message)
    line, column = getattr(exc, "lineno", None), getattr(exc, "offset", None)
    match = _ERROR_POSITION.match(message)
    if match:
        line = int(match.group(1))
        column = int(match.group(2) or match.group(3)) if (match.group(2) or match.group(3)) else column
        message = message[match.end():]
    return ParseError(message, path=path, line=line, column=column)
