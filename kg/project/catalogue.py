"""Stored SPARQL queries: the catalogue in ``queries/*.rq``, typed parameters, two engines.

A stored query starts with a strict header of ``#+`` lines (a malformed header is an
error naming the file and line)::

    #+ title: Defections
    #+ description: Who moved from which organisation to which... Reasoning: required.
    #+ param: person | iri | optional | kg:sagheer-ahmed | The person who moved
    #+ returns: person, personLabel, origin, destination, date, status, article, quote

``#+ param:`` fields are the SPARQL variable it binds, its type (iri, string, date,
gYear, integer, boolean), required or optional, an example and a description. Quality
checks (``queries/checks/*-violation.rq``) use ``title``, ``problem`` and ``fix`` instead.

Parameters are bound as RDF terms, never pasted into the text: with rdflib through
``initBindings``; with pyoxigraph through a ``VALUES`` block placed first in the WHERE
group (pyoxigraph's ``substitutions`` only accepts projected variables), which gives the
same solutions for parameters used in the top-level group, as all stored queries do.
"""
from __future__ import annotations

from kg.rdf.vocab import RDFS_LABEL, SKOS, XSD

from kg.engine.results import QueryResult

import re
from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path

from kg.config import DEFAULTS, Settings
from kg.errors import (KGError, ParameterError, QueryEngineError, QueryFileNotFoundError,
                       QueryHeaderError, QueryNotFoundError, QuerySyntaxError)
from kg.project.paths import DataDir
from kg.rdf.vocab import KG, PREFIXES, unknown_prefix_message

PARAM_TYPES = ("iri", "string", "date", "gYear", "integer", "boolean")
QUERY_KEYS = {"title", "description", "param", "returns", "lists", "unsupported"}
#: SPARQL engines a stored query may declare it does not run on (``#+ unsupported:``).
ENGINES = ("virtuoso", "graphdb", "fuseki", "stardog", "neptune", "blazegraph")
#: How a column named in ``#+ lists:`` joins its values (GROUP_CONCAT's separator).
LIST_SEPARATOR = " | "
CHECK_KEYS = {"title", "problem", "fix", "description"}

_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER = re.compile(r"^#\+\s*([A-Za-z]+)\s*:\s*(.*?)\s*$")
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

    @property
    def is_check(self) -> bool:
        return bool(self.problem)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


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
    allowed = CHECK_KEYS if check else QUERY_KEYS
    seen: set[str] = set()
    in_header = True
    body = "\n".join(line.split("#", 1)[0] if line.lstrip().startswith("#") else line
                     for line in text.splitlines())
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
        if key not in allowed:
            raise QueryHeaderError(f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})",
                                   path=path, line=number)
        if not value:
            raise QueryHeaderError(f"empty value for {key!r}", path=path, line=number)
        if key not in ("param", "unsupported") and key in seen:
            raise QueryHeaderError(f"duplicate key {key!r}", path=path, line=number)
        seen.add(key)
        if key == "param":
            param = _parse_param(value, path, number)
            if query.param(param.name):
                raise QueryHeaderError(f"parameter {param.name!r} declared twice", path=path, line=number)
            if not re.search(r"[?$]" + re.escape(param.name) + r"\b", body):
                raise QueryHeaderError(f"parameter {param.name!r} is not a variable of the query",
                                       path=path, line=number)
            query.params.append(param)
        elif key == "returns":
            names = [v.strip().lstrip("?") for v in value.split(",")]
            bad = [n for n in names if not _VAR.match(n)]
            if bad:
                raise QueryHeaderError(f"bad variable name(s) in returns: {bad}", path=path, line=number)
            absent = [n for n in names if not re.search(r"[?$]" + re.escape(n) + r"\b", body)]
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
            absent = [n for n in names if not re.search(r"\bAS\s+[?$]" + re.escape(n) + r"\b", body)]
            if absent:
                raise QueryHeaderError(f"lists names column(s) the query does not compute (AS ?name): {absent}",
                                       path=path, line=number)
            query.lists = names
        else:
            setattr(query, key, value)
    if require_header:
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
    """Every stored query in ``queries/*.rq`` (not the checks), sorted by name, with the
    allowed values of its controlled parameters (with_vocabularies)."""
    return [with_vocabularies(data_dir, parse_query_file(p, check=False))
            for p in sorted(data_dir.queries_dir.glob("*.rq"))]


def check_catalogue(data_dir: DataDir) -> list[StoredQuery]:
    """Every quality check ``queries/checks/*-violation.rq``, sorted by name."""
    return [parse_query_file(p, check=True) for p in sorted(data_dir.checks_dir.glob("*-violation.rq"))]


def get_query(data_dir: DataDir, name: str) -> StoredQuery:
    """A stored query by name (file stem), or a path to any ``.rq`` file.

    A name that ends in ``.rq`` or holds a ``/`` is a path: QueryFileNotFoundError when it
    names no file. An unknown name raises QueryNotFoundError with the close matches.
    """
    import os

    candidate = Path(name)
    if name.endswith(".rq") or candidate.suffix == ".rq" or "/" in name or os.sep in name:
        if not candidate.is_file():
            raise QueryFileNotFoundError(name)
        text = candidate.read_text(encoding="utf-8")
        has_header = any(line.startswith("#+") for line in text.splitlines())
        return with_vocabularies(data_dir, parse_query_file(candidate, require_header=has_header))
    path = data_dir.queries_dir / f"{name}.rq"
    if not re.match(r"^[A-Za-z0-9_.-]+$", name) or not path.is_file():
        import difflib

        available = [p.stem for p in sorted(data_dir.queries_dir.glob("*.rq"))]
        close = difflib.get_close_matches(name.lower(), available, n=3, cutoff=0.6)
        raise QueryNotFoundError(name, available, close)
    return with_vocabularies(data_dir, parse_query_file(path, check=False))


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
# Running
# ---------------------------------------------------------------------------

def run_query(data_dir: DataDir, query, params: dict | None = None, *, engine: str = "oxigraph",
              bindings: dict | None = None, store=None, progress=None,
              allow_service: bool = False, settings: Settings = DEFAULTS) -> QueryResult:
    """Run a StoredQuery (or SPARQL text) over the reasoned KG.

    ``params`` are raw strings checked against the header; ``bindings`` are ready terms.
    ``engine`` is ``oxigraph`` (default, the cached on-disk store) or ``rdflib``. A query
    with ``SERVICE`` is refused (RemoteAccessRefused) unless ``allow_service``; on rdflib,
    so is a ``FROM`` / ``FROM NAMED`` of a graph the KG does not hold (kg.rdf.sparql).
    ``settings``: the cache and the persistent store (kg.config).
    """
    from kg.rdf.sparql import refuse_remote

    if isinstance(query, str):
        query = parse_query_text(query, require_header=False)
        headerless = True
    else:
        headerless = not query.title
    terms = dict(bindings or {})
    given = bind(query, params or {}, headerless=headerless, provided=set(terms))
    terms.update(given)
    if engine == "oxigraph":
        refuse_remote(query.text, allow_service=allow_service, prefixes=PREFIXES)
        if store is None:
            from kg.store.cache import open_store

            store = open_store(data_dir, settings=settings, progress=progress)
        result = run_oxigraph(store, query.text, terms)
    elif engine == "rdflib":
        from kg.store.cache import ensure_cache

        entry = ensure_cache(data_dir, settings=settings, progress=progress)
        dataset = cached_rdflib_dataset(entry)
        refuse_remote(query.text, allow_service=allow_service, prefixes=PREFIXES,
                      local_graphs=[str(g.identifier) for g in dataset.graphs()])
        result = run_rdflib(dataset, query.text, terms)
    else:
        raise ParameterError(f"unknown engine {engine!r}; expected oxigraph or rdflib")
    result.warnings += unknown_iri_warnings(data_dir, given, params or {}, store=store, settings=settings)
    return sort_lists(result, query.lists)


def sort_lists(result: QueryResult, columns) -> QueryResult:
    """``result`` with the values of each list column (``#+ lists:``) sorted and unique."""
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


def unknown_iri_warnings(data_dir: DataDir, terms: dict, raw: dict, *, store=None,
                         settings: Settings = DEFAULTS) -> list[str]:
    """A warning for each IRI in ``terms`` (bound from the strings ``raw``) that occurs in no
    triple of the KG, with up to 3 entities whose label or local name is close to it."""
    import pyoxigraph as ox

    unknown = {name: term for name, term in terms.items() if isinstance(term, ox.NamedNode)}
    if not unknown:
        return []
    if store is None:
        from kg.store.cache import open_store

        store = open_store(data_dir, settings=settings)
    warnings = []
    for name, term in sorted(unknown.items()):
        if next(iter(store.quads_for_pattern(term, None, None)), None) is not None or \
                next(iter(store.quads_for_pattern(None, None, term)), None) is not None:
            continue
        from kg.rdf.vocab import shorten
        from kg.ops.whois import suggest_entities

        local = re.split(r"[#/:]", raw.get(name, term.value).strip("<>"))[-1]
        close = suggest_entities(store, local.replace("-", " ").replace("_", " "), n=3)
        hint = "; did you mean: " + ", ".join(f"{iri} ({label})" for iri, label in close) if close else ""
        warnings.append(f"parameter {name!r}: {shorten(term.value)} names nothing in the KG, "
                        f"so the query may return no rows{hint}")
    return warnings


def run_oxigraph(store, text: str, terms: dict) -> QueryResult:
    import pyoxigraph as ox

    sparql = inject_values(text, terms) if terms else text
    try:
        result = store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)
    except SyntaxError as exc:
        if sparql is not text:
            try:
                ox.Store().query(text, prefixes=PREFIXES)
            except SyntaxError as original:
                exc = original
        raise _syntax_error(text, str(exc)) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryEngineError(f"query failed: {exc}") from None
    try:
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = [tuple(solution[v] for v in variables) for solution in result]
            return QueryResult("select", variables=variables, rows=rows)
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(result))
        return QueryResult("graph", triples=list(result))
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryEngineError(f"query failed: {exc}") from None


def _syntax_error(text: str, message: str) -> QuerySyntaxError:
    return QuerySyntaxError(syntax_error_text(text, message))


def syntax_error_text(text: str, message: str) -> str:
    """pyoxigraph's SyntaxError ``message`` about ``text`` in plain words: line, column, a caret,
    and ``unknown prefix 'foo:'`` (with the predeclared ones) where a prefix is undeclared."""
    match = re.search(r"at (\d+):(\d+)", message)
    if not match:
        return f"SPARQL syntax error: {message}"
    line, column = int(match.group(1)), int(match.group(2))
    lines = text.splitlines() or [""]
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    first = message.splitlines()[0] if message else "invalid query"
    # pyoxigraph words an undeclared prefix as "expected one of ..., Prefix not found, ..." or,
    # in subject or predicate position, as "expected OPTIONAL": look for one before the error.
    offset = sum(len(text_line) + 1 for text_line in lines[:line - 1]) + max(column - 1, 0)
    prefix = _undeclared_prefix(text, offset, anywhere="Prefix not found" in message)
    if prefix is not None:
        first = unknown_prefix_message(prefix)
    return (f"SPARQL syntax error at line {line}, column {column}: {first}\n"
            f"  {source}\n  {' ' * max(column - 1, 0)}^")


def _undeclared_prefix(text: str, offset: int, *, anywhere: bool = False) -> str | None:
    """The last prefix used before ``offset`` in ``text`` (with ``anywhere``, else the first
    after it) that neither a PREFIX declaration in the text nor PREFIXES declares."""
    declared = set(PREFIXES) | set(re.findall(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?:", text))
    name = re.compile(r"(?<![\w?$<:/#@-])([A-Za-z][\w-]*(?:\.[\w-]+)*):(?!//)")

    def undeclared(part: str) -> list[str]:
        part = re.sub(r"<[^>\s]*>|\"[^\"\n]*\"|'[^'\n]*'|#[^\n]*", " ", part)
        return [m.group(1) for m in name.finditer(part) if m.group(1) not in declared]

    before = undeclared(text[:offset])
    if before:
        return before[-1]
    after = undeclared(text[offset:]) if anywhere else []
    return after[0] if after else None


def inject_values(text: str, terms: dict) -> str:
    """Put ``VALUES (?a ?b) { (t1 t2) }`` first in the WHERE group of ``text``.

    A short-form ``CONSTRUCT WHERE { pattern }`` (whose group may hold triple patterns only) is
    first written out as ``CONSTRUCT { pattern } WHERE { pattern }``.
    """
    position = _where_brace(text)
    if position is None:
        raise QuerySyntaxError("cannot bind parameters: no WHERE group found in the query")
    text, position = _expand_short_construct(text, position)
    names = sorted(terms)
    values = " VALUES (" + " ".join(f"?{n}" for n in names) + ") { (" + \
        " ".join(str(terms[n]) for n in names) + ") } "
    return text[: position + 1] + values + text[position + 1:]


def _expand_short_construct(text: str, brace: int) -> tuple[str, int]:
    """``CONSTRUCT WHERE { p }`` -> ``CONSTRUCT { p } WHERE { p }``; other queries unchanged.

    Returns the text and the index of the WHERE group's opening brace in it.
    """
    tokens = list(_tokens(text))
    at = next(i for i, (index, _token) in enumerate(tokens) if index == brace)
    if at < 2 or tokens[at - 1][1] != "WHERE" or tokens[at - 2][1] != "CONSTRUCT":
        return text, brace
    depth = 0
    for index, token in tokens[at:]:
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth == 0:
            close = index
            break
    else:
        return text, brace
    pattern = text[brace:close + 1]
    where = tokens[at - 1][0]
    head = text[:where] + pattern + " WHERE "
    return head + text[brace:], len(head)


def _tokens(text: str):
    """(index, token) for words and braces, skipping comments, strings and IRIs."""
    i, n = 0, len(text)
    iri = re.compile(r"<[^\s<>\"{}|^`\\]*>")
    while i < n:
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else ch
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote)
        elif ch == "<" and iri.match(text, i):
            i = iri.match(text, i).end()
        elif ch.isalpha() or ch == "_":
            word = re.compile(r"[A-Za-z_]+").match(text, i).group(0)
            yield i, word.upper()
            i += len(word)
        elif ch in "{}":
            yield i, ch
            i += 1
        else:
            i += 1


def _where_brace(text: str) -> int | None:
    """Index of the '{' opening the WHERE group (after a CONSTRUCT template, if any)."""
    form = None
    previous = None
    depth = 0
    in_template = False
    for index, token in _tokens(text):
        if form is None and token in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
            form = token
        if token == "{":
            if depth == 0:
                if form == "CONSTRUCT" and previous != "WHERE" and not in_template:
                    in_template = True
                    depth += 1
                    previous = token
                    continue
                return index
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0:
                in_template = False
                form = "CONSTRUCT-DONE" if form == "CONSTRUCT" else form
        previous = token
    return None


#: rdflib Datasets of cache entries read in this process, keyed by the entry's path: an entry
#: is named by the hash of its inputs (kg.store.cache.cache_key), so its content never changes.
_RDFLIB_CACHE: dict = {}


def cached_rdflib_dataset(entry):
    """The cached N-Quads loaded into an rdflib Dataset (union default graph), memoised."""
    key = str(entry.path)
    if key not in _RDFLIB_CACHE:
        from kg.project.load import new_dataset

        dataset = new_dataset()
        import pyoxigraph as ox
        from rdflib import URIRef

        from kg.rdf.terms import ox_to_rdflib

        by_graph: dict = {}
        for quad in ox.parse(path=str(entry.nquads), format=ox.RdfFormat.N_QUADS):
            by_graph.setdefault(quad.graph_name.value, []).append(quad)
        for name, quads in sorted(by_graph.items()):
            graph = dataset.graph(URIRef(name))
            for q in quads:
                graph.add((ox_to_rdflib(q.subject), ox_to_rdflib(q.predicate), ox_to_rdflib(q.object)))
        _RDFLIB_CACHE.clear()
        _RDFLIB_CACHE[key] = dataset
    return _RDFLIB_CACHE[key]


def run_rdflib(graph, text: str, terms: dict) -> QueryResult:
    """Run SPARQL text on an rdflib Graph/Dataset with ``initBindings`` (reference semantics)."""
    import rdflib.plugins.sparql
    from rdflib import Namespace, Variable
    from rdflib.plugins.sparql import prepareQuery

    # rdflib would otherwise fetch (or read from disk) the IRI of any FROM graph it lacks.
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

    from kg.rdf.terms import ox_to_rdflib, rdflib_to_ox

    try:
        prepared = prepareQuery(text, initNs={k: Namespace(v) for k, v in PREFIXES.items()})
    except Exception as exc:  # pyparsing.ParseException and friends
        raise _rdflib_syntax_error(text, exc) from None
    init = {Variable(k): ox_to_rdflib(v) for k, v in terms.items()}
    try:
        result = graph.query(prepared, initBindings=init)
    except Exception as exc:
        raise QueryEngineError(f"query failed (rdflib): {exc}") from None
    if result.type == "SELECT":
        variables = [str(v) for v in result.vars]
        rows = [tuple(rdflib_to_ox(row[i]) if row[i] is not None else None
                      for i in range(len(variables))) for row in result]
        return QueryResult("select", variables=variables, rows=rows)
    if result.type == "ASK":
        return QueryResult("ask", boolean=bool(result.askAnswer))
    import pyoxigraph as ox

    return QueryResult("graph", triples=[ox.Triple(rdflib_to_ox(s), rdflib_to_ox(p), rdflib_to_ox(o))
                                         for s, p, o in result])


def _rdflib_syntax_error(text: str, exc: Exception) -> QuerySyntaxError:
    unknown = re.match(r"Unknown namespace prefix\s*:\s*(\S+)", str(exc))
    if unknown:  # rdflib raises it while translating, with no position
        return QuerySyntaxError(f"SPARQL syntax error: {unknown_prefix_message(unknown.group(1))}")
    line, column = getattr(exc, "lineno", None), getattr(exc, "col", None)
    if line:
        return _syntax_error(text, f"{getattr(exc, 'msg', exc)} at {line}:{column}")
    return QuerySyntaxError(f"SPARQL syntax error: {exc}")
