"""Run soak consumers against a mock and report: `python -m tests.soak --help`.

Each run resets the mock, installs a seeded fault plan for the consumer's stream (and
a few faults on the REST call it makes), consumes with `Client` or `AsyncClient`, and
checks every delivered id against the server's log. `make soak` runs all three
consumers, sync and async, against a mock in a child process.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from agentrail import Backoff, StreamSettings
from tests.soak.consumers import CONSUMERS
from tests.soak.harness import Control, Job, Report, report
from tests.soak.plan import side_plan, stream_plan
from tests.twin import run

# Short waits so that a few hundred reconnects fit in minutes: the server's `retry:`
# (10 ms) starts the backoff; stalls are detected after 1.5 x a 1 s heartbeat.
FAST = Backoff(initial=0.01, cap=0.1)
CLIENT = {
    "streams": StreamSettings(stall_factor=1.5, heartbeat_seconds=1, backoff=FAST),
    "backoff": FAST,
    "timeout": httpx.Timeout(10, connect=5),
}
MOCK = {
    "retry_ms": 10,
    "heartbeat_seconds": 1,
    "cursor_retention": 10**9,  # a slow consumer resumes, never 410s
    "run_queue_size": 50,  # small: live results overflow it and lag
    "bench_step_seconds": 0.0001,  # 10,000 results/s: faster than a consumer
}
MEAN_EVENTS_PER_CONNECTION = 1_000
MAX_RSS_GROWTH_KIB = 8 * 1024  # measured: 0-3 MiB (the tally aside)


def soak_one(
    control: Control,
    name: str,
    mode: str,
    seed: int,
    *,
    events: int,
    stalls: int,
    cases: int = 2_000,
    per_connection: int = MEAN_EVENTS_PER_CONNECTION,
    idle: float = 20.0,
    deadline: float = 600.0,
) -> Report:
    """One consumer, one calling convention, one seeded fault plan."""
    rng = random.Random(f"{seed}/{name}/{mode}")
    control.reset(**MOCK)
    cls = CONSUMERS[name]
    extra: dict[str, Any] = {"cases": cases} if name == "bench" else {}
    consumer = cls(control, rng, events, **extra)
    consumer.setup()
    connections = max(2, events // per_connection)
    planned = stream_plan(
        rng,
        cls.operation,
        events=events,
        connections=connections,
        kinds=cls.kinds,
        stalls=stalls,
    )
    if cls.side_operation:
        side = max(1, connections // 10)
        planned += side_plan(rng, cls.side_operation, side, **cls.side_extra)
    control.plan(planned)
    job = Job(idle, deadline)

    async def body(client: Any) -> None:
        try:
            await consumer.body(client, job)
        except BaseException as exc:  # noqa: BLE001 - counted; a cancel is the watchdog
            job.error = None if job.hung else exc

    job.watch()
    started = time.perf_counter()
    try:
        run(mode, body, api_key=control.admin_key, base_url=control.url, **CLIENT)
    finally:
        job.join()
    seconds = time.perf_counter() - started
    pending = control.pending()
    control.clear_faults()
    reference = consumer.reference()
    return report(name, mode, seed, job, reference, planned, pending, seconds)


@contextmanager
def child_mock() -> Iterator[Control]:
    """A mock in a child process, so that this process's memory is the client's."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agentrail_mock",
            "--port",
            "0",
            "--log-level",
            "critical",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        key = process.stdout.readline().split()[-1]
        control = Control(url, key)
        try:
            yield control
        finally:
            control.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def table(reports: list[Report]) -> Iterator[str]:
    """The summary: one row per consumer run, then the faults fired in all runs."""
    yield (
        "| consumer | mode | events | lost | repeated | out of order | faults fired "
        "| reconnects | RSS growth MiB | seconds |"
    )
    yield "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for r in reports:
        c = r.counts
        yield (
            f"| {r.name} | {r.mode} | {c.delivered:,} | {c.lost} | {c.repeated} | "
            f"{c.out_of_order} | {sum(r.faults.values())} | {r.stats['reconnects']} "
            f"| {r.rss_growth_kib / 1024:+.1f} | {r.seconds:.1f} |"
        )
    kinds: Counter[str] = Counter()
    for r in reports:
        kinds.update(r.faults)
    yield "faults fired in all runs: " + ", ".join(
        f"{k} {v}" for k, v in sorted(kinds.items())
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="per consumer")
    parser.add_argument("--seed", type=int, default=None, help="default: random")
    parser.add_argument("--stalls", type=int, default=3, help="per consumer run")
    parser.add_argument("--consumers", default=",".join(CONSUMERS))
    parser.add_argument("--modes", default="sync,async")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    print(f"soak: seed {seed} (replay with SEED={seed}), {args.events:,} events per "
          "consumer, mock in a child process", flush=True)  # fmt: skip
    reports: list[Report] = []
    with child_mock() as control:
        for name in args.consumers.split(","):
            for mode in args.modes.split(","):
                rep = soak_one(
                    control, name, mode, seed, events=args.events, stalls=args.stalls
                )
                reports.append(rep)
                print("\n".join(rep.lines()), flush=True)
    print("\n".join(table(reports)))
    failed = [r for r in reports if not r.ok or r.rss_growth_kib > MAX_RSS_GROWTH_KIB]
    total = sum(r.counts.delivered for r in reports)
    verdict = "FAILED: " + ", ".join(f"{r.name}/{r.mode}" for r in failed)
    print(f"soak: {total:,} events, seed {seed}: {verdict if failed else 'all clean'}")
    return 1 if failed else 0
