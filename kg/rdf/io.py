"""Safe, strict reading of RDF files, without rdflib (pyoxigraph only).

Every input is parsed with pyoxigraph first: it is strict (an IRI with a space, a quote
or an angle bracket is an error, not a warning) and reports line and column. Nothing here
opens a network connection: only local paths are read, RDF/XML with a DTD or entity
declarations is refused before parsing, and JSON-LD remote contexts are never loaded.

Layer: kg.rdf. Imports kg.errors and kg.config (the default limits) only. The limits come in
as arguments (``max_bytes``, ``max_nesting``: kg.config.Settings holds the user's).

Checks made before a file reaches the parser (``check_safe``; ``load_into_store``, the
pyoxigraph loader, makes them too):

* nesting depth (``nesting_exceeds``, at most ``max_nesting`` levels, default 256), by a linear
  scan that skips strings, IRIs and comments. pyoxigraph 0.5 does not survive deep nesting:
  JSON-LD objects take memory quadratic in the depth (200 MB at 1,000 levels, 1.7 GB at
  3,000) and crash the process (SIGSEGV) from about 4,000; Turtle/TriG/N-Triples triple
  terms ``<<( ... )>>`` crash from about 20,000; Turtle ``[`` / ``(`` nesting takes about
  0.8 KB per level (700 MB for a 4 MB file of a million levels); RDF/XML takes time
  quadratic in the element depth (40,000 levels: 45 s);
* a leading UTF-8 byte order mark is dropped (``read_bytes``), UTF-16 is refused;
* an HTML page saved under an RDF extension is named as such;
* JSON-LD: a statement that strict JSON-LD processing would drop silently (an IRI that is
  not valid or not absolute, such as ``"@id": "http://exa mple.org/x"`` or a key with no
  @context term) is an error naming the IRI (``_check_jsonld_dropped``).

``check_input`` adds, for a file handed to ``kg validate`` / ``kg add``, that it holds at
least one triple.
"""
from __future__ import annotations

import re
from pathlib import Path

from kg.config import DEFAULT_MAX_INPUT_BYTES as DEFAULT_MAX_BYTES
from kg.config import DEFAULT_MAX_NESTING
from kg.errors import InputError, ParseError, UnsafeInputError

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
LABELS = {"TURTLE": "Turtle", "N_TRIPLES": "N-Triples", "N_QUADS": "N-Quads", "TRIG": "TriG",
          "RDF_XML": "RDF/XML", "JSON_LD": "JSON-LD"}

UTF8_BOM = b"\xef\xbb\xbf"
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_HTML = re.compile(rb"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                   rb"(<(?:!doctype\s+html|html|head|body)(?=[\s>/]))", re.IGNORECASE | re.DOTALL)
_ERROR_POSITION = re.compile(r"^Parser error (?:at|between) line (\d+)"
                             r"(?: between columns (\d+) and \d+| column (\d+)(?: and line \d+ column \d+)?)?: ")

# --- nesting scan -------------------------------------------------------------------------
# Each format: a pattern of what holds no structure (strings, IRIs, comments, escapes; XML
# comments, CDATA, processing instructions, attribute values), removed first; then every
# byte but the opening and closing ones is deleted and the depth is the running balance.
_TURTLE_SKIP = re.compile(
    rb'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    rb'|"[^"\\\n\r]*(?:\\.[^"\\\n\r]*)*"'
    rb"|'[^'\\\n\r]*(?:\\.[^'\\\n\r]*)*'"
    rb'|<[^<>"{}|^`\\\x00-\x20]*>'
    rb"|#[^\n\r]*"
    rb"|\\.", re.DOTALL)
_JSON_SKIP = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_XML_SKIP = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^<>]*>", re.DOTALL)
_XML_ATTRIBUTE = re.compile(rb'"[^"<]*"|' + rb"'[^'<]*'")
_XML_CLOSE = re.compile(rb"</[^<>]*>")
_XML_EMPTY = re.compile(rb"<[^<>]*/>")
_XML_OPEN = re.compile(rb"<[^<>]*>")
_OPEN, _CLOSE = 0x01, 0x02  # XML tags are reduced to these bytes (not allowed in XML text)

_BRACKETS = {  # format family -> (opening bytes, closing bytes) left after the skip pattern
    "turtle": (b"[({<", b"])}>"),
    "json": (b"[{", b"]}"),
    "xml": (bytes([_OPEN]), bytes([_CLOSE])),
}
_FAMILY = {"TURTLE": "turtle", "TRIG": "turtle", "N_TRIPLES": "turtle", "N_QUADS": "turtle",
           "JSON_LD": "json", "RDF_XML": "xml"}


def format_name(path: Path) -> str:
    """The pyoxigraph RdfFormat name for a file, from its extension."""
    try:
        return EXTENSIONS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(EXTENSIONS))
        raise InputError(f"{path}: unknown RDF file extension {path.suffix!r} (known: {known})") from None


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """Read a local file, refusing URLs, directories and files over ``max_bytes`` (None:
    DEFAULT_MAX_BYTES).

    A leading UTF-8 byte order mark is dropped (every RDF format read here is UTF-8 text;
    pyoxigraph's Turtle and N-Triples parsers take the BOM for a stray character).
    """
    text = str(path)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        raise InputError(f"{text}: only local files are read, never URLs")
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    limit = max_bytes if max_bytes is not None else DEFAULT_MAX_BYTES
    size = path.stat().st_size
    if size > limit:
        raise UnsafeInputError(f"file is {size} bytes, larger than the limit of {limit}",
                               path=path, hint="raise KG_MAX_INPUT_BYTES if the file is trusted")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    return data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data


def _structure(data: bytes, family: str) -> bytes:
    """Only the opening and closing bytes of ``data``, in order (strings, IRIs, comments out)."""
    if family == "turtle":
        data = _TURTLE_SKIP.sub(b"", data).replace(b"<<", b"<").replace(b">>", b">")
    elif family == "json":
        data = _JSON_SKIP.sub(b"", data)
    else:
        data = _XML_SKIP.sub(b"", data)
        data = _XML_ATTRIBUTE.sub(b"", data)
        data = _XML_CLOSE.sub(bytes([_CLOSE]), data)
        data = _XML_EMPTY.sub(b"", data)
        data = _XML_OPEN.sub(bytes([_OPEN]), data)
    opens, closes = _BRACKETS[family]
    keep = set(opens + closes)
    return data.translate(None, bytes(b for b in range(256) if b not in keep))


def nesting_exceeds(data: bytes, fmt: str, limit: int) -> bool:
    """Is ``data`` (an RdfFormat name) nested more than ``limit`` levels deep?

    Linear in the size, in C-speed passes (regex substitution, translate, count); memory: a
    copy of the data without its strings and comments. The balance is walked byte by byte
    only in chunks of ``limit // 2`` brackets that start deeper than ``limit // 2``, that is
    never for ordinary data. A stray closing bracket (a syntax error, where the parser
    stops) cannot take the balance below 0.
    """
    family = _FAMILY[fmt]
    opens, closes = _BRACKETS[family]
    if sum(data.count(bytes([b])) for b in (b"<" if family == "xml" else opens)) <= limit:
        return False  # cannot be deeper than its number of opening brackets (tags)
    flags = _structure(data, family).translate(bytes(1 if b in opens else 0 for b in range(256)))
    step = max(1, limit // 2)
    depth = 0
    for start in range(0, len(flags), step):
        chunk = flags[start:start + step]
        ups = chunk.count(1)
        if depth + ups <= limit:  # cannot pass the limit within this chunk
            depth = max(0, depth + 2 * ups - len(chunk))
            continue
        for flag in chunk:
            if flag:
                depth += 1
                if depth > limit:
                    return True
            elif depth:
                depth -= 1
    return False


def _check_nesting(data: bytes, path: Path, fmt: str, limit: int) -> None:
    if nesting_exceeds(data, fmt, limit):
        label = LABELS[fmt]
        raise UnsafeInputError(
            f"{label} nested deeper than the limit of {limit} levels is refused "
            f"(deeply nested input can crash the parser or exhaust memory)", path=path,
            hint="flatten the data (name the nested nodes), or raise KG_MAX_NESTING if the file is trusted")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def check_safe(data: bytes, path: Path, fmt: str, *, jsonld_dropped: bool = True,
                max_nesting: int = DEFAULT_MAX_NESTING) -> None:
    """Everything checked before ``data`` (read by ``read_bytes``) reaches the parser."""
    label = LABELS[fmt]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ParseError(f"the file is UTF-16 encoded (it starts with a UTF-16 byte order mark); "
                         f"{label} must be UTF-8", path=path,
                         hint=f"convert it, for example: iconv -f UTF-16 -t UTF-8 {path}")
    match = _HTML.match(data[:8192])
    if match:
        raise ParseError(f"the file looks like an HTML page, not {label} (it starts with "
                         f"{match.group(1).decode('ascii', 'replace')!r})", path=path,
                         line=_line_of(data, match.start(1)),
                         hint="a web page was saved instead of the data: download the raw file "
                              "(on GitHub, the 'Raw' button) or export the data from its source")
    if fmt == "RDF_XML":
        match = _DTD.search(data)
        if match:
            raise UnsafeInputError("RDF/XML with a DTD or entity declaration is refused "
                                   "(no external entities, no entity expansion)", path=path,
                                   line=_line_of(data, match.start()))
    _check_nesting(data, path, fmt, max_nesting)
    if fmt == "JSON_LD" and jsonld_dropped:
        _check_jsonld_dropped(data, path)


def _parse(data: bytes, fmt: str, *, lenient: bool = False, base_iri: str | None = None):
    import pyoxigraph as ox

    return ox.parse(data, format=getattr(ox.RdfFormat, fmt), base_iri=base_iri,
                    rename_blank_nodes=True, lenient=lenient)


def _check_jsonld_dropped(data: bytes, path: Path, strict_count: int | None = None) -> None:
    """Refuse JSON-LD that strict processing would turn into fewer statements than written.

    JSON-LD expansion drops, without an error, every statement whose subject, predicate,
    object or graph is not a valid absolute IRI (``"@id": "http://exa mple.org/x"``, a
    relative ``"@id"`` with no base, a key with no @context term). pyoxigraph's lenient mode
    skips IRI validation and keeps them. So: count the statements strictly and leniently;
    if lenient has more, the extra statements were dropped, and the first invalid IRI of
    the lenient ones is named (its line too when it is written literally in the file).
    The strict count comes from the caller when it already parsed the file.
    """
    import hashlib

    key = hashlib.blake2b(data, digest_size=16).digest()
    if key in _JSONLD_CHECKED:  # the same bytes were checked already (kg add reads a file 3 times)
        return
    try:
        lenient = sum(1 for _ in _parse(data, "JSON_LD", lenient=True))
        if strict_count is None:
            strict_count = sum(1 for _ in _parse(data, "JSON_LD"))
    except (SyntaxError, ValueError, OSError):
        return  # the strict parse reports it
    if lenient <= strict_count:
        if len(_JSONLD_CHECKED) > 64:
            _JSONLD_CHECKED.clear()
        _JSONLD_CHECKED.add(key)
        return
    bad = _first_invalid_iri(_parse(data, "JSON_LD", lenient=True))
    dropped = lenient - strict_count
    if bad is None:
        raise ParseError(f"strict JSON-LD processing drops {dropped} of {lenient} statements "
                         "(an invalid IRI, language tag or value)", path=path)
    value, reason = bad
    line = column = None
    import json

    needle = json.dumps(value, ensure_ascii=False).encode("utf-8")
    found = data.find(needle)
    if found >= 0:
        line = _line_of(data, found)
        column = found - (data.rfind(b"\n", 0, found) + 1) + 1
    kind = "not an absolute IRI" if "scheme" in reason.lower() or ":" not in value else "an invalid IRI"
    raise ParseError(f"{value!r} is {kind} ({reason}): strict JSON-LD processing silently drops "
                     f"the statements using such IRIs ({dropped} of {lenient} here)", path=path, line=line,
                     column=column,
                     hint="write absolute IRIs (http://..., urn:...), or define the term in the @context "
                          "(a key that is no term and no IRI is dropped too)")


#: Digests (BLAKE2b of the bytes) of the JSON-LD inputs that passed _check_jsonld_dropped in
#: this process: a changed file has another digest, so an entry is never stale.
_JSONLD_CHECKED: set[bytes] = set()


def _first_invalid_iri(quads):
    """(IRI, reason) of the first invalid IRI among ``quads`` (parsed leniently), or None."""
    import pyoxigraph as ox

    seen: set[str] = set()

    def check(term):
        if isinstance(term, ox.NamedNode):
            value = term.value
            if value not in seen:
                seen.add(value)
                try:
                    ox.NamedNode(value)
                except ValueError as exc:
                    return value, str(exc)
        elif isinstance(term, ox.Literal):
            return check(term.datatype)
        elif isinstance(term, ox.Triple):
            return check(term.subject) or check(term.predicate) or check(term.object)
        return None

    for quad in quads:
        found = check(quad.subject) or check(quad.predicate) or check(quad.object) or check(quad.graph_name)
        if found:
            return found
    return None


def parse_quads(path: Path, *, max_bytes: int | None = None, require_triples: bool = False,
                base_iri: str | None = None, max_nesting: int = DEFAULT_MAX_NESTING):
    """Parse one local RDF file strictly; return a list of pyoxigraph Quads.

    ``require_triples``: a file without a single triple is an error (files handed to
    ``kg validate`` / ``kg add``). ``base_iri``: what relative IRIs resolve against (None:
    a relative IRI is an error; never fetched either way). Raises ParseError (file, line,
    column) or UnsafeInputError.
    """
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", str(path)):
        raise InputError(f"{path}: only local files are read, never URLs")
    path = Path(path)
    fmt = format_name(path)
    data = read_bytes(path, max_bytes)
    check_safe(data, path, fmt, jsonld_dropped=False, max_nesting=max_nesting)
    try:
        quads = list(_parse(data, fmt, base_iri=base_iri))
    except SyntaxError as exc:
        raise _syntax_error(exc, path) from None
    except (ValueError, OSError) as exc:
        raise ParseError(str(exc), path=path) from None
    except RecursionError:
        raise UnsafeInputError("input is nested too deeply", path=path) from None
    if fmt == "JSON_LD":
        _check_jsonld_dropped(data, path, strict_count=len(quads))
    if require_triples and not quads:
        raise _no_triples(data, path, fmt)
    return quads


def check_input(path, *, max_bytes: int | None = None, max_nesting: int = DEFAULT_MAX_NESTING) -> None:
    """The checks for a file handed to ``kg validate`` / ``kg add``, before the KG is read:
    every check of ``parse_quads`` (size, safety, nesting, HTML, JSON-LD drops) and at
    least one triple. The parse stops at the first triple (its errors past that point are
    found when the file is loaded). Raises InputError, ParseError or UnsafeInputError.
    """
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", str(path)):
        raise InputError(f"{path}: only local files are read, never URLs")
    path = Path(path)
    fmt = format_name(path)
    data = read_bytes(path, max_bytes)
    check_safe(data, path, fmt, max_nesting=max_nesting)
    try:
        for _quad in _parse(data, fmt):
            return
    except SyntaxError as exc:
        raise _syntax_error(exc, path) from None
    except (ValueError, OSError) as exc:
        raise ParseError(str(exc), path=path) from None
    raise _no_triples(data, path, fmt)


def _no_triples(data: bytes, path: Path, fmt: str) -> ParseError:
    what = "is empty" if not data.strip() else "holds no triples (only prefixes, comments or whitespace)"
    return ParseError(f"the {LABELS[fmt]} file {what}: no triples to validate or add", path=path,
                      hint="check that the right file was given and that it was saved completely")


def _syntax_error(exc: SyntaxError, path: Path) -> ParseError:
    error = parse_error(exc, path)
    if "LoadDocumentCallback" in error.reason:
        return UnsafeInputError("JSON-LD with a remote @context is refused: remote contexts are "
                                "never fetched; inline the context", path=path)
    return error


def parse_error(exc: SyntaxError, path: Path) -> ParseError:
    message = str(exc.msg if getattr(exc, "msg", None) else exc)
    message = re.sub(r"\s*\([^()]*, line \d+\)$", "", message)
    line, column = getattr(exc, "lineno", None), getattr(exc, "offset", None)
    match = _ERROR_POSITION.match(message)
    if match:
        line = int(match.group(1))
        column = int(match.group(2) or match.group(3)) if (match.group(2) or match.group(3)) else column
        message = message[match.end():]
    return ParseError(message, path=path, line=line, column=column)


def check_input_files(files, *, max_bytes: int | None = None, max_nesting: int = DEFAULT_MAX_NESTING) -> None:
    """``check_input`` for each file handed to ``kg validate`` / ``kg add`` (kg.ops.validate, kg.ops.add)."""
    for path in files:
        check_input(path, max_bytes=max_bytes, max_nesting=max_nesting)


def load_into_store(store, path, graph: str, *, max_bytes: int | None = None,
                    max_nesting: int = DEFAULT_MAX_NESTING) -> None:
    """Load one local file into the named graph ``graph`` of a pyoxigraph ``store``, with
    the checks and errors of ``parse_quads`` (named graphs in the file are flattened into
    ``graph``, as kg.project.load does)."""
    import pyoxigraph as ox

    path = Path(path)
    fmt = format_name(path)
    data = read_bytes(path, max_bytes)
    check_safe(data, path, fmt, max_nesting=max_nesting)
    try:
        if fmt in ("N_QUADS", "TRIG"):
            target = ox.NamedNode(graph)
            store.extend([ox.Quad(q.subject, q.predicate, q.object, target)
                          for q in ox.parse(data, format=getattr(ox.RdfFormat, fmt))])
        else:
            store.bulk_load(data, format=getattr(ox.RdfFormat, fmt), to_graph=ox.NamedNode(graph))
    except SyntaxError as exc:
        raise parse_error(exc, path) from None
    except (ValueError, OSError) as exc:
        raise ParseError(str(exc), path=path) from None
