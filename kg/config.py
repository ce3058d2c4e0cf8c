"""The settings of one run of kg: read once, from the command line and the environment.

Layer: base. Imports kg.errors only. This is the one module of the library that reads
environment variables: kg.cli builds a ``Settings`` with ``Settings.from_environment`` once
per command and passes it down (``kg serve`` hands it to kg.web.server); everything below
takes the ``Settings`` or the values it holds as arguments. A library caller that passes
nothing gets ``DEFAULTS`` (no environment variable is consulted).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from kg.errors import InputError, KGError, OutputError

#: The environment variables kg reads, and the Settings field each sets.
ENVIRONMENT = {
    "KG_DATA_DIR": "fallback_data_dir",
    "KG_CACHE_DIR": "cache_dir",
    "KG_STORE": "store",
    "KG_ENGINE": "engine",
    "KG_MAX_INPUT_BYTES": "max_input_bytes",
    "KG_MAX_NESTING": "max_nesting",
    "KG_EXPORT_CANON_BUDGET": "canon_budget",
    "KG_ARTICLES_DIR": "articles_dir",
    "KG_ENDPOINT_PASSWORD": "endpoint_password",
}

#: The values of the engine setting ($KG_ENGINE), and the older names they accept.
ENGINE_SETTINGS = ("auto", "fast", "reference")
_ENGINE_ALIASES = {"": "auto", "nemo": "fast", "oxigraph": "fast",
                   "owlrl": "reference", "pyshacl": "reference", "rdflib": "reference"}

#: Largest input accepted from `kg validate` / `kg add` (bytes); the KG's own files have no limit.
DEFAULT_MAX_INPUT_BYTES = 64 * 1024 * 1024
#: Deepest nesting accepted in any input (brackets, braces, parentheses, ``<<``, XML
#: elements). JSON-LD at 256 levels takes ~35 MB to parse.
DEFAULT_MAX_NESTING = 256
#: Seconds `kg export` may spend labelling blank nodes that share a first-degree hash.
DEFAULT_CANON_BUDGET = 60.0


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "mqm-kg"


def normalise_setting(value: str | None) -> str:
    """The engine setting as one of ENGINE_SETTINGS; KGError for anything else."""
    text = (value or "auto").strip().lower()
    text = _ENGINE_ALIASES.get(text, text)
    if text not in ENGINE_SETTINGS:
        raise KGError(f"engine {value!r}: expected auto, fast or reference")
    return text


@dataclass(frozen=True)
class Settings:
    """Where kg reads and writes, which engine it prefers, and its input limits (frozen: a
    variant is ``dataclasses.replace(settings, engine="reference")``)."""

    data_dir: str | None = None
    """``--data-dir``: the data dir to use (None: found, see kg.project.paths.resolve_data_dir)."""
    fallback_data_dir: str | None = None
    """``$KG_DATA_DIR``: the data dir when none is found at or above the current directory."""
    cache_dir: Path = field(default_factory=default_cache_dir)
    """``$KG_CACHE_DIR``: the reasoned-graph cache (kg.store.cache)."""
    store: Path | None = None
    """``--store`` / ``$KG_STORE``: the persistent store every read goes to (kg.store.persistent)."""
    engine: str = "auto"
    """``$KG_ENGINE``: auto, fast or reference (kg.engine.api)."""
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    """``$KG_MAX_INPUT_BYTES``: the size limit of a file given to `kg validate` / `kg add`."""
    max_nesting: int = DEFAULT_MAX_NESTING
    """``$KG_MAX_NESTING``: the nesting limit of every input (kg.rdf.io)."""
    canon_budget: float = DEFAULT_CANON_BUDGET
    """``$KG_EXPORT_CANON_BUDGET``: seconds for the blank-node labelling of `kg export`."""
    articles_dir: str | None = None
    """``$KG_ARTICLES_DIR``: the article texts `kg check` compares the quotes with."""
    endpoint_password: str | None = field(default=None, repr=False)
    """``$KG_ENDPOINT_PASSWORD``: the password of ``--user`` on a remote endpoint (never shown)."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, **options) -> "Settings":
        """Settings from the environment variables (``ENVIRONMENT``; default ``os.environ``),
        with ``options`` (the command line's: data_dir=, store=, ...) over them; an option
        that is None is not given. Raises KGError for a value that cannot be used."""
        environ = os.environ if environ is None else environ
        values: dict = {}
        text = {name: (environ.get(name) or "").strip() for name in ENVIRONMENT}
        if environ.get("KG_DATA_DIR"):
            values["fallback_data_dir"] = environ["KG_DATA_DIR"]
        if environ.get("KG_CACHE_DIR"):
            values["cache_dir"] = Path(environ["KG_CACHE_DIR"]).expanduser()
        if environ.get("KG_STORE"):
            values["store"] = environ["KG_STORE"]
        if environ.get("KG_ARTICLES_DIR"):
            values["articles_dir"] = environ["KG_ARTICLES_DIR"]
        if "KG_ENDPOINT_PASSWORD" in environ:  # an empty password is a password
            values["endpoint_password"] = environ["KG_ENDPOINT_PASSWORD"]
        try:
            values["engine"] = normalise_setting(text["KG_ENGINE"])
        except KGError:
            raise KGError(f"KG_ENGINE={text['KG_ENGINE'].lower()!r}: expected auto, fast or reference") from None
        if text["KG_MAX_INPUT_BYTES"]:
            values["max_input_bytes"] = _whole_number("KG_MAX_INPUT_BYTES", text["KG_MAX_INPUT_BYTES"],
                                                      "a number of bytes", minimum=0)
        if text["KG_MAX_NESTING"]:
            values["max_nesting"] = _whole_number("KG_MAX_NESTING", text["KG_MAX_NESTING"], "a number of levels",
                                                  minimum=1)
        if text["KG_EXPORT_CANON_BUDGET"]:
            try:
                values["canon_budget"] = float(text["KG_EXPORT_CANON_BUDGET"])
            except ValueError:
                raise OutputError(f"KG_EXPORT_CANON_BUDGET={environ['KG_EXPORT_CANON_BUDGET']!r}: "
                                  "expected seconds") from None
        values.update({name: value for name, value in options.items() if value is not None})
        if values.get("store") is not None:
            values["store"] = Path(os.path.abspath(os.path.expanduser(str(values["store"]))))
        return cls(**values)


def _whole_number(name: str, text: str, expected: str, *, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{name}={text!r}: expected {expected}") from None
    if value < minimum:
        raise InputError(f"{name}={text!r}: expected at least {minimum}")
    return value


#: The settings of a library caller that passes none: no environment variable is read.
DEFAULTS = Settings()
