"""RDF basics: the vocabulary (every IRI and prefix once), term conversions and term text,
strict and safe reading of RDF files, and SPARQL text (lexing, VALUES injection, what a
query would reach outside the KG).

Layer: kg.rdf, just above the base (kg.errors, kg.fsutil, kg.config); imports nothing else
from kg.
"""
