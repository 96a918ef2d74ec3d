"""Nothing is left open: after closing a client, breaking out of a stream or
cancelling the task that reads one, the sockets, threads and tasks are counted.

Sockets are this process's TCP sockets whose peer is the mock's port (Linux
`/proc/self/fd` and `/proc/self/net/tcp`), so the in-process mock's own sockets do
not count. Each scenario runs on a task stream, a run subscription and a followed
session, sync and async.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from agentrail import StreamSettings
from tests.integration.test_streams import start_run
from tests.twin import close, resolve, run

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.skipif(sys.platform != "linux", reason="counts sockets in /proc"),
]

FAST = StreamSettings(heartbeat_seconds=1)


def sockets_to(port: int) -> int:
    """Open TCP sockets of this process connected to `port`."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        with open(table, encoding="ascii") as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[9] in inodes:
                    count += 1
    return count


async def open_stream(client: Any, kind: str, mock: Any) -> Any:
    """An open stream of `kind` with events flowing."""
    if kind == "tasks":
        stream = await resolve(client.stream_events())
        mock.state.emit_task_events(5)
        return stream
    if kind == "session":
        session = await resolve(client.sessions.create())
        mock.state.append_session_event(session.id, "agent.thinking")
        return await resolve(client.sessions.events(session.id).stream())
    run_ = await start_run(client, 50)
    return await resolve(client.bench_runs.subscribe_run_events(run_.id))


async def first(stream: Any) -> Any:
    if hasattr(stream, "__anext__"):
        return await anext(stream)
    return next(stream)


def port_of(mock: Any) -> int:
    return int(mock.url.rsplit(":", 1)[1])


KINDS = ["tasks", "session", "bench"]


@pytest.mark.parametrize("kind", KINDS)
def test_closing_a_stream_closes_its_socket_at_once(
    mode: str, mock: Any, kind: str
) -> None:
    """Breaking out and closing the stream (or leaving its `with`) frees its
    connection before the client is closed; no task is left in the loop."""
    mock.config.update(bench_step_seconds=0.05)
    port = port_of(mock)
    counts: dict[str, int] = {}

    async def body(client: Any) -> None:
        stream = await open_stream(client, kind, mock)
        await first(stream)
        counts["open"] = sockets_to(port)
        await close(stream)
        counts["closed"] = sockets_to(port)
        if mode == "async":
            counts["tasks"] = len(asyncio.all_tasks())

    run(mode, body, api_key=mock.admin_key, base_url=mock.url, streams=FAST)
    assert counts["open"] >= 1
    # The stream's connection is gone; a REST call's may stay in the pool.
    assert counts["closed"] <= counts["open"] - 1
    assert counts.get("tasks", 1) == 1
    assert sockets_to(port) == 0  # and the client's close took the rest


@pytest.mark.parametrize("kind", KINDS)
def test_a_client_closed_with_streams_open_leaves_no_socket(
    mode: str, mock: Any, kind: str
) -> None:
    """Leaving a stream mid-way without closing it, then closing the client, leaves
    no socket, no new thread and no task."""
    mock.config.update(bench_step_seconds=0.05)
    port = port_of(mock)
    threads = set(threading.enumerate())
    tasks: list[int] = []

    async def body(client: Any) -> None:
        stream = await open_stream(client, kind, mock)
        await first(stream)  # then abandon it: no close, no `with`

    async def main() -> None:
        await _with_client(mode, mock, body)
        # The abandoned stream's byte iterator is an async generator: collecting it
        # schedules its aclose() as a task, which ends within a loop turn or two.
        await asyncio.sleep(0.05)
        tasks.append(len(asyncio.all_tasks()))

    if mode == "async":
        # An async stream dropped while connected warns, like an unclosed
        # httpx.AsyncClient: its response cannot be closed from a finalizer.
        with pytest.warns(ResourceWarning, match="unclosed AsyncEventStream"):
            asyncio.run(main())
    else:
        asyncio.run(main())
    assert sockets_to(port) == 0
    assert tasks == [1]
    assert set(threading.enumerate()) <= threads


async def _with_client(mode: str, mock: Any, body: Callable[[Any], Any]) -> None:
    import agentrail

    if mode == "sync":
        with agentrail.Client(mock.admin_key, mock.url, streams=FAST) as client:
            await body(client)
    else:
        async with agentrail.AsyncClient(mock.admin_key, mock.url, streams=FAST) as ac:
            await body(ac)


def test_a_dropped_sync_stream_is_closed_by_the_garbage_collector(mock: Any) -> None:
    """A sync stream nobody references any more closes its response (__del__)."""
    import agentrail

    port = port_of(mock)
    with agentrail.Client(mock.admin_key, mock.url, streams=FAST) as client:
        stream = client.stream_events()
        mock.state.emit_task_events(3)
        next(stream)
        assert sockets_to(port) == 1
        del stream
        gc.collect()
        assert sockets_to(port) == 0


@pytest.mark.parametrize("kind", KINDS)
def test_cancelling_the_reading_task_closes_the_stream(mock: Any, kind: str) -> None:
    """A task waiting for the next event is cancelled: the stream closes at once,
    the task ends, no other task is left, and nothing reconnects."""
    import agentrail

    mock.config.update(bench_step_seconds=5)  # the run is slow: the reader waits
    port = port_of(mock)
    seen: dict[str, Any] = {}

    async def main() -> None:
        async with agentrail.AsyncClient(mock.admin_key, mock.url, streams=FAST) as c:
            stream = await open_stream(c, kind, mock)
            if kind != "bench":
                await first(stream)  # the bench run has no result yet

            async def read() -> None:
                async for _ in stream:
                    pass

            reader = asyncio.create_task(read())
            await asyncio.sleep(0.2)  # the reader is waiting on the socket
            opened = len(mock.requests)
            seen["reading"] = sockets_to(port)
            reader.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reader
            seen["sockets"] = sockets_to(port)
            seen["tasks"] = len(asyncio.all_tasks())
            seen["closed"] = stream._response is None
            await asyncio.sleep(0.3)
            seen["requests after"] = len(mock.requests) - opened

    asyncio.run(main())
    assert seen["closed"] and seen["tasks"] == 1
    # The stream's connection is gone (a REST call's may stay in the pool).
    assert seen["sockets"] == seen["reading"] - 1
    assert seen["requests after"] == 0
    assert sockets_to(port) == 0


def test_cancelling_during_a_reconnect_wait_ends_at_once(mock: Any) -> None:
    """A reader cancelled while the stream sleeps before reconnecting ends without
    reconnecting (the sleep is cut short, not awaited out)."""
    import agentrail

    mock.config.update(retry_ms=60_000)  # the server asks for a one-minute wait
    mock.faults.add("drop_after", operation="stream_task_events", n=1)
    port = port_of(mock)

    async def main() -> tuple[int, float]:
        async with agentrail.AsyncClient(mock.admin_key, mock.url, streams=FAST) as c:
            stream = await resolve(c.stream_events())
            mock.state.emit_task_events(2)
            await anext(stream)
            reader = asyncio.create_task(anext(stream))  # drops, then sleeps
            await asyncio.sleep(0.3)
            loop = asyncio.get_running_loop()
            started = loop.time()
            reader.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reader
            streams = [
                r for r in mock.requests if r.operation_id == "stream_task_events"
            ]
            return len(streams), loop.time() - started

    requests, seconds = asyncio.run(main())
    assert requests == 1 and seconds < 1
    assert sockets_to(port) == 0
