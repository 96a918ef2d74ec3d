"""Typed events that are generated models: session events and bench run results.

Apart from `_events` because these models (and dateutil, which they import) make up a
fifth of `import agentrail` (bench/startup.py): this module is loaded with the first
session or run stream, the session methods, or `agentrail.SessionEvent`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from agentrail_api.models.agent_message_event import AgentMessageEvent
from agentrail_api.models.agent_thinking_event import AgentThinkingEvent
from agentrail_api.models.agent_tool_result_event import AgentToolResultEvent
from agentrail_api.models.agent_tool_use_event import AgentToolUseEvent
from agentrail_api.models.bench_result import BenchResult
from agentrail_api.models.bench_result_status import BenchResultStatus
from agentrail_api.models.bench_run_status import BenchRunStatus
from agentrail_api.models.session_error_event import SessionErrorEvent
from agentrail_api.models.session_status_idle_event import SessionStatusIdleEvent
from agentrail_api.models.session_status_running_event import (
    SessionStatusRunningEvent,
)
from agentrail_api.models.unknown_session_event import UnknownSessionEvent
from agentrail_api.models.user_interrupt_event import UserInterruptEvent
from agentrail_api.models.user_message_event import UserMessageEvent
from agentrail_api.models.verdict import Verdict

from ._events import RunLagged, RunResult, RunTerminal, _checked, _datetime
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


def _bench_result(d: dict[str, Any]) -> BenchResult:
    """`BenchResult.from_dict(d)` with `_datetime` instead of `isoparse`, which is 90 %
    of its time (tests/unit/test_events.py pins the two to the same result)."""
    d = dict(d)
    result = BenchResult(
        id=d.pop("id"),
        bench_run_id=d.pop("bench_run_id"),
        case_id=d.pop("case_id"),
        execution_id=d.pop("execution_id"),
        status=BenchResultStatus(d.pop("status")),
        verdict=Verdict(d.pop("verdict")),
        headline_score=d.pop("headline_score"),
        cost_usd=d.pop("cost_usd"),
        duration_ms=d.pop("duration_ms"),
        created_at=_datetime(d.pop("created_at")),
    )
    result.additional_properties = d
    return result


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
SESSION_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    name: _checked(session_event) for name in _SESSION_VARIANTS
}
RUN_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    "result": _checked(lambda d: RunResult(_bench_result(d))),
    "lagged": _checked(lambda d: RunLagged(int(d["dropped"]))),
    "terminal": _checked(lambda d: RunTerminal(BenchRunStatus(d["status"]))),
}
