"""Validating the KG with its shapes compiled to SPARQL (the fast engines): in an in-memory
pyoxigraph store (``validate_files``: kg validate, kg add) or on a remote SPARQL endpoint
(``validate_endpoint``: kg validate --endpoint, kg check --endpoint).

The engine work (compiling the shapes, running the queries, the RDFS closure) is
kg.engine.fast's; this module loads the files, opens the endpoint and uses the cache folder.

Layer: kg.ops. Imports kg.config, kg.errors, kg.rdf (io, vocab), kg.project.load,
kg.engine (results, fast) and kg.store.
"""
from __future__ import annotations

import time
from pathlib import Path

from kg.config import DEFAULT_MAX_NESTING
from kg.engine.fast.literals import check_datatypes_as_written
from kg.engine.fast.shapes.compiler import shapes_for
from kg.engine.fast.validate import rdfs_closure, to_violations, validate_store
from kg.engine.results import ValidationReport
from kg.errors import KGError
from kg.rdf.vocab import FILE_GRAPH_PREFIX, INFERRED_GRAPH, file_graph

#: Where validate_files writes the RDFS closure in its store.
CLOSURE_GRAPH = "urn:kg:fastvalidate:rdfs"


def validate_files(data_dir, files=(), *, replaced=(), aliases=None, progress=None,
                   timings: dict | None = None, cache_dir=None, max_bytes: int | None = None,
                   max_nesting: int = DEFAULT_MAX_NESTING) -> ValidationReport:
    """kg.ops.validate.validate on pyoxigraph: the KG (minus ``replaced`` files) and ``files``,
    in an in-memory store, with the RDFS closure, against the translated shapes.

    ``aliases``: {file: path it is named after} (kg add names the new file's graph after
    its target in data/). ``cache_dir``: where the ontology's RDFS closure is kept between
    runs; ``max_bytes``: the size limit of ``files`` (the KG's own files have none);
    ``max_nesting``: every file's nesting limit. Returns a ValidationReport
    (``results_graph`` is None). Raises UnsupportedShape / UnsupportedForFastReasoning
    (kg.errors) when it cannot apply.
    """
    import pyoxigraph as ox

    from kg.project.load import size_limit
    from kg.rdf.io import load_into_store

    say = progress or (lambda message: None)
    inference, compiled = shapes_for(data_dir, max_nesting=max_nesting)
    if compiled is None:
        return ValidationReport(conforms=True, inference=inference)
    start = time.perf_counter()
    skip = {Path(p).resolve() for p in replaced}
    ontology = [p for p in data_dir.ontology_files()]
    data = [p for p in data_dir.data_files() if p.resolve() not in skip] + [Path(f) for f in files]
    store = ox.Store()
    names, data_names = [], []
    say(f"loading {len(ontology) + len(data)} files into pyoxigraph ...")
    aliases = {Path(k): Path(v) for k, v in (aliases or {}).items()}
    for path in data:
        check_datatypes_as_written(Path(path).read_bytes(), str(path))
    for path in ontology + data:
        name = file_graph(data_dir.relpath(aliases.get(path, path)))
        load_into_store(store, path, name, max_bytes=size_limit(data_dir, path, max_bytes), max_nesting=max_nesting)
        names.append(name)
        if path not in ontology:
            data_names.append(name)
    if timings is not None:
        timings["load"] = time.perf_counter() - start
    violations = validate_in_store(store, compiled, ontology, names, data_names, closure_graph=CLOSURE_GRAPH,
                                   cache_dir=cache_dir, max_nesting=max_nesting, progress=say, timings=timings)
    return ValidationReport(conforms=not violations, violations=violations, results_graph=None,
                            inference=inference)


def validate_in_store(store, compiled, ontology_paths, names, data_names, *, closure_graph: str,
                      cache_dir=None, max_nesting: int = DEFAULT_MAX_NESTING, progress=None,
                      timings: dict | None = None) -> list:
    """The violations of the graphs ``names`` of ``store`` (``data_names``: those of data
    files) with their RDFS closure, which is written to ``closure_graph``. ``cache_dir``:
    where the ontology's RDFS closure is kept between runs; ``max_nesting``: the ontology
    files' nesting limit. ``timings`` gets the seconds of the closure ("rdfs") and of the
    shapes' queries ("shapes")."""
    say = progress or (lambda message: None)
    start = time.perf_counter()
    say("RDFS closure (the shapes' inference mode) ...")
    literal_types = rdfs_closure(store, ontology_paths, graphs=names, data_graphs=data_names,
                                 target_graph=closure_graph, cache_dir=cache_dir, max_nesting=max_nesting)
    closed = time.perf_counter()
    say(f"validating ({len(compiled.queries)} queries) ...")
    results = validate_store(store, compiled, graphs=names + [closure_graph], literal_types=literal_types)
    if timings is not None:
        timings.update({"rdfs": closed - start, "shapes": time.perf_counter() - closed})
    return to_violations(store, results, data_names, names)


def validate_endpoint(data_dir, endpoint, *, graphs=None, progress=None) -> ValidationReport:
    """The shapes of ``data_dir`` run on a remote SPARQL endpoint (kg.store.remote.RemoteEndpoint)
    over ``graphs`` (default: every ``urn:kg:`` graph it holds), without downloading the data.

    The shapes assume RDFS inference: the endpoint must hold the reasoned KG, as ``kg push
    --inferred`` leaves it (the graph ``urn:kg:inferred`` holds the OWL 2 RL closure, which
    includes the RDFS rules), so an instance test is a plain rdf:type lookup. Not reproduced
    remotely: literals that a range types (RDF cannot store them as subjects). Returns a
    ValidationReport; raises KGError when the endpoint cannot run a query."""
    from kg.store.remote import RemoteStore

    say = progress or (lambda message: None)
    inference, compiled = shapes_for(data_dir)
    if compiled is None:
        return ValidationReport(conforms=True, inference=inference)
    store = RemoteStore(endpoint)
    names = list(graphs) if graphs else [g for g in store.graph_names() if g.startswith("urn:kg:")]
    if not names:
        raise KGError(f"{endpoint.url} holds no urn:kg: graph: push the KG first (kg push --inferred), "
                      "or name the graphs with --graph")
    if inference == "rdfs" and INFERRED_GRAPH not in names:
        raise KGError(f"the shapes assume RDFS inference, and the graphs validated on {endpoint.url} do not "
                      f"include {INFERRED_GRAPH}: push with --inferred (or add --graph {INFERRED_GRAPH})")
    say(f"validating on {endpoint.url} ({len(compiled.queries)} queries over {len(names)} graphs) ...")
    results = validate_store(store, compiled, graphs=names, rdfs_closed=True, portable=True)
    data_names = [g for g in names if g.startswith(FILE_GRAPH_PREFIX + "data/")]
    violations = to_violations(store, results, data_names, names)
    return ValidationReport(conforms=not violations, violations=violations, results_graph=None,
                            inference=inference)
