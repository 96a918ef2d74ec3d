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

from collections.abc import Callable
from typing import Any

import httpx

import agentrail
from agentrail_api.api.benches import get_bench_run
from bench.harness import (
    ADMIN_KEY,
    Section,
    Settings,
    Stat,
    mock_process,
    ratios,
    rounds,
)


def contenders(client: Any, http: httpx.Client, run_id: int) -> dict[str, Any]:
    """The three ways to fetch the run."""
    return {
        "agentrail (client.bench_runs.get)": lambda: client.bench_runs.get(run_id),
        "generated (get_bench_run.sync)": lambda: get_bench_run.sync(
            run_id, client=client.generated
        ),
        "httpx (get + json)": lambda: http.get(f"/v1/bench-runs/{run_id}").json(),
    }


def repeated(call: Callable[[], object], n: int) -> Callable[[], int]:
    """`call` made `n` times in a row."""

    def calls() -> int:
        for _ in range(n):
            call()
        return n

    return calls


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
            fetched = client.bench_runs.get(run_id)
            assert fetched is not None and fetched.id == run_id
            for call in calls.values():  # connections, imports
                call()
            measured = rounds(
                {k: repeated(c, n) for k, c in calls.items()}, settings.repeats
            )
    raw = "httpx (get + json)"
    for name in calls:
        cpu = Stat.of(measured.cpu[name]).scaled(1e6 / n)
        wall = Stat.of(measured.wall[name]).scaled(1e6 / n)
        cpu_x = ratios(measured.cpu[name], measured.cpu[raw])
        wall_x = ratios(measured.wall[name], measured.wall[raw])
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
                "cpu seconds per round": measured.cpu[name],
                "wall seconds per round": measured.wall[name],
                "cpu ratio to httpx": cpu_x.raw(),
                "wall ratio to httpx": wall_x.raw(),
            }
        )
    return section
