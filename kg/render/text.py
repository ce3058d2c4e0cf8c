"""The text reports of the kg commands: validation, checks, search hits, profiles,
timelines, statistics, the stored queries (and their parameters' help) and the
reasoner's summary.

Pure functions from the library's result objects to text; nothing here prints (kg.cli
writes what they return). Tables come from kg.render.formats.table.

Layer: render. Imports kg.render.formats and kg.rdf.vocab.
"""
from __future__ import annotations

import json

from kg.rdf.vocab import shorten
from kg.render.formats import table


def validation_text(report, fmt: str) -> str:
    """A validation report (kg validate, kg add) as text, json or pyshacl's Turtle results graph."""
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "turtle":
        return report.results_graph.serialize(format="longturtle") if report.results_graph is not None else ""
    counts = ", ".join(f"{n} {k}" for k, n in sorted(report.counts.items())) or "no results"
    head = "Conforms." if report.conforms else f"Does not conform: {counts}."
    return "\n".join([head] + [v.describe() for v in report.violations]) + "\n"


def check_text(report) -> str:
    """kg check: one line per check, the offending rows of a failed one, then the summary."""
    out = []
    for step in report.steps:
        out.append(f"{step.status.upper():4}  {step.name}: {step.title} ({step.detail})\n")
        if step.failed or step.status == "skip":
            if step.problem:
                out.append(f"      problem: {step.problem}\n")
            if step.fix:
                out.append(f"      fix: {step.fix}\n")
            if step.rows:
                keys = list(step.rows[0])
                rows = [[shorten(str(r.get(k))) if r.get(k) is not None else "" for k in keys] for r in step.rows]
                out.append("".join("      " + line + "\n" for line in table(keys, rows).splitlines()))
    out.append(check_summary(report) + "\n")
    return "".join(out)


def check_summary(report) -> str:
    """`All 14 checks pass.`, or how many ran and passed or failed, and what was skipped."""
    failed = [s.name for s in report.steps if s.failed]
    skipped = "; ".join(f"{s.name} ({s.detail})" for s in report.skipped)
    if not failed:
        if not skipped:
            return f"All {len(report.ran)} checks pass."
        return f"All {len(report.ran)} checks that ran pass; {len(report.skipped)} skipped: {skipped}"
    line = f"{len(failed)} of {len(report.ran)} checks that ran failed: {', '.join(failed)}"
    return line + (f"; {len(report.skipped)} skipped: {skipped}" if skipped else "")


def hits_text(hits) -> str:
    """kg search: the hits, numbered, with where each was found and its quote."""
    if not hits:
        return "No match.\n"
    out = []
    for i, hit in enumerate(hits, 1):
        where = ", ".join(x for x in (hit.kind, (hit.status or "").replace("mqm:status-", ""), hit.article,
                                      hit.speaker) if x)
        out.append(f"{i}. {hit.node}  ({where})\n   {hit.field}: {hit.text}\n")
        if hit.quote and hit.field != "quote":
            out.append(f"   quote: \"{hit.quote}\"\n")
    return "".join(out)


def profile_text(p) -> str:
    """kg whois: an entity's profile (kg.ops.whois.Profile)."""
    out = [f"{p.label}  ({shorten(p.iri)})\n"]
    if p.alt_labels:
        out.append(f"also: {'; '.join(p.alt_labels)}\n")
    out.append(f"types: {', '.join(p.types) or '-'}\n")

    def section(title, rows, keys):
        if rows:
            out.append(f"\n{title}\n")
            out.append(table(keys, [[r.get(k, "") for k in keys] for r in rows]))

    section("Memberships", p.memberships, ["organisationLabel", "roleLabel", "start", "end", "status", "article"])
    section("Posts", p.posts, ["postLabel", "organisationLabel", "start", "end", "status", "article"])
    section("Defections", p.defections, ["originLabel", "destinationLabel", "date", "status", "article"])
    if p.facts:
        out.append("\nWhat the articles say\n")
        for fact in p.facts:
            out.append(f"- [{fact['status'].replace('mqm:status-', '')}] {fact['summary']} "
                       f"({fact['factType']}, {fact['relation']})\n"
                       f"    {fact['article']}, {fact['source']}: \"{fact['quote']}\"\n")
    if p.said:
        out.append("\nWhat they said\n")
        for said in p.said:
            when = ", ".join(x for x in (said.get("article"), said.get("date")) if x)
            if said.get("summary"):
                out.append(f"- [{said['status'].replace('mqm:status-', '')}] {said['summary']} ({said['factType']})\n")
            else:
                out.append("- (a report stating no fact)\n")
            out.append(f"    {when}: \"{said.get('quote') or ''}\"\n")
    if p.distinct:
        out.append("\nNot to be confused with\n")
        for other in p.distinct:
            note = f": {other['note']}" if other.get("note") else ""
            out.append(f"- {other['otherLabel']} ({other['other']}){note}\n")
    return "".join(out)


def param_help(p) -> str:
    """One parameter of a stored query, for kg query NAME --help."""
    need = "required" if p.required else "optional"
    values = f" One of: {p.allowed()}." if p.values else ""
    return f"{p.type}, {need}; e.g. {p.example}. {p.description}.{values}"


def queries_text(queries) -> str:
    """kg queries: the stored queries as a table of name, title and parameters."""
    def param(p) -> str:
        values = f" ({'|'.join(short for _iri, short in p.values)})" if p.values else ""
        return f"{p.name}:{p.type}{'' if p.required else '?'}{values}"

    rows = [[q.name, q.title, ", ".join(param(p) for p in q.params)] for q in queries]
    return table(["name", "title", "parameters (? = optional; (a|b) = allowed values)"], rows)


def queries_json(queries) -> str:
    """kg queries --format json: name, title, description, parameters and result of each."""
    doc = [{"name": q.name, "title": q.title, "description": q.description,
            "params": [p.to_dict() for p in q.params], "returns": q.returns} for q in queries]
    return json.dumps(doc, indent=2) + "\n"


def timeline_text(entries) -> str:
    """kg timeline: one row per dated entry, the summary cut at 90 characters."""
    rows = [[e.date, e.kind.replace("mqm:", ""), e.status.replace("mqm:status-", ""),
             e.summary if len(e.summary) <= 90 else e.summary[:89] + "…", " ".join(a.replace("kg:article-", "")
                                                                              for a in e.articles)]
            for e in entries]
    return table(["date", "kind", "status", "summary", "articles"], rows)


def timeline_json(entries) -> str:
    """kg timeline --format json."""
    return json.dumps([e.__dict__ for e in entries], indent=2, ensure_ascii=False) + "\n"


def stats_text(result) -> str:
    """kg stats: triple counts, entities by class, facts by article and by status."""
    parts = [f"triples: {result.asserted} asserted, {result.inferred} inferred\n",
             "\nEntities by class (asserted types)\n",
             table(["class", "entities"], [[c, str(n)] for c, n in result.entities_by_class]),
             "\nFacts by article\n",
             table(["article", "facts", "reports"], [[a, str(f), str(r)] for a, f, r in result.facts_by_article]),
             "\nFacts by epistemic status\n",
             table(["status", "facts"], [[s, str(n)] for s, n in result.facts_by_status])]
    return "".join(parts)


def reason_text(meta: dict) -> str:
    """kg reason: triple counts and consistency of a cache entry's meta.json, with its warnings."""
    consistency = meta["consistency"]
    lines = [f"asserted: {meta['asserted']}", f"inferred: {meta['inferred']}",
             f"consistent: {'yes' if consistency['consistent'] else 'no'}"]
    lines += [f"  inconsistency: {message}"
              for message in consistency["errors"] + [f"{i} a owl:Nothing" for i in consistency["nothing_members"]]]
    lines += [f"  warning: the reasoner merged {a} and {b} (owl:sameAs)" for a, b in consistency["same_as"]]
    return "\n".join(lines) + "\n"
