"""Section 4, memory: a process consuming 1,000,000 deduped events stays flat, and one
open stream holds a few tens of KiB however many events it has handed over.

A fresh process (`python -m bench.memory`) runs the whole client path: `Client`,
`stream_events`, the driver, the flow, the decoder, the dedupe (a high-water mark) and
typing. The bytes come from an in-process httpx transport (a generator of the mock's
frames in 16 KiB chunks) rather than the mock over loopback: pushing 1.1 M frames
through the mock would take minutes and grow the mock, not the client. Every 10th
frame repeats an event from 50 frames back, so repeats are dropped throughout. RSS
(`VmRSS` in /proc/self/status) is sampled every 100,000 events; growth is the
least-squares slope after the first 200,000 (warm-up).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

import agentrail
from agentrail import StreamOptions
from bench.harness import ROOT, Section, Settings, Target

CHUNK = 16 * 1024
REPEAT_EVERY, REPEAT_BACK = 10, 50


def frame(i: int) -> str:
    """Task event `i` as the mock sends it."""
    stamp = f"2026-11-21T03:25:{i % 60:02d}.{i % 1_000_000:06d}Z"
    data = (
        f'{{"id":"{i:012d}","type":"task.updated","created_at":"{stamp}",'
        f'"sequence":{i},"task_id":"task_{i // 7:06d}",'
        f'"data":{{"changes":{{"status":"running"}},"version":{i % 11}}}}}'
    )
    return f"id: {i:012d}\nevent: task.updated\ndata: {data}\n\n"


def chunks(total: int) -> Iterator[bytes]:
    """The stream's bytes: `total` events, every 10th frame followed by a repeat."""
    pending: list[str] = []
    size = 0
    for i in range(1, total + 1):
        text = frame(i)
        if i % REPEAT_EVERY == 0 and i > REPEAT_BACK:
            text += frame(i - REPEAT_BACK)  # delivered before: must be dropped
        pending.append(text)
        size += len(text)
        if size >= CHUNK:
            yield "".join(pending).encode()
            pending, size = [], 0
    if pending:
        yield "".join(pending).encode()


def rss_mb() -> tuple[float, float]:
    """Resident set size now and at its peak, in MB (Linux /proc/self/status)."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def consume(events: int, every: int) -> dict[str, Any]:
    """Consume `events` typed, deduped events; RSS every `every` events."""

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream"}
        return httpx.Response(200, headers=headers, content=chunks(events + 1000))

    transport = httpx.MockTransport(handler)
    samples: list[tuple[int, float]] = []
    count = 0
    with httpx.Client(transport=transport) as http:
        client = agentrail.Client(
            api_key="bench", base_url="http://bench.invalid", http_client=http
        )
        start = time.process_time()
        # A cursor, as a resuming consumer passes: without one the stream first lists
        # the newest event to anchor at, which this transport does not serve.
        with client.stream_events(StreamOptions(cursor="000000000000")) as stream:
            for _ in stream:
                count += 1
                if count % every == 0:
                    samples.append((count, rss_mb()[0]))
                if count == events:
                    break
            stats = stream.stats
        cpu = time.process_time() - start
    return {
        "events": count,
        "duplicates dropped": stats["duplicates"],
        "samples": samples,
        "peak MB": rss_mb()[1],
        "cpu us/event": cpu / count * 1e6,
    }


def retained(events: int) -> int:
    """Bytes one open stream holds once it has handed over `events` events
    (tracemalloc, from before it opened; a first stream warms caches and imports)."""
    import gc
    import tracemalloc

    # The bytes are made before measuring: what the fake server holds is not the
    # stream's. What the stream holds then: its state, the decoder's open block, and
    # the rest of the last read as typed events not yet taken.
    body = list(chunks(events + 1000))

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream"}
        return httpx.Response(200, headers=headers, content=iter(body))

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        client = agentrail.Client(
            api_key="bench", base_url="http://bench.invalid", http_client=http
        )
        options = StreamOptions(cursor="000000000000")
        with client.stream_events(options) as warm:
            next(warm)
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        with client.stream_events(options) as stream:
            for count, _ in enumerate(stream, 1):
                if count == events:
                    break
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
    return held


def slope(points: Sequence[tuple[int, float]]) -> float:
    """Least-squares MB per event through `points`."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return sxy / sxx if sxx else 0.0


def run(settings: Settings) -> Section:
    """Run the consumer in a fresh process; report RSS and its growth."""
    events = settings.size(1_000_000, 5_000)
    every = events // 10
    per_stream = settings.size(100_000, 5_000)
    out = subprocess.run(
        [sys.executable, "-m", "bench.memory", str(events), str(every)]
        + ["--retained", str(per_stream)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(out.stdout)
    samples = [tuple(s) for s in figures["samples"]]
    assert figures["events"] == events, figures
    steady = samples[1:]  # after the first 2 x `every` events (warm-up)
    growth = slope(steady) * 100_000
    section = Section(
        "memory",
        f"4. Memory: one process consuming {events:,} deduped task events (RSS, MB)",
        ["fed by", "at 10%", "at 20%", "at 100%", "peak", "MB per 100k after 20%"],
    )
    section.rows = [
        [
            "in-process transport",
            *(f"{samples[k][1]:.1f}" for k in (0, 1, -1)),
            f"{figures['peak MB']:.1f}",
            f"{growth:+.3f}",
        ]
    ]
    section.notes = [
        "bytes from a generator behind httpx.MockTransport, through Client."
        "stream_events: driver, flow, decoder, dedupe, typing",
        f"{figures['duplicates dropped']:,} repeats dropped; "
        f"{figures['cpu us/event']:.1f} us CPU per event (bytes generated in the "
        "same process)",
    ]
    section.raw = [{**figures, "growth MB per 100k": growth}]
    held = figures["retained bytes"] / 1024
    section.notes.append(
        f"one open stream holds {held:.1f} KiB after {per_stream:,} events "
        "(tracemalloc, from before it opened: state, decoder, response)"
    )
    section.targets = [
        Target("memory growth per 100k events", growth, 2.0, False, "MB"),
        Target(
            f"memory per stream after {per_stream:,} events", held, 64, False, "KiB"
        ),
    ]
    return section


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m bench.memory EVENTS EVERY`: print the figures as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("events", type=int)
    parser.add_argument("every", type=int)
    parser.add_argument("--retained", type=int, default=100_000)
    args = parser.parse_args(argv)
    figures = consume(args.events, args.every)
    figures["retained bytes"] = retained(args.retained)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
