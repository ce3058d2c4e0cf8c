"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint and linked-data pages over the KG.

This module starts it: the settings, the store to serve, the pool of query workers
(kg.web.worker) and the HTTP server, until SIGINT or SIGTERM. What each route answers is
kg.web.handler; the jobs the workers run are kg.web.jobs (pages: kg.web.views).

Layer: top (kg.web). Imports kg.config, kg.web.handler, kg.web.worker, kg.web.execute and the
store and ops layers.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer

from kg.config import DEFAULTS, Settings
from kg.web.handler import Handler
from kg.web.worker import WorkerPool

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 10000
DEFAULT_WORKERS = 3
DEFAULT_MAX_MEMORY = 1024   # MB of memory per query worker (RLIMIT_DATA)
DEFAULT_PER_CLIENT = 32     # queries one client address may have running or waiting


@dataclass
class ServeSettings:
    """The options of kg serve."""

    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    workers: int = DEFAULT_WORKERS
    max_memory: int = DEFAULT_MAX_MEMORY
    per_client: int = DEFAULT_PER_CLIENT
    quiet: bool = False


class KGServer(ThreadingHTTPServer):
    """The HTTP server: one thread per request (kg.web.handler.Handler), one worker pool."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, settings: ServeSettings, pool: WorkerPool, graphs: list, log):
        self.settings = settings
        self.pool = pool
        self.graphs = graphs
        self.graph_names = [g for g, _ in graphs]
        self.log = log
        super().__init__(address, Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, BrokenPipeError)):
            return  # the client went away
        self.log(f"error while serving {client_address[0]}: {type(exc).__name__}: {exc}")


def resolve_store_path(data_dir, *, settings: Settings = DEFAULTS, progress=None) -> str:
    """The store to serve: the persistent one (``settings.store``, ``kg --store``) brought up
    to date, else the cache's."""
    from kg.store.persistent import store_path, sync_store
    from kg.store.cache import ensure_cache

    entry = ensure_cache(data_dir, settings=settings, progress=progress)
    if settings.store is not None:
        sync_store(entry, settings.store, progress=progress)
        return str(store_path(settings.store))
    return str(entry.store_path)


def list_graphs(store_path: str) -> list:
    """``[(graph IRI, triple count)]`` of the store (read in the server process, then closed)."""
    import pyoxigraph as ox

    from kg.web.execute import GRAPHS_QUERY

    store = ox.Store.read_only(store_path)
    try:
        return [(r["g"].value, int(r["triples"].value)) for r in store.query(GRAPHS_QUERY)]
    finally:
        del store


def make_server(data_dir, store_path: str, settings: ServeSettings, *, log=None,
                kg_settings: Settings = DEFAULTS) -> KGServer:
    """Start the worker pool and bind the HTTP server (not yet serving). ``kg_settings``:
    kg.config.Settings (the cache the search index is built in)."""
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    graphs = list_graphs(store_path)
    from kg.ops.search import search_index

    config = {"store_path": store_path, "data_root": str(data_dir.root), "max_rows": settings.max_rows,
              "graphs": graphs, "max_memory_mb": settings.max_memory,
              # built here: the workers only read it
              "search_index": str(search_index(data_dir, settings=kg_settings))}
    pool = WorkerPool(config, size=settings.workers, timeout=settings.timeout, per_client=settings.per_client,
                      log=log)
    try:
        return KGServer((settings.host, settings.port), settings, pool, graphs, log)
    except BaseException:
        pool.close()
        raise


def network_notice(isolation: dict) -> str:
    """One line for the start-up log: whether the query workers can reach the network."""
    if isolation.get("network_isolated"):
        return f"kg serve: query workers run without a network ({isolation.get('isolation')})"
    return ("kg serve: warning: query workers could not be cut off from the network "
            f"({isolation.get('isolation') or 'unknown'}); the query parse check alone keeps "
            "SERVICE and remote FROM out")


def serve(data_dir, store_path: str, settings: ServeSettings, *, log=None, ready=None,
          kg_settings: Settings = DEFAULTS) -> None:
    """Serve until SIGINT / SIGTERM. ``ready(server)`` is called once the socket is bound."""
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    server = make_server(data_dir, store_path, settings, log=log, kg_settings=kg_settings)
    stop = threading.Event()

    def on_signal(signum, frame):
        if not stop.is_set():
            stop.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    previous = signal.signal(signal.SIGTERM, on_signal) if threading.current_thread() is threading.main_thread() \
        else None
    log(f"kg serve: {server.base_url}/ (SPARQL endpoint {server.base_url}/sparql); "
        f"{settings.workers} workers, timeout {settings.timeout:g} s, max {settings.max_rows} rows, "
        f"memory {f'{settings.max_memory} MB' if settings.max_memory else 'unlimited'} per worker, "
        f"{settings.per_client} queries per client; "
        f"store {store_path}; pid {os.getpid()}")
    log(network_notice(server.pool.isolation))
    if ready:
        ready(server)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.pool.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        log("kg serve: stopped")


__all__ = ["ServeSettings", "make_server", "serve"]
