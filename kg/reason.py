"""OWL 2 RL reasoning with owlrl, into a copy: the asserted graphs are never touched.

``reason(dataset)`` returns the inferred triples (closure minus asserted, minus noise)
and a ConsistencyReport. Noise that never reaches the inferred graph:

* triples that are not valid RDF (literal subject, non-IRI predicate);
* triples about the rdf:, rdfs:, owl: and xsd: vocabularies themselves;
* ``x owl:sameAs x``, ``x a owl:Thing``, ``x a rdfs:Resource``, reflexive or trivial
  ``rdfs:subClassOf`` / ``owl:equivalentClass`` / ``rdfs:subPropertyOf`` /
  ``owl:equivalentProperty`` statements and ``C rdfs:subClassOf owl:Thing``;
* datatype axioms (``x a rdfs:Datatype`` ...);
* any triple with a blank node: the ontology's blank nodes are OWL restrictions and
  lists, and what the reasoner says about them (or about data typed by them) is
  bookkeeping, not knowledge (the instance data has no blank nodes).
"""
from __future__ import annotations

from dataclasses import dataclass, field

OWL = "http://www.w3.org/2002/07/owl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ERRNS = "http://www.daml.org/2002/03/agents/agent-ont#"

_VOCAB = (OWL, RDF, RDFS, XSD)
_TRIVIAL_TYPES = {OWL + "Thing", RDFS + "Resource", RDFS + "Datatype", RDFS + "Literal",
                  OWL + "DataRange"}
_REFLEXIVE = {RDFS + "subClassOf", OWL + "equivalentClass", RDFS + "subPropertyOf",
              OWL + "equivalentProperty", OWL + "sameAs"}


@dataclass
class ConsistencyReport:
    """Outcome of the consistency check done with the closure."""

    errors: list[str] = field(default_factory=list)
    """owlrl's inconsistency messages (e.g. a violated disjointness)."""
    nothing_members: list[str] = field(default_factory=list)
    """IRIs inferred to be members of owl:Nothing."""
    same_as: list[tuple[str, str]] = field(default_factory=list)
    """Pairs of distinct IRIs the reasoner merged (owl:sameAs): usually a modelling error,
    e.g. a membership with two members (org:member is functional)."""

    @property
    def consistent(self) -> bool:
        return not self.errors and not self.nothing_members

    def to_dict(self) -> dict:
        return {"consistent": self.consistent, "errors": self.errors,
                "nothing_members": self.nothing_members,
                "same_as": [list(pair) for pair in self.same_as]}


@dataclass
class ReasonResult:
    inferred: object  # rdflib.Graph of inferred triples
    consistency: ConsistencyReport
    asserted_count: int

    @property
    def inferred_count(self) -> int:
        return len(self.inferred)


def is_noise(s, p, o) -> bool:
    """True for an inferred triple that must not leak into the inferred graph."""
    from rdflib import BNode, URIRef

    if not isinstance(s, URIRef) or not isinstance(p, URIRef):
        return True
    if isinstance(o, BNode):
        return True
    subject, predicate, obj = str(s), str(p), str(o)
    if subject.startswith(_VOCAB):
        return True
    if predicate == RDF + "type" and obj in _TRIVIAL_TYPES:
        return True
    if predicate in _REFLEXIVE and (subject == obj or obj in (OWL + "Thing", RDFS + "Resource")):
        return True
    if predicate.startswith(ERRNS) or obj.startswith(ERRNS):
        return True
    return False


def reason_graph(asserted) -> ReasonResult:
    """Closure of an rdflib Graph (not modified); return inferred triples and consistency."""
    import owlrl
    from rdflib import RDF as RDFNS
    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL as OWLNS

    from kg.load import bind_prefixes

    closure = Graph()
    for triple in asserted:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)

    report = ConsistencyReport()
    for message in closure.objects(None, URIRef(ERRNS + "error")):
        report.errors.append(str(message))
    report.errors.sort()
    report.nothing_members = sorted(str(s) for s in closure.subjects(RDFNS.type, OWLNS.Nothing)
                                    if isinstance(s, URIRef))
    report.same_as = sorted({tuple(sorted((str(s), str(o)))) for s, o in
                             closure.subject_objects(OWLNS.sameAs)
                             if isinstance(s, URIRef) and isinstance(o, URIRef) and s != o})

    inferred = Graph()
    bind_prefixes(inferred)
    for s, p, o in closure:
        if (s, p, o) in asserted or is_noise(s, p, o):
            continue
        inferred.add((s, p, o))
    return ReasonResult(inferred=inferred, consistency=report, asserted_count=len(asserted))


def reason(dataset) -> ReasonResult:
    """Reason over the ontology and data graphs of a Dataset (shapes are not OWL: left out)."""
    from kg.load import knowledge_graph

    return reason_graph(knowledge_graph(dataset, include_shapes=False))
