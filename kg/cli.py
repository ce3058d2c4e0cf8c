"""The `kg` command line: Click only (parse options, call the library, render, emit).

The work is in kg.ops (and kg.project, kg.store, kg.web), the text of every report in
kg.render. Longer than 500 lines because each of the 14 commands carries its options and help
text, which are the user documentation.

Layer: top. May import every layer; nothing imports it but kg.__main__. It builds the
run's kg.config.Settings once (the command line's options over the environment
variables) and passes them to the library.
"""
from __future__ import annotations

import json
import sys

import click

from kg import __version__
from kg.errors import KGError

EXIT_CODES = """\b
Exit codes:
  0  success, or the KG conforms / all checks pass
  1  the checks ran and found problems (report printed)
  2  the run could not happen (usage error, unreadable or unparsable input)

\b
Data dir (ontology/, data/, queries/): --data-dir, else the current directory
or the nearest one above it that is a data dir, else $KG_DATA_DIR, else the
repository next to the package, else the copy bundled in the wheel (read-only).
Reasoned graph cache: $KG_CACHE_DIR (default ~/.cache/mqm-kg)."""


class KGGroup(click.Group):
    """Turns library errors into one-line messages and exit codes (never a traceback)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KGError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except RecursionError:
            click.echo("Error: input is nested too deeply to process", err=True)
            ctx.exit(2)
        except BrokenPipeError:
            ctx.exit(0)
        except OSError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug or a library failure: still no traceback unless asked
            import os

            if os.environ.get("KG_DEBUG"):
                raise
            click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); "
                       "set KG_DEBUG=1 for the traceback", err=True)
            ctx.exit(2)


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _settings(ctx):
    """The kg.config.Settings the `kg` group built for this command."""
    return ctx.find_root().obj["settings"]


def _data_dir(ctx):
    from kg.project.paths import resolve_data_dir

    settings = _settings(ctx)
    return resolve_data_dir(settings.data_dir, fallback=settings.fallback_data_dir)


def _endpoint(ctx, url: str, user: str | None):
    """The remote endpoint of --endpoint URL (--user's password: $KG_ENDPOINT_PASSWORD)."""
    from kg.store.remote import RemoteEndpoint

    return RemoteEndpoint(url, user=user, password=_settings(ctx).endpoint_password)


def _engine_log(verbose: bool):
    """With --verbose, a callback printing which engine ran each task and why (on stderr)."""
    if not verbose:
        return None
    return lambda engine_run: click.echo(engine_run.describe(), err=True)


#: --verbose for the commands that reason or validate.
_VERBOSE_HELP = "Say which engine ran each task (reasoning, validation), and why."


def _emit(text: str | bytes, out: str | None = None) -> None:
    if out:
        from kg.fsutil import atomic_write

        atomic_write(out, text)
        click.echo(f"wrote {out}", err=True)
    elif isinstance(text, bytes):
        sys.stdout.buffer.write(text)
        sys.stdout.flush()
    else:
        click.echo(text, nl=False)


@click.group(cls=KGGroup, epilog=EXIT_CODES, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Root holding ontology/, data/ and queries/ (default: see below).")
@click.option("--store", type=click.Path(file_okay=False), default=None,
              help="Persistent pyoxigraph store (a directory) that commands read; kept in sync with the data.")
@click.version_option(__version__, prog_name="kg")
@click.pass_context
def cli(ctx, data_dir, store):
    """Query, reason over, validate and export the MQM knowledge graph.

    Example: kg query defections --param person=kg:sagheer-ahmed
    """
    if ctx.invoked_subcommand is None:  # bare `kg`: the help, and success (it was asked for)
        click.echo(ctx.get_help())
        ctx.exit(0)
    from kg.config import Settings

    ctx.ensure_object(dict)
    # --store / $KG_STORE routes every store read to the persistent store (kg.store.persistent).
    ctx.obj["settings"] = Settings.from_environment(data_dir=data_dir, store=store or None)


@cli.command("queries")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def queries_cmd(ctx, fmt):
    """List the stored queries with their title and parameters.

    Example: kg queries
    """
    from kg.project.catalogue import catalogue
    from kg.render.text import queries_json, queries_text

    items = catalogue(_data_dir(ctx))
    _emit(queries_json(items) if fmt == "json" else queries_text(items))


def _params(values) -> dict[str, str]:
    params = {}
    for value in values:
        if "=" not in value:
            raise click.BadParameter(f"{value!r}: expected NAME=VALUE", param_hint="--param")
        name, _, raw = value.partition("=")
        params[name.strip().lstrip("?$")] = raw
    return params


class QueryCommand(click.Command):
    """`kg query NAME --help` adds the stored query's description and parameters (with the
    allowed values of a controlled one) to the command's help."""

    def parse_args(self, ctx, args):
        if any(a in ("-h", "--help") for a in args):
            try:
                opts, _rest, _order = self.make_parser(ctx).parse_args(args=list(args))
                name = opts.get("name")
                ctx.meta["kg_query_name"] = name if isinstance(name, str) else None  # Click 8.2: a sentinel
            except click.ClickException:
                pass
        return super().parse_args(ctx, args)

    def format_help(self, ctx, formatter):
        super().format_help(ctx, formatter)
        name = ctx.meta.get("kg_query_name")
        if not name:
            return
        from kg.project.catalogue import get_query
        from kg.render.text import param_help

        try:
            query = get_query(_data_dir(ctx.find_root()), name)
        except KGError as exc:
            formatter.write(f"\n{name}: {exc}\n")
            return
        with formatter.section(f"Stored query {query.name} ({query.title})"):
            formatter.write_text(query.description)
            if query.params:
                formatter.write_dl([(f"--param {p.name}=...", param_help(p)) for p in query.params])


@cli.command("query", cls=QueryCommand)
@click.argument("name", required=False)
@click.option("-e", "--expression", help="SPARQL text to run instead of a stored query.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a parameter (repeatable); typed as the query header says.")
@click.option("-f", "--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "csv", "tsv", "json", "xml", "turtle", "ntriples"]))
@click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph", show_default=True,
              help="oxigraph: the cached on-disk store (fast); rdflib: reference semantics.")
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="Write to FILE (atomically).")
@click.option("--endpoint", metavar="URL", help="Run on this remote SPARQL 1.1 endpoint instead "
              "(user:pass@ in the URL is used, never printed).")
@click.option("--user", help="User for --endpoint; the password comes from $KG_ENDPOINT_PASSWORD.")
@click.option("--allow-service", is_flag=True,
              help="Let SERVICE clauses run (federated query: kg connects to the servers they name). "
                   "Refused by default.")
@click.option("--truncate", type=click.IntRange(min=2), metavar="N",
              help="table: cut each cell to N characters (…) instead of wrapping long cells to the "
                   "terminal's width.")
@click.option("--compact", is_flag=True,
              help="csv, tsv, json: write IRIs as prefixed names (kg:psp) instead of in full.")
@click.pass_context
def query_cmd(ctx, name, expression, params, fmt, engine, out, endpoint, user, allow_service, truncate, compact):
    """Run a stored query (NAME), a query file (FILE.rq) or SPARQL text (-e).

    SELECT, ASK, CONSTRUCT and DESCRIBE over the reasoned KG (asserted + inferred).

    Example: kg query members-of --param organisation=kg:mqm --param onDate=2013-06-01
    """
    from kg.render.formats import format_result
    from kg.ops.query import run_query
    from kg.ops.whois import suggest_entities
    from kg.project.catalogue import get_query

    if bool(name) == bool(expression):
        raise click.UsageError("give exactly one of NAME|FILE.rq or -e 'SPARQL'")
    data_dir = _data_dir(ctx)
    query = expression if expression else get_query(data_dir, name)
    if endpoint:
        from kg.store.remote import run_remote
        from kg.rdf.sparql import refuse_remote

        refuse_remote(query if isinstance(query, str) else query.text, allow_service=allow_service)
        if not isinstance(query, str):
            query = query.for_bound(_params(params))  # a variant's text for a bound optional parameter
        result = run_remote(data_dir, query, _params(params), _endpoint(ctx, endpoint, user))
    else:
        result = run_query(data_dir, query, _params(params), engine=engine, progress=_progress,
                           allow_service=allow_service, suggest_entities=suggest_entities,
                           settings=_settings(ctx))
    for warning in getattr(result, "warnings", []):
        click.echo(f"warning: {warning}", err=True)
    _emit(format_result(result, fmt, width=None if out else _table_width(), truncate=truncate, compact=compact), out)


def _table_width() -> int:
    """The terminal's width (COLUMNS, else the terminal, else DEFAULT_TABLE_WIDTH for a pipe)."""
    import shutil

    from kg.render.formats import DEFAULT_TABLE_WIDTH

    return shutil.get_terminal_size((DEFAULT_TABLE_WIDTH, 24)).columns


@cli.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text",
              show_default=True)
@click.option("--shapes", "shapes_path", type=click.Path(dir_okay=False),
              help="Validate FILEs alone (not the KG, no ontology) against this shapes graph.")
@click.option("--engine", type=click.Choice(["auto", "fast", "reference"]), default="auto", show_default=True,
              help="With --shapes: fast (shapes as SPARQL on pyoxigraph; exit 2 if it cannot translate "
                   "them), reference (pyshacl), or auto (fast, else pyshacl).")
@click.option("--inference", type=click.Choice(["none", "rdfs"]), default="none", show_default=True,
              help="With --shapes: RDFS inference on the data graph first (pyshacl).")
@click.option("-v", "--verbose", is_flag=True, help="Say which engine validated, and why.")
@click.option("--endpoint", metavar="URL", help="Validate the KG where it lives: run the shapes on this remote "
              "SPARQL endpoint (which holds the reasoned KG, as kg push --inferred leaves it), not locally.")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="With --endpoint: validate only these graphs (repeatable; default: every urn:kg: graph).")
@click.option("--user", help="User for --endpoint; the password comes from $KG_ENDPOINT_PASSWORD.")
@click.pass_context
def validate_cmd(ctx, files, fmt, shapes_path, engine, inference, verbose, endpoint, graphs, user):
    """Validate the KG (and FILEs, read together with it) against the SHACL shapes.

    With --shapes SHAPES, validate the FILEs alone against SHAPES (your own data against
    your own shapes; the W3C SHACL test files too). Its json report writes terms in full:
    IRIs, N-Triples literals, _: blank nodes.

    Exit 0 when it conforms, 1 when it does not, 2 when a file cannot be read or parsed.

    Example: kg validate new-article.ttl

    With your own shapes: kg validate --shapes my-shapes.ttl --format json my-data.ttl
    """
    from kg.render.text import validation_text

    if endpoint:
        if files or shapes_path:
            raise click.UsageError("--endpoint validates the KG on the server: it takes no FILEs and no --shapes")
        if fmt == "turtle":
            raise click.UsageError("--endpoint writes text or json (the Turtle report is pyshacl's, run locally)")
        from kg.ops.validate_kg import validate_endpoint

        report = validate_endpoint(_data_dir(ctx), _endpoint(ctx, endpoint, user), graphs=graphs, progress=_progress)
        _emit(validation_text(report, fmt))
        ctx.exit(0 if report.conforms else 1)
    if graphs:
        raise click.UsageError("--graph applies with --endpoint")
    if shapes_path is None:
        if engine != "auto" or inference != "none":
            raise click.UsageError("--engine and --inference apply with --shapes (the KG's own shapes "
                                   "declare their inference; KG_ENGINE chooses the engine)")
        from kg.ops.validate import validate

        # The Turtle report is pyshacl's own results graph: the fast validator writes none.
        report = validate(_data_dir(ctx), files, settings=_settings(ctx),
                          engine="reference" if fmt == "turtle" else None, on_engine=_engine_log(verbose))
    else:
        from kg.ops.validate_files import validate_with_shapes

        settings = _settings(ctx)
        report = validate_with_shapes(shapes_path, files, engine=engine, inference=inference,
                                      max_bytes=settings.max_input_bytes, max_nesting=settings.max_nesting)
        if verbose:
            why = f" (the fast validator cannot translate the shapes: {report.fallback})" if report.fallback else ""
            click.echo(f"validated with {'pyshacl' if report.engine == 'reference' else 'the fast validator'}{why}",
                       err=True)
    _emit(validation_text(report, fmt))
    ctx.exit(0 if report.conforms else 1)


@cli.command("add")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--replace", is_flag=True, help="Replace data/<name>.ttl if it exists.")
@click.option("--full", is_flag=True,
              help="On a large KG, validate all of it before and after (default: around FILE's nodes).")
@click.option("-v", "--verbose", is_flag=True, help=_VERBOSE_HELP)
@click.pass_context
def add_cmd(ctx, file, replace, full, verbose):
    """Validate FILE with the KG and, if it adds no violation, write it to data/ atomically.

    Nothing changes when FILE does not parse or the KG with it has a violation the KG
    without it has not (violations already in the KG: see kg validate). Concurrent adds
    take turns (lock data/.kg-add.lock), each validated with the files the others added.
    Exit 0 added, 1 not added (violations), 2 not run (unreadable FILE, target exists).

    Example: kg add article-005.ttl
    """
    from kg.ops.add import add_file
    from kg.render.text import validation_text

    result = add_file(_data_dir(ctx), file, replace=replace, full=full, settings=_settings(ctx), progress=_progress,
                      on_engine=_engine_log(verbose))
    if not result.written:
        _emit(validation_text(result.report, "text"))
        click.echo(result.describe(file), err=True)
        ctx.exit(1)
    click.echo(result.describe(file))


def _reason_defaults() -> tuple[float, int]:
    from kg.engine.reference.reason import DEFAULT_MAX_SECONDS, DEFAULT_MAX_TRIPLES

    return DEFAULT_MAX_SECONDS, DEFAULT_MAX_TRIPLES


@cli.command("reason")
@click.option("-o", "--out", type=click.Path(dir_okay=False),
              help="Write asserted + inferred triples to FILE, in the format its extension names "
              "(.ttl .nt .trig .nq .jsonld .rdf/.xml/.owl; another extension is refused).")
@click.option("--rebuild", is_flag=True, help="Recompute the closure even if the cache is current, and replace "
              "the cache entry (atomically); repairs a damaged one.")
@click.option("--max-seconds", type=click.FloatRange(min=0), default=_reason_defaults()[0], show_default=True,
              metavar="SECONDS", help="Stop reasoning after this wall time, changing nothing (0: no limit).")
@click.option("--max-triples", type=click.IntRange(min=0), default=_reason_defaults()[1], show_default=True,
              metavar="N", help="Stop reasoning past N inferred triples, changing nothing (0: no limit).")
@click.option("-v", "--verbose", is_flag=True, help=_VERBOSE_HELP)
@click.pass_context
def reason_cmd(ctx, out, rebuild, max_seconds, max_triples, verbose):
    """Materialise the OWL 2 RL closure; print asserted and inferred triple counts.

    Over the time or triple budget reasoning stops with exit 2 and nothing is written
    (no cache entry, no --out file).

    Example: kg reason --out closure.ttl --max-seconds 600
    """
    from kg.ops.export import export_to, format_for
    from kg.render.text import reason_text
    from kg.store.cache import ensure_cache

    fmt = format_for(out, choosable=False) if out else None  # an extension that names no format: refused before reasoning
    data_dir = _data_dir(ctx)
    settings = _settings(ctx)
    meta = ensure_cache(data_dir, settings=settings, progress=_progress, on_engine=_engine_log(verbose),
                        rebuild=rebuild, max_seconds=max_seconds or None, max_triples=max_triples or None).meta
    click.echo(reason_text(meta), nl=False)
    if out:
        export_to(data_dir, fmt, out, inferred=True, settings=settings)
        click.echo(f"wrote {out}", err=True)
    if not meta["consistency"]["consistent"]:
        ctx.exit(1)


@cli.command("export")
@click.option("-f", "--format", "fmt", default=None,
              type=click.Choice(["turtle", "nt", "trig", "nquads", "json-ld", "xml"]),
              help="Default: from the --out extension (.ttl .nt .trig .nq .jsonld .rdf/.xml/.owl), "
                   "else turtle. A --format the extension contradicts is refused.")
@click.option("--inferred", is_flag=True, help="Add the inferred triples (graph urn:kg:inferred).")
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="Write to FILE (atomically).")
@click.pass_context
def export_cmd(ctx, fmt, inferred, out):
    """Export the KG with byte-identical output for identical input.

    Asserted triples by default; a VoID/DCAT description is always included.

    Example: kg export --format trig --inferred --out kg.trig
    """
    from kg.ops.export import export_to, format_for

    fmt = format_for(out, fmt)  # before any work: a refused name writes nothing
    export_to(_data_dir(ctx), fmt, out, inferred=inferred, settings=_settings(ctx), progress=_progress)
    if out:
        click.echo(f"wrote {out}", err=True)


@cli.command("stats")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def stats_cmd(ctx, fmt):
    """Entities by class, facts by article and by epistemic status.

    Example: kg stats
    """
    from kg.ops.stats import stats
    from kg.render.text import stats_text

    result = stats(_data_dir(ctx), settings=_settings(ctx), progress=_progress)
    _emit(json.dumps(result.to_dict(), indent=2) + "\n" if fmt == "json" else stats_text(result))


@cli.command("check")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--endpoint", metavar="URL", help="Run the SHACL shapes and the *-violation.rq checks on this remote "
              "SPARQL endpoint (holding the reasoned KG, as kg push --inferred leaves it) instead of locally.")
@click.option("--user", help="User for --endpoint; the password comes from $KG_ENDPOINT_PASSWORD.")
@click.option("-v", "--verbose", is_flag=True, help=_VERBOSE_HELP)
@click.pass_context
def check_cmd(ctx, fmt, endpoint, user, verbose):
    """Release checks: parse, consistency, SHACL, quotes, every queries/checks/*-violation.rq.

    Prints the offending rows of each failed check, and last how many checks ran and which
    were skipped (quotes, without the article texts: see $KG_ARTICLES_DIR); exit 1 if any fails.

    Example: kg check
    """
    from kg.ops.check import run_checks
    from kg.render.text import check_text

    if endpoint:
        from kg.ops.check import run_remote_checks

        report = run_remote_checks(_data_dir(ctx), _endpoint(ctx, endpoint, user), progress=_progress)
    else:
        report = run_checks(_data_dir(ctx), settings=_settings(ctx), progress=_progress,
                            on_engine=_engine_log(verbose))
    _emit(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n" if fmt == "json" else check_text(report))
    ctx.exit(0 if report.passed else 1)


@cli.command("search")
@click.argument("text", nargs=-1, required=True)
@click.option("--kind", help="Only nodes of this class (Defection, mqm:Fact...; subclasses included).")
@click.option("--status", help="Only facts of this epistemic status (confirmed, claimed, alleged, denied...).")
@click.option("--article", help="Only hits reported in this article (article-004 or kg:article-004).")
@click.option("--speaker", help="Only hits attributed to this source (kg:mustafa-kamal...).")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def search_cmd(ctx, text, kind, status, article, speaker, limit, fmt):
    """Full-text search over labels, fact summaries, quotes, notes and counts, best first.

    Spellings fold as in kg whois (case, diacritics, Kaimkhani/Qaimkhani); every word
    must occur, as a word or the start of one. Each hit shows the node, its kind, status,
    article and speaker, and the text with the match [marked]. Exit 1 when nothing matches.

    Example: kg search kaimkhani joined --status confirmed
    """
    from kg.ops.search import hits_json, search, search_index
    from kg.render.text import hits_text

    index = search_index(_data_dir(ctx), settings=_settings(ctx), progress=_progress)
    hits = search(index, " ".join(text), kind=kind, status=status, article=article, speaker=speaker, limit=limit)
    _emit(hits_json(hits) if fmt == "json" else hits_text(hits))
    ctx.exit(0 if hits else 1)


@cli.command("whois")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def whois_cmd(ctx, name, fmt):
    """Resolve any spelling of NAME and print the entity's profile.

    Case, diacritics, punctuation, honorifics (Dr, Syed...) and transliteration
    variants (Qaimkhani/Kaimkhani) do not matter. Anything fuzzier ("Mustfa Kaml") and
    unknown names list ranked suggestions; ambiguous ones the candidates: exit 1.

    Example: kg whois "anis kaimkhani"
    """
    from kg.ops.whois import profile
    from kg.render.text import profile_text
    from kg.store.cache import open_store

    data_dir = _data_dir(ctx)
    result = profile(data_dir, name, store=open_store(data_dir, settings=_settings(ctx), progress=_progress))
    _emit(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n" if fmt == "json" else profile_text(result))


@cli.command("timeline")
@click.option("--about", help="Only facts involving this entity (any spelling, resolved like whois).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def timeline_cmd(ctx, about, fmt):
    """Dated events and memberships in date order (2016 < 2016-03 < 2016-03-03).

    Example: kg timeline --about "Mustafa Kamal"
    """
    from kg.ops.timeline import timeline
    from kg.render.text import timeline_json, timeline_text

    entries = timeline(_data_dir(ctx), about, settings=_settings(ctx))
    _emit(timeline_json(entries) if fmt == "json" else timeline_text(entries))


@cli.command("diagram")
@click.argument("kind", type=click.Choice(["lineage", "defections", "timeline", "neighbourhood"]))
@click.option("--about", help="Only what concerns this entity (any spelling, resolved like whois); "
                              "required for neighbourhood.")
@click.option("-f", "--format", "fmt", type=click.Choice(["svg", "png", "dot", "mermaid"]), default=None,
              help="svg (default) and png need Graphviz's dot; dot and mermaid are text and need nothing. "
                   "Default: from the --out extension, else svg.")
@click.option("-o", "--out", type=click.Path(dir_okay=False), help="Write to FILE (atomically).")
@click.pass_context
def diagram_cmd(ctx, kind, about, fmt, out):
    """Draw the MQM family tree (lineage), the defection network, a timeline, or an
    entity's neighbourhood, from stored queries over the reasoned KG.

    Every mark has a tooltip with its epistemic status and article, and links to the article.

    Example: kg diagram defections --format svg --out defections.svg
    """
    from pathlib import Path

    from kg.ops.diagrams.draw import EXTENSIONS, diagram

    if fmt is None:
        fmt = EXTENSIONS.get(Path(out).suffix.lower(), "svg") if out else "svg"
    if fmt == "png" and not out and sys.stdout.isatty():
        raise click.UsageError("png is binary: write it to a file with --out FILE.png")
    _emit(diagram(_data_dir(ctx), kind, about=about, fmt=fmt, settings=_settings(ctx), progress=_progress), out)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port (0: any free port; the address is printed on stderr).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds a query may run before it is stopped.")
@click.option("--max-rows", type=click.IntRange(min=1), default=10000, show_default=True,
              help="Rows (or triples) per result; a longer result is cut and says so.")
@click.option("--workers", type=click.IntRange(1, 64), default=3, show_default=True,
              help="Query worker processes. One of them is kept for light clients (see --per-client).")
@click.option("--max-memory", type=click.IntRange(min=0), default=1024, show_default=True, metavar="MB",
              help="Memory cap of each query worker in MB (RLIMIT_DATA; an idle worker uses ~110 MB). "
                   "A query that goes over gets 503 and its worker is replaced; 0: no cap.")
@click.option("--per-client", type=click.IntRange(min=1), default=32, show_default=True, metavar="N",
              help="Queries one client address (IPv6: its /64) may have running or waiting at once; "
                   "more get 429 with Retry-After. A client holds at most workers-1 workers, and one "
                   "that used over 1 s of worker time lately never takes the last idle worker.")
@click.option("--quiet", is_flag=True, help="No access log on stderr.")
@click.pass_context
def serve_cmd(ctx, host, port, timeout, max_rows, workers, max_memory, per_client, quiet):
    """Serve the KG read-only: SPARQL at /sparql, entity pages at /id/<slug>, home at /.

    SPARQL 1.1 Protocol (GET, POST form or application/sparql-query), results in SPARQL
    JSON/XML, CSV, TSV, Turtle, N-Triples, JSON-LD; updates, SERVICE and remote FROM are
    refused (403). Queries run in worker processes, stopped at --timeout and --max-memory,
    shared fairly between clients (--per-client). Stop with Ctrl-C.

    Example: kg serve --port 8000
    """
    from kg.web.server import ServeSettings, resolve_store_path, serve

    if 0 < max_memory < 200:
        raise click.BadParameter("a query worker needs about 110 MB idle: give it at least 200 MB (0: no cap)",
                                 param_hint="--max-memory")
    data_dir = _data_dir(ctx)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: the server is reachable from other machines", err=True)
    settings = ServeSettings(host=host, port=port, timeout=timeout, max_rows=max_rows, workers=workers,
                             max_memory=max_memory, per_client=per_client, quiet=quiet)
    kg_settings = _settings(ctx)
    serve(data_dir, resolve_store_path(data_dir, settings=kg_settings, progress=_progress), settings, log=_progress,
          kg_settings=kg_settings)


@cli.command("push")
@click.option("--endpoint", required=True, metavar="URL",
              help="Graph Store Protocol URL, e.g. http://localhost:7878/store (user:pass@ allowed, never printed).")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="Push only this named graph (repeatable); default: every graph.")
@click.option("--inferred", is_flag=True, help="Also push the inferred triples (graph urn:kg:inferred).")
@click.option("--user", help="User name; the password comes from $KG_ENDPOINT_PASSWORD.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds per HTTP request.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Retries per graph after a connection error, timeout, 408, 429 or 5xx.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def push_cmd(ctx, endpoint, graphs, inferred, user, timeout, retries, fmt):
    """Upload the KG to a SPARQL Graph Store: one PUT per named graph, replacing it whole.

    Pushing twice gives the same store. Prints which graphs were and were not written;
    exit 2 if any was not.

    Example: kg push --endpoint http://localhost:7878/store --inferred
    """
    from kg.ops.push import push

    settings = _settings(ctx)
    report = push(_data_dir(ctx), endpoint, graphs=list(graphs) or None, inferred=inferred, user=user,
                  password=settings.endpoint_password, timeout=timeout, retries=retries, settings=settings,
                  progress=_progress)
    _emit(json.dumps(report.to_dict(), indent=2) + "\n" if fmt == "json" else report.describe())
    ctx.exit(0 if report.ok else 2)


def main(argv=None) -> None:
    cli.main(args=argv, prog_name="kg", obj={})


if __name__ == "__main__":
    main()
