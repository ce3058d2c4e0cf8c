"""OWL 2 RL closure with the Nemo rule engine, rules generated from the ontology.

owlrl (``kg.engine.reference.reason``) is the reference; this is the engine for large
graphs. How it works, and where each step lives:

1. **Schema closure once** (kg.engine.fast.tbox). owlrl closes the ontology alone
   (``TBox.from_graph``; about a second) and every schema fact the instance rules need is
   read off that closure into tables. Nothing is written per class or property by hand:
   a new axiom in ``ontology/*.ttl`` becomes a new row of a table or a new generated rule.
   A construct this translation does not handle raises ``UnsupportedForFastReasoning``.
2. **Instance rules in Nemo** (kg.engine.fast.rules). The OWL 2 RL instance rules are a
   fixed Datalog program over those tables, plus one generated rule per intersection,
   property chain and key; terms travel as their exact text (SPARQL TSV).
3. **Data in, inferences out** (kg.engine.fast.nemo). The asserted triples come from a
   pyoxigraph store as TSV; Nemo writes the triples that were not asserted; the noise
   owlrl also produces (literal subjects, blank nodes, reflexive ``owl:sameAs``, anything
   about the rdf:/rdfs:/owl:/xsd: vocabularies: kg.engine.noise, the one rule both
   engines use) is dropped. The result (``reason_store``, here) is Turtle text, one triple
   per line, ready for ``Store.load``.

Inconsistencies (disjoint classes sharing a member, ``owl:Nothing`` members, ``sameAs``
against ``differentFrom``/``AllDifferent``, irreflexive, asymmetric and disjoint
properties, complements, max cardinality 0, ill-typed literals) are reported like
``kg.engine.reference.reason`` does: a ``ConsistencyReport`` with one message each. (owlrl 7's
``AllDifferent`` and ``AllDisjointProperties`` rules skip the last list member; this
follows the OWL 2 RL specification and checks every pair.)

A data file that carries schema axioms of its own (a subclass, a domain, a restriction...)
would need rules the ontology does not generate: ``reason_store`` raises
``UnsupportedForFastReasoning`` so that the caller falls back to owlrl.

Layer: kg.engine. Imports kg.config, kg.errors, kg.rdf and kg.engine (results, noise,
reference.reason, fast.tbox, fast.nemo); the last section (a data dir on the fast
engines: what kg.store.cache publishes) also kg.project.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg.config import DEFAULT_MAX_NESTING
from kg.engine.fast.nemo import export_tsv, query_dataset, query_to_tsv, read_errors, read_new, run_nemo
from kg.engine.fast.tbox import NOTHING, SAME_AS, TYPE, TBox, tbox_for
from kg.engine.noise import is_noise_text
from kg.engine.reference.reason import DEFAULT_MAX_SECONDS, DEFAULT_MAX_TRIPLES, Budget
from kg.engine.results import ConsistencyReport
from kg.errors import UnsupportedForFastReasoning
from kg.rdf.terms import term_from_text, tsv_of
from kg.rdf.vocab import OWL, RDF, RDFS, XSD

#: Schema predicates and types that must not occur in the instance data (they would need
#: rules generated from the data itself): ``reason_store`` refuses such data.
SCHEMA_PREDICATES = [RDFS + p for p in ("subClassOf", "subPropertyOf", "domain", "range")] + [
    OWL + p for p in ("equivalentClass", "equivalentProperty", "inverseOf", "propertyChainAxiom",
                      "onProperty", "someValuesFrom", "allValuesFrom", "hasValue", "intersectionOf",
                      "unionOf", "complementOf", "oneOf", "disjointWith", "propertyDisjointWith",
                      "members", "distinctMembers", "hasKey", "maxCardinality", "maxQualifiedCardinality",
                      "onClass", "sourceIndividual", "assertionProperty", "disjointUnionOf")]
SCHEMA_TYPES = [OWL + t for t in (
    "Class", "Restriction", "FunctionalProperty", "InverseFunctionalProperty", "TransitiveProperty",
    "SymmetricProperty", "AsymmetricProperty", "IrreflexiveProperty", "ReflexiveProperty", "AllDifferent",
    "AllDisjointClasses", "AllDisjointProperties", "NegativePropertyAssertion", "ObjectProperty",
    "DatatypeProperty")] + [RDF + "Property", RDFS + "Class", RDFS + "Datatype"]


@dataclass
class FastReasonResult:
    """What ``reason_store`` inferred, and the consistency report."""

    turtle: str
    """The inferred triples, one per line (Turtle; terms as pyoxigraph writes them)."""
    count: int
    consistency: ConsistencyReport
    timings: dict[str, float] = field(default_factory=dict)
    literal_types: list = field(default_factory=list)
    """(literal, class) term texts: literals a range typed (triples RDF cannot store)."""
    dropped: list = field(default_factory=list)
    """(relation, subject, object) rows of the closure left out of ``turtle`` (noise, stubs):
    with the store, they are the closure kg.engine.fast.extend extends."""

    def triples(self):
        """The inferred triples as pyoxigraph Triples."""
        import pyoxigraph as ox

        return list(ox.parse(self.turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE))

    def rdflib_graph(self):
        """The inferred triples as an rdflib Graph (for comparisons with kg.engine.reference.reason)."""
        from rdflib import Graph

        from kg.rdf.terms import ox_to_rdflib

        graph = Graph()
        for t in self.triples():
            graph.add((ox_to_rdflib(t.subject), ox_to_rdflib(t.predicate), ox_to_rdflib(t.object)))
        return graph


def check_no_schema_in_data(store, data_graphs) -> None:
    """Raise UnsupportedForFastReasoning if the data graphs state schema axioms."""
    if data_graphs is not None and not data_graphs:
        return
    preds = " ".join(f"<{p}>" for p in SCHEMA_PREDICATES)
    types = " ".join(f"<{t}>" for t in SCHEMA_TYPES)
    query = ("SELECT ?s ?p ?o WHERE { { VALUES ?p { %s } ?s ?p ?o } UNION "
             "{ VALUES ?o { %s } ?s a ?o BIND(<%stype> AS ?p) } } LIMIT 1" % (preds, types, RDF))
    for row in store.query(query, **query_dataset(data_graphs)):
        raise UnsupportedForFastReasoning(
            f"the data states a schema axiom ({row['s']} {row['p']} {row['o']}); "
            "rules are generated from the ontology only", hint="use the owlrl reasoner (kg.engine.reference.reason)")


#: The typed literals of the input (those ``ill_typed_literals`` checks).
TYPED_LITERALS = ("SELECT DISTINCT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o) && DATATYPE(?o) != <%sstring> "
                  "&& DATATYPE(?o) != <%slangString>) }" % (XSD, RDF))


def ill_typed_literals(store, graphs=None, tsv: Path | None = None) -> list[str]:
    """dt-not-type as owlrl does it: literals of an OWL RL datatype whose text does not parse
    (plain and language-tagged strings are never checked: rdflib holds them untyped).

    ``tsv``: the result of ``TYPED_LITERALS`` already written there (by a background thread).
    """
    import pyoxigraph as ox
    from owlrl.DatatypeHandling import AltXSDToPYTHON
    from owlrl.XsdDatatypes import OWL_RL_Datatypes
    from rdflib import URIRef

    checked = {str(d) for d in OWL_RL_Datatypes if d in AltXSDToPYTHON} - {XSD + "string"}
    if tsv is None:
        literals = [row["o"] for row in store.query(TYPED_LITERALS, **query_dataset(graphs))]
    else:
        literals = [row[0] for row in ox.parse_query_results(path=str(tsv), format=ox.QueryResultsFormat.TSV)]
    errors = []
    for lit in literals:
        datatype = lit.datatype.value
        if datatype not in checked:
            continue
        try:
            AltXSDToPYTHON[URIRef(datatype)](lit.value)
        except ValueError:
            errors.append(f"Lexical value of the literal '{lit.value}' does not match its datatype "
                          f"({datatype})")
    return sorted(errors)


def reason_store(store, tbox: TBox, *, graphs=None, data_graphs=None, workdir: Path | None = None,
                 check_schema: bool = True, sort: bool = True,
                 max_seconds: float | None = DEFAULT_MAX_SECONDS, max_triples: int | None = DEFAULT_MAX_TRIPLES,
                 budget: Budget | None = None) -> FastReasonResult:
    """Closure of the triples in ``store`` under the rules of ``tbox``.

    ``graphs``: the named graphs whose union is the input (ontology and data; None: every
    graph). ``data_graphs``: the graphs that must hold no schema axioms (None: every graph
    is checked, which suits a store holding data only). Raises UnsupportedForFastReasoning.

    Bounded by ``max_seconds`` and ``max_triples`` inferred triples (or a shared
    kg.engine.reference.reason.Budget): Nemo runs in a child process killed at the deadline, its output is
    counted before it is read, and the Python steps check the budget as they go. Over
    budget: ReasoningBudgetError.
    """
    from concurrent.futures import ThreadPoolExecutor

    budget = Budget.of(budget, max_seconds, max_triples)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    if check_schema:
        check_no_schema_in_data(store, data_graphs)
    own_dir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="kg-nemo-")) if own_dir else Path(workdir)
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        # The literal check runs in Rust beside the export and Nemo (which hold no GIL... or,
        # for Nemo, hold it: the query still proceeds, only its return waits).
        typed = pool.submit(query_to_tsv, store, TYPED_LITERALS, work / "typed.tsv", graphs) \
            if tbox.profile == "owlrl" else None
        seen_pairs: frozenset = frozenset()
        while True:
            mark = time.perf_counter()
            exact, stubbed = tbox.predicates()
            export_tsv(store, work, tbox, graphs, pool)
            timings["export"] = timings.get("export", 0.0) + time.perf_counter() - mark
            budget.check()
            mark = time.perf_counter()
            out = run_nemo(tbox, work, budget)
            timings["nemo"] = timings.get("nemo", 0.0) + time.perf_counter() - mark
            mark = time.perf_counter()
            literal_types: list = []
            dropped: list = []
            lines, same_pairs = read_new(out, tbox, literal_types, dropped)
            if tbox.profile == "owlrl":  # asserted pairs count too (both directions may be asserted)
                same_pairs |= asserted_same_as(store, graphs)
            lines |= schema_news(store, tbox, graphs)
            budget.check(len(lines))
            schema_pairs = {(a, b) for a, b in same_pairs if (a in tbox.terms or b in tbox.terms)
                            and a.startswith("<") and b.startswith("<")}
            timings["decode"] = timings.get("decode", 0.0) + time.perf_counter() - mark
            if not schema_pairs or schema_pairs <= seen_pairs:
                break
            # The data merged schema terms: redo the schema closure with those merges.
            seen_pairs = frozenset(schema_pairs | seen_pairs)
            tbox = tbox.with_same_as(seen_pairs, budget=budget)
        mark = time.perf_counter()
        if same_pairs:
            lines |= replicate_same_as(store, same_pairs, set(exact), set(stubbed), graphs, budget=budget)
        budget.check(len(lines))
        ordered = sorted(lines) if sort else list(lines)
        same_as = sorted({tuple(sorted((a[1:-1], b[1:-1]))) for a, b in same_pairs
                          if a.startswith("<") and b.startswith("<")})
        nothing = {line.split(" ", 1)[0][1:-1] for line in ordered
                   if line.endswith(f" {TYPE} {NOTHING} .\n")}
        errors = set(ill_typed_literals(store, graphs, tsv=typed.result())) if typed else set()
        rule_errors, rule_nothing = read_errors(out, tbox)
        errors |= rule_errors
        nothing |= rule_nothing
        report = ConsistencyReport(errors=sorted(errors), nothing_members=sorted(nothing),
                                   same_as=same_as)
        timings["decode"] += time.perf_counter() - mark
        timings["total"] = time.perf_counter() - start
        return FastReasonResult(turtle="".join(ordered), count=len(ordered), consistency=report,
                                timings=timings, literal_types=sorted(set(literal_types)), dropped=dropped)
    finally:
        pool.shutdown(wait=True)
        if own_dir:
            shutil.rmtree(work, ignore_errors=True)


def asserted_same_as(store, graphs) -> set:
    """The asserted ``owl:sameAs`` pairs of distinct terms, as TSV texts."""
    query = f"SELECT ?s ?o WHERE {{ ?s {SAME_AS} ?o FILTER(?s != ?o) }}"
    return {(tsv_of(row["s"]), tsv_of(row["o"])) for row in store.query(query, **query_dataset(graphs))}


def schema_news(store, tbox: TBox, graphs) -> set:
    """What owlrl infers from the ontology alone, less what the input asserts."""
    import pyoxigraph as ox

    graph_nodes = [ox.NamedNode(g) for g in graphs] if graphs is not None else [None]
    return {f"{s} {p} {o} .\n" for s, p, o in tbox.inferred
            if not is_noise_text(s, p, o) and not _asserted(store, s, p, o, graph_nodes)}


def replicate_same_as(store, pairs, exact: set, stubbed: set, graphs, *, budget: Budget | None = None) -> set:
    """eq-rep-s/o for the triples Nemo did not see (other predicates, stubbed literals).

    Every such triple of a member of an owl:sameAs class is copied to every member, in
    subject and object position. A merged predicate (eq-rep-p) is refused. ``budget``
    (kg.engine.reference.reason.Budget) is checked as the copies are made.
    """
    import pyoxigraph as ox

    budget = budget if budget is not None else Budget(None, None)

    parent: dict[str, str] = {}

    def find(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    classes: dict[str, set] = {}
    for x in {t for pair in pairs for t in pair}:
        classes.setdefault(find(x), set()).add(x)
    members = {x: classes[find(x)] for pair in pairs for x in pair}
    graph_nodes = [ox.NamedNode(g) for g in graphs] if graphs is not None else [None]
    asserted, candidates = set(), set()
    for text in sorted(members):
        term = term_from_text(text)
        if term is None:
            continue
        if isinstance(term, ox.NamedNode):
            for graph in graph_nodes:
                if any(True for _ in store.quads_for_pattern(None, term, None, graph)):
                    raise UnsupportedForFastReasoning(
                        f"owl:sameAs merges {text}, which is used as a predicate (eq-rep-p)")
        found = []
        for graph in graph_nodes:
            if not isinstance(term, ox.Literal):
                found += list(store.quads_for_pattern(term, None, None, graph))
            found += list(store.quads_for_pattern(None, None, term, graph))
        for quad in found:
            s, p, o = tsv_of(quad.subject), str(quad.predicate), tsv_of(quad.object)
            if p in exact or (p in stubbed and not isinstance(quad.object, ox.Literal)):
                continue
            asserted.add((s, p, o))
            for s2 in members.get(s, {s}):
                for o2 in members.get(o, {o}):
                    candidates.add((s2, p, o2))
            budget.tick(candidates.__len__)
    budget.check(len(candidates))
    return {f"{s} {p} {o} .\n" for s, p, o in candidates - asserted
            if not is_noise_text(s, p, o) and not _asserted(store, s, p, o, graph_nodes)}


def _asserted(store, s, p, o, graph_nodes) -> bool:
    import pyoxigraph as ox

    terms = [term_from_text(x) for x in (s, p, o)]
    if any(t is None for t in terms) or not isinstance(terms[0], (ox.NamedNode, ox.BlankNode)):
        return False
    return any(any(True for _ in store.quads_for_pattern(terms[0], terms[1], terms[2], g))
               for g in graph_nodes)


# ---------------------------------------------------------------------------
# Convenience: rdflib graphs in, rdflib graph out (tests, small inputs)
# ---------------------------------------------------------------------------

def reason_graphs(ontology, data, *, max_seconds: float | None = DEFAULT_MAX_SECONDS,
                  max_triples: int | None = DEFAULT_MAX_TRIPLES) -> tuple:
    """Fast closure of ``ontology`` + ``data`` (rdflib Graphs): (inferred Graph, ConsistencyReport).

    The inferred triples exclude everything asserted in either graph, like kg.engine.reference.reason.
    ``max_seconds=None`` runs Nemo in this process (no child to start: for many small inputs).
    """
    import pyoxigraph as ox

    from kg.rdf.terms import rdflib_to_ox

    tbox = TBox.from_graph(ontology)
    store = ox.Store()
    onto, dat = ox.NamedNode("urn:kg:fast:ontology"), ox.NamedNode("urn:kg:fast:data")
    store.extend([ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), onto) for s, p, o in ontology])
    store.extend([ox.Quad(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o), dat) for s, p, o in data])
    result = reason_store(store, tbox, graphs=[onto.value, dat.value], data_graphs=[dat.value],
                          max_seconds=max_seconds, max_triples=max_triples)
    return result.rdflib_graph(), result.consistency


def reason_files(ontology_paths, data_paths, *, cache_dir: Path | None = None,
                 sort: bool = True) -> FastReasonResult:
    """Fast closure of ontology and data files, read into an in-memory pyoxigraph store."""
    import pyoxigraph as ox

    from kg.rdf.io import format_name

    store = ox.Store()
    names = []
    for i, path in enumerate(list(ontology_paths) + list(data_paths)):
        graph = f"urn:kg:fast:{i}"
        names.append(graph)
        store.bulk_load(path=str(path), format=getattr(ox.RdfFormat, format_name(Path(path))),
                        to_graph=ox.NamedNode(graph))
    tbox = tbox_for(ontology_paths, cache_dir=cache_dir)
    return reason_store(store, tbox, graphs=names, data_graphs=names[len(list(ontology_paths)):], sort=sort)


# ---------------------------------------------------------------------------
# A data dir on the fast engines (what kg.store.cache writes into an entry)
# ---------------------------------------------------------------------------

@dataclass
class ReasonedStore:
    """A data dir's input files and their closure, in an in-memory pyoxigraph store."""

    store: object
    """pyoxigraph.Store: one named graph per input file (kg.rdf.vocab.file_graph), and
    ``urn:kg:inferred`` with the inferred triples."""
    triples: dict[str, int]
    """Triples per graph IRI."""
    asserted: int
    """Distinct asserted triples of the ontology and data files."""
    inferred: int
    consistency: ConsistencyReport
    dropped: list = field(default_factory=list)
    """FastReasonResult.dropped: what kg.store.cache keeps so that an addition can extend
    the closure (kg.engine.fast.extend)."""


def reason_data_dir(data_dir, *, cache_dir: Path | None = None, max_nesting: int = DEFAULT_MAX_NESTING, progress=None,
                    max_seconds: float | None = DEFAULT_MAX_SECONDS,
                    max_triples: int | None = DEFAULT_MAX_TRIPLES) -> ReasonedStore:
    """Load every input file of ``data_dir`` into pyoxigraph and reason with Nemo (no rdflib).

    ``cache_dir``: where the schema closure (TBox) is kept between runs (tbox_for).
    ``max_nesting``: the nesting limit of the files (kg.rdf.io). Raises
    UnsupportedForFastReasoning (the reference engine can do it: kg.engine.api falls
    back), SchemaInDataError (a ``data/`` file states a schema axiom:
    kg.project.schemacheck) or ReasoningBudgetError (the schema closure and reasoning took
    over ``max_seconds`` or inferred over ``max_triples`` triples).
    """
    import pyoxigraph as ox

    from kg.project.load import is_shapes_graph
    from kg.project.schemacheck import check_store
    from kg.rdf.io import UNLIMITED, load_into_store
    from kg.rdf.vocab import INFERRED_GRAPH, file_graph

    say = progress or (lambda message: None)
    files = data_dir.input_files()
    names = {path: file_graph(data_dir.relpath(path)) for path in files}
    say(f"loading {len(files)} files from {data_dir.root} into pyoxigraph ...")
    store = ox.Store()  # in memory: loading and reasoning run 3-4x faster than on disk
    for path in files:  # the KG's own files: no size limit
        load_into_store(store, path, names[path], max_bytes=UNLIMITED, max_nesting=max_nesting)
    ontology = [names[p] for p in data_dir.ontology_files()]
    data = [names[p] for p in data_dir.data_files()]
    assert not any(is_shapes_graph(g) for g in ontology + data)
    check_store(store, {names[p]: data_dir.relpath(p) for p in data_dir.data_files()})
    say("reasoning (OWL 2 RL, Nemo) ...")
    budget = Budget(max_seconds, max_triples)
    tbox = tbox_for(data_dir.ontology_files(), cache_dir=cache_dir, budget=budget, max_nesting=max_nesting)
    result = reason_store(store, tbox, graphs=ontology + data, data_graphs=data, sort=False, budget=budget)
    if result.turtle:
        store.bulk_load(result.turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE,
                        to_graph=ox.NamedNode(INFERRED_GRAPH))
    say("counting triples per graph ...")
    counts = {str(row["g"].value): int(row["n"].value) for row in store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    asserted = int(next(iter(store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
        default_graph=[ox.NamedNode(g) for g in ontology + data])))["n"].value)
    return ReasonedStore(store=store, triples=counts, asserted=asserted, inferred=result.count,
                         consistency=result.consistency, dropped=result.dropped)
