"""A loopback HTTP server that answers with whatever bytes a test scripts.

The mock speaks the API correctly and breaks it only in the ways its fault plan
knows; a hostile server must also send broken HTML, lie about lengths, never answer,
redirect elsewhere or send megabytes without a newline. Each connection runs the
test's `script(request, sock)` in a thread; the requests are recorded.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import attrs


@attrs.frozen
class Request:
    """What the client sent: request line and headers (names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Hostile:
    """A running server: its URL, what it received, and a stop signal for scripts
    that hold a connection open."""

    url: str
    requests: list[Request] = field(default_factory=list)
    closing: threading.Event = field(default_factory=threading.Event)


Script = Callable[[Request, socket.socket, Hostile], None]


def response(
    status: int,
    body: bytes = b"",
    reason: str = "X",
    *,
    length: int | None = None,
    **headers: str,
) -> bytes:
    """A raw HTTP/1.1 response; `length` may lie about the body's size."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    for name, value in headers.items():
        lines.append(f"{name.replace('_', '-')}: {value}")
    lines.append(f"Content-Length: {len(body) if length is None else length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def stream_head(content_type: str = "text/event-stream", **headers: str) -> bytes:
    """Headers of an endless response (no length: it ends when the socket closes),
    `headers` added (`Content_Encoding="gzip"`)."""
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n{extra}"
        "Cache-Control: no-store\r\nConnection: close\r\n\r\n"
    ).encode()


def _read_request(sock: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    method, path, _ = head[0].split(" ", 2)
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Request(method, path, headers)


@contextmanager
def serve(script: Script) -> Iterator[Hostile]:
    """Run `script` for every connection until the block ends."""
    hostile: Hostile

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock: socket.socket = self.request
            sock.settimeout(30)  # a test never waits this long; a thread never hangs
            try:
                while (request := _read_request(sock)) is not None:
                    hostile.requests.append(request)
                    script(request, sock, hostile)
            except OSError:
                pass  # the client went away: that is often the point

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    host, port = server.server_address[:2]
    hostile = Hostile(f"http://{host}:{port}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield hostile
    finally:
        hostile.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
