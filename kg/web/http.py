"""The HTTP answer every part of `kg serve` builds: ``Response`` and the text content types.

A job builds its ``Response`` inside a query worker (kg.web.worker), so that only bytes
cross the pipe; the request handler (kg.web.handler) builds its own for what it answers
itself, and sends both the same way.

Layer: top (kg.web). Imports nothing from kg: every kg.web module may import it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    headers: dict = field(default_factory=dict)


def text_response(status: int, message, headers: dict | None = None) -> Response:
    """A plain-text answer: ``message`` and a newline."""
    return Response(status, TEXT, f"{message}\n".encode("utf-8"), headers or {})
