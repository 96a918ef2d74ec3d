"""`Client` and `AsyncClient`: configuration, the send loops, and the resource groups.

Everything without I/O lives in `_BaseClient` (and `_base`, `_retry`); the two classes
differ only where `await` appears (`httpx/_client.py` has the same split).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import Any, Self, TypeVar

import httpx

from agentrail_api.client import AuthenticatedClient

from ._base import AsyncPage, Call, Page, finish, translate
from ._errors import APIError, APIStatusError, InvalidArgumentError
from ._events import TaskLifecycleEvent
from ._flows import StreamSpec, follow, run_events, session_events, session_logs
from ._flows import task_events as task_events_spec
from ._options import StreamOptions, StreamSettings
from ._retry import Backoff, should_retry_status
from ._stream import AsyncEventStream, EventStream, StreamState
from ._validate import (
    check_cursor,
    check_event_types,
    check_id,
    check_int_id,
    check_range,
)
from ._version import __version__

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.agentrail.app"
# Explicit defaults: the generated client has none (generator.md). A REST answer may
# take a while to compute; connecting should not.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_BACKOFF = Backoff()
DEFAULT_STREAMS = StreamSettings()


class _BaseClient:
    """Configuration and policy shared by `Client` and `AsyncClient`."""

    def __init__(
        self,
        api_key: str | None,
        base_url: str | httpx.URL | None,
        *,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        backoff: Backoff,
        streams: StreamSettings,
    ) -> None:
        api_key = (
            api_key if api_key is not None else os.environ.get("AGENTRAIL_API_KEY")
        )
        if not api_key:
            raise InvalidArgumentError(
                "no API key: pass api_key= or set AGENTRAIL_API_KEY"
            )
        if isinstance(max_retries, bool) or not isinstance(max_retries, int):
            raise InvalidArgumentError("max_retries must be an int")
        if max_retries < 0:
            raise InvalidArgumentError("max_retries must not be negative")
        url = base_url or os.environ.get("AGENTRAIL_BASE_URL") or DEFAULT_BASE_URL
        self.base_url = httpx.URL(str(url).rstrip("/"))
        """The API's base URL, without a trailing slash."""
        self.timeout = (
            timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        )
        """Timeouts of REST calls; streams replace `read` with the stall deadline."""
        self.max_retries = max_retries
        """Retries after the first attempt, for replayable calls."""
        self.backoff = backoff
        self.streams = streams
        self._api_key = api_key

    def __repr__(self) -> str:
        # The key is a secret: never in a repr, a log line or an exception message.
        return f"{type(self).__name__}(base_url={str(self.base_url)!r})"

    def _http_options(self) -> dict[str, Any]:
        # Authorization as a default header, not an httpx.Auth: httpx drops default
        # auth headers on a redirect to another origin, but re-runs auth flows.
        # No timeout here: clones from `with_options` share this httpx client, so each
        # request carries its own client's timeout instead.
        return {
            "base_url": self.base_url,
            "follow_redirects": False,
            "headers": {
                "Authorization": f"Bearer {self._api_key}",
                "User-Agent": f"agentrail-python/{__version__}",
                "Accept": "application/json",
            },
        }

    def _generated(self) -> AuthenticatedClient:
        return AuthenticatedClient(
            base_url=str(self.base_url), token=self._api_key, timeout=self.timeout
        )

    def _retry_delay(
        self, call: Call[Any], attempt: int, error: APIError
    ) -> float | None:
        """Seconds to wait before sending `call` again, or None to raise `error`."""
        if attempt > self.max_retries or not call.replayable:
            return None
        if isinstance(error, APIStatusError):
            if not should_retry_status(error.status_code):
                return None
            return self.backoff.delay(attempt, retry_after=error.retry_after)
        return self.backoff.delay(attempt)

    # Streams: each builder checks its arguments (before any request) and returns the
    # flow's spec and a fresh state; the twins below only wrap them in a driver.

    def _stream_parts(self, heartbeat: int | None) -> tuple[int, httpx.Timeout]:
        s = self.streams
        beat = check_range("heartbeat_seconds", heartbeat or s.heartbeat_seconds, 1, 60)
        base = self.timeout
        timeout = httpx.Timeout(
            connect=base.connect,
            read=beat * s.stall_factor,
            write=base.write,
            pool=base.pool,
        )
        return beat, timeout

    def _state(self, last_event_id: str = "") -> StreamState:
        s = self.streams
        return StreamState(
            last_event_id=last_event_id,
            window=s.dedupe_window,
            backoff=s.backoff,
            max_reconnects=s.max_reconnects,
        )

    def _task_stream(self, options: StreamOptions | None) -> tuple[StreamSpec, str]:
        o = options or StreamOptions()
        types = None if o.event_types is None else check_event_types(o.event_types)
        task_id = None if o.task_id is None else check_id("task_id", o.task_id)
        cursor = None if o.cursor is None else check_cursor("cursor", o.cursor)
        beat, timeout = self._stream_parts(o.heartbeat_seconds)
        spec = task_events_spec(
            event_types=types,
            task_id=task_id,
            cursor=cursor,
            heartbeat=beat,
            timeout=timeout,
            max_event_bytes=self.streams.max_event_bytes,
        )
        return spec, cursor or ""

    def _session_stream(
        self, session_id: str, history: bool, heartbeat: int | None
    ) -> StreamSpec:
        check_id("session_id", session_id)
        beat, timeout = self._stream_parts(heartbeat)
        return session_events(
            session_id,
            history=history,
            heartbeat=beat,
            timeout=timeout,
            max_event_bytes=self.streams.max_event_bytes,
        )

    def _logs_stream(self, session_id: str, heartbeat: int | None) -> StreamSpec:
        check_id("session_id", session_id)
        beat, timeout = self._stream_parts(heartbeat)
        return session_logs(
            session_id,
            heartbeat=beat,
            timeout=timeout,
            max_event_bytes=self.streams.max_event_bytes,
        )

    def _run_stream(
        self, run_id: int, fill_gaps: bool, heartbeat: int | None
    ) -> StreamSpec:
        check_int_id("run_id", run_id)
        beat, timeout = self._stream_parts(heartbeat)
        return run_events(
            run_id,
            fill_gaps=fill_gaps,
            heartbeat=beat,
            timeout=timeout,
            max_event_bytes=self.streams.max_event_bytes,
        )

    def _options(self, **changes: Any) -> dict[str, Any]:
        options = {
            "api_key": self._api_key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "backoff": self.backoff,
            "streams": self.streams,
        }
        options.update({k: v for k, v in changes.items() if v is not None})
        return options


class Client(_BaseClient):
    """The synchronous agentrail client.

    ```python
    with agentrail.Client() as client:          # AGENTRAIL_API_KEY, AGENTRAIL_BASE_URL
        run = client.bench_runs.get(42)
    ```

    Parameters:
    - `api_key`: the API key; defaults to `AGENTRAIL_API_KEY`.
    - `base_url`: defaults to `AGENTRAIL_BASE_URL`, then the public API.
    - `timeout`: seconds or an `httpx.Timeout` for REST calls (60 s; connect 5 s).
    - `max_retries`: retries of replayable calls on connection errors, 429 and 5xx.
    - `streams`: `StreamSettings` (reconnects, stall detection, dedupe window).
    - `http_client`: an `httpx.Client` to send with (proxies, transports, TLS).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        *,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: Backoff = DEFAULT_BACKOFF,
        streams: StreamSettings = DEFAULT_STREAMS,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            api_key,
            base_url,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            streams=streams,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client()
        for name, value in self._http_options().items():
            setattr(self._http, name, value)
        self.generated = self._generated().set_httpx_client(self._http)
        """The generated `agentrail_api` client on the same connection pool."""
        from ._resources import Benches, BenchRuns, Sessions, Tasks

        self.sessions = Sessions(self)
        self.tasks = Tasks(self)
        self.benches = Benches(self)
        self.bench_runs = BenchRuns(self)

    def with_options(
        self,
        *,
        max_retries: int | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> Client:
        """A client sharing this one's connections, with other retries or timeouts."""
        clone = Client(
            http_client=self._http,
            **self._options(max_retries=max_retries, timeout=timeout),
        )
        clone._owns_http = False
        return clone

    def close(self) -> None:
        """Close the connection pool (not a pool passed in as `http_client`)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, call: Call[T]) -> T:
        request = self._http.build_request(timeout=self.timeout, **call.request)
        attempt = 0
        while True:
            attempt += 1
            try:
                return finish(call, self._http.send(request))
            except httpx.HTTPError as exc:
                error: APIError = translate(exc)
            except APIStatusError as exc:
                error = exc
            delay = self._retry_delay(call, attempt, error)
            if delay is None:
                raise error
            time.sleep(delay)

    def stream_events(
        self, options: StreamOptions | None = None
    ) -> EventStream[TaskLifecycleEvent]:
        """Follow the task lifecycle stream, resuming after drops: no loss, no repeats.

        Connects before returning: a key without `events:read` raises
        `InsufficientScopeError` here. `stream.last_event_id` is the cursor to resume
        from, in this process or another.
        """
        spec, cursor = self._task_stream(options)
        return self._stream(spec, cursor)

    def _stream(self, spec: StreamSpec, start: str = "") -> EventStream[Any]:
        state = self._state()
        stream: EventStream[Any] = EventStream(self, follow(spec, state), state, start)
        return stream._open()

    def _page(
        self, make: Callable[[str | None], Call[Any]], cursor: str | None = None
    ) -> Page[Any]:
        model = self._request(make(cursor))
        return Page(
            model.data,
            model.has_more,
            _cursor(model),
            next=lambda c: self._page(make, c),
        )


class AsyncClient(_BaseClient):
    """The asynchronous agentrail client: `Client` with `await` and `async for`.

    ```python
    async with agentrail.AsyncClient() as client:
        run = await client.bench_runs.get(42)
    ```
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        *,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: Backoff = DEFAULT_BACKOFF,
        streams: StreamSettings = DEFAULT_STREAMS,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            api_key,
            base_url,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            streams=streams,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient()
        for name, value in self._http_options().items():
            setattr(self._http, name, value)
        self.generated = self._generated().set_async_httpx_client(self._http)
        """The generated `agentrail_api` client on the same connection pool."""
        from ._resources import AsyncBenches, AsyncBenchRuns, AsyncSessions, AsyncTasks

        self.sessions = AsyncSessions(self)
        self.tasks = AsyncTasks(self)
        self.benches = AsyncBenches(self)
        self.bench_runs = AsyncBenchRuns(self)

    def with_options(
        self,
        *,
        max_retries: int | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> AsyncClient:
        """A client sharing this one's connections, with other retries or timeouts."""
        clone = AsyncClient(
            http_client=self._http,
            **self._options(max_retries=max_retries, timeout=timeout),
        )
        clone._owns_http = False
        return clone

    async def aclose(self) -> None:
        """Close the connection pool (not a pool passed in as `http_client`)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _request(self, call: Call[T]) -> T:
        request = self._http.build_request(timeout=self.timeout, **call.request)
        attempt = 0
        while True:
            attempt += 1
            try:
                return finish(call, await self._http.send(request))
            except httpx.HTTPError as exc:
                error: APIError = translate(exc)
            except APIStatusError as exc:
                error = exc
            delay = self._retry_delay(call, attempt, error)
            if delay is None:
                raise error
            await asyncio.sleep(delay)

    def stream_events(
        self, options: StreamOptions | None = None
    ) -> AsyncEventStream[TaskLifecycleEvent]:
        """Follow the task lifecycle stream, resuming after drops: no loss, no repeats.

        `async for` it directly, or `await` it first to connect (a key without
        `events:read` raises `InsufficientScopeError` before any event).
        """
        spec, cursor = self._task_stream(options)
        return self._stream(spec, cursor)

    def _stream(self, spec: StreamSpec, start: str = "") -> AsyncEventStream[Any]:
        state = self._state()
        return AsyncEventStream(self, follow(spec, state), state, start)

    async def _page(
        self, make: Callable[[str | None], Call[Any]], cursor: str | None = None
    ) -> AsyncPage[Any]:
        model = await self._request(make(cursor))
        return AsyncPage(
            model.data,
            model.has_more,
            _cursor(model),
            next=lambda c: self._page(make, c),
        )


def _cursor(model: Any) -> str | None:
    value = getattr(model, "next_cursor", None)
    return value if isinstance(value, str) else None
