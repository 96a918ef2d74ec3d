"""Every REST method of `Client` and `AsyncClient` against the mock over loopback.

Each body is written once and runs sync and async (the `mode` fixture); the `mock`
fixture is the session's mock server, reset before each test.
"""

from __future__ import annotations

from typing import Any

import pytest

from agentrail import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsufficientScopeError,
    NotFoundError,
    ServiceUnavailableError,
)
from agentrail._retry import Backoff
from agentrail_api.models import (
    Bench,
    BenchCase,
    BenchResult,
    BenchRun,
    CompareReport,
    Execution,
    McpSessionCost,
    Review,
    Session,
    TagBenchRunSessionResponse,
    Task,
    TaskLifecycleEvent,
    UserMessageInput,
)
from tests import twin
from tests.twin import items, resolve

TRIO = True  # the async bodies run on trio too (tests/twin.py)
FAST = Backoff(initial=0.001, cap=0.01)
MSG = {"type": "user.message", "content": [{"type": "text", "text": "hello"}]}


def go(mode: str, mock: Any, body: Any, **options: Any) -> Any:
    """Run `body` against the mock with the admin key (sync or async)."""
    options.setdefault("api_key", mock.admin_key)
    options.setdefault("backoff", FAST)
    return twin.run(mode, body, base_url=mock.url, **options)


def sent(mock: Any, operation: str) -> list[Any]:
    """The requests the mock recorded for one operation."""
    return [r for r in mock.requests if r.operation_id == operation]


# Sessions.


def test_sessions_create_and_get(mode: str, mock: Any) -> None:
    """`create` makes a session (with a generated Idempotency-Key), `get` reads it."""

    async def body(client: Any) -> None:
        session = await resolve(client.sessions.create(metadata={"team": "a"}))
        assert isinstance(session, Session)
        assert session.metadata.additional_properties == {"team": "a"}
        again = await resolve(client.sessions.get(session.id))
        assert (again.id, again.status) == (session.id, session.status)
        with pytest.raises(NotFoundError):
            await resolve(client.sessions.get("sess_nope"))
        logs = client.sessions.logs(session.id)
        assert logs._session_id == session.id

    go(mode, mock, body)
    (create,) = sent(mock, "create_session")
    assert create.headers["idempotency-key"].startswith("agentrail-")


def test_session_events_send_and_list(mode: str, mock: Any) -> None:
    """`send` returns None; `list` walks every page, filters by `after_id`, orders."""

    async def body(client: Any) -> None:
        session = await resolve(client.sessions.create())
        events = client.sessions.events(session.id)
        assert await resolve(events.send([MSG])) is None
        model = UserMessageInput.from_dict(MSG)
        assert await resolve(events.send([model, {"type": "user.interrupt"}])) is None
        page = await resolve(events.list(limit=2))
        assert len(page.data) == 2 and page.has_more and page.next_cursor
        history = await items(page)
        ids = [e.id for e in history]
        assert len(ids) == len(set(ids)) >= 9 and ids == sorted(ids)
        assert [e.type for e in history[:4]] == [
            "user.message",
            "session.status_running",
            "agent.message",
            "session.status_idle",
        ]
        assert history[-1].type == "user.interrupt"
        after = await items(await resolve(events.list(after_id=ids[3])))
        assert [e.id for e in after] == ids[4:]
        newest = await items(await resolve(events.list(order="desc", limit=100)))
        assert [e.id for e in newest] == ids[::-1]

    go(mode, mock, body)
    keys = {r.headers["idempotency-key"] for r in sent(mock, "send_session_events")}
    assert len(keys) == 2


# Tasks.


def test_task_lifecycle(mode: str, mock: Any) -> None:
    """create, get, list, update (with a version check), review and ship a task."""

    async def body(client: Any) -> None:
        task = await resolve(
            client.tasks.create(title="Fix it", branch="fix-it", metadata={"t": "a"})
        )
        assert isinstance(task, Task) and task.version == 1
        assert (await resolve(client.tasks.get(task.id))).title == "Fix it"
        other = await resolve(client.tasks.create(title="Other"))
        todo = await items(await resolve(client.tasks.list(status="todo", limit=1)))
        assert {t.id for t in todo} == {task.id, other.id}
        moved = await resolve(
            client.tasks.update(task.id, status="in_progress", expected_version=1)
        )
        assert moved.status == "in_progress" and moved.version == 2
        with pytest.raises(ConflictError):
            await resolve(client.tasks.update(task.id, branch=None, expected_version=1))
        cleared = await resolve(client.tasks.update(task.id, branch=None))
        assert cleared.branch is None
        review = await resolve(
            client.tasks.review(task.id, decision="approved", summary="Looks good")
        )
        assert isinstance(review, Review) and review.decision == "approved"
        shipped = await resolve(client.tasks.ship(task.id, idempotency_key="ship-1"))
        assert shipped.status == "shipped"
        again = await resolve(client.tasks.ship(task.id, idempotency_key="ship-1"))
        assert again.status == "shipped"
        only = await items(
            await resolve(client.tasks.list_events(event_types=["task.shipped"]))
        )
        assert [(e.type, e.task_id) for e in only] == [("task.shipped", task.id)]
        every = await items(
            await resolve(client.tasks.list_events(task_id=task.id, limit=1))
        )
        assert all(isinstance(e, TaskLifecycleEvent) for e in every)
        assert [e.type for e in every] == [
            "task.updated",
            "task.updated",
            "task.reviewed",
            "task.shipped",
        ]

    go(mode, mock, body)


def test_empty_update_is_a_bad_request(mode: str, mock: Any) -> None:
    """An update with no field is the server's 400, with its field errors."""

    async def body(client: Any) -> None:
        task = await resolve(client.tasks.create(title="x"))
        with pytest.raises(BadRequestError) as caught:
            await resolve(client.tasks.update(task.id))
        assert caught.value.code == "validation_error" and caught.value.field_errors
        assert caught.value.request_id

    go(mode, mock, body)


# Benches (project-scoped).


def test_project_benches_cases_and_runs(mode: str, mock: Any) -> None:
    """put, list, add_case, list_cases, trigger_run and list_runs on one script."""

    async def body(client: Any) -> None:
        bench = await resolve(client.benches.put("p1", "s.py", config={"judge": "a"}))
        assert isinstance(bench, Bench) and bench.script_name == "s.py"
        replaced = await resolve(client.benches.put("p1", "s.py", config={"j": "b"}))
        assert replaced.id == bench.id
        assert replaced.config.additional_properties == {"j": "b"}
        listed = await items(await resolve(client.benches.list("p1")))
        assert [b.id for b in listed] == [bench.id]
        cases = [
            await resolve(
                client.benches.add_case(
                    "p1", "s.py", name=f"c{i}", inputs={"q": i}, expected_output=i
                )
            )
            for i in range(3)
        ]
        assert all(isinstance(c, BenchCase) for c in cases)
        walked = await items(
            await resolve(client.benches.list_cases("p1", "s.py", limit=2))
        )
        assert [c.id for c in walked] == [c.id for c in cases]
        run = await resolve(
            client.benches.trigger_run(
                "p1",
                "s.py",
                channel="stable",
                notes="nightly",
                case_ids=[cases[0].id, cases[1].id],
                idempotency_key="run-1",
            )
        )
        assert isinstance(run, BenchRun) and run.total_cases == 2
        same = await resolve(
            client.benches.trigger_run(
                "p1",
                "s.py",
                channel="stable",
                notes="nightly",
                case_ids=[cases[0].id, cases[1].id],
                idempotency_key="run-1",
            )
        )
        assert same.id == run.id
        with pytest.raises(ConflictError):
            await resolve(
                client.benches.trigger_run(
                    "p1", "s.py", channel="beta", idempotency_key="run-1"
                )
            )
        runs = await items(await resolve(client.benches.list_runs("p1", "s.py")))
        assert [r.id for r in runs] == [run.id]

    go(mode, mock, body)


# Bench runs (by global id).


def test_bench_run_calls(mode: str, mock: Any) -> None:
    """get, list_results, compare, cancel, tag_session, cost, delete on real runs."""
    mock.clock.freeze()

    async def body(client: Any) -> None:
        await resolve(client.benches.put("p1", "s.py", config={}))
        for i in range(3):
            await resolve(
                client.benches.add_case("p1", "s.py", name=f"c{i}", inputs={})
            )
        run_a = await resolve(client.benches.trigger_run("p1", "s.py", channel="a"))
        run_b = await resolve(client.benches.trigger_run("p1", "s.py", channel="b"))
        assert (await resolve(client.bench_runs.get(run_a.id))).status == "pending"
        mock.clock.advance(60)
        done = await resolve(client.bench_runs.get(run_a.id))
        assert done.status == "completed" and done.completed_cases == 3
        results = await resolve(client.bench_runs.list_results(run_a.id))
        assert len(results) == 3 and all(isinstance(r, BenchResult) for r in results)
        report = await resolve(client.bench_runs.compare(run_a.id, run_b.id))
        assert isinstance(report, CompareReport)
        assert (report.run_a_id, report.run_b_id) == (run_a.id, run_b.id)
        tagged = await resolve(client.bench_runs.tag_session(run_a.id, "mcp:s.1"))
        assert isinstance(tagged, TagBenchRunSessionResponse) and tagged.tagged
        cost = await resolve(client.bench_runs.mcp_session_cost("mcp:s.1"))
        assert isinstance(cost, McpSessionCost)
        assert cost.total_cost_usd == pytest.approx(done.total_cost_usd)
        run_c = await resolve(client.benches.trigger_run("p1", "s.py", channel="c"))
        canceled = await resolve(client.bench_runs.cancel(run_c.id))
        assert canceled.status == "canceled"
        assert await resolve(client.bench_runs.delete(run_a.id)) is None
        assert await resolve(client.bench_runs.get(run_a.id)) is None
        assert await resolve(client.bench_runs.list_results(run_a.id)) == []

    go(mode, mock, body)


def test_cases_and_executions(mode: str, mock: Any) -> None:
    """get_case, promote_execution, patch_case, delete_case and bench_by_id."""
    mock.clock.freeze()

    async def body(client: Any) -> None:
        bench = await resolve(client.benches.put("p1", "s.py", config={}))
        case = await resolve(client.benches.add_case("p1", "s.py", name="c", inputs={}))
        as_execution = await resolve(client.bench_runs.get_case(case.id))
        assert isinstance(as_execution, Execution) and as_execution.kind == "case"
        run = await resolve(client.benches.trigger_run("p1", "s.py", channel="a"))
        mock.clock.advance(60)
        (result,) = await resolve(client.bench_runs.list_results(run.id))
        promoted = await resolve(
            client.bench_runs.promote_execution(
                result.execution_id, name="from run", edits={"expected_output": 42}
            )
        )
        assert isinstance(promoted, BenchCase) and promoted.name == "from run"
        assert promoted.expected_output == 42
        patched = await resolve(client.bench_runs.patch_case(promoted.id, name="n2"))
        assert patched.name == "n2" and patched.expected_output == 42
        assert await resolve(client.bench_runs.delete_case(promoted.id)) is None
        with pytest.raises(NotFoundError):
            await resolve(client.bench_runs.get_case(promoted.id))
        found = await resolve(client.bench_runs.bench_by_id(bench.id))
        assert isinstance(found, Bench) and found.project_id == "p1"

    go(mode, mock, body)


def test_not_found_answers(mode: str, mock: Any) -> None:
    """Unknown ids: `get`/`bench_by_id` give None, `list_results` [], others raise."""

    async def body(client: Any) -> None:
        assert await resolve(client.bench_runs.get(999_999)) is None
        assert await resolve(client.bench_runs.bench_by_id(999_999)) is None
        assert await resolve(client.bench_runs.list_results(999_999)) == []
        with pytest.raises(NotFoundError):
            await resolve(client.bench_runs.cancel(999_999))
        with pytest.raises(NotFoundError):
            await resolve(client.bench_runs.mcp_session_cost("mcp:none"))

    go(mode, mock, body)


# Policy over a real socket: retries, keys, scopes, timeouts.


def test_retry_on_503_over_loopback(mode: str, mock: Any) -> None:
    """A GET answered 503 once is retried; a POST without a key is not."""
    mock.faults.add("status", operation="get_bench_run", code=503, retry_after=0)
    mock.faults.add("status", operation="cancel_bench_run", code=503, retry_after=0)

    async def body(client: Any) -> None:
        assert await resolve(client.bench_runs.get(1)) is None
        with pytest.raises(ServiceUnavailableError) as caught:
            await resolve(client.bench_runs.cancel(1))
        assert caught.value.retry_after == 0.0

    go(mode, mock, body)
    assert len(sent(mock, "get_bench_run")) == 2
    assert len(sent(mock, "cancel_bench_run")) == 1


def test_keyed_post_retried_with_same_key(mode: str, mock: Any) -> None:
    """A 429 on a keyed POST is retried with the same key, and the work done once."""
    mock.faults.add("status", operation="create_task", code=429, retry_after=0)

    async def body(client: Any) -> None:
        await resolve(client.tasks.create(title="once"))
        assert len(await items(await resolve(client.tasks.list()))) == 1

    go(mode, mock, body)
    keys = [r.headers["idempotency-key"] for r in sent(mock, "create_task")]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_scopes_and_keys(mode: str, mock: Any) -> None:
    """A key without the scope gets InsufficientScopeError; an unknown key, 401."""
    mock.set_key("ar_test_reader", ["tasks:read"])

    async def body(client: Any) -> None:
        assert await items(await resolve(client.tasks.list())) == []
        with pytest.raises(InsufficientScopeError) as caught:
            await resolve(client.tasks.create(title="x"))
        assert caught.value.required_scope == "tasks:write"
        assert caught.value.granted_scopes == ["tasks:read"]
        assert caught.value.request_id

    go(mode, mock, body, api_key="ar_test_reader")

    async def denied(client: Any) -> None:
        with pytest.raises(AuthenticationError):
            await resolve(client.tasks.list())

    go(mode, mock, denied, api_key="ar_test_unknown")


def test_connection_failures(mode: str, mock: Any) -> None:
    """A reset connection is an APIConnectionError; a slow answer, APITimeoutError."""
    mock.faults.add("reset", operation="get_task", times=3)
    mock.faults.add("delay", operation="get_session", seconds=1)

    async def body(client: Any) -> None:
        with pytest.raises(APIConnectionError) as reset:
            await resolve(client.tasks.get("t1"))
        assert not isinstance(reset.value, APITimeoutError)
        with pytest.raises(APITimeoutError):
            await resolve(client.with_options(max_retries=0).sessions.get("s1"))

    go(mode, mock, body, timeout=0.2, max_retries=2)
    assert len(sent(mock, "get_task")) == 3
