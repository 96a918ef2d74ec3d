"""The sans-I/O stream state: the high-water mark, resume headers, open and
reconnect decisions."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import agentrail
from agentrail._state import StreamState

FIXED = agentrail.Backoff(initial=1.0, cap=4.0)


def test_an_id_not_after_the_last_is_a_repeat() -> None:
    """An id at or before the last one handed over is refused and counted."""
    state = StreamState()
    assert state.accept("000000000001") and state.accept("000000000002")
    assert not state.accept("000000000001")
    assert not state.accept("000000000002")
    assert state.duplicates == 2
    assert state.last_event_id == "000000000002"


def test_ids_are_ordered_by_length_then_characters() -> None:
    """Plain decimal ids compare as numbers: "10" comes after "9" (openapi EventId)."""
    state = StreamState(last_event_id="9")
    assert state.accept("10")
    assert not state.accept("9") and not state.accept("09")
    assert state.accept("11") and state.accept("100")


def test_the_dedupe_state_is_constant_in_size() -> None:
    """However many events pass, the state keeps one id: the high-water mark."""
    state = StreamState()
    for i in range(100_000):
        assert state.accept(f"{i:012d}")
    assert state.last_event_id == f"{99_999:012d}"
    assert not vars(state).get("_recent")  # no set of ids grows with the stream


def test_rewind_lets_a_replay_through() -> None:
    """After rewind(id), the ids after it are new again (the server replays them)."""
    state = StreamState(last_event_id="000000000005")
    state.accept("000000000009")
    state.rewind("000000000005")
    assert state.accept("000000000006")


def test_last_event_id_is_sent_only_when_not_empty() -> None:
    """Last-Event-ID goes with the request only once an id is known (WHATWG 9.2.3)."""
    state = StreamState()
    assert "Last-Event-ID" not in state.request_headers()
    state.last_event_id = "42"
    headers = state.request_headers()
    assert headers["Last-Event-ID"] == "42"
    assert headers["Accept"] == "text/event-stream"
    assert headers["Cache-Control"] == "no-cache"


def opened(**kwargs: object) -> StreamState:
    state = StreamState(**kwargs)  # type: ignore[arg-type]
    state.open()
    return state


def test_the_server_retry_sets_the_first_delay() -> None:
    """The server's `retry:` replaces the initial backoff delay of a reconnect."""
    state = opened(backoff=FIXED)
    state.retry_ms = 20
    delay = state.on_disconnect(agentrail.APIConnectionError("drop"))
    assert 0.01 <= delay <= 0.02


def test_retry_after_wins_over_backoff() -> None:
    """A 503 with Retry-After waits exactly that long, opening or reconnecting."""
    for state in (StreamState(open_backoff=FIXED), opened(backoff=FIXED)):
        error = agentrail.ServiceUnavailableError(503, retry_after=3.0)
        assert state.on_disconnect(error) == 3.0


def test_backoff_grows_and_is_capped() -> None:
    """Reconnects in a row wait longer each time, up to the cap."""
    state = opened(backoff=FIXED, max_reconnects=10)
    delays = [state.on_disconnect(agentrail.APIConnectionError("x")) for _ in range(6)]
    assert delays[0] <= 1.0 and delays[-1] <= 4.0 and delays[-1] >= 2.0


def test_client_errors_are_final() -> None:
    """A 4xx is raised at once: the same request would get the same answer."""
    for state in (StreamState(), opened()):
        with pytest.raises(agentrail.CursorExpiredError):
            state.on_disconnect(
                agentrail.CursorExpiredError(410, code="cursor_expired")
            )


def test_an_open_is_retried_like_a_rest_call() -> None:
    """Before it opens, a stream retries open_retries times, then raises the error."""
    state = StreamState(open_retries=2, open_backoff=FIXED, max_reconnects=10)
    error = agentrail.APIConnectionError("refused")
    assert state.on_disconnect(error) <= 1.0
    assert state.on_disconnect(error) <= 2.0
    with pytest.raises(agentrail.APIConnectionError) as info:
        state.on_disconnect(error)
    assert info.value is error
    assert state.reconnects == 0


def test_reconnects_are_bounded_and_chained() -> None:
    """Past max_reconnects in a row, ReconnectsExhaustedError carries the cause."""
    state = opened(max_reconnects=2, backoff=FIXED)
    state.last_event_id = "7"
    for _ in range(2):
        state.on_disconnect(agentrail.APITimeoutError("stall"))
    with pytest.raises(agentrail.ReconnectsExhaustedError) as info:
        state.on_disconnect(agentrail.APITimeoutError("stall"))
    assert isinstance(info.value.__cause__, agentrail.APITimeoutError)
    assert info.value.last_event_id == "7"


def test_an_accepted_event_resets_the_count() -> None:
    """A connection that delivers a new event starts the count of failures afresh."""
    state = opened(max_reconnects=1, backoff=FIXED)
    state.on_disconnect(agentrail.APITimeoutError("stall"))
    state.accept("1")
    state.on_disconnect(agentrail.APITimeoutError("stall"))
    assert state.reconnects == 2


@pytest.mark.parametrize("heartbeat", [0, 61, True, "15"])
def test_a_bad_heartbeat_is_rejected_before_any_request(heartbeat: object) -> None:
    """heartbeat_seconds outside 1-60 (0 included) raises InvalidArgumentError."""
    from agentrail._steps import limits

    with pytest.raises(agentrail.InvalidArgumentError):
        limits(agentrail.StreamSettings(), httpx.Timeout(5.0), heartbeat)  # type: ignore[arg-type]


def test_the_stall_deadline_is_the_read_timeout() -> None:
    """A stream's read timeout is stall_factor x heartbeat; connect is the client's."""
    from agentrail._steps import limits

    got = limits(
        agentrail.StreamSettings(stall_factor=3.0), httpx.Timeout(9.0, connect=2.0), 4
    )
    assert got.heartbeat == 4
    assert got.timeout.read == 12.0 and got.timeout.connect == 2.0


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="019a", max_size=3), st.lists(st.text(alphabet="019a", max_size=3))
)
def test_an_id_is_kept_when_it_sorts_after_the_mark(start: str, ids: list[str]) -> None:
    """`accept` keeps an id exactly when it sorts after the last one kept by (length,
    characters), or when none is kept yet (openapi.yaml `EventId`)."""
    state = StreamState(last_event_id=start)
    mark = start
    for event_id in ids:
        after = not mark or (len(event_id), event_id) > (len(mark), mark)
        assert state.accept(event_id) is after
        mark = event_id if after else mark
    assert state.last_event_id == mark
