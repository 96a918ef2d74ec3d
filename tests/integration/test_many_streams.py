"""Many streams on one client: none waits silently for a pooled connection."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

import agentrail
from agentrail import StreamOptions

pytestmark = pytest.mark.timeout(120)

STREAMS = 150  # past httpx's default pool of 100 connections


def test_more_streams_than_httpx_pools_by_default_all_open_and_deliver(
    mock: Any,
) -> None:
    """150 task streams on one default AsyncClient open, each gets the next event,
    and a REST call on the same client is not stuck behind them."""

    async def main() -> None:
        async with agentrail.AsyncClient(mock.admin_key, mock.url) as client:
            streams = [await client.stream_events() for _ in range(STREAMS)]
            task = await asyncio.wait_for(client.tasks.create(title="t"), 10)
            (event,) = mock.state.emit_task_events(1)
            got = await asyncio.gather(*(anext(aiter(s)) for s in streams))
            assert {e.id for e in got} == {event["id"]}
            assert (await client.tasks.get(task.id)).id == task.id
            await asyncio.gather(*(s.aclose() for s in streams))

    asyncio.run(main())


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
