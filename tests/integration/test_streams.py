"""Streams against the mock over loopback: every event once, in order, despite faults.

Each body runs with `Client` and `AsyncClient` (tests/twin.py). The server's own logs
(`mock.state`) are the reference: a test compares the ids it received with them.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import agentrail
from agentrail import (
    RunLagged,
    RunResult,
    RunTerminal,
    StreamOptions,
    StreamSettings,
    TaskEventType,
)
from tests.twin import close, items, resolve, run

pytestmark = pytest.mark.timeout(60)
TRIO = True  # the async bodies run on trio too (tests/twin.py)

FAST = StreamSettings(backoff=agentrail.Backoff(initial=0.01, cap=0.05))


def go(mode: str, mock: Any, body: Any, **options: Any) -> Any:
    """Run `body` against the mock with short reconnect delays."""
    mock.config.update(retry_ms=10)
    options.setdefault("streams", FAST)
    return run(mode, body, api_key=mock.admin_key, base_url=mock.url, **options)


def stream_requests(mock: Any, operation: str) -> list[Any]:
    """The recorded requests of one stream operation, oldest first."""
    return [r for r in mock.requests if r.operation_id == operation]


def task_ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in events]


# ------------------------------------------------------------------ task lifecycle


def test_task_stream_yields_typed_events_in_server_order(mode: str, mock: Any) -> None:
    """The task stream yields TaskLifecycleEvent objects, in the server's order."""

    async def body(client: Any) -> None:
        stream = await resolve(client.stream_events())
        sent = mock.state.emit_task_events(30)
        got = await items(stream, 30)
        await close(stream)
        assert [e.id for e in got] == task_ids(sent)
        assert all(isinstance(e, agentrail.TaskLifecycleEvent) for e in got)
        assert got[0].type in set(TaskEventType)
        assert stream.last_event_id == got[-1].id

    go(mode, mock, body)


def test_task_stream_filters_by_event_type(mode: str, mock: Any) -> None:
    """`event_types` asks the server for those types only, sent as a comma list."""

    async def body(client: Any) -> None:
        wanted = [TaskEventType.TASK_SHIPPED.value, TaskEventType.TASK_REVIEWED.value]
        stream = await resolve(client.stream_events(StreamOptions(event_types=wanted)))
        sent = mock.state.emit_task_events(40)
        expected = [e["id"] for e in sent if e["type"] in wanted]
        got = await items(stream, len(expected))
        await close(stream)
        assert [e.id for e in got] == expected
        query = dict(stream_requests(mock, "stream_task_events")[0].query)
        assert query["event_types"] == ",".join(wanted)

    go(mode, mock, body)


def test_missing_events_read_scope_raises_before_the_stream_opens(
    mode: str, mock: Any
) -> None:
    """A key without events:read raises InsufficientScopeError, not an empty stream."""
    mock.set_key("ar_test_tasks_only", ["tasks:read"])

    async def body(client: Any) -> None:
        with pytest.raises(agentrail.InsufficientScopeError) as info:
            await resolve(client.stream_events())
        assert info.value.required_scope == "events:read"
        assert info.value.status_code == 403

    run(mode, body, api_key="ar_test_tasks_only", base_url=mock.url)


def test_task_stream_resumes_after_a_drop_with_no_loss_or_repeat(
    mode: str, mock: Any
) -> None:
    """After a drop the stream resumes from the last id, dropping repeats."""
    mock.faults.add("drop_after", operation="stream_task_events", n=7)
    mock.faults.add("duplicate_on_resume", operation="stream_task_events", n=3)

    async def body(client: Any) -> None:
        stream = await resolve(client.stream_events())
        sent = mock.state.emit_task_events(40)
        got = await items(stream, 40)
        await close(stream)
        assert [e.id for e in got] == task_ids(sent)
        assert stream.stats["reconnects"] == 1
        assert stream.stats["duplicates"] == 3
        resumed = stream_requests(mock, "stream_task_events")[1]
        assert resumed.headers.get("last-event-id") == sent[6]["id"]

    go(mode, mock, body)


def test_a_drop_before_any_event_resends_the_same_last_event_id(
    mode: str, mock: Any
) -> None:
    """A resumed request that drops at once is retried with the same Last-Event-ID."""
    mock.faults.add("drop_after", operation="stream_task_events", n=5)
    mock.faults.add("drop_after", operation="stream_task_events", n=0)

    async def body(client: Any) -> None:
        stream = await resolve(client.stream_events())
        sent = mock.state.emit_task_events(12)
        got = await items(stream, 12)
        await close(stream)
        assert [e.id for e in got] == task_ids(sent)
        ids = [
            r.headers.get("last-event-id")
            for r in stream_requests(mock, "stream_task_events")
        ]
        assert ids[:3] == [None, sent[4]["id"], sent[4]["id"]]

    go(mode, mock, body)


def test_a_new_stream_resumes_from_the_cursor_of_the_last(mode: str, mock: Any) -> None:
    """`cursor=stream.last_event_id` in a new stream continues with nothing missed."""

    async def body(client: Any) -> None:
        first = await resolve(client.stream_events())
        sent = mock.state.emit_task_events(10)
        await items(first, 6)
        cursor = first.last_event_id
        await close(first)
        sent += mock.state.emit_task_events(5)
        second = await resolve(client.stream_events(StreamOptions(cursor=cursor)))
        got = await items(second, 9)
        await close(second)
        assert [e.id for e in got] == task_ids(sent)[6:]

    go(mode, mock, body)


def test_an_unknown_cursor_raises_cursor_expired(mode: str, mock: Any) -> None:
    """A cursor the server does not know is CursorExpiredError, never a silent skip."""

    async def body(client: Any) -> None:
        with pytest.raises(agentrail.CursorExpiredError):
            await resolve(client.stream_events(StreamOptions(cursor="999999999999")))

    go(mode, mock, body)


def test_a_stalled_stream_reconnects_after_the_heartbeat_deadline(
    mode: str, mock: Any
) -> None:
    """No byte for stall_factor x heartbeat means a dead stream: it reconnects."""
    mock.faults.add("stall_after", operation="stream_task_events", n=3)
    settings = StreamSettings(
        stall_factor=0.5, backoff=agentrail.Backoff(initial=0.01, cap=0.05)
    )

    async def body(client: Any) -> None:
        stream = await resolve(client.stream_events(StreamOptions(heartbeat_seconds=1)))
        sent = mock.state.emit_task_events(8)
        got = await items(stream, 8)
        await close(stream)
        assert [e.id for e in got] == task_ids(sent)
        assert stream.stats["reconnects"] >= 1

    go(mode, mock, body, streams=settings)


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        pytest.param("slow_drip", {}, id="one-byte-chunks"),
        pytest.param("line_endings", {"style": "crlf"}, id="crlf"),
        pytest.param("line_endings", {"style": "cr"}, id="cr-only"),
        pytest.param("bom", {}, id="leading-bom"),
        pytest.param("reset", {}, id="reset-before-headers"),
        pytest.param("status", {"code": 503, "retry_after": 0}, id="503"),
        pytest.param("status", {"code": 429, "retry_after": 0}, id="429"),
    ],
)
def test_wire_faults_lose_and_repeat_nothing(
    mode: str, mock: Any, kind: str, params: dict[str, Any]
) -> None:
    """Odd framing, resets and 429/503 on connect deliver every event exactly once."""
    mock.faults.add(kind, operation="stream_task_events", **params)

    async def body(client: Any) -> None:
        stream = await resolve(client.stream_events())
        sent = mock.state.emit_task_events(6)
        got = await items(stream, 6)
        await close(stream)
        assert [e.id for e in got] == task_ids(sent)

    go(mode, mock, body)


def test_malformed_and_unknown_frames_are_skipped_and_counted(
    mode: str, mock: Any
) -> None:
    """A frame with broken JSON is reported and skipped; unknown types are ignored."""
    mock.faults.add("malformed_at", operation="stream_task_events", n=2)

    async def body(client: Any) -> None:
        stream = await resolve(client.stream_events())
        sent = mock.state.emit_task_events(5)
        got = await items(stream, 4)
        await close(stream)
        assert [e.id for e in got] == [e["id"] for i, e in enumerate(sent) if i != 1]
        assert stream.stats["malformed"] == 1

    go(mode, mock, body)
    # First, and mid-stream where the id-less frame inherits the last id (WHATWG).
    for at in (0, 2):
        mock.reset()
        mock.faults.add("unknown_event", operation="stream_task_events", at=at)

        async def unknown(client: Any) -> None:
            stream = await resolve(client.stream_events())
            sent = mock.state.emit_task_events(5)
            got = await items(stream, 5)
            await close(stream)
            assert [e.id for e in got] == task_ids(sent)
            assert stream.stats["unknown"] == 1 and stream.stats["duplicates"] == 0

        go(mode, mock, unknown)


def test_invalid_utf8_never_crashes_the_stream(mode: str, mock: Any) -> None:
    """Invalid UTF-8 in a frame becomes U+FFFD; that event and the rest arrive."""
    mock.faults.add("invalid_utf8", operation="stream_task_events", n=1)

    async def body(client: Any) -> None:
        stream = await resolve(client.stream_events())
        sent = mock.state.emit_task_events(4)
        got = await items(stream, 4)
        await close(stream)
        assert "\ufffd" in got[0].id
        assert [e.id for e in got[1:]] == task_ids(sent)[1:]

    go(mode, mock, body)


def test_a_200_without_event_stream_raises_a_typed_error(mode: str, mock: Any) -> None:
    """A 2xx answer that is not text/event-stream is StreamContentTypeError."""
    mock.faults.add("wrong_content_type", operation="stream_task_events")

    async def body(client: Any) -> None:
        with pytest.raises(agentrail.StreamContentTypeError):
            await resolve(client.stream_events())

    go(mode, mock, body)


def test_a_stream_that_never_opens_fails_like_a_rest_call(mode: str, mock: Any) -> None:
    """Before a stream opens, failures get max_retries retries, then raise."""
    mock.faults.add("reset", operation="stream_task_events", times=10)

    async def body(client: Any) -> None:
        with pytest.raises(agentrail.APIConnectionError) as info:
            await resolve(client.stream_events())
        assert not isinstance(info.value, agentrail.ReconnectsExhaustedError)

    go(mode, mock, body, max_retries=1, backoff=agentrail.Backoff(0.01, 0.02))
    assert len(stream_requests(mock, "stream_task_events")) == 2


def test_reconnects_stop_after_max_reconnects(mode: str, mock: Any) -> None:
    """Once open, failures in a row beyond max_reconnects raise
    ReconnectsExhaustedError."""
    (first,) = mock.state.emit_task_events(1)
    mock.faults.add("drop_after", operation="stream_task_events", n=0)
    mock.faults.add("reset", operation="stream_task_events", times=10)
    settings = StreamSettings(
        max_reconnects=2, backoff=agentrail.Backoff(initial=0.01, cap=0.02)
    )

    async def body(client: Any) -> None:
        stream = await resolve(client.stream_events(StreamOptions(cursor=first["id"])))
        with pytest.raises(agentrail.ReconnectsExhaustedError) as info:
            await items(stream, 1)
        assert isinstance(info.value.__cause__, agentrail.APIConnectionError)
        assert info.value.last_event_id == first["id"]

    go(mode, mock, body, streams=settings)
    assert len(stream_requests(mock, "stream_task_events")) == 3


# ------------------------------------------------------------------ sessions


def session_ids(mock: Any, session_id: str) -> list[str]:
    return [e["id"] for e in mock.state.session_events[session_id].items]


def say(text: str) -> list[dict[str, Any]]:
    return [{"type": "user.message", "content": [{"type": "text", "text": text}]}]


def test_following_a_session_yields_history_then_live_each_id_once(
    mode: str, mock: Any
) -> None:
    """stream() yields the history, then the live tail, with no id twice
    (docs/streaming.md, "Following a session")."""

    async def body(client: Any) -> None:
        session = await resolve(client.sessions.create())
        events = client.sessions.events(session.id)
        await resolve(events.send(say("before")))
        # One event lands between "stream opened" and "history listed".
        mock.faults.add(
            "append_event", operation="list_session_events", event_type="agent.thinking"
        )
        stream = await resolve(events.stream())
        before = len(session_ids(mock, session.id))
        got = await items(stream, before)
        await resolve(events.send(say("after")))
        got += await items(stream, len(session_ids(mock, session.id)) - before)
        await close(stream)
        assert [e.id for e in got] == session_ids(mock, session.id)
        assert got[0].type == "user.message"

    go(mode, mock, body)


def test_a_followed_session_fills_the_gap_after_a_drop(mode: str, mock: Any) -> None:
    """After a drop the session stream reconnects and lists what it missed."""

    async def body(client: Any) -> None:
        session = await resolve(client.sessions.create())
        events = client.sessions.events(session.id)
        mock.faults.add("drop_after", operation="stream_session_events", n=2)
        stream = await resolve(events.stream())
        await resolve(events.send(say("one")))
        got = await items(stream, len(session_ids(mock, session.id)))
        await resolve(events.send(say("two")))
        got += await items(stream, len(session_ids(mock, session.id)) - len(got))
        await close(stream)
        assert [e.id for e in got] == session_ids(mock, session.id)
        assert stream.stats["reconnects"] == 1
        # The reconnect lists after the last event the dropped connection delivered.
        listed = [r for r in mock.requests if r.operation_id == "list_session_events"]
        assert dict(listed[-1].query).get("after_id") == got[1].id

    go(mode, mock, body)


def test_a_stalled_history_listing_is_a_stalled_stream(mode: str, mock: Any) -> None:
    """The history listing a session stream makes has the stream's stall deadline,
    not the REST read timeout: a listing that hangs is retried within seconds."""
    settings = StreamSettings(
        heartbeat_seconds=1, stall_factor=1.0, backoff=agentrail.Backoff(0.01, 0.02)
    )

    async def body(client: Any) -> None:
        session = await resolve(client.sessions.create())
        await resolve(client.sessions.events(session.id).send(say("hi")))
        mock.faults.add("delay", operation="list_session_events", seconds=30)
        started = time.monotonic()
        stream = await resolve(client.sessions.events(session.id).stream())
        got = await items(stream, 1)
        await close(stream)
        assert got[0].id == session_ids(mock, session.id)[0]
        assert time.monotonic() - started < 10  # one stall deadline, not 60 s

    go(mode, mock, body, streams=settings, backoff=agentrail.Backoff(0.01, 0.02))


# ------------------------------------------------------------------ logs


def test_session_logs_keep_data_raw_and_skip_unknown_types(
    mode: str, mock: Any
) -> None:
    """Log events keep `data` raw, parse on .json(), and skip unknown types."""

    async def body(client: Any) -> None:
        session = await resolve(client.sessions.create())
        mock.faults.add("unknown_event", operation="stream_session_logs")
        mock.faults.add("drop_after", operation="stream_session_logs", n=2)
        stream = await resolve(client.sessions.logs(session.id).stream())
        lines = [mock.state.append_log(session.id, f"line {i}") for i in range(5)]
        got = await items(stream, 5)
        await close(stream)
        assert [e.id for e in got] == [line["id"] for line in lines]
        assert [e.data for e in got] == [line["data"] for line in lines]
        assert got[0].event == "log" and got[0].json()["message"] == "line 0"
        assert stream.stats["unknown"] == 1

    go(mode, mock, body)


def test_a_new_session_stream_resumes_after_a_kept_id(mode: str, mock: Any) -> None:
    """stream(last_event_id=...) yields the events after that id, then live ones."""

    async def body(client: Any) -> None:
        session = await resolve(client.sessions.create())
        events = client.sessions.events(session.id)
        await resolve(events.send(say("one")))
        first = await resolve(events.stream())
        kept = (await items(first, 2))[-1].id
        await close(first)
        await resolve(events.send(say("two")))
        for history in (True, False):
            stream = await resolve(events.stream(last_event_id=kept, history=history))
            ids = session_ids(mock, session.id)
            got = await items(stream, len(ids) - 2)
            await close(stream)
            assert [e.id for e in got] == ids[2:]

    go(mode, mock, body)


def test_a_new_log_stream_resumes_after_a_kept_id(mode: str, mock: Any) -> None:
    """logs.stream(last_event_id=id) resumes with Last-Event-ID: later lines only."""

    async def body(client: Any) -> None:
        session = await resolve(client.sessions.create())
        lines = [mock.state.append_log(session.id, f"line {i}") for i in range(4)]
        logs = client.sessions.logs(session.id)
        stream = await resolve(logs.stream(last_event_id=lines[1]["id"]))
        assert stream.last_event_id == lines[1]["id"]
        got = await items(stream, 2)
        await close(stream)
        assert [e.id for e in got] == [line["id"] for line in lines[2:]]
        with pytest.raises(agentrail.InvalidArgumentError):
            await resolve(logs.stream(last_event_id="bad id\n"))

    go(mode, mock, body)
    (opened, *_) = stream_requests(mock, "stream_session_logs")
    assert opened.headers["last-event-id"]


# ------------------------------------------------------------------ bench runs


async def start_run(client: Any, cases: int) -> Any:
    """A bench with `cases` cases and one run of them."""
    await resolve(client.benches.put("proj", "eval.py", config={"judge": "exact"}))
    for i in range(cases):
        await resolve(
            client.benches.add_case("proj", "eval.py", name=f"c{i}", inputs={"i": i})
        )
    return await resolve(
        client.benches.trigger_run("proj", "eval.py", channel="stable")
    )


def test_run_events_are_typed_and_end_after_terminal(mode: str, mock: Any) -> None:
    """A run yields RunResult per case, then RunTerminal, and the iteration ends."""
    mock.config.update(bench_step_seconds=0.01)

    async def body(client: Any) -> None:
        run_ = await start_run(client, 5)
        sub = await resolve(client.bench_runs.subscribe_run_events(run_.id))
        got = await items(sub)
        seen: list[str] = []
        for event in got:
            match event:
                case RunResult(result=result):
                    seen.append(result.id)
                case RunTerminal(status=status):
                    assert status == agentrail.BenchRunStatus.COMPLETED
        assert isinstance(got[-1], RunTerminal)
        results = await resolve(client.bench_runs.list_results(run_.id))
        assert seen == [r.id for r in results]

    go(mode, mock, body)


def test_subscribing_to_a_missing_run_raises_there(mode: str, mock: Any) -> None:
    """A 404 surfaces from subscribe_run_events, not as an empty stream."""

    async def body(client: Any) -> None:
        with pytest.raises(agentrail.NotFoundError):
            await resolve(client.bench_runs.subscribe_run_events(424242))

    go(mode, mock, body)


def test_fill_gaps_hands_over_every_dropped_result_once(mode: str, mock: Any) -> None:
    """With fill_gaps, a RunLagged is followed by the dropped results from /results."""
    mock.config.update(bench_step_seconds=0.01)
    mock.faults.add("lag", operation="stream_bench_run_events", n=2)

    async def body(client: Any) -> None:
        run_ = await start_run(client, 6)
        sub = await resolve(
            client.bench_runs.subscribe_run_events(run_.id, fill_gaps=True)
        )
        got = await items(sub)
        assert any(isinstance(e, RunLagged) for e in got)
        ids = [e.result.id for e in got if isinstance(e, RunResult)]
        results = await resolve(client.bench_runs.list_results(run_.id))
        assert ids == [r.id for r in results]  # each once, in the server's order
        # The fill listed only what came after the last result handed over.
        lagged = got.index(next(e for e in got if isinstance(e, RunLagged)))
        before = [e.result.id for e in got[:lagged] if isinstance(e, RunResult)]
        fills = [r for r in mock.requests if r.operation_id == "list_bench_run_results"]
        assert dict(fills[0].query).get("after_id") == (before[-1] if before else None)

    go(mode, mock, body)


def test_closing_a_subscription_ends_the_http_request(mode: str, mock: Any) -> None:
    """close()/aclose() closes the response at once; nothing reconnects afterwards."""
    mock.config.update(bench_step_seconds=0.05)

    async def body(client: Any) -> None:
        run_ = await start_run(client, 50)
        sub = await resolve(client.bench_runs.subscribe_run_events(run_.id))
        await items(sub, 1)
        response = sub._response
        await close(sub)
        assert response.is_closed and sub._response is None
        assert await items(sub) == []
        opened = stream_requests(mock, "stream_bench_run_events")
        assert len(opened) == 1

    go(mode, mock, body)


def test_dropping_a_sync_subscription_closes_it(mock: Any) -> None:
    """A sync stream that is garbage-collected closes its response."""
    import gc

    mock.config.update(bench_step_seconds=0.05)
    with agentrail.Client(mock.admin_key, mock.url) as client:
        client.benches.put("p", "s", config={})
        client.benches.add_case("p", "s", name="c", inputs={})
        run_ = client.benches.trigger_run("p", "s", channel="stable")
        sub = client.bench_runs.subscribe_run_events(run_.id)
        response = sub._response
        del sub
        gc.collect()
        assert response is not None and response.is_closed
