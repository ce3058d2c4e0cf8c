"""Load the ontology, shapes and data into an rdflib Dataset, one named graph per file.

Graph IRI of a file: ``urn:kg:file:<path relative to the data dir>``; queries over the
Dataset see the union of all graphs (``default_union=True``). Files are parsed strictly
with pyoxigraph (see kg.rdf.io) and converted to rdflib terms, so a syntax error names
the file, line and column and no rdflib parser (recursive, lenient with IRIs) is used.

Layer: kg.project. Imports kg.rdf and kg.project.paths.
"""
from __future__ import annotations

from pathlib import Path

from kg.project.paths import DataDir
from kg.rdf.vocab import PREFIXES, file_graph
from kg.rdf.io import DEFAULT_MAX_NESTING, UNLIMITED, parse_quads
from kg.rdf.terms import ox_to_rdflib


def bind_prefixes(graph) -> None:
    """Bind the project prefixes on a Graph or Dataset (replacing rdflib's defaults)."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)


def parse_file(path, *, max_bytes: int | None = None, max_nesting: int = DEFAULT_MAX_NESTING):
    """Parse one local RDF file into a new rdflib Graph (named graphs flattened)."""
    from rdflib import Graph

    graph = Graph()
    bind_prefixes(graph)
    parse_file_into(graph, path, max_bytes=max_bytes, max_nesting=max_nesting)
    return graph


def parse_file_into(graph, path, *, max_bytes: int | None = None, require_triples: bool = False,
                    max_nesting: int = DEFAULT_MAX_NESTING) -> int:
    """Parse ``path`` strictly and add its triples to ``graph``; return the triple count.

    ``require_triples``: a file without a triple is a ParseError (the untrusted inputs of
    ``kg validate`` / ``kg add``; the KG's own files may be empty)."""
    quads = parse_quads(path, max_bytes=max_bytes, require_triples=require_triples, max_nesting=max_nesting)
    cache: dict = {}

    def conv(term):
        try:
            return cache[term]
        except KeyError:
            cache[term] = value = ox_to_rdflib(term)
            return value

    for quad in quads:
        graph.add((conv(quad.subject), conv(quad.predicate), conv(quad.object)))
    return len(quads)


def new_dataset():
    from rdflib import Dataset

    dataset = Dataset(default_union=True)
    bind_prefixes(dataset)
    return dataset


def load_dataset(data_dir: DataDir, extra_files=(), *, include_shapes: bool = True,
                 max_bytes: int | None = None, max_nesting: int = DEFAULT_MAX_NESTING):
    """Dataset of every ontology, (shapes,) data and extra file, one named graph per file.

    ``extra_files`` are files outside the KG (``kg validate FILE``) loaded next to it; their
    graph is named after their path relative to the data dir (absolute when outside it).
    ``max_bytes`` limits the extra files only; ``max_nesting`` every file.
    """
    from rdflib import URIRef

    dataset = new_dataset()
    files = data_dir.ontology_files() + (data_dir.shapes_files() if include_shapes else []) \
        + data_dir.data_files()
    for path in files:  # the KG's own files: no size limit
        parse_file_into(dataset.graph(URIRef(file_graph(data_dir.relpath(path)))), path, max_bytes=UNLIMITED,
                        max_nesting=max_nesting)
    for path in [Path(p) for p in extra_files]:  # untrusted: an empty file is an error
        parse_file_into(dataset.graph(URIRef(file_graph(data_dir.relpath(path)))), path, max_bytes=max_bytes,
                        require_triples=True, max_nesting=max_nesting)
    return dataset


def size_limit(data_dir: DataDir, path, max_bytes: int | None) -> int | None:
    """The size limit for reading ``path``: none for the data dir's own input files (the
    user's own data), ``max_bytes`` for any other file (``kg validate FILE``, ``kg add FILE``)."""
    own = Path(path).resolve() in {p.resolve() for p in data_dir.input_files()}
    return UNLIMITED if own else max_bytes


def graph_name_for(data_dir: DataDir, path) -> str:
    return file_graph(data_dir.relpath(Path(path)))


def is_shapes_graph(name, data_dir: DataDir | None = None) -> bool:
    """Is ``name`` the graph of the data dir's shapes file (``ontology/shapes.ttl``)?

    Decided by the data dir's layout only: a data file or an input called ``shapes.ttl``
    (``data/shapes.ttl``, ``/tmp/x/shapes.ttl``) is data. Without ``data_dir``: the graph
    every data dir names its shapes file (``urn:kg:file:ontology/shapes.ttl``).
    """
    expected = {file_graph("ontology/shapes.ttl")}
    if data_dir is not None:
        expected.add(graph_name_for(data_dir, data_dir.shapes_file))
    return str(name) in expected


def knowledge_graph(dataset, *, include_shapes: bool = False):
    """A plain Graph with the union of the file graphs (shapes excluded by default)."""
    from rdflib import Graph

    from kg.rdf.vocab import FILE_GRAPH_PREFIX

    graph = Graph()
    bind_prefixes(graph)
    for context in dataset.graphs():
        name = str(context.identifier)
        if not name.startswith(FILE_GRAPH_PREFIX):
            continue
        if is_shapes_graph(name) and not include_shapes:
            continue
        for triple in context:
            graph.add(triple)
    return graph
