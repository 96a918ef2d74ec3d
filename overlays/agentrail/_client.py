"""`Client` and `AsyncClient`: configuration and the resource groups.

Sending is the transport's (`_transport.py`): the clients check their options, make
one, and hand it to the resource groups. The two classes differ only where `await`
appears (`httpx/_client.py` has the same split).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, Unpack

import httpx

from ._docs import twin_docs
from ._errors import InvalidArgumentError
from ._events import TaskLifecycleEvent
from ._logs import setup_logging
from ._options import StreamOptions, StreamSettings
from ._retry import Backoff
from ._stream import AsyncEventStream, EventStream
from ._transport import (
    USER_AGENT,
    AsyncTransport,
    RequestOptions,
    Transport,
    check_retries,
    check_timeout,
)
from ._validate import check_cursor

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

G = TypeVar("G")

DEFAULT_BASE_URL = "https://api.agentrail.app"
# Explicit defaults: the generated client has none. A REST answer may take a while to
# compute; connecting should not.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_BACKOFF = Backoff()
DEFAULT_STREAMS = StreamSettings()
# Each open stream holds a connection for as long as it lives, so httpx's default of
# 100 connections would make stream 101 (and every REST call behind it) wait for the
# pool. No cap on connections; idle ones kept as httpx does.
DEFAULT_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=20)


def _config(
    api_key: str | None,
    base_url: str | httpx.URL | None,
    timeout: object,
    max_retries: object,
    backoff: Backoff,
    streams: StreamSettings,
    default_headers: Mapping[str, str] | None,
) -> dict[str, Any]:
    """The checked configuration of a client (and of its transport)."""
    setup_logging()
    api_key = api_key if api_key is not None else os.environ.get("AGENTRAIL_API_KEY")
    if not api_key:
        raise InvalidArgumentError("no API key: pass api_key= or set AGENTRAIL_API_KEY")
    if not isinstance(api_key, str):
        raise InvalidArgumentError(
            f"api_key must be a str, not {type(api_key).__name__}"
        )
    if default_headers is not None and not isinstance(default_headers, Mapping):
        raise InvalidArgumentError("default_headers must be a dict")
    for name, value, cls in (
        ("backoff", backoff, Backoff),
        ("streams", streams, StreamSettings),
    ):
        if not isinstance(value, cls):
            raise InvalidArgumentError(
                f"{name} must be a {cls.__name__}, not {type(value).__name__}"
            )
    url = base_url or os.environ.get("AGENTRAIL_BASE_URL") or DEFAULT_BASE_URL
    return {
        "api_key": api_key,
        "base_url": _base_url(url),
        "timeout": check_timeout(timeout),
        "max_retries": check_retries(max_retries),
        "backoff": backoff,
        "streams": streams,
        "default_headers": dict(default_headers or {}),
    }


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


class _Raw(Generic[G]):
    """A resource group whose methods return `APIResponse` objects."""

    def __init__(self, group: G) -> None:
        self._group = group

    def __getattr__(self, name: str) -> Any:
        return getattr(self._group, name)

    def __repr__(self) -> str:
        return f"<raw {type(self._group).__name__}>"


class WithRawResponse:
    """`client.with_raw_response`: every method returns an `APIResponse` (status,
    headers, request id, `.parse()`) instead of its result.

    A list method's `.parse()` is its first `Page`; streams are not raw.
    """

    def __init__(self, client: Client | AsyncClient) -> None:
        raw = client._clone(raw=True)
        self.sessions: _Raw[Any] = _Raw(raw.sessions)
        self.tasks: _Raw[Any] = _Raw(raw.tasks)
        self.benches: _Raw[Any] = _Raw(raw.benches)
        self.bench_runs: _Raw[Any] = _Raw(raw.bench_runs)


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
        config = _config(
            api_key, base_url, timeout, max_retries, backoff, streams, default_headers
        )
        _http_client(http_client, httpx.Client)
        http = (
            http_client
            if http_client is not None
            else httpx.Client(limits=DEFAULT_LIMITS)
        )
        self._attach(Transport(http, owns_http=http_client is None, **config))

    def _attach(self, transport: Transport) -> None:
        from ._resources import Benches, BenchRuns, Sessions, Tasks

        self._transport = transport
        self.sessions: Sessions = Sessions(transport)
        self.tasks: Tasks = Tasks(transport)
        self.benches: Benches = Benches(transport)
        self.bench_runs: BenchRuns = BenchRuns(transport)

    def _clone(self, *, raw: bool) -> Client:
        clone = object.__new__(Client)
        clone._attach(self._transport.as_raw() if raw else self._transport)
        return clone

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
            An `EventStream` of `TaskLifecycleEvent`, already connected.

        Raises:
            InsufficientScopeError: the key lacks `events:read` (raised here).
            AuthenticationError: the key is not valid.
            ReconnectsExhaustedError: drops outlasted `StreamSettings.max_reconnects`.
        """
        from ._flows import task_events

        o = _stream_options(options, last_event_id)
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
        config = _config(
            api_key, base_url, timeout, max_retries, backoff, streams, default_headers
        )
        _http_client(http_client, httpx.AsyncClient)
        http = (
            http_client
            if http_client is not None
            else httpx.AsyncClient(limits=DEFAULT_LIMITS)
        )
        self._attach(AsyncTransport(http, owns_http=http_client is None, **config))

    def _attach(self, transport: AsyncTransport) -> None:
        from ._resources import AsyncBenches, AsyncBenchRuns, AsyncSessions, AsyncTasks

        self._transport = transport
        self.sessions: AsyncSessions = AsyncSessions(transport)
        self.tasks: AsyncTasks = AsyncTasks(transport)
        self.benches: AsyncBenches = AsyncBenches(transport)
        self.bench_runs: AsyncBenchRuns = AsyncBenchRuns(transport)

    def _clone(self, *, raw: bool) -> AsyncClient:
        clone = object.__new__(AsyncClient)
        clone._attach(self._transport.as_raw() if raw else self._transport)
        return clone

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

        o = _stream_options(options, last_event_id)
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


def _base_url(url: object) -> httpx.URL:
    """An http(s) URL with a host, without a trailing slash."""
    if not isinstance(url, str | httpx.URL):
        raise InvalidArgumentError(f"base_url must be a str, not {type(url).__name__}")
    try:
        parsed = httpx.URL(str(url).rstrip("/"))
    except httpx.InvalidURL as exc:
        raise InvalidArgumentError(f"base_url is not a URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidArgumentError(
            f"base_url must be an http or https URL with a host, not {str(url)[:80]!r}"
        )
    return parsed


def _http_client(value: object, cls: type) -> None:
    if value is not None and not isinstance(value, cls):
        raise InvalidArgumentError(
            f"http_client must be an {cls.__module__}.{cls.__name__}, "
            f"not {type(value).__name__}"
        )


def _stream_options(options: object, last_event_id: str | None) -> StreamOptions:
    if options is None:
        options = StreamOptions()
    if not isinstance(options, StreamOptions):
        raise InvalidArgumentError(
            f"options must be a StreamOptions, not {type(options).__name__}"
        )
    if last_event_id is not None:
        check_cursor("last_event_id", last_event_id)
        if options.cursor is not None and options.cursor != last_event_id:
            raise InvalidArgumentError(
                "last_event_id and StreamOptions.cursor disagree; pass one"
            )
        import attrs

        options = attrs.evolve(options, cursor=last_event_id)
    return options
