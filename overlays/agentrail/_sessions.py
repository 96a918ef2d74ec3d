"""Sessions and their events (docs/api.md, family 1): `client.sessions`.

The requests are built once, as functions returning a `Call`; `Sessions` and
`AsyncSessions` (and the `events()` / `logs()` handles) only send them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Unpack

from agentrail_api.api.sessions import (
    create_session,
    get_session,
    list_session_events,
    send_session_events,
)
from agentrail_api.models import (
    CreateSessionRequest,
    ListOrder,
    Metadata,
    SendSessionEventsRequest,
    Session,
    SessionEventPage,
    UserInterruptInput,
    UserMessageInput,
)
from agentrail_api.types import UNSET

from ._base import AsyncPage, Call, Page, build
from ._docs import twin_docs
from ._errors import InvalidArgumentError
from ._flows import session_events, session_logs
from ._model_events import SessionEvent
from ._options import BodyOptions, RequestOptions
from ._params import idempotency_key, metadata_model, model, pager
from ._types import OutgoingEvent
from ._validate import check_id

if TYPE_CHECKING:
    from ._events import SessionLogEvent
    from ._steps import StreamSpec
    from ._stream import AsyncEventStream, EventStream
    from ._transport import AsyncTransport, Transport

# openapi.yaml: SendSessionEventsRequest.events and UserMessageInput.content.
_MAX_EVENTS = 100
_MAX_BLOCKS = 100
_EXAMPLE = "{'type': 'user.message', 'content': 'hi'}"


# The requests, written once.


def _create(
    metadata: Mapping[str, str] | Metadata | None, key: str | None
) -> Call[Session]:
    body = CreateSessionRequest(metadata=metadata_model(metadata))
    return build(
        create_session, Session, body=body, idempotency_key=idempotency_key(key)
    )


def _get(session_id: str) -> Call[Session]:
    return build(get_session, Session, check_id("session_id", session_id))


def _outgoing(where: str, event: object) -> UserMessageInput | UserInterruptInput:
    """One event to send, checked field by field: errors name the field."""
    if isinstance(event, UserMessageInput | UserInterruptInput):
        return event
    if not isinstance(event, Mapping):
        raise InvalidArgumentError(
            f"{where} must be a dict like {_EXAMPLE} or a UserMessageInput / "
            f"UserInterruptInput, not {type(event).__name__}"
        )
    kind = event.get("type")
    if kind not in ("user.message", "user.interrupt"):
        raise InvalidArgumentError(
            f"{where}.type must be 'user.message' or 'user.interrupt', not {kind!r:.40}"
        )
    fields = {"type", "content"} if kind == "user.message" else {"type"}
    for name in event:
        if name not in fields:
            raise InvalidArgumentError(f"{where} has an unknown field {name!r:.40}")
    if kind == "user.interrupt":
        return UserInterruptInput.from_dict({"type": kind})
    if "content" not in event:
        raise InvalidArgumentError(f"{where}.content is required")
    content = _blocks(f"{where}.content", event["content"])
    return model(UserMessageInput, {"type": kind, "content": content}, where)


def _blocks(where: str, content: object) -> list[dict[str, str]]:
    """A message's content as text blocks; a str is one block."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, Mapping | bytes) or not isinstance(content, Iterable):
        raise InvalidArgumentError(
            f"{where} must be a str or a list of text blocks, "
            f"not {type(content).__name__}"
        )
    blocks = []
    for i, block in enumerate(content):
        if (
            not isinstance(block, Mapping)
            or block.get("type") != "text"
            or not isinstance(block.get("text"), str)
            or set(block) != {"type", "text"}
        ):
            raise InvalidArgumentError(
                f"{where}[{i}] must be {{'type': 'text', 'text': str}}, "
                f"not {block!r:.60}"
            )
        blocks.append({"type": "text", "text": block["text"]})
    if not 1 <= len(blocks) <= _MAX_BLOCKS:
        raise InvalidArgumentError(f"{where} must hold 1 to {_MAX_BLOCKS} blocks")
    return blocks


def _send(
    session_id: str, events: Iterable[OutgoingEvent], key: str | None
) -> Call[None]:
    session_id = check_id("session_id", session_id)
    if isinstance(events, Mapping | str | bytes) or not isinstance(events, Iterable):
        raise InvalidArgumentError(
            f"events must be a list of events, not {type(events).__name__}"
        )
    body = SendSessionEventsRequest(
        events=[_outgoing(f"events[{i}]", event) for i, event in enumerate(events)]
    )
    if not 1 <= len(body.events) <= _MAX_EVENTS:
        raise InvalidArgumentError(f"events must hold 1 to {_MAX_EVENTS} events")
    return build(
        send_session_events,
        None,
        session_id,
        body=body,
        idempotency_key=idempotency_key(key),
    )


def _list_events(
    session_id: str,
    *,
    limit: int | None,
    order: str | ListOrder | None,
    after_id: str | None,
    cursor: str | None,
) -> Callable[[str | None], Call[SessionEventPage]]:
    return pager(
        list_session_events,
        SessionEventPage,
        check_id("session_id", session_id),
        limit=limit,
        order=order,
        cursor=cursor,
        after_id=UNSET if after_id is None else check_id("after_id", after_id),
    )


def _resume(last_event_id: str | None, after_id: str | None) -> str | None:
    """The resume id of a session stream; `after_id` is its old, deprecated name."""
    if last_event_id is not None:
        check_id("last_event_id", last_event_id)
    if after_id is not None:
        check_id("after_id", after_id)
        warnings.warn(
            "stream(after_id=...) is deprecated; pass last_event_id=...",
            DeprecationWarning,
            stacklevel=3,
        )
        if last_event_id is not None and last_event_id != after_id:
            raise InvalidArgumentError("after_id and last_event_id disagree; pass one")
        return after_id
    return last_event_id


def _events_spec(
    t: Transport | AsyncTransport,
    session_id: str,
    history: bool,
    resume: str | None,
    heartbeat: int | None,
    options: Mapping[str, Any],
) -> StreamSpec:
    limits = t.limits(heartbeat, options)
    return session_events(session_id, history, limits, resume)


def _logs_spec(
    t: Transport | AsyncTransport,
    session_id: str,
    resume: str | None,
    heartbeat: int | None,
    options: Mapping[str, Any],
) -> StreamSpec:
    return session_logs(session_id, t.limits(heartbeat, options), resume)


# The twins: they only send.


class Sessions:
    """`client.sessions`: create and read sessions; `events(id)` and `logs(id)`."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def create(
        self,
        *,
        metadata: Mapping[str, str] | Metadata | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> Session:
        """Create a session.

        Operation `create_session` (`POST /v1/sessions`); needs the
        `sessions:write` scope.

        Args:
            metadata: str keys to str values, kept with the session.
            idempotency_key: the same key creates the session once, however often
                the call is retried (one is made up if you pass none).
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`,
                `extra_body` for this call.

        Returns:
            The new `Session`.

        Raises:
            ConflictError: the key was used before with other arguments.
            Also InvalidArgumentError, BadRequestError, InsufficientScopeError,
            APIConnectionError.
        """
        return self._t.request(_create(metadata, idempotency_key), options)

    def get(self, session_id: str, **options: Unpack[RequestOptions]) -> Session:
        """Fetch a session by id.

        Operation `get_session` (`GET /v1/sessions/{session_id}`); needs the
        `sessions:read` scope.

        Args:
            session_id: the session's id.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The `Session`.

        Raises:
            NotFoundError: there is no such session.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_get(session_id), options)

    def events(self, session_id: str) -> SessionEvents:
        """The handle of one session's events: `send`, `list`, `stream`.

        No request is made; `session_id` is checked (`InvalidArgumentError`).
        """
        return SessionEvents(self._t, check_id("session_id", session_id))

    def logs(self, session_id: str) -> SessionLogs:
        """The handle of one session's log stream: `stream`.

        No request is made; `session_id` is checked (`InvalidArgumentError`).
        """
        return SessionLogs(self._t, check_id("session_id", session_id))


class AsyncSessions:
    """`client.sessions` of an `AsyncClient`: the methods of `Sessions`, awaited."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def create(
        self,
        *,
        metadata: Mapping[str, str] | Metadata | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> Session:
        return await self._t.request(_create(metadata, idempotency_key), options)

    async def get(self, session_id: str, **options: Unpack[RequestOptions]) -> Session:
        return await self._t.request(_get(session_id), options)

    def events(self, session_id: str) -> AsyncSessionEvents:
        return AsyncSessionEvents(self._t, check_id("session_id", session_id))

    def logs(self, session_id: str) -> AsyncSessionLogs:
        return AsyncSessionLogs(self._t, check_id("session_id", session_id))


class SessionEvents:
    """One session's events: `client.sessions.events(session_id)`."""

    def __init__(self, transport: Transport, session_id: str) -> None:
        self._t = transport
        self._session_id = session_id

    def send(
        self,
        events: Iterable[OutgoingEvent],
        *,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> None:
        """Send user events to the session, in order.

        Operation `send_session_events` (`POST /v1/sessions/{session_id}/events`);
        needs the `sessions:write` scope.

        ```python
        client.sessions.events(sid).send([{"type": "user.message", "content": "hi"}])
        ```

        Args:
            events: 1 to 100 events: `UserMessageParam` (`content` a str or text
                blocks), `UserInterruptParam`, or the generated input models.
            idempotency_key: the same key sends the events once.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`,
                `extra_body`.

        Returns:
            None (the server answers 204).

        Raises:
            InvalidArgumentError: an event has the wrong shape (the message names
                the field), before any request.
            NotFoundError: there is no such session.
            Also BadRequestError, InsufficientScopeError, APIConnectionError.
        """
        call = _send(self._session_id, events, idempotency_key)
        return self._t.request(call, options)

    def list(
        self,
        *,
        limit: int | None = None,
        order: str | ListOrder | None = None,
        after_id: str | None = None,
        cursor: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Page[SessionEvent]:
        """List the session's events, oldest first.

        Operation `list_session_events` (`GET /v1/sessions/{session_id}/events`);
        needs the `events:read` scope.

        Args:
            limit: items per page (1-100).
            order: `"asc"` or `"desc"`.
            after_id: only events after this id.
            cursor: start at this page (a `next_cursor` kept earlier).
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The first `Page` of `SessionEvent`; iterating it walks every page.

        Raises:
            NotFoundError: there is no such session.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        make = _list_events(
            self._session_id, limit=limit, order=order, after_id=after_id, cursor=cursor
        )
        return self._t.page(make, options)

    def stream(
        self,
        *,
        history: bool = True,
        last_event_id: str | None = None,
        heartbeat_seconds: int | None = None,
        after_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> EventStream[SessionEvent]:
        """Follow the session: its history, then the live tail, every id once.

        Operation `stream_session_events` (`GET /v1/sessions/{session_id}/stream`,
        with `list_session_events` for the history); needs the `events:read` scope.

        The live stream is opened first, then the history listed (docs/streaming.md,
        "Following a session"); after a drop it reconnects and lists what came after
        the last id handed over.

        Args:
            history: yield the history before the live tail (False: only seed the
                ids with it).
            last_event_id: resume after this event (a `stream.last_event_id` kept
                earlier); what came after it is yielded whatever `history` says.
            heartbeat_seconds: the heartbeat asked of the server (1-60).
            after_id: deprecated name of `last_event_id`.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            An `EventStream` of `SessionEvent`, connected.

        Raises:
            NotFoundError: there is no such session (raised here).
            InsufficientScopeError: the key lacks `events:read` (raised here).
            ReconnectsExhaustedError: drops outlasted `max_reconnects`.
        """
        resume = _resume(last_event_id, after_id)
        spec = _events_spec(
            self._t, self._session_id, history, resume, heartbeat_seconds, options
        )
        return self._t.stream(spec, options)


class AsyncSessionEvents:
    """One session's events: `client.sessions.events(session_id)`, async.

    `stream()` returns an `AsyncEventStream`: `await` it to connect, `async for` it.
    """

    def __init__(self, transport: AsyncTransport, session_id: str) -> None:
        self._t = transport
        self._session_id = session_id

    async def send(
        self,
        events: Iterable[OutgoingEvent],
        *,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> None:
        call = _send(self._session_id, events, idempotency_key)
        return await self._t.request(call, options)

    async def list(
        self,
        *,
        limit: int | None = None,
        order: str | ListOrder | None = None,
        after_id: str | None = None,
        cursor: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPage[SessionEvent]:
        make = _list_events(
            self._session_id, limit=limit, order=order, after_id=after_id, cursor=cursor
        )
        return await self._t.page(make, options)

    def stream(
        self,
        *,
        history: bool = True,
        last_event_id: str | None = None,
        heartbeat_seconds: int | None = None,
        after_id: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncEventStream[SessionEvent]:
        resume = _resume(last_event_id, after_id)
        spec = _events_spec(
            self._t, self._session_id, history, resume, heartbeat_seconds, options
        )
        return self._t.stream(spec, options)


class SessionLogs:
    """One session's log stream: `client.sessions.logs(session_id)`."""

    def __init__(self, transport: Transport, session_id: str) -> None:
        self._t = transport
        self._session_id = session_id

    def stream(
        self,
        *,
        last_event_id: str | None = None,
        heartbeat_seconds: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> EventStream[SessionLogEvent]:
        """Follow the session's log lines; drops are resumed, unknown frames skipped.

        Operation `stream_session_logs` (`GET /v1/sessions/{session_id}/logs/stream`);
        needs the `logs:read` scope.

        Args:
            last_event_id: resume after this line (a `stream.last_event_id` kept
                earlier).
            heartbeat_seconds: the heartbeat asked of the server (1-60).
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            An `EventStream` of `SessionLogEvent`, connected.

        Raises:
            NotFoundError: there is no such session (raised here).
            InsufficientScopeError: the key lacks `logs:read` (raised here).
            ReconnectsExhaustedError: drops outlasted `max_reconnects`.
        """
        spec = _logs_spec(
            self._t, self._session_id, last_event_id, heartbeat_seconds, options
        )
        return self._t.stream(spec, options)


class AsyncSessionLogs:
    """One session's log stream, async: `await` the stream, `async for` it."""

    def __init__(self, transport: AsyncTransport, session_id: str) -> None:
        self._t = transport
        self._session_id = session_id

    def stream(
        self,
        *,
        last_event_id: str | None = None,
        heartbeat_seconds: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncEventStream[SessionLogEvent]:
        spec = _logs_spec(
            self._t, self._session_id, last_event_id, heartbeat_seconds, options
        )
        return self._t.stream(spec, options)


twin_docs(AsyncSessions, Sessions)
twin_docs(AsyncSessionEvents, SessionEvents)
twin_docs(AsyncSessionLogs, SessionLogs)
