"""rdflib namespaces for the project: ``MQM`` is a DefinedNamespace with ``_fail = True``.

A misspelt term (``MQM.Defecton``) raises instead of silently minting a new IRI;
tests/test_load.py checks every term here is declared in ontology/mqm.ttl. Terms whose
local name is not a Python identifier (``status-confirmed``) are reached with
``MQM["status-confirmed"]``. Imports rdflib: not for the fast query path (see kg.rdf.vocab).

Layer: kg.rdf; imports kg.rdf.vocab (and rdflib).
"""
from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from kg.rdf.vocab import KG as _KG
from kg.rdf.vocab import MQM as _MQM


class MQM(DefinedNamespace):
    """The MQM knowledge-graph ontology (https://w3id.org/mqm-kg/ontology#)."""

    _fail = True
    _NS = Namespace(_MQM)
    _extras = ['role-chairman', 'role-chief', 'role-committee-member', 'role-convener', 'role-deputy-convener', 'role-founder', 'role-governor', 'role-head-of-government', 'role-head-of-information', 'role-interior-minister', 'role-journalist', 'role-lawmaker', 'role-lawyer', 'role-leader', 'role-mayor', 'role-member', 'role-military-officer', 'role-mna', 'role-mpa', 'role-organiser', 'role-president', 'role-secretary-general', 'role-senator', 'role-senior-leader', 'role-spokesman', 'status-alleged', 'status-claimed', 'status-confirmed', 'status-denied', 'status-speculated']

    Allegation: URIRef
    AllegedFact: URIRef
    AllianceTalks: URIRef
    AnonymousReport: URIRef
    AnonymousSource: URIRef
    Article: URIRef
    ByElection: URIRef
    ClaimedFact: URIRef
    Condition: URIRef
    ConfirmedDefection: URIRef
    ConfirmedFact: URIRef
    Contact: URIRef
    CoordinationCommittee: URIRef
    Defection: URIRef
    Denial: URIRef
    DeniedFact: URIRef
    Department: URIRef
    Election: URIRef
    EpistemicStatusScheme: URIRef
    Event: URIRef
    Fact: URIRef
    Faction: URIRef
    Founding: URIRef
    Headquarters: URIRef
    Incident: URIRef
    Meeting: URIRef
    Membership: URIRef
    Merger: URIRef
    MergerTalks: URIRef
    NewsOutlet: URIRef
    OrganisationalChange: URIRef
    PartyOrgan: URIRef
    Place: URIRef
    PoliticalParty: URIRef
    PressConference: URIRef
    ProvincialChapter: URIRef
    Report: URIRef
    RoleScheme: URIRef
    RumouredDefection: URIRef
    Sidelining: URIRef
    SpeculatedFact: URIRef
    Split: URIRef
    StateBody: URIRef
    Statement: URIRef
    Talks: URIRef
    UnificationTalks: URIRef
    WelfareFoundation: URIRef
    Wing: URIRef
    about: URIRef
    accused: URIRef
    affiliation: URIRef
    allegedBy: URIRef
    condition: URIRef
    conditionOf: URIRef
    contradicts: URIRef
    countText: URIRef
    dateText: URIRef
    dateline: URIRef
    defectedFrom: URIRef
    defectedTo: URIRef
    defectingPerson: URIRef
    defector: URIRef
    defectorIn: URIRef
    deniedBy: URIRef
    deniedIn: URIRef
    denies: URIRef
    destination: URIRef
    epistemicStatus: URIRef
    factionOf: URIRef
    hasMember: URIRef
    hasSplinter: URIRef
    holdsPost: URIRef
    inferenceNote: URIRef
    inferredIssued: URIRef
    locatedIn: URIRef
    maxCount: URIRef
    mediator: URIRef
    memberOf: URIRef
    minCount: URIRef
    origin: URIRef
    participant: URIRef
    place: URIRef
    post: URIRef
    proposedBy: URIRef
    quote: URIRef
    reportedIn: URIRef
    reports: URIRef
    setBy: URIRef
    sidelinedBy: URIRef
    sidelinedPerson: URIRef
    sourceFile: URIRef
    splinterOf: URIRef
    summary: URIRef


KG = Namespace(_KG)
