"""The flows of the four streams: what to connect to, how to resume, what to yield.

Each flow is one generic loop (`follow`) with a `StreamSpec` saying what differs:
- task events, session logs and run events resume by server replay: reconnect with
  `Last-Event-ID` (the header wins over `cursor`, api.md) and drop repeats;
- the session stream is live only, so after every connect the flow lists the history
  after the last id it saw, yields what it had not seen, then the live tail (the
  documented recipe; seed 000). The stream request itself is never retried blindly.

Each stream's builder imports its generated operations (and `_model_events`) itself:
with their models and dateutil they would add a fifth to `import agentrail` for
streams an application may never open (bench/startup.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Mapping
from typing import Any

import attrs
import httpx

from agentrail_api.types import UNSET

from ._base import Call, build
from ._errors import APIError, EventDecodeError
from ._events import (
    LOG_EVENTS,
    TASK_EVENTS,
    RunLagged,
    RunResult,
    RunTerminal,
    _task_event,
)
from ._options import StreamOptions, StreamSettings
from ._params import pager
from ._sse import ServerSentEvent, SSEDecoder
from ._stream import READ, Connect, Dropped, Emit, Fetch, Flow, Sleep, StreamState
from ._validate import (
    check_cursor,
    check_event_types,
    check_id,
    check_int_id,
    check_range,
)

log = logging.getLogger("agentrail")

Items = list[tuple[str, Any]]
Hook = Callable[[Any, str, StreamState], Generator[Any, Any, Items]]


@attrs.frozen
class Limits:
    """The per-stream numbers every spec needs, checked once."""

    heartbeat: int
    """The heartbeat interval asked of the server, in seconds."""
    timeout: httpx.Timeout
    """Connect timeout, and the stall deadline as the read timeout."""
    max_event_bytes: int | None
    """The decoder's cap on one event."""


def limits(
    settings: StreamSettings, timeout: httpx.Timeout, heartbeat: int | None
) -> Limits:
    """A client's stream limits, with `heartbeat` (1-60 s) overriding its default."""
    beat = check_range(
        "heartbeat_seconds",
        settings.heartbeat_seconds if heartbeat is None else heartbeat,
        1,
        60,
    )
    return Limits(
        beat,
        stream_timeout(timeout, beat, settings.stall_factor),
        settings.max_event_bytes,
    )


@attrs.frozen
class StreamSpec:
    """What one kind of stream needs beyond the shared loop."""

    request: Callable[[StreamState], dict[str, Any]]
    """The generated `_get_kwargs` of the stream operation for the current state."""
    table: Mapping[str, Callable[[ServerSentEvent], Any]]
    """`event:` name -> parser; other names are skipped."""
    limits: Limits
    """Heartbeat, timeouts and the event size cap."""
    after_connect: Callable[[StreamState, bool], Generator[Any, Any, Items]] | None = (
        None
    )
    """Runs after each connect (the session history); True on the first."""
    expand: Mapping[type, Hook] = attrs.field(factory=dict)
    """Item type -> hook whose items follow it (missed results after `lagged`)."""
    ends_with: type | None = None
    """The item type after which the stream is over (`RunTerminal`)."""
    resumes: bool = True
    """Whether the server replays after `Last-Event-ID` (not live sessions)."""
    start: str = ""
    """The id to resume after on the first connect: a `last_event_id` kept earlier."""
    before_connect: Callable[[StreamState, bool], Generator[Any, Any, Items]] | None = (
        None
    )
    """Runs before each connect while there is no resume point (the task stream's
    anchor); True until a connect has succeeded."""


def follow(spec: StreamSpec, state: StreamState) -> Flow:
    """Connect, read, reconnect after drops and stalls, until the stream ends."""
    first = True
    while True:
        try:
            if spec.before_connect is not None and not state.last_event_id:
                early = yield from spec.before_connect(state, first)
                if early:
                    state.attempts = 0
                    yield Emit(early)
            request = spec.request(state)
            headers = state.request_headers()
            if not spec.resumes:
                headers.pop("Last-Event-ID", None)
            request["headers"] = {**request.get("headers", {}), **headers}
            request["timeout"] = spec.limits.timeout
            if not (yield Connect(request)):
                return  # 204: nothing to stream
            if spec.after_connect is not None:
                history = yield from spec.after_connect(state, first)
                if history:
                    state.attempts = 0
                    yield Emit(history)
            first = False
            decoder = SSEDecoder(max_event_bytes=spec.limits.max_event_bytes)
            while True:
                chunk = yield READ
                if chunk is None:
                    decoder.end()  # a `retry:` in a cut block still counts
                    if decoder.retry is not None:
                        state.retry_ms = decoder.retry
                    where = " mid-event" if decoder.ended_mid_event else ""
                    raise Dropped(f"the server closed the stream{where}")
                events = decoder.feed(chunk)
                if decoder.retry is not None:
                    state.retry_ms = decoder.retry
                if not events:
                    continue  # a heartbeat, or part of an event
                items, finished, failed = yield from _accept(spec, state, events)
                if items:
                    state.attempts = 0
                    yield Emit(items)
                if failed is not None:
                    raise failed  # after handing over what came before it
                if finished:
                    return
        except APIError as exc:
            # Drops, stalls (read timeouts), 429/5xx: wait, then resume. Final errors
            # (4xx, too many attempts) are raised by on_disconnect.
            yield Sleep(state.on_disconnect(exc))


def _accept(
    spec: StreamSpec, state: StreamState, events: list[ServerSentEvent]
) -> Generator[Any, Any, tuple[Items, bool, APIError | None]]:
    """The new, known, well-formed events of one read, typed; whether the stream is
    over; and the error of a hook that failed (the events before it still count)."""
    out: Items = []
    table, accept, expand = spec.table, state.accept, spec.expand
    for sse in events:
        event_id = sse.id
        # The type first: a frame without `id:` inherits the previous id (WHATWG
        # 9.2.6), so an unknown one would otherwise be miscounted as a repeat.
        parse = table.get(sse.event)
        if parse is None:
            state.unknown += 1
            log.debug("skipping unknown event type %r (id %r)", sse.event, event_id)
            continue
        if event_id and not accept(event_id):
            continue  # delivered before (at-least-once delivery, api.md)
        previous = state.last_event_id
        if event_id:
            state.last_event_id = event_id
        try:
            item = parse(sse)
        except EventDecodeError as exc:
            state.malformed += 1
            log.warning("skipping malformed event: %s", exc)
            continue
        hook = expand.get(type(item)) if expand else None
        more: Items = []
        if hook is not None:
            try:
                more = yield from hook(item, event_id, state)
            except APIError as exc:
                # The missed items were not fetched. Resuming after this event (a
                # `lagged` marker carries the last dropped result's id) would skip
                # them for good; resume from the event before it, and the server
                # replays them.
                state.rewind(event_id, previous)
                return out, False, exc
        out.append((event_id, item))
        out.extend(more)
        if type(item) is spec.ends_with:
            return out, True, None
    return out, False, None


def stream_timeout(base: httpx.Timeout, heartbeat: int, factor: float) -> httpx.Timeout:
    """The timeouts of a stream request: the client's, with a stall deadline as read."""
    # Heartbeats are bytes, so any read resets httpx's read timer: a read timeout of
    # factor x heartbeat detects a dead connection that TCP has not noticed.
    return httpx.Timeout(
        connect=base.connect, read=heartbeat * factor, write=base.write, pool=base.pool
    )


def _walk(
    make: Callable[[str | None], Call[Any]], until: str | None = None
) -> Generator[Any, Any, list[Any]]:
    """Every item of a list operation (up to the one with id `until`), page after
    page, through `Fetch`."""
    out: list[Any] = []
    cursor: str | None = None
    while True:
        page = yield Fetch(make(cursor))
        for item in page.data:
            out.append(item)
            if until is not None and item.id == until:
                return out
        cursor = page.next_cursor if page.has_more else None
        if not cursor:
            return out


def task_events(options: StreamOptions, limits: Limits) -> tuple[StreamSpec, str]:
    """The task lifecycle stream, and its starting cursor.

    `cursor` is sent until the first event arrives; after that `Last-Event-ID` wins.
    """
    # Lazily: see the module docstring.
    from agentrail_api.api.tasks import list_task_events, stream_task_events
    from agentrail_api.models.list_order import ListOrder
    from agentrail_api.models.task_lifecycle_event_page import TaskLifecycleEventPage

    o = options
    types = None if o.event_types is None else check_event_types(o.event_types)
    task_id = None if o.task_id is None else check_id("task_id", o.task_id)
    cursor = None if o.cursor is None else check_cursor("cursor", o.cursor)

    def request(state: StreamState) -> dict[str, Any]:
        return stream_task_events._get_kwargs(
            event_types=types or UNSET,
            task_id=task_id or UNSET,
            cursor=UNSET if state.last_event_id else (cursor or UNSET),
            heartbeat_seconds=limits.heartbeat,
        )

    if cursor is not None:
        return StreamSpec(request, TASK_EVENTS, limits), cursor
    newest = build(
        list_task_events, TaskLifecycleEventPage, limit=1, order=ListOrder.DESC
    )
    every = pager(
        list_task_events, TaskLifecycleEventPage, limit=100, order=None, cursor=None
    )
    wanted = None if types is None else set(types.split(","))

    def anchor(state: StreamState, first: bool) -> Generator[Any, Any, Items]:
        # Without a cursor the stream starts live, so a reconnect before the first
        # event would start live again and skip what came in between. Resume from
        # the newest event at open time instead (the server filters the replay).
        page = yield Fetch(newest)
        if not page.data:
            return []  # no event at all yet: live is exact
        last = page.data[0].id
        missed: Items = []
        if not first:
            # The log was empty when the stream opened: every event up to `last` is
            # new (filtered here as the server would); the replay brings the rest.
            for e in (yield from _walk(every, until=last)):
                event = _task_event(e.to_dict())
                if (wanted is None or event.type in wanted) and (
                    task_id is None or event.task_id == task_id
                ):
                    missed.append((e.id, event))
        state.last_event_id = last
        return [(i, e) for i, e in missed if state.accept(i)]

    return StreamSpec(request, TASK_EVENTS, limits, before_connect=anchor), ""


def session_logs(session_id: str, limits: Limits, after: str | None) -> StreamSpec:
    """A session's log stream, resumed with `Last-Event-ID` (from `after` at first)."""
    from agentrail_api.api.logs import stream_session_logs

    check_id("session_id", session_id)
    start = "" if after is None else check_cursor("last_event_id", after)

    def request(state: StreamState) -> dict[str, Any]:
        return stream_session_logs._get_kwargs(
            session_id, heartbeat_seconds=limits.heartbeat
        )

    return StreamSpec(request, LOG_EVENTS, limits, start=start)


def run_events(run_id: int, fill_gaps: bool, limits: Limits) -> StreamSpec:
    """A bench run's events, until `terminal`; with `fill_gaps`, lags are filled."""
    from agentrail_api.api.benches import list_bench_run_results as listing
    from agentrail_api.api.benches import stream_bench_run_events
    from agentrail_api.models.bench_result_page import BenchResultPage

    from ._model_events import RUN_EVENTS

    check_int_id("run_id", run_id)
    results = pager(
        listing,
        BenchResultPage,
        run_id,
        limit=100,
        order=None,
        cursor=None,
    )

    def request(state: StreamState) -> dict[str, Any]:
        return stream_bench_run_events._get_kwargs(
            run_id, heartbeat_seconds=limits.heartbeat
        )

    def missed(
        item: RunLagged, lagged_id: str, state: StreamState
    ) -> Generator[Any, Any, Items]:
        # The dropped results are still in /results (api.md); hand over the ones
        # not seen yet, in the server's order, right after the `lagged` marker. The
        # marker carries the id of the last dropped result, so that id is not "seen".
        listed = yield from _walk(results)
        missed = [
            (r.id, RunResult(r))
            for r in listed
            if r.id == lagged_id or state.accept(r.id)
        ]
        # The listing holds every result so far, so a reconnect resumes after its
        # last: resuming at the marker would replay all that it handed over.
        if listed:
            state.last_event_id = listed[-1].id
        return missed

    expand: dict[type, Hook] = {RunLagged: missed} if fill_gaps else {}
    return StreamSpec(request, RUN_EVENTS, limits, None, expand, RunTerminal)


def session_events(
    session_id: str, history: bool, limits: Limits, after: str | None
) -> StreamSpec:
    """A session, followed without loss: open the live stream, then list history.

    With `after` (an id kept from an earlier stream) the first listing starts after
    it, and what it lists is yielded whatever `history` says.
    """
    from agentrail_api.api.sessions import list_session_events, stream_session_events
    from agentrail_api.models.session_event_page import SessionEventPage

    from ._model_events import SESSION_EVENTS

    check_id("session_id", session_id)
    start = "" if after is None else check_id("after_id", after)

    def request(state: StreamState) -> dict[str, Any]:
        return stream_session_events._get_kwargs(
            session_id, heartbeat_seconds=limits.heartbeat
        )

    def after_connect(state: StreamState, first: bool) -> Generator[Any, Any, Items]:
        after = state.last_event_id or UNSET
        listed = yield from _walk(
            pager(
                list_session_events,
                SessionEventPage,
                session_id,
                limit=100,
                order=None,
                cursor=None,
                after_id=after,
            )
        )
        out: Items = []
        for event in listed:
            if state.accept(event.id):
                state.last_event_id = event.id
                out.append((event.id, event))
        # On the first connect without `history`, the listing only seeds the ids.
        return out if history or start or not first else []

    # Live only: no Last-Event-ID; the history listing fills every gap instead.
    return StreamSpec(
        request,
        SESSION_EVENTS,
        limits,
        after_connect=after_connect,
        resumes=False,
        start=start,
    )
