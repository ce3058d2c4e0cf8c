"""What the server refuses to run: updates, federated queries, graphs from outside.

The server is read-only and never fetches anything. The decision comes from a real parse
of the query (kg.rdf.sparql, rdflib's SPARQL 1.1 grammar), never from scanning its text:
a ``SERVICE`` anywhere (nested in a subquery, OPTIONAL, MINUS, EXISTS, with a variable,
SILENT, hidden behind escapes) refuses the query, as does an update sent as a query and a
``FROM`` / ``FROM NAMED`` of an IRI that is not a graph of this dataset. A text the grammar
rejects is not run at all. The query workers also run without a network (see
kg.web.sandbox), so a query this check missed still could not connect anywhere.

Layer: kg.web. Imports kg.rdf.sparql.
"""
from __future__ import annotations

from kg.rdf.sparql import Inspection, inspect


class Refused(Exception):
    """The request asks for something the server does not do (an update, a fetch): 403."""


def check_query(text: str, allowed_graphs, default_prefixes: dict | None = None) -> Inspection:
    """Parse ``text``; raise Refused for an update, SERVICE, or a FROM of a foreign graph.

    Raises kg.errors.QuerySyntaxError when the text does not parse (the caller answers 400).
    """
    found = inspect(text, default_prefixes)
    if found.is_update:
        raise Refused("this endpoint is read-only: SPARQL updates are refused")
    if found.service_targets:
        raise Refused(f"SERVICE {found.service_targets[0]} is refused (federated query): "
                      "this endpoint never fetches remote data")
    allowed = set(allowed_graphs)
    for keyword, iri in found.from_graphs:
        if iri not in allowed:
            raise Refused(f"{keyword} <{iri}> is refused: only this dataset's graphs can be named "
                          f"(see the service description at /sparql); nothing is ever fetched")
    return found


def check_dataset_params(default_graphs, named_graphs, allowed_graphs) -> None:
    """The protocol's default-graph-uri / named-graph-uri: only graphs of this dataset."""
    allowed = set(allowed_graphs)
    for name, values in (("default-graph-uri", default_graphs), ("named-graph-uri", named_graphs)):
        for iri in values:
            if iri not in allowed:
                raise Refused(f"{name}={iri} is refused: only this dataset's graphs can be named; "
                              "nothing is ever fetched")
