"""Variants of stored queries: another text for when an optional parameter is bound.

Layer: kg.project. Imports kg.errors and kg.rdf (kg.project.catalogue imports it; the queries
are kg.project.catalogue.StoredQuery objects).

A stored query may carry a variant: another text for when one of its optional parameters is
bound, in ``queries/NAME+PARAM.rq`` beside it (``timeline+about.rq``). Its header is only::

    #+ variant-of: timeline
    #+ when-bound: about
    #+ description: Why this text (optional)

and it takes everything else (title, params, returns, lists, unsupported) from its base.
Standard SPARQL cannot make ``FILTER(!BOUND(?about) || EXISTS {...})`` start from the bound
value, so on Oxigraph the base tests every fact; the variant joins on ``?about`` from its first
pattern. kg.project.catalogue does not list a variant as a query of its own: it checks that the
base exists and attaches the variant to it (``StoredQuery.variants``), after :func:`attach` has
checked, as strictly as a header (an error naming the file and line), that PARAM is an optional
parameter of the base, that the variant uses ?PARAM and that its SELECT projects the base's
variables in the base's order. ``StoredQuery.for_bound(names)`` picks the text to run: the
variant of the first parameter in the base's header order that is bound and has one, else the
base. Every variant must give its base's rows on every engine (tests/test_query_variants.py,
tests/test_queries_10k.py, tests/test_virtuoso.py).
"""
from __future__ import annotations

from pathlib import Path

from kg.errors import QueryHeaderError
from kg.rdf.sparql import tokens


def is_variant_path(path: Path) -> bool:
    """``NAME+PARAM.rq``: a variant of stored query NAME for when PARAM is bound."""
    return "+" in Path(path).stem


def attach(base: StoredQuery, variants: list[StoredQuery]) -> StoredQuery:
    """Check each parsed variant file against ``base`` and add it to ``base.variants`` as a
    runnable StoredQuery (the base's header with the variant's text), in parameter order."""
    from dataclasses import replace

    for variant in variants:
        line = variant.header_lines.get("when-bound", 1)
        param = base.param(variant.when_bound)
        if param is None:
            raise QueryHeaderError(f"{base.name!r} has no parameter {variant.when_bound!r} "
                                   f"(its parameters: {', '.join(p.name for p in base.params) or 'none'})",
                                   path=variant.path, line=line)
        if param.required:
            raise QueryHeaderError(f"parameter {param.name!r} of {base.name!r} is required: a variant is "
                                   "for an optional parameter (a required one is always bound)",
                                   path=variant.path, line=line)
        used = {t.text[1:] for t in tokens(variant.text) if t.kind == "var"}
        if param.name not in used:
            raise QueryHeaderError(f"the variant does not use ?{param.name}, the parameter it is for",
                                   path=variant.path, line=line)
        mine, theirs = select_projection(variant.text), select_projection(base.text)
        if mine != theirs or (base.returns and mine != base.returns):
            at = next((n for n, text in enumerate(variant.text.splitlines(), start=1)
                       if text.lstrip().upper().startswith("SELECT")), 1)
            raise QueryHeaderError(f"the variant projects {', '.join(mine) or 'nothing'}; its base "
                                   f"{base.name!r} projects {', '.join(theirs) or 'nothing'} (they must be the same, "
                                   "in the same order)", path=variant.path, line=at)
        if any(v.when_bound == param.name for v in base.variants):
            raise QueryHeaderError(f"a second variant of {base.name!r} for {param.name!r}",
                                   path=variant.path, line=line)
        base.variants.append(replace(base, name=variant.name, path=variant.path, text=variant.text,
                                     variant_of=base.name, when_bound=param.name, variants=[],
                                     header_lines=variant.header_lines))
    order = [p.name for p in base.params]
    base.variants.sort(key=lambda v: order.index(v.when_bound))
    return base


def select_projection(text: str) -> list[str]:
    """The variables the outer SELECT projects, in order (``*`` for SELECT *; empty for
    another query form)."""
    found = list(tokens(text))
    start = next((i for i, t in enumerate(found) if t.keyword == "SELECT"), None)
    if start is None:
        return []
    names, depth = [], 0
    for before, token in zip(found[start:], found[start + 1:]):
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and (token.keyword == "WHERE" or token.text == "{"):
            break
        elif depth == 0 and token.text == "*":
            return ["*"]
        elif token.kind == "var" and (depth == 0 or before.keyword == "AS"):
            names.append(token.text[1:])
    return names
