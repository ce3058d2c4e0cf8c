"""The fast engines: Nemo for the OWL 2 RL closure (rules generated from the ontology),
the SHACL shapes translated to SPARQL on pyoxigraph, and pyoxigraph for queries. Each raises
kg.errors.Unsupported for what it cannot do soundly; kg.engine.api then runs the reference.

Layer: kg.engine.
"""
