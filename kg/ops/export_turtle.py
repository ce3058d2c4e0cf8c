"""Turtle in exactly the bytes of rdflib's longturtle serializer, written from sorted N-Triples.

Layer: kg.ops. Imports kg.errors, kg.project.load, kg.rdf.terms, rdflib and pyoxigraph
(imported only to write Turtle: kg.ops.export imports this module when it does).

The reference is ``Graph.serialize(format="longturtle")`` of the exported triples
(rdflib.plugins.serializers.longturtle). :class:`LongTurtleWriter` follows that
serializer's algorithm step for step (its method names are given in brackets): the same
subject order, predicate and object order, indentation, inline blank nodes and lists;
every term's text comes from an rdflib serializer itself, one call per distinct term. What
it does not hold in memory is the graph: it reads an N-Triples file sorted by line (the
N-Triples export, kg.ops.export_stream), once to index each subject's lines and count
references, then a subject's lines at a time while writing. Memory holds the index, the
reference counts and the term texts, not the triples.

It raises kg.errors.Unsupported (kg.engine.api then runs rdflib) where rdflib's bytes hang
on what it does not reproduce: a predicate whose namespace has no prefix (rdflib invents
ns1, ns2... in hash order), a literal rdflib cannot read or would merge with another (two
lexical forms of one value for one subject and predicate), and lists rdflib writes wrongly
(a node shared, already written or holding more than rdf:first and rdf:rest; a cycle).
tests/test_export_turtle.py compares it with rdflib byte for byte.
"""
from __future__ import annotations

import logging
import re

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.serializers.longturtle import LongTurtleSerializer

from kg.errors import Unsupported
from kg.project.load import bind_prefixes
from kg.rdf.terms import ox_to_rdflib

OBJECT = 2  # rdflib's position code for an object
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
TYPE = f"<{_RDF}type>".encode()
FIRST = f"<{_RDF}first>".encode()
REST = f"<{_RDF}rest>".encode()
NIL = f"<{_RDF}nil>".encode()
LABEL = b"<http://www.w3.org/2000/01/rdf-schema#label>"
CLASS = b"<http://www.w3.org/2000/01/rdf-schema#Class>"
INDENT = "    "
#: NAMESPACE + NAME that rdflib splits right before NAME (see LongTurtleWriter._iri_text).
_SIMPLE_NAME = re.compile(r"(.*[/#:])([A-Za-z0-9_][A-Za-z0-9_-]*)\Z", re.DOTALL)
_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
_BAD_IRI_CHARACTER = re.compile(r'[<>" {}|\\^`]')  # what rdflib's URIRef.n3 refuses
FLUSH_PARTS = 20000


def _is_blank(token: bytes) -> bool:
    return token.startswith(b"_:")


class _WarningsSeen(logging.Handler):
    """Catches what rdflib logs while it reads literals (a lexical form its datatype rejects)."""

    def __init__(self):
        super().__init__()
        self.seen = 0

    def emit(self, record) -> None:
        self.seen += 1


class LongTurtleWriter:
    """rdflib's longturtle output for the sorted N-Triples file ``triples`` (binary, seekable)."""

    def __init__(self, triples):
        graph = Graph()
        bind_prefixes(graph)
        self.graph = graph
        self.rdflib = LongTurtleSerializer(graph)  # names terms exactly as rdflib does
        self.triples = triples
        self.blocks: dict[bytes, tuple[int, int]] = {}  # subject -> its lines' byte span
        self.refs: dict[bytes, int] = {}                # node -> triples that have it as object
        self.classes: list[bytes] = []                  # subjects of `a rdfs:Class`
        self.names: dict[bytes, str] = {}               # term -> its text (subject or object)
        self.verbs: dict[bytes, str] = {}               # predicate -> its text
        self.done: set[bytes] = set()                   # subjects written [_serialized]
        self.orders: dict[tuple, list[bytes]] = {}      # predicates of a subject -> rdflib's order
        self.bound = [str(ns) for _, ns in graph.namespaces()]  # fixed: no prefix is ever made up
        self.prefix_of: dict[str, str | None] = {}      # namespace -> rdflib's prefix for simple names
        self.depth = 0
        self.parts: list[str] = []

    # -- reading ---------------------------------------------------------------

    def index(self) -> None:
        """One pass over the triples: each subject's span, reference counts, the term texts
        rdflib's first pass would compute [preprocess] and the prefixes they use."""
        blocks, refs, names, verbs, literals = self.blocks, self.refs, self.names, self.verbs, {}
        offset, start, current = 0, 0, None
        self.triples.seek(0)
        for line in self.triples:
            subject_end = line.find(b" ")
            object_start = line.find(b" ", subject_end + 1) + 1
            subject = line[:subject_end]
            if subject != current:
                if current is not None:
                    blocks[current] = (start, offset)
                current, start = subject, offset
                if subject[0] != 95 and subject not in names:  # 95: "_", a blank node
                    names[subject] = self._iri_text(subject, verb=False)
            predicate = line[subject_end + 1:object_start - 1]
            if predicate not in verbs:
                verbs[predicate] = self._iri_text(predicate, verb=True)
            obj = line[object_start:-3]
            if obj[0] == 34:  # '"', a literal
                literals[obj] = None
                offset += len(line)
                continue
            refs[obj] = refs.get(obj, 0) + 1
            if obj[0] != 95 and obj not in names:
                names[obj] = self._iri_text(obj, verb=False)
            if obj == CLASS and predicate == TYPE:
                self.classes.append(subject)
            offset += len(line)
        if current is not None:
            blocks[current] = (start, offset)
        self._literal_texts(list(literals))

    def _iri_text(self, token: bytes, *, verb: bool) -> str:
        """rdflib's text for an IRI [label], its prefix registered as rdflib's first pass does.

        A subject or object IRI of the form NAMESPACE + NAME (NAME of ASCII letters, digits,
        ``_`` and ``-``, not starting with ``-``; NAMESPACE ending in ``/``, ``#`` or ``:``)
        is split by rdflib right before NAME, and gets its namespace's prefix: rdflib is
        asked for the first IRI of each such namespace and its answer reused for the rest
        (:meth:`_namespace_prefix` says when that is sound)."""
        if token.startswith(b"<<") or not token.startswith(b"<"):
            raise Unsupported(f"the Turtle writer cannot read the term {token[:200]!r}")
        iri = token[1:-1].decode("utf-8")
        if verb and token == TYPE:
            return "a"
        simple = None if verb else _SIMPLE_NAME.match(iri)
        if simple and simple.group(1) in self.prefix_of:
            prefix = self.prefix_of[simple.group(1)]
            return f"{prefix}:{simple.group(2)}" if prefix is not None else f"<{iri}>"
        node = URIRef(iri)
        if verb:
            try:
                self.graph.namespace_manager.compute_qname(iri, generate=False)
            except KeyError:
                raise Unsupported(f"the predicate <{iri}> has no prefix (rdflib would make one up)") from None
            except Exception:  # noqa: BLE001 - rdflib's get_pname falls back the same way
                pass
        pname = self.rdflib.get_pname(node, gen_prefix=verb)
        if token == NIL:
            return "()"
        if simple:
            self._namespace_prefix(simple.group(1), simple.group(2), pname)
        if pname:
            return pname
        try:
            return node.n3()
        except Exception as exc:  # noqa: BLE001 - rdflib refuses the IRI; let it say so
            raise Unsupported(f"rdflib cannot write the IRI <{iri}> ({exc})") from None

    def _namespace_prefix(self, namespace: str, name: str, pname: str | None) -> None:
        """Remember rdflib's prefix for ``namespace`` (None: written as a full IRI), learnt
        from its answer ``pname`` for ``namespace + name``, when it holds for every simple
        name: no bound namespace lies within ``namespace`` (rdflib would prefer that longer
        one), and no IRI in ``namespace`` can begin with the XML namespace (split apart by rdflib)."""
        if _XML_NAMESPACE.startswith(namespace) or namespace.startswith(_XML_NAMESPACE) or \
                _BAD_IRI_CHARACTER.search(namespace):
            return
        if any(bound != namespace and bound.startswith(namespace) for bound in self.bound):
            return
        if pname is None:
            self.prefix_of[namespace] = None
        elif pname.endswith(":" + name):
            self.prefix_of[namespace] = pname[:-len(name) - 1]

    def _literal_texts(self, tokens: list[bytes]) -> None:
        """rdflib's text for each literal [label]. A string, with or without a language
        tag, written without an escape: rdflib's quoting of its characters (all its label
        is); any other literal: read by pyoxigraph (one batch) and named by rdflib."""
        quote, names, languages, others = Literal._quote_encode, self.names, {}, []
        for token in tokens:
            if b"\\" in token:
                others.append(token)
            elif token.endswith(b'"'):
                names[token] = quote(token[1:-1].decode("utf-8"))
            else:
                end = token.rfind(b'"@')
                if end < 0:
                    others.append(token)
                    continue
                language = token[end + 2:].decode("utf-8")
                if language not in languages:
                    try:
                        Literal("", lang=language)  # rdflib's check of the tag
                    except ValueError as exc:
                        raise Unsupported(f"rdflib refuses the language tag {language!r} ({exc})") from None
                    languages[language] = None
                names[token] = f"{quote(token[1:end].decode('utf-8'))}@{language}"
        document = b"".join(b"<urn:x:s> <urn:x:p> " + token + b" .\n" for token in others)
        quads = ox.parse(document, format=ox.RdfFormat.N_TRIPLES)
        log, caught = logging.getLogger("rdflib.term"), _WarningsSeen()
        log.addHandler(caught)
        propagate, log.propagate = log.propagate, False
        datatypes: set = set()
        try:
            for token, quad in zip(others, quads, strict=True):
                literal = ox_to_rdflib(quad.object)
                if literal.datatype and literal.datatype not in datatypes:
                    datatypes.add(literal.datatype)
                    self.rdflib.get_pname(literal.datatype, gen_prefix=False)
                names[token] = self.rdflib.label(literal, OBJECT)
        finally:
            log.removeHandler(caught)
            log.propagate = propagate
        if caught.seen:
            raise Unsupported("a literal's lexical form does not fit its datatype (rdflib warns on reading it)")

    def _lines(self, subject: bytes) -> list[tuple[bytes, bytes]]:
        """(predicate, object) of every triple of ``subject``, in file order."""
        span = self.blocks.get(subject)
        if span is None:
            return []
        self.triples.seek(span[0])
        data = self.triples.read(span[1] - span[0])
        start, pairs = len(subject) + 1, []
        for line in data.split(b"\n")[:-1]:
            predicate_end = line.find(b" ", start)
            pairs.append((line[start:predicate_end], line[predicate_end + 1:-2]))
        return pairs

    @staticmethod
    def _value(lines, predicate: bytes):
        """The first object of ``predicate`` [Graph.value: the first one inserted]."""
        for p, o in lines:
            if p == predicate:
                return o
        return None

    # -- ordering --------------------------------------------------------------

    def _subject_order(self) -> list[bytes]:
        """rdfs:Class members first, then (IRIs before blank nodes, by references, by text)
        [orderSubjects]."""
        classes = sorted(set(self.classes), key=_node_key)
        first = set(classes)
        refs = self.refs
        rest = sorted((s for s in self.blocks if s not in first),
                      key=lambda s: (_is_blank(s), refs.get(s, 0), _node_key(s)[1]))
        return classes + rest

    def _properties(self, subject: bytes) -> list[tuple[bytes, list[bytes]]]:
        """Predicates (rdf:type, rdfs:label, then by IRI) with their sorted objects
        [buildPredicateHash, sortProperties]. The lines come sorted by predicate and object
        text, which is rdflib's insertion order."""
        span = self.blocks.get(subject)
        if span is None:
            return []
        self.triples.seek(span[0])
        data = self.triples.read(span[1] - span[0])
        start, objects = len(subject) + 1, {}
        for line in data.split(b"\n")[:-1]:
            predicate_end = line.find(b" ", start)
            predicate, obj = line[start:predicate_end], line[predicate_end + 1:-2]
            group = objects.get(predicate)
            if group is None:
                objects[predicate] = [obj]
            else:
                group.append(obj)
        predicates = tuple(objects)
        order = self.orders.get(predicates)
        if order is None:  # subjects mostly share a few sets of predicates: each sorted once
            order = [p for p in (TYPE, LABEL) if p in objects]
            order += sorted([p for p in objects if p != TYPE and p != LABEL], key=_iri_value)
            self.orders[predicates] = order
        sort = self._sorted_objects
        return [(p, objects[p] if len(objects[p]) == 1 else sort(objects[p])) for p in order]

    def _sorted_objects(self, objects: list[bytes]) -> list[bytes]:
        """``objects`` in rdflib's term order; with a literal among them, sorted by rdflib."""
        blank = False
        for obj in objects:
            if obj[0] == 34:  # '"': a literal
                break
            blank = blank or obj[0] == 95
        else:
            return sorted(objects, key=_node_key if blank else _iri_value)
        document = b"".join(b"<urn:x:s> <urn:x:p> " + o + b" .\n" for o in objects)
        terms = [ox_to_rdflib(q.object) for q in ox.parse(document, format=ox.RdfFormat.N_TRIPLES)]
        token_of = dict(zip(terms, objects))
        if len(token_of) != len(objects):
            raise Unsupported("two literals of one subject and predicate are one literal to rdflib")
        terms.sort()
        return [token_of[t] for t in terms]

    # -- writing (rdflib's method in brackets) ----------------------------------

    def write_to(self, sink) -> None:
        """Index the triples, then write the document to ``sink`` (binary) [serialize]."""
        self.index()
        namespaces = dict(self.rdflib.namespaces)
        parts, done = self.parts, self.done
        for prefix, uri in sorted(namespaces.items()):
            parts.append(f"PREFIX {prefix}: <{uri}>\n")
        for subject in self._subject_order():
            if subject in done:
                continue
            self._statement(subject)
            parts.append("\n")
            if len(parts) >= FLUSH_PARTS:
                sink.write("".join(parts).encode("utf-8"))
                parts.clear()
        if dict(self.rdflib.namespaces) != namespaces:
            raise Unsupported("a prefix was first needed after the header was written")
        sink.write("".join(parts).encode("utf-8"))
        parts.clear()

    def _indent(self, modifier: int = 0) -> str:
        return INDENT * (self.depth + modifier)

    def _statement(self, subject: bytes) -> None:
        write = self.parts.append
        self.done.add(subject)
        if subject[0] == 95 and self.refs.get(subject, 0) == 0:  # [s_squared]: a blank node nothing refers to
            write("\n" + self._indent() + "[]")
        else:  # [s_default]
            write("\n" + self._indent() + self._label(subject) + "\n" + self._indent())
        self._predicate_list(subject)
        write("\n.")

    def _label(self, node: bytes) -> str:
        """A subject's or object's text [label]."""
        return node.decode("utf-8") if node[0] == 95 else self.names[node]

    def _object(self, node: bytes, newline: bool) -> None:
        """An object, a blank node perhaps written in place [path, p_squared, p_default]."""
        if node[0] == 95 and node not in self.done and self.refs.get(node, 0) <= 1:
            if self._is_list(node):
                self.parts.append(" (\n")
                self._list_items(node)
                self.parts.append("\n" + self._indent() + ")")
            else:
                self.done.add(node)
                self.parts.append("\n" + self._indent(1) + "[\n")
                self.depth += 1
                self._predicate_list(node)
                self.depth -= 1
                self.parts.append("\n" + self._indent(1) + "]")
            return
        self.parts.append(self._label(node) if newline else " " + self._label(node))

    def _is_list(self, head: bytes) -> bool:
        """rdflib's test [isValidList]: an rdf:first, and every node up the rdf:rest chain
        with exactly two triples. Where it says yes but would not write the same triples
        back (see the module docstring), or where its answer hangs on more than that (a
        literal in the chain, which rdflib takes for its end when empty), Unsupported."""
        lines = self._lines(head)
        if self._value(lines, FIRST) is None:
            return False
        node, seen = head, set()
        while node is not None:
            if node == NIL:
                if any(p in (FIRST, REST) for p, _ in self._lines(NIL)):
                    raise Unsupported("rdf:nil has an rdf:first or rdf:rest")
                break
            if node[0] == 34 or node in seen:
                raise Unsupported("an rdf:List whose rdf:rest chain holds a literal or is a cycle")
            seen.add(node)
            lines = self._lines(node)
            if len(lines) != 2:
                return False
            node = self._value(lines, REST)
        node = head
        while node != NIL:
            lines = self._lines(node)
            shared = node != head and (self.refs.get(node, 0) != 1 or node in self.done)
            if node[0] != 95 or shared or [p for p, _ in lines] != [FIRST, REST]:
                raise Unsupported("an rdf:List rdflib would not write back as it is (a node that is "
                                  "an IRI, shared, already written or with other triples)")
            node = lines[1][1]
        return True

    def _list_items(self, node: bytes) -> None:
        """[doList]"""
        first = True
        while node != NIL:
            lines = self._lines(node)
            self.parts.append(self._indent(1) if first else "\n" + self._indent(1))
            self._object(lines[0][1], newline=True)
            self.done.add(node)
            node, first = lines[1][1], False

    def _predicate_list(self, subject: bytes) -> None:
        """[predicateList]; an object alone that is no blank node is written in line."""
        properties = self._properties(subject)
        if not properties:
            return
        write, names, verbs = self.parts.append, self.names, self.verbs
        pad = self._indent(1)
        separator = pad
        for predicate, objects in properties:
            if len(objects) == 1 and objects[0][0] != 95:
                write(separator + verbs[predicate] + " " + names[objects[0]])
            else:
                write(separator + verbs[predicate])
                self._object_list(objects)
            separator = " ;\n" + pad
        write(" ;")

    def _object_list(self, objects: list[bytes]) -> None:
        """[objectList]: rdflib indents one level more whatever the count; an IRI or a
        literal is written on its own line when there are several, a blank node is not."""
        self.depth += 1
        write, names = self.parts.append, self.names
        several, pad = len(objects) > 1, "\n" + self._indent(1)
        first = objects[0]
        if first[0] == 95:  # "_": a blank node, perhaps written in place
            if several:
                write(" ")
            self._object(first, newline=several)
        else:
            write((pad if several else " ") + names[first])
        for obj in objects[1:]:
            if obj[0] == 95:
                write(" ,")
                self._object(obj, newline=True)
            else:
                write(" ," + pad + names[obj])
        self.depth -= 1


def _iri_value(token: bytes) -> bytes:
    return token[1:-1]


def _node_key(token: bytes) -> tuple[int, bytes]:
    """rdflib's order of blank nodes and IRIs: blank nodes first, each kind by its text."""
    return (0, token[2:]) if _is_blank(token) else (1, token[1:-1])


def write_longturtle(triples, sink) -> None:
    """Write rdflib's longturtle serialisation of the sorted N-Triples file ``triples`` to ``sink``."""
    LongTurtleWriter(triples).write_to(sink)
