"""The one noise rule: which inferred triples never reach the inferred graph.

Both reasoners derive triples that are bookkeeping, not knowledge: triples that are not
valid RDF (literal subject, non-IRI predicate), anything with a blank-node object, triples
about the rdf:, rdfs:, owl: and xsd: vocabularies, ``x a owl:Thing`` and the other trivial
types, reflexive or trivial ``rdfs:subClassOf`` / ``owl:equivalentClass`` /
``rdfs:subPropertyOf`` / ``owl:equivalentProperty`` / ``owl:sameAs`` statements, and
owlrl's error triples. The rule is written once (``noise_between``, on IRIs as plain
strings); ``is_noise`` applies it to rdflib terms (kg.engine.reference.reason) and
``is_noise_text`` to term texts in N-Triples / SPARQL TSV syntax (kg.engine.fast).

Layer: kg.engine. Imports kg.rdf.vocab only (rdflib inside ``is_noise``).
"""
from __future__ import annotations

from kg.rdf.vocab import OWL, RDF, RDF_TYPE, RDFS, XSD

#: owlrl's namespace for the inconsistencies it reports.
ERRNS = "http://www.daml.org/2002/03/agents/agent-ont#"
#: The vocabularies nothing is inferred about.
VOCABULARIES = (OWL, RDF, RDFS, XSD)
#: Types every resource (or every datatype) has.
TRIVIAL_TYPES = frozenset({OWL + "Thing", RDFS + "Resource", RDFS + "Datatype", RDFS + "Literal",
                           OWL + "DataRange"})
#: Predicates whose reflexive statements (and statements about the top class) are trivial.
REFLEXIVE = frozenset({RDFS + "subClassOf", OWL + "equivalentClass", RDFS + "subPropertyOf",
                       OWL + "equivalentProperty", OWL + "sameAs"})
#: The top classes: ``C rdfs:subClassOf owl:Thing`` says nothing.
TOP_CLASSES = (OWL + "Thing", RDFS + "Resource")


def noise_between(subject: str, predicate: str, obj: str) -> bool:
    """The rule for a triple whose subject and predicate are IRIs and whose object is not a
    blank node: ``subject`` and ``predicate`` are IRIs, ``obj`` the object's IRI or a
    literal's text (all plain strings, without angle brackets)."""
    return (subject.startswith(VOCABULARIES)
            or (predicate == RDF_TYPE and obj in TRIVIAL_TYPES)
            or (predicate in REFLEXIVE and (subject == obj or obj in TOP_CLASSES))
            or predicate.startswith(ERRNS) or obj.startswith(ERRNS))


def is_noise(s, p, o) -> bool:
    """True for an inferred triple (rdflib terms) that must not leak into the inferred graph."""
    from rdflib import BNode, URIRef

    if not isinstance(s, URIRef) or not isinstance(p, URIRef) or isinstance(o, BNode):
        return True
    return noise_between(str(s), str(p), str(o))


def is_noise_text(s: str, p: str, o: str) -> bool:
    """``is_noise`` on term texts (``<iri>``, ``_:b``, a literal in Turtle syntax)."""
    if not s.startswith("<") or not p.startswith("<") or o.startswith("_:"):
        return True
    return noise_between(s[1:-1], p[1:-1], o[1:-1] if o.startswith("<") else o)
