"""A hostile server: every answer is a typed error or the right events, in time.

Each test runs with `Client` and `AsyncClient` against a loopback server that sends
scripted bytes (tests/hostile/_server.py): proxy error pages, lying lengths, JSON
cut short or nested past the recursion limit, no answer at all, redirects to another
origin, megabytes without a newline. Timeouts are short and asserted: a hang fails.
"""

from __future__ import annotations

import json
import socket
import time
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import agentrail
from agentrail import StreamOptions, StreamSettings
from tests.hostile._server import (
    Hostile,
    Request,
    Script,
    response,
    serve,
    stream_head,
)
from tests.twin import items, resolve, run

pytestmark = pytest.mark.timeout(30)

KEY = "ar_hostile_SECRET_9f3k"
FAST = agentrail.Backoff(initial=0.01, cap=0.02)
READ = 0.5  # the read timeout of REST calls here, and the stall deadline of streams
OPTIONS: dict[str, Any] = {
    "timeout": httpx.Timeout(READ, connect=1),
    "max_retries": 1,
    "backoff": FAST,
    "streams": StreamSettings(
        max_reconnects=2, stall_factor=READ, heartbeat_seconds=1, backoff=FAST
    ),
}
RUN = {
    "id": 1, "bench_id": 1, "status": "completed", "channel": "stable",
    "notes": None, "total_cases": 1, "completed_cases": 1, "total_cost_usd": 0.1,
    "mcp_session_id": None, "triggered_at": "2026-01-02T03:04:05Z",
    "completed_at": "2026-01-02T03:04:06Z",
}  # fmt: skip
T = "2026-01-02T03:04:05Z"
HTML = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
DEEP = b"[" * 100_000


def task_frame(n: int, data: str | None = None) -> bytes:
    """A task lifecycle event as the API frames it."""
    event = {"id": f"{n:012d}", "type": "task.updated", "sequence": n,
             "created_at": T, "task_id": "t1", "data": {}}  # fmt: skip
    body = json.dumps(event) if data is None else data
    return f"id: {n:012d}\nevent: task.updated\ndata: {body}\n\n".encode()


def answer(
    raw: bytes, *, close: bool = False
) -> Callable[[Request, socket.socket, Hostile], None]:
    """A script that sends the same bytes to every request (then hangs up)."""

    def script(request: Request, sock: socket.socket, hostile: Hostile) -> None:
        sock.sendall(raw)
        if close:
            sock.shutdown(socket.SHUT_RDWR)

    return script


HTML_502 = answer(response(502, HTML, Content_Type="text/html"))  # a proxy's page
CUT = json.dumps(RUN).encode()[:40]  # a JSON body cut short


def as_json(
    status: int,
    body: bytes,
    *,
    close: bool = False,
    length: int | None = None,
    **headers: str,
) -> Callable[[Request, socket.socket, Hostile], None]:
    """A script answering with `body` as application/json."""
    raw = response(
        status, body, length=length, Content_Type="application/json", **headers
    )
    return answer(raw, close=close)


def hold(request: Request, sock: socket.socket, hostile: Hostile) -> None:
    """Accept, read the request, answer nothing until the test is over."""
    hostile.closing.wait(10)


def outcome(mode: str, script: Any, call: Callable[[Any], Any], **options: Any) -> Any:
    """What `call(client)` returns or raises against the scripted server, and the
    seconds it took; the key must not leak into the exception."""

    async def body(client: Any) -> Any:
        started = time.monotonic()
        try:
            result: Any = await resolve(call(client))
        except agentrail.AgentrailError as exc:
            assert KEY not in repr(exc) and KEY not in str(exc)
            result = exc
        return result, time.monotonic() - started

    with serve(script) as hostile:
        result, seconds = run(
            mode, body, api_key=KEY, base_url=hostile.url, **{**OPTIONS, **options}
        )
    return result, seconds, hostile


def get_run(client: Any) -> Any:
    return client.bench_runs.get(1)


# ------------------------------------------------------------------ REST answers

REST = [
    pytest.param(HTML_502, agentrail.InternalServerError, id="html-502-page"),
    pytest.param(
        as_json(500, DEEP),
        agentrail.InternalServerError,
        id="error-body-nested-past-the-recursion-limit",
    ),
    pytest.param(
        as_json(200, CUT), agentrail.APIResponseValidationError, id="truncated-json"
    ),
    pytest.param(
        as_json(200, CUT, length=400, close=True),
        agentrail.APIConnectionError,
        id="connection-closed-before-content-length",
    ),
    pytest.param(
        as_json(200, CUT, length=400),
        agentrail.APITimeoutError,
        id="body-shorter-than-content-length-and-silence",
    ),
    pytest.param(
        as_json(200, DEEP),
        agentrail.APIResponseValidationError,
        id="json-nested-past-the-recursion-limit",
    ),
    pytest.param(
        as_json(200, json.dumps(RUN).encode().replace(b"stable", b"st\xff\xfele")),
        agentrail.APIResponseValidationError,
        id="invalid-utf8-json",
    ),
    pytest.param(
        as_json(200, json.dumps({**RUN, "triggered_at": "99999-01-01"}).encode()),
        agentrail.APIResponseValidationError,
        id="date-out-of-range",
    ),
    pytest.param(
        as_json(200, b"{}", X_Junk="a" * 1_000_000),
        agentrail.APIConnectionError,
        id="1-mb-header",
    ),
    pytest.param(answer(b"HELLO\r\n\r\n"), agentrail.APIConnectionError, id="not-http"),
    pytest.param(
        as_json(200, b"not gzip", Content_Encoding="gzip"),
        agentrail.APIConnectionError,
        id="undecodable-content-encoding",
    ),
    pytest.param(hold, agentrail.APITimeoutError, id="accepts-and-never-answers"),
]


@pytest.mark.parametrize(("script", "expected"), REST)
def test_a_hostile_rest_answer_is_a_typed_error(
    mode: str, script: Any, expected: type[Exception]
) -> None:
    """The call raises the typed error within its timeouts and retries."""
    result, seconds, hostile = outcome(mode, script, get_run)
    assert type(result) is expected, repr(result)
    # Two attempts (max_retries=1) of at most one read timeout each, and a backoff.
    assert seconds < 2 * READ + 1.5
    assert len(hostile.requests) in (1, 2)


def test_a_redirect_to_another_origin_is_not_followed(mode: str) -> None:
    """A 3xx is an APIStatusError; the other origin never sees the request or key."""
    with serve(answer(response(200, json.dumps(RUN).encode()))) as other:

        def script(request: Request, sock: socket.socket, hostile: Hostile) -> None:
            where = f"{other.url}{request.path}"
            sock.sendall(response(307, b"", Location=where))

        result, _, hostile = outcome(mode, script, get_run)
        streamed, _, _ = outcome(mode, script, lambda c: c.stream_events())
    assert type(result) is agentrail.APIStatusError and result.status_code == 307
    assert type(streamed) is agentrail.APIStatusError
    assert other.requests == []
    assert hostile.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_a_same_origin_redirect_is_not_followed_either(mode: str) -> None:
    """Even to the same origin: the SDK builds every URL itself, so a 3xx is an
    answer to report, not a hop to take."""

    def script(request: Request, sock: socket.socket, hostile: Hostile) -> None:
        sock.sendall(response(301, b"", Location="/v1/bench-runs/2"))

    result, _, hostile = outcome(mode, script, get_run)
    assert type(result) is agentrail.APIStatusError and result.status_code == 301
    assert [r.path for r in hostile.requests] == ["/v1/bench-runs/1"]


# ------------------------------------------------------------------ streams


def events(n: int, cursor: str | None = "000000000000") -> Callable[[Any], Any]:
    """Open the task stream (from a cursor, unless None) and take `n` events."""

    async def call(client: Any) -> Any:
        options = StreamOptions(cursor=cursor, heartbeat_seconds=1)
        stream = await resolve(client.stream_events(options))
        try:
            got = await items(stream, n)
            return got, dict(stream.stats)
        finally:
            close = getattr(stream, "aclose", None) or stream.close
            await resolve(close())

    return call


def then_hold(raw: bytes) -> Callable[[Request, socket.socket, Hostile], None]:
    """Send the head of an event stream and `raw`, then keep the connection open
    with heartbeats until the test is over."""

    def script(request: Request, sock: socket.socket, hostile: Hostile) -> None:
        sock.sendall(stream_head() + raw)
        while not hostile.closing.wait(0.3):
            sock.sendall(b": keepalive\n\n")

    return script


def endless(request: Request, sock: socket.socket, hostile: Hostile) -> None:
    """One line that never ends, as fast as the client reads it."""
    sock.sendall(stream_head() + b"data: ")
    chunk = b"x" * 65536
    while not hostile.closing.is_set():
        sock.sendall(chunk)


STREAM_ERRORS = [
    pytest.param(
        answer(response(200, HTML, Content_Type="text/html")),
        agentrail.StreamContentTypeError,
        {},
        id="html-instead-of-a-stream",
    ),
    pytest.param(
        HTML_502,
        agentrail.InternalServerError,
        {},
        id="html-502-on-every-connect",
    ),
    pytest.param(hold, agentrail.APITimeoutError, {}, id="never-answers"),
    pytest.param(
        endless,
        agentrail.EventTooLargeError,
        {"streams": StreamSettings(max_event_bytes=1 << 20)},
        id="endless-line-without-newline",
    ),
    pytest.param(
        then_hold(task_frame(1, json.dumps({"pad": "x" * 10_000_000}))),
        agentrail.EventTooLargeError,
        {"streams": StreamSettings(max_event_bytes=1 << 20)},
        id="10-mb-event-over-a-1-mb-cap",
    ),
]


def test_a_live_stream_opens_with_one_request(mode: str) -> None:
    """Without a cursor the stream's priming id is its resume point: the stream
    request is the only one, and the events after the priming block arrive."""
    primed = then_hold(b"id: 000000000007\n\n" + task_frame(8))
    (got, _), _, hostile = outcome(mode, primed, events(1, None))
    assert [e.id for e in got] == ["000000000008"]
    assert [r.path.split("?")[0] for r in hostile.requests] == [
        "/v1/task-events/stream"
    ]


@pytest.mark.parametrize(
    "head",
    [b": keepalive\n\n", b"retry: 10\n\n", b"event: x\r\n\r\n", b"\n"],
    ids=["heartbeat", "retry-only", "event-only", "blank-line"],
)
def test_a_live_stream_without_a_priming_id_fails_to_open(
    mode: str, head: bytes
) -> None:
    """A first block that sets no id breaks the protocol: the open is retried, then
    APIResponseValidationError, never an endless wait on heartbeats."""
    result, seconds, hostile = outcome(mode, then_hold(head), events(1, None))
    assert type(result) is agentrail.APIResponseValidationError, repr(result)
    assert "priming" in str(result)
    assert seconds < 2
    assert len(hostile.requests) == 2  # max_retries=1


@pytest.mark.parametrize(("script", "expected", "options"), STREAM_ERRORS)
def test_a_hostile_stream_is_a_typed_error_in_time(
    mode: str, script: Any, expected: type[Exception], options: dict[str, Any]
) -> None:
    """Opening or reading the stream raises the typed error, within the stall
    deadline times the attempts allowed."""
    result, seconds, _ = outcome(mode, script, events(1), **options)
    assert type(result) is expected, repr(result)
    assert seconds < 3 * READ + 2


def test_a_10_mb_event_under_the_default_cap_arrives_whole(mode: str) -> None:
    """A 10 MB event (the default cap is 16 MiB) is delivered intact, then the next."""
    pad = "\u00e9" * 5_000_000  # 10 MB of UTF-8
    event = {"id": "000000000001", "type": "task.updated", "sequence": 1,
             "created_at": T, "task_id": "t1", "data": {"pad": pad}}  # fmt: skip
    raw = task_frame(1, json.dumps(event, ensure_ascii=False)) + task_frame(2)
    (got, stats), _, _ = outcome(mode, then_hold(raw), events(2))
    assert [e.id for e in got] == ["000000000001", "000000000002"]
    assert got[0].data["pad"] == pad
    assert stats["malformed"] == 0


def test_broken_frames_are_skipped_and_the_stream_goes_on(mode: str) -> None:
    """Invalid UTF-8, JSON cut short or nested past the recursion limit, a huge
    number and a wrong shape are each counted as malformed; good events still come."""
    broken = [
        task_frame(2, '{"id": "000000000002", "type": "task.upd'),
        task_frame(3, "[" * 100_000),
        task_frame(4, json.dumps({"id": "4", "sequence": 1e400})),
        task_frame(5, "[1, 2, 3]"),
        task_frame(6).replace(b'"t1"', b'"\xff\xfe"'),
    ]
    raw = task_frame(1) + b"".join(broken) + task_frame(7)
    (got, stats), _, _ = outcome(mode, then_hold(raw), events(3))
    assert [e.id for e in got] == ["000000000001", "000000000006", "000000000007"]
    assert got[1].task_id == "\ufffd\ufffd"  # invalid UTF-8 became U+FFFD, not an error
    assert stats["malformed"] == 4


def compressed(raw: bytes, *, corrupt: bool = False) -> Script:
    """`then_hold`, gzip-compressed (`Content-Encoding: gzip`), each write flushed so
    that it can be decoded as it arrives; if `corrupt`, bytes that are not gzip follow
    `raw` (on their own, usually) instead of the heartbeats."""

    def script(request: Request, sock: socket.socket, hostile: Hostile) -> None:
        gzip = zlib.compressobj(wbits=31)  # 31: the gzip container (RFC 1952)
        head = stream_head(Content_Encoding="gzip")
        sock.sendall(head + gzip.compress(raw) + gzip.flush(zlib.Z_SYNC_FLUSH))
        if corrupt:
            time.sleep(0.1)
            sock.sendall(b"\x00not gzip at all" * 100)
        while not hostile.closing.wait(0.3):
            if not corrupt:
                beat = gzip.compress(b": keepalive\n\n") + gzip.flush(zlib.Z_SYNC_FLUSH)
                sock.sendall(beat)

    return script


def corrupt_after(raw: bytes) -> Script:
    """`compressed`: on the first connection `raw`, then bytes that are not gzip; on
    the next ones the task events after the request's Last-Event-ID."""
    frames = {n: task_frame(n) for n in range(1, 4)}

    def script(request: Request, sock: socket.socket, hostile: Hostile) -> None:
        if len(hostile.requests) == 1:
            return compressed(raw, corrupt=True)(request, sock, hostile)
        after = int(request.headers.get("last-event-id", "0"))
        rest = b"".join(f for n, f in frames.items() if n > after)
        return compressed(rest)(request, sock, hostile)

    return script


def test_a_compressed_stream_that_turns_corrupt_is_a_drop(mode: str) -> None:
    """Bytes that do not decompress end the connection like a cut: the events before
    them arrive once, and the stream resumes from the last id."""
    raw = task_frame(1) + task_frame(2)
    (got, stats), _, hostile = outcome(mode, corrupt_after(raw), events(3))
    assert [e.id for e in got] == ["000000000001", "000000000002", "000000000003"]
    assert stats["reconnects"] == 1 and stats["duplicates"] == 0
    # httpx drops the whole read in which decompression fails: if the client reads
    # the events and the bad bytes at once, it resumes from the cursor (0), else from 2.
    assert hostile.requests[1].headers["last-event-id"] in (
        "000000000000",
        "000000000002",
    )


@pytest.mark.parametrize("script", [then_hold, compressed], ids=["plain", "gzip"])
def test_a_compressed_stream_gives_the_events_of_a_plain_one(
    mode: str, script: Callable[[bytes], Any]
) -> None:
    """A stream sent with Content-Encoding: gzip is decompressed as it arrives: the
    events of the same stream sent plain, none held back or malformed."""
    tasks = ["t1", "t\u00e9\u2705", "t3"]  # a character of 2 UTF-8 bytes, one of 3
    frames = [
        task_frame(n).replace(b'"t1"', f'"{task}"'.encode())
        for n, task in enumerate(tasks, 1)
    ]
    (got, stats), _, _ = outcome(mode, script(b"".join(frames)), events(3))
    assert [e.task_id for e in got] == tasks
    assert [e.id for e in got] == ["000000000001", "000000000002", "000000000003"]
    assert stats["malformed"] == 0
