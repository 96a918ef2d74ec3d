"""SSE semantics (docs/streaming.md, docs/mock.md) as a plain httpx client sees them."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from tests.mock._helpers import data, frames, make_run, read_frames

pytestmark = pytest.mark.timeout(20)
STREAM = "/v1/task-events/stream"
EVENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


def test_frame_format_and_headers(mock: Any, http: httpx.Client) -> None:
    """id, event, one-line JSON data; retry on the first frame only; stream headers."""
    events = mock.state.emit_task_events(4)
    with http.stream("GET", STREAM, params={"cursor": events[0]["id"]}) as response:
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-heartbeat-seconds"] == "15"
        assert response.headers["request-id"]
        raw = next(response.iter_text())
    got = frames(raw)
    assert got[0]["retry"] == "10" and all("retry" not in f for f in got[1:])
    assert [f["id"] for f in got] == [e["id"] for e in events[1:]]
    for frame, event in zip(got, events[1:], strict=True):
        assert EVENT_ID.fullmatch(frame["id"])
        assert frame["event"] == event["type"] and data(frame) == event
    assert raw.startswith("retry: 10\nid: ")


def start_of_log() -> str:
    """The start-of-log id the spec declares on the task stream."""
    from tests.unit._spec import SPEC

    return str(SPEC["paths"][STREAM]["get"]["x-start-of-log-id"])


def test_a_live_stream_opens_with_a_priming_id(mock: Any, http: httpx.Client) -> None:
    """Without a cursor the first block is `id:` alone: the newest event id, whatever
    the filters, or the spec's start-of-log id on an empty log."""
    with http.stream("GET", STREAM) as response:
        assert next(response.iter_text()) == f"retry: 10\nid: {start_of_log()}\n\n"
    events = mock.state.emit_task_events(2, types=["task.updated", "task.shipped"])
    params = {"event_types": "task.updated"}
    with http.stream("GET", STREAM, params=params) as response:
        assert next(response.iter_text()) == f"retry: 10\nid: {events[1]['id']}\n\n"


def test_the_priming_id_is_a_cursor(mock: Any, http: httpx.Client) -> None:
    """Resuming after the start-of-log id replays every event; after a priming id,
    every event after it."""
    events = mock.state.emit_task_events(3)
    with http.stream("GET", STREAM, params={"cursor": start_of_log()}) as response:
        assert [f["id"] for f in frames(next(response.iter_text()))] == [
            e["id"] for e in events
        ]
    with http.stream("GET", STREAM) as response:
        chunks = response.iter_text()
        priming = frames(next(chunks))[0]["id"]
    later = mock.state.emit_task_events(1)
    with http.stream("GET", STREAM, params={"cursor": priming}) as response:
        assert [f["id"] for f in frames(next(response.iter_text()))] == [later[0]["id"]]


def test_heartbeats_when_idle(mock: Any, http: httpx.Client) -> None:
    """Comment lines keep an idle stream alive, every heartbeat_seconds."""
    params = {"heartbeat_seconds": 1}
    started = time.monotonic()
    with http.stream("GET", STREAM, params=params) as response:
        assert response.headers["x-heartbeat-seconds"] == "1"
        chunks = response.iter_text()
        assert next(chunks).startswith("retry: 10\nid: ")  # the priming block
        assert next(chunks) == ": keepalive\n\n"
    assert 0.9 <= time.monotonic() - started < 3
    mock.config.heartbeat_seconds = 1
    with http.stream("GET", STREAM) as response:
        assert response.headers["x-heartbeat-seconds"] == "1"


def test_replay_then_live(mock: Any, http: httpx.Client) -> None:
    """A cursor replays every matching event strictly after it, then goes live."""
    events = mock.state.emit_task_events(3, types=["task.updated", "task.shipped"])
    params = {"cursor": events[0]["id"], "event_types": "task.updated"}
    with http.stream("GET", STREAM, params=params) as response:
        chunks = response.iter_text()
        assert [f["id"] for f in frames(next(chunks))] == [events[2]["id"]]
        live = mock.state.emit_task_events(1, types=["task.updated"])
        assert [f["id"] for f in frames(next(chunks))] == [live[0]["id"]]


def test_last_event_id_wins_over_cursor(mock: Any, http: httpx.Client) -> None:
    events = mock.state.emit_task_events(3)
    headers = {"Last-Event-ID": events[1]["id"]}
    _, got = read_frames(
        http, STREAM, 1, params={"cursor": events[0]["id"]}, headers=headers
    )
    assert got[0]["id"] == events[2]["id"]


def test_expired_or_unknown_cursor_is_410_before_the_stream(
    mock: Any, http: httpx.Client
) -> None:
    events = mock.state.emit_task_events(5)
    mock.config.cursor_retention = 2
    for cursor in ("000999999999", events[0]["id"]):
        response = http.get(STREAM, params={"cursor": cursor})
        assert response.status_code == 410
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"]["code"] == "cursor_expired"
    _, got = read_frames(http, STREAM, 1, params={"cursor": events[3]["id"]})
    assert got[0]["id"] == events[4]["id"]


def test_session_stream_is_live_only(mock: Any, http: httpx.Client) -> None:
    session = http.post("/v1/sessions", json={}).json()
    mock.state.append_session_event(session["id"], "agent.thinking")
    url = f"/v1/sessions/{session['id']}/stream"
    with http.stream("GET", url) as response:
        message = {"type": "user.message", "content": [{"type": "text", "text": "x"}]}
        http.post(f"/v1/sessions/{session['id']}/events", json={"events": [message]})
        got = frames(next(response.iter_text()))
    assert [f["event"] for f in got] == [
        "user.message",
        "session.status_running",
        "agent.message",
        "session.status_idle",
    ]
    assert http.get("/v1/sessions/nope/stream").status_code == 404


def test_logs_replay_after_last_event_id(mock: Any, http: httpx.Client) -> None:
    session = http.post("/v1/sessions", json={}).json()
    lines = [mock.state.append_log(session["id"], f"line {i}") for i in range(3)]
    url = f"/v1/sessions/{session['id']}/logs/stream"
    _, got = read_frames(http, url, 3)
    assert [f["id"] for f in got] == [line["id"] for line in lines]
    assert {f["event"] for f in got} == {"log"}
    assert data(got[0])["message"] == "line 0"  # today's shape, not a contract
    _, resumed = read_frames(http, url, 1, headers={"Last-Event-ID": lines[1]["id"]})
    assert resumed[0]["id"] == lines[2]["id"]
    assert http.get(url, headers={"Last-Event-ID": "zzz"}).status_code == 410


def test_run_events_end_with_terminal(mock: Any, http: httpx.Client) -> None:
    mock.config.bench_step_seconds = 0.01
    run = make_run(http, cases=3)
    url = f"/v1/bench-runs/{run['id']}/events"
    body = http.get(url).text  # the server closes after `terminal`
    got = [f for f in frames(body) if "event" in f]
    assert [f["event"] for f in got] == ["result"] * 3 + ["terminal"]
    assert data(got[-1]) == {"status": "completed"}
    ids = [f["id"] for f in got]
    assert ids == sorted(ids) and len(set(ids)) == 4
    results = http.get(f"/v1/bench-runs/{run['id']}/results").json()["data"]
    assert [data(f) for f in got[:3]] == results
    # A finished run yields its terminal at once, also after the terminal id.
    started = time.monotonic()
    again = [f for f in frames(http.get(url, headers={"Last-Event-ID": ids[-1]}).text)
             if "event" in f]  # fmt: skip
    assert [f["event"] for f in again] == ["terminal"]
    resumed = frames(http.get(url, headers={"Last-Event-ID": ids[1]}).text)
    assert [f["id"] for f in resumed if "event" in f] == ids[2:]
    assert time.monotonic() - started < 1
    assert http.get("/v1/bench-runs/999999/events").status_code == 404


def test_slow_subscriber_gets_lagged(mock: Any, http: httpx.Client) -> None:
    """More live results than the queue holds: the oldest dropped, `lagged` sent."""
    mock.clock.freeze()
    mock.config.bench_step_seconds = 1
    mock.config.run_queue_size = 2
    run = make_run(http, cases=6)
    url = f"/v1/bench-runs/{run['id']}/events"
    with http.stream("GET", url) as response:
        mock.clock.advance(10)  # six results at once
        body = response.read().decode()
    got = [f for f in frames(body) if "event" in f]
    assert [f["event"] for f in got] == ["lagged", "result", "result", "terminal"]
    assert data(got[0]) == {"dropped": 4}
    assert len(http.get(f"/v1/bench-runs/{run['id']}/results").json()["data"]) == 6


def test_errors_are_json_before_the_stream(mock: Any, http: httpx.Client) -> None:
    for response in (
        httpx.get(f"{mock.url}{STREAM}"),
        http.get(STREAM, params={"heartbeat_seconds": 0}),
        http.get(STREAM, params={"cursor": "unknown"}),
    ):
        assert response.status_code in (400, 401, 410)
        assert response.headers["content-type"] == "application/json"
