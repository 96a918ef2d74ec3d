"""One stream shape: the four entry points take `last_event_id=`, streams show
`last_event_id` and `stats`, and every async stream call returns a stream you may
`await` (connecting, raising there) and `async for` / `async with` in either order."""

from __future__ import annotations

import asyncio
import gc
import inspect
from collections.abc import Callable
from typing import Any

import pytest

import agentrail
from tests.integration.test_streams import go, start_run
from tests.twin import close, items, resolve
from tests.unit._spec import SPEC

pytestmark = pytest.mark.timeout(60)
TRIO = True  # the async bodies run on trio too (tests/twin.py)
# openapi.yaml: stream_task_events' x-start-of-log-id.
START = SPEC["paths"]["/v1/task-events/stream"]["get"]["x-start-of-log-id"]


def entry_points(client: Any, ids: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """The four stream entry points, each bound to a resource of `ids`."""
    return {
        "tasks": lambda **kw: client.stream_events(**kw),
        "session": lambda **kw: client.sessions.events(ids["session"]).stream(**kw),
        "logs": lambda **kw: client.sessions.logs(ids["session"]).stream(**kw),
        "run": lambda **kw: client.bench_runs.subscribe_run_events(ids["run"], **kw),
    }


def key(event: Any) -> str:
    """An event's id (a run result's is its result's; a terminal has none)."""
    result = getattr(event, "result", None)
    return str(getattr(result or event, "id", type(event).__name__))


def test_the_four_entry_points_take_last_event_id() -> None:
    """Each entry point, sync and async, has a `last_event_id` keyword and no
    coroutine among them: the async ones return the stream itself."""
    for cls in (agentrail.Client, agentrail.AsyncClient):
        client = cls("ar_test_key", "http://127.0.0.1:9")
        for name, method in [
            ("stream_events", client.stream_events),
            ("events.stream", client.sessions.events("s1").stream),
            ("logs.stream", client.sessions.logs("s1").stream),
            ("subscribe_run_events", client.bench_runs.subscribe_run_events),
        ]:
            assert "last_event_id" in inspect.signature(method).parameters, name
            assert not inspect.iscoroutinefunction(method), name


def test_every_stream_resumes_after_a_kept_last_event_id(mode: str, mock: Any) -> None:
    """For each family: a stream read part way, closed, and opened again with its
    `last_event_id` yields exactly what came after; `stats` counts the same keys."""
    mock.config.update(bench_step_seconds=0.01)

    async def body(client: Any) -> None:
        session = await resolve(client.sessions.create())
        for i in range(4):
            mock.state.append_log(session.id, f"line {i}")
        await resolve(
            client.sessions.events(session.id).send(
                [{"type": "user.message", "content": "hi"}]
            )
        )
        mock.state.emit_task_events(4)
        run_ = await start_run(client, 3)
        ids = {"session": session.id, "run": run_.id}
        for family, open_ in entry_points(client, ids).items():
            # The task stream starts live; from the start of its log it replays.
            kwargs = {"last_event_id": START} if family == "tasks" else {}
            first = await resolve(open_(**kwargs))
            head = await items(first, 2)
            kept = first.last_event_id
            assert kept == key(head[-1]), family
            await close(first)
            everything = await resolve(open_(**kwargs))
            want = [key(e) for e in await items(everything, 4)]
            await close(everything)
            again = await resolve(open_(last_event_id=kept))
            got = [key(e) for e in await items(again, 2)]
            assert again.stats.keys() == {
                "reconnects", "duplicates", "malformed", "unknown"
            }  # fmt: skip
            await close(again)
            assert got == want[2:4], family

    go(mode, mock, body)


def test_an_async_stream_connects_when_awaited_and_raises_there(mock: Any) -> None:
    """Each async entry point returns an unconnected stream at once; awaiting it
    connects, and a missing resource raises NotFoundError from the await."""

    async def main() -> None:
        async with agentrail.AsyncClient(mock.admin_key, mock.url) as client:
            points = entry_points(client, {"session": "nope", "run": 999})
            del points["tasks"]  # every key may read the task stream of its project
            for family, open_ in points.items():
                stream = open_()
                assert isinstance(stream, agentrail.AsyncEventStream), family
                assert mock.requests == [], family  # nothing sent before the await
                with pytest.raises(agentrail.NotFoundError):
                    await stream
                mock.requests.clear()

    asyncio.run(main())


@pytest.mark.parametrize("order", ["await, async with", "async with, no await"])
def test_await_async_with_and_async_for_in_either_order(mock: Any, order: str) -> None:
    """`await` then `async with`, or `async with` straight away: both iterate, and
    leaving the block closes the stream."""

    async def main() -> list[str]:
        async with agentrail.AsyncClient(mock.admin_key, mock.url) as client:
            session = await client.sessions.create()
            lines = [mock.state.append_log(session.id, f"l{i}") for i in range(3)]
            stream = client.sessions.logs(session.id).stream()
            if order.startswith("await"):
                stream = await stream
            got: list[str] = []
            async with stream:
                async for event in stream:
                    got.append(event.id)
                    if len(got) == 3:
                        break
            assert [line["id"] for line in lines] == got
            with pytest.raises(StopAsyncIteration):
                await stream.__anext__()  # closed by the block
            return got

    assert len(asyncio.run(main())) == 3


def test_an_async_stream_dropped_while_connected_warns(mock: Any) -> None:
    """An async stream dropped without `aclose()` cannot close its response from a
    finalizer; it warns with a ResourceWarning, like an unclosed httpx.AsyncClient
    (a stream never connected, or closed, does not)."""

    async def main() -> None:
        async with agentrail.AsyncClient(mock.admin_key, mock.url) as client:
            session = await client.sessions.create()
            quiet = client.sessions.logs(session.id).stream()  # never connected
            del quiet
            closed = await client.sessions.logs(session.id).stream()
            await closed.aclose()
            del closed
            gc.collect()
            with pytest.warns(ResourceWarning, match="unclosed AsyncEventStream"):
                dropped = await client.sessions.logs(session.id).stream()
                del dropped
                gc.collect()

    asyncio.run(main())
