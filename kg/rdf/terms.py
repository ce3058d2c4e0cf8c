"""Every conversion of an RDF term: pyoxigraph <-> rdflib, and term -> text (for tables,
reports, property paths, XML output checks).

Layer: kg.rdf. Imports only kg.errors and kg.rdf.vocab; rdflib and pyoxigraph are
imported inside the functions that need them.
"""
from __future__ import annotations

import re

from kg.errors import OutputError
from kg.rdf.vocab import SH, XSD_STRING, shorten


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
