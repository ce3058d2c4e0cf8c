"""The engine seam: which engine runs a task, and the one fallback from fast to reference.

Two engines do each job. The reference engines (kg.engine.reference: rdflib, owlrl,
pyshacl) are the definition of a right answer; the fast ones (kg.engine.fast: pyoxigraph,
Nemo, the shapes translated to SPARQL) are proven against them (the W3C SHACL suite,
differential tests on generated inputs) and refuse, by raising ``kg.errors.Unsupported``,
whatever they cannot do soundly. Every operation asks :func:`run` for a task; ``run`` picks
the engine from the engine setting (``Settings.engine``: auto, fast or reference), and when
the fast engine refuses it runs the reference engine and records why. Nothing else in the
package decides between engines or writes a fallback.

Layer: kg.engine. Imports kg.errors and kg.config (the engine setting's values) only; the
engines come in as callables.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

from kg.config import ENGINE_SETTINGS, normalise_setting
from kg.errors import Unsupported

#: What an engine is chosen for.
TASKS = ("reasoning", "validation", "query", "export")

#: Why "auto" picks the fast engine for every task (shown by --verbose).
_AUTO_REASON = {
    "reasoning": "the default: Nemo, proven against owlrl (tests/test_reasoner_differential.py)",
    "validation": "the default: the shapes as SPARQL, proven against pyshacl and the W3C SHACL suite",
    "query": "the default: pyoxigraph, proven against rdflib on every stored query",
    "export": "the default: pyoxigraph over the cached store",
}

T = TypeVar("T")
__all__ = ["ENGINE_SETTINGS", "TASKS", "EngineRun", "choose", "normalise_setting", "run"]


@dataclass(frozen=True)
class EngineRun:
    """Which engine ran a task, and why (the line ``--verbose`` prints)."""

    task: str
    engine: str  # "fast" or "reference"
    why: str
    refusal: str | None = None
    """The fast engine's reason for refusing, when the reference engine ran instead."""

    def describe(self) -> str:
        return f"{self.task}: the {self.engine} engine ran ({self.why})"


def choose(setting: str | None, task: str) -> EngineRun:
    """The engine ``setting`` picks for ``task`` (before any refusal)."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}")
    setting = normalise_setting(setting)
    if setting == "auto":
        return EngineRun(task, "fast", _AUTO_REASON[task])
    return EngineRun(task, setting, f"engine={setting} was asked for")


def run(task: str, setting: str | None, fast: Callable[[], T], reference: Callable[[], T],
        *, on_choice: Callable[[EngineRun], None] | None = None) -> tuple[T, EngineRun]:
    """Run ``task`` on the engine ``setting`` picks; if the fast engine raises Unsupported,
    run ``reference`` instead. Returns the result and the EngineRun saying what ran and why.

    With setting "fast" a refusal is not hidden: Unsupported propagates (the user asked
    for the fast engine only). ``on_choice`` hears the final choice (for --verbose).
    """
    chosen = choose(setting, task)
    if chosen.engine == "fast":
        try:
            result = fast()
        except Unsupported as refusal:
            if normalise_setting(setting) == "fast":
                raise
            chosen = EngineRun(task, "reference", f"the fast engine refused: {refusal.message}",
                               refusal=refusal.message)
        else:
            if on_choice:
                on_choice(chosen)
            return result, chosen
    if on_choice:
        on_choice(chosen)
    return reference(), chosen
