"""Section 3, end to end over loopback: the task event stream of the real mock.

The mock runs in its own process (`python -m agentrail_mock`), so the CPU time measured
here (`time.process_time()`, this process only) is the client's. Each round replays the
same `n` events after a cursor to:

* `agentrail` - `client.stream_events(StreamOptions(cursor=...))`: resume, dedupe and
  typing on, `TaskLifecycleEvent` objects out;
* `httpx-sse` - `httpx_sse.connect_sse(...).iter_sse()`, the `ServerSentEvent`s only
  (issue 6's target compares with this);
* the same plus `json.loads(data)`: the least a consumer does to use an event;
* the same plus the generated model's `from_dict`: typed, without resume or dedupe;
* in parentheses, diagnostics: agentrail with its typed parser replaced by `json.loads`
  alone, or by nothing (the `ServerSentEvent` handed over): what bounds the first row.

Then the time from a dropped connection to the next delivered event: the mock's
`drop_after` fault cuts the stream every `every` events, its `retry:` is 10 ms, and the
gap between the last event before a cut and the first after it is what a consumer waits.
"""

from __future__ import annotations

import functools
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
import httpx_sse

import agentrail
from agentrail import StreamOptions, _flows
from agentrail._json import loads
from agentrail_api.models.task_lifecycle_event import TaskLifecycleEvent
from bench.harness import (
    ADMIN_KEY,
    Rounds,
    Section,
    Settings,
    Stat,
    Target,
    mock_process,
    ratios,
    rounds,
)

RETRY_MS = 10
STREAM = "/v1/task-events/stream"


def consume_agentrail(client: Any, cursor: str, n: int) -> int:
    """`n` typed events from `client.stream_events`; returns how many."""
    count = 0
    with client.stream_events(StreamOptions(cursor=cursor)) as stream:
        for _ in stream:
            count += 1
            if count == n:
                break
    return count


def diagnostic(parse: Callable[[Any], object]) -> Callable[[Any, str, int], int]:
    """`consume_agentrail` with another parser per frame in place of the typed one:
    the same resume, dedupe and driver, to show what parsing and typing cost."""

    def consume(client: Any, cursor: str, n: int) -> int:
        names = vars(_flows)  # the table task_events() puts in each stream's spec
        typed = names["TASK_EVENTS"]
        names["TASK_EVENTS"] = dict.fromkeys(typed, parse)
        try:
            return consume_agentrail(client, cursor, n)
        finally:
            names["TASK_EVENTS"] = typed

    return consume


def consume_httpx_sse(
    parse: Callable[[str], object] | None,
) -> Callable[[Any, str, int], int]:
    """A consumer of `n` events with httpx + httpx-sse, each event's data `parse`d."""

    def consume(http: Any, cursor: str, n: int) -> int:
        count = 0
        params = {"cursor": cursor}
        with httpx_sse.connect_sse(http, "GET", STREAM, params=params) as source:
            for sse in source.iter_sse():
                if not sse.data:
                    continue  # httpx-sse's phantom events after heartbeats
                if parse is not None:
                    parse(sse.data)
                count += 1
                if count == n:
                    break
        return count

    return consume


def _typed(data: str) -> object:
    return TaskLifecycleEvent.from_dict(json.loads(data))


CONSUMERS: dict[str, Callable[[Any, str, int], int]] = {
    "agentrail": consume_agentrail,
    "httpx-sse": consume_httpx_sse(None),
    "httpx-sse + json.loads": consume_httpx_sse(json.loads),
    "httpx-sse + json.loads + from_dict": consume_httpx_sse(_typed),
    "(agentrail, JSON not typed)": diagnostic(lambda sse: loads(sse.data)),
    "(agentrail, data not parsed)": diagnostic(lambda sse: sse),
}


def throughput(base: str, cursor: str, n: int, repeats: int) -> Rounds:
    """Each consumer's rounds of `n` events (after one warm-up round).

    Each consumer keeps one client for all rounds, as an application would: making a
    client loads the CA bundle (tens of ms), which is no cost of streaming."""
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with (
        agentrail.Client(api_key=ADMIN_KEY, base_url=base) as client,
        httpx.Client(base_url=base, headers=headers) as http,
    ):
        calls = {
            name: functools.partial(
                consume, http if name.startswith("httpx") else client, cursor
            )
            for name, consume in CONSUMERS.items()
        }
        for call in calls.values():  # imports, first connections
            call(min(n, 100))
        measured = rounds(
            {k: functools.partial(c, n) for k, c in calls.items()}, repeats
        )
    for name, counts in measured.results.items():
        assert set(counts) == {n}, (name, counts)
    return measured


def reconnect_gaps(
    admin: httpx.Client, cursor: str, drops: int, every: int
) -> tuple[list[float], list[float]]:
    """Seconds from the last event before each drop to the first after it, and the
    ordinary gaps between events; checks that nothing was lost or repeated."""
    fault = {"kind": "drop_after", "operation": "stream_task_events", "n": every}
    admin.post("/__mock/faults", json={**fault, "times": drops}).raise_for_status()
    stamps: list[float] = []
    ids: list[str] = []
    base = str(admin.base_url)
    with agentrail.Client(api_key=ADMIN_KEY, base_url=base) as client:
        with client.stream_events(StreamOptions(cursor=cursor)) as stream:
            for event in stream:
                stamps.append(time.perf_counter())
                ids.append(event.id)
                if len(ids) == (drops + 1) * every:
                    break
            assert stream.stats["reconnects"] == drops, stream.stats
    expected = [f"{int(cursor) + i:012d}" for i in range(1, len(ids) + 1)]
    assert ids == expected, "an event was lost or repeated across a reconnect"
    cuts = {k * every for k in range(1, drops + 1)}
    gaps = [stamps[i] - stamps[i - 1] for i in sorted(cuts)]
    others = [stamps[i] - stamps[i - 1] for i in range(1, len(stamps)) if i not in cuts]
    return gaps, others


def run(settings: Settings) -> Section:
    """Events/s and client CPU per event for each consumer; reconnect gaps."""
    section = Section(
        "e2e",
        "3. End to end over loopback (the mock in its own process; CPU = this client)",
        ["client", "events/s", "CPU us/event", "CPU x httpx-sse (range)", "x + json"],
    )
    n = settings.size(20_000, 300)
    drops, every = settings.size(20, 2), settings.size(50, 5)
    total = n + 1 + (drops + 1) * every
    with mock_process(retry_ms=RETRY_MS, cursor_retention=10 * total) as admin:
        admin.post("/__mock/task-events", json={"count": total}).raise_for_status()
        page = admin.get("/v1/task-events", params={"limit": 1}).json()
        first = page["data"][0]["id"]
        # Rounds are short (~0.2 s) and loopback is noisy: twice the usual number.
        rounds = 2 * settings.repeats
        figures = throughput(str(admin.base_url), first, n, rounds)
        gaps, others = reconnect_gaps(admin, f"{int(first) + n:012d}", drops, every)
    for name in CONSUMERS:
        rate = Stat.of([n / t for t in figures.wall[name]])
        cpu = Stat.of([t / n * 1e6 for t in figures.cpu[name]])
        ratio = ratios(figures.cpu[name], figures.cpu["httpx-sse"])
        to_json = ratios(figures.cpu[name], figures.cpu["httpx-sse + json.loads"])
        section.rows.append(
            [
                name,
                f"{rate.median:,.0f}",
                cpu.show(1),
                ratio.show(),
                f"{to_json.median:.2f}",
            ]
        )
        section.raw.append(
            {
                "client": name,
                "events": n,
                "wall seconds": figures.wall[name],
                "cpu seconds": figures.cpu[name],
                "events/s": rate.raw(),
                "cpu us/event": cpu.raw(),
                "cpu ratio to httpx-sse": ratio.raw(),
                "cpu ratio to httpx-sse + json.loads": to_json.raw(),
            }
        )
        if name == "agentrail":
            section.targets.append(
                Target("e2e, client CPU/event vs httpx-sse", ratio.median, 1.2, False)
            )
    gap = Stat.of(gaps).scaled(1e3)
    usual = statistics.median(others) * 1e3
    section.notes.append(
        f"reconnect after a drop (retry: {RETRY_MS} ms, {len(gaps)} drops): "
        f"{gap.show(1)} ms to the next event (median, min-max); "
        f"between events otherwise {usual:.3f} ms; nothing lost or repeated"
    )
    section.raw.append(
        {"reconnect gaps ms": [g * 1e3 for g in gaps], "retry ms": RETRY_MS}
    )
    section.targets.append(
        Target("e2e, drop to next event", gap.high, 100, False, "ms")
    )
    return section
