"""Sessions and their events (docs/api.md, family 1): `client.sessions`.

The requests are built once, as functions returning a `Call`; `Sessions` and
`AsyncSessions` (and the `events()` / `logs()` handles) only send them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

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
from ._errors import InvalidArgumentError
from ._flows import session_events, session_logs
from ._model_events import SessionEvent
from ._params import idempotency_key, metadata_model, model, pager
from ._validate import check_id

if TYPE_CHECKING:
    from ._client import AsyncClient, Client
    from ._events import SessionLogEvent
    from ._stream import AsyncEventStream, EventStream


OutgoingEvent: TypeAlias = UserMessageInput | UserInterruptInput | Mapping[str, Any]
"""An event to send: a generated input model or its dict form."""

_OUTGOING: dict[str, type[UserMessageInput] | type[UserInterruptInput]] = {
    "user.message": UserMessageInput,
    "user.interrupt": UserInterruptInput,
}


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


def _outgoing(event: object) -> UserMessageInput | UserInterruptInput:
    if isinstance(event, UserMessageInput | UserInterruptInput):
        return event
    kind = event.get("type") if isinstance(event, Mapping) else None
    cls = _OUTGOING.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise InvalidArgumentError(
            f"an event to send must be a dict with type {sorted(_OUTGOING)} "
            f"or UserMessageInput / UserInterruptInput, not {event!r:.80}"
        )
    return model(cls, event, f"a {kind} event")


def _send(
    session_id: str, events: Iterable[OutgoingEvent], key: str | None
) -> Call[None]:
    session_id = check_id("session_id", session_id)
    if isinstance(events, Mapping | str | bytes):
        raise InvalidArgumentError("events must be a list of events, not one event")
    body = SendSessionEventsRequest(events=[_outgoing(event) for event in events])
    if not body.events:
        raise InvalidArgumentError("events must not be empty")
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


# The twins: they only send.


class Sessions:
    """`client.sessions`: create and read sessions, send and list their events."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        *,
        metadata: Mapping[str, str] | Metadata | None = None,
        idempotency_key: str | None = None,
    ) -> Session:
        """Create a session (`POST /v1/sessions`)."""
        return self._client._request(_create(metadata, idempotency_key))

    def get(self, session_id: str) -> Session:
        """Fetch a session by id."""
        return self._client._request(_get(session_id))

    def events(self, session_id: str) -> SessionEvents:
        """The handle for one session's events: `send`, `list`."""
        return SessionEvents(self._client, check_id("session_id", session_id))

    def logs(self, session_id: str) -> SessionLogs:
        """The handle for one session's log stream."""
        return SessionLogs(self._client, check_id("session_id", session_id))


class AsyncSessions:
    """`client.sessions` of an `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self,
        *,
        metadata: Mapping[str, str] | Metadata | None = None,
        idempotency_key: str | None = None,
    ) -> Session:
        """Create a session (`POST /v1/sessions`)."""
        return await self._client._request(_create(metadata, idempotency_key))

    async def get(self, session_id: str) -> Session:
        """Fetch a session by id."""
        return await self._client._request(_get(session_id))

    def events(self, session_id: str) -> AsyncSessionEvents:
        """The handle for one session's events: `send`, `list`."""
        return AsyncSessionEvents(self._client, check_id("session_id", session_id))

    def logs(self, session_id: str) -> AsyncSessionLogs:
        """The handle for one session's log stream."""
        return AsyncSessionLogs(self._client, check_id("session_id", session_id))


class SessionEvents:
    """One session's events: `client.sessions.events(session_id)`."""

    def __init__(self, client: Client, session_id: str) -> None:
        self._client = client
        self._session_id = session_id

    def send(
        self, events: Iterable[OutgoingEvent], *, idempotency_key: str | None = None
    ) -> None:
        """Send user events (`user.message`, `user.interrupt`), in order."""
        return self._client._request(_send(self._session_id, events, idempotency_key))

    def list(
        self,
        *,
        limit: int | None = None,
        order: str | ListOrder | None = None,
        after_id: str | None = None,
        cursor: str | None = None,
    ) -> Page[SessionEvent]:
        """The session's history, oldest first; iterating the page walks every page."""
        make = _list_events(
            self._session_id, limit=limit, order=order, after_id=after_id, cursor=cursor
        )
        return self._client._page(make)

    def stream(
        self,
        *,
        history: bool = True,
        after_id: str | None = None,
        heartbeat_seconds: int | None = None,
    ) -> EventStream[SessionEvent]:
        """Follow the session: its history, then the live tail, every id once.

        The live stream is opened first, then the history listed (docs/streaming.md,
        "Following a session"); after a drop it reconnects and lists what came after the
        last id seen. With `history=False` the history only seeds the ids and is not
        yielded; `after_id` (a `last_event_id` kept earlier) resumes after that event
        instead.
        """
        limits = self._client._limits(heartbeat_seconds)
        spec = session_events(self._session_id, history, limits, after_id)
        return self._client._stream(spec)


class AsyncSessionEvents:
    """One session's events: `client.sessions.events(session_id)`, async."""

    def __init__(self, client: AsyncClient, session_id: str) -> None:
        self._client = client
        self._session_id = session_id

    async def send(
        self, events: Iterable[OutgoingEvent], *, idempotency_key: str | None = None
    ) -> None:
        """Send user events (`user.message`, `user.interrupt`), in order."""
        call = _send(self._session_id, events, idempotency_key)
        return await self._client._request(call)

    async def list(
        self,
        *,
        limit: int | None = None,
        order: str | ListOrder | None = None,
        after_id: str | None = None,
        cursor: str | None = None,
    ) -> AsyncPage[SessionEvent]:
        """The session's history, oldest first; `async for` walks every page."""
        make = _list_events(
            self._session_id, limit=limit, order=order, after_id=after_id, cursor=cursor
        )
        return await self._client._page(make)

    def stream(
        self,
        *,
        history: bool = True,
        after_id: str | None = None,
        heartbeat_seconds: int | None = None,
    ) -> AsyncEventStream[SessionEvent]:
        """Follow the session: its history, then the live tail, every id once.

        `async for` it, or `await` it first to connect before the first event;
        `after_id` (a `last_event_id` kept earlier) resumes after that event.
        """
        limits = self._client._limits(heartbeat_seconds)
        spec = session_events(self._session_id, history, limits, after_id)
        return self._client._stream(spec)


class SessionLogs:
    """One session's log stream: `client.sessions.logs(session_id)`."""

    def __init__(self, client: Client, session_id: str) -> None:
        self._client = client
        self._session_id = session_id

    def stream(
        self, *, last_event_id: str | None = None, heartbeat_seconds: int | None = None
    ) -> EventStream[SessionLogEvent]:
        """Follow the log lines; unknown frame types are skipped, drops resumed.

        `last_event_id` (kept from an earlier stream) resumes after that line.
        """
        limits = self._client._limits(heartbeat_seconds)
        spec = session_logs(self._session_id, limits, last_event_id)
        return self._client._stream(spec)


class AsyncSessionLogs:
    """One session's log stream: `client.sessions.logs(session_id)`, async."""

    def __init__(self, client: AsyncClient, session_id: str) -> None:
        self._client = client
        self._session_id = session_id

    def stream(
        self, *, last_event_id: str | None = None, heartbeat_seconds: int | None = None
    ) -> AsyncEventStream[SessionLogEvent]:
        """Follow the log lines; unknown frame types are skipped, drops resumed.

        `last_event_id` (kept from an earlier stream) resumes after that line.
        """
        limits = self._client._limits(heartbeat_seconds)
        spec = session_logs(self._session_id, limits, last_event_id)
        return self._client._stream(spec)
