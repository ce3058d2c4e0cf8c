"""Rendering results as text: formats (tables, SPARQL results formats, RDF) and text (the
commands' reports). Layer: render. Imports kg.rdf and kg.errors only."""
