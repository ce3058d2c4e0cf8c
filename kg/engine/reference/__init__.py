"""The reference engines: owlrl for OWL 2 RL, pyshacl for SHACL, rdflib for SPARQL. They
define the right answer the fast engines are tested against.

Layer: kg.engine.
"""
