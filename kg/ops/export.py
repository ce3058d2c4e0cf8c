"""Deterministic export of the KG: same input, byte-identical output, in any process.

Layer: kg.ops. Imports kg.config, kg.errors, kg.fsutil, kg.rdf, kg.project, kg.engine.api,
kg.store.cache and the other kg.ops.export_* modules.

Formats: ``turtle`` (rdflib longturtle), ``nt`` (sorted lines), ``trig`` and ``nquads``
(named graphs kept, sorted), ``json-ld`` (keys and node arrays sorted) and ``xml``
(RDF/XML). Asserted graphs only by default; ``inferred=True`` adds ``urn:kg:inferred``.
The shapes file is not part of the export. Every export carries a VoID/DCAT description
of itself in the graph ``urn:kg:void`` (kg.ops.export_void).

Blank nodes (restrictions, lists, owl:AllDifferent...) get stable labels ``c14nN`` from
W3C RDF Dataset Canonicalization (RDFC-1.0, pyoxigraph), run once over every exported
quad that has a blank node (quads without one cannot change a label), so a blank node
shared by two graphs keeps one label. RDFC-1.0 is linear when every blank node's
first-degree hash is unique (a list of IRIs, ordinary restrictions); when some are not,
its N-degree step can be exponential on very symmetric graphs (a long ring or a clique
of blank nodes), so it then runs in a forked child with a time budget
(``settings.canon_budget`` seconds, from ``$KG_EXPORT_CANON_BUDGET``; default
``CANON_BUDGET``) and an export over budget fails with a clear error instead of running
for hours. The cache entry is fully
checked first (kg.store.cache: sha256 of dataset.nq), so an export never silently holds part
of the KG.

Two writers, picked by kg.engine.api.run("export", ...) from ``settings.engine``. The fast
one streams N-Triples, N-Quads and Turtle from the cache entry's sorted dataset.nq to the output
(kg.ops.export_stream, kg.ops.export_turtle): its memory holds the blank-node quads and an
index of subjects, never the triples. The reference one builds the graphs in memory and
writes every format: N-Triples, N-Quads and RDF/XML by pyoxigraph, Turtle, TriG and
JSON-LD through rdflib. The fast writer gives the reference's bytes (tests/test_export.py,
tests/test_export_turtle.py) and raises kg.errors.Unsupported for what it cannot
reproduce (and for the other formats); the reference writer then runs.

XML 1.0 cannot hold U+0000 and most other C0 controls, not even as character
references: an RDF/XML export of a literal holding one is refused (OutputError naming
the subject and predicate), pointing to N-Triples or Turtle.
"""
from __future__ import annotations

import json
import os
import select
import signal
import sys
import tempfile
import time

from kg.config import DEFAULT_CANON_BUDGET, DEFAULTS, Settings
from kg.engine.api import EngineRun, run
from kg.errors import CanonicalisationBudgetError, OutputError, Unsupported
from kg.fsutil import atomic_output
from kg.ops.export_stream import blank_node_lines, description_lines, is_exported_graph, merge_into, spool_lines
from kg.ops.export_void import VoidCounts, description, void_triples
from kg.project.paths import DataDir
from kg.rdf.vocab import PREFIXES, VOID_GRAPH, INFERRED_GRAPH

FORMATS = ("turtle", "nt", "trig", "nquads", "json-ld", "xml")
#: The formats the streaming writers cover (the others: the in-memory writers only).
STREAMED_FORMATS = ("nt", "nquads", "turtle")
EXTENSIONS = {"turtle": ".ttl", "nt": ".nt", "trig": ".trig", "nquads": ".nq",
              "json-ld": ".jsonld", "xml": ".rdf"}
#: Every extension an export FILE may end in, and the format it means.
FORMAT_OF_EXTENSION = {".ttl": "turtle", ".turtle": "turtle", ".nt": "nt", ".trig": "trig", ".nq": "nquads",
                       ".jsonld": "json-ld", ".rdf": "xml", ".xml": "xml", ".owl": "xml"}
CANON_BUDGET = DEFAULT_CANON_BUDGET
CANON_BUDGET_ENV = "KG_EXPORT_CANON_BUDGET"


# ---------------------------------------------------------------------------
# The graphs to export
# ---------------------------------------------------------------------------

def export_triples(data_dir: DataDir, *, inferred: bool = False, settings: Settings = DEFAULTS,
                   progress=None) -> dict:
    """``{graph IRI: sorted list of pyoxigraph Triples}`` to export (canonical blank
    nodes), the VoID graph included, graphs in export order."""
    from kg.store.cache import ensure_cache

    return graphs_of(ensure_cache(data_dir, settings=settings, progress=progress, full_check=True).nquads,
                     inferred=inferred, settings=settings)


def graphs_of(nquads, *, inferred: bool, settings: Settings = DEFAULTS) -> dict:
    """:func:`export_triples` of the cache file ``nquads`` (a checked entry's dataset.nq);
    ``settings``: the blank-node labelling's time budget."""
    import pyoxigraph as ox

    exported: dict = {}  # graph name -> is it exported (decided once per graph)
    quads = []
    for quad in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
        graph = quad.graph_name
        if graph not in exported:
            exported[graph] = isinstance(graph, ox.NamedNode) and is_exported_graph(graph.value, inferred)
        if exported[graph]:
            quads.append(quad)
    plain = [q for q in quads if not (has_blank_node(q.subject) or has_blank_node(q.object))]
    if len(plain) != len(quads):
        quads = plain + canonical_quads([q for q in quads if has_blank_node(q.subject) or has_blank_node(q.object)],
                                        budget=settings.canon_budget)
    by_graph: dict[str, set] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name.value, set()).add(ox.Triple(q.subject, q.predicate, q.object))
    graphs = {name: sorted(triples, key=_key) for name, triples in by_graph.items()}
    graphs[VOID_GRAPH] = sorted(void_triples(graphs, inferred=inferred), key=_key)
    return {name: graphs[name] for name in sorted(graphs, key=_graph_order)}


def export_graphs(data_dir: DataDir, *, inferred: bool = False, settings: Settings = DEFAULTS,
                  progress=None) -> dict:
    """``{graph IRI: rdflib Graph}`` of :func:`export_triples` (for callers that want rdflib)."""
    return {name: _rdflib_graph(triples)
            for name, triples in export_triples(data_dir, inferred=inferred, settings=settings,
                                                progress=progress).items()}


def _graph_order(name: str):
    return (name == VOID_GRAPH, name == INFERRED_GRAPH, name)


def _key(triple):
    return (str(triple.subject), str(triple.predicate), str(triple.object))


def has_blank_node(term) -> bool:
    """Is ``term`` (pyoxigraph) a blank node, or a triple term holding one?"""
    import pyoxigraph as ox

    if isinstance(term, ox.BlankNode):
        return True
    if isinstance(term, ox.Triple):
        return has_blank_node(term.subject) or has_blank_node(term.object)
    return False


# ---------------------------------------------------------------------------
# Canonical blank-node labels (RDFC-1.0)
# ---------------------------------------------------------------------------

def canonical_quads(quads: list, *, budget: float | None = None) -> list:
    """``quads`` with their blank nodes relabelled by RDFC-1.0 (deterministic in any process).

    Every blank node with a unique first-degree hash: in this process (linear). Otherwise
    in a forked child given ``budget`` seconds; over budget, CanonicalisationBudgetError.
    """
    import pyoxigraph as ox

    tied = tied_blank_nodes(quads)
    if not tied or not hasattr(os, "fork"):
        dataset = ox.Dataset(quads)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        return list(dataset)
    return canonicalise_in_child(quads, CANON_BUDGET if budget is None else budget, tied)


def tied_blank_nodes(quads: list) -> int:
    """How many blank nodes share their first-degree hash (RDFC-1.0 §4.6) with another:
    those, and only those, go through the N-degree step that can be exponential."""
    import pyoxigraph as ox

    mentions: dict[str, list[str]] = {}
    for quad in quads:
        terms = (quad.subject, quad.predicate, quad.object, quad.graph_name)
        labels = {t.value for t in terms if isinstance(t, ox.BlankNode)}
        if any(isinstance(t, ox.Triple) for t in terms):
            return len(labels) or 1  # RDF-star: no shortcut, treat as tied
        for label in labels:
            mentions.setdefault(label, []).append(" ".join(
                ("_:a" if t.value == label else "_:z") if isinstance(t, ox.BlankNode) else str(t) for t in terms))
    groups: dict[tuple, int] = {}
    for lines in mentions.values():
        signature = tuple(sorted(lines))
        groups[signature] = groups.get(signature, 0) + 1
    return sum(n for n in groups.values() if n > 1)


def canonicalise_in_child(quads: list, budget: float, tied: int) -> list:
    """RDFC-1.0 of ``quads`` in a forked child killed after ``budget`` seconds."""
    import pyoxigraph as ox

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: canonicalise, send N-Quads, exit without any cleanup of the parent's
        code = 1
        try:
            os.close(read_end)
            dataset = ox.Dataset(quads)
            dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
            data = ox.serialize(list(dataset), format=ox.RdfFormat.N_QUADS)
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view):]
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    chunks, deadline, finished = [], time.monotonic() + budget, False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([read_end], [], [], left)
            if ready:
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    finished = True
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        if not finished:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if not finished:
        raise CanonicalisationBudgetError(
            f"cannot give the blank nodes stable labels within {budget:g} s: {tied} blank nodes have "
            f"indistinguishable neighbourhoods (a long ring or a dense tangle of blank nodes), on which "
            f"canonicalisation (RDFC-1.0) takes exponential time",
            hint=f"give those nodes IRIs in the data, or allow more time with {CANON_BUDGET_ENV}=SECONDS")
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        raise OutputError(f"blank-node canonicalisation failed in its child process (wait status {status})")
    return list(ox.parse(b"".join(chunks), format=ox.RdfFormat.N_QUADS))


# ---------------------------------------------------------------------------
# Serialisation
# ---------------------------------------------------------------------------

def format_for(out, fmt: str | None = None, *, choosable: bool = True) -> str:
    """The export format for ``--out out`` and ``--format fmt``: ``fmt`` if given, else the one
    ``out``'s extension names (FORMAT_OF_EXTENSION), else turtle when there is no ``out``.

    Raises OutputError (nothing written) when ``fmt`` contradicts the extension
    (``--format nt --out kg.jsonld``), or when ``fmt`` is not given and the extension names no
    format (``kg.n3``, ``kg.txt``): the run stops instead of writing a format the name hides.
    ``choosable`` says whether the command has a --format option (its hint names it).
    """
    from pathlib import Path

    if out is None:
        return fmt or "turtle"
    suffix = Path(out).suffix.lower()
    implied = FORMAT_OF_EXTENSION.get(suffix)
    if fmt is None:
        if implied is None:
            known = ", ".join(f"{ext} ({name})" for ext, name in FORMAT_OF_EXTENSION.items())
            raise OutputError(f"cannot tell the export format of {out} from its extension "
                              f"{suffix or '(none)'}; known extensions: {known}",
                              hint=("give --format, or " if choosable else "give ") +
                              "an --out name with one of these extensions")
        return implied
    if implied is not None and implied != fmt:
        raise OutputError(f"--format {fmt} contradicts --out {out}, whose extension {suffix} means {implied}; "
                          "nothing was written",
                          hint=f"drop --format, or name the file *{EXTENSIONS[fmt]}")
    return fmt


def export(data_dir: DataDir, fmt: str = "turtle", *, inferred: bool = False, settings: Settings = DEFAULTS,
           progress=None) -> bytes:
    """The KG serialised in ``fmt`` (see FORMATS), as bytes (:func:`write_export`)."""
    import io

    sink = io.BytesIO()
    write_export(data_dir, fmt, sink, inferred=inferred, settings=settings, progress=progress)
    return sink.getvalue()


def export_to(data_dir: DataDir, fmt: str, out=None, *, inferred: bool = False, settings: Settings = DEFAULTS,
              progress=None) -> EngineRun:
    """Write the export to the file ``out`` atomically (a temporary file next to it, then
    os.replace: nothing half-written on failure), or to standard output when ``out`` is None."""
    import shutil

    if out is not None:
        with atomic_output(out) as handle:
            return write_export(data_dir, fmt, handle, inferred=inferred, settings=settings, progress=progress)
    with tempfile.TemporaryFile() as handle:  # the fast writer may refuse half-way: nothing reaches stdout then
        chosen = write_export(data_dir, fmt, handle, inferred=inferred, settings=settings, progress=progress)
        handle.seek(0)
        shutil.copyfileobj(handle, sys.stdout.buffer, 1 << 20)
        sys.stdout.buffer.flush()
    return chosen


def write_export(data_dir: DataDir, fmt: str, sink, *, inferred: bool = False, settings: Settings = DEFAULTS,
                 progress=None) -> EngineRun:
    """Write the KG in ``fmt`` to ``sink`` (binary, seekable) with the writer the engine
    setting (``settings.engine``) picks (kg.engine.api.run); returns which writer ran and why."""
    from kg.store.cache import ensure_cache

    if fmt not in FORMATS:
        raise OutputError(f"unknown export format {fmt!r}; expected one of {', '.join(FORMATS)}")
    nquads = ensure_cache(data_dir, settings=settings, progress=progress, full_check=True).nquads
    start = sink.tell()

    def fast() -> None:
        if fmt not in STREAMED_FORMATS:
            raise Unsupported(f"{fmt} has no streaming writer (only {', '.join(STREAMED_FORMATS)})")
        write_streamed(nquads, fmt, sink, inferred=inferred, budget=settings.canon_budget)

    def reference() -> None:
        sink.seek(start)
        sink.truncate()
        sink.write(serialise(graphs_of(nquads, inferred=inferred, settings=settings), fmt))

    return run("export", settings.engine, fast, reference)[1]


def write_streamed(nquads, fmt: str, sink, *, inferred: bool, budget: float | None = None) -> None:
    """The fast writer: ``fmt`` (one of STREAMED_FORMATS) of the cache file ``nquads`` to ``sink``;
    ``budget``: seconds for the blank-node labelling (None: CANON_BUDGET)."""
    from kg.ops.export_turtle import write_longturtle

    if fmt != "turtle":
        _write_sorted_lines(nquads, sink, inferred=inferred, quads=fmt == "nquads", budget=budget)
        return
    with tempfile.TemporaryFile() as triples:
        _write_sorted_lines(nquads, triples, inferred=inferred, quads=False, as_reference=False, budget=budget)
        write_longturtle(triples, sink)


def _write_sorted_lines(nquads, sink, *, inferred: bool, quads: bool, as_reference: bool = True,
                        budget: float | None = None) -> None:
    """N-Triples or N-Quads export, streamed (kg.ops.export_stream); ``as_reference``: the
    export itself, else the input of the Turtle writer (see export_stream.merge_into)."""
    import pyoxigraph as ox

    counts = VoidCounts()
    with open(nquads, "rb") as source, tempfile.TemporaryFile() as spool:
        blank = spool_lines(source, spool, counts, inferred=inferred, quads=quads)
        extras = []
        if blank:
            canonical = canonical_quads(list(ox.parse(b"".join(blank), format=ox.RdfFormat.N_QUADS)), budget=budget)
            extras = blank_node_lines(canonical, counts, quads=quads)
        extras += description_lines(description(counts, inferred=inferred), quads=quads, graph=VOID_GRAPH)
        spool.seek(0)
        merge_into(sink, spool, sorted(set(extras)), as_reference=as_reference)


def serialise(graphs: dict, fmt: str) -> bytes:
    """``{graph IRI: list of pyoxigraph Triples}`` in ``fmt``."""
    if fmt in ("nt", "nquads"):
        return _lines(graphs, quads=fmt == "nquads")
    if fmt == "trig":
        return _trig(graphs)
    if fmt == "json-ld":
        return _jsonld(graphs)
    merged = sorted({t for triples in graphs.values() for t in triples}, key=_key)
    if fmt == "turtle":
        return _rdflib_graph(merged).serialize(format="longturtle", encoding="utf-8")
    if fmt == "xml":
        return _rdfxml(merged)
    raise OutputError(f"unknown export format {fmt!r}")


def _rdflib_graph(triples):
    from rdflib import Graph

    from kg.project.load import bind_prefixes
    from kg.rdf.terms import ox_to_rdflib

    graph = Graph()
    bind_prefixes(graph)
    for t in triples:
        graph.add((ox_to_rdflib(t.subject), ox_to_rdflib(t.predicate), ox_to_rdflib(t.object)))
    return graph


def _lines(graphs: dict, *, quads: bool) -> bytes:
    import pyoxigraph as ox

    if quads:
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))
                 for name, triples in graphs.items() for t in triples]
        fmt = ox.RdfFormat.N_QUADS
    else:
        items = list({t for triples in graphs.values() for t in triples})
        fmt = ox.RdfFormat.N_TRIPLES
    text = ox.serialize(items, format=fmt).decode("utf-8")
    lines = sorted(set(line for line in text.splitlines() if line))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _rdfxml(triples) -> bytes:
    """RDF/XML through pyoxigraph, which writes triples in the (sorted) order given."""
    import pyoxigraph as ox

    from kg.rdf.terms import check_xml_triples

    check_xml_triples(triples, alternatives="--format nt or --format turtle (they escape it)")
    prefixes = {p: ns for p, ns in sorted(PREFIXES.items())}
    return ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=prefixes)


def _trig(graphs: dict) -> bytes:
    """TriG written graph by graph (sorted), with one shared, complete set of prefixes."""
    ordered = {}
    namespaces: dict[str, str] = dict(PREFIXES)
    for name, triples in graphs.items():
        copy = _rdflib_graph(triples)
        copy.serialize(format="turtle")  # first pass: lets rdflib name unknown namespaces
        for prefix, ns in copy.namespaces():
            if str(ns) not in namespaces.values():
                base, number = prefix.rstrip("0123456789") or "ns", 1
                candidate = prefix
                while candidate in namespaces:
                    candidate, number = f"{base}{number}", number + 1
                namespaces[candidate] = str(ns)
        ordered[name] = copy
    header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(namespaces.items()))
    parts = [header]
    for name, graph in ordered.items():
        for prefix, ns in namespaces.items():
            graph.bind(prefix, ns, override=True, replace=True)
        body = graph.serialize(format="turtle")
        lines = [line for line in body.splitlines() if not line.startswith("@prefix")]
        while lines and not lines[0].strip():
            lines.pop(0)
        # Not re-indented: that would change multi-line literals.
        inner = "\n".join(lines).rstrip()
        parts.append(f"\n<{name}> {{\n{inner}\n}}\n")
    return "".join(parts).encode("utf-8")


def _jsonld(graphs: dict) -> bytes:
    from rdflib import Dataset, URIRef

    from kg.project.load import bind_prefixes
    from kg.rdf.terms import ox_to_rdflib

    dataset = Dataset()
    bind_prefixes(dataset)
    for name, triples in graphs.items():
        target = dataset.graph(URIRef(name))
        for t in triples:
            target.add((ox_to_rdflib(t.subject), ox_to_rdflib(t.predicate), ox_to_rdflib(t.object)))
    text = dataset.serialize(format="json-ld", context=dict(sorted(PREFIXES.items())), auto_compact=True)
    doc = _normalise_json(json.loads(text))
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _normalise_json(node, parent_key: str | None = None):
    """Sort every JSON-LD array except @list contents, recursively."""
    if isinstance(node, dict):
        return {k: _normalise_json(v, k) for k, v in node.items()}
    if isinstance(node, list):
        items = [_normalise_json(v) for v in node]
        if parent_key == "@list":
            return items
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return node


def void_description(graphs: dict, *, inferred: bool):
    """The VoID + DCAT description as an rdflib Graph, for ``{name: rdflib Graph}``."""
    import pyoxigraph as ox

    from kg.rdf.terms import rdflib_to_ox

    triples = {name: [ox.Triple(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o)) for s, p, o in graph]
               for name, graph in graphs.items()}
    return _rdflib_graph(void_triples(triples, inferred=inferred))
