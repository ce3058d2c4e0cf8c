"""Run the README's console examples and write them with their real output (for cog).

README.md wraps each console example in a cog block, inside HTML comments so that none of
it renders:

    <!-- [[[cog
    console("kg stats", Run("kg check", head=5, tail=1))
    ]]] -->
    ```console
    $ kg stats
    (its real output)
    ```
    <!-- [[[end]]] -->

`cog -r README.md` runs every block again and rewrites what lies between `]]] -->` and
`<!-- [[[end]]] -->`; tests/test_readme.py runs `cog --check README.md` and fails when an
example is stale. The first block of README.md puts this folder on sys.path and imports
`console`, `Run` and `Background` from here.

How an example runs:

* `kg ...` runs in this process with Click's CliRunner, with this checkout's `kg` package (not
  another installed copy), from the repository root, so a path such as
  `examples/new-article.ttl` resolves as it does for a reader who pastes the line. KG_DATA_DIR,
  KG_STORE and KG_ENGINE are unset for the run; the reasoned-graph cache is the environment's
  ($KG_CACHE_DIR, default ~/.cache/mqm-kg), built once before the first example so that no
  example prints cache-building progress.
* `curl ...` runs the real curl in a subprocess; `Background(...)` starts a server for the
  examples after it in the same block (`oxigraph serve`, `kg serve`), on a free port of
  127.0.0.1, and stops it at the end of the block.
* The output shown is stdout; stderr (progress, errors) is added, in the order it was written,
  when the command fails or the example says `stderr=True`.
* `head=N` keeps the first N lines of the output and `tail=M` the last M; a literal `...` line
  stands for the lines cut.
* `scratch=True` runs the command in an empty temporary directory instead, so that the files
  an `--out FILE` example writes never land in the repository.
* Every example must exit with its `exit_code` (default 0), or regeneration stops with an
  error: a broken example never gets documented as if it were its output.

Normalisations (the only changes made to what a command prints):

* a server's real port is shown as the port written in the README (7878, 8000), in the command
  and in the output;
* `Run(..., data_copy=True)` runs the command with `--data-dir COPY` on a temporary copy of
  ontology/, data/ and queries/ (so `kg add` never writes to this repository); the command is
  shown without it, `COPY/` is removed from the output, so a file in it reads
  `data/new-article.ttl` (relative to the data dir) should a command print its absolute path,
  and the data dir itself (`kg add` names the one it wrote to) is shown as `/path/to/mqm-kg`;
* `Background(..., cut="; store ")` cuts a server's start-up line where that text begins and
  shows `; ...` instead (the cache path and the process id that follow change every run).

Whatever a command prints is then checked for volatile text: the repository's absolute path,
the cache directory, a temporary directory made here. Any of them stops regeneration with an
error, so a path-free README is enforced rather than hoped for (choose another example or add
an explicit normalisation here). Timings cannot be detected that way: no example may print one.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))  # this checkout's kg, ahead of any installed copy
if str(TESTS) not in sys.path:
    sys.path.append(str(TESTS))

import serve_helpers  # noqa: E402  (tests/serve_helpers.py: free ports, waiting, stopping servers)
from cli_helpers import copy_data_dir  # noqa: E402

#: Unset while an example runs, so a developer's environment cannot change the output.
UNSET = ("KG_DATA_DIR", "KG_STORE", "KG_ENGINE")


class ExampleError(RuntimeError):
    """An example could not be run as written (wrong exit code, volatile output, missing tool)."""


@dataclass
class Run:
    """One command as the reader types it, and how much of its output to show."""

    cmd: str
    head: int | None = None
    tail: int = 0
    stderr: bool | None = None     # None: add stderr only when the command fails
    exit_code: int = 0
    comment: str = ""              # a shell comment after the command (`# ...`)
    scratch: bool = False          # run in an empty temporary directory (for --out files)
    data_copy: bool = False        # run on a temporary copy of the data dir (for kg add)


@dataclass
class Background:
    """A server started for the rest of the block (`cmd &` in a shell); `show` lines of its log."""

    cmd: str
    show: int = 0
    cut: str | None = None


def requirements() -> list[str]:
    """What regenerating the README needs that this machine lacks (empty: all there)."""
    from kg.config import Settings
    from kg.ops.check import articles_dir
    from kg.project.paths import DataDir

    missing = []
    if shutil.which("curl") is None:
        missing.append("curl (the kg serve examples)")
    if shutil.which("dot") is None:
        missing.append("Graphviz `dot` (the kg diagram svg/png examples)")
    if serve_helpers.oxigraph_binary() is None:
        missing.append("the oxigraph server (pip install oxigraph; the kg push examples)")
    folder = articles_dir(DataDir(ROOT), Settings.from_environment().articles_dir)
    if folder is None or not Path(folder).is_dir():
        missing.append("the article texts, ../shared/articles or $KG_ARTICLES_DIR (the kg check example)")
    return missing


def _check_checkout() -> None:
    import kg

    where = Path(kg.__file__).resolve()
    if ROOT not in where.parents:
        raise ExampleError(f"the README examples must run this checkout's kg ({ROOT}), but kg was imported "
                           f"from {where}; run `python -m cogapp -r README.md` from {ROOT}")


_warm = False


def _warm_cache() -> None:
    """Build the reasoned-graph cache once, so no example shows cache-building progress."""
    global _warm
    if not _warm:
        from kg.config import Settings
        from kg.store.cache import ensure_cache
        from kg.project.paths import DataDir

        _check_checkout()
        ensure_cache(DataDir(ROOT), settings=Settings.from_environment())
        _warm = True


def _volatile(extra: list[str]) -> list[str]:
    from kg.config import Settings

    return [str(ROOT), str(Settings.from_environment().cache_dir), *extra]


def _guard(cmd: str, text: str, volatile: list[str]) -> None:
    for value in volatile:
        if value and value in text:
            raise ExampleError(f"README example `{cmd}` printed {value!r}, which changes from machine to machine "
                               f"or run; choose another example or normalise it in {Path(__file__).name}:\n{text}")


def _cut(lines: list[str], head: int | None, tail: int) -> list[str]:
    if head is None and not tail:
        return lines
    keep_head = len(lines) if head is None else head
    if len(lines) <= keep_head + tail:
        return lines
    return lines[:keep_head] + ["..."] + (lines[len(lines) - tail:] if tail else [])


#: The terminal width the examples are run with (kg query tables wrap to it).
README_COLUMNS = 140


def _runner():
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False), False   # Click 8.1: stdout and stderr apart
    except TypeError:
        return CliRunner(), True                    # Click >= 8.2: both, and .output interleaved


def _run_kg(args: list[str], cwd: Path) -> tuple[int, str, str, str]:
    """(exit code, stdout, stderr, both as a terminal shows them) of `kg ARGS` in this process."""
    from kg.cli import cli

    runner, interleaved = _runner()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        # A fixed terminal width, so that wrapped tables are the same wherever cog runs.
        env = {**{name: None for name in UNSET}, "COLUMNS": str(README_COLUMNS)}
        result = runner.invoke(cli, args, obj={}, prog_name="kg", env=env,
                               catch_exceptions=True)
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise ExampleError(f"`kg {shlex.join(args)}` raised {result.exception!r}") from result.exception
    both = result.output if interleaved else result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr, both


def _run_program(args: list[str], cwd: Path) -> tuple[int, str, str, str]:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    return done.returncode, done.stdout, done.stderr, done.stdout + done.stderr


def _with_ports(text: str, ports: dict[int, int], *, to_real: bool) -> str:
    for shown, real in ports.items():
        a, b = (shown, real) if to_real else (real, shown)
        text = text.replace(f"127.0.0.1:{a}", f"127.0.0.1:{b}")
    return text


def _run(example: Run, ports: dict[int, int], scratch: Path) -> str:
    args = shlex.split(_with_ports(example.cmd, ports, to_real=True))
    cwd, volatile, strip = ROOT, [str(scratch)], []
    if example.scratch:
        cwd = Path(tempfile.mkdtemp(dir=scratch))
    if args[0] == "kg":
        args = args[1:]
        if example.data_copy:
            copy = copy_data_dir(Path(tempfile.mkdtemp(dir=scratch)))
            args = ["--data-dir", str(copy), *args]
            strip += [(f"{copy}{os.sep}", ""), (str(copy), "/path/to/mqm-kg")]
        code, out, err, both = _run_kg(args, cwd)
    elif args[0] == "curl":
        code, out, err, both = _run_program(args, cwd)
        both = out if code == 0 else both  # curl's progress meter on stderr is not output
    else:
        raise ExampleError(f"README example `{example.cmd}`: only `kg` and `curl` commands are run")
    if code != example.exit_code:
        raise ExampleError(f"README example `{example.cmd}` exited with {code}, expected {example.exit_code}:\n{both}")
    show_err = example.stderr if example.stderr is not None else code != 0
    text = both if show_err else out
    for volatile_text, shown in strip:
        text = text.replace(volatile_text, shown)
    text = _with_ports(text, ports, to_real=False)
    _guard(example.cmd, text, _volatile(volatile))
    return text


def _start(server: Background, ports: dict[int, int], scratch: Path, procs: list) -> str:
    """Start SERVER on a free port; return the lines of its log to show."""
    args = shlex.split(server.cmd)
    if args[-1] == "&":
        args = args[:-1]
    port = serve_helpers.free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    for name in UNSET:
        env.pop(name, None)
    if args[0] == "oxigraph":
        binary = serve_helpers.oxigraph_binary()
        if binary is None:
            raise ExampleError("the oxigraph server is not installed (pip install oxigraph)")
        bind = args.index("--bind") + 1
        shown = int(args[bind].rsplit(":", 1)[1])
        args[bind] = f"{serve_helpers.HOST}:{port}"
        location = args.index("--location") + 1
        args[location] = str(Path(tempfile.mkdtemp(dir=scratch)) / "oxigraph")
        argv, ready = [binary, *args[1:]], "/query?query=ASK%7B%7D"
    elif args[0] == "kg":
        at = args.index("--port") + 1
        shown = int(args[at])
        args[at] = str(port)
        argv, ready = [sys.executable, "-m", "kg", *args[1:]], "/sparql"
    else:
        raise ExampleError(f"README example `{server.cmd}`: only oxigraph and kg servers are started")
    log = Path(tempfile.mkdtemp(dir=scratch)) / "server.log"
    with open(log, "wb") as handle:
        proc = subprocess.Popen(argv, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=ROOT, env=env)
    procs.append(proc)
    serve_helpers.wait_http(f"http://{serve_helpers.HOST}:{port}{ready}", proc, log)
    ports[shown] = port
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[:server.show]
    if server.cut:
        lines = [line[:line.index(server.cut)] + "; ..." if server.cut in line else line for line in lines]
    text = _with_ports("\n".join(lines), ports, to_real=False)
    _guard(server.cmd, text, _volatile([str(scratch)]))
    return text


def render(*examples: str | Run | Background) -> str:
    """One ```console block: each command after `$ `, then what it printed."""
    _warm_cache()
    scratch = Path(tempfile.mkdtemp(prefix="kg-readme-"))
    ports: dict[int, int] = {}
    procs: list[subprocess.Popen] = []
    parts: list[str] = []
    printed = False
    try:
        for example in examples:
            example = Run(example) if isinstance(example, str) else example
            if isinstance(example, Background):
                output = _start(example, ports, scratch, procs)
                line = f"$ {example.cmd}"
            else:
                output = _run(example, ports, scratch)
                line = f"$ {example.cmd}" + (f"    # {example.comment}" if example.comment else "")
                output = "\n".join(_cut(output.rstrip("\n").splitlines(), example.head, example.tail))
            if printed:
                parts.append("")   # a blank line after a command that printed something
            parts.append(line)
            printed = bool(output.strip())
            if printed:
                parts.append(output.rstrip("\n"))
    finally:
        for proc in procs:
            serve_helpers.stop(proc)
        shutil.rmtree(scratch, ignore_errors=True)
    body = "\n".join(parts)
    if "```" in body:
        raise ExampleError("an example printed ``` and would end the Markdown code block early")
    return f"```console\n{body}\n```\n"


def console(*examples: str | Run | Background) -> None:
    """Write render(*examples) as the output of the current cog block."""
    import cog

    cog.out(render(*examples))


__all__ = ["Background", "ExampleError", "Run", "console", "render", "requirements"]


def shacl_suite_counts() -> None:
    """Print the W3C SHACL suite's pass / refused / fail counts per engine, as the generated
    report (tests/w3c/shacl-report.md) has them."""
    import re

    import cog

    report = (Path(__file__).resolve().parent / "w3c" / "shacl-report.md").read_text(encoding="utf-8")
    counts = {m.group(1): (int(m.group(2)), int(m.group(3)), int(m.group(4)))
              for m in re.finditer(r"^\| (fast|pyshacl) \| (\d+) \| (\d+) \| (\d+) \|$", report, re.MULTILINE)}
    fast, reference = counts["fast"], counts["pyshacl"]
    cog.outl(f"{fast[0]} give exactly the expected report, {fast[1]} are refused (the construct is not "
             f"translated, and pyshacl runs), {fast[2]} are wrong; pyshacl passes {reference[0]} "
             f"({reference[2]} known failures, xfail).")
