"""Streams that resume: the two thin drivers of a flow.

A stream is a *flow* (`_flows.py`): a generator that yields commands (`_state.py`:
`Connect`, `Read`, `Fetch`, `Sleep`, `Opened`, `Emit`) and receives their results,
deciding everything itself:
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
import warnings
from collections import deque
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import httpx

from ._base import error_from_response, translate
from ._errors import APIError, StreamContentTypeError
from ._state import Connect, Emit, Fetch, Flow, Opened, Read, Sleep, StreamState

if TYPE_CHECKING:
    from ._options import BodyOptions
    from ._transport import AsyncTransport, Transport

T = TypeVar("T")


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


def raw_body(response: httpx.Response) -> bool:
    """Whether the body may be read as it arrives (`iter_raw`): no Content-Encoding.

    With none (RFC 9110 8.4), httpx's `iter_bytes()` passes every read through an
    identity decoder and a chunker that change nothing, a few generator steps per
    read (bench/decoder.py: about 3 % of decoding 9.5 KB events); a compressed body
    still goes through them.
    """
    return "content-encoding" not in response.headers


class _Driver(Generic[T]):
    """What both drivers share: the flow, the queue of items, the last id."""

    def __init__(self, flow: Flow, state: StreamState, options: BodyOptions) -> None:
        self._options = options
        # A listing the flow makes inside the stream keeps its headers and retries,
        # not its query: extra_query is for the stream request.
        self._fetch_options = {
            k: v for k, v in options.items() if k in ("extra_headers", "max_retries")
        }
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

    def __init__(
        self,
        transport: Transport,
        flow: Flow,
        state: StreamState,
        options: BodyOptions,
    ) -> None:
        super().__init__(flow, state, options)
        self._transport = transport
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
            t = self._transport
            return t.request(cmd.call, self._fetch_options, timeout=cmd.timeout)
        self._release()
        if isinstance(cmd, Sleep):
            return self._closed.wait(cmd.seconds)
        response = self._transport.connect(cmd.request, self._options)
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

    def __init__(
        self,
        transport: AsyncTransport,
        flow: Flow,
        state: StreamState,
        options: BodyOptions,
    ) -> None:
        super().__init__(flow, state, options)
        self._transport = transport
        self._response: httpx.Response | None = None
        self._chunks: Any = None
        # Flags and an anyio event made while sleeping, not an asyncio.Event: the
        # stream is made outside any event loop, and runs on asyncio or trio.
        self._closed = False
        self._wake: Any = None

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
            while not self._closed:
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
            t = self._transport
            return await t.request(cmd.call, self._fetch_options, timeout=cmd.timeout)
        await self._release()
        if isinstance(cmd, Sleep):
            import anyio  # here, not at the top: `import agentrail` stays light

            self._wake = anyio.Event()
            with anyio.move_on_after(cmd.seconds):
                await self._wake.wait()
            return None
        response = await self._transport.connect(cmd.request, self._options)
        self._response = response
        if not 200 <= response.status_code < 300:
            await response.aread()
        if not check_stream_response(response):
            return False
        raw = raw_body(response)
        self._chunks = response.aiter_raw() if raw else response.aiter_bytes()
        return True

    async def _release(self) -> None:
        response, self._response = self._response, None
        chunks, self._chunks = self._chunks, None
        if chunks is not None:
            await chunks.aclose()  # trio warns of an async generator left open
        if response is not None:
            await response.aclose()

    async def aclose(self) -> None:
        """End the stream now: close the response, cancel any pending reconnect."""
        self._closed = True
        self._done = True
        if self._wake is not None:
            self._wake.set()
        await self._release()
        self._flow.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        # An async response cannot be closed from a finalizer (it may run on
        # another thread, or with no loop at all), so a stream dropped while
        # connected warns the way an unclosed httpx.AsyncClient does.
        if self._response is not None and not self._done:
            warnings.warn(
                f"unclosed {type(self).__name__} ({self._state.name}): "
                "`await stream.aclose()` or use `async with` to end its request",
                ResourceWarning,
                stacklevel=1,
                source=self,
            )
