"""Section 7, many streams: N concurrent task streams in one process (asyncio).

The mock runs in its own process. Each case runs in a fresh child process
(`python -m bench.concurrency --child ...`), so that its RSS is its own, and opens N
task streams at once after the same cursor (the mock replays exactly `events`
events after it, then sends heartbeats), then reads those events from each:

* `agentrail` - one default `agentrail.AsyncClient`, `await client.stream_events(...)`
  per stream, then `async for`: resume, dedupe and typing on;
* `httpx-sse` - one `httpx.AsyncClient` without a connection limit (a default one
  holds 100 connections: stream 101 would wait for one), `aconnect_sse` per stream,
  `aiter_sse()` and `json.loads(data)` per event.

Figures per case: the wall time until every stream is open (headers in) and the CPU
per stream to open it; the CPU per event to drain; the RSS per stream once drained
(streams still open); and an idle row, 1,000 streams on heartbeats only (1 s), with
the CPU per stream and second. CPU is this child's (`time.process_time()`), never the
mock's. A last row hides `sniffio` from the agentrail child (httpcore tries to import
it for every lock it makes; a failed import searches `sys.path` each time: httpcore
#1103): what installing it saves.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.machinery
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from typing import Any

import httpx
import httpx_sse

from bench.harness import (
    ADMIN_KEY,
    ROOT,
    Section,
    Settings,
    Stat,
    Target,
    child_env,
    mock_process,
)

STREAM = "/v1/task-events/stream"
HEARTBEAT = 1  # seconds, for the idle row (the least the API allows)


def rss_kb() -> int:
    """This process's resident set size (VmRSS), in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class _HideSniffio(MetaPathFinder):
    """`import sniffio` fails as if it were not installed, after the same search of
    `sys.path` (the cost httpcore pays per lock when it is missing)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "sniffio":
            return None
        importlib.machinery.PathFinder.find_spec(name, path)
        raise ModuleNotFoundError("No module named 'sniffio'", name=name)


def unlimited() -> httpx.AsyncClient:
    """An httpx pool without a connection limit (a default one holds 100)."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    return httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60))


async def agentrail_case(
    base: str, cursor: str, n: int, events: int, idle: float, heartbeat: int | None
) -> dict[str, float]:
    """N agentrail streams: open, drain, measure; the figures of one case."""
    import agentrail
    from agentrail import StreamOptions

    client = agentrail.AsyncClient(api_key=ADMIN_KEY, base_url=base)  # the default
    options = StreamOptions(cursor=cursor, heartbeat_seconds=heartbeat)

    async def open_one(stream: Any) -> Any:
        return await stream

    async def drain(stream: Any) -> int:
        count = 0
        async for _ in stream:  # idle: until cancelled
            count += 1
            if count == events:
                break
        return count

    streams = [client.stream_events(options) for _ in range(n)]
    figures = await measure(streams, open_one, drain, idle)
    await asyncio.gather(*(s.aclose() for s in streams))
    await client.aclose()
    return figures


async def httpx_sse_case(
    base: str, cursor: str, n: int, events: int, idle: float, heartbeat: int | None
) -> dict[str, float]:
    """N httpx-sse streams with `json.loads` per event: the same figures."""
    http = unlimited()
    http.base_url = httpx.URL(base)
    http.headers["Authorization"] = f"Bearer {ADMIN_KEY}"
    params: dict[str, Any] = {"cursor": cursor}
    if heartbeat is not None:
        params["heartbeat_seconds"] = heartbeat
    contexts = [
        httpx_sse.aconnect_sse(http, "GET", STREAM, params=params) for _ in range(n)
    ]

    async def drain(source: httpx_sse.EventSource) -> int:
        count = 0
        async for sse in source.aiter_sse():  # idle: until cancelled
            if not sse.data:
                continue  # its phantom events after heartbeats
            json.loads(sse.data)
            count += 1
            if count == events:
                break
        return count

    async def open_one(context: Any) -> httpx_sse.EventSource:
        source: httpx_sse.EventSource = await context.__aenter__()
        return source

    figures = await measure(contexts, open_one, drain, idle)
    await asyncio.gather(*(c.__aexit__(None, None, None) for c in contexts))
    await http.aclose()
    return figures


async def measure(
    items: Sequence[Any], open_one: Any, drain: Any, idle: float
) -> dict[str, float]:
    """Open every stream at once, drain each, sit idle: wall, CPU and RSS figures."""
    rss0 = rss_kb()
    wall, cpu = time.perf_counter(), time.process_time()
    sources = await asyncio.gather(*(open_one(i) for i in items))
    open_wall, open_cpu = time.perf_counter() - wall, time.process_time() - cpu
    cpu = time.process_time()
    drains = [asyncio.ensure_future(drain(s)) for s in sources]
    idle_cpu = 0.0
    if idle:  # every stream waits for its next event while heartbeats arrive
        await asyncio.sleep(idle)
        idle_cpu = time.process_time() - cpu
        for task in drains:
            task.cancel()
    counts = await asyncio.gather(*drains, return_exceptions=True)
    drain_cpu = time.process_time() - cpu
    rss1 = rss_kb()
    counts = [c for c in counts if isinstance(c, int)]
    return {
        "open_wall": open_wall,
        "open_cpu": open_cpu,
        "drain_cpu": drain_cpu,
        "events": sum(counts),
        "streams_done": sum(1 for c in counts if c),
        "rss_kb_per_stream": (rss1 - rss0) / len(items),
        "idle_cpu": idle_cpu,
    }


CASES = {"agentrail": agentrail_case, "httpx-sse": httpx_sse_case}


def child(argv: Sequence[str]) -> None:
    """One case in this process; its figures as one JSON line on stdout."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=sorted(CASES), required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--cursor", required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--idle", type=float, default=0.0)
    parser.add_argument("--heartbeat", type=int, default=None)
    parser.add_argument("--hide-sniffio", action="store_true")
    args = parser.parse_args(argv)
    if args.hide_sniffio:
        sys.modules.pop("sniffio", None)
        sys.meta_path.insert(0, _HideSniffio())
    case = CASES[args.child]
    coroutine = case(
        args.base, args.cursor, args.n, args.events, args.idle, args.heartbeat
    )
    figures = asyncio.run(coroutine)
    if figures["events"] != args.n * args.events:
        raise SystemExit(f"{figures['events']} events, not {args.n * args.events}")
    print(json.dumps(figures), flush=True)


def spawn(base: str, cursor: str, name: str, n: int, events: int, **extra: Any) -> Any:
    """Run one case in a fresh child process; return its figures."""
    argv = [sys.executable, "-m", "bench.concurrency", "--child", name]
    argv += ["--base", base, "--cursor", cursor, "--n", str(n)]
    argv += ["--events", str(events)]
    for key, value in extra.items():
        if value is True:
            argv.append(f"--{key.replace('_', '-')}")
        elif value is not None:
            argv += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(
        argv, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=600
    )
    if done.returncode:
        raise RuntimeError(f"{argv}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(settings: Settings) -> Section:
    """Every N for both clients, in turns, `repeats` rounds; then the idle row."""
    section = Section(
        "concurrency",
        "7. Many task streams in one process (asyncio; CPU = the client's)",
        [
            "streams",
            "client",
            "open s (all)",
            "open CPU ms/stream",
            "CPU us/event",
            "RSS KiB/stream",
            "x httpx-sse CPU/event",
        ],
    )
    # N streams x events each; the idle row sits `idle` s on 1 s heartbeats.
    plan = [(1, settings.size(5_000, 50)), (100, settings.size(200, 5))]
    plan.append((settings.size(1000, 20), settings.size(50, 2)))
    idle_n, idle = settings.size(1000, 20), 0.5 if settings.tiny else 3.0
    rounds = max(settings.repeats // 2 + 1, 1)  # 3 of 5: a round takes ~30 s
    # Each stream replays exactly its events, then sits at the live tail: a replay a
    # client stops reading would pile up in the mock's socket buffers.
    total = max(e for _, e in plan) + 1
    results: dict[tuple[int, str], list[Any]] = {}
    with mock_process(cursor_retention=total + 100) as admin:
        admin.post("/__mock/task-events", json={"count": total}).raise_for_status()
        page = admin.get("/v1/task-events", params={"limit": 1, "order": "desc"})
        last = int(page.json()["data"][0]["id"])
        base = str(admin.base_url)
        pair = ["agentrail", "httpx-sse"]
        rows = [(n, e, name, {}) for n, e in plan for name in pair]
        rows += [(idle_n, 0, name, {"idle": idle}) for name in pair]
        rows.append((plan[-1][0], plan[-1][1], "agentrail", {"hide_sniffio": True}))
        for _ in range(rounds):
            for n, events, name, extra in rows:
                start = f"{last - events:012d}"  # `events` events follow it
                if extra.get("idle"):
                    extra = {**extra, "heartbeat": HEARTBEAT}
                figures = spawn(base, start, name, n, events, **extra)
                key = (n, name + (" (idle)" if events == 0 else ""))
                if extra.get("hide_sniffio"):
                    key = (n, "agentrail, sniffio not installed")
                results.setdefault(key, []).append(figures)
    baseline: dict[tuple[int, bool], list[float]] = {}
    for (n, name), runs in results.items():
        if name == "httpx-sse":
            baseline[(n, False)] = [r["drain_cpu"] / r["events"] for r in runs]
        if name == "httpx-sse (idle)":
            baseline[(n, True)] = [r["idle_cpu"] for r in runs]
    for (n, name), runs in results.items():
        idle_row = name.endswith("(idle)")
        open_wall = Stat.of([r["open_wall"] for r in runs])
        open_cpu = Stat.of([r["open_cpu"] / n * 1e3 for r in runs])
        rss = Stat.of([r["rss_kb_per_stream"] for r in runs])
        if idle_row:
            per = [r["idle_cpu"] / n / idle * 1e6 for r in runs]
            cpu_text = f"{statistics.median(per):,.1f} us/s idle"
            ratio = Stat.of(
                [
                    r["idle_cpu"] / b
                    for r, b in zip(runs, baseline[(n, True)], strict=True)
                ]
            )
        else:
            per = [r["drain_cpu"] / r["events"] * 1e6 for r in runs]
            cpu_text = Stat.of(per).show(1)
            ratio = Stat.of(
                [p / 1e6 / b for p, b in zip(per, baseline[(n, False)], strict=True)]
            )
        section.rows.append(
            [
                f"{n:,}",
                name,
                f"{open_wall.median:.2f}",
                open_cpu.show(2),
                cpu_text,
                f"{rss.median:,.0f}",
                f"{ratio.median:.2f}",
            ]
        )
        section.raw.append(
            {
                "streams": n,
                "client": name,
                "rounds": runs,
                "open wall s": open_wall.raw(),
                "open cpu ms per stream": open_cpu.raw(),
                "cpu us per event" if not idle_row else "cpu us per stream-second": (
                    Stat.of(per).raw()
                ),
                "rss KiB per stream": rss.raw(),
                "cpu ratio to httpx-sse": ratio.raw(),
            }
        )
    big = plan[-1][0]
    opened = {
        label: statistics.median(r["open_cpu"] / big * 1e3 for r in results[key])
        for label, key in [
            ("with", (big, "agentrail")),
            ("without", (big, "agentrail, sniffio not installed")),
        ]
    }
    saved = 1 - opened["with"] / opened["without"]
    section.notes.append(
        f"sniffio installed: {opened['with']:.2f} ms of CPU to open a stream at "
        f"{big:,} streams, against {opened['without']:.2f} ms with it hidden "
        f"({saved:.0%} less; httpcore looks for it on every lock it makes)"
    )
    section.notes.append(
        "agentrail: a default AsyncClient; httpx-sse: an httpx.AsyncClient without a "
        "connection limit (a default one holds 100 connections; stream 101 would wait)"
    )
    for n, _ in plan:
        ratio = statistics.median(
            a["drain_cpu"] / a["events"] / (b["drain_cpu"] / b["events"])
            for a, b in zip(
                results[(n, "agentrail")], results[(n, "httpx-sse")], strict=True
            )
        )
        what = f"many streams, N={n:,}, CPU/event vs httpx-sse + json.loads"
        section.targets.append(Target(what, ratio, 1.0, False))
    done = statistics.median(r["streams_done"] for r in results[(big, "agentrail")])
    section.targets.append(
        Target(
            f"many streams: {big:,} run on a default AsyncClient",
            done,
            big,
            True,
            "streams",
        )
    )
    return section


if __name__ == "__main__":
    child(sys.argv[1:])
