"""kg.project: the data directory, the stored-query catalogue and its headers, loading files.

Layer: kg.project. Imports kg.errors and kg.rdf.
"""
