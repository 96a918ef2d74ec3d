"""Streams that resume: the sans-I/O state and flow commands, and the two thin drivers.

A stream is a *flow* (`_flows.py`): a generator that yields commands (`Connect`, `Read`,
`Fetch`, `Sleep`, `Emit`) and receives their results, deciding everything itself:
what to send on reconnect, what is a duplicate, when to give up. `EventStream` and
`AsyncEventStream` only carry the commands out (the shape of `httpx/_auth.py`'s
`auth_flow`, driven by `sync_auth_flow` / `async_auth_flow`).

States of a driver: IDLE (made, not connected) -> OPEN (a response is being read) ->
RECONNECTING (sleeping before the next `Connect`) -> OPEN ... -> CLOSED (the flow ended,
or `close()` / `aclose()` / garbage collection / task cancellation). CLOSED is final: no
reconnect happens after it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import attrs
import httpx

from ._base import Call, error_from_response, translate
from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    ReconnectsExhaustedError,
    StreamContentTypeError,
)
from ._retry import Backoff, should_retry_status

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

T = TypeVar("T")


@attrs.frozen
class Connect:
    """Open the stream request; the reply is True if events follow (False on 204)."""

    request: dict[str, Any]


@attrs.frozen
class Read:
    """Read the next chunk of the open response; the reply is bytes, or None at EOF."""


@attrs.frozen
class Fetch:
    """Make a REST call (history, missed results); the reply is its result."""

    call: Call[Any]
    timeout: httpx.Timeout
    """The stream's timeouts: a stalled listing is a stalled stream."""


@attrs.frozen
class Sleep:
    """Wait before connecting again (interrupted by `close()`)."""

    seconds: float


@attrs.frozen
class Opened:
    """The stream is open: `await stream` and `stream_events()` return here."""

    position: str
    """Where a caller who has taken no event yet resumes from."""


@attrs.frozen
class Emit:
    """Hand `(event id, item)` pairs to the caller, in order."""

    items: list[tuple[str, Any]]


READ = Read()
_BACKOFF = Backoff()
Flow = Generator[Connect | Read | Fetch | Sleep | Opened | Emit, Any, None]


class Dropped(APIConnectionError):
    """The server ended the response without a terminal event (maybe mid-event)."""


def id_key(event_id: str) -> tuple[int, str]:
    """The order of the ids of one stream: shorter first, then character by character
    (openapi.yaml `EventId`), which sorts zero-padded and plain decimal ids alike."""
    return len(event_id), event_id


class StreamState:
    """What a stream remembers between connections; no I/O.

    - `last_event_id`: the id of the last event handed over (or the stream's priming
      position), sent as `Last-Event-ID`. Ids increase within a stream, so it is also
      the high-water mark that drops repeats: memory stays constant.
    - `opened`: False until the stream first opens. Until then a failure is retried
      like a REST call (`open_retries`, then the error itself); after it, drops are
      resumed up to `max_reconnects` in a row.
    - `retry_ms`: the server's `retry:`; the first wait before a reconnect.
    - `attempts`: failures in a row; reset by a connection that delivered events.
    """

    def __init__(
        self,
        *,
        name: str = "",
        last_event_id: str = "",
        backoff: Backoff = _BACKOFF,
        max_reconnects: int = 10,
        open_retries: int = 2,
        open_backoff: Backoff = _BACKOFF,
    ) -> None:
        self.name = name
        self.last_event_id = last_event_id
        self.retry_ms: int | None = None
        self.opened = False
        self.attempts = 0
        self.reconnects = 0
        self.duplicates = 0
        self.malformed = 0
        self.unknown = 0
        self._backoff = backoff
        self._max_reconnects = max_reconnects
        self._open_retries = open_retries
        self._open_backoff = open_backoff

    @property
    def attempt_limit(self) -> int:
        """How many failures in a row are retried in the current phase."""
        return self._max_reconnects if self.opened else self._open_retries

    def accept(self, event_id: str) -> bool:
        """Record `event_id`; False if it is not after the last one (a repeat)."""
        last = self.last_event_id
        if last and (
            len(event_id) < len(last)
            or (len(event_id) == len(last) and event_id <= last)
        ):
            self.duplicates += 1
            return False
        self.last_event_id = event_id
        self.attempts = 0
        return True

    def rewind(self, last_event_id: str) -> None:
        """Resume from `last_event_id`: the next connect gets the server to replay
        what came after it, and those ids are accepted again."""
        self.last_event_id = last_event_id

    def open(self) -> None:
        """The stream has opened: failures from now on are resumed."""
        self.opened = True
        self.attempts = 0

    def request_headers(self) -> dict[str, str]:
        """Headers of the next connect (WHATWG 9.2.3: Last-Event-ID if not empty)."""
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        return headers

    def on_disconnect(self, error: APIError) -> float:
        """Seconds to wait before connecting again after `error`; raises if final."""
        if isinstance(error, APIStatusError) and not should_retry_status(
            error.status_code
        ):
            raise error  # 4xx: connecting again would get the same answer
        self.attempts += 1
        retry_after = error.retry_after if isinstance(error, APIStatusError) else None
        if not self.opened:
            # Never opened: fail like a REST call, within seconds (docs/streaming.md).
            if self.attempts > self._open_retries:
                raise error
            delay = self._open_backoff.delay(self.attempts, retry_after=retry_after)
        else:
            if self.attempts > self._max_reconnects:
                raise ReconnectsExhaustedError(
                    f"gave up after {self.attempts - 1} reconnects in a row: {error}",
                    last_event_id=self.last_event_id,
                ) from error
            self.reconnects += 1
            initial = None if self.retry_ms is None else self.retry_ms / 1000
            delay = self._backoff.delay(
                self.attempts, retry_after=retry_after, initial=initial
            )
        if delay is None:
            raise error  # a Retry-After longer than the backoff's limit
        return delay


def check_stream_response(response: httpx.Response) -> bool:
    """Whether a stream answer has events to read (False for 204); raises otherwise.

    Called once the headers are in and, for errors, the body is read: a non-2xx is
    the API's typed error (docs/streaming.md, "What the server promises"), never
    an empty iterator.
    """
    if response.status_code == 204:
        return False
    if not 200 <= response.status_code < 300:
        raise error_from_response(response)
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if media_type.lower() != "text/event-stream":
        raise StreamContentTypeError(
            f"{response.request.url.path} answered {response.status_code} with "
            f"content type {media_type!r}, not text/event-stream"
        )
    return True


class _Driver(Generic[T]):
    """What both drivers share: the flow, the queue of items, the last id."""

    def __init__(self, flow: Flow, state: StreamState) -> None:
        self._flow = flow
        self._state = state
        self._pending: deque[tuple[str, Any]] = deque()
        self._reply: Any = None  # what the flow's last command returned
        self._done = False
        self._taken = False  # whether an event has been handed over
        self._last_event_id = state.last_event_id

    @property
    def last_event_id(self) -> str:
        """The id of the last event handed to you: resume from it in a new process."""
        return self._last_event_id

    @property
    def stats(self) -> dict[str, int]:
        """Counts so far: reconnects, repeats dropped, malformed and unknown events."""
        s = self._state
        return {
            "reconnects": s.reconnects,
            "duplicates": s.duplicates,
            "malformed": s.malformed,
            "unknown": s.unknown,
        }

    def _next_command(self, error: BaseException | None) -> Any:
        """The flow's next command, or None once it has finished."""
        try:
            if error is not None:
                return self._flow.throw(error)
            return self._flow.send(self._reply)
        except StopIteration:
            return None
        finally:
            self._reply = None

    def _take(self) -> T:
        event_id, item = self._pending.popleft()
        self._taken = True
        if event_id:
            self._last_event_id = event_id
        result: T = item
        return result

    def _opened(self, cmd: Opened) -> None:
        if not self._taken and not self._pending:
            self._last_event_id = cmd.position


class EventStream(_Driver[T]):
    """An event stream: iterate it, use it as a context manager, `close()` it.

    Closing it (or dropping the last reference) closes the HTTP response at once and
    cancels any pending reconnect.
    """

    def __init__(self, client: Client, flow: Flow, state: StreamState) -> None:
        super().__init__(flow, state)
        self._client = client
        self._response: httpx.Response | None = None
        self._chunks: Any = None
        self._closed = threading.Event()

    def _open(self) -> Self:
        """Connect now, so that a 401/403/404 is raised here (docs/streaming.md)."""
        self._run(until_open=True)
        return self

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> T:
        while not self._pending:
            if self._done:
                raise StopIteration
            self._run()
        return self._take()

    def _run(self, until_open: bool = False) -> None:
        """Carry out the flow's commands until it emits (or, if asked, connects)."""
        error: BaseException | None = None
        try:
            while not self._closed.is_set():
                cmd = self._next_command(error)
                if cmd is None:
                    break
                if isinstance(cmd, Emit):
                    self._pending.extend(cmd.items)
                    return
                error = None
                if isinstance(cmd, Opened):
                    self._opened(cmd)
                    if until_open:
                        return
                    continue
                try:
                    self._reply = self._do(cmd)
                except httpx.HTTPError as exc:
                    error = translate(exc)
                except APIError as exc:
                    error = exc
        except BaseException:
            self.close()
            raise
        self.close()

    def _do(self, cmd: Connect | Read | Fetch | Sleep) -> Any:
        if isinstance(cmd, Read):
            return next(self._chunks, None)
        if isinstance(cmd, Fetch):
            return self._client._request(cmd.call, timeout=cmd.timeout)
        self._release()
        if isinstance(cmd, Sleep):
            return self._closed.wait(cmd.seconds)
        http = self._client._http
        response = http.send(http.build_request(**cmd.request), stream=True)
        self._response = response
        if not 200 <= response.status_code < 300:
            response.read()
        if not check_stream_response(response):
            return False
        self._chunks = response.iter_bytes()
        return True

    def _release(self) -> None:
        response, self._response, self._chunks = self._response, None, None
        if response is not None:
            response.close()

    def close(self) -> None:
        """End the stream now: close the response, cancel any pending reconnect."""
        self._closed.set()
        self._done = True
        self._release()
        self._flow.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if not self._done:
            self.close()


class AsyncEventStream(_Driver[T]):
    """An async event stream: `async for` it, `async with` it, `await aclose()`.

    `await`ing it connects and returns it, so that errors are raised there; iterating
    without awaiting connects on the first event.
    """

    def __init__(self, client: AsyncClient, flow: Flow, state: StreamState) -> None:
        super().__init__(flow, state)
        self._client = client
        self._response: httpx.Response | None = None
        self._chunks: Any = None
        import asyncio  # here, not at the top: ~14 ms of `import agentrail` otherwise

        self._closed = asyncio.Event()

    async def _open(self) -> Self:
        """Connect now, so that a 401/403/404 is raised here (docs/streaming.md)."""
        await self._run(until_open=True)
        return self

    def __await__(self) -> Generator[Any, None, Self]:
        return self._open().__await__()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        while not self._pending:
            if self._done:
                raise StopAsyncIteration
            await self._run()
        return self._take()

    async def _run(self, until_open: bool = False) -> None:
        """Carry out the flow's commands until it emits (or, if asked, connects)."""
        error: BaseException | None = None
        try:
            while not self._closed.is_set():
                cmd = self._next_command(error)
                if cmd is None:
                    break
                if isinstance(cmd, Emit):
                    self._pending.extend(cmd.items)
                    return
                error = None
                if isinstance(cmd, Opened):
                    self._opened(cmd)
                    if until_open:
                        return
                    continue
                try:
                    self._reply = await self._do(cmd)
                except httpx.HTTPError as exc:
                    error = translate(exc)
                except APIError as exc:
                    error = exc
        except BaseException:  # task cancellation included: close at once
            await self.aclose()
            raise
        await self.aclose()

    async def _do(self, cmd: Connect | Read | Fetch | Sleep) -> Any:
        if isinstance(cmd, Read):
            return await anext(self._chunks, None)
        if isinstance(cmd, Fetch):
            return await self._client._request(cmd.call, timeout=cmd.timeout)
        await self._release()
        if isinstance(cmd, Sleep):
            import asyncio

            try:
                await asyncio.wait_for(self._closed.wait(), cmd.seconds)
            except TimeoutError:
                pass
            return None
        http = self._client._http
        response = await http.send(http.build_request(**cmd.request), stream=True)
        self._response = response
        if not 200 <= response.status_code < 300:
            await response.aread()
        if not check_stream_response(response):
            return False
        self._chunks = response.aiter_bytes()
        return True

    async def _release(self) -> None:
        response, self._response, self._chunks = self._response, None, None
        if response is not None:
            await response.aclose()

    async def aclose(self) -> None:
        """End the stream now: close the response, cancel any pending reconnect."""
        self._closed.set()
        self._done = True
        await self._release()
        self._flow.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
