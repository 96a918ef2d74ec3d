"""The exceptions agentrail raises: one tree, rooted at `AgentrailError`.

```
AgentrailError
├── InvalidArgumentError (also a ValueError)  bad input caught before any request
├── APIError                                  something went wrong talking to the API
│   ├── APIStatusError                        the server answered with a non-2xx status
│   │   ├── BadRequestError                   400 validation_error
│   │   ├── AuthenticationError               401 unauthorized
│   │   ├── PermissionDeniedError             403
│   │   │   └── InsufficientScopeError        403 insufficient_scope
│   │   ├── NotFoundError                     404 not_found
│   │   ├── ConflictError                     409 conflict
│   │   ├── CursorExpiredError                410 cursor_expired
│   │   ├── RateLimitError                    429 rate_limited
│   │   └── InternalServerError               5xx
│   │       └── ServiceUnavailableError       503 unavailable
│   ├── APIConnectionError                    no answer: DNS, refused, reset, TLS
│   │   └── APITimeoutError                   no answer in time
│   └── APIResponseValidationError            a 2xx answer that does not match the spec
│       └── RepeatedCursorError               a list page repeated a cursor: a loop
└── StreamError                               an event stream could not go on
    ├── EventTooLargeError                    one event passed `max_event_bytes`
    ├── EventDecodeError (also a ValueError)  `data` is not the JSON it must be
    ├── StreamContentTypeError                a 2xx stream without text/event-stream
    └── ReconnectsExhaustedError              drops or stalls outlasted the retries
```

httpx exceptions and the generated client's exceptions never leave agentrail
untranslated: the facade wraps them in this tree and chains the original with `from`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AgentrailError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CursorExpiredError",
    "EventDecodeError",
    "EventTooLargeError",
    "InsufficientScopeError",
    "InternalServerError",
    "InvalidArgumentError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReconnectsExhaustedError",
    "RepeatedCursorError",
    "ServiceUnavailableError",
    "StreamContentTypeError",
    "StreamError",
    "status_error",
]


class AgentrailError(Exception):
    """The root of every exception agentrail raises."""


class InvalidArgumentError(AgentrailError, ValueError):
    """An argument was rejected before any request was sent (an invalid id, say)."""


class APIError(AgentrailError):
    """Talking to the API failed."""

    request: httpx.Request | None = None
    """The request that failed (its `Authorization` redacted), if one was sent."""


class APIStatusError(APIError):
    """The server answered with a status other than 2xx.

    The attributes come from the API's error envelope
    `{"error": {"code", "message", "details", "request_id"}}`; when the body is not that
    envelope (an HTML page from a proxy, say) `code` is `""` and `body` holds the text.
    """

    status_code: int
    """The HTTP status of the answer."""
    code: str
    """The API's error code (`validation_error`, `not_found`, ...), or `""`."""
    message: str
    """The API's human-readable message, or the start of a non-JSON body."""
    request_id: str | None
    """The `Request-Id` the server gave the failed request; quote it in bug reports."""
    details: Mapping[str, Any] | None
    """The envelope's `details` (field errors, required scope), if any."""
    body: object
    """The decoded JSON body, or the body as text when it is not JSON."""
    retry_after: float | None
    """Seconds the server asked the client to wait (`Retry-After`), if it said."""
    response: httpx.Response | None = None
    """The answer, its body read (its request's `Authorization` header redacted)."""

    def __init__(
        self,
        status_code: int,
        *,
        code: str = "",
        message: str = "",
        request_id: str | None = None,
        details: Mapping[str, Any] | None = None,
        body: object = None,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.message = message
        self.request_id = request_id
        self.details = details
        self.body = body
        self.retry_after = retry_after
        head = f"{status_code} {code or _phrase(status_code)}".rstrip()
        text = f"{head}: {message}" if message else head
        if request_id:
            text += f" (request id {request_id})"
        super().__init__(text)


class BadRequestError(APIStatusError):
    """400: the request did not match the API (see `field_errors`)."""

    @property
    def field_errors(self) -> list[Mapping[str, Any]]:
        """The `{field, reason}` pairs the server reported."""
        return list((self.details or {}).get("field_errors") or [])


class AuthenticationError(APIStatusError):
    """401: the API key is missing or not valid."""


class PermissionDeniedError(APIStatusError):
    """403: the API key may not do this."""


class InsufficientScopeError(PermissionDeniedError):
    """403: the API key lacks the scope this operation needs."""

    @property
    def required_scope(self) -> str | None:
        """The scope the operation needs (`events:read`, ...)."""
        value = (self.details or {}).get("required_scope")
        return value if isinstance(value, str) else None

    @property
    def granted_scopes(self) -> list[str]:
        """The scopes the key has."""
        return list((self.details or {}).get("granted_scopes") or [])


class NotFoundError(APIStatusError):
    """404: no such resource (or path)."""


class ConflictError(APIStatusError):
    """409: a version, idempotency key or state conflict."""


class CursorExpiredError(APIStatusError):
    """410: the resume cursor is unknown or older than the server keeps."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` says when to come back."""


class InternalServerError(APIStatusError):
    """5xx: the server failed."""


class ServiceUnavailableError(InternalServerError):
    """503: the server is briefly unavailable; `retry_after` says when to come back."""


class APIConnectionError(APIError):
    """No answer: the connection failed, was reset or was refused."""


class APITimeoutError(APIConnectionError):
    """No answer within the configured timeout."""


class APIResponseValidationError(APIError):
    """A 2xx answer whose body does not match openapi.yaml."""


class RepeatedCursorError(APIResponseValidationError):
    """A list page answered `has_more` with a cursor it was already given.

    Following it would fetch the same page forever (a mock such as Prism answers
    every request with its example page), so every page walker stops here instead.
    """

    cursor: str
    """The cursor the server gave again."""

    def __init__(self, message: str, *, cursor: str) -> None:
        super().__init__(message)
        self.cursor = cursor


class StreamError(AgentrailError):
    """An event stream could not go on."""

    last_event_id: str
    """The id of the last event delivered, so the caller can resume from it."""

    def __init__(self, message: str, *, last_event_id: str = "") -> None:
        super().__init__(message)
        self.last_event_id = last_event_id


class EventTooLargeError(StreamError):
    """One event grew past `max_event_bytes`; nothing is truncated silently."""

    def __init__(self, limit: int, *, last_event_id: str = "") -> None:
        super().__init__(
            f"an event exceeded max_event_bytes={limit}", last_event_id=last_event_id
        )
        self.limit = limit


class EventDecodeError(StreamError, ValueError):
    """An event's `data` is not the JSON its type requires."""


class StreamContentTypeError(StreamError):
    """A stream answered 2xx with a content type other than text/event-stream."""


class ReconnectsExhaustedError(StreamError):
    """The stream dropped, stalled or failed more often than `max_reconnects` allows."""


def _phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return ""


def _field_errors(details: Mapping[str, Any] | None) -> str:
    """`field: reason; ...` of a validation error's `details.field_errors`."""
    errors = (details or {}).get("field_errors")
    if not isinstance(errors, list):
        return ""
    return "; ".join(
        f"{e.get('field', '?')}: {e.get('reason', '?')}"
        for e in errors
        if isinstance(e, dict)
    )


def _other_body(body: object) -> str:
    """The message of a body that is not the API's envelope: a problem document's
    title and detail (RFC 9457), or the start of the text."""
    if isinstance(body, dict):
        parts = [body.get(k) for k in ("title", "detail")]
        text = ": ".join(str(p) for p in parts if isinstance(p, str) and p)
        return text or json.dumps(body)[:200]
    if isinstance(body, str):
        return " ".join(body[:200].split())
    return "" if body is None else json.dumps(body)[:200]


# Status and error-code tables: the code wins where one status has several meanings.
_BY_CODE: dict[str, type[APIStatusError]] = {
    "insufficient_scope": InsufficientScopeError,
    "cursor_expired": CursorExpiredError,
}
_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: CursorExpiredError,
    429: RateLimitError,
    503: ServiceUnavailableError,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header in delay-seconds form (RFC 9110 10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    # Only the delay-seconds form: the API never sends an HTTP-date (docs/api.md).
    if not value.isascii() or not value.isdigit():
        return None
    return float(value)


def status_error(
    status_code: int, headers: Mapping[str, str], content: bytes
) -> APIStatusError:
    """Build the typed error for a non-2xx answer from its status, headers and body."""
    body: object
    try:
        body = json.loads(content) if content else None
    except (ValueError, RecursionError):  # not JSON, or nested past the limit
        body = content.decode("utf-8", "replace")
    error = body.get("error") if isinstance(body, dict) else None
    code = message = ""
    details: Mapping[str, Any] | None = None
    request_id = headers.get("request-id")
    if isinstance(error, dict):
        code = str(error.get("code") or "")
        message = str(error.get("message") or "")
        raw_details = error.get("details")
        details = raw_details if isinstance(raw_details, dict) else None
        request_id = str(error.get("request_id") or "") or request_id
        fields = _field_errors(details)
        if fields:
            message = f"{message} ({fields})" if message else fields
    else:
        message = _other_body(body)
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status_code)
    if cls is None:
        cls = InternalServerError if status_code >= 500 else APIStatusError
    return cls(
        status_code,
        code=code,
        message=message,
        request_id=request_id,
        details=details,
        body=body,
        retry_after=parse_retry_after(headers.get("retry-after")),
    )
