"""Typed events: one class per `event:` name, chosen through a table.

An event that is an API object is the generated model the REST methods return for it:
a task event from the stream is the `TaskLifecycleEvent` that `tasks.list_events()`
lists (same class, same attributes, equal when the JSON is). The stream only builds it
faster. Session events and run results are generated models too; their modules take a
while to import, so their tables are in `_model_events`, loaded with the first session
or run stream. The stream-only wrappers here (`RunResult`, `RunLagged`, `RunTerminal`,
`SessionLogEvent`) have the generated models' `to_dict()` / `to_json()`.

An `event:` name a table does not know is not an error: the stream skips it and logs it
at debug level (docs/streaming.md, "Unknown event names"). On the task stream, such a
frame whose data is a task lifecycle event of that type is a new task event type
(`unknown_task_event`), kept like `list_events()` keeps it. A known name whose `data`
is not the JSON its type needs raises `EventDecodeError`, which the stream reports and
survives.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar

import attrs
import msgspec

from agentrail_api.models.bench_run_status import BenchRunStatus
from agentrail_api.models.json_object import JsonObject
from agentrail_api.models.task_event_type import TaskEventType

# Re-exported: the stream's task event is the generated model (one class per object).
from agentrail_api.models.task_lifecycle_event import (
    TaskLifecycleEvent as TaskLifecycleEvent,
)
from agentrail_api.types import parse_datetime as _datetime  # the models' own parser

from ._errors import EventDecodeError
from ._json import decode, loads
from ._sse import ServerSentEvent

if TYPE_CHECKING:
    from agentrail_api.models.bench_result import BenchResult


E = TypeVar("E")


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
            return loads(self.data)
        except (ValueError, RecursionError) as exc:
            raise EventDecodeError(
                f"log event {self.id!r}: data is not JSON", last_event_id=self.id
            ) from exc


def _payload(sse: ServerSentEvent) -> dict[str, Any]:
    """The frame's data as a JSON object, or `EventDecodeError`."""
    try:
        value = loads(sse.data)
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
    parse: Callable[[dict[str, Any]], E],
) -> Callable[[ServerSentEvent], E]:
    """Turn a parser of a JSON object into a parser of an event, with typed errors.

    The event's data is parsed once, by msgspec in the one frame of `parse_event` (a
    call less per event is a tenth of typing one, bench/typed.py); anything it refuses
    goes to `_payload` for `json.loads`'s exact value or error (`_json`).
    """

    def parse_event(sse: ServerSentEvent) -> E:
        try:
            payload = decode(sse.data)
            if type(payload) is not dict:
                raise ValueError
        except Exception:  # DecodeError, ValidationError, ...: json.loads decides
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


def _task_event(d: dict[str, Any]) -> TaskLifecycleEvent:
    """`TaskLifecycleEvent.from_dict(d)`: the class `tasks.list_events()` returns, equal
    to what it builds (tests/unit/test_one_class.py), unknown keys kept in
    `additional_properties` as there.

    Built directly: the generated model's from_dict copies dicts and calls the enum
    (bench/typed.py). Conversions only for values of another type: a type check costs
    half a call.
    """
    data = d["data"]
    if not isinstance(data, dict):
        raise TypeError("data must be an object")
    kind, id_, sequence, task_id = d["type"], d["id"], d["sequence"], d["task_id"]
    stamp = d["created_at"]
    try:
        created_at = _fromisoformat(stamp)
    except ValueError:
        created_at = _datetime(stamp)
    # Rare: keys this client does not know yet, kept as from_dict keeps them.
    extra = {k: v for k, v in d.items() if k not in _KNOWN} if len(d) > _N_KNOWN else {}
    return _task(
        id_ if type(id_) is str else str(id_),
        _TASK_TYPES.get(kind) or TaskEventType(kind),  # a dict: 10x faster
        created_at,
        sequence if type(sequence) is int else int(sequence),
        task_id if type(task_id) is str else str(task_id),
        data,  # the stream's own parse: nobody else holds it
        extra,
    )


def _task(
    id_: str,
    kind: TaskEventType,
    created_at: datetime.datetime,
    sequence: int,
    task_id: str,
    data: dict[str, Any],
    extra: dict[str, Any],
) -> TaskLifecycleEvent:
    """The model with these values, made without attrs' __init__ (see `_new`)."""
    payload = _new(JsonObject)
    payload.additional_properties = data
    event = _new(TaskLifecycleEvent)
    event.id = id_
    event.type = kind
    event.created_at = created_at
    event.sequence = sequence
    event.task_id = task_id
    event.data = payload
    event.additional_properties = extra
    return event


_fromisoformat = datetime.datetime.fromisoformat


_TASK_TYPES: dict[Any, TaskEventType] = {t.value: t for t in TaskEventType}

# The models are plain attrs classes with slots: the instance is made without attrs'
# __init__ and the factory of `additional_properties`, its slots assigned one by one
# (the interpreter's fast path for slots, three times faster than calling each slot's
# `__set__`; bench/typed.py). Same class, same values (tests/unit/test_one_class.py
# compares the two ways, and fails if a field of the model is left unset).
_new = object.__new__
# The JSON names of the model's fields (its attributes are spelled the same).
_KNOWN = frozenset(f.name for f in attrs.fields(TaskLifecycleEvent) if f.init)
_N_KNOWN = len(_KNOWN)


class _TaskJSON(msgspec.Struct, forbid_unknown_fields=True):
    """A task event's JSON in its usual form: every field of the model, of its JSON
    type, and no other key. msgspec reads it in one pass, without building a dict."""

    id: str
    type: str
    created_at: str
    sequence: int
    task_id: str
    data: dict[str, Any]


_read_task = msgspec.json.Decoder(_TaskJSON).decode
_parse_task = _checked(_task_event)


def _task_frame(sse: ServerSentEvent) -> TaskLifecycleEvent:
    """The task event of a frame: `_parse_task`'s result, faster for the usual form.

    Any other form (unknown keys, a value of another type, a timestamp only
    `isoparse` reads, data that is not JSON) goes to `_parse_task` for its exact
    value or error (tests/fuzz/test_events_fuzz.py compares the two).
    """
    try:
        read = _read_task(sse.data)
        created_at = _fromisoformat(read.created_at)
        kind = _TASK_TYPES.get(read.type) or TaskEventType(read.type)  # a dict: faster
    except Exception:  # msgspec's DecodeError, ValidationError, ValueError, ...
        return _parse_task(sse)
    return _task(read.id, kind, created_at, read.sequence, read.task_id, read.data, {})


# The tables: `event:` name -> parser of the whole frame (more in _model_events).
TASK_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    member.value: _task_frame for member in TaskEventType
}


def recognised(
    build: Callable[[dict[str, Any]], E],
) -> Callable[[ServerSentEvent], E | None]:
    """A parser for frames whose `event:` name a stream's table does not know: the
    event `build` makes of the frame's data when that data is an event of that very
    type, else None (skipped as unknown).

    The API's enums are open (docs/api.md, "Open enums and unions"): a listing hands
    over a type this client does not know as its unknown variant, so the live stream
    must too; any other frame stays ignored, as the stream's documentation says.
    """

    def parse(sse: ServerSentEvent) -> E | None:
        try:
            payload = loads(sse.data)
        except (ValueError, RecursionError):
            return None
        if not isinstance(payload, dict) or payload.get("type") != sse.event:
            return None
        try:
            return build(payload)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            return None

    return parse


# A task event of a type this client does not know: `TaskEventType.UNKNOWN` carrying
# its string, as `list_events()` returns it.
unknown_task_event = recognised(_task_event)


LOG_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    "log": lambda sse: SessionLogEvent(sse.event, sse.data, sse.id),
}
