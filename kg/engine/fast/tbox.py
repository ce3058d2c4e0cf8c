"""The schema side of the fast reasoner: owlrl's closure of the ontology, read into tables
and rules (``TBox``), memoised per ontology (``tbox_for``).

Every schema fact the instance rules need is read off that closure: subclass and
equivalence edges, intersections, unions, restrictions (some/all values, has-value, max
(qualified) cardinality 0/1), one-of, domains, ranges, sub- and equivalent properties,
inverses, symmetric, transitive, functional and inverse-functional properties, property
chains, keys, and the disjointness and difference axioms. A construct owlrl handles and
this translation does not (a restriction on a datatype, a data range) raises
``UnsupportedForFastReasoning`` instead of being skipped. Terms are held as their text in
SPARQL TSV syntax (kg.rdf.terms.tsv_text), the form Nemo reads and writes.

Layer: kg.engine. Imports kg.config, kg.errors, kg.rdf (vocab, terms), kg.project.load and
kg.engine (noise, reference.reason).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from kg.config import DEFAULT_MAX_NESTING
from kg.engine.noise import is_noise
from kg.errors import UnsupportedForFastReasoning
from kg.rdf.vocab import OWL, RDF, RDFS, XSD

#: Term texts the rules and the reasoner name.
TYPE, SAME_AS, DIFFERENT = f"<{RDF}type>", f"<{OWL}sameAs>", f"<{OWL}differentFrom>"
NOTHING, THING = f"<{OWL}Nothing>", f"<{OWL}Thing>"

#: The tables read off the schema closure: name -> arity.
TABLES = {
    "sco": 2,      # class c1 rdfs:subClassOf c2 (also from equivalentClass, intersection, union)
    "dom": 2, "rng": 2,          # property domain / range
    "spo": 2,      # p1 rdfs:subPropertyOf p2 (also from equivalentProperty)
    "inv": 2,      # p1 owl:inverseOf p2 (both directions)
    "symp": 1, "trp": 1, "fp": 1, "ifp": 1, "irp": 1, "asyp": 1,
    "pdw": 2,      # disjoint properties
    "svf": 3,      # restriction, property, class (cls-svf1)
    "svft": 2,     # restriction, property (someValuesFrom owl:Thing: cls-svf2)
    "avf": 3,      # restriction, property, class
    "hv": 3,       # restriction, property, value
    "maxc0": 2, "maxc1": 2,      # restriction, property (maxCardinality 0 / 1)
    "maxqc0": 3, "maxqc1": 3,    # restriction, property, class (maxQualifiedCardinality 0 / 1)
    "oneof": 2,    # member, class
    "com": 2,      # c1 owl:complementOf c2
    "dw": 2,       # disjoint classes (pairs)
    "diff": 2,     # different individuals from the ontology (AllDifferent, differentFrom)
}

#: Which columns of each table hold properties (the predicates the rules look at).
PROPERTY_COLUMNS = {"dom": (0,), "rng": (0,), "spo": (0, 1), "inv": (0, 1), "symp": (0,), "trp": (0,),
                    "fp": (0,), "ifp": (0,), "irp": (0,), "asyp": (0,), "pdw": (0, 1), "svf": (1,),
                    "svft": (1,), "avf": (1,), "hv": (1,), "maxc0": (1,), "maxc1": (1,),
                    "maxqc0": (1,), "maxqc1": (1,)}


@dataclass
class TBox:
    """Schema tables and generated rules, read off owlrl's closure of the ontology."""

    tables: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    rules: list = field(default_factory=list)
    """Constructs that become rules of their own: ["int", class, members] (cls-int1),
    ["chain", property, steps] (prp-spo2), ["key", class, properties] (prp-key)."""
    inferred: list[tuple[str, str, str]] = field(default_factory=list)
    """What owlrl infers from the ontology alone (no blank nodes), as term texts."""
    literal_terms: dict[str, str] = field(default_factory=dict)
    """N-Triples -> TSV text of the literals the tables use (hasValue, oneOf)."""
    source: str = ""
    """The ontology as N-Triples (to redo the schema closure when data merges schema terms)."""
    terms: frozenset = frozenset()
    """TSV texts of the IRIs the ontology mentions."""
    profile: str = "owlrl"
    """"owlrl" (OWL 2 RL, kg.engine.reference.reason) or "rdfs" (RDFS rules 2, 3, 7, 9, as pyshacl's
    inference="rdfs" applies them: domain, range, subproperty, subclass)."""

    def to_json(self) -> str:
        return json.dumps({"tables": self.tables, "rules": self.rules, "inferred": self.inferred,
                           "source": self.source, "terms": sorted(self.terms), "profile": self.profile},
                          sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "TBox":
        doc = json.loads(text)
        return cls(tables={k: [tuple(r) for r in v] for k, v in doc["tables"].items()},
                   rules=[list(r) for r in doc["rules"]], inferred=[tuple(t) for t in doc["inferred"]],
                   source=doc["source"], terms=frozenset(doc["terms"]), profile=doc["profile"])

    def rule_predicates(self) -> dict[str, set]:
        """Every property a table or generated rule names -> the tables naming it."""
        used: dict[str, set] = {}
        for name, columns in PROPERTY_COLUMNS.items():
            for row in self.tables.get(name, []):
                for c in columns:
                    used.setdefault(row[c], set()).add(name)
        for kind, head, items in self.rules:
            for prop in ([head] + items if kind == "chain" else items if kind == "key" else []):
                used.setdefault(prop, set()).add("rule")
        if self.profile == "owlrl":
            for p in (SAME_AS, DIFFERENT):
                used.setdefault(p, set()).add("core")
        return {p: tables for p, tables in used.items() if p.startswith("<") and p != TYPE}

    def predicates(self) -> tuple[list[str], list[str]]:
        """(exact, stubbed): the predicates whose asserted triples Nemo reads.

        Exact: every property the rules name and rdf:type. Stubbed:
        properties that only have a domain; their literal objects reach Nemo as one stub
        (the domain rule needs the subject alone). Triples of any other predicate only
        matter when ``owl:sameAs`` copies them (eq-rep-s/o): ``reason_store`` does that.
        """
        used = self.rule_predicates()
        stubbed = sorted(p for p, tables in used.items() if tables == {"dom"})
        exact = set(used) - set(stubbed) | {TYPE}
        return sorted(exact), stubbed

    def with_same_as(self, pairs, *, budget=None) -> "TBox":
        """The TBox of the ontology plus ``owl:sameAs`` between schema terms (term texts).

        Data that merges two individuals the ontology mentions (two epistemic statuses,
        say) changes what the schema entails (the hasValue restrictions on them): owlrl
        then derives new subclass axioms, and so must this translation.
        """
        from rdflib import Graph

        graph = Graph()
        graph.parse(data=self.source, format="nt")
        extra = "".join(f"{a} <{OWL}sameAs> {b} .\n" for a, b in sorted(pairs))
        graph.parse(data=extra, format="nt")
        return TBox.from_graph(graph, source=self.source, profile=self.profile, budget=budget)

    # -- building ---------------------------------------------------------------
    @classmethod
    def from_graph(cls, ontology, *, source: str | None = None, profile: str = "owlrl",
                   budget=None) -> "TBox":
        """Close ``ontology`` (an rdflib Graph, not modified) with owlrl and read the tables.

        ``profile="rdfs"`` closes it the way pyshacl's ``inference="rdfs"`` does and keeps
        only the RDFS tables (subclass, domain, range, subproperty). ``budget``: a
        kg.engine.reference.reason.Budget (default: the default budget); over it, ReasoningBudgetError.
        """
        import owlrl
        from rdflib import Graph, URIRef

        from kg.engine.reference.reason import Budget, expand

        closure = Graph()
        for triple in ontology:
            closure.add(triple)
        budget = budget if budget is not None else Budget()
        if profile == "rdfs":
            from pyshacl.inference import CustomRDFSSemantics

            expand(closure, CustomRDFSSemantics, budget)
        elif profile == "owlrl":
            expand(closure, owlrl.OWLRL_Semantics, budget, axiomatic_triples=False, datatype_axioms=False)
        else:
            raise ValueError(f"unknown profile {profile!r}")
        tbox = cls(tables={name: [] for name in TABLES}, profile=profile)
        if profile == "rdfs":
            tbox._read_rdfs(closure)
        else:
            tbox._read(closure)
        tbox.inferred = sorted({tuple(tbox._text(x, {}) for x in triple) for triple in closure
                                if triple not in ontology and not is_noise(*triple)
                                and not _has_bnode(triple)})
        for name in tbox.tables:
            tbox.tables[name] = sorted(set(tbox.tables[name]))
        tbox.source = source if source is not None else ontology.serialize(format="nt")
        tbox.terms = frozenset(f"<{x}>" for t in ontology for x in t if isinstance(x, URIRef))
        return tbox

    def _read(self, g) -> None:
        """The OWL 2 RL tables and generated rules, from the closure ``g``."""
        from rdflib import RDF as R
        from rdflib import Literal, URIRef
        from rdflib.collection import Collection
        from rdflib.namespace import OWL as O
        from rdflib.namespace import RDFS as S

        labels: dict = {}

        def term(node) -> str:
            return self._text(node, labels)

        def items(node) -> list:
            return list(Collection(g, node))

        def add(table, *row):
            self.tables[table].append(tuple(term(x) for x in row))

        datatypes = {URIRef(RDFS + "Literal")} | {s for s in g.subjects(R.type, S.Datatype)}

        def is_datatype(node) -> bool:
            return node in datatypes or (isinstance(node, URIRef) and str(node).startswith(XSD)) \
                or (node, R.type, S.Datatype) in g

        for c1, c2 in g.subject_objects(S.subClassOf):
            if c1 != c2 and c2 != O.Thing and not isinstance(c1, Literal):
                add("sco", c1, c2)
        for c1, c2 in g.subject_objects(O.equivalentClass):
            if c1 != c2:
                add("sco", c1, c2)
                add("sco", c2, c1)
        for c, lst in g.subject_objects(O.intersectionOf):
            members = items(lst)
            for m in members:
                add("sco", c, m)
            if members:
                self.rules.append(["int", term(c), [term(m) for m in members]])
        for c, lst in g.subject_objects(O.unionOf):
            for m in items(lst):
                add("sco", m, c)
        for p, c in g.subject_objects(S.domain):
            if c != O.Thing:
                add("dom", p, c)
        for p, c in g.subject_objects(S.range):
            if c != O.Thing and not is_datatype(c):
                add("rng", p, c)
        for p1, p2 in g.subject_objects(S.subPropertyOf):
            if p1 != p2:
                add("spo", p1, p2)
        for p1, p2 in g.subject_objects(O.equivalentProperty):
            if p1 != p2:
                add("spo", p1, p2)
                add("spo", p2, p1)
        for p1, p2 in g.subject_objects(O.inverseOf):
            add("inv", p1, p2)
            add("inv", p2, p1)
        for kind, table in ((O.SymmetricProperty, "symp"), (O.TransitiveProperty, "trp"),
                            (O.FunctionalProperty, "fp"), (O.InverseFunctionalProperty, "ifp"),
                            (O.IrreflexiveProperty, "irp"), (O.AsymmetricProperty, "asyp")):
            for p in g.subjects(R.type, kind):
                add(table, p)
        for p1, p2 in g.subject_objects(O.propertyDisjointWith):
            add("pdw", p1, p2)
        for x in g.subjects(R.type, O.AllDisjointProperties):
            for lst in g.objects(x, O.members):
                members = items(lst)
                for i, a in enumerate(members):
                    for b in members[i + 1:]:
                        add("pdw", a, b)
        for p, lst in g.subject_objects(O.propertyChainAxiom):
            chain = items(lst)
            if len(chain) == 1:
                add("spo", chain[0], p)
            elif chain:
                self.rules.append(["chain", term(p), [term(q) for q in chain]])
        for c, lst in g.subject_objects(O.hasKey):
            keys = items(lst)
            if keys:
                self.rules.append(["key", term(c), [term(k) for k in keys]])
        for r in set(g.subjects(O.onProperty, None)):
            props = list(g.objects(r, O.onProperty))
            for p in props:
                for c in g.objects(r, O.someValuesFrom):
                    if c == O.Thing:
                        add("svft", r, p)
                    elif is_datatype(c):
                        raise UnsupportedForFastReasoning(
                            f"someValuesFrom a datatype ({c}) on {p}: literal typing is not translated")
                    else:
                        add("svf", r, p, c)
                for c in g.objects(r, O.allValuesFrom):
                    if is_datatype(c):
                        raise UnsupportedForFastReasoning(
                            f"allValuesFrom a datatype ({c}) on {p}: datatype checks are not translated")
                    add("avf", r, p, c)
                for v in g.objects(r, O.hasValue):
                    add("hv", r, p, v)
                for n in g.objects(r, O.maxCardinality):
                    value = int(n) if isinstance(n, Literal) else None
                    if value in (0, 1):
                        add(f"maxc{value}", r, p)
                for n in g.objects(r, O.maxQualifiedCardinality):
                    value = int(n) if isinstance(n, Literal) else None
                    for c in g.objects(r, O.onClass):
                        if value in (0, 1):
                            if c == O.Thing and value == 1:
                                add(f"maxc{value}", r, p)
                            else:
                                add(f"maxqc{value}", r, p, c)
                if list(g.objects(r, O.onDataRange)):
                    raise UnsupportedForFastReasoning(f"a data range restriction on {p} is not translated")
        for c, lst in g.subject_objects(O.oneOf):
            for m in items(lst):
                add("oneof", m, c)
        for c1, c2 in g.subject_objects(O.complementOf):
            add("com", c1, c2)
        for c1, c2 in g.subject_objects(O.disjointWith):
            add("dw", c1, c2)  # c disjointWith c: every member of c is an inconsistency (cax-dw)
        for x in g.subjects(R.type, O.AllDisjointClasses):
            for lst in g.objects(x, O.members):
                members = items(lst)
                for i, a in enumerate(members):
                    for b in members[i + 1:]:
                        add("dw", a, b)
        for x in g.subjects(R.type, O.AllDifferent):
            for lst in list(g.objects(x, O.members)) + list(g.objects(x, O.distinctMembers)):
                members = items(lst)
                for i, a in enumerate(members):
                    for b in members[i + 1:]:
                        add("diff", a, b)
        for a, b in g.subject_objects(O.differentFrom):
            add("diff", a, b)
        for s in g.subjects(O.sourceIndividual, None):
            raise UnsupportedForFastReasoning(f"negative property assertion {s} is not translated")
        for s in g.subjects(O.disjointUnionOf, None):
            raise UnsupportedForFastReasoning(f"owl:disjointUnionOf on {s} is not translated")

    def _read_rdfs(self, g) -> None:
        """The four RDFS tables: rdfs:subClassOf, rdfs:domain, rdfs:range, rdfs:subPropertyOf."""
        from rdflib import Literal
        from rdflib.namespace import RDFS as S

        labels: dict = {}
        for table, prop in (("sco", S.subClassOf), ("dom", S.domain), ("rng", S.range),
                            ("spo", S.subPropertyOf)):
            for a, b in g.subject_objects(prop):
                if a == b or isinstance(a, Literal):
                    continue
                if table == "rng" and (str(b).startswith(XSD) or b == S.Literal):
                    continue  # types literals with their datatype: nothing a shape can target
                self.tables[table].append((self._text(a, labels), self._text(b, labels)))

    def _text(self, node, labels: dict) -> str:
        """Term text of a schema node (rdflib): a literal as ``_literal``, an IRI or blank
        node as ``_schema_node_text`` (``labels``: the blank-node labels given so far)."""
        from rdflib import Literal

        return self._literal(node) if isinstance(node, Literal) else _schema_node_text(node, labels)

    def _literal(self, node) -> str:
        """TSV text pyoxigraph writes for a literal (numbers and booleans are bare)."""
        from kg.rdf.terms import rdflib_to_ox, tsv_text

        nt = str(rdflib_to_ox(node))
        if nt not in self.literal_terms:
            self.literal_terms[nt] = tsv_text(rdflib_to_ox(node))
        return self.literal_terms[nt]

    def relations(self) -> dict[str, str]:
        """Property text -> the name of its relation in the Nemo program."""
        return {p: f"r{i}" for i, p in enumerate(sorted(self.rule_predicates()))}


def _has_bnode(triple) -> bool:
    from rdflib import BNode

    return any(isinstance(x, BNode) for x in triple)


def _schema_node_text(node, labels: dict) -> str:
    """TSV text of an IRI or blank node of the schema (rdflib); schema blank nodes get stable
    private labels, kept in ``labels``. An IRI Nemo cannot take: UnsupportedForFastReasoning."""
    from rdflib import BNode, URIRef

    if isinstance(node, URIRef):
        text = str(node)
        if any(c in text for c in '<>"\\\t\n '):
            raise UnsupportedForFastReasoning(f"IRI {text!r} cannot be passed to Nemo")
        return f"<{text}>"
    if isinstance(node, BNode):
        if node not in labels:
            labels[node] = f"_:kgtbox{len(labels)}"
        return labels[node]
    raise UnsupportedForFastReasoning(f"unexpected schema term {node!r}")


#: TBoxes made in this process, by the digest of their ontology files and profile.
_TBOX_MEMO: dict[str, TBox] = {}


def tbox_for(ontology_paths, *, cache_dir: Path | None = None, profile: str = "owlrl",
             budget=None, max_nesting: int = DEFAULT_MAX_NESTING) -> TBox:
    """The TBox of the ontology files, memoised in memory and (optionally) on disk.

    ``budget`` (kg.engine.reference.reason.Budget) bounds the schema closure when it has to be computed."""
    # The first text is part of the on-disk key: changing it invalidates every cached TBox.
    digest = hashlib.sha256(f"kg.engine.fast.reason 2 {profile}\n".encode())
    for path in sorted(Path(p) for p in ontology_paths):
        data = path.read_bytes()
        digest.update(f"{path.name}\0{len(data)}\0".encode())
        digest.update(data)
    key = digest.hexdigest()
    if key in _TBOX_MEMO:
        return _TBOX_MEMO[key]
    cached = cache_dir / f"tbox-{key[:32]}.json" if cache_dir else None
    if cached is not None and cached.is_file():
        tbox = TBox.from_json(cached.read_text(encoding="utf-8"))
    else:
        from rdflib import Graph

        from kg.project.load import parse_file_into

        graph = Graph()
        for path in ontology_paths:
            parse_file_into(graph, Path(path), max_nesting=max_nesting)
        tbox = TBox.from_graph(graph, profile=profile, budget=budget)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(cached.name + f".{os.getpid()}.tmp")
            tmp.write_text(tbox.to_json(), encoding="utf-8")
            os.replace(tmp, cached)
    _TBOX_MEMO[key] = tbox
    return tbox

