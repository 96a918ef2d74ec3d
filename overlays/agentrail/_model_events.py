"""Typed events that are generated models: session events and bench run results.

Apart from `_events` because these models (and dateutil, which they import) make up a
fifth of `import agentrail` (bench/startup.py): this module is loaded with the first
session or run stream, the session methods, or `agentrail.SessionEvent`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

import attrs

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
from agentrail_api.types import parse_datetime

from ._events import (
    RunLagged,
    RunResult,
    RunTerminal,
    _checked,
    recognised,
)
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
    """`BenchResult.from_dict(d)` without its copy of `d` and its enum calls: dict
    lookups instead (tests/unit/test_events.py pins the two to the same result)."""
    status, verdict = d["status"], d["verdict"]
    result = BenchResult(
        d["id"],
        d["bench_run_id"],
        d["case_id"],
        d["execution_id"],
        _STATUSES.get(status) or BenchResultStatus(status),
        _VERDICTS.get(verdict) or Verdict(verdict),
        d["headline_score"],
        d["cost_usd"],
        d["duration_ms"],
        parse_datetime(d["created_at"]),
    )
    if len(d) != len(_RESULT_FIELDS):  # every field was read: these are others
        extra = {k: v for k, v in d.items() if k not in _RESULT_FIELDS}
        result.additional_properties = extra
    return result


_STATUSES: dict[Any, BenchResultStatus] = {m.value: m for m in BenchResultStatus}
_VERDICTS: dict[Any, Verdict] = {m.value: m for m in Verdict}
_RESULT_FIELDS = frozenset(
    f.name for f in attrs.fields(BenchResult) if f.name != "additional_properties"
)


def _run_result(d: dict[str, Any]) -> RunResult:
    # RunResult is frozen: its slots are written directly (see _events._task_event).
    event = _new(RunResult)
    _set_result(event, _bench_result(d))
    _set_result_type(event, "result")
    return event


_new = object.__new__
_set_result = RunResult.__dict__["result"].__set__
_set_result_type = RunResult.__dict__["type"].__set__


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


# A session event of a type this client does not know: the `UnknownSessionEvent` the
# history listing returns for it.
unknown_session_event = recognised(session_event)


# The tables: `event:` name -> parser of the whole frame.
SESSION_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    name: _checked(session_event) for name in _SESSION_VARIANTS
}
RUN_EVENTS: Mapping[str, Callable[[ServerSentEvent], Any]] = {
    "result": _checked(_run_result),
    "lagged": _checked(lambda d: RunLagged(int(d["dropped"]))),
    "terminal": _checked(lambda d: RunTerminal(BenchRunStatus(d["status"]))),
}
