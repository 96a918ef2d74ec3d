"""One handler per operationId, registered in HANDLERS; shared reply types and paging.

A handler takes the validated request (`Ctx`) and returns a reply: `Json`, `Empty` or
`Stream`. It raises `ApiError` for 404/409 and `CursorExpired` for 410; stream handlers
build their source (and so check the cursor) before any byte is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..state import CursorExpired

if TYPE_CHECKING:
    from ..faults import Fault
    from ..state import State
    from ..streams import Source


@dataclass
class Json:
    status: int
    body: Any


@dataclass
class Empty:
    status: int = 204


@dataclass
class Stream:
    source: Source
    heartbeat: int


Reply = Json | Empty | Stream


class ApiError(Exception):
    """A documented error reply (404 not_found, 409 conflict)."""

    def __init__(
        self, status: int, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


T = TypeVar("T")


def found(value: T | None, what: str) -> T:
    """`value`, or a 404 `not_found` for `what` if the lookup found nothing."""
    if value is None:
        raise not_found(what)
    return value


@dataclass
class Ctx:
    """A validated request: coerced parameters by name and the parsed JSON body."""

    state: State
    operation_id: str
    params: dict[str, Any]
    body: Any
    request_id: str
    fault: Fault | None = None

    def call(self, handler: Callable[[Ctx], Reply]) -> Reply:
        return handler(self)

    def heartbeat(self) -> int:
        value = self.params.get("heartbeat_seconds")
        return int(value if value is not None else self.state.config.heartbeat_seconds)

    def last_event_id(self) -> str | None:
        """`Last-Event-ID` wins over a `cursor` query parameter (docs/streaming.md)."""
        header = self.params.get("Last-Event-ID")
        return header if header is not None else self.params.get("cursor")


HANDLERS: dict[str, Callable[[Ctx], Reply]] = {}


def handler(
    operation_id: str,
) -> Callable[[Callable[[Ctx], Reply]], Callable[[Ctx], Reply]]:
    def register(fn: Callable[[Ctx], Reply]) -> Callable[[Ctx], Reply]:
        HANDLERS[operation_id] = fn
        return fn

    return register


def paginate(
    ctx: Ctx, items: list[Any], key: Callable[[Any], Any] = lambda item: item["id"]
) -> dict[str, Any]:
    """One `{data, has_more, next_cursor}` page; the cursor is the last item's key."""
    limit = int(ctx.params.get("limit", 20))
    ordered = items if ctx.params.get("order", "asc") == "asc" else items[::-1]
    start = 0
    cursor = ctx.params.get("cursor")
    if cursor is not None:
        keys = [str(key(item)) for item in ordered]
        if cursor not in keys:
            raise CursorExpired(cursor)
        start = keys.index(cursor) + 1
    page = ordered[start : start + limit]
    has_more = start + limit < len(ordered)
    return {
        "data": page,
        "has_more": has_more,
        "next_cursor": str(key(page[-1])) if has_more and page else None,
    }


# Importing the families registers their handlers.
from . import benches, sessions, tasks  # noqa: E402, F401
