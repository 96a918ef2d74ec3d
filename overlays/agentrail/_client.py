"""`Client` and `AsyncClient`: configuration and the resource groups.

Sending is the transport's (`_transport.py`): the clients check their options, make
one, and hand it to the resource groups. The two classes differ only where `await`
appears (`httpx/_client.py` has the same split).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Self, Unpack

import httpx

from ._config import (
    DEFAULT_BACKOFF,
    DEFAULT_LIMITS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_STREAMS,
    DEFAULT_TIMEOUT,
    check_http_client,
    client_config,
    stream_options,
)
from ._docs import twin_docs
from ._events import TaskLifecycleEvent
from ._options import (
    RequestOptions,
    StreamOptions,
    StreamSettings,
)
from ._response import WithRawResponse
from ._retry import Backoff
from ._stream import AsyncEventStream, EventStream
from ._transport import USER_AGENT, AsyncTransport, Transport

if TYPE_CHECKING:
    from agentrail_api.client import AuthenticatedClient

    from ._resources import (
        AsyncBenches,
        AsyncBenchRuns,
        AsyncSessions,
        AsyncTasks,
        Benches,
        BenchRuns,
        Sessions,
        Tasks,
    )


class _BaseClient:
    """What both clients show of their transport's configuration."""

    _transport: Transport | AsyncTransport

    @property
    def base_url(self) -> httpx.URL:
        """The API's base URL, without a trailing slash."""
        return self._transport.base_url

    @property
    def timeout(self) -> httpx.Timeout:
        """Timeouts of REST calls; streams replace `read` with the stall deadline."""
        return self._transport.timeout

    @property
    def max_retries(self) -> int:
        """Retries after the first attempt, for replayable calls."""
        return self._transport.max_retries

    @property
    def backoff(self) -> Backoff:
        """The waits between retries of a REST call."""
        return self._transport.backoff

    @property
    def streams(self) -> StreamSettings:
        """How streams reconnect and detect stalls."""
        return self._transport.streams

    @property
    def default_headers(self) -> dict[str, str]:
        """Headers added to every request of this client."""
        return dict(self._transport.default_headers)

    def __repr__(self) -> str:
        # The key is a secret: never in a repr, a log line or an exception message.
        return f"{type(self).__name__}(base_url={str(self.base_url)!r})"

    def _raw_clone(self) -> Self:
        """This client on a copy of its transport whose calls return `APIResponse`s."""
        clone = object.__new__(type(self))
        clone._transport = self._transport.as_raw()
        return clone

    def _changed(self, changes: dict[str, Any]) -> dict[str, Any]:
        t = self._transport
        options: dict[str, Any] = {
            "api_key": t.api_key,
            "base_url": t.base_url,
            "timeout": t.timeout,
            "max_retries": t.max_retries,
            "backoff": t.backoff,
            "streams": t.streams,
            "default_headers": t.default_headers,
        }
        options.update({k: v for k, v in changes.items() if v is not None})
        return options

    def _generated_config(self) -> dict[str, Any]:
        # Its own httpx client, whose transport sends through ours: the generated
        # functions build relative URLs and rely on client headers, which the
        # caller's httpx client must not be given. No default Accept: the stream
        # operations ask for text/event-stream themselves.
        t = self._transport
        return {
            "base_url": str(t.base_url),
            "token": t.api_key,
            "timeout": t.timeout,
            "headers": {"User-Agent": USER_AGENT, **t.default_headers},
            "follow_redirects": False,
        }


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
    - `backoff`: the waits between those retries.
    - `streams`: `StreamSettings` (reconnects, stall detection).
    - `default_headers`: headers added to every request.
    - `http_client`: an `httpx.Client` to send with (proxies, transports, TLS). It is
      used as given, never modified, and not closed by `close()`.
    """

    _transport: Transport

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        *,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: Backoff = DEFAULT_BACKOFF,
        streams: StreamSettings = DEFAULT_STREAMS,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        settings = client_config(
            api_key, base_url, timeout, max_retries, backoff, streams, default_headers
        )
        check_http_client(http_client, httpx.Client)
        http = (
            http_client
            if http_client is not None
            else httpx.Client(limits=DEFAULT_LIMITS)
        )
        # The groups are made (and their modules imported) when first used.
        self._transport = Transport(http, owns_http=http_client is None, **settings)

    @cached_property
    def sessions(self) -> Sessions:
        """Sessions and their events: `create`, `get`, `events(id)`, `logs(id)`."""
        from ._resources import Sessions

        return Sessions(self._transport)

    @cached_property
    def tasks(self) -> Tasks:
        """Tasks: `create`, `list`, `get`, `update`, `review`, `ship`, `list_events`."""
        from ._resources import Tasks

        return Tasks(self._transport)

    @cached_property
    def benches(self) -> Benches:
        """A project's benches, cases and runs: `put`, `trigger_run`, ...."""
        from ._resources import Benches

        return Benches(self._transport)

    @cached_property
    def bench_runs(self) -> BenchRuns:
        """Runs, cases and executions by id, `subscribe_run_events`."""
        from ._resources import BenchRuns

        return BenchRuns(self._transport)

    @cached_property
    def generated(self) -> AuthenticatedClient:
        """The generated `agentrail_api` client, on the same connection pool."""
        from agentrail_api.client import AuthenticatedClient

        via = _Via(self._transport.http)
        return AuthenticatedClient(
            **self._generated_config(), httpx_args={"transport": via}
        )

    @cached_property
    def with_raw_response(self) -> WithRawResponse:
        """The same methods, returning `APIResponse` (status, headers, request id)."""
        return WithRawResponse(self)

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        backoff: Backoff | None = None,
        streams: StreamSettings | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> Client:
        """A client like this one, with the given options changed (None: unchanged).

        It shares this client's connections (or sends with `http_client`), and closing
        it never closes them.
        """
        options = self._changed(
            {
                "api_key": api_key,
                "base_url": base_url,
                "timeout": timeout,
                "max_retries": max_retries,
                "backoff": backoff,
                "streams": streams,
                "default_headers": default_headers,
            }
        )
        http = http_client if http_client is not None else self._transport.http
        return Client(http_client=http, **options)

    def close(self) -> None:
        """Close the connection pool (not a pool passed in as `http_client`)."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stream_events(
        self,
        options: StreamOptions | None = None,
        *,
        last_event_id: str | None = None,
        **request_options: Unpack[RequestOptions],
    ) -> EventStream[TaskLifecycleEvent]:
        """Follow the task lifecycle stream, resuming after drops: no loss, no repeats.

        Operation `stream_task_events` (`GET /v1/task-events/stream`); needs the
        `events:read` scope. With `AsyncClient`, `await` the stream to connect (a
        401/403 is raised there), or `async for` / `async with` it directly.

        Args:
            options: the filters (`StreamOptions`: event types, task id, heartbeat).
            last_event_id: resume after this event (a `stream.last_event_id` kept
                earlier); the same as `StreamOptions(cursor=...)`.
            **request_options: `timeout`, `max_retries`, `extra_headers`,
                `extra_query` for this stream.

        Returns:
            An `EventStream` of `TaskLifecycleEvent`, connected.

        Raises:
            InsufficientScopeError: the key lacks `events:read` (raised here).
            AuthenticationError: the key is not valid.
            ReconnectsExhaustedError: drops outlasted `StreamSettings.max_reconnects`.
        """
        from ._flows import task_events

        o = stream_options(options, last_event_id)
        limits = self._transport.limits(o.heartbeat_seconds, request_options)
        return self._transport.stream(task_events(o, limits), request_options)


class AsyncClient(_BaseClient):
    """The asynchronous agentrail client: `Client` with `await` and `async for`.

    ```python
    async with agentrail.AsyncClient() as client:
        run = await client.bench_runs.get(42)
    ```

    Runs on asyncio and trio. Takes the parameters of `Client`; `http_client` is an
    `httpx.AsyncClient`.
    """

    _transport: AsyncTransport

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        *,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: Backoff = DEFAULT_BACKOFF,
        streams: StreamSettings = DEFAULT_STREAMS,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        settings = client_config(
            api_key, base_url, timeout, max_retries, backoff, streams, default_headers
        )
        check_http_client(http_client, httpx.AsyncClient)
        http = (
            http_client
            if http_client is not None
            else httpx.AsyncClient(limits=DEFAULT_LIMITS)
        )
        # The groups are made (and their modules imported) when first used.
        self._transport = AsyncTransport(
            http, owns_http=http_client is None, **settings
        )

    @cached_property
    def sessions(self) -> AsyncSessions:
        """Sessions and their events: `create`, `get`, `events(id)`, `logs(id)`."""
        from ._resources import AsyncSessions

        return AsyncSessions(self._transport)

    @cached_property
    def tasks(self) -> AsyncTasks:
        """Tasks: `create`, `list`, `get`, `update`, `review`, `ship`, `list_events`."""
        from ._resources import AsyncTasks

        return AsyncTasks(self._transport)

    @cached_property
    def benches(self) -> AsyncBenches:
        """A project's benches, cases and runs: `put`, `trigger_run`, ...."""
        from ._resources import AsyncBenches

        return AsyncBenches(self._transport)

    @cached_property
    def bench_runs(self) -> AsyncBenchRuns:
        """Runs, cases and executions by id, `subscribe_run_events`."""
        from ._resources import AsyncBenchRuns

        return AsyncBenchRuns(self._transport)

    @cached_property
    def generated(self) -> AuthenticatedClient:
        """The generated `agentrail_api` client, on the same connection pool."""
        from agentrail_api.client import AuthenticatedClient

        via = _AsyncVia(self._transport.http)
        return AuthenticatedClient(
            **self._generated_config(), httpx_args={"transport": via}
        )

    @cached_property
    def with_raw_response(self) -> WithRawResponse:
        """The same methods, returning `APIResponse` (status, headers, request id)."""
        return WithRawResponse(self)

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        backoff: Backoff | None = None,
        streams: StreamSettings | None = None,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> AsyncClient:
        """A client like this one, with the given options changed (None: unchanged).

        It shares this client's connections (or sends with `http_client`), and closing
        it never closes them.
        """
        options = self._changed(
            {
                "api_key": api_key,
                "base_url": base_url,
                "timeout": timeout,
                "max_retries": max_retries,
                "backoff": backoff,
                "streams": streams,
                "default_headers": default_headers,
            }
        )
        http = http_client if http_client is not None else self._transport.http
        return AsyncClient(http_client=http, **options)

    async def aclose(self) -> None:
        """Close the connection pool (not a pool passed in as `http_client`)."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def stream_events(
        self,
        options: StreamOptions | None = None,
        *,
        last_event_id: str | None = None,
        **request_options: Unpack[RequestOptions],
    ) -> AsyncEventStream[TaskLifecycleEvent]:
        from ._flows import task_events

        o = stream_options(options, last_event_id)
        limits = self._transport.limits(o.heartbeat_seconds, request_options)
        return self._transport.stream(task_events(o, limits), request_options)


twin_docs(AsyncClient, Client)


class _Via(httpx.BaseTransport):
    """The transport of `client.generated`: sends through the client's httpx client
    without redirects (the generated client's own headers come with the request)."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._http.send(request, stream=True, follow_redirects=False)


class _AsyncVia(httpx.AsyncBaseTransport):
    """`_Via` for an `httpx.AsyncClient`."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._http.send(request, stream=True, follow_redirects=False)
