"""Value range and string-based constraints as checks on ``?v``: sh:minLength, sh:maxLength,
sh:pattern, sh:minInclusive, sh:minExclusive, sh:maxInclusive, sh:maxExclusive,
sh:languageIn and sh:uniqueLang.

Layer: kg.engine (fast). Imports kg.errors and the compiler's modules; rdflib inside functions.
"""
from __future__ import annotations

from kg.engine.fast.shapes.graph import ShapesGraph, sparql_string, sparql_term
from kg.engine.fast.shapes.model import Check
from kg.errors import UnsupportedShape

#: The range parameters and the comparison a conforming value passes.
RANGES = (("minInclusive", ">="), ("minExclusive", ">"), ("maxInclusive", "<="), ("maxExclusive", "<"))


def checks(shapes: ShapesGraph, shape) -> list[Check]:
    """The length, pattern, range and sh:languageIn checks of ``shape`` (in that order)."""
    from rdflib import Literal
    from rdflib.collection import Collection

    found = []
    n = shapes.one(shape, "minLength")
    if n is not None and int(n) > 0:
        found.append(Check("MinLengthConstraintComponent", f"isBlank(?v) || STRLEN(STR(?v)) < {int(n)}"))
    n = shapes.one(shape, "maxLength")
    if n is not None:
        found.append(Check("MaxLengthConstraintComponent", f"isBlank(?v) || STRLEN(STR(?v)) > {int(n)}"))
    for pattern in shapes.values(shape, "pattern"):
        flags = shapes.one(shape, "flags")
        args = sparql_string(str(pattern)) + (f", {sparql_string(str(flags))}" if flags is not None else "")
        found.append(Check("PatternConstraintComponent", f"isBlank(?v) || !REGEX(STR(?v), {args})"))
    for local, op in RANGES:
        bound = shapes.one(shape, local)
        if bound is None:
            continue
        if not isinstance(bound, Literal):
            raise UnsupportedShape(f"{shapes.label(shape)}: sh:{local} {bound} is not a literal")
        # A value that does not compare (an error) is a violation, as the spec says.
        found.append(Check(local[0].upper() + local[1:] + "ConstraintComponent",
                           f"!COALESCE(?v {op} {sparql_term(bound)}, false)"))
    languages = shapes.one(shape, "languageIn")
    if languages is not None:
        tags = list(Collection(shapes.graph, languages))
        if not all(isinstance(t, Literal) for t in tags):
            raise UnsupportedShape(f"{shapes.label(shape)}: sh:languageIn lists a non-literal")
        test = " || ".join(f"langMatches(LANG(?v), {sparql_string(str(t))})" for t in tags) or "false"
        found.append(Check("LanguageInConstraintComponent", f"!(isLiteral(?v) && ({test}))"))
    return found


def unique_lang(path_sparql: str) -> Check:
    """sh:uniqueLang true on the path ``path_sparql``: one result per focus node and language."""
    return Check("UniqueLangConstraintComponent",
                 f"EXISTS {{ ?this {path_sparql} ?w FILTER (LANG(?v) != \"\" && !sameTerm(?v, ?w) "
                 f"&& LCASE(LANG(?v)) = LCASE(LANG(?w))) }}",
                 detail_select="DISTINCT ?this (LCASE(LANG(?v)) AS ?lang)", per_focus=True)
