"""Typed events: one class per `event:` name, chosen through a table.

An event that is an API object is the generated model the REST methods return for it:
a task event from the stream is the `TaskLifecycleEvent` that `tasks.list_events()`
lists (same class, same attributes, equal when the JSON is). The stream only builds it
faster. Session events and run results are generated models too; their modules take a
while to import, so their tables are in `_model_events`, loaded with the first session
or run stream. The stream-only wrappers here (`RunResult`, `RunLagged`, `RunTerminal`,
`SessionLogEvent`) have the generated models' `to_dict()` / `to_json()`.

An `event:` name a table does not know is not an error: the stream skips it and logs it
at debug level (api.md: "Unknown event types may appear at any time; clients ignore
them"). A known name whose `data` is not the JSON its type needs raises
`EventDecodeError`, which the stream reports and survives.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import attrs

from agentrail_api.models.bench_run_status import BenchRunStatus
from agentrail_api.models.json_object import JsonObject
from agentrail_api.models.task_event_type import TaskEventType

# Re-exported: the stream's task event is the generated model (one class per object).
from agentrail_api.models.task_lifecycle_event import (
    TaskLifecycleEvent as TaskLifecycleEvent,
)

from ._errors import EventDecodeError
from ._sse import ServerSentEvent

if TYPE_CHECKING:
    from agentrail_api.models.bench_result import BenchResult


class _Serialisable:
    """`to_json()` for the hand-written events, from their `to_dict()`."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_json(self, *, indent: int | None = None) -> str:
        """This event as a JSON string (`to_dict()` serialised)."""
        return json.dumps(self.to_dict(), indent=indent)


@attrs.frozen(slots=True)
class RunResult(_Serialisable):
    """A bench run recorded the result of one case."""

    result: BenchResult
    """The recorded result (the same object `/results` lists)."""
    type: Literal["result"] = "result"

    def to_dict(self) -> dict[str, Any]:
        """`{"type": "result", "result": {...}}`, the result as `/results` lists it."""
        return {"type": self.type, "result": self.result.to_dict()}


@attrs.frozen(slots=True)
class RunLagged(_Serialisable):
    """The server dropped `dropped` results (`/results` has them)."""

    dropped: int
    """How many results were not sent."""
    type: Literal["lagged"] = "lagged"

    def to_dict(self) -> dict[str, Any]:
        """`{"type": "lagged", "dropped": n}`."""
        return {"type": self.type, "dropped": self.dropped}


@attrs.frozen(slots=True)
class RunTerminal(_Serialisable):
    """The run finished with `status`; nothing follows."""

    status: BenchRunStatus
    """`completed`, `failed` or `canceled` (unknown values keep their string)."""
    type: Literal["terminal"] = "terminal"

    def to_dict(self) -> dict[str, Any]:
        """`{"type": "terminal", "status": "completed"}` (an unknown status as sent)."""
        return {"type": self.type, "status": self.status.value}


RunEvent: TypeAlias = RunResult | RunLagged | RunTerminal
"""What `subscribe_run_events` yields; use `match` on the three classes."""


@attrs.frozen(slots=True)
class SessionLogEvent(_Serialisable):
    """One frame of a session's log stream; `data` stays the raw string sent."""

    event: str
    """The frame's type; `log` today."""
    data: str
    """The payload as plain text (JSON today, but not a contract)."""
    id: str = ""
    """The frame's id, for resuming."""

    def to_dict(self) -> dict[str, Any]:
        """`{"id": ..., "event": "log", "data": "..."}`; `data` stays the raw string."""
        return {"id": self.id, "event": self.event, "data": self.data}

    def json(self) -> Any:
        """`data` parsed as JSON; raises `EventDecodeError` if it is not JSON."""
        try:
            return json.loads(self.data)
        except (ValueError, RecursionError) as exc:
            raise EventDecodeError(
                f"log event {self.id!r}: data is not JSON", last_event_id=self.id
            ) from exc


# `json.loads` wraps the C scanner in Python frames and two regex matches for the
# whitespace around the value, which cost more than scanning a small event (sse.md
# sec. 3: decode JSON once, cheaply). The scanner's answer is taken when it read the
# whole string; anything else (whitespace, trailing data, errors) goes to `json.loads`
# for its exact result or error.
_scan: Callable[[str, int], tuple[Any, int]]
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # not in typeshed


def _loads(text: str) -> Any:
    try:
        value, end = _scan(text, 0)
    except Exception:  # StopIteration, JSONDecodeError, RecursionError: say it exactly
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def _payload(sse: ServerSentEvent) -> dict[str, Any]:
    try:
        value = _loads(sse.data)
    except (ValueError, RecursionError) as exc:  # nesting past the recursion limit
        raise EventDecodeError(
            f"{sse.event!r} event {sse.id!r}: data is not JSON", last_event_id=sse.id
        ) from exc
    if not isinstance(value, dict):
        raise EventDecodeError(
            f"{sse.event!r} event {sse.id!r}: data is not a JSON object",
            last_event_id=sse.id,
        )
    return value


def _checked(
    parse: Callable[[dict[str, Any]], Any],
) -> Callable[[ServerSentEvent], Any]:
    """Turn a parser of a JSON object into a parser of an event, with typed errors."""

    def parse_event(sse: ServerSentEvent) -> Any:
        payload = _payload(sse)
        try:
            return parse(payload)
        # OverflowError: int() of an infinite number (JSON's 1e400 is one).
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise EventDecodeError(
                f"{sse.event!r} event {sse.id!r}: {type(exc).__name__}: {exc}",
                last_event_id=sse.id,
            ) from exc

    return parse_event


def _datetime(text: str) -> datetime.datetime:
    """An RFC 3339 timestamp; `fromisoformat` (fast) takes every form but lowercase
    `t`/`z` (RFC 3339 sec. 5.6 allows them), which the generated models' `isoparse`
    takes."""
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        from dateutil.parser import isoparse  # rare: imported when first needed

        return isoparse(text)


def _task_event(d: dict[str, Any]) -> TaskLifecycleEvent:
    """`TaskLifecycleEvent.from_dict(d)`, the class `tasks.list_events()` returns, built
    without its dict copies and enum call (tests/unit/test_events.py pins the two to
    equal objects); unknown keys are kept in `additional_properties` as there."""
    data = d["data"]
    if not isinstance(data, dict):
        raise TypeError("data must be an object")
    kind = d["type"]
    payload = JsonObject()
    payload.additional_properties = data  # the stream's own parse: nobody else holds it
    event = TaskLifecycleEvent(
        id=str(d["id"]),
        type=_TASK_TYPES.get(kind) or TaskEventType(kind),  # a dict is 10x an enum call
        created_at=_datetime(d["created_at"]),
        sequence=int(d["sequence"]),
        task_id=str(d["task_id"]),
        data=payload,
    )
    if len(d) > _TASK_FIELDS:  # rare: keys this SDK does not know yet
        event.additional_properties = {k: v for k, v in d.items() if k not in _KNOWN}
    return event


# The JSON names of the model's fields (its attributes are spelled the same).
_KNOWN = frozenset(f.name for f in attrs.fields(TaskLifecycleEvent) if f.init)
_TASK_FIELDS = len(_KNOWN)


_TASK_TYPES: dict[Any, TaskEventType] = {t.value: t for t in TaskEventType}


# The tables: `event:` name -> parser of the whole frame (more in _model_events).
TASK_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    member.value: _checked(_task_event) for member in TaskEventType
}
LOG_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    "log": lambda sse: SessionLogEvent(sse.event, sse.data, sse.id),
}
