"""Query workers: separate processes that each open the store read-only and run jobs.

pyoxigraph cannot interrupt a query from another thread, so every query runs in a
worker process; the server waits for the answer at most ``timeout`` seconds and
otherwise kills that worker (SIGKILL) and starts a fresh one, so the next query is
served normally. A job is a name from ``JOBS`` and keyword arguments; it returns a
``Response`` (status, content type, body, extra headers), built in the worker so that
only bytes cross the pipe. Workers are fresh interpreters (``python -m kg.web.worker FD``,
never ``fork``: the server is multi-threaded) talking over a socket pair with
``multiprocessing.connection``; they exit when the server's end closes.
"""
from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    headers: dict = field(default_factory=dict)


class PoolError(Exception):
    status = 503


class QueryTimeout(PoolError):
    pass


class Busy(PoolError):
    pass


class WorkerCrashed(PoolError):
    status = 500


@dataclass
class _Worker:
    process: object
    conn: object


class WorkerPool:
    """``size`` worker processes over the store at ``config['store_path']``."""

    def __init__(self, config: dict, *, size: int = 2, timeout: float = 10.0,
                 queue_timeout: float | None = None, max_waiting: int | None = None, log=None):
        self.config = config
        self.size = size
        self.max_waiting = max_waiting if max_waiting is not None else 32 * size
        self._waiting = 0
        self.timeout = timeout
        self.queue_timeout = queue_timeout if queue_timeout is not None else 2 * timeout + 10
        self._log = log or (lambda message: print(message, file=sys.stderr, flush=True))
        self._idle: queue.Queue = queue.Queue()
        self._all: set = set()
        self._lock = threading.Lock()
        self._closed = False
        workers = [self._spawn() for _ in range(size)]
        for worker in workers:
            self._await_ready(worker, strict=True)
            self._idle.put(worker)

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
                                       stdout=subprocess.DEVNULL, env=env, close_fds=True)
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        conn.send(self.config)
        worker = _Worker(process, conn)
        with self._lock:
            self._all.add(id(worker))
        return worker

    def _await_ready(self, worker: _Worker, *, strict: bool) -> bool:
        message = None
        try:
            if worker.conn.poll(60):
                message = worker.conn.recv()
        except (EOFError, OSError):
            message = None
        if message and message[0] == "ready":
            return True
        reason = message[1] if message else "did not start"
        self._kill(worker)
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
                    self._idle.put(fresh)
                    return
                time.sleep(0.5 * (attempt + 1))
            self._log("error: could not restart a query worker; the pool is smaller now")

        threading.Thread(target=start, name="kg-worker-restart", daemon=True).start()

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            self._kill(worker)

    # -- running jobs -----------------------------------------------------
    def run(self, job: str, timeout: float | None = None, **args) -> Response:
        """Run ``job`` in an idle worker; raise QueryTimeout, Busy or WorkerCrashed."""
        timeout = self.timeout if timeout is None else timeout
        with self._lock:
            if self._waiting >= self.max_waiting:
                raise Busy(f"too many requests waiting for a query worker ({self._waiting}); try again later")
            self._waiting += 1
        try:
            worker = self._idle.get(timeout=self.queue_timeout)
        except queue.Empty:
            raise Busy(f"all {self.size} query workers stayed busy for {self.queue_timeout:g} s; "
                       "try again later") from None
        finally:
            with self._lock:
                self._waiting -= 1
        try:
            worker.conn.send((job, args))
            if not worker.conn.poll(timeout):
                self._replace(worker)
                raise QueryTimeout(f"query stopped: it ran longer than the {timeout:g} s time limit "
                                   "(kg serve --timeout); simplify it or add a LIMIT")
            response = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._replace(worker)
            raise WorkerCrashed(f"the query worker died while running the query ({type(exc).__name__}); "
                                "it has been restarted") from None
        except PoolError:
            raise
        except BaseException:
            self._replace(worker)
            raise
        self._idle.put(worker)
        return response


# ---------------------------------------------------------------------------
# Inside the worker process
# ---------------------------------------------------------------------------

class Context:
    """What a job sees: the read-only store, the data dir, the limits."""

    def __init__(self, config: dict):
        import pyoxigraph as ox

        from kg.paths import DataDir

        self.config = config
        self.store = ox.Store.read_only(config["store_path"])
        self.data_dir = DataDir(Path(config["data_root"]))
        self.max_rows = int(config.get("max_rows", 10000))
        self.graphs = config.get("graphs", [])


def worker_main(conn) -> None:
    try:
        config = conn.recv()
        context = Context(config)
    except BaseException as exc:  # report why, then stop
        try:
            conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        except OSError:
            pass
        conn.close()
        return
    conn.send(("ready", None))
    from kg.web import jobs

    while True:
        try:
            job, args = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            break
        try:
            response = jobs.dispatch(context, job, args)
        except Exception as exc:  # a bug in a job must not kill the worker
            response = Response(500, "text/plain; charset=utf-8",
                                f"internal error: {type(exc).__name__}: {exc}\n".encode("utf-8"))
        try:
            conn.send(response)
        except (OSError, EOFError, BrokenPipeError):
            break


if __name__ == "__main__":
    import signal
    from multiprocessing.connection import Connection

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us by closing the socket
    worker_main(Connection(int(sys.argv[1])))
