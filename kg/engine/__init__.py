"""The engines: reference (rdflib, owlrl, pyshacl) and fast (pyoxigraph, Nemo, the shapes as
SPARQL), the results they share (kg.engine.results) and the one seam that picks between them
(kg.engine.api).

Layer: kg.engine; imports kg.project, kg.rdf and the base, never kg.store or above.
"""
