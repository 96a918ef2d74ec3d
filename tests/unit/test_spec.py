"""openapi.yaml describes every operation of api.md's four tables, and no more."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit._spec import SPEC, resolve

# api.md, table by table: operationId -> (method, path, required scope).
OPERATIONS = {
    # 1. Sessions and their events
    "create_session": ("post", "/v1/sessions", "sessions:write"),
    "get_session": ("get", "/v1/sessions/{session_id}", "sessions:read"),
    "send_session_events": (
        "post",
        "/v1/sessions/{session_id}/events",
        "sessions:write",
    ),
    "list_session_events": ("get", "/v1/sessions/{session_id}/events", "events:read"),
    "stream_session_events": ("get", "/v1/sessions/{session_id}/stream", "events:read"),
    # 2. Tasks and the task lifecycle stream
    "create_task": ("post", "/v1/tasks", "tasks:write"),
    "list_tasks": ("get", "/v1/tasks", "tasks:read"),
    "get_task": ("get", "/v1/tasks/{task_id}", "tasks:read"),
    "update_task": ("patch", "/v1/tasks/{task_id}", "tasks:write"),
    "review_task": ("post", "/v1/tasks/{task_id}/reviews", "reviews:write"),
    "ship_task": ("post", "/v1/tasks/{task_id}/ship", "ship:write"),
    "list_task_events": ("get", "/v1/task-events", "events:read"),
    "stream_task_events": ("get", "/v1/task-events/stream", "events:read"),
    # 3. Session logs
    "stream_session_logs": (
        "get",
        "/v1/sessions/{session_id}/logs/stream",
        "logs:read",
    ),
    # 4. Benches, runs, cases, executions, MCP-session cost
    "list_benches": ("get", "/v1/projects/{project_id}/benches", "benches:read"),
    "put_bench": (
        "put",
        "/v1/projects/{project_id}/scripts/{script_name}/bench",
        "benches:write",
    ),
    "list_bench_cases": (
        "get",
        "/v1/projects/{project_id}/scripts/{script_name}/bench/cases",
        "benches:read",
    ),
    "add_bench_case": (
        "post",
        "/v1/projects/{project_id}/scripts/{script_name}/bench/cases",
        "cases:write",
    ),
    "list_bench_runs": (
        "get",
        "/v1/projects/{project_id}/scripts/{script_name}/bench/runs",
        "runs:read",
    ),
    "trigger_bench_run": (
        "post",
        "/v1/projects/{project_id}/scripts/{script_name}/bench/runs",
        "runs:write",
    ),
    "get_bench": ("get", "/v1/benches/{bench_id}", "benches:read"),
    "get_bench_run": ("get", "/v1/bench-runs/{run_id}", "runs:read"),
    "delete_bench_run": ("delete", "/v1/bench-runs/{run_id}", "runs:write"),
    "list_bench_run_results": ("get", "/v1/bench-runs/{run_id}/results", "runs:read"),
    "stream_bench_run_events": ("get", "/v1/bench-runs/{run_id}/events", "events:read"),
    "cancel_bench_run": ("post", "/v1/bench-runs/{run_id}/cancel", "runs:write"),
    "tag_bench_run_session": (
        "patch",
        "/v1/bench-runs/{run_id}/tag-session",
        "runs:write",
    ),
    "compare_bench_runs": (
        "get",
        "/v1/bench-runs/{run_a}/compare/{run_b}",
        "runs:read",
    ),
    "get_execution": ("get", "/v1/executions/{execution_id}", "runs:read"),
    "promote_execution": (
        "post",
        "/v1/executions/{execution_id}/promote-to-case",
        "cases:write",
    ),
    "update_case": ("patch", "/v1/cases/{case_id}", "cases:write"),
    "delete_case": ("delete", "/v1/cases/{case_id}", "cases:write"),
    "get_mcp_session_cost": (
        "get",
        "/v1/mcp-sessions/{session_id}/cost",
        "mcp_sessions:read",
    ),
}
# api.md: the endpoints that replay after a cursor, and how they take it.
RESUMES = {
    "stream_task_events": {"Last-Event-ID", "cursor"},
    "stream_session_logs": {"Last-Event-ID"},
    "stream_bench_run_events": {"Last-Event-ID"},
    "stream_session_events": set(),  # live only: no replay
}
# Success statuses api.md names (201 creates, 204 sends and deletes, 202 ship).
SUCCESS = {
    "create_session": "201",
    "send_session_events": "204",
    "create_task": "201",
    "review_task": "201",
    "ship_task": "202",
    "add_bench_case": "201",
    "trigger_bench_run": "201",
    "delete_bench_run": "204",
    "promote_execution": "201",
}
# api.md names Idempotency-Key on ship and trigger; every POST creating work takes one.
IDEMPOTENT_POSTS = {
    "create_session",
    "send_session_events",
    "create_task",
    "review_task",
    "ship_task",
    "add_bench_case",
    "trigger_bench_run",
    "promote_execution",
}


def _operations() -> dict[str, tuple[str, str, dict[str, Any]]]:
    found = {}
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            found[op["operationId"]] = (method, path, op)
    return found


def _param_names(op: dict[str, Any]) -> set[str]:
    return {resolve(param)["name"] for param in op.get("parameters", [])}


def test_every_operation_of_api_md_is_in_the_spec_and_nothing_else() -> None:
    """The spec's operationIds are exactly the 33 operations of api.md's tables."""
    assert sorted(_operations()) == sorted(OPERATIONS)
    assert len(OPERATIONS) == 33


@pytest.mark.parametrize("op_id", sorted(OPERATIONS))
def test_operation_has_its_method_path_and_scope(op_id: str) -> None:
    """Each operation keeps the method, path and scope api.md gives it."""
    method, path, op = _operations()[op_id]
    assert (method, path, op["x-required-scopes"][0]) == OPERATIONS[op_id]
    assert op["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "429"} <= set(op["responses"])
    assert SUCCESS.get(op_id, "200") in op["responses"]


@pytest.mark.parametrize("op_id", sorted(RESUMES))
def test_stream_declares_sse_frames_and_its_resume_parameters(op_id: str) -> None:
    """A stream answers text/event-stream frames and takes exactly its resume inputs."""
    _, _, op = _operations()[op_id]
    ok = op["responses"]["200"]
    assert list(ok["content"]) == ["text/event-stream"]
    frame = resolve(ok["content"]["text/event-stream"]["schema"])
    assert frame["type"] == "object"
    assert {"event", "id", "data"} <= set(frame["required"])
    assert set(ok["headers"]) == {"Request-Id", "X-Heartbeat-Seconds"}
    names = _param_names(op)
    assert "heartbeat_seconds" in names
    assert names & {"Last-Event-ID", "cursor"} == RESUMES[op_id]
    assert ("410" in op["responses"]) == bool(RESUMES[op_id])


def test_only_streams_are_named_stream() -> None:
    """Every operation whose id starts with stream_ is a stream, and no other is."""
    streams = {
        op_id
        for op_id, (_, _, op) in _operations().items()
        if any("text/event-stream" in r.get("content", {}) for r in _responses(op))
    }
    assert streams == set(RESUMES)
    assert {o for o in OPERATIONS if o.startswith("stream_")} == streams


def _responses(op: dict[str, Any]) -> list[dict[str, Any]]:
    return [resolve(response) for response in op["responses"].values()]


@pytest.mark.parametrize("op_id", sorted(OPERATIONS))
def test_idempotency_key_exactly_where_work_is_created(op_id: str) -> None:
    """POSTs that create work accept an Idempotency-Key (and document its 409 on a
    reused key); nothing else does."""
    _, _, op = _operations()[op_id]
    assert ("Idempotency-Key" in _param_names(op)) == (op_id in IDEMPOTENT_POSTS)
    if op_id in IDEMPOTENT_POSTS:
        assert "409" in op["responses"]


def test_event_unions_end_in_a_catch_all() -> None:
    """SessionEvent pins `type` with const on each variant and ends in a catch-all."""
    variants = [
        resolve(v) for v in SPEC["components"]["schemas"]["SessionEvent"]["anyOf"]
    ]
    consts = {v["properties"]["type"].get("const") for v in variants[:-1]}
    assert consts == {
        "user.message",
        "user.interrupt",
        "agent.message",
        "agent.thinking",
        "agent.tool_use",
        "agent.tool_result",
        "session.status_running",
        "session.status_idle",
        "session.error",
    }
    assert variants[-1]["properties"]["type"] == {
        "type": "string",
        "description": "The event's type.",
    }


def test_task_event_types_match_api_md() -> None:
    """TaskEventType lists the four lifecycle events of api.md."""
    assert SPEC["components"]["schemas"]["TaskEventType"]["enum"] == [
        "task.updated",
        "task.awaiting_user",
        "task.reviewed",
        "task.shipped",
    ]
