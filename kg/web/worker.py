"""Query workers: separate processes that each open the store read-only and run jobs.

pyoxigraph cannot interrupt a query from another thread, so every query runs in a
worker process; the server waits for the answer at most ``timeout`` seconds and
otherwise kills that worker (SIGKILL) and starts a fresh one, so the next query is
served normally. A job is a name from kg.web.jobs.JOBS and keyword arguments; it returns
a kg.web.http.Response (status, content type, body, extra headers), built in the worker so
that only bytes cross the pipe. Workers are fresh interpreters (``python -m kg.web.worker FD``,
never ``fork``: the server is multi-threaded) talking over a socket pair with
``multiprocessing.connection``; they exit when the server's end closes.

Layer: top (kg.web). The pool (server side) imports kg.web.http only; the worker process
imports kg.web.jobs (and so the pages) and kg.web.sandbox.
"""
from __future__ import annotations

import collections
import importlib
import itertools
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg.web.http import Response, text_response

class PoolError(Exception):
    status = 503
    retry_after: str | None = "1"   # the Retry-After header of the answer, if any


class QueryTimeout(PoolError):
    pass


class MemoryLimit(PoolError):
    """The worker went over its memory cap (kg serve --max-memory) and was replaced."""


class Busy(PoolError):
    pass


class TooManyFromClient(PoolError):
    """The client address already has its share of queries running or waiting: 429."""
    status = 429


class WorkerCrashed(PoolError):
    status = 500
    retry_after = None


# Fair scheduling (see WorkerPool): a client is an address (IPv6: its /64).
HALF_LIFE = 30.0       # seconds for a client's past worker time to count half
HEAVY_SECONDS = 1.0    # worker time (decayed, plus that of its running queries) that makes a client heavy
RESERVED = 1           # idle workers a heavy client may not take (pools of 2 workers or more)
DEFAULT_PER_CLIENT = 32
MEMORY_EXIT = 86       # a worker's exit status after a MemoryError
OOM_MARKERS = ("memory allocation of", "MemoryError", "std::bad_alloc", "Cannot allocate memory")


def client_key(address: str) -> str:
    """Who a client is for the per-client limits: its IPv4 address, or the /64 of its IPv6 one."""
    import ipaddress

    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class _Client:
    """A client's queries running and waiting, and its recent worker time (decaying)."""

    __slots__ = ("running", "waiting", "cost", "stamp", "starts")

    def __init__(self, now: float):
        self.running = 0
        self.waiting = 0
        self.cost = 0.0
        self.stamp = now
        self.starts: list = []

    def usage(self, now: float) -> float:
        return self.cost * 0.5 ** ((now - self.stamp) / HALF_LIFE) + sum(now - s for s in self.starts)

    def charge(self, seconds: float, now: float) -> None:
        self.cost = self.cost * 0.5 ** ((now - self.stamp) / HALF_LIFE) + seconds
        self.stamp = now


@dataclass
class _Worker:
    process: object
    conn: object
    info: dict = field(default_factory=dict)   # what the worker said when ready (network isolation)
    tail: object = None                        # the last lines it wrote on stderr (why it died)
    reader: object = None


class WorkerPool:
    """``size`` worker processes over the store at ``config['store_path']``.

    Each worker caps its own memory at ``config['max_memory_mb']`` (RLIMIT_DATA). Workers
    are handed out fairly: a client (``run(client=...)``, an address) may have at most
    ``per_client`` queries running or waiting (then TooManyFromClient, 429), may hold at
    most ``size - 1`` workers at once, and a free worker goes to the waiting client that
    used the least worker time lately. A heavy client (HEAVY_SECONDS of recent worker
    time) never takes the last idle worker: that one stays for the others.
    """

    def __init__(self, config: dict, *, size: int = 2, timeout: float = 10.0,
                 queue_timeout: float | None = None, max_waiting: int | None = None,
                 per_client: int | None = None, log=None):
        self.config = config
        self.size = size
        self.max_waiting = max_waiting if max_waiting is not None else 32 * size
        self.per_client = per_client if per_client is not None else DEFAULT_PER_CLIENT
        self.max_memory = config.get("max_memory_mb") or 0
        self.reserved = RESERVED if size >= 2 else 0
        self.timeout = timeout
        self.queue_timeout = queue_timeout if queue_timeout is not None else 2 * timeout + 10
        self._log = log or (lambda message: print(message, file=sys.stderr, flush=True))
        self._idle: list = []
        self._tickets: list = []       # requests waiting for a worker: (number, client key)
        self._clients: dict = {}
        self._numbers = itertools.count()
        self._cond = threading.Condition()
        self._all: set = set()
        self._lock = threading.Lock()
        self._closed = False
        workers = [self._spawn() for _ in range(size)]
        for worker in workers:
            self._await_ready(worker, strict=True)
            self._give_back(worker)
        self.isolation = dict(workers[0].info) if workers else {}

    # -- lifecycle --------------------------------------------------------
    def _spawn(self) -> _Worker:
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        try:
            process = subprocess.Popen([sys.executable, "-m", "kg.web.worker", str(theirs.fileno())],
                                       pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                       close_fds=True)
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        worker = _Worker(process, conn, tail=collections.deque(maxlen=20))
        worker.reader = threading.Thread(target=self._read_stderr, args=(worker,), name="kg-worker-stderr",
                                         daemon=True)
        worker.reader.start()
        conn.send(self.config)
        with self._lock:
            self._all.add(id(worker))
        return worker

    def _read_stderr(self, worker: _Worker) -> None:
        """Pass the worker's stderr on to the log, keeping its last lines (why it died)."""
        try:
            for line in iter(worker.process.stderr.readline, b""):
                text = line.decode("utf-8", "replace").rstrip()
                worker.tail.append(text)
                if text:
                    self._log(f"query worker {worker.process.pid}: {text}")
        except (OSError, ValueError):
            pass

    def _await_ready(self, worker: _Worker, *, strict: bool) -> bool:
        message = None
        try:
            if worker.conn.poll(60):
                message = worker.conn.recv()
        except (EOFError, OSError):
            message = None
        if message and message[0] == "ready":
            worker.info = message[1] or {}
            return True
        reason = message[1] if message else "did not start"
        self._kill(worker)
        if worker.reader:
            worker.reader.join(1)
        if any(marker in line for line in worker.tail for marker in OOM_MARKERS):
            reason += f" (out of memory: kg serve --max-memory {self.max_memory} MB is too small)"
        if strict:
            self.close()
            raise RuntimeError(f"query worker failed to start: {reason}")
        self._log(f"warning: query worker failed to start: {reason}")
        return False

    def _kill(self, worker: _Worker) -> None:
        try:
            worker.process.kill()
        except (OSError, ValueError, AttributeError):
            pass
        try:
            worker.process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        try:
            worker.conn.close()
        except OSError:
            pass
        with self._lock:
            self._all.discard(id(worker))

    def _replace(self, worker: _Worker) -> None:
        self._kill(worker)
        if self._closed:
            return

        def start():
            for attempt in range(3):
                if self._closed:
                    return
                fresh = self._spawn()
                if self._await_ready(fresh, strict=False):
                    self._give_back(fresh)
                    return
                time.sleep(0.5 * (attempt + 1))
            self._log("error: could not restart a query worker; the pool is smaller now")

        threading.Thread(target=start, name="kg-worker-restart", daemon=True).start()

    def _death(self, worker: _Worker) -> PoolError:
        """Why a worker died during a job: over its memory cap (503) or another crash (500)."""
        try:
            code = worker.process.wait(2)
        except (OSError, subprocess.TimeoutExpired):
            code = None
        if worker.reader:
            worker.reader.join(1)
        if code == MEMORY_EXIT or any(marker in line for line in worker.tail for marker in OOM_MARKERS):
            if self.max_memory:
                return MemoryLimit(f"query stopped: it went over the {self.max_memory} MB memory limit of a "
                                   "query worker (kg serve --max-memory); simplify it or add a LIMIT")
            return MemoryLimit("query stopped: the query worker ran out of memory; simplify it or add a LIMIT")
        if code is None:
            how = "did not exit"
        elif code < 0:
            try:
                how = f"signal {signal.Signals(-code).name}"
            except ValueError:
                how = f"signal {-code}"
        else:
            how = f"exit status {code}"
        return WorkerCrashed(f"the query worker died while running the query ({how}); it has been restarted")

    def close(self) -> None:
        self._closed = True
        with self._cond:
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for worker in idle:
            self._kill(worker)

    # -- scheduling -------------------------------------------------------
    def _give_back(self, worker: _Worker) -> None:
        with self._cond:
            if not self._closed:
                self._idle.append(worker)
                self._cond.notify_all()
                return
        self._kill(worker)

    def _choose(self, now: float):
        """The waiting request the next idle worker goes to, or None (caller holds _cond)."""
        spare = len(self._idle) > (self.reserved if len(self._all) >= 2 else 0)
        most = max(1, self.size - self.reserved)
        best = None
        for number, key in self._tickets:
            client = self._clients[key]
            if client.running >= most:
                continue
            usage = client.usage(now)
            if usage >= HEAVY_SECONDS and not spare:
                continue
            if best is None or (usage, number) < best[0]:
                best = ((usage, number), (number, key))
        return best[1] if best else None

    def _acquire(self, key: str) -> tuple:
        deadline = time.monotonic() + self.queue_timeout
        with self._cond:
            if self._closed:
                raise Busy("the server is stopping")
            if len(self._tickets) >= self.max_waiting:
                raise Busy(f"too many requests waiting for a query worker ({len(self._tickets)}); "
                           "try again later")
            now = time.monotonic()
            client = self._clients.get(key)
            if client is None:
                if len(self._clients) > 4096:
                    self._forget(now)
                client = self._clients[key] = _Client(now)
            if client.running + client.waiting >= self.per_client:
                error = TooManyFromClient(f"too many queries from {key} at once ({self.per_client} running or "
                                          "waiting, kg serve --per-client); wait for them to finish")
                error.retry_after = str(max(1, math.ceil(self.timeout)))
                raise error
            ticket = (next(self._numbers), key)
            self._tickets.append(ticket)
            client.waiting += 1
            try:
                while True:
                    now = time.monotonic()
                    if self._idle and self._choose(now) == ticket:
                        worker = self._idle.pop(0)
                        client.running += 1
                        client.starts.append(now)
                        return worker, now
                    if self._closed:
                        raise Busy("the server is stopping")
                    if now >= deadline:
                        raise Busy(f"all {self.size} query workers stayed busy for {self.queue_timeout:g} s; "
                                   "try again later")
                    # Wake up now and then anyway: a heavy client's recent usage decays.
                    self._cond.wait(min(deadline - now, 0.25))
            finally:
                self._tickets.remove(ticket)
                client.waiting -= 1
                self._cond.notify_all()

    def _release(self, key: str, started: float) -> None:
        with self._cond:
            client = self._clients[key]
            now = time.monotonic()
            client.running -= 1
            client.starts.remove(started)
            client.charge(now - started, now)
            self._cond.notify_all()

    def _forget(self, now: float) -> None:
        for key in [k for k, c in self._clients.items()
                    if not c.running and not c.waiting and c.usage(now) < 0.01]:
            del self._clients[key]

    # -- running jobs -----------------------------------------------------
    def run(self, job: str, timeout: float | None = None, client: str = "-", **args) -> Response:
        """Run ``job`` in a worker for ``client``; raise QueryTimeout, MemoryLimit, Busy,
        TooManyFromClient or WorkerCrashed."""
        timeout = self.timeout if timeout is None else timeout
        worker, started = self._acquire(client)
        try:
            try:
                worker.tail.clear()
                worker.conn.send((job, args))
                if not worker.conn.poll(timeout):
                    self._replace(worker)
                    raise QueryTimeout(f"query stopped: it ran longer than the {timeout:g} s time limit "
                                       "(kg serve --timeout); simplify it or add a LIMIT")
                response = worker.conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                error = self._death(worker)
                self._replace(worker)
                raise error from None
            except PoolError:
                raise
            except BaseException:
                self._replace(worker)
                raise
        finally:
            self._release(client, started)
        self._give_back(worker)
        return response


# ---------------------------------------------------------------------------
# Inside the worker process
# ---------------------------------------------------------------------------

def limit_memory(megabytes) -> None:
    """Cap this process's memory at ``megabytes`` MB (kg serve --max-memory; 0/None: no cap).

    RLIMIT_DATA, not RLIMIT_AS: it counts what a query can really grow (heap, anonymous
    maps, thread stacks: ~110 MB when a worker is idle) but not the store's file maps nor
    the address space glibc and RocksDB reserve without using (a worker's VSZ is 400-600
    MB idle and varies). Going over makes allocations fail: pyoxigraph (Rust) aborts the
    worker, Python raises MemoryError (the worker then exits with MEMORY_EXIT); either way
    the pool answers 503 and starts a fresh worker. Linux >= 4.7 counts mmap in RLIMIT_DATA.
    """
    if not megabytes:
        return
    import resource

    limit = int(megabytes) << 20
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


class Context:
    """What a job sees: the read-only store, the data dir, the limits."""

    def __init__(self, config: dict):
        import pyoxigraph as ox

        from kg.project.paths import DataDir

        self.config = config
        limit_memory(config.get("max_memory_mb"))  # before the store takes its share
        self.store = ox.Store.read_only(config["store_path"])
        self.data_dir = DataDir(Path(config["data_root"]))
        self.max_rows = int(config.get("max_rows", 10000))
        self.graphs = config.get("graphs", [])


def worker_main(conn) -> None:
    try:
        config = conn.recv()
        # First, while single-threaded and before any query: leave the network (kg.web.sandbox).
        from kg.web.sandbox import isolate_network

        isolated, how = isolate_network()
        importlib.import_module("rdflib.plugins.sparql.parser")  # loaded now: kg.web.guard parses every query

        context = Context(config)
    except BaseException as exc:  # report why, then stop
        try:
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        except OSError:
            pass
        conn.close()
        return
    conn.send(("ready", {"network_isolated": isolated, "isolation": how}))
    from kg.web import jobs

    while True:
        try:
            job, args = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            break
        try:
            response = jobs.dispatch(context, job, args)
        except MemoryError:  # over kg serve --max-memory: the pool says so and replaces this worker
            os._exit(MEMORY_EXIT)
        except Exception as exc:  # a bug in a job must not kill the worker
            response = text_response(500, f"internal error: {type(exc).__name__}: {exc}")
        try:
            conn.send(response)
        except (OSError, EOFError, BrokenPipeError):
            break


if __name__ == "__main__":
    from multiprocessing.connection import Connection

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us by closing the socket
    worker_main(Connection(int(sys.argv[1])))
