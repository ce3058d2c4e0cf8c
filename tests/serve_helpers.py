"""Helpers for the tests that run real servers: `kg serve` and `oxigraph serve` on 127.0.0.1.

Every server binds 127.0.0.1 only, on a free port, and is stopped (SIGTERM, then SIGKILL)
when its fixture ends.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# Never send the tests' loopback requests through a proxy configured in the environment.
os.environ["no_proxy"] = os.environ["NO_PROXY"] = ",".join(
    filter(None, [os.environ.get("no_proxy"), "127.0.0.1", "localhost"]))


class Listener:
    """A silent local TCP listener: every connection attempt to it is counted, none answered."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((HOST, 0))
        self.sock.listen(64)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def connections(self, wait: float = 0.5) -> int:
        """How many connections reached the listener since the last call (each closed at once)."""
        time.sleep(wait)
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.sock.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not come up:\n{log.read_text(errors='replace')}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path):
        self.proc, self.port, self.log = proc, port, log
        self.base = f"http://{HOST}:{port}"

    def stop(self) -> None:
        stop(self.proc)


def start_kg_serve(tmp: Path, cache_dir: Path, *args: str, env: dict | None = None) -> Server:
    """`python -m kg serve` in a subprocess, waited on until it answers."""
    port = free_port()
    log = tmp / f"kg-serve-{port}.log"
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), full_env.get("PYTHONPATH")]))
    full_env["KG_CACHE_DIR"] = str(cache_dir)
    full_env.pop("KG_DATA_DIR", None)
    full_env.update(env or {})
    with open(log, "wb") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--host", HOST, "--port", str(port),
                                 "--quiet", *args], stdout=handle, stderr=subprocess.STDOUT, env=full_env,
                                cwd=ROOT, stdin=subprocess.DEVNULL)
    server = Server(proc, port, log)
    try:
        wait_http(server.base + "/sparql", proc, log)
    except BaseException:
        server.stop()
        raise
    return server


def oxigraph_binary() -> str | None:
    candidate = Path(sys.executable).parent / "oxigraph"
    if candidate.is_file():
        return str(candidate)
    return shutil.which("oxigraph")


def start_oxigraph(tmp: Path) -> Server:
    """`oxigraph serve --location <tmp> --bind 127.0.0.1:<port> --union-default-graph`."""
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server binary is not installed (pip install oxigraph)")
    port = free_port()
    location = tmp / f"oxigraph-{port}"
    log = tmp / f"oxigraph-{port}.log"
    with open(log, "wb") as handle:
        proc = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"{HOST}:{port}",
                                 "--union-default-graph"], stdout=handle, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    server = Server(proc, port, log)
    try:
        wait_http(server.base + "/query?query=ASK%7B%7D", proc, log)
    except BaseException:
        server.stop()
        raise
    return server


def http(method: str, url: str, *, data: bytes | None = None, headers: dict | None = None,
         timeout: float = 30.0) -> tuple[int, dict, bytes]:
    """(status, headers, body) for any status."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
#: The administrator a fresh Virtuoso database has (user dba, password dba).
VIRTUOSO_USER = ("dba", "dba")


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


def start_virtuoso(tmp: Path) -> Server:
    """`virtuoso-t +foreground` with a database of its own in ``tmp`` on two free 127.0.0.1
    ports (SQL and HTTP), from the Debian package's virtuoso.ini with the paths and ports
    replaced. Its SPARQL endpoint is ``base + "/sparql"``, the authenticated Graph Store
    ``base + "/sparql-graph-crud-auth"`` (HTTP Digest, dba/dba)."""
    import re

    binary = virtuoso_binary()
    if binary is None or not VIRTUOSO_INI.is_file():
        raise RuntimeError("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource)")
    sql_port, port = free_port(), free_port()
    folder = tmp / f"virtuoso-{port}"
    folder.mkdir(parents=True)
    ini = VIRTUOSO_INI.read_text(encoding="utf-8")
    ini = ini.replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
    ini = re.sub(r"(\[Parameters\][^\[]*?\nServerPort\s*=\s*)\d+", rf"\g<1>{HOST}:{sql_port}", ini)
    ini = re.sub(r"(\[HTTPServer\][^\[]*?\nServerPort\s*=\s*)\d+", rf"\g<1>{HOST}:{port}", ini)
    ini = re.sub(r"(?m)^(NumberOfBuffers\s*=\s*)\d+", r"\g<1>10000", ini)
    (folder / "virtuoso.ini").write_text(ini, encoding="utf-8")
    log = folder / "virtuoso.out"
    with open(log, "wb") as handle:
        proc = subprocess.Popen([binary, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                                stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=folder)
    server = Server(proc, port, log)
    try:
        wait_http(server.base + "/sparql?query=ASK%7B%7D", proc, log, timeout=120)
        # The answer must come from this server, not another test's on a port taken meanwhile.
        deadline = time.monotonic() + 30
        online = re.compile(rf"HTTP/WebDAV server online at (?:{re.escape(HOST)}:)?{port}\b")
        while not online.search(log.read_text(errors="replace")):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Virtuoso did not come up on port {port}:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
    except BaseException:
        server.stop()
        raise
    return server
