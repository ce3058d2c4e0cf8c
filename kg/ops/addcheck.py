"""Validate an addition against its neighbourhood in the cached KG (``kg add`` on a large KG).

Re-validating a million triples to add one article costs tens of seconds; the violations an
article can cause are near its own nodes. So, with the KG's cache entry (kg.store.cache) as the
source of the existing triples:

1. **Seeds**: every IRI and literal the new file mentions (and, with ``--replace``, the file
   it replaces), minus the ontology's own terms.
2. **Neighbourhood**: the asserted triples around the seeds, breadth first: a seed's
   triples in both directions (a literal's incoming triples too, so "two people share a
   preferred label" is seen), then the own triples of the nodes reached (their types,
   labels, dates), ``radius`` steps in all. A node with more than ``hub_limit`` incoming
   triples (a party with hundreds of memberships, an article with all its reports) is a
   *hub*: its own triples are taken but not its incoming ones.
3. **Two validations** of that neighbourhood plus the ontology, each with its RDFS closure
   (kg.ops.validate_kg.validate_in_store): *before* (as the KG is) and *after* (the replaced file out, the new
   file in). The addition's violations are those *after* has and *before* has not; a
   violation the KG already had is not the new file's fault.

The result is the same as validating the whole KG before and after when the shapes look no
further from a focus node than the radius allows and not through a hub's incoming triples;
tests/test_addcheck.py compares the two on the article KG and the synthetic benchmark graph.
``kg add --full`` validates the whole KG instead.

Layer: kg.ops. Imports kg.config, kg.rdf (io, vocab), kg.project.load, kg.engine (results,
fast), kg.store.cache and kg.ops.validate_kg; pyoxigraph inside functions.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from kg.config import DEFAULTS, Settings

#: Steps from the seeds (the last one along a node's own triples only): what the tests
#: show the shapes need; one step misses a label shared with an existing person.
RADIUS = 2
#: A node with more incoming triples than this is not walked through (see the docstring).
HUB_LIMIT = 50


@dataclass
class Neighbourhood:
    """Quads (N-Quads lines) around the seeds, and what the walk saw."""

    quads: set = field(default_factory=set)
    nodes: int = 0
    hubs: int = 0


def violation_key(v) -> tuple:
    """What identifies a violation across two validations (not the file it is reported in)."""
    return (v.focus, v.path or "", v.value or "", v.component, v.shape or "", v.message, v.severity)


def new_violations(after: list, before: list) -> list:
    """The violations in ``after`` that ``before`` does not have (by violation_key)."""
    known = {violation_key(v) for v in before}
    return [v for v in after if violation_key(v) not in known]


def check_addition(data_dir, source: Path, target: Path, *, radius: int = RADIUS, hub_limit: int = HUB_LIMIT,
                   settings: Settings = DEFAULTS, progress=None, on_engine=None, timings: dict | None = None):
    """The violations ``source`` adds when written to ``target`` (a kg.engine.results.ValidationReport).

    ``settings``: the cache (the KG's entry is read from it) and the input limits;
    ``on_engine`` hears the kg.engine.api.EngineRun when the entry has to be built.
    Raises UnsupportedShape / UnsupportedForFastReasoning (kg.errors) when the shapes or data
    need the reference engines, and kg.errors.ParseError for a bad file.
    """
    import pyoxigraph as ox

    from kg.engine.fast.literals import check_datatypes_as_written
    from kg.engine.fast.shapes.compiler import shapes_for
    from kg.engine.results import ValidationReport
    from kg.project.load import size_limit
    from kg.rdf.io import load_into_store
    from kg.rdf.vocab import file_graph
    from kg.store.cache import ensure_cache

    say = progress or (lambda message: None)
    inference, compiled = shapes_for(data_dir, max_nesting=settings.max_nesting)
    if compiled is None:
        return ValidationReport(conforms=True, inference=inference)
    start = time.perf_counter()
    target_graph = file_graph(data_dir.relpath(target))
    addition = ox.Store()
    load_into_store(addition, source, target_graph, max_bytes=size_limit(data_dir, source, settings.max_input_bytes),
                    max_nesting=settings.max_nesting)  # parse first: a bad file changes nothing
    # Literals pyoxigraph would store with another datatype (xsd:byte...): as validate_files
    # does, refuse, and kg add validates with pyshacl.
    for path in [source] + [p for p in data_dir.data_files() if p.resolve() != Path(target).resolve()]:
        check_datatypes_as_written(Path(path).read_bytes(), str(path))
    entry = ensure_cache(data_dir, settings=settings, progress=say, on_engine=on_engine)
    kg_store = ox.Store.read_only(str(entry.store_path))
    ontology_graphs = [file_graph(data_dir.relpath(p)) for p in data_dir.ontology_files()]
    data_graphs = [file_graph(data_dir.relpath(p)) for p in data_dir.data_files()]
    parsed = time.perf_counter()

    vocabulary = _vocabulary(kg_store, ontology_graphs)
    seeds = _terms(addition.quads_for_pattern(None, None, None, ox.NamedNode(target_graph)))
    if target_graph in data_graphs:
        seeds |= _terms(kg_store.quads_for_pattern(None, None, None, ox.NamedNode(target_graph)))
    seeds = {t for t in seeds if str(t) not in vocabulary}
    say(f"collecting the KG around {len(seeds)} nodes of {source} ...")
    around = neighbourhood(kg_store, seeds, data_graphs, vocabulary, radius=radius, hub_limit=hub_limit, progress=say)
    ontology = "".join(str(q) + " .\n" for g in ontology_graphs
                       for q in kg_store.quads_for_pattern(None, None, None, ox.NamedNode(g)))
    collected = time.perf_counter()

    say(f"validating {len(around.quads)} triples around the addition, before and after ...")
    before_quads = "".join(around.quads)
    after_quads = "".join(q for q in around.quads if not q.endswith(f"<{target_graph}> .\n"))
    after_quads += "".join(str(q) + " .\n" for q in addition)
    before = _validate(ontology + before_quads, compiled, ontology_graphs, data_dir, settings)
    after = _validate(ontology + after_quads, compiled, ontology_graphs, data_dir, settings)
    added = new_violations(after, before)
    done = time.perf_counter()
    if timings is not None:
        timings.update({"parse": parsed - start, "collect": collected - parsed, "validate": done - collected,
                        "triples": len(around.quads), "nodes": around.nodes, "hubs": around.hubs,
                        "existing": len(before)})
    return ValidationReport(conforms=not added, violations=added, results_graph=None, inference=inference)


def _validate(nquads: str, compiled, ontology_graphs, data_dir, settings: Settings) -> list:
    """Violations of a small dataset (N-Quads text) with its RDFS closure."""
    import pyoxigraph as ox

    from kg.ops.validate_kg import validate_in_store

    store = ox.Store()
    store.load(nquads.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    names = sorted({g.value for g in store.named_graphs()})
    data_names = [g for g in names if g not in ontology_graphs]
    return validate_in_store(store, compiled, list(data_dir.ontology_files()), names, data_names,
                             closure_graph="urn:kg:addcheck:rdfs", cache_dir=settings.cache_dir,
                             max_nesting=settings.max_nesting)


def _vocabulary(store, ontology_graphs) -> set[str]:
    """Terms the ontology describes (classes, properties, individuals such as statuses)."""
    import pyoxigraph as ox

    terms = set()
    for g in ontology_graphs:
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g)):
            if isinstance(q.subject, ox.NamedNode):
                terms.add(str(q.subject))
    return terms


def _terms(quads) -> set:
    """IRIs and literals (pyoxigraph terms) in subject or object position."""
    import pyoxigraph as ox

    found = set()
    for q in quads:
        for term in (q.subject, q.object):
            if isinstance(term, (ox.NamedNode, ox.Literal)):
                found.add(term)
    return found


def neighbourhood(store, seeds: set, data_graphs: list[str], vocabulary: set[str], *,
                  radius: int = RADIUS, hub_limit: int = HUB_LIMIT, progress=None) -> Neighbourhood:
    """The asserted quads within ``radius`` steps of ``seeds`` (see the module docstring).

    ``seeds`` are pyoxigraph terms. Index lookups (``quads_for_pattern``), not SPARQL: a
    VALUES block of a thousand nodes makes pyoxigraph scan the whole store.
    """
    import pyoxigraph as ox

    result = Neighbourhood()
    wanted = {ox.NamedNode(g) for g in data_graphs}
    seen: set = set()
    frontier = set(seeds)
    for step in range(radius):
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
        reached: set = set()
        for node in frontier:
            if not isinstance(node, ox.Literal):
                for quad in store.quads_for_pattern(node, None, None, None):
                    if quad.graph_name in wanted:
                        _keep(result, reached, quad)
                        if isinstance(quad.object, ox.BlankNode):  # an interval and the like
                            for inner in store.quads_for_pattern(quad.object, None, None, quad.graph_name):
                                _keep(result, reached, inner)
            if step == radius - 1:
                continue  # the last step: a node's own triples only (its types, labels, dates)
            incoming = []
            for quad in store.quads_for_pattern(None, None, node, None):
                if quad.graph_name in wanted:
                    incoming.append(quad)
                    if len(incoming) > hub_limit:
                        break
            if len(incoming) > hub_limit:
                result.hubs += 1
                continue
            for quad in incoming:
                _keep(result, reached, quad)
        frontier = {n for n in reached if str(n) not in vocabulary}
        if progress:
            progress(f"  step {step + 1}: {len(seen)} nodes, {len(result.quads)} triples, {result.hubs} hubs")
    result.nodes = len(seen)
    return result


def _keep(result: Neighbourhood, reached: set, quad) -> None:
    import pyoxigraph as ox

    result.quads.add(f"{quad} .\n")
    for term in (quad.subject, quad.object):
        if not isinstance(term, ox.BlankNode):
            reached.add(term)
