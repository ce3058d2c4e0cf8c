"""The shapes compiler: a SHACL shapes graph translated into SPARQL queries.

pyshacl (``kg.engine.reference.validate``) is the reference; the queries this package writes
are run on pyoxigraph by ``kg.engine.fast.validate``. Every query is generated from the
shapes (``CompiledShapes.from_graph``), never written per shape by hand:

* **Focus nodes** of a node shape: one sub-select, the union of its targets
  (``sh:targetClass`` through ``rdf:type/rdfs:subClassOf*``, ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``, ``sh:targetNode``, ``sh:SPARQLTarget`` queries as written, and
  implicit class targets: a shape that is an ``rdfs:Class``).
* **Property shapes**: the path becomes a SPARQL property path (sequence, alternative,
  inverse, zero-or-more, one-or-more, zero-or-one). The per-value constraints become
  *checks* (a condition on ``?v``), run by one screening query per property shape that
  also counts the values (``sh:minCount``, ``sh:maxCount``, ``sh:hasValue``); for the few
  focus nodes it flags, one query per failed check names the offending values. Each
  constraint has pyshacl's reading (a literal never satisfies ``sh:class``; strings and
  IRIs compare as strings...). Property shapes with their own targets, and ``sh:property``
  nested in a property shape (the value nodes become the focus nodes of the inner shape).
* **Shape-based constraints** (``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``,
  ``sh:qualifiedValueShape``): each inner shape is compiled into a *program*, the same
  queries with the value nodes (a sub-select) as focus nodes; a value node conforms when no
  query of the program has a result for it. One query gives the (focus, value) pairs, and
  the validator judges them in Python. Recursive shapes are refused.
* **SPARQL constraints** (``sh:sparql``) run as written, with the focus nodes joined first
  in the WHERE clause where pyshacl pre-binds ``$this`` one node at a time.

Anything else (custom components, ``sh:closed`` on a property shape, ``$currentShape``...)
raises ``UnsupportedShape``: nothing is skipped silently. So do SPARQL constraints whose
pre-binding of ``$this`` the join does not reproduce, an ``sh:datatype`` pyoxigraph
rewrites on loading (``kg.engine.fast.literals``) and literals of the shapes that are not
in pyoxigraph's canonical form.

The modules, by constraint family as pySHACL splits its validator:

* ``compiler``: ``CompiledShapes``, targets, paths, nesting; calls the families below.
* ``model``: what a compiled shape is made of (``Query``, ``Check``, ``TYPE_PATH``).
* ``graph``: reading the shapes graph, and its terms as SPARQL text.
* ``value_type`` (sh:class, sh:datatype, sh:nodeKind), ``range_and_string`` (sh:minInclusive
  ... sh:maxExclusive, sh:minLength, sh:maxLength, sh:pattern, sh:languageIn, sh:uniqueLang),
  ``property_pair`` (sh:equals, sh:disjoint, sh:lessThan, sh:lessThanOrEquals), ``other``
  (sh:in, sh:hasValue, sh:closed), ``screen`` (sh:minCount, sh:maxCount and the screening
  query), ``logical`` (sh:node, sh:not, sh:and, sh:or, sh:xone, sh:qualifiedValueShape),
  ``sparql_based`` (sh:sparql, sh:SPARQLTarget).

Layer: kg.engine (fast). The modules import kg.errors, kg.rdf, kg.project.load (parsing the
shapes file), kg.engine.reference.validate (the shapes' inference mode) and
kg.engine.fast.{literals, validate}; rdflib inside functions.
"""
