"""`kg query`: run a stored query (or SPARQL text) over the reasoned KG.

Layer: kg.ops. Imports kg.errors, kg.config, kg.rdf, kg.project, kg.engine and kg.store.
"""
from __future__ import annotations

import re

from kg.config import DEFAULTS, Settings
from kg.engine.fast.query import run_oxigraph
from kg.engine.reference.query import cached_rdflib_dataset, run_rdflib
from kg.engine.results import QueryResult
from kg.errors import ParameterError
from kg.project.catalogue import bind, parse_query_text, sort_lists
from kg.project.paths import DataDir
from kg.rdf.sparql import refuse_remote
from kg.rdf.vocab import PREFIXES, shorten
from kg.store.cache import ensure_cache, open_store


def run_query(data_dir: DataDir, query, params: dict | None = None, *, engine: str = "oxigraph",
              bindings: dict | None = None, store=None, progress=None,
              allow_service: bool = False, suggest_entities=None,
              settings: Settings = DEFAULTS) -> QueryResult:
    """Run a StoredQuery (or SPARQL text) over the reasoned KG.

    ``params`` are raw strings checked against the header; ``bindings`` are ready terms.
    ``engine`` is ``oxigraph`` (default, the cached on-disk store) or ``rdflib``. A query
    with ``SERVICE`` is refused (RemoteAccessRefused) unless ``allow_service``; on rdflib,
    so is a ``FROM`` / ``FROM NAMED`` of a graph the KG does not hold (kg.rdf.sparql).
    ``suggest_entities`` (kg.ops.whois.suggest_entities, which `kg query` passes): given, each
    IRI parameter that names nothing in the KG adds a warning to the result (unknown_iri_warnings).
    ``settings``: the cache and the persistent store (kg.config).

    A stored query with a variant for a bound optional parameter (``queries/NAME+PARAM.rq``,
    kg.project.catalogue) runs the variant's text when that parameter is bound (the first such
    parameter in header order); ``result.ran`` names the text that ran.
    """
    if isinstance(query, str):
        query = parse_query_text(query, require_header=False)
        headerless = True
    else:
        headerless = not query.title
    terms = dict(bindings or {})
    given = bind(query, params or {}, headerless=headerless, provided=set(terms))
    terms.update(given)
    query = query.for_bound(terms)  # the variant for a bound optional parameter, if it has one
    if engine == "oxigraph":
        refuse_remote(query.text, allow_service=allow_service, prefixes=PREFIXES)
        if store is None:
            store = open_store(data_dir, settings=settings, progress=progress)
        result = run_oxigraph(store, query.text, terms)
    elif engine == "rdflib":
        dataset = cached_rdflib_dataset(ensure_cache(data_dir, settings=settings, progress=progress))
        refuse_remote(query.text, allow_service=allow_service, prefixes=PREFIXES,
                      local_graphs=[str(g.identifier) for g in dataset.graphs()])
        result = run_rdflib(dataset, query.text, terms)
    else:
        raise ParameterError(f"unknown engine {engine!r}; expected oxigraph or rdflib")
    if suggest_entities is not None:
        result.warnings += unknown_iri_warnings(data_dir, given, params or {}, suggest_entities, store=store,
                                                settings=settings)
    result.ran = "" if headerless else query.name
    return sort_lists(result, query.lists)


def unknown_iri_warnings(data_dir: DataDir, terms: dict, raw: dict, suggest_entities, *,
                         store=None, settings: Settings = DEFAULTS) -> list[str]:
    """A warning for each IRI in ``terms`` (bound from the strings ``raw``) that occurs in no
    triple of the KG, with up to 3 entities whose label or local name is close to it
    (``suggest_entities(store, text, n=3)``: kg.ops.whois.suggest_entities)."""
    import pyoxigraph as ox

    unknown = {name: term for name, term in terms.items() if isinstance(term, ox.NamedNode)}
    if not unknown:
        return []
    if store is None:
        store = open_store(data_dir, settings=settings)
    warnings = []
    for name, term in sorted(unknown.items()):
        if next(iter(store.quads_for_pattern(term, None, None)), None) is not None or \
                next(iter(store.quads_for_pattern(None, None, term)), None) is not None:
            continue
        local = re.split(r"[#/:]", raw.get(name, term.value).strip("<>"))[-1]
        close = suggest_entities(store, local.replace("-", " ").replace("_", " "), n=3)
        hint = "; did you mean: " + ", ".join(f"{iri} ({label})" for iri, label in close) if close else ""
        warnings.append(f"parameter {name!r}: {shorten(term.value)} names nothing in the KG, "
                        f"so the query may return no rows{hint}")
    return warnings
