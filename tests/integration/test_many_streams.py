"""Many streams on one client: none waits silently for a pooled connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

import agentrail
from agentrail import StreamOptions
from tests.twin import close, resolve, run

pytestmark = pytest.mark.timeout(120)

STREAMS = 150  # past httpx's default pool of 100 connections


async def firsts(streams: list[Any]) -> list[Any]:
    """The next item of every stream at once: a task each on asyncio, a thread each
    for sync streams (how a sync service follows many)."""
    if isinstance(streams[0], AsyncIterable):
        return list(await asyncio.gather(*(anext(aiter(s)) for s in streams)))
    with ThreadPoolExecutor(len(streams)) as pool:
        return list(pool.map(lambda stream: next(iter(stream)), streams))


def test_more_streams_than_httpx_pools_by_default_all_open_and_deliver(
    mode: str, mock: Any
) -> None:
    """150 task streams on one default client (AsyncClient, or Client with a thread
    per stream) open, each gets the next event, and a REST call on the same client is
    not stuck behind them."""

    async def body(client: Any) -> None:
        streams = [await resolve(client.stream_events()) for _ in range(STREAMS)]
        task = await resolve(client.tasks.create(title="t"))
        (event,) = mock.state.emit_task_events(1)
        got = await firsts(streams)
        assert {e.id for e in got} == {event["id"]}
        assert (await resolve(client.tasks.get(task.id))).id == task.id
        for stream in streams:
            await close(stream)

    # A wait for a pooled connection fails fast: 2 s a stream, 10 s a REST call.
    pool_wait = httpx.Timeout(10, connect=2)
    run(mode, body, api_key=mock.admin_key, base_url=mock.url, timeout=pool_wait)


def test_a_full_pool_of_a_callers_client_is_a_typed_error_naming_the_limit(
    mock: Any,
) -> None:
    """With a caller's http_client capped at two connections, a third stream fails to
    open with APITimeoutError saying which setting to change, within seconds."""
    capped = httpx.Client(limits=httpx.Limits(max_connections=2))
    options = {
        "timeout": httpx.Timeout(10, connect=0.2),
        "max_retries": 1,
        "backoff": agentrail.Backoff(0.01, 0.02),
    }
    with agentrail.Client(mock.admin_key, mock.url, http_client=capped, **options) as c:
        held = [c.stream_events(StreamOptions()) for _ in range(2)]
        with pytest.raises(agentrail.APITimeoutError, match=r"httpx\.Limits"):
            c.stream_events()
        for stream in held:
            stream.close()
    capped.close()
