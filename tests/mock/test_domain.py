"""Domain behaviour per family (docs/mock.md), over loopback with plain httpx."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.mock._helpers import make_run

pytestmark = pytest.mark.timeout(20)


def test_scripted_agent_answers_a_user_message(http: httpx.Client) -> None:
    session = http.post("/v1/sessions", json={"metadata": {"team": "a"}}).json()
    assert session["status"] == "idle" and session["metadata"] == {"team": "a"}
    message = {"type": "user.message", "content": [{"type": "text", "text": "hello"}]}
    sent = http.post(f"/v1/sessions/{session['id']}/events", json={"events": [message]})
    assert sent.status_code == 204 and sent.content == b""
    events = http.get(f"/v1/sessions/{session['id']}/events").json()["data"]
    assert [e["type"] for e in events] == [
        "user.message",
        "session.status_running",
        "agent.message",
        "session.status_idle",
    ]
    assert events[2]["content"] == [{"type": "text", "text": "hello"}]
    assert events[3]["stop_reason"] == "end_turn"
    ids = [e["id"] for e in events]
    assert ids == sorted(ids) and len(set(ids)) == 4


def test_session_events_pages_and_after_id(http: httpx.Client, mock: Any) -> None:
    session = http.post("/v1/sessions", json={}).json()
    url = f"/v1/sessions/{session['id']}/events"
    added = [mock.state.append_session_event(session["id"], "agent.thinking")
             for _ in range(5)]  # fmt: skip
    page = http.get(url, params={"limit": 2}).json()
    assert page["has_more"] and page["next_cursor"] == added[1]["id"]
    rest = http.get(url, params={"limit": 10, "cursor": page["next_cursor"]}).json()
    assert [e["id"] for e in rest["data"]] == [e["id"] for e in added[2:]]
    assert rest["has_more"] is False and rest["next_cursor"] is None
    after = http.get(url, params={"after_id": added[3]["id"]}).json()["data"]
    assert [e["id"] for e in after] == [added[4]["id"]]
    desc = http.get(url, params={"order": "desc", "limit": 1}).json()["data"]
    assert desc[0]["id"] == added[4]["id"]
    for params in ({"after_id": "999"}, {"cursor": "nope"}):
        gone = http.get(url, params=params)
        assert gone.status_code == 410
        assert gone.json()["error"]["code"] == "cursor_expired"


def test_task_lifecycle_emits_events_in_sequence(http: httpx.Client) -> None:
    task = http.post("/v1/tasks", json={"title": "fix"}).json()
    assert (task["status"], task["version"]) == ("todo", 1)
    url = f"/v1/tasks/{task['id']}"
    updated = http.patch(url, json={"status": "in_progress", "branch": "b1"}).json()
    assert updated["version"] == 2 and updated["branch"] == "b1"
    http.patch(url, json={"status": "awaiting_user", "expected_version": 2.0})
    stale = http.patch(url, json={"status": "in_review", "expected_version": 2})
    assert stale.status_code == 409
    review = http.post(f"{url}/reviews", json={"decision": "approved", "summary": "ok"})
    assert review.status_code == 201 and review.json()["task_id"] == task["id"]
    shipped = http.post(f"{url}/ship")
    assert shipped.status_code == 202 and shipped.json()["status"] == "shipped"
    events = http.get("/v1/task-events", params={"task_id": task["id"]}).json()["data"]
    assert [e["type"] for e in events] == [
        "task.updated",
        "task.awaiting_user",
        "task.reviewed",
        "task.shipped",
    ]
    assert [e["sequence"] for e in events] == [1, 2, 3, 4]
    only = http.get("/v1/task-events", params={"event_types": "task.shipped"}).json()
    assert [e["type"] for e in only["data"]] == ["task.shipped"]
    listed = http.get("/v1/tasks", params={"status": "shipped"}).json()["data"]
    assert [t["id"] for t in listed] == [task["id"]]


def test_a_run_executes_on_a_frozen_clock(http: httpx.Client, mock: Any) -> None:
    mock.clock.freeze()
    mock.config.bench_step_seconds = 10
    run = make_run(http, cases=3)
    assert run["status"] == "pending" and run["total_cases"] == 3
    url = f"/v1/bench-runs/{run['id']}"
    mock.clock.advance(10)
    now = http.get(url).json()
    assert (now["status"], now["completed_cases"]) == ("running", 1)
    mock.clock.advance(25)
    assert http.get(url).json()["completed_cases"] == 3  # 2 done, 3rd due at 30
    mock.clock.advance(60)
    done = http.get(url).json()
    assert done["status"] == "completed" and done["completed_at"] is not None
    results = http.get(f"{url}/results").json()["data"]
    assert len(results) == 3 and done["total_cost_usd"] == pytest.approx(
        sum(r["cost_usd"] for r in results)
    )


def test_cancel_lets_the_case_in_flight_finish(http: httpx.Client, mock: Any) -> None:
    mock.clock.freeze()
    mock.config.bench_step_seconds = 10
    run = make_run(http, cases=4)
    mock.clock.advance(15)  # case 0 done, case 1 in flight
    canceled = http.post(f"/v1/bench-runs/{run['id']}/cancel").json()
    assert canceled["status"] == "running"
    mock.clock.advance(5)
    final = http.get(f"/v1/bench-runs/{run['id']}").json()
    assert (final["status"], final["completed_cases"]) == ("canceled", 2)


def test_delete_cancels_then_404(http: httpx.Client, mock: Any) -> None:
    run = make_run(http, cases=2)
    assert http.delete(f"/v1/bench-runs/{run['id']}").status_code == 204
    assert http.get(f"/v1/bench-runs/{run['id']}").status_code == 404
    assert http.get(f"/v1/bench-runs/{run['id']}/results").status_code == 404


def test_compare_promote_tag_and_cost(http: httpx.Client, mock: Any) -> None:
    mock.config.bench_step_seconds = 0.001
    a = make_run(http, cases=3)
    b = make_run(http, cases=0)  # the same bench: the same three cases
    mock.clock.advance(1)
    report = http.get(f"/v1/bench-runs/{a['id']}/compare/{b['id']}").json()
    assert report["aggregate"]["cases_compared"] == 3
    # Verdicts derive from (channel, case), so two runs on one channel agree.
    assert {c["change"] for c in report["per_case"]} == {"unchanged"}
    other = make_run(http, cases=1, script="s2")
    assert (
        http.get(f"/v1/bench-runs/{a['id']}/compare/{other['id']}").status_code == 409
    )
    result = http.get(f"/v1/bench-runs/{a['id']}/results").json()["data"][0]
    execution = http.get(f"/v1/executions/{result['execution_id']}").json()
    assert execution["kind"] == "run" and execution["status"] == "completed"
    case = http.post(
        f"/v1/executions/{execution['id']}/promote-to-case",
        json={"name": "promoted", "edits": {"inputs": {"x": 1}}},
    ).json()
    assert case["source_execution_id"] == execution["id"] and case["inputs"] == {"x": 1}
    assert http.get(f"/v1/executions/{case['id']}").json()["kind"] == "case"
    patched = http.patch(f"/v1/cases/{case['id']}", json={"name": "renamed"}).json()
    assert patched["name"] == "renamed"
    assert http.delete(f"/v1/cases/{case['id']}").json() == {"deleted": True}
    assert http.get(f"/v1/executions/{case['id']}").status_code == 404
    tag = {"mcp_session_id": "mcp:1"}
    assert http.patch(f"/v1/bench-runs/{a['id']}/tag-session", json=tag).json()[
        "tagged"
    ]
    cost = http.get("/v1/mcp-sessions/mcp:1/cost").json()
    assert cost["breakdown"][0]["run_id"] == a["id"]
    assert (
        cost["total_cost_usd"]
        == http.get(f"/v1/bench-runs/{a['id']}").json()["total_cost_usd"]
    )
    assert http.get("/v1/mcp-sessions/unknown/cost").status_code == 404


def test_put_bench_creates_then_replaces(http: httpx.Client) -> None:
    url = "/v1/projects/p1/scripts/s.1/bench"
    created = http.put(url, json={"config": {"a": 1}})
    replaced = http.put(url, json={"config": {"a": 2}})
    assert (created.status_code, replaced.status_code) == (201, 200)
    assert replaced.json()["id"] == created.json()["id"]
    bench = http.get(f"/v1/benches/{created.json()['id']}").json()
    assert bench["config"] == {"a": 2} and bench["script_name"] == "s.1"
    assert len(http.get("/v1/projects/p1/benches").json()["data"]) == 1
    missing = http.post(
        "/v1/projects/p1/scripts/nope/bench/runs", json={"channel": "x"}
    )
    assert missing.status_code == 404
