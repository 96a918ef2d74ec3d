"""Section 6, REST overhead: one typed call against a raw httpx GET, same server.

The mock runs in its own process; one bench run exists. In turns, `calls` times each:

* `agentrail` - `client.bench_runs.get(run_id)`: argument checks, the generated
  request and parser, typed errors and retries on, a `BenchRun` out;
* `generated` - `agentrail_api.api.benches.get_bench_run.sync(...)` on the client's
  generated client (`client.generated`): what the overlay adds is the difference;
* `httpx` - `http.get(f"/v1/bench-runs/{id}").json()`: a dict out, no checks.

Client CPU per call (`time.process_time()`, this process) and wall time per call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

import agentrail
from agentrail_api.api.benches import get_bench_run
from bench.harness import ADMIN_KEY, Section, Settings, Stat, mock_process


def contenders(client: Any, http: httpx.Client, run_id: int) -> dict[str, Any]:
    """The three ways to fetch the run."""
    return {
        "agentrail (client.bench_runs.get)": lambda: client.bench_runs.get(run_id),
        "generated (get_bench_run.sync)": lambda: get_bench_run.sync(
            run_id, client=client.generated
        ),
        "httpx (get + json)": lambda: http.get(f"/v1/bench-runs/{run_id}").json(),
    }


def measure(
    calls: dict[str, Callable[[], object]], n: int, repeats: int
) -> dict[str, dict[str, list[float]]]:
    """Wall and CPU seconds per call for each contender, per round."""
    figures = {name: {"wall": [], "cpu": []} for name in calls}
    for call in calls.values():  # connections, imports
        call()
    for _ in range(repeats):
        for name, call in calls.items():
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(n):
                call()
            figures[name]["cpu"].append((time.process_time() - cpu) / n)
            figures[name]["wall"].append((time.perf_counter() - wall) / n)
    return figures


def run(settings: Settings) -> Section:
    """Per-call CPU and wall time of the three ways, and ratios to raw httpx."""
    section = Section(
        "rest",
        "6. REST overhead: GET one bench run (per call; mock in its own process)",
        ["client", "CPU us/call", "CPU x httpx", "wall us/call", "wall x httpx"],
    )
    n = settings.size(300, 10)
    with mock_process() as admin:
        base = str(admin.base_url)
        with (
            agentrail.Client(api_key=ADMIN_KEY, base_url=base) as client,
            httpx.Client(base_url=base, headers=admin.headers) as http,
        ):
            client.benches.put("p1", "bench.py", config={})
            client.benches.add_case("p1", "bench.py", name="c", inputs={"q": 1})
            run_id = client.benches.trigger_run("p1", "bench.py", channel="a").id
            calls = contenders(client, http, run_id)
            assert client.bench_runs.get(run_id).id == run_id
            figures = measure(calls, n, settings.repeats)
    raw = figures["httpx (get + json)"]
    for name, fig in figures.items():
        cpu = Stat.of(fig["cpu"]).scaled(1e6)
        wall = Stat.of(fig["wall"]).scaled(1e6)
        cpu_x = Stat.of([a / b for a, b in zip(fig["cpu"], raw["cpu"], strict=True)])
        wall_x = Stat.of([a / b for a, b in zip(fig["wall"], raw["wall"], strict=True)])
        section.rows.append(
            [
                name,
                cpu.show(0),
                cpu_x.show(),
                f"{wall.median:,.0f}",
                f"{wall_x.median:.2f}",
            ]
        )
        section.raw.append(
            {
                "client": name,
                "calls per round": n,
                "cpu seconds per call": fig["cpu"],
                "wall seconds per call": fig["wall"],
                "cpu ratio to httpx": cpu_x.raw(),
                "wall ratio to httpx": wall_x.raw(),
            }
        )
    return section
