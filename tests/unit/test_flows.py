"""The stream flows, driven without sockets: each test is a conversation.

A flow yields commands (`Connect`, `Read`, `Fetch`, `Sleep`, `Opened`, `Emit`) and
receives their results; `Talk` plays the server's side one reply at a time, the way
httpx's tests drive `auth_flow`. Every loss the soak or the wire-fault suite found has
a test here that runs in milliseconds.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import httpx
import pytest

import agentrail
from agentrail._flows import run_events, session_events, task_events
from agentrail._state import (
    Connect,
    Emit,
    Fetch,
    Opened,
    Read,
    Sleep,
    StreamState,
)
from agentrail._steps import Limits, StreamSpec, stream_timeout
from agentrail_api.models.bench_result_page import BenchResultPage
from agentrail_api.models.session_event_page import SessionEventPage
from tests.unit._spec import SPEC

LIMITS = Limits(1, stream_timeout(httpx.Timeout(5.0), 1, 3.0), 1 << 20)
START = SPEC["paths"]["/v1/task-events/stream"]["get"]["x-start-of-log-id"]
T = "2026-01-02T03:04:05+00:00"
FAST = agentrail.Backoff(initial=0.01, cap=0.02)


class Talk:
    """One side of a conversation with a flow: what it asks, what it is told."""

    def __init__(self, spec: StreamSpec, **state: Any) -> None:
        self.state = StreamState(
            name="test", last_event_id=spec.start, backoff=FAST, open_backoff=FAST,
            **state,
        )  # fmt: skip
        self.flow: Generator[Any, Any, None] = spec.flow(self.state)
        self.command: Any = next(self.flow)
        self.emitted: list[tuple[str, Any]] = []
        self.positions: list[str] = []  # where the stream said it opened

    def expect(self, kind: type) -> Any:
        """The command the flow is waiting on, which must be a `kind`."""
        assert isinstance(self.command, kind), f"{self.command!r} is not a {kind}"
        return self.command

    def reply(self, kind: type, value: Any = None) -> Any:
        """Answer the pending `kind` command with `value`; returns the command."""
        command = self.expect(kind)
        self.command = self.flow.send(value)
        self._collect()
        return command

    def fail(self, kind: type, error: BaseException) -> Any:
        """Answer the pending `kind` command with an error."""
        command = self.expect(kind)
        self.command = self.flow.throw(error)
        self._collect()
        return command

    def _collect(self) -> None:
        # Emit needs no answer; Opened and Sleep get None: both pass on here.
        while isinstance(self.command, Emit | Opened | Sleep):
            if isinstance(self.command, Emit):
                self.emitted += self.command.items
            elif isinstance(self.command, Opened):
                self.positions.append(self.command.position)
            elif isinstance(self.command, Sleep):
                return  # the test says when the wait is over
            self.command = self.flow.send(None)

    def ids(self) -> list[str]:
        return [event_id for event_id, _ in self.emitted]


def task(n: int, kind: str = "task.updated") -> bytes:
    """A task lifecycle frame as the API sends it."""
    event = {"id": f"{n:012d}", "type": kind, "sequence": n, "created_at": T,
             "task_id": "t1", "data": {"note": "héllo 世界 🚀"}}  # fmt: skip
    return f"id: {n:012d}\nevent: {kind}\ndata: {json.dumps(event)}\n\n".encode()


def result(n: int) -> dict[str, Any]:
    return {"id": f"{n:012d}", "bench_run_id": 1, "case_id": f"c{n}",
            "execution_id": f"x{n}", "status": "ok", "verdict": "pass",
            "headline_score": 1.0, "cost_usd": 0.01, "duration_ms": 5,
            "created_at": T}  # fmt: skip


def result_frame(n: int) -> bytes:
    return f"id: {n:012d}\nevent: result\ndata: {json.dumps(result(n))}\n\n".encode()


def results_page(ns: list[int], cursor: str | None = None) -> BenchResultPage:
    return BenchResultPage.from_dict(
        {
            "data": [result(n) for n in ns],
            "has_more": cursor is not None,
            "next_cursor": cursor,
        }  # fmt: skip
    )


def session_page(ns: list[int], cursor: str | None = None) -> SessionEventPage:
    data = [{"id": f"{n:012d}", "type": "agent.message", "processed_at": T,
             "content": [{"type": "text", "text": "ça va"}]} for n in ns]  # fmt: skip
    return SessionEventPage.from_dict(
        {"data": data, "has_more": cursor is not None, "next_cursor": cursor}
    )


def headers(command: Connect) -> dict[str, str]:
    return dict(command.request["headers"])


# ------------------------------------------------------------------ task events


def test_a_live_stream_on_an_empty_log_resumes_from_the_start_of_the_log() -> None:
    """Opened on an empty log and dropped before any event, the stream resumes after
    the start-of-log priming id: what was created meanwhile is replayed."""
    talk = Talk(task_events(agentrail.StreamOptions(), LIMITS))
    assert "Last-Event-ID" not in headers(talk.reply(Connect, True))
    talk.reply(Read, f"retry: 10\nid: {START}\n\n".encode())
    assert talk.state.opened and talk.state.last_event_id == START
    talk.reply(Read, None)  # dropped before the first event
    talk.reply(Sleep)
    assert headers(talk.expect(Connect))["Last-Event-ID"] == START
    talk.reply(Connect, True)
    talk.reply(Read, task(1) + task(2))
    assert talk.ids() == ["000000000001", "000000000002"]


def test_a_live_stream_on_a_busy_log_resumes_after_the_newest_id() -> None:
    """The priming id is the newest event at open: a reconnect replays what came
    after it, not live again (soak seed 35894 lost 4,043 events that way)."""
    talk = Talk(task_events(agentrail.StreamOptions(), LIMITS))
    talk.reply(Connect, True)
    talk.reply(Read, b"id: 000000000040\n\n")
    talk.fail(Read, agentrail.APIConnectionError("reset"))
    talk.reply(Sleep)
    assert headers(talk.reply(Connect, True))["Last-Event-ID"] == "000000000040"
    talk.reply(Read, task(41))
    assert talk.ids() == ["000000000041"]


def test_the_priming_id_survives_events_in_the_same_read() -> None:
    """Whatever byte the reads split at, the stream opens at the priming id and
    yields the events after it once each, even when they share a read."""
    body = b"retry: 10\r\nid: 000000000007\r\n\r\n" + task(8) + task(9)
    for cut in range(1, len(body)):
        talk = Talk(task_events(agentrail.StreamOptions(), LIMITS))
        talk.reply(Connect, True)
        talk.reply(Read, body[:cut])
        talk.reply(Read, body[cut:])
        assert talk.positions == ["000000000007"], cut
        assert talk.ids() == ["000000000008", "000000000009"], cut


@pytest.mark.parametrize(
    "head", [b": keepalive\n\n", b"retry: 5\n\n", b"event: x\r\n\r\n", b"\r", b"\n"]
)
def test_a_live_stream_without_a_priming_id_does_not_open(head: bytes) -> None:
    """A first block that sets no id is a broken answer, not a wait for ever: the
    open fails with APIResponseValidationError (after open_retries)."""
    talk = Talk(task_events(agentrail.StreamOptions(), LIMITS), open_retries=0)
    talk.reply(Connect, True)
    with pytest.raises(agentrail.APIResponseValidationError, match="priming"):
        talk.reply(Read, head)


def test_a_cr_and_its_lf_in_two_reads_are_one_line_end() -> None:
    """The LF after a CR that ended the previous read is not a blank line."""
    talk = Talk(task_events(agentrail.StreamOptions(), LIMITS))
    talk.reply(Connect, True)
    talk.reply(Read, b"id: 000000000003\r")
    talk.reply(Read, b"\n\r\n")
    assert talk.positions == ["000000000003"]


def test_a_cursor_resumes_without_priming() -> None:
    """With a cursor the stream opens at once and sends it as Last-Event-ID."""
    talk = Talk(task_events(agentrail.StreamOptions(cursor="000000000005"), LIMITS))
    assert headers(talk.reply(Connect, True))["Last-Event-ID"] == "000000000005"
    assert talk.state.opened
    talk.reply(Read, task(5) + task(6))  # the server repeats one: dropped
    assert talk.ids() == ["000000000006"]
    assert talk.state.duplicates == 1


def test_an_open_that_keeps_failing_raises_the_error_itself() -> None:
    """Before a stream opens, open_retries failures are retried, then the error is
    raised: no silent wait through max_reconnects."""
    talk = Talk(task_events(agentrail.StreamOptions(), LIMITS), open_retries=2)
    refused = agentrail.APIConnectionError("ConnectError: refused")
    for _ in range(2):
        talk.fail(Connect, refused)
        talk.reply(Sleep)
    with pytest.raises(agentrail.APIConnectionError) as info:
        talk.fail(Connect, refused)
    assert info.value is refused


def test_a_dead_stream_is_resumed_max_reconnects_times() -> None:
    """Once open, failures in a row are resumed up to max_reconnects, then
    ReconnectsExhaustedError with the last id."""
    spec = task_events(agentrail.StreamOptions(cursor="000000000005"), LIMITS)
    talk = Talk(spec, max_reconnects=2)
    talk.reply(Connect, True)
    talk.fail(Read, agentrail.APITimeoutError("stall"))
    talk.reply(Sleep)
    talk.fail(Connect, agentrail.APIConnectionError("reset"))
    with pytest.raises(agentrail.ReconnectsExhaustedError) as info:
        talk.reply(Sleep)
        talk.fail(Connect, agentrail.APIConnectionError("reset"))
    assert info.value.last_event_id == "000000000005"


# ------------------------------------------------------------------ run events


def test_after_a_filled_lag_the_stream_resumes_after_the_last_listed_result() -> None:
    """The listing after `lagged` hands over every result after the last one seen;
    a reconnect resumes after its last (soak seed 2 replayed them every time)."""
    talk = Talk(run_events(1, True, LIMITS))
    talk.reply(Connect, True)
    talk.reply(Read, result_frame(1) + b'id: 000000000003\nevent: lagged\n'
               b'data: {"dropped": 2}\n\n')  # fmt: skip
    fetch = talk.reply(Fetch, results_page([2, 3, 4]))
    assert fetch.timeout == LIMITS.timeout  # the stall deadline, not 60 s
    # The gap after the last result handed over, in pages of the gap's size.
    assert fetch.call.request["params"]["after_id"] == "000000000001"
    assert fetch.call.request["params"]["limit"] == 2
    kinds = [type(item).__name__ for _, item in talk.emitted]
    assert kinds == ["RunResult", "RunLagged", "RunResult", "RunResult", "RunResult"]
    assert talk.ids() == [f"{n:012d}" for n in (1, 1, 2, 3, 4)]
    talk.reply(Read, None)
    talk.reply(Sleep)
    assert headers(talk.expect(Connect))["Last-Event-ID"] == "000000000004"


def test_a_gap_fill_stops_at_the_page_holding_the_marker_id() -> None:
    """The listing is walked up to the last dropped result, not to the run's end."""
    talk = Talk(run_events(1, True, LIMITS))
    talk.reply(Connect, True)
    talk.reply(Read, result_frame(1) + b'id: 000000000151\nevent: lagged\n'
               b'data: {"dropped": 150}\n\n')  # fmt: skip
    first = talk.reply(Fetch, results_page(list(range(2, 102)), cursor="c1"))
    assert first.call.request["params"]["limit"] == 100
    talk.reply(Fetch, results_page(list(range(102, 152)), cursor="c2"))
    assert isinstance(talk.command, Read)  # no third page: the gap is filled
    assert talk.ids()[-1] == "000000000151" and len(talk.ids()) == 152


def test_a_failed_gap_fill_resumes_before_the_lag() -> None:
    """If listing the missed results fails, the stream resumes from before the
    `lagged` marker and the server replays them (soak seed 2 lost 277)."""
    talk = Talk(run_events(1, True, LIMITS))
    talk.reply(Connect, True)
    talk.reply(Read, result_frame(1) + b'id: 000000000003\nevent: lagged\n'
               b'data: {"dropped": 2}\n\n' + result_frame(4))  # fmt: skip
    talk.fail(Fetch, agentrail.ServiceUnavailableError(503))
    assert talk.ids() == ["000000000001"]  # no marker: nothing is lost after all
    talk.reply(Sleep)
    assert headers(talk.reply(Connect, True))["Last-Event-ID"] == "000000000001"
    talk.reply(Read, result_frame(2) + result_frame(3) + result_frame(4))
    assert talk.ids() == [f"{n:012d}" for n in (1, 2, 3, 4)]


def test_a_repeated_cursor_stops_the_gap_fill() -> None:
    """A listing that hands back the cursor it was given stops after two requests
    with RepeatedCursorError, and the stream resumes before the lag."""
    talk = Talk(run_events(1, True, LIMITS))
    talk.reply(Connect, True)
    talk.reply(Read, b'id: 000000000003\nevent: lagged\ndata: {"dropped": 3}\n\n')
    talk.reply(Fetch, results_page([1], cursor="c1"))
    fetch = talk.expect(Fetch)
    assert fetch.call.request["params"]["cursor"] == "c1"
    talk.reply(Fetch, results_page([2], cursor="c1"))
    assert talk.emitted == []
    assert isinstance(talk.command, Sleep)  # RepeatedCursorError, then resume
    talk.reply(Sleep)
    assert "Last-Event-ID" not in headers(talk.expect(Connect))


def test_terminal_ends_the_run_stream() -> None:
    """Nothing is read after `terminal`."""
    talk = Talk(run_events(1, False, LIMITS))
    talk.reply(Connect, True)
    with pytest.raises(StopIteration):
        talk.reply(Read, result_frame(1) + b'id: 000000000009\nevent: terminal\n'
                   b'data: {"status": "completed"}\n\n' + result_frame(10))  # fmt: skip
    assert talk.ids() == ["000000000001", "000000000009"]


# ------------------------------------------------------------------ sessions


def test_a_session_lists_its_history_after_each_connect() -> None:
    """Live stream first, then the history after the last id handed over; a
    reconnect lists after the last id, never sends Last-Event-ID."""
    talk = Talk(session_events("ses_1", True, LIMITS, None))
    talk.reply(Connect, True)
    first = talk.reply(Fetch, session_page([1, 2]))
    assert "after_id" not in first.call.request["params"]
    talk.reply(Read, b'id: 000000000002\nevent: agent.message\ndata: {"id": '
               b'"000000000002", "type": "agent.message", "processed_at": "' +
               T.encode() + b'", "content": []}\n\n')  # fmt: skip
    assert talk.ids() == ["000000000001", "000000000002"]  # the live repeat dropped
    talk.reply(Read, None)
    talk.reply(Sleep)
    assert "Last-Event-ID" not in headers(talk.reply(Connect, True))
    again = talk.reply(Fetch, session_page([3]))
    assert again.call.request["params"]["after_id"] == "000000000002"
    assert talk.ids()[-1] == "000000000003"


def test_without_history_a_session_lists_only_its_newest_event() -> None:
    """history=False asks for one event, the newest, to know where history ends."""
    talk = Talk(session_events("ses_1", False, LIMITS, None))
    talk.reply(Connect, True)
    newest = talk.reply(Fetch, session_page([7]))
    assert newest.call.request["params"] == {"limit": 1, "order": "desc"}
    assert talk.emitted == [] and talk.state.last_event_id == "000000000007"


def test_a_repeated_cursor_stops_the_session_history() -> None:
    """The history walk stops on a cursor the server gives twice."""
    talk = Talk(session_events("ses_1", True, LIMITS, None), open_retries=0)
    talk.reply(Connect, True)
    talk.reply(Fetch, session_page([1], cursor="c1"))
    with pytest.raises(agentrail.RepeatedCursorError):
        talk.reply(Fetch, session_page([2], cursor="c1"))
