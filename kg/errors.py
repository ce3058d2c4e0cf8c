"""Typed errors raised by the library, every KGError subclass in one module. Only kg.cli and
kg.web turn them into messages and exit codes.

Layer: base (imports nothing from kg).

Every error carries ``exit_code``: 2 means the run could not happen (usage error,
unreadable or unparsable input); 1 is reserved for "the checks ran and found problems",
which the library reports through result objects, not exceptions.
"""
from __future__ import annotations


class KGError(Exception):
    """Base class for every error the library raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class DataDirError(KGError):
    """No usable data directory (ontology/, data/, queries/) was found."""


class InputError(KGError):
    """An input file cannot be read (missing, not a file, unknown format)."""


class ParseError(KGError):
    """An RDF file does not parse; names the file, line and column when known."""

    def __init__(self, message: str, *, path=None, line: int | None = None,
                 column: int | None = None, hint: str | None = None):
        where = str(path) if path is not None else "<input>"
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}", hint=hint)
        self.path = path
        self.line = line
        self.column = column
        self.reason = message


class UnsafeInputError(ParseError):
    """Input refused before parsing (DTD or entity declarations, oversized, too deep)."""


class QueryNotFoundError(KGError):
    """No stored query has that name: names the close matches when there are any
    (``defection``: did you mean defections), else every stored query."""

    def __init__(self, name: str, available: list[str], suggestions: list[str] | None = None):
        if suggestions:
            message = f"no stored query named {name!r}; did you mean: {', '.join(suggestions)}"
        else:
            listing = ", ".join(available) if available else "(none)"
            message = f"no stored query named {name!r}; available: {listing}"
        super().__init__(message, hint="run `kg queries` to list them, or pass a FILE.rq or -e 'SPARQL'")
        self.name = name
        self.available = available
        self.suggestions = suggestions or []


class QueryFileNotFoundError(InputError):
    """A query given as a path (ends in .rq or holds a /) names no file."""

    def __init__(self, path: str):
        super().__init__(f"no such file: {path}",
                         hint="a stored query is named without .rq or folder (see `kg queries`)")
        self.path = path


class QueryHeaderError(KGError):
    """A stored query's '#+' header is malformed; names file and line."""

    def __init__(self, message: str, *, path=None, line: int | None = None):
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: malformed query header: {message}")
        self.path = path
        self.line = line


class ParameterError(KGError):
    """A query parameter is missing, unknown or ill-typed."""


class QuerySyntaxError(KGError):
    """The SPARQL text does not parse."""


class QueryEngineError(KGError):
    """The engine failed while evaluating a query (for example an unsupported feature)."""


class OutputError(KGError):
    """An output cannot be written (file exists, bad format for the result kind...)."""


class RemoteAccessRefused(KGError):
    """A query would make the process reach the network (SERVICE, FROM of a graph it would fetch)."""


class CacheDamagedError(KGError):
    """A cache entry failed its integrity check (size, checksum or quad counts) and could not be rebuilt."""


class SchemaInDataError(KGError):
    """A data file (``data/*.ttl`` or a file given to ``kg validate`` / ``kg add``) states a
    schema axiom (kg.project.schemacheck): axioms belong in ``ontology/``."""

    def __init__(self, message: str, *, path=None, triple=None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.path = path
        self.triple = triple


class ReasoningBudgetError(KGError):
    """Reasoning went over its time or inferred-triple budget and was stopped; nothing was
    written (kg.engine.reference.reason.Budget)."""

    def __init__(self, message: str, *, kind: str, limit, elapsed: float, inferred: int,
                 hint: str | None = None):
        super().__init__(message, hint=hint)
        self.kind = kind
        self.limit = limit
        self.elapsed = elapsed
        self.inferred = inferred


class ShapesError(KGError):
    """The shapes file cannot be used to validate: pyshacl reports a validation failure
    (for example a sh:sparql constraint with VALUES, MINUS or SERVICE) or cannot load a shape."""

    def __init__(self, message: str, *, path=None, reason: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.path = path
        self.reason = reason


class Unsupported(KGError):
    """A fast engine cannot handle this input soundly; kg.engine.api then runs the reference
    engine. The message names the construct (the reason shown in ``--verbose`` output)."""


class UnsupportedShape(Unsupported):
    """The shapes use a SHACL feature that is not translated (validate with pyshacl)."""


class UnsupportedForFastReasoning(Unsupported):
    """The ontology or data uses something the generated rules do not cover (use owlrl)."""


class StoreError(KGError):
    """The persistent store cannot be used (not ours, locked, unreadable)."""


class EndpointError(KGError):
    """A remote endpoint could not be reached or answered with an error."""


class CanonicalisationBudgetError(OutputError):
    """Blank-node canonicalisation did not finish within its time budget."""


class ResolveError(KGError):
    """The name matched no entity, or several: ``candidates`` lists (iri, label) pairs."""

    exit_code = 1

    def __init__(self, message: str, candidates: list[tuple[str, str]], *, ambiguous: bool):
        lines = [message] + [f"  {iri_short}  {label}" for iri_short, label in candidates]
        super().__init__("\n".join(lines))
        self.candidates = candidates
        self.ambiguous = ambiguous


class RendererMissingError(KGError):
    """Graphviz (the ``dot`` program or the ``graphviz`` package) is needed and missing."""
