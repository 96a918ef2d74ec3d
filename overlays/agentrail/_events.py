"""Typed events: one small frozen class per `event:` name, chosen through a table.

Session events and run results are generated models, whose modules (and dateutil)
take a while to import: their tables are in `_model_events`, loaded with the first
session or run stream.

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
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import attrs

from agentrail_api.models.bench_run_status import BenchRunStatus
from agentrail_api.models.task_event_type import TaskEventType

from ._errors import EventDecodeError
from ._sse import ServerSentEvent

if TYPE_CHECKING:
    from agentrail_api.models.bench_result import BenchResult


@attrs.frozen(slots=True)
class TaskLifecycleEvent:
    """A change in a task's life: updated, awaiting the user, reviewed, shipped."""

    id: str
    """The event id; pass it as `cursor` to resume after this event."""
    type: TaskEventType
    """`TaskEventType.TASK_UPDATED` and so on; unknown values keep their string."""
    created_at: datetime.datetime
    """When the event happened (timezone-aware)."""
    sequence: int
    """The server's global order of task events."""
    task_id: str
    """The task the event is about."""
    data: dict[str, Any]
    """What changed, as the server sent it."""


@attrs.frozen(slots=True)
class RunResult:
    """A bench run recorded the result of one case."""

    result: BenchResult
    """The recorded result (the same object `/results` lists)."""
    type: Literal["result"] = "result"


@attrs.frozen(slots=True)
class RunLagged:
    """The server dropped `dropped` results (`/results` has them)."""

    dropped: int
    """How many results were not sent."""
    type: Literal["lagged"] = "lagged"


@attrs.frozen(slots=True)
class RunTerminal:
    """The run finished with `status`; nothing follows."""

    status: BenchRunStatus
    """`completed`, `failed` or `canceled` (unknown values keep their string)."""
    type: Literal["terminal"] = "terminal"


RunEvent: TypeAlias = RunResult | RunLagged | RunTerminal
"""What `subscribe_run_events` yields; use `match` on the three classes."""


@attrs.frozen(slots=True)
class SessionLogEvent:
    """One frame of a session's log stream; `data` stays the raw string sent."""

    event: str
    """The frame's type; `log` today."""
    data: str
    """The payload as plain text (JSON today, but not a contract)."""
    id: str = ""
    """The frame's id, for resuming."""

    def json(self) -> Any:
        """`data` parsed as JSON; raises `EventDecodeError` if it is not JSON."""
        try:
            return json.loads(self.data)
        except (ValueError, RecursionError) as exc:
            raise EventDecodeError(
                f"log event {self.id!r}: data is not JSON", last_event_id=self.id
            ) from exc


# `json.loads` wraps the C scanner in Python frames and two regex matches for the
# whitespace around the value, which cost more than scanning a small event
# (bench/typed.py: decode JSON once, cheaply). The scanner's answer is taken when it
# read the whole string; anything else (whitespace, trailing data, errors) goes to
# `json.loads` for its exact result or error.
_scan: Callable[[str, int], tuple[Any, int]]
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # not in typeshed


def _loads(text: str) -> Any:
    try:
        value, end = _scan(text, 0)
    except Exception:  # StopIteration, JSONDecodeError, RecursionError: say it exactly
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


def _payload(sse: ServerSentEvent) -> dict[str, Any]:
    """The frame's data by `json.loads`, for its exact value or error (typed)."""
    try:
        value = json.loads(sse.data)
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
    """Turn a parser of a JSON object into a parser of an event, with typed errors.

    The event's data is scanned once, in the one frame of `parse_event` (a call less
    per event is a tenth of typing one, bench/typed.py); anything unusual goes to
    `json.loads` for its exact value or error.
    """

    def parse_event(sse: ServerSentEvent) -> Any:
        data = sse.data
        try:
            payload, end = _scan(data, 0)
            if end != len(data) or type(payload) is not dict:
                raise ValueError
        except Exception:  # StopIteration, JSONDecodeError, RecursionError, ...
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
    # Built directly: the generated model's isoparse is ~40x slower than
    # fromisoformat, and its JsonObject wrapper would be rebuilt for every event
    # (bench/typed.py). Conversions only for values of another type: a type check
    # costs half a call.
    data = d["data"]
    if not isinstance(data, dict):
        raise TypeError("data must be an object")
    kind, id_, sequence, task_id = d["type"], d["id"], d["sequence"], d["task_id"]
    stamp = d["created_at"]
    try:
        created_at = _fromisoformat(stamp)
    except ValueError:
        created_at = _datetime(stamp)
    event = _new_task_event(TaskLifecycleEvent)
    _set_id(event, id_ if type(id_) is str else str(id_))
    _set_type(event, _TASK_TYPES.get(kind) or TaskEventType(kind))  # a dict: 10x faster
    _set_created_at(event, created_at)
    _set_sequence(event, sequence if type(sequence) is int else int(sequence))
    _set_task_id(event, task_id if type(task_id) is str else str(task_id))
    _set_data(event, data)
    return event


_fromisoformat = datetime.datetime.fromisoformat


_TASK_TYPES: dict[Any, TaskEventType] = {t.value: t for t in TaskEventType}

# attrs' __init__ of a frozen class sets each field through object.__setattr__; writing
# the slots directly is a fifth of typing an event (bench/typed.py). Same class, same
# values (tests/unit/test_events.py compares the two ways).
_new_task_event = object.__new__
_set_id, _set_type, _set_created_at, _set_sequence, _set_task_id, _set_data = (
    TaskLifecycleEvent.__dict__[f.name].__set__
    for f in attrs.fields(TaskLifecycleEvent)
)


# The tables: `event:` name -> parser of the whole frame (more in _model_events).
TASK_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    member.value: _checked(_task_event) for member in TaskEventType
}


def unknown_task_event(sse: ServerSentEvent) -> TaskLifecycleEvent | None:
    """A task-stream frame whose `event:` name TASK_EVENTS does not know, as the
    listing hands it over, or None when it is no task event at all.

    `TaskEventType` is open (docs/api.md, "Open enums and unions"): `list_events()`
    returns a type this client does not know as `TaskEventType.UNKNOWN` carrying its
    string, so the stream must too. A frame is such an event when its data is a task
    lifecycle event of that very type; anything else (another kind of frame, which
    the stream's documentation says to ignore) is None, to be skipped as unknown.
    """
    try:
        payload = _loads(sse.data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(payload, dict) or payload.get("type") != sse.event:
        return None
    try:
        return _task_event(payload)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        return None


LOG_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    "log": lambda sse: SessionLogEvent(sse.event, sse.data, sse.id),
}
