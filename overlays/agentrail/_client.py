"""`Client` and `AsyncClient`: configuration, the send loops, and the resource groups.

Everything without I/O lives in `_BaseClient` (and `_base`, `_retry`); the two classes
differ only where `await` appears (`httpx/_client.py` has the same split).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, Self, TypeVar

import httpx

from agentrail_api.client import AuthenticatedClient

from ._base import AsyncPage, Call, Page, finish, translate, walked
from ._errors import APIError, APIStatusError, InvalidArgumentError
from ._events import TaskLifecycleEvent
from ._flows import Limits, StreamSpec, limits, task_events
from ._options import StreamOptions, StreamSettings
from ._retry import Backoff, should_retry_status
from ._stream import AsyncEventStream, EventStream, StreamState
from ._version import __version__

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.agentrail.app"
# Explicit defaults: the generated client has none (docs/generator.md, "Traps, and
# what we do"). A REST answer may take a while to compute; connecting should not.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_BACKOFF = Backoff()
DEFAULT_STREAMS = StreamSettings()
# Each open stream holds a connection for as long as it lives, so httpx's default of
# 100 connections would make stream 101 (and every REST call behind it) wait for the
# pool. No cap on connections; idle ones kept as httpx does.
DEFAULT_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=20)


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
        if not (
            timeout is None
            or isinstance(timeout, httpx.Timeout)
            or (isinstance(timeout, int | float) and not isinstance(timeout, bool))
        ):
            # httpx.Timeout("1") is accepted and fails at the first request instead.
            raise InvalidArgumentError(
                "timeout must be seconds, an httpx.Timeout or None, "
                f"not {type(timeout).__name__}"
            )
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

    def _adopt(self, http: httpx.Client | httpx.AsyncClient, owned: bool) -> None:
        """Configure the httpx client to send with; close it later only if `owned`."""
        self._owns_http = owned
        for name, value in self._http_options().items():
            setattr(http, name, value)

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
    # flow's spec; the twins below add a fresh state and wrap them in a driver.

    def _limits(self, heartbeat: int | None) -> Limits:
        """This client's stream limits, with a per-stream heartbeat."""
        return limits(self.streams, self.timeout, heartbeat)

    def _state(self, spec: StreamSpec) -> StreamState:
        s = self.streams
        return StreamState(
            name=spec.name,
            last_event_id=spec.start,
            backoff=s.backoff,
            max_reconnects=s.max_reconnects,
            open_retries=self.max_retries,
            open_backoff=self.backoff,
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
        self._http = http_client or httpx.Client(limits=DEFAULT_LIMITS)
        self._adopt(self._http, owned=http_client is None)
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
        # Shares the pool: passing http_client= means the clone never closes it.
        return Client(
            http_client=self._http,
            **self._options(max_retries=max_retries, timeout=timeout),
        )

    def close(self) -> None:
        """Close the connection pool (not a pool passed in as `http_client`)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, call: Call[T], timeout: httpx.Timeout | None = None) -> T:
        request = self._http.build_request(
            timeout=timeout or self.timeout, **call.request
        )
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
        o = _stream_options(options)
        return self._stream(task_events(o, self._limits(o.heartbeat_seconds)))

    def _stream(self, spec: StreamSpec) -> EventStream[Any]:
        state = self._state(spec)
        stream: EventStream[Any] = EventStream(self, spec.flow(state), state)
        return stream._open()

    def _page(
        self,
        make: Callable[[str | None], Call[Any]],
        cursor: str | None = None,
        seen: frozenset[str] = frozenset(),
    ) -> Page[Any]:
        call = make(cursor)
        model = self._request(call)
        seen = walked(call, model, seen)
        return Page(
            model.data,
            model.has_more,
            _cursor(model),
            next=lambda c: self._page(make, c, seen),
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
        self._http = http_client or httpx.AsyncClient(limits=DEFAULT_LIMITS)
        self._adopt(self._http, owned=http_client is None)
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
        # Shares the pool: passing http_client= means the clone never closes it.
        return AsyncClient(
            http_client=self._http,
            **self._options(max_retries=max_retries, timeout=timeout),
        )

    async def aclose(self) -> None:
        """Close the connection pool (not a pool passed in as `http_client`)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _request(self, call: Call[T], timeout: httpx.Timeout | None = None) -> T:
        request = self._http.build_request(
            timeout=timeout or self.timeout, **call.request
        )
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
            import asyncio  # not at the top: a sync-only program never pays for it

            await asyncio.sleep(delay)

    def stream_events(
        self, options: StreamOptions | None = None
    ) -> AsyncEventStream[TaskLifecycleEvent]:
        """Follow the task lifecycle stream, resuming after drops: no loss, no repeats.

        `async for` it directly, or `await` it first to connect (a key without
        `events:read` raises `InsufficientScopeError` before any event).
        """
        o = _stream_options(options)
        return self._stream(task_events(o, self._limits(o.heartbeat_seconds)))

    def _stream(self, spec: StreamSpec) -> AsyncEventStream[Any]:
        state = self._state(spec)
        return AsyncEventStream(self, spec.flow(state), state)

    async def _page(
        self,
        make: Callable[[str | None], Call[Any]],
        cursor: str | None = None,
        seen: frozenset[str] = frozenset(),
    ) -> AsyncPage[Any]:
        call = make(cursor)
        model = await self._request(call)
        seen = walked(call, model, seen)
        return AsyncPage(
            model.data,
            model.has_more,
            _cursor(model),
            next=lambda c: self._page(make, c, seen),
        )


def _stream_options(options: object) -> StreamOptions:
    if options is None:
        return StreamOptions()
    if not isinstance(options, StreamOptions):
        raise InvalidArgumentError(
            f"options must be a StreamOptions, not {type(options).__name__}"
        )
    return options


def _cursor(model: Any) -> str | None:
    value = getattr(model, "next_cursor", None)
    return value if isinstance(value, str) else None
