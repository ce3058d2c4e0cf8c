"""Streaming N-Triples and N-Quads export, line by line from the cache's sorted ``dataset.nq``.

Layer: kg.ops. Imports kg.errors, kg.rdf.vocab, kg.project.load and pyoxigraph.

The cache entry's ``dataset.nq`` holds every quad as the line pyoxigraph writes for it,
sorted. A line of an exported graph without a blank node is already what the export
writes: as is for N-Quads, less its graph for N-Triples. Lines sorted as quads are also
sorted as triples, with a triple's copies (one per graph) next to each other, because no
term's text followed by a space begins another term's text. So an export is: one pass
that spools those lines (deduplicated) and counts what the VoID description needs
(:func:`spool_lines`), RDFC-1.0 over the few quads with a blank node
(:func:`blank_node_lines`), and one merge of the three sorted streams into the output
(:func:`merge_into`). Memory holds the blank-node quads and the counts, never the triples.

It is the fast path of kg.ops.export: a line it cannot read that way (a quad in the
default graph, a triple term, anything pyoxigraph would not write) raises
kg.errors.Unsupported, and the in-memory writer runs instead.
"""
from __future__ import annotations

import bisect
import re

from kg.errors import Unsupported
from kg.project.load import is_shapes_graph
from kg.rdf.vocab import FILE_GRAPH_PREFIX, INFERRED_GRAPH

#: Characters an IRI cannot hold (RFC 3987), so a graph token holding one is no graph name.
_NOT_IN_IRI = re.compile(rb'[\x00-\x20<>"{}|^`\\]')
_LINE_END = b"> .\n"
#: U+0085, U+2028, U+2029 in UTF-8: line breaks to str.splitlines, not to N-Triples.
_UNICODE_LINE_BREAK = re.compile(b"\xc2\x85|\xe2\x80[\xa8\xa9]")
_SPECIAL = (b"_:", b"<<")  # a term starting so: a blank node or a triple term
SPOOL_BATCH = 10000  # lines gathered before one write


def is_exported_graph(name: str, inferred: bool) -> bool:
    """Is graph ``name`` of the cache exported? Every data and ontology file's graph but the
    shapes file's, and the inferred graph when ``inferred``."""
    return (name.startswith(FILE_GRAPH_PREFIX) and not is_shapes_graph(name)) or \
        (inferred and name == INFERRED_GRAPH)


def _refuse(line: bytes, why: str):
    shown = line[:200].decode("utf-8", "replace").rstrip("\n")
    return Unsupported(f"the streaming export cannot read dataset.nq line {shown!r} ({why})")


def spool_lines(source, spool, counts, *, inferred: bool, quads: bool) -> list[bytes]:
    """Copy the exported lines of ``source`` (dataset.nq, binary) that hold no blank node to
    ``spool``: quads as they are (``quads``), else triples, each once. Counts every distinct
    triple and every graph's size into ``counts`` (kg.ops.export_void.VoidCounts); returns
    the lines with a blank node, for :func:`blank_node_lines`.

    The loop is the export's hot path (once per quad), hence its few, cheap steps."""
    sizes: dict[bytes, int] = {}   # exported graph -> its lines so far
    skipped: set[bytes] = set()    # graphs not exported
    blank: list[bytes] = []
    kept: list[bytes] = []         # spooled, not yet written
    counted = tuple(b" " + p + b" " for p in counts.COUNTED_PREDICATES)
    add, last, others = counts.add, None, 0
    for line in source:
        graph_start = line.rfind(b" <")
        graph = line[graph_start + 2:-4]
        size = sizes.get(graph)
        if size is None:
            if graph in skipped:
                continue
            if _NOT_IN_IRI.search(graph) or not line.endswith(_LINE_END):
                raise _refuse(line, "no graph name at its end")
            if not is_exported_graph(graph.decode("utf-8"), inferred):
                skipped.add(graph)
                continue
            size = 0
        sizes[graph] = size + 1
        subject_end = line.find(b" ")
        object_start = line.find(b" ", subject_end + 1) + 1
        if object_start > graph_start or not line.endswith(_LINE_END):
            raise _refuse(line, "not subject, predicate, object and graph")
        if line.startswith(_SPECIAL) or line.startswith(_SPECIAL, object_start):
            if line.startswith(b"<<") or line.startswith(b"<<", object_start):
                raise _refuse(line, "a triple term")
            blank.append(line)
            continue
        triple = line[:graph_start]
        if triple != last:
            last = triple
            if line.startswith(counted, subject_end):
                add(line[:subject_end], line[subject_end + 1:object_start - 1], line[object_start:graph_start])
            else:
                others += 1
            if not quads:
                kept.append(triple)
        if quads:
            kept.append(line)
        if len(kept) >= SPOOL_BATCH:
            _spool(spool, kept, quads)
    _spool(spool, kept, quads)
    counts.add_others(others)
    for graph, size in sizes.items():
        counts.graph_sizes[graph.decode("utf-8")] = size
    return blank


def _spool(spool, kept: list[bytes], quads: bool) -> None:
    if kept:
        spool.write(b"".join(kept) if quads else b" .\n".join(kept) + b" .\n")
        kept.clear()


def blank_node_lines(canonical: list, counts, *, quads: bool) -> list[bytes]:
    """The export lines of ``canonical`` (the blank-node quads, relabelled by RDFC-1.0),
    sorted, each once; counts their distinct triples into ``counts``."""
    import pyoxigraph as ox

    triples = _lines(ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in canonical],
                                  format=ox.RdfFormat.N_TRIPLES))
    for line in triples:
        subject_end = line.find(b" ")
        object_start = line.find(b" ", subject_end + 1) + 1
        counts.add(line[:subject_end], line[subject_end + 1:object_start - 1], line[object_start:-3])
    if quads:
        return _lines(ox.serialize(canonical, format=ox.RdfFormat.N_QUADS))
    return triples


def description_lines(description: list, *, quads: bool, graph: str) -> list[bytes]:
    """The export lines of the VoID ``description`` (pyoxigraph Triples) in ``graph``."""
    import pyoxigraph as ox

    if quads:
        name = ox.NamedNode(graph)
        return _lines(ox.serialize([ox.Quad(t.subject, t.predicate, t.object, name) for t in description],
                                   format=ox.RdfFormat.N_QUADS))
    return _lines(ox.serialize(description, format=ox.RdfFormat.N_TRIPLES))


def _lines(text: bytes) -> list[bytes]:
    return sorted(set(text.splitlines(keepends=True)))


def merge_into(sink, spool, extras: list[bytes], *, as_reference: bool = True) -> None:
    """Write the sorted lines of ``spool`` and the sorted ``extras`` to ``sink`` in order,
    a line both hold once. A batch of spooled lines no extra falls into is copied whole.

    ``as_reference``: refuse (Unsupported) a line holding U+0085, U+2028 or U+2029 (raw in
    pyoxigraph's N-Triples), where the reference writer, which splits with str.splitlines,
    breaks the line in two; its bytes are then the reference's to write."""
    position = 0
    while True:
        lines = spool.readlines(1 << 20)
        if not lines:
            break
        end = bisect.bisect_right(extras, lines[-1], position)
        if end > position:
            lines = sorted(set(lines).union(extras[position:end]))
            position = end
        _write_lines(sink, lines, as_reference)
    _write_lines(sink, extras[position:], as_reference)


def _write_lines(sink, lines: list[bytes], as_reference: bool) -> None:
    data = b"".join(lines)
    if as_reference and _UNICODE_LINE_BREAK.search(data):
        raise Unsupported("a literal or IRI holds U+0085, U+2028 or U+2029, at which the reference "
                          "N-Triples/N-Quads writer breaks the line")
    sink.write(data)
