"""What the cache and the persistent store share about a cache entry: the graph of an
N-Quads line of ``dataset.nq``, the hint for a damaged entry, and the Damaged signal.

Layer: kg.store; imports nothing from kg. kg.store.cache and kg.store.persistent both import
it, so the persistent store never needs the cache module (no import cycle).
"""
from __future__ import annotations

import re

REBUILD_HINT = "run `kg reason --rebuild` to rebuild the entry"
#: The graph IRI at the end of an N-Quads line of dataset.nq (every quad there has one).
GRAPH_OF_LINE = re.compile(r"<([^<>]*)> \.\s*$")


class Damaged(Exception):
    """Internal: an entry failed a check; ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
