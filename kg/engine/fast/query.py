"""SPARQL on the fast engine: a pyoxigraph store, parameters as a VALUES block.

Layer: kg.engine. Imports kg.errors, kg.rdf and kg.engine.results.
"""
from __future__ import annotations

from kg.engine.results import QueryResult, oxigraph_result
from kg.errors import QueryEngineError, QuerySyntaxError
from kg.rdf.sparql import inject_values, syntax_error_text
from kg.rdf.vocab import PREFIXES


def run_oxigraph(store, text: str, terms: dict) -> QueryResult:
    """Run SPARQL ``text`` over the union of the graphs of ``store`` (a pyoxigraph Store, or
    anything with its ``query``) with ``terms`` (name -> pyoxigraph term) bound by VALUES.

    The project's prefixes are predeclared. QuerySyntaxError names the spot in ``text`` (not in
    the text with VALUES); QueryEngineError for a failure while evaluating.
    """
    import pyoxigraph as ox

    sparql = inject_values(text, terms) if terms else text
    try:
        answer = store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)
    except SyntaxError as exc:
        if sparql is not text:
            try:
                ox.Store().query(text, prefixes=PREFIXES)
            except SyntaxError as original:
                exc = original
        raise QuerySyntaxError(syntax_error_text(text, str(exc))) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryEngineError(f"query failed: {exc}") from None
    try:
        return oxigraph_result(answer)
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryEngineError(f"query failed: {exc}") from None
