"""The flows of the four streams: one generator per family, read top to bottom.

A flow yields commands (`_state.py`) and receives their results; the drivers
(`_stream.py`) only carry them out. Each family's flow is a loop of the shared steps
in `_steps.py`, and says in its own body what makes it differ (docs/streaming.md,
"Resume"):

- task events: the server replays after `Last-Event-ID`. Opened without a cursor, the
  stream starts with a priming block (an `id:` and no data) carrying the newest event
  id at that instant, so a drop before the first event resumes from there;
- session logs: replayed from the first line, or after `Last-Event-ID`;
- run events: replayed like logs; a `lagged` marker is followed by the dropped results,
  listed from `/results` (with `fill_gaps`), and `terminal` ends the stream;
- session events: live only, so after each connect the flow lists the history after
  the last id it handed over, then reads the live tail. The stream request itself is
  never retried blindly.

Repeats are dropped by id: within one stream ids increase (openapi.yaml, `EventId`),
so the last id handed over is a high-water mark (`StreamState.accept`).

Each builder imports its generated operations (and `_model_events`) itself: with
their models and dateutil they would add a fifth to `import agentrail` for streams
an application may never open (bench/startup.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentrail_api.types import UNSET

from ._base import Call
from ._errors import APIError
from ._events import (
    LOG_EVENTS,
    TASK_EVENTS,
    RunLagged,
    RunResult,
    RunTerminal,
    unknown_task_event,
)
from ._options import StreamOptions
from ._params import pager
from ._sse import SSEDecoder
from ._state import Emit, Fetch, Flow, StreamState
from ._steps import (
    Items,
    Limits,
    Step,
    StreamSpec,
    connect,
    opened,
    primed,
    receive,
    retry,
    walk,
)
from ._validate import check_cursor, check_event_types, check_id, check_int_id


def task_events(options: StreamOptions, limits: Limits) -> StreamSpec:
    """The task lifecycle stream; `options.cursor` is the id it resumes after."""
    # Lazily: see the module docstring.
    from agentrail_api.api.tasks import stream_task_events

    o = options
    types = None if o.event_types is None else check_event_types(o.event_types)
    task_id = None if o.task_id is None else check_id("task_id", o.task_id)
    cursor = "" if o.cursor is None else check_cursor("cursor", o.cursor)
    request = stream_task_events._get_kwargs(
        event_types=types or UNSET,
        task_id=task_id or UNSET,
        heartbeat_seconds=limits.heartbeat,
    )

    def flow(state: StreamState) -> Flow:
        while True:
            try:
                if not (yield from connect(state, dict(request), limits, resumes=True)):
                    return
                decoder = SSEDecoder(max_event_bytes=limits.max_event_bytes)
                position, items = state.last_event_id, Items()
                if not position:  # opened without a cursor: live, primed
                    position, items = yield from primed(
                        state, decoder, TASK_EVENTS, unknown_task_event
                    )
                yield from opened(state, position)
                if items:
                    yield Emit(items)
                del items  # not kept alive while the stream waits (GC cost)
                while True:
                    batch = receive(state, decoder, TASK_EVENTS, unknown_task_event)
                    yield Emit((yield from batch))
            except APIError as exc:
                yield from retry(state, exc)

    return StreamSpec("task events", flow, cursor)


def session_logs(session_id: str, limits: Limits, after: str | None) -> StreamSpec:
    """A session's log stream, resumed with `Last-Event-ID` (from `after` at first)."""
    from agentrail_api.api.logs import stream_session_logs

    check_id("session_id", session_id)
    start = "" if after is None else check_cursor("last_event_id", after)
    request = stream_session_logs._get_kwargs(
        session_id, heartbeat_seconds=limits.heartbeat
    )

    def flow(state: StreamState) -> Flow:
        while True:
            try:
                if not (yield from connect(state, dict(request), limits, resumes=True)):
                    return
                yield from opened(state, state.last_event_id)
                decoder = SSEDecoder(max_event_bytes=limits.max_event_bytes)
                while True:
                    yield Emit((yield from receive(state, decoder, LOG_EVENTS)))
            except APIError as exc:
                yield from retry(state, exc)

    return StreamSpec(f"logs of session {session_id}", flow, start)


def run_events(
    run_id: int, fill_gaps: bool, limits: Limits, after: str | None = None
) -> StreamSpec:
    """A bench run's events, until `terminal`; with `fill_gaps`, lags are filled.
    Replayed after `Last-Event-ID` like the log stream (from `after` at first)."""
    from agentrail_api.api.benches import list_bench_run_results as listing
    from agentrail_api.api.benches import stream_bench_run_events
    from agentrail_api.models.bench_result_page import BenchResultPage

    from ._model_events import RUN_EVENTS

    check_int_id("run_id", run_id)
    start = "" if after is None else check_cursor("last_event_id", after)
    request = stream_bench_run_events._get_kwargs(
        run_id, heartbeat_seconds=limits.heartbeat
    )

    def missed(after: str, lagged: RunLagged, until: str) -> Step:
        # The dropped results are still in /results (docs/api.md): the ones after
        # the last result handed over, up to the marker's id (the last dropped), in
        # the server's order. Pages of the gap's size: a fill costs what the gap
        # does, not what the run does.
        make = pager(
            listing,
            BenchResultPage,
            run_id,
            limit=max(1, min(100, lagged.dropped)),
            order=None,
            cursor=None,
            after_id=after or UNSET,
        )
        listed = yield from walk(make, limits, until=until)
        return [(r.id, RunResult(r)) for r in listed]

    def handle(state: StreamState, items: Items, before: str) -> Step:
        """Hand over one read's events, lags filled; True once `terminal` is."""
        out: Items = []
        refilled = False
        for event_id, item in items:
            if refilled and not state.accept(event_id):
                continue  # the listing handed it over already
            if type(item) is RunLagged and fill_gaps:
                try:
                    more = yield from missed(before, item, event_id)
                except APIError:
                    # Not fetched: resume before the marker, and the server
                    # replays what it dropped: nothing lagged after all.
                    state.rewind(before)
                    yield Emit(out)
                    raise
                # The marker carries the last dropped result's id; it is handed
                # over at the resume point before it, so a caller who stops there
                # gets the results that follow.
                out.append((before, item))
                state.rewind(before)
                out += [(i, r) for i, r in more if state.accept(i)]
                refilled = True
                continue
            out.append((event_id, item))
            before = event_id
            if type(item) is RunTerminal:
                yield Emit(out)
                return True
        yield Emit(out)
        return False

    def flow(state: StreamState) -> Flow:
        while True:
            try:
                if not (yield from connect(state, dict(request), limits, resumes=True)):
                    return
                yield from opened(state, state.last_event_id)
                decoder = SSEDecoder(max_event_bytes=limits.max_event_bytes)
                while True:
                    before = state.last_event_id
                    batch = receive(state, decoder, RUN_EVENTS)
                    if (yield from handle(state, (yield from batch), before)):
                        return
            except APIError as exc:
                yield from retry(state, exc)

    return StreamSpec(f"events of run {run_id}", flow, start)


def session_events(
    session_id: str, history: bool, limits: Limits, after: str | None
) -> StreamSpec:
    """A session, followed without loss: open the live stream, then list history.

    With `after` (an id kept from an earlier stream) the first listing starts after
    it, and what it lists is yielded whatever `history` says.
    """
    from agentrail_api.api.sessions import list_session_events, stream_session_events
    from agentrail_api.models.list_order import ListOrder
    from agentrail_api.models.session_event_page import SessionEventPage

    from ._model_events import SESSION_EVENTS, unknown_session_event

    check_id("session_id", session_id)
    start = "" if after is None else check_id("after_id", after)
    request = stream_session_events._get_kwargs(
        session_id, heartbeat_seconds=limits.heartbeat
    )

    def history_after(last: str) -> Callable[[str | None], Call[Any]]:
        return pager(
            list_session_events,
            SessionEventPage,
            session_id,
            limit=100,
            order=None,
            cursor=None,
            after_id=last or UNSET,
        )

    # Without `history`, the first listing only says where the history ends.
    newest = pager(
        list_session_events,
        SessionEventPage,
        session_id,
        limit=1,
        order=ListOrder.DESC,
        cursor=None,
    )

    def flow(state: StreamState) -> Flow:
        while True:
            try:
                # Live only: no Last-Event-ID; the history listing fills every gap.
                if not (
                    yield from connect(state, dict(request), limits, resumes=False)
                ):
                    return
                position = state.last_event_id
                if state.opened or history or position:
                    listed = yield from walk(history_after(position), limits)
                    items = [(e.id, e) for e in listed if state.accept(e.id)]
                else:
                    page = yield Fetch(newest(None), limits.timeout)
                    if page.data:
                        state.accept(page.data[0].id)
                        position = state.last_event_id
                    items = []
                yield from opened(state, position)
                if items:
                    yield Emit(items)
                decoder = SSEDecoder(max_event_bytes=limits.max_event_bytes)
                while True:
                    batch = receive(
                        state, decoder, SESSION_EVENTS, unknown_session_event
                    )
                    yield Emit((yield from batch))
            except APIError as exc:
                yield from retry(state, exc)

    return StreamSpec(f"session {session_id}", flow, start)
