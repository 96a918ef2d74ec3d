"""Typed events: one small frozen class per `event:` name, chosen through a table.

An `event:` name a table does not know is not an error: the stream skips it and logs it
at debug level (api.md: "Unknown event types may appear at any time; clients ignore
them"). A known name whose `data` is not the JSON its type needs raises
`EventDecodeError`, which the stream reports and survives.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeAlias

import attrs

from agentrail_api.models.agent_message_event import AgentMessageEvent
from agentrail_api.models.agent_thinking_event import AgentThinkingEvent
from agentrail_api.models.agent_tool_result_event import AgentToolResultEvent
from agentrail_api.models.agent_tool_use_event import AgentToolUseEvent
from agentrail_api.models.bench_result import BenchResult
from agentrail_api.models.bench_run_status import BenchRunStatus
from agentrail_api.models.session_error_event import SessionErrorEvent
from agentrail_api.models.session_status_idle_event import SessionStatusIdleEvent
from agentrail_api.models.session_status_running_event import (
    SessionStatusRunningEvent,
)
from agentrail_api.models.task_event_type import TaskEventType
from agentrail_api.models.unknown_session_event import UnknownSessionEvent
from agentrail_api.models.user_interrupt_event import UserInterruptEvent
from agentrail_api.models.user_message_event import UserMessageEvent

from ._errors import EventDecodeError
from ._sse import ServerSentEvent

SessionEvent: TypeAlias = (
    UserMessageEvent
    | UserInterruptEvent
    | AgentMessageEvent
    | AgentThinkingEvent
    | AgentToolUseEvent
    | AgentToolResultEvent
    | SessionStatusRunningEvent
    | SessionStatusIdleEvent
    | SessionErrorEvent
    | UnknownSessionEvent
)
"""An event of a session: one of the generated variants, or `UnknownSessionEvent`."""


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


def _payload(sse: ServerSentEvent) -> dict[str, Any]:
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


def _task_event(d: dict[str, Any]) -> TaskLifecycleEvent:
    # Built directly: fromisoformat takes RFC 3339 on 3.11+, and the generated model's
    # JsonObject wrapper would be rebuilt for every event (sse.md sec. 3).
    data = d["data"]
    if not isinstance(data, dict):
        raise TypeError("data must be an object")
    return TaskLifecycleEvent(
        id=str(d["id"]),
        type=TaskEventType(d["type"]),
        created_at=datetime.datetime.fromisoformat(d["created_at"]),
        sequence=int(d["sequence"]),
        task_id=str(d["task_id"]),
        data=data,
    )


_SESSION_VARIANTS: dict[str, Any] = {
    "user.message": UserMessageEvent,
    "user.interrupt": UserInterruptEvent,
    "agent.message": AgentMessageEvent,
    "agent.thinking": AgentThinkingEvent,
    "agent.tool_use": AgentToolUseEvent,
    "agent.tool_result": AgentToolResultEvent,
    "session.status_running": SessionStatusRunningEvent,
    "session.status_idle": SessionStatusIdleEvent,
    "session.error": SessionErrorEvent,
}


def session_event(d: Mapping[str, Any]) -> SessionEvent:
    """A session event from its JSON object; an unknown `type` is kept, not rejected."""
    model = _SESSION_VARIANTS.get(str(d.get("type")), UnknownSessionEvent)
    result: SessionEvent = model.from_dict(d)
    return result


# The tables: `event:` name -> parser of the whole frame.
TASK_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    member.value: _checked(_task_event) for member in TaskEventType
}
SESSION_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    name: _checked(session_event) for name in _SESSION_VARIANTS
}
RUN_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    "result": _checked(lambda d: RunResult(BenchResult.from_dict(d))),
    "lagged": _checked(lambda d: RunLagged(int(d["dropped"]))),
    "terminal": _checked(lambda d: RunTerminal(BenchRunStatus(d["status"]))),
}
LOG_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    "log": lambda sse: SessionLogEvent(sse.event, sse.data, sse.id),
}
