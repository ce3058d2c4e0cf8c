"""The project on disk: the data directory (ontology/, data/, queries/), loading its files,
the rule that schema axioms stay in ontology/, and the stored-query catalogue with its headers.

Layer: kg.project; imports kg.rdf and the base only.
"""
