"""The operations users run, one module each: query, validate, add, check, export, push,
whois, timeline, stats, search, diagrams. Each takes its settings as arguments and returns
result objects; nothing here prints.

Layer: kg.ops; imports kg.store and below, never kg.render, kg.cli or kg.web.
"""
