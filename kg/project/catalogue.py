"""The stored-query catalogue in ``queries/*.rq``: strict headers, typed parameters, binding.

Layer: kg.project. Imports kg.errors, kg.rdf, kg.project.paths and kg.project.variants. Running a query is
kg.ops.query.run_query (on kg.engine.fast.query or kg.engine.reference.query).

A stored query starts with a strict header of ``#+`` lines (a malformed header is an
error naming the file and line)::

    #+ title: Defections
    #+ description: Who moved from which organisation to which... Reasoning: required.
    #+ param: person | iri | optional | kg:sagheer-ahmed | The person who moved
    #+ returns: person, personLabel, origin, destination, date, status, article, quote

``#+ param:`` fields are the SPARQL variable it binds, its type (iri, string, date,
gYear, integer, boolean), required or optional, an example and a description. Quality
checks (``queries/checks/*-violation.rq``) use ``title``, ``problem`` and ``fix`` instead.

A stored query may carry a variant, another text for when one of its optional parameters is
bound (``queries/NAME+PARAM.rq``, header ``#+ variant-of: NAME`` and ``#+ when-bound: PARAM``):
kg.project.variants checks it against its base; :func:`catalogue` and :func:`get_query` attach
it to the base (``StoredQuery.variants``) instead of listing it, and ``StoredQuery.for_bound``
picks the text to run.

Longer than 500 lines because the header parser, the parameters (types, controlled vocabularies,
binding) and the listing share StoredQuery and Param and the header's line-numbered errors; the
variants' checks are in kg.project.variants.

Parameters are bound as RDF terms (:func:`bind`), never pasted into the text: with rdflib
through ``initBindings``; with pyoxigraph through a ``VALUES`` block placed first in the
WHERE group (kg.rdf.sparql.inject_values; pyoxigraph's ``substitutions`` only accepts
projected variables), which gives the same solutions for parameters used in the top-level
group, as all stored queries do.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path

from kg.errors import KGError, ParameterError, QueryFileNotFoundError, QueryHeaderError, QueryNotFoundError
from kg.project.paths import DataDir
from kg.project.variants import attach, is_variant_path
from kg.rdf.sparql import tokens
from kg.rdf.vocab import KG, PREFIXES, RDFS_LABEL, SKOS, XSD

PARAM_TYPES = ("iri", "string", "date", "gYear", "integer", "boolean")
QUERY_KEYS = {"title", "description", "param", "returns", "lists", "unsupported"}
#: The header of a variant ``NAME+PARAM.rq``: the rest (title, params, returns...) is its base's.
VARIANT_KEYS = {"variant-of", "when-bound", "description"}
#: SPARQL engines a stored query may declare it does not run on (``#+ unsupported:``).
ENGINES = ("virtuoso", "graphdb", "fuseki", "stardog", "neptune", "blazegraph")
#: How a column named in ``#+ lists:`` joins its values (GROUP_CONCAT's separator).
LIST_SEPARATOR = " | "
CHECK_KEYS = {"title", "problem", "fix", "description"}

_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER = re.compile(r"^#\+\s*([A-Za-z][A-Za-z-]*)\s*:\s*(.*?)\s*$")
_BAD_IRI_CHARS = re.compile(r'[\s<>"{}|^`\\]')


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool
    example: str
    description: str
    #: A controlled vocabulary: ``(IRI, short form)`` of every allowed value, when the example
    #: is a concept of a skos:ConceptScheme of the ontology (with_vocabularies); else empty.
    values: tuple = ()

    def describe(self) -> str:
        need = "required" if self.required else "optional"
        one_of = f"; one of {self.allowed()}" if self.values else ""
        return f"{self.name} ({self.type}, {need}; e.g. {self.example}{one_of}): {self.description}"

    def allowed(self) -> str:
        """``confirmed, claimed, ... (or mqm:status-confirmed, ...)`` for a controlled parameter."""
        from kg.rdf.vocab import shorten

        if not self.values:
            return ""
        return f"{', '.join(short for _iri, short in self.values)} (or {shorten(self.values[0][0])}, ...)"

    def to_dict(self) -> dict:
        from kg.rdf.vocab import shorten

        doc = {k: v for k, v in self.__dict__.items() if k != "values"}
        if self.values:
            doc["values"] = [{"iri": shorten(iri), "short": short} for iri, short in self.values]
        return doc


@dataclass
class StoredQuery:
    """One ``.rq`` file with its parsed header."""

    name: str
    path: Path
    text: str
    title: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)
    returns: list[str] = field(default_factory=list)
    #: Columns that join several values with LIST_SEPARATOR: kg sorts the values, so the
    #: text is the same on every engine (GROUP_CONCAT's order is not defined).
    lists: list[str] = field(default_factory=list)
    #: engine -> why the query does not run there (``#+ unsupported: virtuoso | reason``).
    unsupported: dict = field(default_factory=dict)
    problem: str = ""
    fix: str = ""
    #: A variant (``NAME+PARAM.rq``): the base query's name and the optional parameter whose
    #: binding selects this text. Empty for any other query.
    variant_of: str = ""
    when_bound: str = ""
    #: The variants of a base query, runnable StoredQuerys in the base's parameter order.
    variants: list = field(default_factory=list)
    #: Header key -> line number (first occurrence), for errors found after parsing.
    header_lines: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_check(self) -> bool:
        return bool(self.problem)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def for_bound(self, bound) -> StoredQuery:
        """The text to run with the parameters named in ``bound`` bound: the variant of the first
        parameter (in header order) that is bound and has one, else this query itself."""
        by_param = {v.when_bound: v for v in self.variants}
        return next((by_param[p.name] for p in self.params if p.name in bound and p.name in by_param), self)


# ---------------------------------------------------------------------------
# Header and catalogue
# ---------------------------------------------------------------------------

def parse_query_file(path: Path, *, check: bool | None = None, require_header: bool = True) -> StoredQuery:
    """Read and parse a ``.rq`` file (strict header)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KGError(f"{path}: cannot read query file: {exc}") from None
    if check is None:
        check = path.name.endswith("-violation.rq")
    return parse_query_text(text, path=path, check=check, require_header=require_header)


def parse_query_text(text: str, *, path: Path | str = "<query>", check: bool = False,
                     require_header: bool = True) -> StoredQuery:
    path = Path(path) if not isinstance(path, Path) else path
    name = path.stem if path.suffix == ".rq" else str(path)
    query = StoredQuery(name=name, path=path, text=text)
    variant = not check and require_header and "+" in name
    allowed = CHECK_KEYS if check else VARIANT_KEYS if variant else QUERY_KEYS
    seen: set[str] = set()
    in_header = True
    found = list(tokens(text))  # comments and strings are not the query's variables
    mentioned = {t.text[1:] for t in found if t.kind == "var"}
    computed = {var.text[1:] for before, var in zip(found, found[1:])  # (... AS ?name)
                if before.keyword == "AS" and var.kind == "var"}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith("#+"):
            if stripped and not stripped.startswith("#"):
                in_header = False
            continue
        if not in_header:
            raise QueryHeaderError("'#+' header line after the query text began", path=path, line=number)
        match = _HEADER.match(stripped)
        if not match:
            raise QueryHeaderError(f"expected '#+ key: value', got {stripped!r}", path=path, line=number)
        key, value = match.group(1), match.group(2)
        if variant and key in QUERY_KEYS - VARIANT_KEYS:
            raise QueryHeaderError(f"a variant takes {key!r} from its base query; its header has only "
                                   f"{', '.join(sorted(VARIANT_KEYS))}", path=path, line=number)
        if key not in allowed:
            raise QueryHeaderError(f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})",
                                   path=path, line=number)
        if not value:
            raise QueryHeaderError(f"empty value for {key!r}", path=path, line=number)
        if key not in ("param", "unsupported") and key in seen:
            raise QueryHeaderError(f"duplicate key {key!r}", path=path, line=number)
        seen.add(key)
        query.header_lines.setdefault(key, number)
        if key == "param":
            param = _parse_param(value, path, number)
            if query.param(param.name):
                raise QueryHeaderError(f"parameter {param.name!r} declared twice", path=path, line=number)
            if param.name not in mentioned:
                raise QueryHeaderError(f"parameter {param.name!r} is not a variable of the query",
                                       path=path, line=number)
            query.params.append(param)
        elif key == "returns":
            names = [v.strip().lstrip("?") for v in value.split(",")]
            bad = [n for n in names if not _VAR.match(n)]
            if bad:
                raise QueryHeaderError(f"bad variable name(s) in returns: {bad}", path=path, line=number)
            absent = [n for n in names if n not in mentioned]
            if absent:
                raise QueryHeaderError(f"returns names variable(s) the query does not have: {absent}",
                                       path=path, line=number)
            query.returns = names
        elif key == "unsupported":
            engine, _, reason = (part.strip() for part in value.partition("|"))
            if engine not in ENGINES or not reason:
                raise QueryHeaderError(f"unsupported needs 'engine | reason' with engine one of {', '.join(ENGINES)}, "
                                       f"got {value!r}", path=path, line=number)
            query.unsupported[engine] = reason
        elif key == "lists":
            names = [v.strip().lstrip("?") for v in value.split(",")]
            absent = [n for n in names if n not in computed]
            if absent:
                raise QueryHeaderError(f"lists names column(s) the query does not compute (AS ?name): {absent}",
                                       path=path, line=number)
            query.lists = names
        elif key in ("variant-of", "when-bound"):
            name_ = value.lstrip("?$")
            if not re.match(r"^[A-Za-z0-9_.-]+$", name_) or (key == "when-bound" and not _VAR.match(name_)):
                raise QueryHeaderError(f"bad {key} name {value!r}", path=path, line=number)
            setattr(query, key.replace("-", "_"), name_)
        else:
            setattr(query, key, value)
    if variant:
        missing = [k for k in ("variant-of", "when-bound") if k not in seen]
        if missing:
            raise QueryHeaderError(f"a variant (a file named BASE+PARAM.rq) needs header key(s): "
                                   f"{', '.join(missing)}", path=path, line=1)
        if name != f"{query.variant_of}+{query.when_bound}":
            raise QueryHeaderError(f"a variant of {query.variant_of!r} when {query.when_bound!r} is bound is "
                                   f"named {query.variant_of}+{query.when_bound}.rq, not {path.name}",
                                   path=path, line=query.header_lines["variant-of"])
    elif require_header:
        needed = ["title", "problem", "fix"] if check else ["title", "description"]
        missing = [k for k in needed if k not in seen]
        if missing:
            raise QueryHeaderError(f"missing header key(s): {', '.join(missing)}", path=path, line=1)
    return query


def _parse_param(value: str, path, line) -> Param:
    fields = [f.strip() for f in value.split("|")]
    if len(fields) != 5:
        raise QueryHeaderError("param needs 5 fields 'name | type | required|optional | example | "
                               f"description', got {len(fields)}", path=path, line=line)
    name, kind, need, example, description = fields
    name = name.lstrip("?$")
    if not _VAR.match(name):
        raise QueryHeaderError(f"bad parameter name {name!r}", path=path, line=line)
    if kind not in PARAM_TYPES:
        raise QueryHeaderError(f"parameter {name!r}: unknown type {kind!r} (one of {', '.join(PARAM_TYPES)})",
                               path=path, line=line)
    if need not in ("required", "optional"):
        raise QueryHeaderError(f"parameter {name!r}: third field must be 'required' or 'optional', got {need!r}",
                               path=path, line=line)
    if not example or not description:
        raise QueryHeaderError(f"parameter {name!r}: example and description must not be empty",
                               path=path, line=line)
    param = Param(name, kind, need == "required", example, description)
    try:
        coerce(param, example)
    except ParameterError as exc:
        raise QueryHeaderError(f"example does not fit its type: {exc.message}", path=path, line=line) from None
    return param


def catalogue(data_dir: DataDir) -> list[StoredQuery]:
    """Every stored query in ``queries/*.rq`` (not the checks, not the variants: each base
    query carries its own in ``variants``), sorted by name, with the allowed values of its
    controlled parameters (with_vocabularies). A variant whose base is absent is an error."""
    paths = sorted(data_dir.queries_dir.glob("*.rq"))
    bases = [with_vocabularies(data_dir, parse_query_file(p, check=False)) for p in paths if not is_variant_path(p)]
    by_name = {q.name: q for q in bases}
    for path in paths:
        if is_variant_path(path):
            variant = parse_query_file(path, check=False)
            if variant.variant_of not in by_name:
                raise QueryHeaderError(f"variant of unknown query {variant.variant_of!r} "
                                       f"(no {variant.variant_of}.rq beside it)",
                                       path=path, line=variant.header_lines["variant-of"])
            attach(by_name[variant.variant_of], [variant])
    return bases


def query_names(data_dir: DataDir) -> list[str]:
    """The names of the stored queries (``queries/*.rq`` but the variants), sorted."""
    return [p.stem for p in sorted(data_dir.queries_dir.glob("*.rq")) if not is_variant_path(p)]


def with_variants(query: StoredQuery) -> StoredQuery:
    """``query`` with the variants ``NAME+PARAM.rq`` beside its file checked and attached."""
    if query.variant_of or not query.title or not query.path.parent.is_dir():
        return query
    import glob

    found = sorted(query.path.parent.glob(f"{glob.escape(query.name)}+*.rq"))
    return attach(query, [parse_query_file(p, check=False) for p in found])


def check_catalogue(data_dir: DataDir) -> list[StoredQuery]:
    """Every quality check ``queries/checks/*-violation.rq``, sorted by name."""
    return [parse_query_file(p, check=True) for p in sorted(data_dir.checks_dir.glob("*-violation.rq"))]


def get_query(data_dir: DataDir, name: str) -> StoredQuery:
    """A stored query by name (file stem), or a path to any ``.rq`` file, with its variants.

    A name that ends in ``.rq`` or holds a ``/`` is a path: QueryFileNotFoundError when it
    names no file; a variant's file (``NAME+PARAM.rq``) gives that variant with its base's
    header, to run as it is. An unknown name raises QueryNotFoundError with the close matches
    (a variant has no name of its own).
    """
    import os

    candidate = Path(name)
    if name.endswith(".rq") or candidate.suffix == ".rq" or "/" in name or os.sep in name:
        if not candidate.is_file():
            raise QueryFileNotFoundError(name)
        text = candidate.read_text(encoding="utf-8")
        has_header = any(line.startswith("#+") for line in text.splitlines())
        query = parse_query_file(candidate, require_header=has_header)
        if query.variant_of:
            base_path = candidate.parent / f"{query.variant_of}.rq"
            if not base_path.is_file():
                raise QueryHeaderError(f"variant of unknown query {query.variant_of!r} "
                                       f"(no {base_path.name} beside it)",
                                       path=candidate, line=query.header_lines["variant-of"])
            base = with_vocabularies(data_dir, parse_query_file(base_path, check=False))
            return attach(base, [query]).variants[0]
        return with_variants(with_vocabularies(data_dir, query))
    path = data_dir.queries_dir / f"{name}.rq"
    if not re.match(r"^[A-Za-z0-9_.-]+$", name) or not path.is_file():
        import difflib

        available = query_names(data_dir)
        close = difflib.get_close_matches(name.lower(), available, n=3, cutoff=0.6)
        raise QueryNotFoundError(name, available, close)
    return with_variants(with_vocabularies(data_dir, parse_query_file(path, check=False)))


# ---------------------------------------------------------------------------
# Controlled vocabularies (the concepts of a skos:ConceptScheme in ontology/)
# ---------------------------------------------------------------------------

#: Concept schemes read in this process, keyed by the ontology files' paths, sizes and mtimes:
#: an edited file has another key.
_SCHEMES: dict = {}


def concept_schemes(data_dir: DataDir) -> dict[str, list[tuple[str, str]]]:
    """``{scheme IRI: [(concept IRI, label), ...]}`` for every skos:inScheme in the ontology
    files, in file order (read with pyoxigraph; memoised on the files' sizes and times)."""
    import pyoxigraph as ox

    files = data_dir.ontology_files()
    key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    if key not in _SCHEMES:
        schemes: dict[str, list[str]] = {}
        labels: dict[str, dict[str, str]] = {}
        for path in files:
            try:
                triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
            except (OSError, SyntaxError, ValueError):
                continue  # kg check / kg reason report an unparsable ontology file
            for t in triples:
                if not isinstance(t.subject, ox.NamedNode):
                    continue
                if t.predicate.value == SKOS + "inScheme" and isinstance(t.object, ox.NamedNode):
                    members = schemes.setdefault(t.object.value, [])
                    if t.subject.value not in members:
                        members.append(t.subject.value)
                elif t.predicate.value in (SKOS + "prefLabel", RDFS_LABEL) and isinstance(t.object, ox.Literal):
                    labels.setdefault(t.subject.value, {}).setdefault(t.predicate.value, t.object.value)
        _SCHEMES.clear()
        _SCHEMES[key] = {scheme: [(c, labels.get(c, {}).get(SKOS + "prefLabel") or
                                   labels.get(c, {}).get(RDFS_LABEL) or _local(c)) for c in members]
                         for scheme, members in schemes.items()}
    return _SCHEMES[key]


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def with_vocabularies(data_dir: DataDir, query: StoredQuery) -> StoredQuery:
    """``query`` with ``values`` set on each iri parameter whose example is a concept of a
    concept scheme (``status``, e.g. mqm:status-confirmed: the epistemic statuses)."""
    from dataclasses import replace

    if not any(p.type == "iri" for p in query.params):
        return query
    schemes = concept_schemes(data_dir)
    params = []
    for param in query.params:
        if param.type == "iri":
            example = expand_iri(param.example)
            members = next((m for m in schemes.values() if any(iri == example for iri, _ in m)), None)
            if members:
                param = replace(param, values=tuple((iri, label) for iri, label in members))
        params.append(param)
    query.params = params
    return query


def controlled_value(param: Param, raw: str) -> str:
    """The IRI among ``param.values`` that ``raw`` names: the IRI in any form, its label, its
    local name, or its local name without the prefix all values share (``confirmed`` for
    mqm:status-confirmed). ParameterError listing the allowed values otherwise."""
    import difflib

    try:
        iri = expand_iri(raw)
    except ValueError:
        iri = None
    if iri in {v for v, _ in param.values}:
        return iri
    locals_ = [_local(v) for v, _ in param.values]
    common = _common_prefix(locals_)
    forms: dict[str, set[str]] = {}
    for (value, label), local in zip(param.values, locals_):
        for form in (label, local, local[len(common):]):
            if form:
                forms.setdefault(form.casefold(), set()).add(value)
    wanted = raw.strip()
    wanted = wanted.split(":", 1)[1] if re.match(r"^[A-Za-z][\w-]*:[^/]", wanted) else wanted
    hits = forms.get(wanted.strip("<>").casefold(), set())
    if len(hits) == 1:
        return next(iter(hits))
    close = difflib.get_close_matches(wanted.casefold(), [short.casefold() for _, short in param.values], n=3)
    hint = f"did you mean: {', '.join(close)}" if close else None
    raise ParameterError(f"parameter {param.name!r}: {raw!r} is not one of its values: {param.allowed()}",
                         hint=hint)


def _common_prefix(words: list[str]) -> str:
    """The longest prefix ending in '-' or '_' that every word has (``status-``)."""
    if len(words) < 2:
        return ""
    prefix = words[0]
    for word in words[1:]:
        while not word.startswith(prefix):
            prefix = prefix[:-1]
    cut = max(prefix.rfind("-"), prefix.rfind("_"))
    return prefix[:cut + 1] if cut >= 0 else ""


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------

def expand_iri(value: str) -> str:
    """``kg:slug``, ``prefix:local``, ``<full IRI>``, ``http(s)://...`` or a bare slug -> IRI."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        iri = value[1:-1]
    elif re.match(r"^https?://", value) or value.startswith("urn:"):
        iri = value
    elif re.match(r"^[A-Za-z][A-Za-z0-9_-]*:", value):
        prefix, local = value.split(":", 1)
        if prefix not in PREFIXES:
            raise ValueError(f"unknown prefix {prefix!r} (known: {', '.join(sorted(PREFIXES))})")
        iri = PREFIXES[prefix] + local
    elif re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", value):
        iri = KG + value
    else:
        raise ValueError("expected kg:slug, prefix:local, <IRI>, http(s)://... or a bare slug")
    if not iri or _BAD_IRI_CHARS.search(iri) or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
        raise ValueError(f"{iri!r} is not a valid absolute IRI")
    return iri


def coerce(param: Param, raw: str):
    """Turn a command-line string into the pyoxigraph term the parameter expects."""
    import pyoxigraph as ox

    def fail(expected: str):
        return ParameterError(f"parameter {param.name!r}: {raw!r} is not a valid {param.type}; expected {expected}")

    if param.type == "iri":
        if param.values:
            return ox.NamedNode(controlled_value(param, raw))
        try:
            return ox.NamedNode(expand_iri(raw))
        except ValueError as exc:
            raise ParameterError(f"parameter {param.name!r}: {raw!r} is not a valid iri: {exc}") from None
    if param.type == "string":
        return ox.Literal(raw)
    if param.type == "date":
        try:
            if not re.match(r"^\d{4}-\d{2}-\d{2}$", raw):
                raise ValueError
            _date.fromisoformat(raw)
        except ValueError:
            raise fail("a date YYYY-MM-DD, e.g. 2016-03-23") from None
        return ox.Literal(raw, datatype=ox.NamedNode(XSD + "date"))
    if param.type == "gYear":
        if not re.match(r"^-?\d{4}$", raw):
            raise fail("a year YYYY, e.g. 2016")
        return ox.Literal(raw, datatype=ox.NamedNode(XSD + "gYear"))
    if param.type == "integer":
        if not re.match(r"^[+-]?\d+$", raw.strip()):
            raise fail("an integer, e.g. 3")
        return ox.Literal(str(int(raw)), datatype=ox.NamedNode(XSD + "integer"))
    if param.type == "boolean":
        lowered = raw.strip().lower()
        if lowered not in ("true", "false", "1", "0", "yes", "no"):
            raise fail("true or false")
        return ox.Literal("true" if lowered in ("true", "1", "yes") else "false",
                          datatype=ox.NamedNode(XSD + "boolean"))
    raise fail(f"one of {PARAM_TYPES}")


def guess_term(raw: str):
    """Parameter of a query without header: an IRI if it looks like one, else a string."""
    import pyoxigraph as ox

    try:
        if raw.startswith("<") or re.match(r"^(https?://|urn:|[A-Za-z][A-Za-z0-9_-]*:\S)", raw):
            return ox.NamedNode(expand_iri(raw))
    except ValueError as exc:
        raise ParameterError(f"{raw!r}: {exc}") from None
    return ox.Literal(raw)


def bind(query: StoredQuery, raw: dict[str, str], *, headerless: bool = False,
         provided=()) -> dict:
    """Check and convert ``{name: string}`` for ``query``; return ``{name: term}``."""
    bindings = {}
    if headerless and not query.params:
        for name, value in raw.items():
            if not _VAR.match(name):
                raise ParameterError(f"bad parameter name {name!r}")
            bindings[name] = guess_term(value)
        return bindings
    known = {p.name for p in query.params}
    unknown = sorted(set(raw) - known)
    if unknown:
        listing = "; ".join(p.describe() for p in query.params) or "none"
        raise ParameterError(f"query {query.name!r} has no parameter {', '.join(map(repr, unknown))}; "
                             f"its parameters: {listing}")
    for param in query.params:
        if param.name in raw:
            bindings[param.name] = coerce(param, raw[param.name])
        elif param.required and param.name not in provided:
            raise ParameterError(f"query {query.name!r} needs parameter {param.name!r}: {param.describe()}",
                                 hint=f"add --param {param.name}={param.example}")
    return bindings


# ---------------------------------------------------------------------------
# List columns
# ---------------------------------------------------------------------------

def sort_lists(result, columns):
    """``result`` (a kg.engine.results.QueryResult) with the values of each list column
    (``#+ lists:``) sorted and unique: the same text on every engine."""
    import pyoxigraph as ox

    indexes = [result.variables.index(c) for c in columns if c in result.variables]
    if not indexes or result.kind != "select":
        return result

    def sorted_cell(term):
        if not isinstance(term, ox.Literal) or LIST_SEPARATOR not in term.value:
            return term
        parts = sorted(set(term.value.split(LIST_SEPARATOR)), key=lambda t: (t.casefold(), t))
        return ox.Literal(LIST_SEPARATOR.join(parts))

    result.rows = [tuple(sorted_cell(t) if i in indexes else t for i, t in enumerate(row)) for row in result.rows]
    return result
