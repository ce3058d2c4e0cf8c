"""Every conversion of an RDF term: pyoxigraph <-> rdflib, term <-> text (N-Triples and
SPARQL TSV syntax), and term -> display text (for tables, reports, property paths, XML
output checks).

Layer: kg.rdf. Imports only kg.errors and kg.rdf.vocab; rdflib and pyoxigraph are
imported inside the functions that need them.
"""
from __future__ import annotations

import re

from kg.errors import OutputError
from kg.rdf.vocab import SH, XSD, XSD_STRING, shorten


def ox_to_rdflib(term):
    """pyoxigraph NamedNode / BlankNode / Literal -> rdflib URIRef / BNode / Literal."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    if term is None:
        return None
    raise TypeError(f"unsupported term {term!r}")


def rdflib_to_ox(term):
    """rdflib URIRef / BNode / Literal -> pyoxigraph NamedNode / BlankNode / Literal."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(_bnode_id(str(term)))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if term is None:
        return None
    raise TypeError(f"unsupported term {term!r}")


def _bnode_id(value: str) -> str:
    return value if value.replace("_", "a").replace("-", "a").isalnum() else "b" + str(abs(hash(value)))


def to_ntriples(term) -> str:
    """N-Triples form of a pyoxigraph term (or '' for None), e.g. for comparisons and sorting."""
    return "" if term is None else str(term)


# Term texts in SPARQL TSV syntax (the fast reasoner's exchange format with Nemo): N-Triples
# except that integers, decimals, doubles and booleans are written bare (``1``, ``true``).
_TSV_BARE_DATATYPES = {XSD + "integer", XSD + "decimal", XSD + "double", XSD + "boolean"}


def tsv_text(term) -> str:
    """The text pyoxigraph's SPARQL TSV writer gives a pyoxigraph term (after the term has
    been read back as SPARQL, so numbers come out in canonical form)."""
    import pyoxigraph as ox

    store = ox.Store()
    result = store.query(f"SELECT ?x WHERE {{ VALUES ?x {{ {term} }} }}")
    return result.serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8").split("\n")[1]


def tsv_of(term) -> str:
    """TSV text of a stored pyoxigraph term: its N-Triples text, or ``tsv_text`` for the
    datatypes TSV writes bare."""
    import pyoxigraph as ox

    if isinstance(term, ox.Literal) and term.datatype.value in _TSV_BARE_DATATYPES:
        return tsv_text(term)
    return str(term)


def term_from_text(text: str):
    """The pyoxigraph term of a term text (N-Triples or TSV syntax); None for a text that
    cannot be the object of a stored triple."""
    import pyoxigraph as ox

    try:
        triple = next(iter(ox.parse(f"<urn:x:s> <urn:x:p> {text} .".encode("utf-8"),
                                    format=ox.RdfFormat.TURTLE)))
    except (SyntaxError, StopIteration, ValueError):
        return None
    return triple.object


# Characters XML 1.0 cannot contain at all, not even as character references
# (https://www.w3.org/TR/xml/#charsets): U+0000, the C0 controls but tab/LF/CR, U+FFFE/U+FFFF.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_unwritable(where: str, char: str, alternatives: str) -> OutputError:
    return OutputError(f"cannot write XML: {where} contains U+{ord(char):04X}, which XML 1.0 cannot "
                       f"represent, not even escaped", hint=f"use {alternatives}")


def check_xml_triples(triples, *, alternatives: str = "--format ntriples or --format turtle") -> None:
    """Raise OutputError naming the subject and predicate of the first literal XML 1.0 cannot hold."""
    import pyoxigraph as ox

    for t in triples:
        if isinstance(t.object, ox.Literal):
            match = XML_FORBIDDEN.search(t.object.value)
            if match:
                raise xml_unwritable(f"the literal of {t.subject} {t.predicate}", match.group(), alternatives)


def term_kind(term) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return "uri"
    if isinstance(term, ox.BlankNode):
        return "bnode"
    if isinstance(term, ox.Literal):
        return "literal"
    return "triple"


def display(term, *, width: int | None = None) -> str:
    """Short human form: ``kg:psp`` for IRIs, the bare value for literals."""
    if term is None:
        return ""
    kind = term_kind(term)
    if kind == "uri":
        text = shorten(term.value)
    elif kind == "bnode":
        text = f"_:{term.value}"
    elif kind == "literal":
        text = term.value
    else:
        text = str(term)
    text = " ".join(text.split())
    if width and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def report_term_text(term, graph) -> str | None:
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return shorten(str(term))
    if isinstance(term, Literal):
        return str(term)
    if isinstance(term, BNode):
        path = path_text(term, graph)
        if path:
            return path
        # An anonymous shape: show its Turtle-ish description.
        pairs = sorted(f"{shorten(str(p))} {report_term_text(o, graph) if not isinstance(o, BNode) else '[...]'}"
                       for p, o in graph.predicate_objects(term))
        return "[" + "; ".join(pairs) + "]" if pairs else "[]"
    return str(term)


def path_text(node, graph, iri=shorten) -> str | None:
    """SHACL property path in SPARQL syntax: a|b, a/b, ^a, a*, a+, a?; ``iri`` writes each
    IRI (default: prefixed, as kg:x)."""
    from rdflib import RDF, BNode, URIRef
    from rdflib.collection import Collection

    if isinstance(node, URIRef):
        return iri(str(node))
    if not isinstance(node, BNode):
        return None
    if (node, RDF.first, None) in graph:
        parts = [path_text(item, graph, iri) for item in Collection(graph, node)]
        return "/".join(p or "?" for p in parts)
    for local, fmt in (("alternativePath", None), ("inversePath", "^{}"), ("zeroOrMorePath", "{}*"),
                       ("oneOrMorePath", "{}+"), ("zeroOrOnePath", "{}?")):
        inner = graph.value(node, URIRef(SH + local))
        if inner is None:
            continue
        if fmt is None:
            return "|".join(path_text(i, graph, iri) or "?" for i in Collection(graph, inner))
        return fmt.format(path_text(inner, graph, iri) or "?")
    return None
