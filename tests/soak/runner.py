"""Run soak consumers against a mock and report: `python -m tests.soak --help`.

Each run resets the mock, installs a seeded fault plan for the consumer's stream (and
a few faults on the REST call it makes), puts a seeded wire fault proxy
(tests/wire/proxy.py) between the client and the mock, consumes with `Client` or
`AsyncClient`, and checks every delivered id against the server's log. `make soak`
runs every consumer, sync and async, against a mock in a child process, for one
seed or many (`--seeds 20`).
"""

from __future__ import annotations

import argparse
import logging
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import httpx

from agentrail import Backoff, StreamSettings
from tests.soak.consumers import CONSUMERS
from tests.soak.harness import Control, Job, Report, report
from tests.soak.plan import side_plan, stream_plan
from tests.twin import run
from tests.wire.plan import SeededPlan
from tests.wire.proxy import WireProxy

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
# Through the wire proxy, faults that deliver no event come from both the mock's plan
# (3 in a row at most) and the proxy's (2), and an outage refuses every connect for a
# while: the client gets the retries to ride that out. An outage outlasts the REST
# retry budget (a listing inside it fails) and stays well inside the reconnects'.
# A refused listener refuses every connect for a moment (several attempts), so the
# open of a stream may meet 3 + 2 + 3 failures in a row (seed 7008 met 7): 10 retries.
WIRE_RETRIES = 10
WIRE_STREAMS = StreamSettings(
    stall_factor=1.5, heartbeat_seconds=1, backoff=FAST, max_reconnects=50
)
WIRE_CLIENT = {**CLIENT, "streams": WIRE_STREAMS, "max_retries": WIRE_RETRIES}


def rest_budget(backoff: Backoff, retries: int) -> float:
    """The longest a REST call retries connection errors, waits only."""
    return sum(min(backoff.cap, backoff.initial * 2**n) for n in range(retries))


def reconnect_floor(settings: StreamSettings, retry_s: float) -> float:
    """The shortest a stream keeps reconnecting (jitter halves each wait at worst)."""
    b = settings.backoff
    waits = (min(b.cap, retry_s * 2**n) / 2 for n in range(settings.max_reconnects))
    return sum(waits)


OUTAGE_SECONDS = 1.5 * rest_budget(FAST, WIRE_RETRIES)
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
    wire: bool = True,
    mock_faults: bool = True,
    outages: int = 1,
    wire_rate: float = 0.6,
    wire_skip: tuple[str, ...] = (),
) -> Report:
    """One consumer, one calling convention, one seeded fault plan: the mock's
    (`mock_faults`) and the wire proxy's (`wire`)."""
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
    if not mock_faults:
        planned = []
    control.plan(planned)
    job = Job(idle, deadline)
    proxy = None
    if wire:
        # Half the mock's mean, so that the proxy's cuts usually come first.
        plan = SeededPlan(rng.randrange(2**32), mean=max(1, per_connection // 2),
                          rate=wire_rate, outages=outages, stalls=stalls,
                          outage_seconds=OUTAGE_SECONDS)  # fmt: skip
        for position in wire_skip:
            del plan.positions[position]
        proxy = WireProxy(control.url, plan).start()

    async def body(client: Any) -> None:
        try:
            await consumer.body(client, job)
        except BaseException as exc:  # noqa: BLE001 - counted; a cancel is the watchdog
            job.error = None if job.hung else exc

    job.watch()
    started = time.perf_counter()
    try:
        url = proxy.url if proxy else control.url
        options = WIRE_CLIENT if proxy else CLIENT
        run(mode, body, api_key=control.admin_key, base_url=url, **options)
    finally:
        job.join()
        if proxy is not None:
            proxy.stop()
    seconds = time.perf_counter() - started
    pending = control.pending()
    control.clear_faults()
    reference = consumer.reference()
    wired = proxy.counts() if proxy else Counter()
    return report(name, mode, seed, job, reference, planned, pending, seconds, wired)


# asyncio's warning when a server keeps writing to a connection its client dropped;
# every cut mid-replay makes the mock log it a few times: counted, not printed.
DROPPED_WRITES = "socket.send() raised exception."
mock_dropped_writes = 0


def _echo(stream: IO[str]) -> None:
    """Pass the mock's stderr on, less the dropped-write warnings (counted)."""
    global mock_dropped_writes
    for line in stream:
        if line.strip() == DROPPED_WRITES:
            mock_dropped_writes += 1
        else:
            sys.stderr.write(line)


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
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    threading.Thread(target=_echo, args=(process.stderr,), daemon=True).start()
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
    """The summary: one row per consumer and mode over every seed, then the faults
    fired in all runs, by kind."""
    yield (
        "| consumer | mode | runs | events checked | lost | repeated | out of order "
        "| unexpected/altered | hung/errors | faults fired (mock + wire) | reconnects "
        "| max RSS growth MiB | seconds |"
    )
    yield "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    groups: dict[tuple[str, str], list[Report]] = {}
    for r in reports:
        groups.setdefault((r.name, r.mode), []).append(r)
    for (name, mode), rs in groups.items():
        c = [r.counts for r in rs]
        wire = sum(v for r in rs for k, v in r.faults.items() if k.startswith("wire "))
        mock = sum(sum(r.faults.values()) for r in rs) - wire
        yield (
            f"| {name} | {mode} | {len(rs)} | {sum(x.delivered for x in c):,} "
            f"| {sum(x.lost for x in c)} | {sum(x.repeated for x in c)} "
            f"| {sum(x.out_of_order for x in c)} "
            f"| {sum(x.unexpected for x in c)}/{sum(x.altered for x in c)} "
            f"| {sum(r.hung for r in rs)}/{sum(r.error is not None for r in rs)} "
            f"| {mock} + {wire} | {sum(r.stats['reconnects'] for r in rs):,} "
            f"| {max(r.rss_growth_kib for r in rs) / 1024:+.1f} "
            f"| {sum(r.seconds for r in rs):.0f} |"
        )
    kinds: Counter[str] = Counter()
    for r in reports:
        kinds.update(r.faults)
    for side in ("mock", "wire"):
        fired = sorted((k, v) for k, v in kinds.items()
                       if k.startswith("wire ") == (side == "wire"))  # fmt: skip
        total = sum(v for _, v in fired)
        listed = ", ".join(f"{k.removeprefix('wire ')} {v}" for k, v in fired)
        yield f"{side} faults fired in all runs: {total:,}: {listed}"


class _Tally(logging.Handler):
    """Counts the client's log records (a reconnect logs one) instead of printing
    hundreds of them; `--log` prints them as well."""

    def __init__(self) -> None:
        super().__init__()
        self.levels: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.levels[record.levelname] += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="per consumer")
    parser.add_argument("--seed", type=int, default=None, help="default: random")
    parser.add_argument("--seeds", type=int, default=1,
                        help="run this many seeds: SEED, SEED+1, ...")  # fmt: skip
    parser.add_argument("--stalls", type=int, default=3, help="per consumer run")
    parser.add_argument("--per-connection", type=int,
                        default=MEAN_EVENTS_PER_CONNECTION,
                        help="mean events between two mock faults")  # fmt: skip
    parser.add_argument("--consumers", default=",".join(CONSUMERS))
    parser.add_argument("--modes", default="sync,async")
    parser.add_argument("--no-wire", action="store_true",
                        help="no fault proxy: the mock's faults only")  # fmt: skip
    parser.add_argument("--log", action="store_true",
                        help="print the client's log records (reconnects)")  # fmt: skip
    args = parser.parse_args(argv)
    client_log = _Tally()
    logger = logging.getLogger("agentrail")
    logger.addHandler(client_log)
    logger.setLevel(logging.INFO)
    if args.log:
        logger.addHandler(logging.StreamHandler())
    logger.propagate = False
    first = args.seed if args.seed is not None else random.randrange(10**6)
    seeds = list(range(first, first + args.seeds))
    wire = "" if args.no_wire else ", through the wire fault proxy"
    print(f"soak: seeds {seeds[0]}..{seeds[-1]} ({len(seeds)}; replay one with "
          f"SEED=n), {args.events:,} events per consumer{wire}, mock in a child "
          "process", flush=True)  # fmt: skip
    reports: list[Report] = []
    with child_mock() as control:
        for seed in seeds:
            for name in args.consumers.split(","):
                for mode in args.modes.split(","):
                    rep = soak_one(
                        control, name, mode, seed, events=args.events,
                        stalls=args.stalls, wire=not args.no_wire,
                        per_connection=args.per_connection,
                    )  # fmt: skip
                    reports.append(rep)
                    print("\n".join(rep.lines()), flush=True)
    print("\n".join(table(reports)))
    levels = ", ".join(f"{k} {v:,}" for k, v in sorted(client_log.levels.items()))
    print(f"client log records (reconnects and skipped events; --log prints them): "
          f"{levels or 'none'}; the mock's writes to dropped connections: "
          f"{mock_dropped_writes:,}")  # fmt: skip
    failed = [r for r in reports if not r.ok or r.rss_growth_kib > MAX_RSS_GROWTH_KIB]
    total = sum(r.counts.delivered for r in reports)
    verdict = "FAILED: " + ", ".join(f"{r.name}/{r.mode}/{r.seed}" for r in failed)
    print(f"soak: {total:,} events, seeds {seeds[0]}..{seeds[-1]}: "
          f"{verdict if failed else 'all clean'}")  # fmt: skip
    return 1 if failed else 0
