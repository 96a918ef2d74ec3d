"""Every event type a stream of openapi.yaml announces is emitted by the mock.

The types come from the spec (the tags of each stream's payload union or enum, see
`spec_lint.stream_event_types`); the mock is driven through its API the way a client
drives a server (plus the clock and queue size a slow subscriber needs). A type added
to the spec that nothing in the mock emits fails here, naming the type and where to
make the mock emit it (docs/changing-the-spec.md, "Adding an event type").
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.mock._helpers import frames, make_run, read_frames
from tests.unit._spec import SPEC, spec_lint

pytestmark = pytest.mark.timeout(30)
SSE = "text/event-stream"

# Where the mock makes each stream's events, for the failure message.
EMITTED_IN = {
    "stream_session_events": "State.send_session_events / _agent_turn in "
    "mock/agentrail_mock/state.py",
    "stream_task_events": "the task handlers in mock/agentrail_mock/handlers/tasks.py "
    "(State.append_task_event)",
    "stream_session_logs": "State.append_log in mock/agentrail_mock/state.py",
    "stream_bench_run_events": "RunSource in mock/agentrail_mock/streams.py",
}


def announced() -> dict[str, list[str]]:
    """Stream operationId -> the event types its frame schema announces."""
    out = {}
    for item in SPEC["paths"].values():
        for op in item.values():
            media = op["responses"].get("200", {}).get("content", {}).get(SSE)
            if media is not None:
                out[op["operationId"]] = spec_lint.stream_event_types(
                    SPEC, media["schema"]
                )
    return out


def _say(http: httpx.Client, session_id: str, *texts: str) -> None:
    events = [
        {"type": "user.message", "content": [{"type": "text", "text": t}]}
        for t in texts
    ]
    events.append({"type": "user.interrupt"})
    http.post(f"/v1/sessions/{session_id}/events", json={"events": events})


def emitted(mock: Any, http: httpx.Client) -> dict[str, set[str]]:
    """Stream operationId -> the `event:` names the mock sent in one tour."""
    seen: dict[str, set[str]] = {}
    session = http.post("/v1/sessions", json={}).json()["id"]
    _say(http, session, "hello", "/tool look it up", "/error out of tokens")
    history = http.get(f"/v1/sessions/{session}/events", params={"limit": 100})
    seen["stream_session_events"] = {e["type"] for e in history.json()["data"]}
    logs = mock.state.session_logs[session]
    _, got = read_frames(http, f"/v1/sessions/{session}/logs/stream", len(logs))
    seen["stream_session_logs"] = {f["event"] for f in got}

    task = http.post("/v1/tasks", json={"title": "t"}).json()["id"]
    for status in ("in_progress", "awaiting_user"):
        http.patch(f"/v1/tasks/{task}", json={"status": status})
    review = {"decision": "approved", "summary": "ok"}
    http.post(f"/v1/tasks/{task}/reviews", json=review)
    http.post(f"/v1/tasks/{task}/ship")
    listed = http.get("/v1/task-events", params={"limit": 100}).json()["data"]
    first, rest = listed[0], len(listed) - 1
    cursor = {"cursor": first["id"]}  # the stream replays what follows it
    _, got = read_frames(http, "/v1/task-events/stream", rest, params=cursor)
    seen["stream_task_events"] = {first["type"]} | {f["event"] for f in got}

    # A subscriber slower than its queue: results dropped, `lagged`, `terminal`.
    mock.clock.freeze()
    mock.config.update(bench_step_seconds=1, run_queue_size=2)
    run = make_run(http, cases=6)
    with http.stream("GET", f"/v1/bench-runs/{run['id']}/events") as response:
        mock.clock.advance(10)
        body = response.read().decode()
    seen["stream_bench_run_events"] = {f["event"] for f in frames(body) if "event" in f}
    return seen


def test_every_announced_event_type_is_emitted(mock: Any, http: httpx.Client) -> None:
    """One tour of the mock emits every event type of every stream in the spec."""
    spec = announced()
    assert set(spec) == set(EMITTED_IN), "a stream without an entry in EMITTED_IN"
    seen = emitted(mock, http)
    missing = [
        f"{kind}: announced by {op_id} in openapi.yaml but never emitted by the "
        f"mock; emit it from {EMITTED_IN[op_id]}, and drive it in emitted() of "
        "tests/mock/test_event_coverage.py (docs/changing-the-spec.md)"
        for op_id, kinds in sorted(spec.items())
        for kind in kinds
        if kind not in seen.get(op_id, set())
    ]
    assert not missing, "\n".join(missing)
