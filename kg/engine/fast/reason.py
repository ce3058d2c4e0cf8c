"""OWL 2 RL closure with the Nemo rule engine, rules generated from the ontology.

owlrl (``kg.engine.reference.reason``) is the reference; this is the engine for large graphs. How it works:

1. **Schema closure once.** owlrl closes the ontology alone (``TBox.from_graph``; about a
   second). Every schema fact the instance rules need is read off that closure: subclass
   and equivalence edges, intersections, unions, restrictions (some/all values, has-value,
   max (qualified) cardinality 0/1), one-of, domains, ranges, sub- and equivalent
   properties, inverses, symmetric, transitive, functional and inverse-functional
   properties, property chains, keys, and the disjointness and difference axioms.
   Nothing is written per class or property by hand: a new axiom in ``ontology/*.ttl``
   becomes a new row of a table or a new generated rule. A construct owlrl handles and
   this translation does not (a restriction on a datatype, a data range) raises
   ``UnsupportedForFastReasoning`` instead of being skipped.
2. **Instance rules in Nemo.** The OWL 2 RL instance rules (cax-*, cls-*, prp-*, eq-*)
   are a fixed Datalog program over those tables (``RULES``), plus one generated rule per
   intersection, property chain and key. Terms travel as their exact text (SPARQL TSV,
   i.e. Turtle syntax, as pyoxigraph writes it): Nemo never parses a literal, so no
   literal is normalised, merged or dropped on the way (Nemo's own RDF import does all
   three).
3. **Data in, inferences out.** The asserted triples come from a pyoxigraph store as TSV
   (Rust end to end); Nemo writes the triples that were not asserted; the noise owlrl
   also produces (literal subjects, blank nodes, reflexive ``owl:sameAs``, anything about
   the rdf:/rdfs:/owl:/xsd: vocabularies: ``kg.engine.reference.reason.is_noise``) is dropped. The result is
   Turtle text (one triple per line) ready for ``Store.load``.

Inconsistencies (disjoint classes sharing a member, ``owl:Nothing`` members, ``sameAs``
against ``differentFrom``/``AllDifferent``, irreflexive, asymmetric and disjoint
properties, complements, max cardinality 0, ill-typed literals) are reported like
``kg.engine.reference.reason`` does: a ``ConsistencyReport`` with one message each. (owlrl 7's
``AllDifferent`` and ``AllDisjointProperties`` rules skip the last list member; this
follows the OWL 2 RL specification and checks every pair.)

A data file that carries schema axioms of its own (a subclass, a domain, a restriction...)
would need rules the ontology does not generate: ``reason_store`` raises
``UnsupportedForFastReasoning`` so that the caller falls back to owlrl.
"""
from __future__ import annotations

from kg.rdf.vocab import OWL, RDF, RDFS, XSD

import csv
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KGError, UnsupportedForFastReasoning
from kg.engine.reference.reason import DEFAULT_MAX_SECONDS, DEFAULT_MAX_TRIPLES, Budget
from kg.engine.results import ConsistencyReport

TYPE, SAME_AS, DIFFERENT = f"<{RDF}type>", f"<{OWL}sameAs>", f"<{OWL}differentFrom>"
NOTHING, THING = f"<{OWL}Nothing>", f"<{OWL}Thing>"
VOCAB = (RDF, RDFS, OWL, XSD)

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

MESSAGES = {
    "cax-dw": "Disjoint classes {0} and {1} have a common individual {2}",
    "cls-nothing2": "{0} is defined of type 'Nothing'",
    "eq-diff": "'sameAs' and 'differentFrom' cannot be used on the same subject-object pair: ({0}, {1})",
    "prp-irp": "Irreflexive property used on {1} with {0}",
    "prp-asyp": "Erroneous usage of asymmetric property {0} on {1} and {2}",
    "prp-pdw": "Erroneous usage of disjoint properties {0} and {1} on {2} and {3}",
    "cls-com": "Violation of complementarity for classes {0} and {1} on element {2}",
    "cls-maxc1": "Erroneous usage of maximum cardinality with {0} and {2}",
    "cls-maxqc1": "Erroneous usage of maximum qualified cardinality with {0}, {1} and {2}",
}


#: Which columns of each table hold properties (the predicates the rules look at).
PROPERTY_COLUMNS = {"dom": (0,), "rng": (0,), "spo": (0, 1), "inv": (0, 1), "symp": (0,), "trp": (0,),
                    "fp": (0,), "ifp": (0,), "irp": (0,), "asyp": (0,), "pdw": (0, 1), "svf": (1,),
                    "svft": (1,), "avf": (1,), "hv": (1,), "maxc0": (1,), "maxc1": (1,),
                    "maxqc0": (1,), "maxqc1": (1,)}

#: What a literal object of a "domain-only" property becomes on its way into Nemo.
STUB = "<urn:x-kg:fastreason:literal>"


# ---------------------------------------------------------------------------
# The schema: owlrl's closure of the ontology, read into tables and rules
# ---------------------------------------------------------------------------

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
        from kg.engine.reference.reason import is_noise

        def text(node):
            from rdflib import Literal

            return tbox._literal(node) if isinstance(node, Literal) else _text(node, {})

        tbox.inferred = sorted({(text(s), text(p), text(o)) for s, p, o in closure
                                if (s, p, o) not in ontology and not is_noise(s, p, o)
                                and not _has_bnode((s, p, o))})
        for name in tbox.tables:
            tbox.tables[name] = sorted(set(tbox.tables[name]))
        tbox.source = source if source is not None else ontology.serialize(format="nt")
        tbox.terms = frozenset(f"<{x}>" for t in ontology for x in t if isinstance(x, URIRef))
        return tbox

    def _read(self, g) -> None:
        from rdflib import RDF as R
        from rdflib import BNode, Literal, URIRef
        from rdflib.collection import Collection
        from rdflib.namespace import OWL as O
        from rdflib.namespace import RDFS as S

        labels: dict = {}

        def term(node) -> str:
            if isinstance(node, Literal):
                return self._literal(node)
            return _text(node, labels)

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
        del BNode

    def _read_rdfs(self, g) -> None:
        """The four RDFS tables: rdfs:subClassOf, rdfs:domain, rdfs:range, rdfs:subPropertyOf."""
        from rdflib import Literal
        from rdflib.namespace import RDFS as S

        labels: dict = {}

        def term(node) -> str:
            return self._literal(node) if isinstance(node, Literal) else _text(node, labels)

        for table, prop in (("sco", S.subClassOf), ("dom", S.domain), ("rng", S.range),
                            ("spo", S.subPropertyOf)):
            for a, b in g.subject_objects(prop):
                if a == b or isinstance(a, Literal):
                    continue
                if table == "rng" and (str(b).startswith(XSD) or b == S.Literal):
                    continue  # types literals with their datatype: nothing a shape can target
                self.tables[table].append((term(a), term(b)))

    def _literal(self, node) -> str:
        """TSV text pyoxigraph writes for a literal (numbers and booleans are bare)."""
        from kg.rdf.terms import rdflib_to_ox

        nt = str(rdflib_to_ox(node))
        if nt not in self.literal_terms:
            self.literal_terms[nt] = tsv_text(rdflib_to_ox(node))
        return self.literal_terms[nt]

    # -- the program ------------------------------------------------------------
    def program(self, workdir: Path) -> str:
        """The Nemo program: the OWL 2 RL instance rules compiled for this schema.

        Triples are split by predicate: ``type(x, c)`` for rdf:type and one binary relation
        per property the rules name (``r0``, ``r1``...), so each rule reads only the
        triples of its own properties. Schema rows become rule constants or small joined
        tables; a table with no rows yields no rule.
        """
        lines = []
        rel = self.relations()
        for name in ["type"] + sorted(rel.values()):
            lines.append(f'@import in_{name} :- tsv{{resource="{_nemo_path(workdir / ("in_" + name + ".tsv"))}", '
                         f'format=(string,string), quoting=false, ignore_headers=true}} .')
        tables = dict(self.tables)
        tables["tb"] = list(self.inferred)
        for name, rows in sorted(tables.items()):
            if not rows:
                continue
            arity = 3 if name == "tb" else TABLES[name]
            path = workdir / f"{name}.tsv"
            with open(path, "w", encoding="utf-8", newline="") as out:
                for row in rows:
                    out.write("\t".join(row) + "\n")
            fmt = ",".join(["string"] * arity)
            # Tables that rules read with a constant column (tb, hv) are copied into a
            # relation of their own first: Nemo 0.9 panics ("assertion left == right") when
            # an imported 3-column table is read with a constant (found by the differential test).
            imported = f"{name}_file" if name in ("tb", "hv") else name
            lines.append(f'@import {imported} :- tsv{{resource="{_nemo_path(path)}", format=({fmt}), '
                         f'quoting=false, ignore_headers=false}} .')
            if imported != name:
                columns = ", ".join(f"?c{i}" for i in range(arity))
                lines.append(f"{name}({columns}) :- {imported}({columns}) .")
        T = self.tables
        rules = []
        add = rules.append

        def q(text: str) -> str:
            if '"' in text or "\\" in text:
                raise UnsupportedForFastReasoning(f"term {text!r} cannot be a rule constant")
            return f'"{text}"'

        # Triples into relations; the schema closure's own triples too.
        add("type(?x, ?c) :- in_type(?x, ?c) .")
        for r in rel.values():
            add(f"{r}(?x, ?y) :- in_{r}(?x, ?y) .")
        if self.inferred:
            add(f"type(?x, ?c) :- tb(?x, {q(TYPE)}, ?c) .")
            for p in sorted({p for _s, p, _o in self.inferred} & set(rel)):
                add(f"{rel[p]}(?x, ?y) :- tb(?x, {q(p)}, ?y) .")
        owl = self.profile == "owlrl"
        # Equality: eq-sym, eq-trans, eq-rep-s, eq-rep-o (eq-rep-p: refused in reason_store).
        same, diff = (rel[SAME_AS], rel[DIFFERENT]) if owl else ("same_in", "diff_in")
        add(f"same(?x, ?y) :- {same}(?x, ?y), ?x != ?y .")
        add(f"{same}(?x, ?y) :- same(?x, ?y) .")
        add("same(?y, ?x) :- same(?x, ?y) .")
        add("same(?x, ?z) :- same(?x, ?y), same(?y, ?z), ?x != ?z .")
        add("type(?s2, ?c) :- same(?s, ?s2), type(?s, ?c) .")
        add("type(?s, ?c2) :- same(?c, ?c2), type(?s, ?c) .")
        for r in rel.values():
            add(f"{r}(?s2, ?o) :- same(?s, ?s2), {r}(?s, ?o) .")
            add(f"{r}(?s, ?o2) :- same(?o, ?o2), {r}(?s, ?o) .")
        # cax-sco, cax-eqc, cls-int2, cls-uni (all as subclass edges), cls-oo
        if T["sco"]:
            add("type(?x, ?d) :- type(?x, ?c), sco(?c, ?d) .")
        if T["oneof"]:
            add("type(?y, ?c) :- oneof(?y, ?c) .")
        # prp-dom, prp-rng, prp-spo1, prp-eqp, prp-inv, prp-symp, prp-trp, prp-fp, prp-ifp
        for p, c in T["dom"]:
            add(f"type(?x, {q(c)}) :- {rel[p]}(?x, ?y) .")
        for p, c in T["rng"]:
            add(f"type(?y, {q(c)}) :- {rel[p]}(?x, ?y) .")
        for p1, p2 in T["spo"]:
            add(f"{rel[p2]}(?x, ?y) :- {rel[p1]}(?x, ?y) .")
        for p1, p2 in T["inv"]:
            add(f"{rel[p2]}(?y, ?x) :- {rel[p1]}(?x, ?y) .")
        for (p,) in T["symp"]:
            add(f"{rel[p]}(?y, ?x) :- {rel[p]}(?x, ?y) .")
        for (p,) in T["trp"]:
            add(f"{rel[p]}(?x, ?z) :- {rel[p]}(?x, ?y), {rel[p]}(?y, ?z) .")
        for (p,) in T["fp"]:
            add(f"same(?y1, ?y2) :- {rel[p]}(?x, ?y1), {rel[p]}(?x, ?y2), ?y1 != ?y2 .")
        for (p,) in T["ifp"]:
            add(f"same(?x1, ?x2) :- {rel[p]}(?x1, ?y), {rel[p]}(?x2, ?y), ?x1 != ?x2 .")
        # cls-svf1, cls-svf2, cls-avf, cls-hv1, cls-hv2, cls-maxc2, cls-maxqc3/4
        for r, p, c in T["svf"]:
            add(f"type(?u, {q(r)}) :- {rel[p]}(?u, ?v), type(?v, {q(c)}) .")
        for r, p in T["svft"]:
            add(f"type(?u, {q(r)}) :- {rel[p]}(?u, ?v) .")
        for r, p, c in T["avf"]:
            add(f"type(?v, {q(c)}) :- type(?u, {q(r)}), {rel[p]}(?u, ?v) .")
        for p in sorted({p for _r, p, _v in T["hv"]}):
            add(f"type(?u, ?r) :- {rel[p]}(?u, ?v), hv(?r, {q(p)}, ?v) .")
            add(f"{rel[p]}(?u, ?v) :- hv(?r, {q(p)}, ?v), type(?u, ?r) .")
        for r, p in T["maxc1"]:
            add(f"same(?y1, ?y2) :- type(?u, {q(r)}), {rel[p]}(?u, ?y1), {rel[p]}(?u, ?y2), ?y1 != ?y2 .")
        for r, p, c in T["maxqc1"]:
            add(f"same(?y1, ?y2) :- type(?u, {q(r)}), {rel[p]}(?u, ?y1), type(?y1, {q(c)}), "
                f"{rel[p]}(?u, ?y2), type(?y2, {q(c)}), ?y1 != ?y2 .")
        # cls-int1, prp-spo2, prp-key
        for kind, head, items in self.rules:
            if kind == "int":
                body = ", ".join(f"type(?x, {q(c)})" for c in items)
                add(f"type(?x, {q(head)}) :- {body} .")
            elif kind == "chain":
                body = ", ".join(f"{rel[p]}(?v{i}, ?v{i + 1})" for i, p in enumerate(items))
                add(f"{rel[head]}(?v0, ?v{len(items)}) :- {body} .")
            elif kind == "key":
                body = [f"type(?x, {q(head)})", f"type(?y, {q(head)})"]
                for i, k in enumerate(items):
                    body += [f"{rel[k]}(?x, ?z{i})", f"{rel[k]}(?y, ?z{i})"]
                add(f"same(?x, ?y) :- {', '.join(body)}, ?x != ?y .")
        # What is new: not asserted.
        add("new_type(?x, ?c) :- type(?x, ?c), ~in_type(?x, ?c) .")
        for r in rel.values():
            add(f"new_{r}(?x, ?y) :- {r}(?x, ?y), ~in_{r}(?x, ?y) .")
        if not owl:
            # RDFS: no equality (owl:sameAs means nothing), no inconsistency.
            rules = [r for r in rules if "same(" not in r and "same_in" not in r]
            lines += rules
            for name in ["type"] + sorted(rel.values()):
                lines.append(f'@export new_{name} :- tsv{{resource="new_{name}.tsv", format=(string,string)}} .')
            return "\n".join(lines) + "\n"
        # Inconsistencies.
        add(f"diffall(?x, ?y) :- {diff}(?x, ?y) .")
        if T["diff"]:
            add("diffall(?x, ?y) :- diff(?x, ?y) .")
        add('err("eq-diff", ?x, ?y, "") :- same(?x, ?y), diffall(?x, ?y) .')
        add('err("eq-diff", ?x, ?y, "") :- same(?x, ?y), diffall(?y, ?x) .')
        add('err("eq-diff", ?x, ?x, "") :- diffall(?x, ?x) .')  # eq-ref: everything is sameAs itself
        add(f'err("cls-nothing2", ?x, "", "") :- type(?x, {q(NOTHING)}) .')
        if T["dw"]:
            add('err("cax-dw", ?c1, ?c2, ?x) :- dw(?c1, ?c2), type(?x, ?c1), type(?x, ?c2) .')
        if T["com"]:
            add('err("cls-com", ?c1, ?c2, ?x) :- com(?c1, ?c2), type(?x, ?c1), type(?x, ?c2) .')
        for (p,) in T["irp"]:
            add(f'err("prp-irp", {q(p)}, ?x, "") :- {rel[p]}(?x, ?x) .')
        for (p,) in T["asyp"]:
            add(f'err("prp-asyp", {q(p)}, ?x, ?y) :- {rel[p]}(?x, ?y), {rel[p]}(?y, ?x) .')
        for i, (p1, p2) in enumerate(T["pdw"]):  # "prp-pdw i": the i-th pair (err has 3 free columns)
            add(f'err("prp-pdw {i}", ?x, ?y, "") :- {rel[p1]}(?x, ?y), {rel[p2]}(?x, ?y) .')
        for r, p in T["maxc0"]:
            add(f'err("cls-maxc1", {q(r)}, ?u, ?y) :- type(?u, {q(r)}), {rel[p]}(?u, ?y) .')
        for r, p, c in T["maxqc0"]:  # (owlrl's message names the restriction, the class and the value)
            typed = "" if c == THING else f", type(?y, {q(c)})"
            add(f'err("cls-maxqc1", {q(r)}, {q(c)}, ?y) :- type(?u, {q(r)}), {rel[p]}(?u, ?y){typed} .')
        lines += rules
        for name in ["type"] + sorted(rel.values()):
            lines.append(f'@export new_{name} :- tsv{{resource="new_{name}.tsv", format=(string,string)}} .')
        lines.append('@export err :- tsv{resource="err.tsv", format=(string,string,string,string)} .')
        return "\n".join(lines) + "\n"

    def relations(self) -> dict[str, str]:
        """Property text -> the name of its relation in the Nemo program."""
        return {p: f"r{i}" for i, p in enumerate(sorted(self.rule_predicates()))}


def _has_bnode(triple) -> bool:
    from rdflib import BNode

    return any(isinstance(x, BNode) for x in triple)


def _text(node, labels: dict) -> str:
    """TSV text of an IRI or blank node; schema blank nodes get stable private labels."""
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


def tsv_text(term) -> str:
    """The text pyoxigraph's SPARQL TSV writer gives a pyoxigraph term."""
    import pyoxigraph as ox

    store = ox.Store()
    result = store.query(f"SELECT ?x WHERE {{ VALUES ?x {{ {term} }} }}")
    return result.serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8").split("\n")[1]


def _nemo_path(path: Path) -> str:
    text = str(Path(path).resolve())
    if '"' in text or "\\" in text:
        raise UnsupportedForFastReasoning(f"path {text!r} cannot be used in a Nemo program")
    return text


_TBOX_MEMO: dict[str, TBox] = {}


def tbox_for(ontology_paths, *, cache_dir: Path | None = None, profile: str = "owlrl",
             budget=None) -> TBox:
    """The TBox of the ontology files, memoised in memory and (optionally) on disk.

    ``budget`` (kg.engine.reference.reason.Budget) bounds the schema closure when it has to be computed."""
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
            parse_file_into(graph, Path(path))
        tbox = TBox.from_graph(graph, profile=profile, budget=budget)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(cached.name + f".{os.getpid()}.tmp")
            tmp.write_text(tbox.to_json(), encoding="utf-8")
            os.replace(tmp, cached)
    _TBOX_MEMO[key] = tbox
    return tbox


# ---------------------------------------------------------------------------
# Reasoning over a pyoxigraph store
# ---------------------------------------------------------------------------

@dataclass
class FastReasonResult:
    turtle: str
    """The inferred triples, one per line (Turtle; terms as pyoxigraph writes them)."""
    count: int
    consistency: ConsistencyReport
    timings: dict[str, float] = field(default_factory=dict)
    literal_types: list = field(default_factory=list)
    """(literal, class) term texts: literals a range typed (triples RDF cannot store)."""

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
    import pyoxigraph as ox

    if data_graphs is not None and not data_graphs:
        return
    preds = " ".join(f"<{p}>" for p in SCHEMA_PREDICATES)
    types = " ".join(f"<{t}>" for t in SCHEMA_TYPES)
    query = ("SELECT ?s ?p ?o WHERE { { VALUES ?p { %s } ?s ?p ?o } UNION "
             "{ VALUES ?o { %s } ?s a ?o BIND(<%stype> AS ?p) } } LIMIT 1" % (preds, types, RDF))
    kwargs = {"default_graph": [ox.NamedNode(g) for g in data_graphs]} if data_graphs is not None \
        else {"use_default_graph_as_union": True}
    for row in store.query(query, **kwargs):
        raise UnsupportedForFastReasoning(
            f"the data states a schema axiom ({row['s']} {row['p']} {row['o']}); "
            "rules are generated from the ontology only", hint="use the owlrl reasoner (kg.engine.reference.reason)")


def _dataset(graphs) -> dict:
    import pyoxigraph as ox

    if graphs is None:
        return {"use_default_graph_as_union": True}
    return {"default_graph": [ox.NamedNode(g) for g in graphs]}


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
        literals = [row["o"] for row in store.query(TYPED_LITERALS, **_dataset(graphs))]
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

    import nmo_python as nemo

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
        typed = pool.submit(_query_to_tsv, store, TYPED_LITERALS, work / "typed.tsv", graphs) \
            if tbox.profile == "owlrl" else None
        seen_pairs: frozenset = frozenset()
        while True:
            mark = time.perf_counter()
            exact, stubbed = tbox.predicates()
            export_tsv(store, work, tbox, graphs, pool)
            timings["export"] = timings.get("export", 0.0) + time.perf_counter() - mark
            budget.check()
            mark = time.perf_counter()
            out = _run_nemo(nemo, tbox, work, budget)
            timings["nemo"] = timings.get("nemo", 0.0) + time.perf_counter() - mark
            mark = time.perf_counter()
            literal_types: list = []
            lines, same_pairs = read_new(out, tbox, literal_types)
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
        with open(out / "err.tsv", encoding="utf-8", newline="") as handle:
            for rule, a, b, c in csv.reader(handle, delimiter="\t", quotechar='"'):
                terms = (a, b, c)
                if rule.startswith("prp-pdw "):
                    rule, pair = rule.split(" ")
                    terms = tbox.tables["pdw"][int(pair)] + (a, b)
                errors.add(MESSAGES[rule].format(*(_plain(x) for x in terms)))
                if rule == "cls-nothing2" and a.startswith("<"):
                    nothing.add(a[1:-1])
        report = ConsistencyReport(errors=sorted(errors), nothing_members=sorted(nothing),
                                   same_as=same_as)
        timings["decode"] += time.perf_counter() - mark
        timings["total"] = time.perf_counter() - start
        return FastReasonResult(turtle="".join(ordered), count=len(ordered), consistency=report,
                                timings=timings, literal_types=sorted(set(literal_types)))
    finally:
        pool.shutdown(wait=True)
        if own_dir:
            shutil.rmtree(work, ignore_errors=True)


def asserted_same_as(store, graphs) -> set:
    """The asserted ``owl:sameAs`` pairs of distinct terms, as TSV texts."""
    query = f"SELECT ?s ?o WHERE {{ ?s {SAME_AS} ?o FILTER(?s != ?o) }}"
    return {(tsv_of(row["s"]), tsv_of(row["o"])) for row in store.query(query, **_dataset(graphs))}


def export_tsv(store, work: Path, tbox: TBox, graphs, pool=None) -> None:
    """Write, for rdf:type and for each property the rules name, its asserted (subject,
    object) pairs as SPARQL TSV (pyoxigraph does it in Rust, without the GIL, so ``pool``
    threads run the queries side by side); stubbed properties get the stub for a literal
    object."""
    _exact, stubbed = tbox.predicates()
    jobs = []
    for p, name in [(TYPE, "type")] + sorted(tbox.relations().items()):
        if p in stubbed:
            query = f"SELECT ?s ?o WHERE {{ ?s {p} ?x BIND(IF(isLiteral(?x), {STUB}, ?x) AS ?o) }}"
        else:
            query = f"SELECT ?s ?o WHERE {{ ?s {p} ?o }}"
        jobs.append((query, work / f"in_{name}.tsv"))
    run = lambda job: _query_to_tsv(store, job[0], job[1], graphs)  # noqa: E731
    if pool is None:
        for job in jobs:
            run(job)
    else:
        for future in [pool.submit(run, job) for job in jobs]:
            future.result()


def _query_to_tsv(store, query: str, path: Path, graphs) -> Path:
    import pyoxigraph as ox

    store.query(query, **_dataset(graphs)).serialize(output=str(path), format=ox.QueryResultsFormat.TSV)
    return path


def read_new(out: Path, tbox: TBox, literal_types: list | None = None) -> tuple[set, set]:
    """Nemo's new pairs, per relation -> (Turtle lines without noise or stubs, sameAs pairs).

    ``literal_types``: if a list, collects (literal, class) for literals typed by a range.
    """
    lines, same = set(), set()
    for p, name in [(TYPE, "type")] + sorted(tbox.relations().items()):
        path = out / f"new_{name}.tsv"
        if not path.is_file():
            continue
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
        is_same = p == SAME_AS
        if not text:
            continue
        if not is_same and '"' not in text and not _MAYBE_NOISE.search(text) and \
                not (p == TYPE and _TRIVIAL_OBJECT.search(text)):
            # Nothing here can be noise: one replace turns the rows into Turtle lines.
            body = text.replace("\t", f" {p} ").replace("\n", " .\n")
            lines.update(body.splitlines(keepends=True))
            continue
        if '"' not in text:
            rows = (line.split("\t") for line in text.split("\n") if line)
        else:
            rows = csv.reader(text.splitlines(), delimiter="\t", quotechar='"')
        for s, o in rows:
            if is_same and s != o:
                same.add((s, o))
            if o == STUB or is_noise_text(s, p, o):
                if literal_types is not None and p == TYPE and not s.startswith(("<", "_:")):
                    literal_types.append((s, o))
                continue
            lines.add(f"{s} {p} {o} .\n")
    return lines, same


#: Rows that may be noise: a subject that is not an IRI or is in a vocabulary namespace,
#: a blank-node object, the stub, owlrl's error namespace.
_MAYBE_NOISE = re.compile(
    r'(?:^|\n)(?:[^<]|<http://www\.w3\.org/(?:1999/02/22-rdf-syntax-ns#|2000/01/rdf-schema#|2002/07/owl#'
    r'|2001/XMLSchema#))|\t_:|daml\.org/2002/03/agents|' + re.escape(STUB))
_TRIVIAL_OBJECT = re.compile(r"\t<http://www\.w3\.org/(?:2002/07/owl#(?:Thing|DataRange)"
                             r"|2000/01/rdf-schema#(?:Resource|Datatype|Literal))>")


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
        term = _term(text)
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


def tsv_of(term) -> str:
    """TSV text of a pyoxigraph term (numbers and booleans bare, like the TSV writer)."""
    import pyoxigraph as ox

    if isinstance(term, ox.Literal) and term.datatype.value in _BARE:
        return tsv_text(term)
    return str(term)


_BARE = {XSD + "integer", XSD + "decimal", XSD + "double", XSD + "boolean"}


def _term(text: str):
    """pyoxigraph term of a TSV text (None for what cannot be a stored term)."""
    import pyoxigraph as ox

    try:
        triple = next(iter(ox.parse(f"<urn:x:s> <urn:x:p> {text} .".encode("utf-8"),
                                    format=ox.RdfFormat.TURTLE)))
    except (SyntaxError, StopIteration, ValueError):
        return None
    return triple.object


def _asserted(store, s, p, o, graph_nodes) -> bool:
    import pyoxigraph as ox

    terms = [_term(x) for x in (s, p, o)]
    if any(t is None for t in terms) or not isinstance(terms[0], (ox.NamedNode, ox.BlankNode)):
        return False
    return any(any(True for _ in store.quads_for_pattern(terms[0], terms[1], terms[2], g))
               for g in graph_nodes)


def _run_nemo(nemo, tbox: TBox, work: Path, budget: Budget | None = None) -> Path:
    """Run the program of ``tbox`` on the files in ``work``; return the folder of its results.

    With a time budget, Nemo (Rust, holding the GIL: a thread could not be interrupted) runs
    in a child process that is killed at the deadline; its output is counted against the
    triple budget before anything reads it. Without one, in this process.
    """
    names = [f"new_{name}" for name in ["type"] + sorted(tbox.relations().values())]
    if tbox.profile == "owlrl":
        names.append("err")
    out = work / "out"
    if budget is None or budget.deadline is None:
        try:
            program = nemo.load_string(tbox.program(work))
            engine = nemo.NemoEngine(program)
            engine.reason()
            manager = nemo.NemoOutputManager(str(out), overwrite=True)
            for name in names:
                engine.write_result(name, manager)
        except BaseException as exc:  # a Rust panic arrives as pyo3's PanicException (a BaseException)
            if type(exc).__name__ != "PanicException":
                raise
            raise KGError(f"the Nemo reasoner failed: {str(exc).splitlines()[0] if str(exc) else 'panic'}") from None
    else:
        import subprocess
        import sys

        (work / "program.rls").write_text(tbox.program(work), encoding="utf-8")
        budget.check()
        try:
            done = subprocess.run([sys.executable, "-c", _NEMO_CHILD, str(work), *names],
                                  capture_output=True, timeout=budget.remaining(), stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:  # the child has been killed
            budget.over_time()
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or \
                [f"exit status {done.returncode}"]
            raise KGError(f"the Nemo reasoner failed: {detail[0]}")
    if tbox.profile != "owlrl":
        (out / "err.tsv").write_text("", encoding="utf-8")
    if budget is not None:
        budget.check(_count_rows(out))
    return out


#: What the Nemo child process runs: argv = work dir, then the relations to write.
_NEMO_CHILD = """
import sys
import nmo_python as nemo
work, names = sys.argv[1], sys.argv[2:]
with open(work + "/program.rls", encoding="utf-8") as handle:
    engine = nemo.NemoEngine(nemo.load_string(handle.read()))
engine.reason()
manager = nemo.NemoOutputManager(work + "/out", overwrite=True)
for name in names:
    engine.write_result(name, manager)
"""


def _count_rows(out: Path) -> int:
    """Rows Nemo wrote (new triples, sameAs pairs included), counted without decoding them."""
    rows = 0
    for path in out.glob("new_*.tsv"):
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                rows += block.count(b"\n")
    return rows


def _plain(text: str) -> str:
    return text[1:-1] if text.startswith("<") and text.endswith(">") else text


_TRIVIAL_TYPES = {f"<{x}>" for x in (OWL + "Thing", RDFS + "Resource", RDFS + "Datatype", RDFS + "Literal",
                                     OWL + "DataRange")}
_REFLEXIVE = {f"<{x}>" for x in (RDFS + "subClassOf", OWL + "equivalentClass", RDFS + "subPropertyOf",
                                 OWL + "equivalentProperty", OWL + "sameAs")}
_VOCAB_TEXT = tuple("<" + v for v in VOCAB)
_ERR = "<http://www.daml.org/2002/03/agents/agent-ont#"


def is_noise_text(s: str, p: str, o: str) -> bool:
    """``kg.engine.reference.reason.is_noise`` on term texts (TSV syntax)."""
    if not s.startswith("<") or not p.startswith("<") or o.startswith("_:"):
        return True
    if s.startswith(_VOCAB_TEXT):
        return True
    if p == TYPE and o in _TRIVIAL_TYPES:
        return True
    if p in _REFLEXIVE and (s == o or o in (THING, f"<{RDFS}Resource>")):
        return True
    if p.startswith(_ERR) or o.startswith(_ERR):
        return True
    return False


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
# The kg cache on the fast engines
# ---------------------------------------------------------------------------

ENGINE_ENV = "KG_ENGINE"


def engine_for(data_dir=None, extra_files=(), *, task: str = "reasoning") -> str:
    """"fast" or "reference" for ``task`` ("reasoning" or "validation"), from $KG_ENGINE
    (fast | reference | auto).

    auto (the default): fast at every size, for both tasks, because both are proven against
    the reference engines: Nemo against owlrl (tests/test_reasoner_differential.py,
    test_fastreason.py), the shapes-as-SPARQL validator against the W3C SHACL suite and
    pyshacl (tests/test_w3c_shacl.py, test_fastvalidate.py); each refuses what it cannot
    translate, and the reference engine then runs.
    """
    choice = os.environ.get(ENGINE_ENV, "auto").strip().lower()
    if choice in ("fast", "nemo", "oxigraph"):
        return "fast"
    if choice in ("reference", "owlrl", "pyshacl", "rdflib"):
        return "reference"
    if choice not in ("", "auto"):
        raise KGError(f"{ENGINE_ENV}={choice!r}: expected auto, fast or reference")
    if task not in ("reasoning", "validation"):
        raise ValueError(f"unknown task {task!r}")
    return "fast"


def load_into(store, data_dir, path, graph: str) -> None:
    """Load one local file into ``graph`` of ``store`` with kg.rdf.io's safety checks and errors."""
    import pyoxigraph as ox

    from kg.rdf.io import UNLIMITED, check_safe, format_name, parse_error, read_bytes

    path = Path(path)
    fmt = format_name(path)
    own = path.resolve() in {p.resolve() for p in data_dir.input_files()}
    data = read_bytes(path, UNLIMITED if own else None)  # the KG's own files: no size limit
    check_safe(data, path, fmt)
    try:
        if fmt in ("N_QUADS", "TRIG"):  # named graphs flattened into ``graph``, as kg.project.load does
            target = ox.NamedNode(graph)
            store.extend([ox.Quad(q.subject, q.predicate, q.object, target)
                          for q in ox.parse(data, format=getattr(ox.RdfFormat, fmt))])
        else:
            store.bulk_load(data, format=getattr(ox.RdfFormat, fmt), to_graph=ox.NamedNode(graph))
    except SyntaxError as exc:
        raise parse_error(exc, path) from None
    except (ValueError, OSError) as exc:
        from kg.errors import ParseError

        raise ParseError(str(exc), path=path) from None


def build_entry_fast(data_dir, entry, *, progress=None, max_seconds: float | None = DEFAULT_MAX_SECONDS,
                     max_triples: int | None = DEFAULT_MAX_TRIPLES) -> None:
    """Build a kg cache entry (kg.store.cache layout) with pyoxigraph and Nemo, without rdflib.

    Raises UnsupportedForFastReasoning (the caller then uses owlrl), SchemaInDataError (a
    ``data/`` file states a schema axiom: kg.project.schemacheck) or ReasoningBudgetError (the
    schema closure and reasoning took over ``max_seconds`` or inferred over
    ``max_triples`` triples); nothing is left behind.
    """
    import pyoxigraph as ox

    from kg import __version__
    from kg.store.cache import cache_root
    from kg.project.load import is_shapes_graph
    from kg.rdf.vocab import INFERRED_GRAPH, file_graph

    say = progress or (lambda message: None)
    files = data_dir.input_files()
    names = {path: file_graph(data_dir.relpath(path)) for path in files}
    entry.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{entry.path.name[:12]}-", dir=entry.path.parent))
    try:
        say(f"loading {len(files)} files from {data_dir.root} into pyoxigraph ...")
        store = ox.Store()  # in memory: loading and reasoning run 3-4x faster than on disk
        for path in files:
            load_into(store, data_dir, path, names[path])
        ontology = [names[p] for p in data_dir.ontology_files()]
        data = [names[p] for p in data_dir.data_files()]
        from kg.project.schemacheck import check_store

        check_store(store, {names[p]: data_dir.relpath(p) for p in data_dir.data_files()})
        say("reasoning (OWL 2 RL, Nemo) ...")
        budget = Budget(max_seconds, max_triples)
        tbox = tbox_for(data_dir.ontology_files(), cache_dir=cache_root(), budget=budget)
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
        say(f"{asserted} asserted, {result.count} inferred triples; writing the on-disk store ...")
        disk = ox.Store(str(tmp / "store"))
        disk.bulk_extend(store)
        disk.flush()
        del disk, store
        meta = {"version": __version__, "key": entry.path.name, "root": str(data_dir.root),
                "files": [{"path": data_dir.relpath(p), "graph": names[p], "triples": counts.get(names[p], 0)}
                          for p in files],
                "asserted": asserted, "inferred": result.count,
                "consistency": result.consistency.to_dict(), "engine": "nemo"}
        assert not any(is_shapes_graph(g) for g in ontology + data)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
        try:
            os.replace(tmp, entry.path)
        except OSError:
            if not (entry.path / "meta.json").is_file():
                shutil.rmtree(entry.path, ignore_errors=True)
                os.replace(tmp, entry.path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
