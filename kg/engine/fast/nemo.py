"""One run of Nemo: the store's triples out as TSV, the program run, the results read back.

The asserted triples come from a pyoxigraph store as SPARQL TSV (Rust end to end:
``export_tsv``), one file per relation of the program; Nemo runs in this process or, under
a time budget, in a child process killed at the deadline (``run_nemo``); its new triples
come back as Turtle lines without the noise (``read_new``: kg.engine.noise) and its
inconsistencies as owlrl's messages (``read_errors``).

Layer: kg.engine. Imports kg.errors, kg.rdf.vocab and kg.engine (noise, reference.reason,
fast.tbox, fast.rules).
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from kg.engine.fast.rules import MESSAGES, nemo_program
from kg.engine.fast.tbox import SAME_AS, TYPE, TBox
from kg.engine.noise import ERRNS, REFLEXIVE, TRIVIAL_TYPES, VOCABULARIES, is_noise_text
from kg.engine.reference.reason import Budget
from kg.errors import KGError
from kg.rdf.vocab import RDF_TYPE

#: What a literal object of a "domain-only" property becomes on its way into Nemo.
STUB = "<urn:x-kg:fastreason:literal>"


def query_dataset(graphs) -> dict:
    """The keyword arguments of ``Store.query`` that make ``graphs`` (named-graph IRIs; None:
    every graph) the default graph."""
    import pyoxigraph as ox

    if graphs is None:
        return {"use_default_graph_as_union": True}
    return {"default_graph": [ox.NamedNode(g) for g in graphs]}


def query_to_tsv(store, query: str, path: Path, graphs) -> Path:
    """Write the results of ``query`` over ``graphs`` of ``store`` to ``path`` as SPARQL TSV."""
    import pyoxigraph as ox

    store.query(query, **query_dataset(graphs)).serialize(output=str(path), format=ox.QueryResultsFormat.TSV)
    return path


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
    run = lambda job: query_to_tsv(store, job[0], job[1], graphs)  # noqa: E731
    if pool is None:
        for job in jobs:
            run(job)
    else:
        for future in [pool.submit(run, job) for job in jobs]:
            future.result()


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


def run_nemo(tbox: TBox, work: Path, budget: Budget | None = None, program: str | None = None) -> Path:
    """Run the program of ``tbox`` (or ``program``, a text written for it:
    kg.engine.fast.rules.incremental_program) on the files in ``work``; return the folder of
    its results.

    With a time budget, Nemo (Rust, holding the GIL: a thread could not be interrupted) runs
    in a child process that is killed at the deadline; its output is counted against the
    triple budget before anything reads it. Without one, in this process.
    """
    import nmo_python as nemo

    names = [f"new_{name}" for name in ["type"] + sorted(tbox.relations().values())]
    if tbox.profile == "owlrl":
        names.append("err")
    out = work / "out"
    text = program if program is not None else nemo_program(tbox, work)
    if budget is None or budget.deadline is None:
        try:
            engine = nemo.NemoEngine(nemo.load_string(text))
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

        (work / "program.rls").write_text(text, encoding="utf-8")
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


def _count_rows(out: Path) -> int:
    """Rows Nemo wrote (new triples, sameAs pairs included), counted without decoding them."""
    rows = 0
    for path in out.glob("new_*.tsv"):
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                rows += block.count(b"\n")
    return rows


def read_new(out: Path, tbox: TBox, literal_types: list | None = None,
             dropped: list | None = None) -> tuple[set, set]:
    """Nemo's new pairs, per relation -> (Turtle lines without noise or stubs, sameAs pairs).

    ``literal_types``: if a list, collects (literal, class) for literals typed by a range.
    ``dropped``: if a list, collects the rows left out (relation name, subject, object):
    what the closure holds that the store does not (kg.engine.fast.extend reads them back).
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
        if not is_same and '"' not in text and not _may_hold_noise(p, text):
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
                if dropped is not None:
                    dropped.append((name, s, o))
                if literal_types is not None and p == TYPE and not s.startswith(("<", "_:")):
                    literal_types.append((s, o))
                continue
            lines.add(f"{s} {p} {o} .\n")
    return lines, same


#: A row (``subject\tobject``) whose subject is not an IRI or is in a vocabulary, whose
#: object is a blank node or the stub, or that names owlrl's error namespace.
_MAYBE_NOISE_ROW = re.compile("(?:^|\n)(?:[^<]|<(?:" + "|".join(re.escape(v) for v in VOCABULARIES) + "))"
                              "|\t_:|" + re.escape(ERRNS) + "|" + re.escape(STUB))
#: An object that is a trivial type (noise as the object of rdf:type).
_TRIVIAL_OBJECT = re.compile("\t(?:" + "|".join(re.escape(f"<{t}>") for t in sorted(TRIVIAL_TYPES)) + ")")


def _may_hold_noise(p: str, text: str) -> bool:
    """False when no row of ``text`` (Nemo's new pairs of predicate ``p``, TSV) can be noise
    or a stub: a quick, conservative test of kg.engine.noise's rule on the whole file."""
    predicate = p[1:-1]
    if predicate in REFLEXIVE or predicate.startswith(ERRNS):
        return True
    if predicate == RDF_TYPE and _TRIVIAL_OBJECT.search(text):
        return True
    return _MAYBE_NOISE_ROW.search(text) is not None


def read_errors(out: Path, tbox: TBox) -> tuple[set[str], set[str]]:
    """The inconsistencies Nemo found (its ``err`` relation) -> (owlrl's messages, the IRIs
    of the members of owl:Nothing it names)."""
    errors, nothing = set(), set()
    with open(out / "err.tsv", encoding="utf-8", newline="") as handle:
        for rule, a, b, c in csv.reader(handle, delimiter="\t", quotechar='"'):
            message, member = error_message(tbox, rule, a, b, c)
            errors.add(message)
            if member:
                nothing.add(member)
    return errors, nothing


def error_message(tbox: TBox, rule: str, a: str, b: str, c: str) -> tuple[str, str | None]:
    """One row of the ``err`` relation -> (owlrl's message, the owl:Nothing member it names)."""
    terms = (a, b, c)
    if rule.startswith("prp-pdw "):
        rule, pair = rule.split(" ")
        terms = tbox.tables["pdw"][int(pair)] + (a, b)
    member = a[1:-1] if rule == "cls-nothing2" and a.startswith("<") else None
    return MESSAGES[rule].format(*(_plain(x) for x in terms)), member


def _plain(text: str) -> str:
    """An IRI's text without its angle brackets; any other text as it is."""
    return text[1:-1] if text.startswith("<") and text.endswith(">") else text
