"""The flows of the four streams: one generator per family, read top to bottom.

A flow yields commands (`_stream.py`) and receives their results; the drivers only carry
them out. Each family's flow is a loop of shared steps, and says in its own body what
makes it differ (docs/streaming.md, "Resume"):

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

import logging
import re
from collections.abc import Callable, Generator, Mapping
from typing import Any

import attrs
import httpx

from agentrail_api.types import UNSET

from ._base import Call, walked
from ._errors import APIError, APIResponseValidationError, EventDecodeError
from ._events import (
    LOG_EVENTS,
    TASK_EVENTS,
    RunLagged,
    RunResult,
    RunTerminal,
    unknown_task_event,
)
from ._options import StreamOptions, StreamSettings
from ._params import pager
from ._sse import ServerSentEvent, SSEDecoder
from ._stream import (
    READ,
    Connect,
    Dropped,
    Emit,
    Fetch,
    Flow,
    Opened,
    Sleep,
    StreamState,
)
from ._validate import (
    check_cursor,
    check_event_types,
    check_id,
    check_int_id,
    check_range,
)

log = logging.getLogger("agentrail")
# A library's records go where the application sends them: without this, Python's
# last-resort handler would print WARNING lines to stderr (logging HOWTO, "Configuring
# Logging for a Library").
log.addHandler(logging.NullHandler())

Items = list[tuple[str, Any]]
Parser = Callable[[ServerSentEvent], Any]
Step = Generator[Any, Any, Any]


@attrs.frozen
class Limits:
    """The per-stream numbers every flow needs, checked once."""

    heartbeat: int
    """The heartbeat interval asked of the server, in seconds."""
    timeout: httpx.Timeout
    """Connect timeout, and the stall deadline as the read timeout; the listings a
    flow makes itself use it too, so a stalled listing is a stalled stream."""
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


def stream_timeout(base: httpx.Timeout, heartbeat: int, factor: float) -> httpx.Timeout:
    """The timeouts of a stream request: the client's, with a stall deadline as read."""
    # Heartbeats are bytes, so any read resets httpx's read timer: a read timeout of
    # factor x heartbeat detects a dead connection that TCP has not noticed. A pool
    # that is full is full of streams, which do not end soon: waiting for one as
    # long as for a connection is enough.
    return httpx.Timeout(
        connect=base.connect,
        read=heartbeat * factor,
        write=base.write,
        pool=base.connect,
    )


@attrs.frozen
class StreamSpec:
    """A stream ready to start: its flow, and the id it resumes after at first."""

    name: str
    """What the stream follows, for log lines."""
    flow: Callable[[StreamState], Flow]
    """Makes the flow for a fresh state."""
    start: str = ""
    """The id to resume after on the first connect: a `last_event_id` kept earlier."""


# The shared steps. Each is a generator the flows call with `yield from`.


def connect(
    state: StreamState, request: dict[str, Any], limits: Limits, *, resumes: bool
) -> Generator[Connect, bool, bool]:
    """Open the stream request; False if the server has nothing to stream (204)."""
    headers = state.request_headers()
    if not resumes:
        headers.pop("Last-Event-ID", None)
    request["headers"] = {**request.get("headers", {}), **headers}
    request["timeout"] = limits.timeout
    opened: bool = yield Connect(request)
    return opened


def read(
    state: StreamState,
    decoder: SSEDecoder,
    table: Mapping[str, Parser],
    default: Parser | None = None,
) -> Generator[Any, Any, Items]:
    """One read's new, known, well-formed events, typed (maybe none); raises `Dropped`
    when the server ends the response."""
    chunk = yield READ
    if chunk is None:
        decoder.end()  # a `retry:` in a cut block still counts (WHATWG 9.2.6)
        if decoder.retry is not None:
            state.retry_ms = decoder.retry
        where = " mid-event" if decoder.ended_mid_event else ""
        raise Dropped(f"the server closed the stream{where}")
    events = decoder.feed(chunk)
    if decoder.retry is not None:
        state.retry_ms = decoder.retry
    return typed(state, events, table, default) if events else []


def receive(
    state: StreamState,
    decoder: SSEDecoder,
    table: Mapping[str, Parser],
    default: Parser | None = None,
) -> Generator[Any, Any, Items]:
    """The next new events, reading until there is at least one."""
    while True:
        items = yield from read(state, decoder, table, default)
        if items:
            return items


def typed(
    state: StreamState,
    events: list[ServerSentEvent],
    table: Mapping[str, Parser],
    default: Parser | None = None,
) -> Items:
    """The new, known, well-formed `events` as `(id, item)`, marked as seen."""
    out: Items = []
    for sse in events:
        # The type first: a frame without `id:` inherits the previous id (WHATWG
        # 9.2.6), so an unknown one would otherwise be miscounted as a repeat.
        parse = table.get(sse.event)
        # A name the table does not know is kept only when `default` recognises the
        # frame (a task event of a type added after this client: docs/streaming.md,
        # "Unknown event names"); anything else is skipped as unknown.
        kept = default(sse) if parse is None and default is not None else None
        if parse is None and kept is None:
            state.unknown += 1
            log.debug("skipping unknown event type %r (id %r)", sse.event, sse.id)
            continue
        if sse.id and not state.accept(sse.id):
            continue  # delivered before (at-least-once delivery, docs/api.md)
        if parse is None:
            out.append((sse.id, kept))
            continue
        try:
            out.append((sse.id, parse(sse)))
        except EventDecodeError as exc:
            state.malformed += 1
            log.debug("skipping malformed event: %s", exc)
    return out


def walk(
    make: Callable[[str | None], Call[Any]], limits: Limits
) -> Generator[Fetch, Any, list[Any]]:
    """Every item of a list operation, page after page, within the stall deadline;
    a repeated cursor raises `RepeatedCursorError` instead of looping."""
    out: list[Any] = []
    cursor: str | None = None
    seen: frozenset[str] = frozenset()
    while True:
        call = make(cursor)
        page = yield Fetch(call, limits.timeout)
        out.extend(page.data)
        seen = walked(call, page, seen)
        cursor = page.next_cursor if page.has_more else None
        if not cursor:
            return out


def retry(state: StreamState, error: APIError) -> Generator[Sleep, Any, None]:
    """Wait before connecting again; `on_disconnect` raises when `error` is final."""
    delay = state.on_disconnect(error)
    # The first reconnect after a connection that worked is routine (a proxy's idle
    # timeout); more in a row mean the API is unwell.
    level = logging.INFO if state.attempts == 1 else logging.WARNING
    log.log(
        level,
        "stream %s: %s; %s in %.2f s (attempt %d of %d, last event id %r)",
        state.name,
        error,
        "reconnecting" if state.opened else "retrying the open",
        delay,
        state.attempts,
        state.attempt_limit,
        state.last_event_id,
    )
    yield Sleep(delay)


def opened(state: StreamState, position: str) -> Generator[Opened, Any, None]:
    """Mark the stream open: from here on drops are resumed, not retried as an open
    (docs/streaming.md, "Open fails fast; resume persists"). `position` is where a
    caller who has taken nothing yet may resume from."""
    state.open()
    yield Opened(position)


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_BLANK = (b"\n", b"\r\n", b"\r")


def primed(
    state: StreamState,
    decoder: SSEDecoder,
    table: Mapping[str, Parser],
    default: Parser | None = None,
) -> Generator[Any, Any, tuple[str, Items]]:
    """Read until the stream says where it starts; that id, and the events read
    with it.

    A task stream opened without a resume point starts live with a priming block:
    `id:` and no data, the newest event id (or the start-of-log id) when it opened.
    WHATWG 9.2.6 dispatches nothing for it but sets the last event id, so a drop
    before the first event resumes after it and loses nothing. The read that
    carries it is fed line by line until the id is set: events in the same read
    would overwrite it.
    """
    # Where the last piece left the line: at its start, and after a CR (whose LF,
    # if the next read starts with one, belongs to it: WHATWG 9.2.5).
    at_start, after_cr = True, False
    while True:
        chunk = yield READ
        if chunk is None:
            decoder.end()
            raise Dropped("the server closed the stream before its first block")
        events: list[ServerSentEvent] = []
        position = ""
        for line in _LINE.finditer(chunk):
            piece = line.group()
            events = decoder.feed(piece)
            if events or decoder.last_event_id:
                position = "" if events else decoder.last_event_id
                events += decoder.feed(chunk[line.end() :])
                break
            if piece in _BLANK and at_start and not (after_cr and piece == b"\n"):
                # A block ended and set no id: not the priming block the stream
                # must start with. Waiting for one could take forever.
                raise APIResponseValidationError(
                    f"the {state.name} stream opened without a priming id "
                    "(openapi.yaml: a live stream's first block is `id:` alone)"
                )
            after_cr = piece.endswith(b"\r")
            at_start = after_cr or piece.endswith(b"\n")
        if decoder.retry is not None:
            state.retry_ms = decoder.retry
        if events or position:
            if position:
                state.last_event_id = position
            items = typed(state, events, table, default)
            if not state.last_event_id:  # no priming, only unknown events: after them
                state.last_event_id = decoder.last_event_id
            return position, items


# The four flows.


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


def run_events(run_id: int, fill_gaps: bool, limits: Limits) -> StreamSpec:
    """A bench run's events, until `terminal`; with `fill_gaps`, lags are filled."""
    from agentrail_api.api.benches import list_bench_run_results as listing
    from agentrail_api.api.benches import stream_bench_run_events
    from agentrail_api.models.bench_result_page import BenchResultPage

    from ._model_events import RUN_EVENTS

    check_int_id("run_id", run_id)
    request = stream_bench_run_events._get_kwargs(
        run_id, heartbeat_seconds=limits.heartbeat
    )

    def missed(after: str) -> Step:
        # The dropped results are still in /results (docs/api.md): every result
        # after the last one handed over, in the server's order. Listing only those
        # keeps a fill in proportion to the gap, not to the run.
        make = pager(
            listing,
            BenchResultPage,
            run_id,
            limit=100,
            order=None,
            cursor=None,
            after_id=after or UNSET,
        )
        listed = yield from walk(make, limits)
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
                    more = yield from missed(before)
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

    return StreamSpec(f"events of run {run_id}", flow)


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

    from ._model_events import SESSION_EVENTS

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
                    yield Emit((yield from receive(state, decoder, SESSION_EVENTS)))
            except APIError as exc:
                yield from retry(state, exc)

    return StreamSpec(f"session {session_id}", flow, start)
