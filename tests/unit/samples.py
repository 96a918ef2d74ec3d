"""One valid instance of each response schema, as the server would send it."""

from __future__ import annotations

from typing import Any

# The generated models serialise UTC as +00:00 (docs/generator.md, "Date-times"), so
# samples use it.
T = "2026-01-02T03:04:05+00:00"


def _page(item: dict[str, Any]) -> dict[str, Any]:
    return {"data": [item], "has_more": True, "next_cursor": "c2"}


_EVENT = {"id": "e1", "processed_at": T}
_TEXT = {"type": "text", "text": "hi"}
_RESULT = {
    "id": "res_1",
    "bench_run_id": 1,
    "case_id": "case_1",
    "execution_id": "exe_1",
    "status": "ok",
    "verdict": "pass",
    "headline_score": 0.9,
    "cost_usd": 0.01,
    "duration_ms": 1200,
    "created_at": T,
}
_CASE = {
    "id": "case_1",
    "kind": "case",
    "bench_id": 1,
    "name": "greets",
    "inputs": {"q": "hi"},
    "expected_output": {"a": "hello"},
    "source_execution_id": "exe_0",
    "created_at": T,
}
_RUN = {
    "id": 1,
    "bench_id": 1,
    "status": "completed",
    "channel": "stable",
    "notes": "nightly",
    "total_cases": 2,
    "completed_cases": 2,
    "total_cost_usd": 0.02,
    "mcp_session_id": "mcp_1",
    "triggered_at": T,
    "completed_at": T,
}
_TASK = {
    "id": "t1",
    "title": "Fix it",
    "status": "todo",
    "branch": "fix-it",
    "metadata": {"team": "a"},
    "version": 1,
    "created_at": T,
    "updated_at": T,
}
_BENCH = {
    "id": 1,
    "project_id": "p1",
    "script_name": "summarize.py",
    "config": {"judge": "strict"},
    "created_at": T,
    "updated_at": T,
}
_TASK_EVENT = {
    "id": "te1",
    "type": "task.updated",
    "created_at": T,
    "sequence": 1,
    "task_id": "t1",
    "data": {"status": "in_progress"},
}

SAMPLES: dict[str, dict[str, Any]] = {
    "TextBlock": _TEXT,
    "Session": {"id": "s1", "status": "idle", "created_at": T, "metadata": {}},
    "UserMessageEvent": {**_EVENT, "type": "user.message", "content": [_TEXT]},
    "UserInterruptEvent": {**_EVENT, "type": "user.interrupt"},
    "AgentMessageEvent": {**_EVENT, "type": "agent.message", "content": [_TEXT]},
    "AgentThinkingEvent": {**_EVENT, "type": "agent.thinking"},
    "AgentToolUseEvent": {
        **_EVENT,
        "type": "agent.tool_use",
        "name": "grep",
        "input": {"q": "x"},
    },
    "AgentToolResultEvent": {
        **_EVENT,
        "type": "agent.tool_result",
        "tool_use_id": "e0",
        "content": [_TEXT],
        "is_error": False,
    },
    "SessionStatusRunningEvent": {**_EVENT, "type": "session.status_running"},
    "SessionStatusIdleEvent": {
        **_EVENT,
        "type": "session.status_idle",
        "stop_reason": "end_turn",
    },
    "SessionErrorEvent": {
        **_EVENT,
        "type": "session.error",
        "error": {"type": "tool_error", "message": "failed"},
    },
    "SessionEventPage": _page({**_EVENT, "type": "agent.thinking"}),
    "Task": _TASK,
    "TaskPage": _page(_TASK),
    "TaskLifecycleEvent": _TASK_EVENT,
    "TaskLifecycleEventPage": _page(_TASK_EVENT),
    "Bench": _BENCH,
    "BenchPage": _page(_BENCH),
    "BenchCase": _CASE,
    "BenchCasePage": _page(_CASE),
    "BenchRun": _RUN,
    "BenchRunPage": _page(_RUN),
    "BenchResult": _RESULT,
    "BenchResultPage": _page(_RESULT),
    "CaseComparison": {
        "case_id": "case_1",
        "a_verdict": "fail",
        "b_verdict": "pass",
        "a_score": 0.1,
        "b_score": 0.9,
        "change": "improved",
    },
    "Execution": {
        "id": "exe_1",
        "kind": "run",
        "bench_id": 1,
        "name": "greets",
        "status": "completed",
        "inputs": {"q": "hi"},
        "output": "hello",
        "expected_output": "hello",
        "cost_usd": 0.01,
        "created_at": T,
        "completed_at": T,
    },
    "Error": {
        "code": "validation_error",
        "message": "bad",
        "details": {"field_errors": [{"field": "query.limit", "reason": "> 100"}]},
        "request_id": "req_1",
    },
}
