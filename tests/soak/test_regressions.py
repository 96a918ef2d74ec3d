"""Losses the soak found, pinned as small deterministic tests against the mock."""

from __future__ import annotations

from typing import Any

import pytest

import agentrail
from agentrail import RunLagged, RunResult, StreamOptions, StreamSettings
from tests.integration.test_streams import start_run
from tests.twin import close, items, resolve, run

pytestmark = pytest.mark.timeout(60)

FAST = agentrail.Backoff(initial=0.01, cap=0.02)


async def every_result_once(client: Any, run_id: int) -> tuple[Any, Any, Any]:
    """Follow a run with fill_gaps; its results arrive once each, in /results order.
    Returns the subscription, what it yielded and the listed results."""
    sub = await resolve(client.bench_runs.subscribe_run_events(run_id, fill_gaps=True))
    got = await items(sub)
    listed = await resolve(client.bench_runs.list_results(run_id))
    assert [e.result.id for e in got if isinstance(e, RunResult)] == [
        r.id for r in listed
    ]
    return sub, got, listed


def test_a_failed_gap_fill_resumes_before_the_lag(mode: str, mock: Any) -> None:
    """If listing the missed results fails, the stream resumes from before the
    `lagged` marker, so the server replays them: none is lost (seed 2 lost 277)."""
    mock.config.update(retry_ms=10, bench_step_seconds=0.01)
    mock.faults.add("lag", operation="stream_bench_run_events", n=3)
    # Three 503s in a row outlast the two retries of the listing.
    mock.faults.add("status", operation="list_bench_run_results", code=503,
                    retry_after=0, times=3)  # fmt: skip

    async def body(client: Any) -> None:
        run_ = await start_run(client, 8)
        sub, got, _ = await every_result_once(client, run_.id)
        assert not any(isinstance(e, RunLagged) for e in got)  # replayed instead
        assert sub.stats["reconnects"] == 1

    run(mode, body, api_key=mock.admin_key, base_url=mock.url, backoff=FAST,
        streams=StreamSettings(backoff=FAST))  # fmt: skip


def test_after_a_filled_lag_the_stream_resumes_past_what_the_listing_gave(
    mode: str, mock: Any
) -> None:
    """A reconnect after a filled lag asks for what follows the filled gap, not for
    the results the listing already handed over (seed 2 replayed them on
    every reconnect until drops shorter than the replay exhausted the reconnects)."""
    mock.config.update(retry_ms=10, bench_step_seconds=0.001)
    settings = StreamSettings(max_reconnects=3, backoff=FAST)

    async def body(client: Any) -> None:
        run_ = await start_run(client, 30)
        while (await resolve(client.bench_runs.get(run_.id))).status != "completed":
            pass
        # The first connection skips two results, sends `lagged`, two more, drops.
        mock.faults.add("lag", operation="stream_bench_run_events", n=2, drop_after=3)
        # Then each connection drops after one frame.
        mock.faults.add("drop_after", operation="stream_bench_run_events", n=1,
                        times=5)  # fmt: skip
        _, _, listed = await every_result_once(client, run_.id)
        streams = [
            r for r in mock.requests if r.operation_id == "stream_bench_run_events"
        ]
        # The fill listed the gap after the last result handed over; the reconnect
        # asks for what follows the gap, not for the gap again.
        fills = [r for r in mock.requests if r.operation_id == "list_bench_run_results"]
        ids = [r.id for r in listed]
        after = dict(fills[0].query).get("after_id")
        gap_end = (ids.index(after) if after else -1) + 2  # the two dropped
        resume = streams[1].headers.get("last-event-id")
        assert resume is not None and ids.index(resume) >= gap_end

    run(mode, body, api_key=mock.admin_key, base_url=mock.url, backoff=FAST,
        streams=settings)  # fmt: skip


@pytest.mark.parametrize("before", [0, 3], ids=["empty-log", "events-before"])
@pytest.mark.parametrize("types", [None, ["task.shipped", "task.updated"]])
def test_a_task_stream_dropped_before_its_first_event_loses_nothing(
    mode: str, mock: Any, before: int, types: list[str] | None
) -> None:
    """A task stream opened without a cursor and dropped before its first event
    still delivers every event sent after it opened: reconnecting "live" would skip
    those sent meanwhile (seed 35894 lost the first 4,043 events)."""
    mock.config.update(retry_ms=10)
    mock.state.emit_task_events(before)
    mock.faults.add("drop_after", operation="stream_task_events", n=0)
    mock.faults.add("status", operation="stream_task_events", code=503, retry_after=1)

    async def body(client: Any) -> None:
        options = StreamOptions(event_types=types)
        stream = await resolve(client.stream_events(options))  # then dropped
        sent = mock.state.emit_task_events(8)  # while it waits out the 503
        wanted = [e["id"] for e in sent if types is None or e["type"] in types]
        got = await items(stream, len(wanted))
        await close(stream)
        assert [e.id for e in got] == wanted
        assert stream.stats["reconnects"] >= 1

    run(mode, body, api_key=mock.admin_key, base_url=mock.url, backoff=FAST,
        streams=StreamSettings(backoff=FAST))  # fmt: skip
