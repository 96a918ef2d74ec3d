"""The fault proxy itself: each fault cuts where it says, in the mock's real bytes,
and is counted once when it fires."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.wire.plan import Refuse, Script, SeededPlan
from tests.wire.proxy import WireProxy
from tests.wire.scan import (
    HEAD_POSITIONS,
    POSITIONS,
    RequestHead,
    RequestScanner,
    ResponseScanner,
    WireFault,
)

pytestmark = pytest.mark.timeout(30)


# ------------------------------------------------------------------ helpers
def say(text: str) -> dict[str, Any]:
    return {"type": "user.message", "content": [{"type": "text", "text": text}]}


def log_session(mock: Any, messages: int = 3) -> str:
    """A session whose log (replayed from its start) holds non-ASCII lines."""
    session = mock.state.create_session()
    mock.state.send_session_events(
        session["id"], [say(f"m{i}") for i in range(messages)]
    )
    return str(session["id"])


def request(path: str, key: str, close: bool = False) -> bytes:
    """A GET; with `close`, the server ends the connection after its answer."""
    fields = ["Host: x", f"Authorization: Bearer {key}", "Accept: text/event-stream"]
    fields += ["Connection: close"] if close else []
    lines = [f"GET {path} HTTP/1.1", *fields, "", ""]
    return "\r\n".join(lines).encode()


def fetch(url: str, raw: bytes, *, timeout: float = 5.0) -> tuple[bytes, str]:
    """Send `raw` on a fresh socket; read until the proxy ends the connection.
    Returns what arrived and how it ended: "fin", "rst" or "silent"."""
    host, port = url.removeprefix("http://").split(":")
    try:
        sock = socket.create_connection((host, int(port)), timeout=timeout)
    except ConnectionResetError:
        return b"", "rst"  # reset before connect() returned
    with sock:
        try:
            sock.sendall(raw)
        except (ConnectionResetError, BrokenPipeError):
            return b"", "rst"  # reset before the request was all sent
        got = b""
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                return got, "rst"
            except TimeoutError:
                return got, "silent"
            if not data:
                return got, "fin"
            got += data


def split_response(raw: bytes) -> tuple[bytes, bytes, bytes]:
    """(head, content de-chunked, the incomplete framing left at the end)."""
    stop = raw.find(b"\r\n\r\n")
    if stop < 0:
        return raw, b"", b""
    head, rest = raw[: stop + 4], raw[stop + 4 :]
    content = b""
    while rest:
        line_end = rest.find(b"\r\n")
        if line_end < 0:
            return head, content, rest  # inside a chunk-size line
        size = int(rest[:line_end], 16)
        data = rest[line_end + 2 : line_end + 2 + size]
        content += data
        if len(data) < size:
            return head, content, b""  # inside a chunk's data
        rest = rest[line_end + 2 + size + 2 :]
    return head, content, b""


def cut_where_it_says(position: str, raw: bytes) -> bool:
    """Whether bytes received before a cut end at `position`."""
    head, content, framing = split_response(raw)
    last_line = content.rsplit(b"\n", 1)[-1]
    if position == "first_byte":
        return raw == b""
    in_head = raw.startswith(b"HTTP/1.1 "[: len(raw)]) and b"\r\n\r\n" not in raw
    if position == "headers":
        return len(raw) > 0 and in_head
    if position == "header_crlf":
        return in_head and raw.endswith(b"\r")
    if position == "after_headers":
        return raw == head and raw.endswith(b"\r\n\r\n")
    if position == "chunk_size":
        return bool(framing) and not framing.endswith(b"\r\n")
    if position in ("id", "data", "heartbeat"):
        prefix = {"id": b"id:", "data": b"data:", "heartbeat": b":"}[position]
        return last_line[:1] != b"" and (
            last_line.startswith(prefix) or prefix.startswith(last_line)
        )
    if position == "utf8":
        try:
            content.decode()
        except UnicodeDecodeError as exc:
            return exc.start >= len(content) - 3 and "unexpected end" in exc.reason
        return False
    if position == "frame_end":
        return content.endswith(b"\n\n")
    raise AssertionError(position)


@pytest.fixture
def logs(mock: Any) -> Iterator[tuple[Any, str]]:
    """The mock with a session log, and the request that streams it."""
    mock.config.update(retry_ms=10)
    session_id = log_session(mock)
    path = f"/v1/sessions/{session_id}/logs/stream?heartbeat_seconds=1"
    yield mock, path


# ------------------------------------------------------------------ the scanner
def synthetic(frames: int = 6, chunk: int = 0) -> bytes:
    """A chunked SSE response like the mock's, with multi-byte text: a chunk per
    frame, or per `chunk` bytes (the mock's slow_drip sends 1)."""
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        b"transfer-encoding: chunked\r\n\r\n"
    )
    body = b""
    for i in range(frames):
        text = f'id: {i:04d}\nevent: log\ndata: {{"m":"ça {i} 終 🚀"}}\n\n'.encode()
        if i == 2:
            text += b": keepalive\n\n"
        size = chunk or len(text)
        for j in range(0, len(text), size):
            body += b"%x\r\n%s\r\n" % (len(text[j : j + size]), text[j : j + size])
    return head + body + b"0\r\n\r\n"


@pytest.mark.parametrize("chunk", [0, 1, 5], ids=["frames", "1-byte", "5-byte"])
@pytest.mark.parametrize("position", POSITIONS)
def test_a_cut_lands_at_the_same_byte_however_the_response_is_split(
    position: str, chunk: int
) -> None:
    """The scanner finds the same cut whether the server's bytes come whole, one
    at a time, or in random pieces, also when lines and characters straddle
    chunks, and the bytes before it end at the position."""
    raw = synthetic(chunk=chunk)
    rng = random.Random(position)
    for at, frac in [(0, 0.0), (1, 0.5), (2, 0.99)]:
        fault = WireFault(position, at=at if position != "heartbeat" else 0, frac=frac)
        offsets = set()
        for pieces in ("whole", "bytes", "random"):
            scanner = ResponseScanner(fault)
            sent, cut, i = b"", None, 0
            while cut is None and i < len(raw):
                step = {"whole": len(raw), "bytes": 1}.get(pieces, rng.randint(1, 40))
                forward, cut = scanner.feed(raw[i : i + step])
                sent += forward
                i += step
            assert cut is not None and cut.offset == len(sent), (pieces, fault)
            assert raw.startswith(sent)
            assert cut_where_it_says(position, sent), (position, sent[-40:])
            offsets.add(cut.offset)
        assert len(offsets) == 1, offsets


def test_without_a_fault_everything_passes_at_once() -> None:
    """A response without a fault is forwarded byte for byte, nothing held back."""
    raw = synthetic()
    scanner = ResponseScanner(None)
    assert scanner.feed(raw[:7]) == (raw[:7], None)
    assert scanner.feed(raw[7:]) == (raw[7:], None)


def test_a_json_body_without_a_final_line_end_is_not_held_back() -> None:
    """A Content-Length body's last line (no line end) is forwarded when it ends."""
    body = '{"text":"naïve"}'.encode()
    raw = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
    forward, cut = ResponseScanner(WireFault("data")).feed(raw)
    assert (forward, cut) == (raw, None)
    forward, cut = ResponseScanner(WireFault("utf8", frac=0.0)).feed(raw)
    assert cut is not None and forward == raw[: raw.index(b"\xc3") + 1]


# ------------------------------------------------------------------ the proxy
@pytest.mark.parametrize("position", POSITIONS)
def test_each_position_cuts_the_mocks_bytes_where_it_says(
    logs: tuple[Any, str], position: str
) -> None:
    """Through the proxy, a FIN cut at each position leaves the client exactly the
    bytes before it, and they end where the position says (UTF-8: mid-character)."""
    mock, path = logs
    fault = WireFault(position, "fin", at=0 if position == "heartbeat" else 1)
    with WireProxy(mock.url, Script([fault])) as proxy:
        got, ended = fetch(proxy.url, request(path, mock.admin_key))
    assert ended == "fin"
    assert cut_where_it_says(position, got), got[-60:]
    assert proxy.counts() == {f"{position}/fin": 1}
    record = proxy.log[0]
    assert record.offset == len(got) and got.endswith(record.before)
    if position not in ("first_byte", "after_headers", "heartbeat", "frame_end"):
        assert record.after  # the cut withheld the rest of what had arrived


def test_a_reset_cut_resets_the_connection(logs: tuple[Any, str]) -> None:
    """An RST cut ends the connection with a reset; what arrived is a prefix of
    what the proxy forwarded (a reset may discard unread bytes)."""
    mock, path = logs
    with WireProxy(mock.url, Script([WireFault("utf8", "rst", at=2)])) as proxy:
        got, ended = fetch(proxy.url, request(path, mock.admin_key))
    assert ended == "rst"
    assert proxy.counts() == {"utf8/rst": 1}
    assert len(got) <= proxy.log[0].offset


def test_a_stall_keeps_the_socket_open_and_silent(logs: tuple[Any, str]) -> None:
    """A stall forwards up to its position, then nothing, with the socket open,
    until the client gives up."""
    mock, path = logs
    with WireProxy(mock.url, Script([WireFault("data", "stall", at=1)])) as proxy:
        got, ended = fetch(proxy.url, request(path, mock.admin_key), timeout=1.5)
        assert ended == "silent"  # 1.5 s without a byte: heartbeats are held too
        assert cut_where_it_says("data", got)
    assert proxy.counts() == {"data/stall": 1}


def test_drip_rechunks_into_one_byte_writes(logs: tuple[Any, str]) -> None:
    """A dripped response arrives whole and unchanged, written one byte at a time."""
    mock, path = logs
    fault = WireFault("frame_end", "fin", at=3, drip=True)
    with WireProxy(mock.url, Script([fault])) as proxy:
        got, _ = fetch(proxy.url, request(path, mock.admin_key))
    assert proxy.drip_writes == len(got) and cut_where_it_says("frame_end", got)


def until_listening(url: str, raw: bytes) -> tuple[bytes, int]:
    """Send `raw` until the proxy listens again: the answer, and how many connects
    were refused (or reset while the listener was closed) before it."""
    refused = 0
    for _ in range(1000):
        try:
            got, _ = fetch(url, raw, timeout=1.5)
        except ConnectionRefusedError:
            got = b""
        if got:
            return got, refused
        refused += 1
        time.sleep(0.01)
    return b"", refused


def test_refusals_reset_or_refuse_connects_then_accept_again(
    logs: tuple[Any, str],
) -> None:
    """accept_rst resets an accepted connection; closed_listener refuses connects
    for a while, then the proxy listens on the same port again."""
    mock, path = logs
    refusals = [Refuse("accept_rst"), Refuse("closed_listener", seconds=1)]
    listing = path.replace("/logs/stream?heartbeat_seconds=1", "/events")
    with WireProxy(mock.url, Script(refusals=refusals)) as proxy:
        raw = request(listing, mock.admin_key, close=True)
        assert fetch(proxy.url, raw)[1] in ("rst", "fin")
        assert fetch(proxy.url, raw)[1] in ("rst", "fin")  # closes the listener
        got, refused = until_listening(proxy.url, raw)
        assert refused >= 1 and got.startswith(b"HTTP/1.1 200")
        assert b'"next_cursor"' in got  # the whole listing
    assert proxy.counts() == {"refuse/accept_rst": 1, "refuse/closed_listener": 1}


def test_an_outage_resets_every_connection_and_refuses_new_ones(
    logs: tuple[Any, str],
) -> None:
    """An outage resets the live stream, refuses connects, then ends."""
    mock, path = logs
    with WireProxy(mock.url, Script([WireFault("data", "outage", at=1)])) as proxy:
        proxy.outage_seconds = 1
        got, ended = fetch(proxy.url, request(path, mock.admin_key))
        assert ended == "rst" and len(got) <= proxy.log[0].offset
        listing = path.replace("/logs/stream?heartbeat_seconds=1", "/events")
        raw = request(listing, mock.admin_key, close=True)
        again, refused = until_listening(proxy.url, raw)
        assert refused >= 1 and again.startswith(b"HTTP/1.1 200")
    assert proxy.counts() == {"data/outage": 1}


def test_a_seeded_plan_replays_and_spares_the_retry_budget() -> None:
    """The same seed plans the same faults; faults that deliver no event (head
    positions, refusals) never come more than `max_empty` in a row."""
    head = RequestHead("GET", "/v1/task-events/stream", {})

    def plan(seed: int) -> list[Any]:
        p = SeededPlan(seed, rate=0.9, refuse_rate=0.3)
        return [p.on_connect() or p.on_request(head) for _ in range(500)]

    assert plan(1) == plan(1) and plan(1) != plan(2)
    for seed in range(5):
        run = 0
        for fault in plan(seed):
            empty = isinstance(fault, Refuse) or (
                fault is not None and fault.position in HEAD_POSITIONS
            )
            run = run + 1 if empty else 0
            assert run <= 2
    other = RequestHead("POST", "/v1/sessions/s/events", {})
    assert all(SeededPlan(3, rate=1).on_request(other) is None for _ in range(50))


def test_requests_are_found_on_a_kept_alive_connection_in_any_split() -> None:
    """Each request on a connection is seen once, with its method and path, however
    its bytes (bodies included) are split."""
    body = '{"title":"café ☕"}'.encode()
    raw = (
        b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
        b"GET /v1/task-events/stream?cursor=1 HTTP/1.1\r\nHost: x\r\n\r\n"
        % (len(body), body)
    )
    for step in (1, 3, 7, len(raw)):
        scanner = RequestScanner()
        heads = [
            h for i in range(0, len(raw), step) for h in scanner.feed(raw[i : i + step])
        ]
        assert [(h.method, h.path) for h in heads] == [
            ("POST", "/v1/tasks"),
            ("GET", "/v1/task-events/stream"),
        ]
