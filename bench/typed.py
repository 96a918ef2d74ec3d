"""Section 2, typed events: bytes to typed objects per second.

* `agentrail` - `SSEDecoder.feed()` per 4 KiB read, then the parser the stream uses for
  the frame's `event:` name (`TASK_EVENTS` / `RUN_EVENTS` in `agentrail._events`);
* `httpx-sse + from_dict` - httpx-sse's decoding (as in section 1), `json.loads(data)`,
  then the generated model's `from_dict` (`agentrail_api.models`): what a user of
  httpx-sse with our generated client would write.

The frames are what the mock sends: task lifecycle events and bench run results.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

from agentrail import SSEDecoder
from agentrail._events import TASK_EVENTS
from agentrail._model_events import RUN_EVENTS
from agentrail_api.models.bench_result import BenchResult
from agentrail_api.models.task_lifecycle_event import TaskLifecycleEvent
from bench.decoder import run_httpx_sse_core, split
from bench.harness import Section, Settings, Stat, Target, ratios, rounds

TYPES = ["task.updated", "task.awaiting_user", "task.reviewed", "task.shipped"]


def task_frames(n: int) -> bytes:
    """`n` task lifecycle frames, as the mock's task event stream sends them."""
    frames = []
    for i in range(1, n + 1):
        event = {
            "id": f"{i:012d}",
            "type": TYPES[i % 4],
            "created_at": f"2026-11-21T03:25:{i % 60:02d}.{i % 999_999:06d}Z",
            "sequence": i,
            "task_id": f"task_{i // 7:06d}",
            "data": {"changes": {"status": "running"}, "version": i % 11},
        }
        data = json.dumps(event, separators=(",", ":"))
        frames.append(f"id: {i:012d}\nevent: {event['type']}\ndata: {data}\n\n")
    return "".join(frames).encode()


def result_frames(n: int) -> bytes:
    """`n` bench run `result` frames, as the mock's run event stream sends them."""
    frames = []
    for i in range(1, n + 1):
        result = {
            "id": f"{i:012d}",
            "bench_run_id": 42,
            "case_id": f"case_{i:06d}",
            "execution_id": f"exec_{i:06d}",
            "status": "ok",
            "verdict": "pass" if i % 4 else "fail",
            "headline_score": round((i % 101) / 100, 2),
            "cost_usd": 0.003,
            "duration_ms": 1000 + i % 500,
            "created_at": f"2026-11-21T03:25:{i % 60:02d}.{i % 999_999:06d}Z",
        }
        data = json.dumps(result, separators=(",", ":"))
        frames.append(f"id: {i:012d}\nevent: result\ndata: {data}\n\n")
    return "".join(frames).encode()


def agentrail_typed(
    table: dict[str, Callable[[Any], Any]],
) -> Callable[[Sequence[bytes]], int]:
    """Decode with agentrail and type each frame through `table`; count the objects."""

    def run(reads: Sequence[bytes]) -> int:
        decoder = SSEDecoder(max_event_bytes=None)
        count = 0
        for read in reads:
            for sse in decoder.feed(read):
                table[sse.event](sse)
                count += 1
        decoder.end()
        return count

    return run


def peer_typed(model: Any) -> Callable[[Sequence[bytes]], int]:
    """httpx-sse, `json.loads`, the generated model's `from_dict`; count the objects."""
    from_dict = model.from_dict

    def run(reads: Sequence[bytes]) -> int:
        return run_httpx_sse_core(reads, lambda sse: from_dict(json.loads(sse.data)))

    return run


def run(settings: Settings) -> Section:
    """Typed objects per second for task events and run results, both ways."""
    section = Section(
        "typed",
        "2. Typed events (objects per CPU second, bytes in 4 KiB reads; peer = 1 x)",
        ["events", "agentrail /s", "httpx-sse + from_dict /s", "x peer (range)"],
    )
    n = settings.size(20_000, 200)
    cases = [
        ("TaskLifecycleEvent", task_frames(n), dict(TASK_EVENTS), TaskLifecycleEvent),
        ("RunResult", result_frames(n), dict(RUN_EVENTS), BenchResult),
    ]
    for name, stream, table, model in cases:
        reads = split(stream, 4096)
        contenders = {"agentrail": agentrail_typed(table), "peer": peer_typed(model)}
        measured = rounds(
            {k: functools.partial(c, reads) for k, c in contenders.items()},
            settings.repeats,
        )
        for key, counts in measured.results.items():
            assert set(counts) == {n}, (name, key, counts)
        times = measured.cpu
        rate = {k: Stat.of([n / t for t in v]) for k, v in times.items()}
        ratio = ratios(times["peer"], times["agentrail"])
        section.rows.append(
            [
                name,
                f"{rate['agentrail'].median:,.0f}",
                f"{rate['peer'].median:,.0f}",
                ratio.show(),
            ]
        )
        section.raw.append(
            {
                "events": name,
                "count": n,
                "bytes": len(stream),
                "seconds": times,
                "per second": {k: s.raw() for k, s in rate.items()},
                "ratio to peer": ratio.raw(),
            }
        )
        section.targets.append(Target(f"typed, {name}", ratio.median, 3.0, True))
    return section
