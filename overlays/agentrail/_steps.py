"""The steps every stream flow is built from, each a generator the flows call with
`yield from`, and the numbers they share (`Limits`).

`connect` opens the stream request; `read` and `receive` turn bytes into new, typed
events (repeats dropped by `StreamState.accept`); `primed` reads the priming block a
live stream opens with; `walk` lists every page of a listing within the stall
deadline; `opened` marks where open-time retries end; `retry` waits (and logs) before
connecting again. No I/O: the drivers in `_stream.py` carry the commands out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Mapping
from typing import Any

import attrs
import httpx

from ._base import Call, walked
from ._errors import APIError, APIResponseValidationError, EventDecodeError
from ._logs import log, log_reconnect
from ._options import StreamSettings
from ._sse import ServerSentEvent, SSEDecoder
from ._state import (
    READ,
    Connect,
    Dropped,
    Fetch,
    Flow,
    Opened,
    Sleep,
    StreamState,
)
from ._validate import check_range

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
    append, get, accept = out.append, table.get, state.accept  # per event: bound once
    for sse in events:
        # The type first: a frame without `id:` inherits the previous id (WHATWG
        # 9.2.6), so an unknown one would otherwise be miscounted as a repeat.
        parse = get(sse.event)
        if parse is None:
            # A name the table does not know is kept only when `default` recognises
            # the frame (a task event of a type added after this client:
            # docs/streaming.md, "Unknown event names"); anything else is skipped.
            kept = default(sse) if default is not None else None
            if kept is None:
                state.unknown += 1
                log.debug("skipping unknown event type %r (id %r)", sse.event, sse.id)
            elif not sse.id or accept(sse.id):
                append((sse.id, kept))
            continue
        event_id = sse.id
        if event_id and not accept(event_id):
            continue  # delivered before (at-least-once delivery, docs/api.md)
        try:
            append((event_id, parse(sse)))
        except EventDecodeError as exc:
            state.malformed += 1
            log.debug("skipping malformed event: %s", exc)
    return out


def walk(
    make: Callable[[str | None], Call[Any]], limits: Limits, until: str = ""
) -> Generator[Fetch, Any, list[Any]]:
    """Every item of a list operation (up to the page holding the id `until`), page
    after page, within the stall deadline; a repeated cursor raises
    `RepeatedCursorError` instead of looping."""
    out: list[Any] = []
    cursor: str | None = None
    seen: frozenset[str] = frozenset()
    while True:
        call = make(cursor)
        page = yield Fetch(call, limits.timeout)
        out.extend(page.data)
        if until and any(item.id == until for item in page.data):
            return out
        seen = walked(call, page, seen)
        cursor = page.next_cursor if page.has_more else None
        if not cursor:
            return out


def retry(state: StreamState, error: APIError) -> Generator[Sleep, Any, None]:
    """Wait before connecting again; `on_disconnect` raises when `error` is final."""
    delay = state.on_disconnect(error)
    log_reconnect(state, error, delay)
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
