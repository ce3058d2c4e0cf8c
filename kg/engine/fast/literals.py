"""What pyoxigraph changes in literals as it loads them, which the fast validator must refuse.

A valid ``"5"^^xsd:int`` is stored as ``"5"^^xsd:integer`` and an ``xsd:dateTimeStamp`` as an
``xsd:dateTime`` (upstream oxigraph issue #1413); ``"4.0"^^xsd:decimal`` comes back as
``"4"``. A report that reads or names such a value would differ from pyshacl's.

Layer: kg.engine (fast). Imports kg.errors and kg.rdf.vocab; pyoxigraph inside a function.
"""
from __future__ import annotations

import re

from kg.errors import UnsupportedShape
from kg.rdf.vocab import XSD

#: Datatypes pyoxigraph does not keep (stored as xsd:integer or xsd:dateTime).
REWRITTEN_DATATYPES = {XSD + d for d in (
    "byte", "short", "int", "long", "unsignedByte", "unsignedShort", "unsignedInt", "unsignedLong",
    "positiveInteger", "nonNegativeInteger", "negativeInteger", "nonPositiveInteger", "dateTimeStamp")}
_REWRITTEN_NAMES = b"|".join(d[len(XSD):].encode() for d in sorted(REWRITTEN_DATATYPES))
#: A literal typed with one of them, in Turtle / N-Triples (^^xsd:int, ^^<...#int>), RDF/XML
#: (rdf:datatype="...#int") or JSON-LD ("@type": "xsd:int"); any prefix, to be safe.
_REWRITTEN_IN_INPUT = re.compile(
    rb"(?:\^\^\s*(?:<[^>\s]*#|[A-Za-z0-9_.-]*:)|datatype\s*=\s*[\"'][^\"']*#|\"@type\"\s*:\s*\"[^\"]*[#:])"
    rb"(?:" + _REWRITTEN_NAMES + rb")(?![A-Za-z0-9_.-])")


def check_datatypes_as_written(data: bytes, where: str = "the data") -> None:
    """Raise UnsupportedShape when ``data`` (a file's bytes) has a literal whose datatype
    pyoxigraph would rewrite on loading (``REWRITTEN_DATATYPES``): every result that
    reads or reports such a value would differ from pyshacl's."""
    match = _REWRITTEN_IN_INPUT.search(data)
    if match:
        raise UnsupportedShape(f"{where} has a literal typed {match.group(0).decode('utf-8', 'replace')!r}, which "
                               "pyoxigraph stores with another datatype: validated with pyshacl")


#: One empty store, made on first use, to ask pyoxigraph how it writes a literal.
_EMPTY_STORE = []


def stored_form(text: str) -> str:
    """How pyoxigraph writes the literal ``text`` (N-Triples) back: its canonical form
    ("" when it cannot read it)."""
    import pyoxigraph as ox

    if not _EMPTY_STORE:
        _EMPTY_STORE.append(ox.Store())
    try:
        rows = list(_EMPTY_STORE[0].query(f"SELECT ?x WHERE {{ VALUES ?x {{ {text} }} }}"))
    except SyntaxError:
        return ""
    return str(rows[0]["x"]) if rows else ""
