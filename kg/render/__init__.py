"""Text and result formats: query results as tables or W3C SPARQL results formats, and the
text reports of the commands. Pure functions from result objects to text.

Layer: kg.render; imports kg.ops and below.
"""
