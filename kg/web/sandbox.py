"""The query workers' second wall: a network namespace of their own, with no way out.

A worker calls :func:`isolate_network` first thing, while it is still single-threaded.
Linux ``unshare(CLONE_NEWNET)`` moves the process into a new network namespace that has
only a loopback interface, and that one down: no address, inside or outside this machine,
can be reached, whatever a query asks for. It needs CAP_SYS_ADMIN (root); otherwise a new
user namespace is tried first (``CLONE_NEWUSER | CLONE_NEWNET``), which unprivileged
users may create where the kernel allows it. Where neither works (another OS, a container
that forbids namespaces), the worker runs without the wall and the server says so at
start: the parse check of kg.web.guard is then the only protection (documented fallback).
The socket pair to the server is a Unix socket inherited before the call, so it still works.

Layer: top (kg.web). Imports nothing from kg.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import socket
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def isolate_network() -> tuple[bool, str]:
    """Leave the machine's network; return (isolated, how or why not)."""
    if not sys.platform.startswith("linux"):
        return False, f"network namespaces need Linux (this is {sys.platform})"
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    except OSError as exc:
        return False, f"libc not found: {exc}"
    errors = []
    for flags, how in ((CLONE_NEWNET, "network namespace"),
                       (CLONE_NEWUSER | CLONE_NEWNET, "user + network namespace")):
        if libc.unshare(flags) == 0:
            interfaces = [name for _index, name in socket.if_nameindex()]
            if interfaces != ["lo"]:
                return False, f"unshare succeeded but interfaces {interfaces} remain"
            return True, how
        errors.append(f"{how}: {os.strerror(ctypes.get_errno())}")
    return False, "; ".join(errors)
