"""The seam between the resource groups and HTTP.

One object, `Transport` (and its twin `AsyncTransport`), owns the httpx client, the
key, retries and their sleeps, and opening streams; the resource groups and the stream
drivers talk only to it.

A caller's `http_client` is used as given, never modified (openai's `_base_client.py`
does the same): every request carries its own headers (the key, User-Agent, Accept)
and an absolute URL, and is sent with `follow_redirects=False`, so the key never
follows a redirect (RFC 9110 sec. 15.4 lets a server send a client anywhere) and never
rides along on the caller's own requests to other hosts.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from ._base import AsyncPage, Call, Page, finish, translate, walked
from ._errors import APIError, APIStatusError, InvalidArgumentError
from ._logs import log_request, log_response, log_retry
from ._options import BodyOptions, StreamSettings, check_options, check_timeout
from ._response import APIResponse
from ._retry import Backoff, should_retry_status
from ._version import __version__

if TYPE_CHECKING:
    from ._state import StreamState
    from ._steps import Limits, StreamSpec
    from ._stream import AsyncEventStream, EventStream

T = TypeVar("T")

USER_AGENT = f"agentrail-python/{__version__}"


class _Transport:
    """Configuration, request building and retry policy; no I/O."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: httpx.URL,
        timeout: httpx.Timeout,
        max_retries: int,
        backoff: Backoff,
        streams: StreamSettings,
        default_headers: Mapping[str, str],
        owns_http: bool,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.streams = streams
        self.default_headers = dict(default_headers)
        self.owns_http = owns_http
        self.raw = False
        """Whether calls return `APIResponse`s (`client.with_raw_response`)."""
        self.plain: Any = self
        """The transport whose calls return results: next pages and streams."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={str(self.base_url)!r})"

    def as_raw(self) -> Any:
        """A copy whose calls return `APIResponse`s instead of parsed results."""
        raw = copy.copy(self)
        raw.raw = True
        raw.plain = self
        return raw

    def headers(self) -> dict[str, str]:
        """The headers every request of this client carries, the key included."""
        return {
            "Authorization": f"Bearer {self.api_key}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            **self.default_headers,
        }

    def url(self, path: str) -> httpx.URL:
        """The absolute URL of an API path: the caller's `base_url` is never used."""
        return httpx.URL(str(self.base_url) + path)

    def build(
        self,
        http: httpx.Client | httpx.AsyncClient,
        kwargs: Mapping[str, Any],
        options: BodyOptions,
        timeout: httpx.Timeout | None = None,
    ) -> httpx.Request:
        """The request of `kwargs` (a generated `_get_kwargs` result) with `options`."""
        request = dict(kwargs)
        headers = {**self.headers(), **request.pop("headers", {})}
        headers.update(options.get("extra_headers", {}))
        params = {**request.pop("params", {}), **options.get("extra_query", {})}
        extra_body = options.get("extra_body")
        if extra_body:
            body = request.get("json")
            if not isinstance(body, dict):
                raise InvalidArgumentError("extra_body needs a call with a JSON body")
            request["json"] = {**body, **extra_body}
        if "timeout" in request:  # a stream's: connect, and the stall deadline
            timeout = request.pop("timeout")
        elif timeout is None:
            timeout = (
                check_timeout(options["timeout"])
                if "timeout" in options
                else self.timeout
            )
        return http.build_request(
            url=self.url(request.pop("url")),
            headers=headers,
            params=params or None,
            timeout=timeout,
            **request,
        )

    def retry_delay(
        self, call: Call[Any], attempt: int, error: APIError, retries: int
    ) -> float | None:
        """Seconds to wait before sending `call` again, or None to raise `error`."""
        if attempt > retries or not call.replayable:
            return None
        if isinstance(error, APIStatusError):
            if not should_retry_status(error.status_code):
                return None
            return self.backoff.delay(attempt, retry_after=error.retry_after)
        return self.backoff.delay(attempt)

    def retries(self, options: BodyOptions) -> int:
        return options.get("max_retries", self.max_retries)

    def limits(self, heartbeat: int | None, options: Mapping[str, Any]) -> Limits:
        """A stream's limits: the client's, or this call's timeout and heartbeat."""
        from ._steps import limits

        o = check_options(options)
        timeout = check_timeout(o["timeout"]) if "timeout" in o else self.timeout
        return limits(self.streams, timeout, heartbeat)

    def state(self, spec: StreamSpec, options: BodyOptions) -> StreamState:
        from ._state import StreamState

        s = self.streams
        return StreamState(
            name=spec.name,
            last_event_id=spec.start,
            backoff=s.backoff,
            max_reconnects=s.max_reconnects,
            open_retries=self.retries(options),
            open_backoff=self.backoff,
        )

    def paged(
        self,
        kind: type[Page[Any]] | type[AsyncPage[Any]],
        make: Callable[[str | None], Call[Any]],
        options: Mapping[str, Any] | None,
        call: Call[Any],
        seen: frozenset[str],
        model: Any,
    ) -> Any:
        """The page `call` answered with `model`; its next page comes from the plain
        transport, with the same options and the cursors sent so far."""
        sent = walked(call, model, seen)
        plain = self.plain
        return kind(
            model.data,
            model.has_more,
            _cursor(model),
            next=lambda c: plain.page(make, options, c, sent),
        )

    def result(self, call: Call[T], response: httpx.Response) -> Any:
        """The call's result, or (raw) its `APIResponse`; raises the error it is."""
        if self.raw:
            if not 200 <= response.status_code < 300 and (
                response.status_code not in call.instead
            ):
                finish(call, response)  # raises the typed error
            return APIResponse(response, lambda: finish(call, response))
        return finish(call, response)


class Transport(_Transport):
    """The synchronous transport: sends calls, walks pages, opens streams."""

    def __init__(self, http: httpx.Client, **config: Any) -> None:
        super().__init__(**config)
        self.http = http

    def request(
        self,
        call: Call[T],
        options: Mapping[str, Any] | None = None,
        *,
        timeout: httpx.Timeout | None = None,
    ) -> T:
        """Send `call`, retrying what may be retried; its result or typed error."""
        o = check_options(options or {})
        request = self.build(self.http, call.request, o, timeout)
        retries = self.retries(o)
        attempt = 0
        while True:
            attempt += 1
            log_request(request, attempt)
            started = time.monotonic()
            try:
                response = self.http.send(request, follow_redirects=False)
            except httpx.HTTPError as exc:
                error: APIError = translate(exc, request)
            else:
                log_response(request, response, started)
                try:
                    result: T = self.result(call, response)
                    return result
                except APIStatusError as exc:
                    error = exc
            delay = self.retry_delay(call, attempt, error, retries)
            if delay is None:
                raise error
            log_retry(request, error, delay, attempt, retries)
            time.sleep(delay)

    def page(
        self,
        make: Callable[[str | None], Call[Any]],
        options: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        seen: frozenset[str] = frozenset(),
    ) -> Page[Any]:
        """A page of a list; iterating it walks the rest (with the same options)."""
        call = make(cursor)
        answer = self.request(call, options)
        paged = partial(self.paged, Page, make, options, call, seen)
        return answer.map(paged) if self.raw else paged(answer)  # type: ignore[no-any-return]

    def collect(
        self, make: Callable[[str | None], Call[Any]], options: Mapping[str, Any]
    ) -> list[Any]:
        """Every item of a list (raw: the first page's answer)."""
        page = self.page(make, options)
        return page if self.raw else list(page)  # type: ignore[return-value]

    def connect(
        self, kwargs: Mapping[str, Any], options: BodyOptions
    ) -> httpx.Response:
        """Open a stream request; the response's body is read later."""
        request = self.build(self.http, kwargs, options)
        log_request(request, 1)
        started = time.monotonic()
        try:
            response = self.http.send(request, stream=True, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise translate(exc, request) from exc
        log_response(request, response, started)
        return response

    def stream(self, spec: StreamSpec, options: Mapping[str, Any]) -> EventStream[Any]:
        """The stream of `spec`, connected (a 401/403/404 is raised here)."""
        from ._stream import EventStream

        plain: Transport = self.plain
        o = check_options(options)
        state = plain.state(spec, o)
        stream: EventStream[Any] = EventStream(plain, spec.flow(state), state, o)
        return stream._open()

    def close(self) -> None:
        if self.owns_http:
            self.http.close()


class AsyncTransport(_Transport):
    """The asynchronous transport: `Transport` with `await`."""

    def __init__(self, http: httpx.AsyncClient, **config: Any) -> None:
        super().__init__(**config)
        self.http = http

    async def request(
        self,
        call: Call[T],
        options: Mapping[str, Any] | None = None,
        *,
        timeout: httpx.Timeout | None = None,
    ) -> T:
        """Send `call`, retrying what may be retried; its result or typed error."""
        o = check_options(options or {})
        request = self.build(self.http, call.request, o, timeout)
        retries = self.retries(o)
        attempt = 0
        while True:
            attempt += 1
            log_request(request, attempt)
            started = time.monotonic()
            try:
                response = await self.http.send(request, follow_redirects=False)
            except httpx.HTTPError as exc:
                error: APIError = translate(exc, request)
            else:
                log_response(request, response, started)
                try:
                    result: T = self.result(call, response)
                    return result
                except APIStatusError as exc:
                    error = exc
            delay = self.retry_delay(call, attempt, error, retries)
            if delay is None:
                raise error
            log_retry(request, error, delay, attempt, retries)
            await sleep(delay)

    async def page(
        self,
        make: Callable[[str | None], Call[Any]],
        options: Mapping[str, Any] | None = None,
        cursor: str | None = None,
        seen: frozenset[str] = frozenset(),
    ) -> AsyncPage[Any]:
        """A page of a list; `async for` walks the rest (with the same options)."""
        call = make(cursor)
        answer = await self.request(call, options)
        paged = partial(self.paged, AsyncPage, make, options, call, seen)
        return answer.map(paged) if self.raw else paged(answer)  # type: ignore[no-any-return]

    async def collect(
        self, make: Callable[[str | None], Call[Any]], options: Mapping[str, Any]
    ) -> list[Any]:
        """Every item of a list (raw: the first page's answer)."""
        page = await self.page(make, options)
        if self.raw:
            return page  # type: ignore[return-value]
        return [item async for item in page]

    async def connect(
        self, kwargs: Mapping[str, Any], options: BodyOptions
    ) -> httpx.Response:
        """Open a stream request; the response's body is read later."""
        request = self.build(self.http, kwargs, options)
        log_request(request, 1)
        started = time.monotonic()
        try:
            response = await self.http.send(
                request, stream=True, follow_redirects=False
            )
        except httpx.HTTPError as exc:
            raise translate(exc, request) from exc
        log_response(request, response, started)
        return response

    def stream(
        self, spec: StreamSpec, options: Mapping[str, Any]
    ) -> AsyncEventStream[Any]:
        """The stream of `spec`, not yet connected: `await` it to connect."""
        from ._stream import AsyncEventStream

        plain: AsyncTransport = self.plain
        o = check_options(options)
        state = plain.state(spec, o)
        return AsyncEventStream(plain, spec.flow(state), state, o)

    async def aclose(self) -> None:
        if self.owns_http:
            await self.http.aclose()


async def sleep(seconds: float) -> None:
    """Sleep on whichever event loop runs us (asyncio or trio)."""
    import anyio  # not at the top: a sync-only program never pays for it

    await anyio.sleep(seconds)


def _cursor(model: Any) -> str | None:
    value = getattr(model, "next_cursor", None)
    return value if isinstance(value, str) else None
