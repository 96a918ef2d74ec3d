"""What a REST call is, apart from sending it: the request, how to read the answer, and
how to translate failures. Written once; `Client` and `AsyncClient` only send.

A `Call` wraps the generated module's `_get_kwargs` (the request, path guards included)
and `_parse_response` (the spec's models). The status is checked here, before the
generated parser runs, because that parser raises `JSONDecodeError` on an HTML error
page.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from types import ModuleType
from typing import Any, Generic, TypeVar

import attrs
import httpx

from agentrail_api.client import Client as _GeneratedClient

from ._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    InvalidArgumentError,
    RepeatedCursorError,
    status_error,
)
from ._retry import is_replayable

T = TypeVar("T")
M = TypeVar("M")

# The generated parsers take a client only to read `raise_on_unexpected_status`.
_PARSER_CLIENT = _GeneratedClient(base_url="http://parser.invalid")


@attrs.frozen
class Call(Generic[T]):
    """One REST operation, ready to send: request kwargs plus how to read the answer."""

    request: dict[str, Any]
    """`method`, `url`, `params`, `json`, `headers`: `build_request` arguments."""
    parse: Callable[[httpx.Response], T]
    """Turns a 2xx answer into the result."""
    instead: Mapping[int, Callable[[], T]] = attrs.field(factory=dict)
    """Statuses that are answers, not errors (404 -> None for `get`)."""

    @property
    def replayable(self) -> bool:
        """Whether a retry cannot do the work twice (idempotent method or key)."""
        return is_replayable(self.request["method"], self.request.get("headers"))


def new_idempotency_key() -> str:
    """A fresh key; one logical call keeps it across its retries (docs/api.md,
    "Idempotency")."""
    return f"agentrail-{uuid.uuid4()}"


def build(
    module: ModuleType,
    expected: type[M] | None,
    /,
    *args: Any,
    instead: Mapping[int, Callable[[], Any]] | None = None,
    **params: Any,
) -> Call[Any]:
    """Build the `Call` of a generated operation module.

    `expected` is the model a 2xx answer must parse to (None for 204 / ignored bodies).
    """
    try:
        request = module._get_kwargs(*args, **params)
    except ValueError as exc:  # check_path_segment: "", "." or ".."
        raise InvalidArgumentError(str(exc)) from None
    return Call(request, _parser(module, expected), instead or {})


def _parser(
    module: ModuleType, expected: type[M] | None
) -> Callable[[httpx.Response], M]:
    def parse(response: httpx.Response) -> M:
        if expected is None:
            return None  # type: ignore[return-value]
        try:
            value = module._parse_response(client=_PARSER_CLIENT, response=response)
        # RecursionError: JSON nested past the interpreter's limit; OverflowError:
        # a date or number no Python type holds.
        except (
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
            RecursionError,
            OverflowError,
        ) as exc:
            raise _invalid(response, f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(value, expected):
            raise _invalid(response, f"expected {expected.__name__}")
        return value

    return parse


def _invalid(response: httpx.Response, why: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"{response.request.method} {response.request.url.path} answered "
        f"{response.status_code} with a body that does not match openapi.yaml ({why})"
    )


def finish(call: Call[T], response: httpx.Response) -> T:
    """The result of a finished call, or the typed error its answer stands for."""
    if 200 <= response.status_code < 300:
        return call.parse(response)
    fallback = call.instead.get(response.status_code)
    if fallback is not None:
        return fallback()
    raise error_from_response(response)


def error_from_response(response: httpx.Response) -> APIStatusError:
    """The typed error for a non-2xx answer whose body has been read.

    The error keeps the request and the answer (`error.request`, `error.response`),
    copied with the key cut out: errors end up in logs and bug reports.
    """
    content = response.content
    # A server or proxy may quote the key back ("invalid key: ..."), so the key is
    # cut out of the body as well as the headers.
    scheme, _, key = response.request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and len(key) >= 8 and key.encode() in content:
        content = content.replace(key.encode(), b"[redacted]")
    error = status_error(response.status_code, response.headers, content)
    error.request = redact(response.request)
    # The body as read, so content-encoding and content-length no longer apply.
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length")
    ]
    error.response = httpx.Response(
        response.status_code, headers=headers, content=content, request=error.request
    )
    return error


def redact(request: httpx.Request) -> httpx.Request:
    """A copy of `request` without its body and with the `Authorization` header
    replaced by `[redacted]`."""
    headers = httpx.Headers(request.headers)
    if "authorization" in headers:
        headers["authorization"] = "[redacted]"
    return httpx.Request(request.method, request.url, headers=headers)


def translate(
    exc: httpx.HTTPError, request: httpx.Request | None = None
) -> APIConnectionError:
    """An httpx transport failure as one of ours, chained to the original."""
    cls = (
        APITimeoutError
        if isinstance(exc, httpx.TimeoutException)
        else APIConnectionError
    )
    request = request or getattr(exc, "_request", None)
    where = f" ({request.method} {request.url.path})" if request is not None else ""
    why = str(exc)
    if isinstance(exc, httpx.PoolTimeout):
        # Only a caller's own http_client has a cap (agentrail's has none): say so.
        why = (
            "every connection of the http_client's pool is in use (each open stream "
            "holds one); raise its httpx.Limits(max_connections=...) or pass none"
        )
    error = cls(f"{type(exc).__name__}: {why}{where}")
    error.request = None if request is None else redact(request)
    error.__cause__ = exc
    return error


def walked(call: Call[Any], model: Any, seen: frozenset[str]) -> frozenset[str]:
    """The cursors a page walk has sent, once `call` answered `model`; raises
    `RepeatedCursorError` if the answer's next cursor is one of them.

    A server that hands back a cursor it was given (Prism repeats its example
    page) would otherwise make every walker fetch the same page forever.
    """
    sent = call.request.get("params", {}).get("cursor")
    if isinstance(sent, str) and sent:
        seen = seen | {sent}
    cursor = getattr(model, "next_cursor", None)
    if model.has_more and isinstance(cursor, str) and cursor in seen:
        request = call.request
        raise RepeatedCursorError(
            f"{request['method'].upper()} {request['url']} answered has_more with "
            f"the cursor {cursor!r} it was already given; stopping instead of "
            "fetching the same page again",
            cursor=cursor,
        )
    return seen


@attrs.frozen
class Page(Generic[T]):
    """One page of a list; iterating it walks this page and every page after it."""

    data: list[T]
    """The items of this page."""
    has_more: bool
    """Whether another page follows."""
    next_cursor: str | None
    """The cursor of the next page, if any."""
    _next: Callable[[str], Page[T]] = attrs.field(repr=False, alias="next")

    def next_page(self) -> Page[T] | None:
        """Fetch the page after this one, or None if this is the last."""
        if not self.has_more or not self.next_cursor:
            return None
        return self._next(self.next_cursor)

    def __iter__(self) -> Iterator[T]:
        page: Page[T] | None = self
        while page is not None:
            yield from page.data
            page = page.next_page()


@attrs.frozen
class AsyncPage(Generic[T]):
    """One page of a list; `async for` walks this page and every page after it."""

    data: list[T]
    """The items of this page."""
    has_more: bool
    """Whether another page follows."""
    next_cursor: str | None
    """The cursor of the next page, if any."""
    _next: Callable[[str], Any] = attrs.field(repr=False, alias="next")

    async def next_page(self) -> AsyncPage[T] | None:
        """Fetch the page after this one, or None if this is the last."""
        if not self.has_more or not self.next_cursor:
            return None
        page: AsyncPage[T] = await self._next(self.next_cursor)
        return page

    async def __aiter__(self) -> AsyncIterator[T]:
        page: AsyncPage[T] | None = self
        while page is not None:
            for item in page.data:
                yield item
            page = await page.next_page()
