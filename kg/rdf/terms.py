"""Conversions between pyoxigraph and rdflib terms (rdflib imported lazily by callers)."""
from __future__ import annotations

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


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
