"""Namespace IRIs as plain strings: importable without rdflib (used on the fast query path).

Layer: kg.rdf, the bottom of it; imports nothing from kg.
"""
from __future__ import annotations

KG = "https://w3id.org/mqm-kg/id/"
MQM = "https://w3id.org/mqm-kg/ontology#"
ONTOLOGY_IRI = "https://w3id.org/mqm-kg/ontology"
DATASET_IRI = "https://w3id.org/mqm-kg/dataset"

#: The W3C vocabularies, for code that builds IRIs from them.
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = RDF + "type"
RDF_LANGSTRING = RDF + "langString"
RDFS_LABEL = RDFS + "label"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"

#: Graph names: one per input file, plus the reasoner's output and the dataset description.
FILE_GRAPH_PREFIX = "urn:kg:file:"
INFERRED_GRAPH = "urn:kg:inferred"
VOID_GRAPH = "urn:kg:void"

#: Prefixes known to the CLI (for `--param x=prefix:local`, SPARQL text and Turtle output).
PREFIXES: dict[str, str] = {
    "kg": KG,
    "mqm": MQM,
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "skos": SKOS,
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dcterms": DCTERMS,
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "vann": "http://purl.org/vocab/vann/",
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "sh": SH,
    "wd": "http://www.wikidata.org/entity/",
}


def unknown_prefix_message(prefix: str) -> str:
    """``unknown prefix 'foo:'`` and the prefixes every query may use without declaring them."""
    known = ", ".join(f"{p}:" for p in sorted(PREFIXES))
    return (f"unknown prefix '{prefix}:'; declare it (PREFIX {prefix}: <...>) or use a predeclared one: "
            f"{known}")


def file_graph(relpath: str) -> str:
    """The named-graph IRI of an input file, e.g. ``urn:kg:file:data/article-004.ttl``."""
    from urllib.parse import quote

    return FILE_GRAPH_PREFIX + quote(relpath, safe="/-_.~:")


def shorten(iri: str) -> str:
    """``https://w3id.org/mqm-kg/id/psp`` -> ``kg:psp``; unknown namespaces stay full."""
    best = None
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(PREFIXES[best])):
            local = iri[len(ns):]
            if local and all(c.isalnum() or c in "-_." for c in local):
                best = prefix
    if best is None:
        return iri
    return f"{best}:{iri[len(PREFIXES[best]):]}"
