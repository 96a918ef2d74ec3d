"""Deterministic walks through each family, every response checked by schemathesis.

Random per-operation cases mostly meet 404 (no such run, task or case), and the
stateful phase reaches each operation only by chance (it starts every scenario with a
PUT of a bench, test_openapi.py). These walks reach every success status, including
the streams, with all default checks on, in-process and over a socket.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis

from agentrail_mock import create_app

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": "Bearer ar_test_admin"}
APP = create_app()
IN_PROCESS = schemathesis.openapi.from_asgi("/openapi.json", APP)
# A schema loaded with an app sends every call to that app, base_url or not.
OVER_SOCKET = schemathesis.openapi.from_path(ROOT / "openapi.yaml")

Step = Callable[..., Any]


@pytest.fixture(params=["in_process", "socket"])
def step(request: pytest.FixtureRequest) -> Step:
    """Call one operation with given parts and validate the answer; returns it."""
    if request.param == "in_process":
        APP.state.reset()
        APP.state.config.bench_step_seconds = 0.001
        base_url, schema = None, IN_PROCESS
    else:
        server = request.getfixturevalue("mock_server")
        server.reset()
        server.config.bench_step_seconds = 0.001
        base_url, schema = server.url, OVER_SOCKET

    def call(method: str, path: str, status: int, **parts: Any) -> Any:
        case = schema[path][method].Case(**parts)
        kwargs: dict[str, Any] = {"headers": AUTH, "timeout": 5}
        if base_url is not None:
            kwargs["base_url"] = base_url
        response = case.call_and_validate(**kwargs)
        assert response.status_code == status, response.text
        try:
            return response.json()
        except ValueError:  # 204, or an event stream
            return response

    return call


def test_bench_family(step: Step) -> None:
    bench_path = "/v1/projects/{project_id}/scripts/{script_name}/bench"
    where = {"project_id": "p1", "script_name": "s1"}
    bench = step("PUT", bench_path, 201, path_parameters=where, body={"config": {}})
    step("PUT", bench_path, 200, path_parameters=where, body={"config": {"a": 1}})
    step(
        "GET", "/v1/benches/{bench_id}", 200, path_parameters={"bench_id": bench["id"]}
    )
    step(
        "GET",
        "/v1/projects/{project_id}/benches",
        200,
        path_parameters={"project_id": "p1"},
    )
    case = step(
        "POST",
        f"{bench_path}/cases",
        201,
        path_parameters=where,
        body={"name": "c", "inputs": {"q": 1}, "expected_output": "a"},
    )
    step("GET", f"{bench_path}/cases", 200, path_parameters=where)
    run = step(
        "POST",
        f"{bench_path}/runs",
        201,
        path_parameters=where,
        body={"channel": "stable"},
        headers={"Idempotency-Key": "r1"},
    )
    again = step(
        "POST",
        f"{bench_path}/runs",
        201,
        path_parameters=where,
        body={"channel": "stable"},
        headers={"Idempotency-Key": "r1"},
    )
    assert again["id"] == run["id"]
    other = step(
        "POST",
        f"{bench_path}/runs",
        201,
        path_parameters=where,
        body={"channel": "stable", "case_ids": [case["id"]]},
    )
    step("GET", f"{bench_path}/runs", 200, path_parameters=where)
    ids = {"run_id": run["id"]}
    step("GET", "/v1/bench-runs/{run_id}/events", 200, path_parameters=ids)
    step("GET", "/v1/bench-runs/{run_id}", 200, path_parameters=ids)
    results = step("GET", "/v1/bench-runs/{run_id}/results", 200, path_parameters=ids)
    step("POST", "/v1/bench-runs/{run_id}/cancel", 200, path_parameters=ids)
    step(
        "GET",
        "/v1/bench-runs/{run_a}/compare/{run_b}",
        200,
        path_parameters={"run_a": run["id"], "run_b": other["id"]},
    )
    tag = {"mcp_session_id": "mcp-1"}
    step(
        "PATCH",
        "/v1/bench-runs/{run_id}/tag-session",
        200,
        path_parameters=ids,
        body=tag,
    )
    step(
        "GET",
        "/v1/mcp-sessions/{mcp_session_id}/cost",
        200,
        path_parameters={"mcp_session_id": "mcp-1"},
    )
    execution = {"execution_id": results["data"][0]["execution_id"]}
    step("GET", "/v1/executions/{execution_id}", 200, path_parameters=execution)
    promoted = step(
        "POST",
        "/v1/executions/{execution_id}/promote-to-case",
        201,
        path_parameters=execution,
        body={},
    )
    case_ids = {"case_id": promoted["id"]}
    step(
        "PATCH",
        "/v1/cases/{case_id}",
        200,
        path_parameters=case_ids,
        body={"name": "n"},
    )
    step(
        "GET",
        "/v1/executions/{execution_id}",
        200,
        path_parameters={"execution_id": promoted["id"]},
    )
    step("DELETE", "/v1/cases/{case_id}", 200, path_parameters=case_ids)
    step(
        "GET",
        "/v1/executions/{execution_id}",
        404,
        path_parameters={"execution_id": promoted["id"]},
    )
    step("DELETE", "/v1/bench-runs/{run_id}", 204, path_parameters=ids)
    step("GET", "/v1/bench-runs/{run_id}", 404, path_parameters=ids)


def test_session_family(step: Step) -> None:
    session = step("POST", "/v1/sessions", 201, body={"metadata": {"k": "v"}})
    ids = {"session_id": session["id"]}
    step("GET", "/v1/sessions/{session_id}", 200, path_parameters=ids)
    message = {"type": "user.message", "content": [{"type": "text", "text": "hi"}]}
    step(
        "POST",
        "/v1/sessions/{session_id}/events",
        204,
        path_parameters=ids,
        body={"events": [message, {"type": "user.interrupt"}]},
    )
    page = step(
        "GET",
        "/v1/sessions/{session_id}/events",
        200,
        path_parameters=ids,
        query={"limit": 2},
    )
    step(
        "GET",
        "/v1/sessions/{session_id}/events",
        200,
        path_parameters=ids,
        query={"cursor": page["next_cursor"], "order": "desc"},
    )
    step(
        "GET",
        "/v1/sessions/{session_id}/logs/stream",
        200,
        path_parameters=ids,
        query={"heartbeat_seconds": 1},
    )


def test_task_family(step: Step) -> None:
    task = step("POST", "/v1/tasks", 201, body={"title": "t", "branch": None})
    ids = {"task_id": task["id"]}
    step("GET", "/v1/tasks/{task_id}", 200, path_parameters=ids)
    step(
        "PATCH",
        "/v1/tasks/{task_id}",
        200,
        path_parameters=ids,
        body={"status": "awaiting_user", "expected_version": 1},
    )
    step(
        "PATCH",
        "/v1/tasks/{task_id}",
        409,
        path_parameters=ids,
        body={"status": "in_review", "expected_version": 1},
    )
    step(
        "POST",
        "/v1/tasks/{task_id}/reviews",
        201,
        path_parameters=ids,
        body={"decision": "approved", "summary": "ok"},
    )
    step(
        "POST",
        "/v1/tasks/{task_id}/ship",
        202,
        path_parameters=ids,
        headers={"Idempotency-Key": "s1"},
    )
    step("GET", "/v1/tasks", 200, query={"status": "shipped"})
    events = step("GET", "/v1/task-events", 200, query={"task_id": task["id"]})
    first = events["data"][0]["id"]
    step("GET", "/v1/task-events/stream", 200, query={"cursor": first})
    step("GET", "/v1/task-events/stream", 410, query={"cursor": "unknown"})


def test_the_socket_walk_reaches_the_server(mock_server: Any) -> None:
    """Guard: a schema loaded with an app would quietly answer in-process."""
    mock_server.reset()
    case = OVER_SOCKET["/v1/tasks"]["GET"].Case()
    case.call_and_validate(base_url=mock_server.url, headers=AUTH, timeout=5)
    sent = mock_server.requests
    assert {r.operation_id for r in sent} == {"list_tasks"}
    # The call itself, then `ignored_auth` again without and with a wrong key.
    assert [r.headers.get("authorization") == AUTH["Authorization"] for r in sent] == [
        True,
        False,
        False,
    ]
