"""`kg check`: what a release needs, ROBOT-style.

Steps, in order: every file parses; the reasoned graph is consistent; the KG conforms to
the SHACL shapes; every quote occurs verbatim in its article (when the article texts are
available); and every quality check ``queries/checks/*-violation.rq`` returns zero rows.
Each step is reported; the report passes only when no step fails. The reasoning and SHACL
steps run on the engine the settings choose (kg.engine.api: the fast engines, the reference
ones where they refuse).

Layer: kg.ops. Imports kg.config, kg.project, kg.engine, kg.store and kg.ops.validate_kg.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kg.config import DEFAULTS, Settings
from kg.errors import KGError, ParseError
from kg.project.paths import DataDir

ARTICLES_ENV = "KG_ARTICLES_DIR"
#: Where the texts are, for a report that could not find them (they are not in the repository).
ARTICLES_FIX = ("The article texts are not part of the repository: in the team's layout they are in "
                "../shared/articles beside it (found automatically); elsewhere set KG_ARTICLES_DIR to the "
                "folder holding them (files named as each article's mqm:sourceFile in data/articles.ttl).")


@dataclass
class CheckStep:
    name: str
    title: str
    status: str  # "pass", "fail" or "skip"
    detail: str = ""
    problem: str = ""
    fix: str = ""
    rows: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "fail"


@dataclass
class CheckReport:
    steps: list[CheckStep] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not any(step.failed for step in self.steps)

    @property
    def ran(self) -> list[CheckStep]:
        return [step for step in self.steps if step.status != "skip"]

    @property
    def skipped(self) -> list[CheckStep]:
        return [step for step in self.steps if step.status == "skip"]

    def to_dict(self) -> dict:
        return {"passed": self.passed, "ran": len(self.ran), "skipped": [s.name for s in self.skipped],
                "steps": [step.__dict__ for step in self.steps]}


def articles_dir(data_dir: DataDir, configured: str | None = None) -> Path | None:
    """Folder with the article texts: ``configured`` ($KG_ARTICLES_DIR, Settings.articles_dir)
    if set, else <root>/../shared/articles or <root>/articles; None when there is none."""
    if configured:
        folder = Path(configured).expanduser()
        return folder if folder.is_dir() else None
    for candidate in (data_dir.root.parent / "shared" / "articles", data_dir.root / "articles"):
        if candidate.is_dir():
            return candidate
    return None


def _articles_missing(configured: str | None) -> str:
    if configured:
        return f"article texts not found: {ARTICLES_ENV}={configured} is not a folder"
    return f"article texts not found; set {ARTICLES_ENV}"


def run_checks(data_dir: DataDir, *, settings: Settings = DEFAULTS, progress=None, on_engine=None) -> CheckReport:
    """Every step of `kg check` on the local files. ``on_engine`` hears the
    kg.engine.api.EngineRun of each step an engine ran (reasoning, when the cache is built;
    validation)."""
    from kg.engine.api import run
    from kg.ops.validate_kg import validate_files
    from kg.engine.reference.validate import validate_dataset
    from kg.ops.query import run_query
    from kg.project.catalogue import check_catalogue
    from kg.project.load import load_dataset
    from kg.store.cache import ensure_cache

    say = progress or (lambda message: None)
    report = CheckReport()
    say("parsing ...")
    try:
        dataset = load_dataset(data_dir, max_nesting=settings.max_nesting)
    except ParseError as exc:
        report.steps.append(CheckStep("parse", "Every file parses", "fail", str(exc)))
        return report
    files = len(data_dir.input_files())
    report.steps.append(CheckStep("parse", "Every file parses", "pass", f"{files} files"))

    entry = ensure_cache(data_dir, settings=settings, progress=say, on_engine=on_engine)
    consistency = entry.meta["consistency"]
    problems = consistency["errors"] + [f"{iri} is a member of owl:Nothing" for iri in consistency["nothing_members"]]
    report.steps.append(CheckStep(
        "consistency", "The OWL 2 RL closure is consistent", "fail" if problems else "pass",
        "; ".join(problems) or f"{entry.meta['asserted']} asserted, {entry.meta['inferred']} inferred triples",
        fix="Resolve the contradiction the reasoner names (a disjointness, a functional property with two values)."))

    say("validating with SHACL ...")
    shacl, _ = run("validation", settings.engine, on_choice=on_engine,
                   fast=lambda: validate_files(data_dir, cache_dir=settings.cache_dir,
                                               max_nesting=settings.max_nesting),
                   reference=lambda: validate_dataset(data_dir, dataset))
    report.steps.append(_shacl_step(shacl))

    report.steps.append(_quotes_step(data_dir, dataset, settings.articles_dir))

    store = entry.open_store()
    for query in check_catalogue(data_dir):
        say(f"check {query.name} ...")
        report.steps.append(_query_step(query, lambda q: run_query(data_dir, q, store=store)))
    return report


def _shacl_step(shacl) -> CheckStep:
    """The step for a kg.engine.reference.validate.ValidationReport: fails on any sh:Violation."""
    errors = [v for v in shacl.violations if v.severity == "Violation"]
    others = [v for v in shacl.violations if v.severity != "Violation"]
    return CheckStep(
        "shacl", "The KG conforms to ontology/shapes.ttl", "fail" if errors else "pass",
        f"{len(errors)} violations, {len(others)} warnings/infos",
        rows=[{"entity": v.focus, "property": v.path, "value": v.value, "message": v.message,
               "severity": v.severity, "file": v.source_file} for v in shacl.violations])


def _query_step(query, run) -> CheckStep:
    """The step for one *-violation.rq check, run by ``run(query)``: fails on any row."""
    try:
        result = run(query)
    except KGError as exc:
        return CheckStep(query.name, query.title, "fail", f"could not run: {exc}", query.problem, query.fix)
    rows = [{k: (t.value if t is not None else None) for k, t in row.items()} for row in result.dicts()]
    return CheckStep(query.name, query.title, "fail" if rows else "pass", f"{len(rows)} offending rows",
                     query.problem, query.fix, rows)


def run_remote_checks(data_dir: DataDir, endpoint, *, progress=None) -> CheckReport:
    """The checks that run where the data lives, on a remote SPARQL endpoint holding the
    reasoned KG (kg push --inferred): the SHACL shapes (kg.ops.validate_kg.validate_endpoint) and
    every queries/checks/*-violation.rq. Parsing, the reasoner's consistency and the quotes
    need the files and are reported as skipped."""
    from kg.store.remote import run_remote
    from kg.ops.validate_kg import validate_endpoint
    from kg.project.catalogue import check_catalogue

    say = progress or (lambda message: None)
    report = CheckReport()
    local = "needs the files: run kg check locally"
    for name, title in (("parse", "Every file parses"), ("consistency", "The OWL 2 RL closure is consistent"),
                        ("quotes", "Every quote occurs verbatim in its article")):
        report.steps.append(CheckStep(name, title, "skip", f"not run on {endpoint.url} ({local})"))
    say(f"validating with SHACL on {endpoint.url} ...")
    shacl = validate_endpoint(data_dir, endpoint)
    report.steps.append(_shacl_step(shacl))
    for query in check_catalogue(data_dir):
        say(f"check {query.name} ...")
        report.steps.append(_query_step(query, lambda q: run_remote(data_dir, q, {}, endpoint)))
    return report


def _quotes_step(data_dir: DataDir, dataset, configured_articles: str | None) -> CheckStep:
    from rdflib import URIRef

    from kg.rdf.vocab import MQM

    title = "Every quote occurs verbatim in its article"
    folder = articles_dir(data_dir, configured_articles)
    if folder is None:
        return CheckStep("quotes", title, "skip", _articles_missing(configured_articles), fix=ARTICLES_FIX)
    prov = "http://www.w3.org/ns/prov#"
    texts: dict[str, str | None] = {}
    rows = []
    checked = 0
    for report, quote in sorted(dataset.subject_objects(URIRef(MQM + "quote"))):
        article = dataset.value(report, URIRef(prov + "wasDerivedFrom"))
        source = dataset.value(article, URIRef(MQM + "sourceFile")) if article is not None else None
        if source is None:
            rows.append({"entity": str(report), "property": MQM + "quote", "value": str(quote),
                         "message": "report has no article with an mqm:sourceFile"})
            continue
        if str(source) not in texts:
            path = folder / str(source)
            texts[str(source)] = path.read_text(encoding="utf-8") if path.is_file() else None
        text = texts[str(source)]
        if text is None:
            rows.append({"entity": str(report), "property": MQM + "quote", "value": str(quote),
                         "message": f"article file {source} not found in {folder}"})
            continue
        checked += 1
        if str(quote) not in text and " ".join(str(quote).split()) not in " ".join(text.split()):
            rows.append({"entity": str(report), "property": MQM + "quote", "value": str(quote),
                         "message": f"quote not found verbatim in {source}"})
    return CheckStep("quotes", title, "fail" if rows else "pass",
                     f"{checked} quotes checked, {len(rows)} not found", rows=rows,
                     fix="Copy the quote exactly from the article text (curly apostrophes included).")
