"""Value types that configure calls and streams: per call (`RequestOptions`,
`BodyOptions`, `StreamOptions`) and per client (`StreamSettings`), checked before any
request is sent."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, cast

import attrs
import httpx

from ._errors import InvalidArgumentError
from ._retry import Backoff


@attrs.frozen
class StreamSettings:
    """How a client's streams reconnect, detect stalls and remember ids."""

    max_reconnects: int = 10
    """Reconnects in a row without an event in between before giving up."""
    stall_factor: float = 3.0
    """No byte for `stall_factor x heartbeat` seconds means a dead stream
    (docs/streaming.md, "Client behaviour")."""
    heartbeat_seconds: int = 15
    """The heartbeat interval asked of the server (1-60)."""
    max_event_bytes: int | None = 16 * 1024 * 1024
    """The largest event accepted; a larger one raises `EventTooLargeError`."""
    backoff: Backoff = Backoff(initial=0.5, cap=8.0)
    """Waits between reconnects; the server's `retry:` replaces `initial`."""


@attrs.frozen
class StreamOptions:
    """Filters and resume point of `client.stream_events(...)`.

    ```python
    StreamOptions(event_types=[TaskEventType.TASK_SHIPPED.value], cursor=last_id)
    ```
    """

    event_types: Sequence[str] | None = None
    """Event type strings to receive; None receives all types."""
    task_id: str | None = None
    """Only the events of this task."""
    cursor: str | None = None
    """Resume after this event id (the server replays what came after it)."""
    heartbeat_seconds: int | None = None
    """Heartbeat interval (1-60 s); defaults to the client's `StreamSettings`."""


class RequestOptions(TypedDict, total=False):
    """Options every method takes as keyword arguments, for that one call.

    - `timeout`: seconds or an `httpx.Timeout` (None: no timeout), instead of the
      client's; for a stream, the connect timeout (the read timeout is the stall
      deadline).
    - `max_retries`: retries of this call (of a stream, of its opening).
    - `extra_headers`: headers added to the request; they win over the SDK's own.
    - `extra_query`: query parameters added to the request.
    """

    timeout: float | httpx.Timeout | None
    max_retries: int
    extra_headers: Mapping[str, str]
    extra_query: Mapping[str, str | int | float | bool]


class BodyOptions(RequestOptions, total=False):
    """`RequestOptions`, and `extra_body`: JSON fields merged into the request body."""

    extra_body: Mapping[str, object]


_OPTION_NAMES = frozenset(BodyOptions.__annotations__)


def check_options(options: Mapping[str, Any]) -> BodyOptions:
    """The per-request options, checked before any request is sent."""
    unknown = set(options) - _OPTION_NAMES
    if unknown:
        raise InvalidArgumentError(
            f"unexpected keyword argument {sorted(unknown)[0]!r}"
        )
    if "timeout" in options:
        check_timeout(options["timeout"])
    if "max_retries" in options:
        check_retries(options["max_retries"])
    for name in ("extra_headers", "extra_query", "extra_body"):
        if name in options and not isinstance(options[name], Mapping):
            raise InvalidArgumentError(
                f"{name} must be a dict, not {type(options[name]).__name__}"
            )
    for key, value in options.get("extra_headers", {}).items():
        check_header(key, value, "extra_headers")
    return cast(BodyOptions, dict(options))


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 sec. 5.1, 5.6.2


def check_header(name: object, value: object, where: str) -> None:
    """A header name is a token and its value a str with no CR, LF or NUL (RFC 9110
    sec. 5.5): anything else could smuggle a second header into the request."""
    if not isinstance(name, str) or _TOKEN.fullmatch(name) is None:
        raise InvalidArgumentError(f"{where} has an invalid name {name!r:.40}")
    if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
        raise InvalidArgumentError(
            f"{where}[{name!r}] must be a str without CR, LF or NUL"
        )


def check_timeout(timeout: object) -> httpx.Timeout:
    """`timeout` as an `httpx.Timeout`; seconds, a Timeout or None (no timeout)."""
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if timeout is None or (
        isinstance(timeout, int | float) and not isinstance(timeout, bool)
    ):
        return httpx.Timeout(timeout)
    # httpx.Timeout("1") is accepted and fails at the first request instead.
    raise InvalidArgumentError(
        "timeout must be seconds, an httpx.Timeout or None, "
        f"not {type(timeout).__name__}"
    )


def check_retries(max_retries: object) -> int:
    """A retry count: an int, not negative."""
    if isinstance(max_retries, bool) or not isinstance(max_retries, int):
        raise InvalidArgumentError("max_retries must be an int")
    if max_retries < 0:
        raise InvalidArgumentError("max_retries must not be negative")
    return max_retries
