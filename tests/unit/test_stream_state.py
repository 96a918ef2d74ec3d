"""The sans-I/O stream state: dedupe window, resume headers and reconnect decisions."""

from __future__ import annotations

import httpx
import pytest

import agentrail
from agentrail._stream import StreamState

FIXED = agentrail.Backoff(initial=1.0, cap=4.0)


def test_repeats_within_the_window_are_refused() -> None:
    """An id seen before is refused and counted as a duplicate."""
    state = StreamState()
    assert state.accept("1") and state.accept("2")
    assert not state.accept("1")
    assert state.duplicates == 1


def test_the_dedupe_window_is_bounded() -> None:
    """The window keeps only the most recent ids, so memory stays flat."""
    state = StreamState(window=3)
    for i in range(100_000):
        state.accept(str(i))
    assert len(state._recent) == 3
    assert not state.accept("99999")
    assert state.accept("0")  # long evicted


def test_the_oldest_ids_leave_the_window_first() -> None:
    """With a full window, each new id evicts the oldest one, in arrival order."""
    state = StreamState(last_event_id="start", window=1000)
    for i in range(5000):
        state.accept(str(i))
    assert len(state._recent) == 1000
    assert not state.accept("4000")  # the oldest id still in the window
    assert state.accept("3999")  # the newest id evicted; it now evicts "4000"
    assert state.accept("4000")
    assert state.accept("start")


def test_last_event_id_is_sent_only_when_not_empty() -> None:
    """Last-Event-ID goes with the request only once an id is known (WHATWG 9.2.3)."""
    state = StreamState()
    assert "Last-Event-ID" not in state.request_headers()
    state.last_event_id = "42"
    headers = state.request_headers()
    assert headers["Last-Event-ID"] == "42"
    assert headers["Accept"] == "text/event-stream"
    assert headers["Cache-Control"] == "no-cache"


def test_the_server_retry_sets_the_first_delay() -> None:
    """The server's `retry:` replaces the initial backoff delay."""
    state = StreamState(backoff=FIXED)
    state.retry_ms = 20
    delay = state.on_disconnect(agentrail.APIConnectionError("drop"))
    assert 0.01 <= delay <= 0.02


def test_retry_after_wins_over_backoff() -> None:
    """A 503 with Retry-After waits exactly that long."""
    state = StreamState(backoff=FIXED)
    error = agentrail.ServiceUnavailableError(503, retry_after=3.0)
    assert state.on_disconnect(error) == 3.0


def test_backoff_grows_and_is_capped() -> None:
    """Failures in a row wait longer each time, up to the cap."""
    state = StreamState(backoff=FIXED, max_reconnects=10)
    delays = [state.on_disconnect(agentrail.APIConnectionError("x")) for _ in range(6)]
    assert delays[0] <= 1.0 and delays[-1] <= 4.0 and delays[-1] >= 2.0


def test_client_errors_are_final() -> None:
    """A 4xx on reconnect is raised: the same request would get the same answer."""
    state = StreamState()
    with pytest.raises(agentrail.CursorExpiredError):
        state.on_disconnect(agentrail.CursorExpiredError(410, code="cursor_expired"))


def test_reconnects_are_bounded_and_chained() -> None:
    """Past max_reconnects in a row, ReconnectsExhaustedError carries the cause."""
    state = StreamState(max_reconnects=2, backoff=FIXED)
    state.last_event_id = "7"
    for _ in range(2):
        state.on_disconnect(agentrail.APITimeoutError("stall"))
    with pytest.raises(agentrail.ReconnectsExhaustedError) as info:
        state.on_disconnect(agentrail.APITimeoutError("stall"))
    assert isinstance(info.value.__cause__, agentrail.APITimeoutError)
    assert info.value.last_event_id == "7"


@pytest.mark.parametrize("heartbeat", [0, 61, True, "15"])
def test_a_bad_heartbeat_is_rejected_before_any_request(heartbeat: object) -> None:
    """heartbeat_seconds outside 1-60 (0 included) raises InvalidArgumentError."""
    from agentrail._flows import limits

    with pytest.raises(agentrail.InvalidArgumentError):
        limits(agentrail.StreamSettings(), httpx.Timeout(5.0), heartbeat)  # type: ignore[arg-type]


def test_the_stall_deadline_is_the_read_timeout() -> None:
    """A stream's read timeout is stall_factor x heartbeat; connect is the client's."""
    from agentrail._flows import limits

    got = limits(
        agentrail.StreamSettings(stall_factor=3.0), httpx.Timeout(9.0, connect=2.0), 4
    )
    assert got.heartbeat == 4
    assert got.timeout.read == 12.0 and got.timeout.connect == 2.0
