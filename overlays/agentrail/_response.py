"""What `client.with_raw_response` hands back: the answer, and its parsed result."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

T = TypeVar("T")
U = TypeVar("U")
G = TypeVar("G")


class APIResponse(Generic[T]):
    """The raw answer of one call: status, headers, request id, and `parse()`.

    ```python
    raw = client.with_raw_response.tasks.get("task_1")
    print(raw.status_code, raw.request_id)
    task = raw.parse()
    ```
    """

    def __init__(self, response: httpx.Response, parse: Callable[[], T]) -> None:
        self.http_response = response
        """The `httpx.Response`, its body read."""
        self._parse = parse
        self._parsed: list[T] = []

    @property
    def status_code(self) -> int:
        """The HTTP status of the answer."""
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The answer's headers."""
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """The `Request-Id` the server gave the call; quote it in bug reports."""
        value: str | None = self.http_response.headers.get("request-id")
        return value

    @property
    def url(self) -> httpx.URL:
        """The URL the call was sent to."""
        return self.http_response.request.url

    @property
    def method(self) -> str:
        """The HTTP method of the call."""
        return self.http_response.request.method

    @property
    def elapsed(self) -> Any:
        """The time from sending the request to reading the answer (a timedelta)."""
        return self.http_response.elapsed

    @property
    def content(self) -> bytes:
        """The body, as bytes."""
        return self.http_response.content

    @property
    def text(self) -> str:
        """The body, decoded."""
        return self.http_response.text

    def json(self) -> Any:
        """The body, as JSON."""
        return self.http_response.json()

    def parse(self) -> T:
        """The result the method returns without `with_raw_response` (parsed once)."""
        if not self._parsed:
            self._parsed.append(self._parse())
        return self._parsed[0]

    def map(self, convert: Callable[[T], U]) -> APIResponse[U]:
        """The same answer, with `convert` applied to what `parse()` gives."""
        return APIResponse(self.http_response, lambda: convert(self.parse()))

    def __repr__(self) -> str:
        r = self.http_response
        return (
            f"<APIResponse [{r.status_code} {r.reason_phrase}] "
            f"{r.request.method} {r.request.url.path}>"
        )


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
        raw = client._raw_clone()
        self.sessions: _Raw[Any] = _Raw(raw.sessions)
        self.tasks: _Raw[Any] = _Raw(raw.tasks)
        self.benches: _Raw[Any] = _Raw(raw.benches)
        self.bench_runs: _Raw[Any] = _Raw(raw.bench_runs)
