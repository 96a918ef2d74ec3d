"""A user's script, type-checked with `mypy --strict` by tests/typing/test_typing.py.

One class per API object: what a list, a get and a stream hand over for the same
object is the same class, with the same attribute names (`type`, never `type_`), and
every model and event has `to_dict()` / `to_json()`; events are sent typed (the
TypedDicts or the generated input models). Never run, only checked.
"""

from __future__ import annotations

from typing import Any, assert_type

import agentrail
import agentrail_api.models as api
from agentrail import (
    AsyncClient,
    Client,
    RunLagged,
    RunResult,
    RunTerminal,
    SessionEvent,
    SessionLogEvent,
    StreamOptions,
    TaskEventType,
    TaskLifecycleEvent,
    TextBlockParam,
    UserInterruptParam,
    UserMessageParam,
)


def describe(event: TaskLifecycleEvent) -> str:
    """Takes a task event from the listing and from the stream alike."""
    data: dict[str, object] = event.data.to_dict()
    assert dict(event.data) == data and event.data.get("status") in (None, "done")
    kind: TaskEventType = event.type
    return f"{event.id} {kind.value} {event.task_id} {event.created_at} {data}"


def task_events(client: Client) -> list[str]:
    lines = []
    for listed in client.tasks.list_events(task_id="task_1"):
        assert_type(listed, TaskLifecycleEvent)
        lines.append(describe(listed))
    for streamed in client.stream_events(StreamOptions(task_id="task_1")):
        assert_type(streamed, TaskLifecycleEvent)
        lines.append(describe(streamed))
        generated: api.TaskLifecycleEvent = streamed  # the very same class
        lines.append(generated.to_json())
        assert_type(streamed.to_dict(), dict[str, Any])
    return lines


def tasks(client: Client) -> None:
    got = client.tasks.get("task_1")
    for listed in client.tasks.list():
        same: list[api.Task] = [got, listed]
        print(same[0].to_json(), listed.status)


def session_events(client: Client, session_id: str) -> str:
    events = client.sessions.events(session_id)
    events.send(
        [
            api.UserMessageInput(
                type="user.message", content=[api.TextBlock(type="text", text="hi")]
            ),
            api.UserInterruptInput(type="user.interrupt"),
        ]
    )
    message: UserMessageParam = {"type": "user.message", "content": "hi"}
    blocks: list[TextBlockParam] = [{"type": "text", "text": "hello"}]
    stop: UserInterruptParam = {"type": "user.interrupt"}
    events.send([message, {"type": "user.message", "content": blocks}, stop])
    seen: list[SessionEvent] = []
    for listed in events.list():
        assert_type(listed, SessionEvent)
        seen.append(listed)
    for streamed in events.stream():
        assert_type(streamed, SessionEvent)
        seen.append(streamed)
        if isinstance(streamed, api.AgentToolUseEvent):
            print(streamed.name, streamed.input.to_dict())
    return " ".join(f"{e.id}:{e.type}:{e.to_json()}" for e in seen)


def session_logs(client: Client, session_id: str) -> list[str]:
    lines = []
    for line in client.sessions.logs(session_id).stream():
        assert_type(line, SessionLogEvent)
        lines.append(f"{line.event} {line.data} {line.to_json()}")
        assert_type(line.to_dict(), dict[str, Any])
    return lines


def bench_run(client: Client, run_id: int) -> float:
    listed = client.bench_runs.list_results(run_id)
    run = client.bench_runs.get(run_id)
    total = sum(r.duration_ms for r in listed) + (0 if run is None else run.id)
    for event in client.bench_runs.subscribe_run_events(run_id):
        assert_type(event, agentrail.RunEvent)
        match event:
            case RunResult(result=result):
                same: list[api.BenchResult] = [*listed, result]
                total += len(same)
            case RunLagged(dropped=dropped):
                total += dropped
            case RunTerminal(status=status):
                print(status.value)
        print(event.type, event.to_json(), event.to_dict())
    return total


async def the_same_async(client: AsyncClient, session_id: str, run_id: int) -> None:
    async for listed in await client.tasks.list_events():
        assert_type(listed, TaskLifecycleEvent)
        print(describe(listed))
    async for streamed in client.stream_events():
        assert_type(streamed, TaskLifecycleEvent)
        print(describe(streamed))
    async for event in await client.sessions.events(session_id).list():
        assert_type(event, SessionEvent)
    async for event in client.sessions.events(session_id).stream():
        assert_type(event, SessionEvent)
        print(event.type)
    async for line in client.sessions.logs(session_id).stream():
        assert_type(line, SessionLogEvent)
    results = await client.bench_runs.list_results(run_id)
    async for run_event in await client.bench_runs.subscribe_run_events(run_id):
        if isinstance(run_event, RunResult):
            both: list[api.BenchResult] = [*results, run_event.result]
            print(both[-1].to_json())
