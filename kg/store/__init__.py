"""Where the reasoned KG lives: the on-disk cache (built once per input), a persistent
pyoxigraph store (--store), and remote SPARQL / Graph Store endpoints.

Layer: kg.store; imports kg.engine and below.
"""
