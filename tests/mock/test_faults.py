"""One test per fault kind: what a plain httpx client sees (docs/mock.md, "Faults")."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

import agentrail_mock
from tests.mock._helpers import data, frames, make_run, read_frames

pytestmark = pytest.mark.timeout(20)
STREAM = "/v1/task-events/stream"


def test_drop_after_breaks_the_body_mid_stream(mock: Any, http: httpx.Client) -> None:
    """drop_after n: n events, then the connection closes without the last chunk."""
    mock.state.emit_task_events(10)
    first = mock.state.task_events.items[0]["id"]
    mock.faults.add("drop_after", operation="stream_task_events", n=3)
    seen = b""
    with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
        with http.stream("GET", STREAM, params={"cursor": first}) as response:
            for chunk in response.iter_bytes():
                seen += chunk
    assert len([f for f in frames(seen.decode()) if "event" in f]) == 3


def test_drop_after_zero_on_resume(mock: Any, http: httpx.Client) -> None:
    """drop_after 0: headers, then the close; the client must resend the same id."""
    mock.state.emit_task_events(3)
    cursor = mock.state.task_events.items[0]["id"]
    mock.faults.add("drop_after", operation="stream_task_events", n=0)
    with pytest.raises(httpx.RemoteProtocolError):
        with http.stream("GET", STREAM, headers={"Last-Event-ID": cursor}) as response:
            assert response.status_code == 200
            response.read()
    _, got = read_frames(http, STREAM, 2, headers={"Last-Event-ID": cursor})
    assert [f["id"] for f in got] == [e["id"] for e in mock.state.task_events.items[1:]]


def test_duplicate_on_resume_repeats_delivered_ids(
    mock: Any, http: httpx.Client
) -> None:
    """The resumed stream first replays n ids the client already has."""
    events = mock.state.emit_task_events(5)
    mock.faults.add("duplicate_on_resume", n=2)
    _, got = read_frames(http, STREAM, 4, params={"cursor": events[2]["id"]})
    assert [f["id"] for f in got] == [e["id"] for e in events[1:5]]


def test_malformed_at_sends_broken_json(mock: Any, http: httpx.Client) -> None:
    """Frame n keeps its id and event but its data is truncated JSON; the stream
    goes on, and the fault fires on one request only."""
    events = mock.state.emit_task_events(3)
    mock.faults.add("malformed_at", n=1)
    _, got = read_frames(http, STREAM, 2, params={"cursor": events[0]["id"]})
    with pytest.raises(ValueError):
        data(got[0])
    assert got[0]["id"] == events[1]["id"]
    assert data(got[1])["id"] == events[2]["id"]
    _, again = read_frames(http, STREAM, 2, params={"cursor": events[0]["id"]})
    assert data(again[0])["id"] == events[1]["id"]


def test_stall_after_goes_silent(mock: Any, http: httpx.Client) -> None:
    """stall_after n: n events, then nothing at all (no heartbeats): ReadTimeout."""
    events = mock.state.emit_task_events(4)
    mock.faults.add("stall_after", n=1)
    params = {"cursor": events[0]["id"], "heartbeat_seconds": 1}
    got = b""
    with pytest.raises(httpx.ReadTimeout):
        with http.stream("GET", STREAM, params=params, timeout=1.5) as response:
            for chunk in response.iter_bytes():
                got += chunk
    assert got.count(b"event:") == 1 and b"keepalive" not in got


@pytest.mark.parametrize("code", [429, 503])
def test_status_with_retry_after(mock: Any, http: httpx.Client, code: int) -> None:
    """The error envelope plus Retry-After; the next call succeeds."""
    mock.faults.add("status", operation="list_tasks", code=code, retry_after=2)
    response = http.get("/v1/tasks")
    assert response.status_code == code
    assert response.headers["Retry-After"] == "2"
    error = response.json()["error"]
    assert error["code"] == {429: "rate_limited", 503: "unavailable"}[code]
    assert error["request_id"] == response.headers["Request-Id"]
    assert http.get("/v1/tasks").status_code == 200


def test_delay_sleeps_before_handling(mock: Any, http: httpx.Client) -> None:
    mock.faults.add("delay", operation="list_tasks", seconds=0.3)
    started = time.monotonic()
    assert http.get("/v1/tasks").status_code == 200
    assert time.monotonic() - started >= 0.3
    with pytest.raises(httpx.ReadTimeout):
        mock.faults.add("delay", seconds=1)
        http.get("/v1/tasks", timeout=0.2)


def test_unknown_event_has_no_id(mock: Any, http: httpx.Client) -> None:
    """After `at` events, an extra frame of an unknown type, valid JSON, no id."""
    events = mock.state.emit_task_events(3)
    mock.faults.add("unknown_event", at=1)
    _, got = read_frames(http, STREAM, 3, params={"cursor": events[0]["id"]})
    assert [f.get("id") for f in got] == [events[1]["id"], None, events[2]["id"]]
    assert got[1]["event"] == "mock.unknown_event"
    assert data(got[1])["type"] == "mock.unknown_event"


def test_lag_forces_lagged_on_run_events(mock: Any, http: httpx.Client) -> None:
    """lag n: n results skipped and a `lagged {dropped: n}` in their place."""
    mock.config.bench_step_seconds = 0.01
    run = make_run(http, cases=5)
    mock.faults.add("lag", n=2)
    response, got = read_frames(http, f"/v1/bench-runs/{run['id']}/events", 10)
    assert [f["event"] for f in got] == [
        "lagged",
        "result",
        "result",
        "result",
        "terminal",
    ]
    assert data(got[0]) == {"dropped": 2}
    results = http.get(f"/v1/bench-runs/{run['id']}/results").json()["data"]
    assert got[0]["id"] == results[1]["id"] and len(results) == 5


def test_reset_before_headers(mock: Any, http: httpx.Client) -> None:
    """The connection is reset before any response byte."""
    mock.faults.add("reset", operation="list_tasks")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        http.get("/v1/tasks")
    assert http.get("/v1/tasks").status_code == 200


def test_slow_drip_one_byte_per_chunk(mock: Any, http: httpx.Client) -> None:
    """Every body byte in its own chunk; the content is unchanged."""
    events = mock.state.emit_task_events(2)
    mock.faults.add("slow_drip", operation="stream_task_events")
    chunks: list[bytes] = []
    with http.stream("GET", STREAM, params={"cursor": events[0]["id"]}) as response:
        for chunk in response.iter_raw():
            chunks.append(chunk)
            if b"".join(chunks).endswith(b"\n\n"):
                break
    assert max(len(c) for c in chunks) == 1
    assert data(frames(b"".join(chunks).decode())[0])["id"] == events[1]["id"]


@pytest.mark.parametrize(("style", "eol"), [("crlf", b"\r\n"), ("cr", b"\r")])
def test_line_endings(mock: Any, http: httpx.Client, style: str, eol: bytes) -> None:
    events = mock.state.emit_task_events(2)
    mock.faults.add("line_endings", style=style)
    with http.stream("GET", STREAM, params={"cursor": events[0]["id"]}) as response:
        raw = next(response.iter_raw())
    assert raw.endswith(eol + eol)
    assert (
        b"\n" not in raw.replace(b"\r\n", b"") if style == "crlf" else b"\n" not in raw
    )
    assert frames(raw.decode())[0]["id"] == events[1]["id"]


def test_bom_leads_the_body(mock: Any, http: httpx.Client) -> None:
    events = mock.state.emit_task_events(2)
    mock.faults.add("bom")
    with http.stream("GET", STREAM, params={"cursor": events[0]["id"]}) as response:
        raw = next(response.iter_raw())
    assert raw.startswith(b"\xef\xbb\xbfretry: 10\n")


def test_invalid_utf8_in_a_data_value(mock: Any, http: httpx.Client) -> None:
    """Frame n's data holds bytes that are not UTF-8; httpx's text decoding replaces
    them, and a strict decode fails."""
    events = mock.state.emit_task_events(3)
    mock.faults.add("invalid_utf8", n=1)
    raw = b""
    with http.stream("GET", STREAM, params={"cursor": events[0]["id"]}) as response:
        for chunk in response.iter_raw():
            raw += chunk
            if raw.count(b"\n\n") >= 2:
                break
    first, second = raw.split(b"\n\n")[:2]
    with pytest.raises(UnicodeDecodeError):
        first.decode()
    assert b'data: {"id":"\xff\xfe' in first
    assert data(frames(second.decode())[0])["id"] == events[2]["id"]


def test_wrong_content_type_on_a_stream(mock: Any, http: httpx.Client) -> None:
    mock.faults.add("wrong_content_type", operation="stream_task_events")
    response = http.get(STREAM)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.json(), dict)


def test_append_event_lands_between_open_and_list(
    mock: Any, http: httpx.Client
) -> None:
    """The follow-a-session race: an event emitted after the stream opened and before
    the history was listed shows up in both; the client dedupes by id."""
    session = http.post("/v1/sessions", json={}).json()
    old = mock.state.append_session_event(session["id"], "agent.thinking")
    mock.faults.add("append_event", event_type="agent.message", content="racing")
    url = f"/v1/sessions/{session['id']}/stream"
    with http.stream("GET", url) as stream:
        listed = http.get(f"/v1/sessions/{session['id']}/events").json()["data"]
        raw = next(stream.iter_raw())
    live = [f for f in frames(raw.decode()) if "event" in f]
    assert [e["id"] for e in listed][0] == old["id"]
    assert live[0]["id"] == listed[-1]["id"]
    assert data(live[0])["content"] == [{"type": "text", "text": "racing"}]


def test_reset_without_a_socket_raises_in_the_transport() -> None:
    """In-process (ASGI) there is no connection to reset: the transport raises."""
    app = agentrail_mock.create_app()
    app.state.faults.add("reset")
    transport = httpx.ASGITransport(app=app)

    async def call() -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as c:
            await c.get("/v1/tasks", headers={"Authorization": "Bearer ar_test_admin"})

    with pytest.raises(ConnectionResetError):
        asyncio.run(call())
