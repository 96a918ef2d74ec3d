"""Section 8, lag: what filling a `lagged` gap costs, in requests and repeats.

A finished run of `cases` results is followed with `fill_gaps` through a plan of lags:
each connection skips 5 results (the server's `lagged {dropped: 5}`), then drops after
a tenth of the run, so the stream reconnects and lags again. agentrail lists only the
gap (`after_id` = the last result it handed over, pages of the gap's size, up to the
marker's id): its requests and the results it listed are counted from the mock's
request log and the stream's repeat counter. Beside it, on the same lags, the way
before `after_id`: `/results` listed whole at each lag (`bench_runs.list_results`),
every result listed that the stream had handed over being a repeat to drop.
"""

from __future__ import annotations

import time
from typing import Any

import agentrail
from agentrail import RunLagged, RunResult
from bench.harness import Section, Settings, Target

DROPPED = 5


def _start_run(client: agentrail.Client, cases: int) -> int:
    client.benches.put("proj", "lag.py", config={"judge": "exact"})
    for i in range(cases):
        client.benches.add_case(
            "proj", "lag.py", name=f"case {i}", inputs={"i": i}, expected_output=i
        )
    run = client.benches.trigger_run("proj", "lag.py", channel="stable")
    while (now := client.bench_runs.get(run.id)) is None or now.status != "completed":
        time.sleep(0.01)  # the mock runs in this process: leave it the interpreter
    return run.id


def run(settings: Settings) -> Section:
    """Follow one run through `lags` lags; count what each fill cost."""
    import agentrail_mock

    cases = settings.size(2_000, 100)
    lags = 10
    with agentrail_mock.serve() as mock:
        mock.config.update(bench_step_seconds=0.0001, retry_ms=10)
        fast = agentrail.Backoff(initial=0.01, cap=0.02)
        with agentrail.Client(
            mock.admin_key,
            mock.url,
            backoff=fast,
            streams=agentrail.StreamSettings(backoff=fast),
        ) as client:
            run_id = _start_run(client, cases)
            for _ in range(lags):
                mock.faults.add(
                    "lag",
                    operation="stream_bench_run_events",
                    n=DROPPED,
                    drop_after=cases // lags,
                )
            mark = len(mock.requests)
            with client.bench_runs.subscribe_run_events(run_id, fill_gaps=True) as sub:
                got = list(sub)
                duplicates = sub.stats["duplicates"]
            fills = [
                r
                for r in mock.requests[mark:]
                if r.operation_id == "list_bench_run_results"
            ]
            results = [e for e in got if isinstance(e, RunResult)]
            lagged = sum(isinstance(e, RunLagged) for e in got)
            # The way before: the whole of /results at each lag.
            # The run is finished, so each listing is the same: list it once.
            mark = len(mock.requests)
            whole = lagged * len(client.bench_runs.list_results(run_id))
            pages = len(mock.requests) - mark
            whole_requests = lagged * pages
    assert len(results) == cases == len({r.result.id for r in results}), "lost"
    gap = sum(e.dropped for e in got if isinstance(e, RunLagged))
    after: dict[str, Any] = {
        "requests per lag": len(fills) / lagged,
        "listed per lag": (gap + duplicates) / lagged,
        "repeats per lag": duplicates / lagged,
    }
    before: dict[str, Any] = {
        "requests per lag": whole_requests / lagged,
        "listed per lag": whole / lagged,
        "repeats per lag": (whole - gap) / lagged,
    }
    section = Section(
        "lag",
        f"8. Filling lags: a finished run of {cases:,} results, {lagged} lags of "
        f"{DROPPED} (per lag)",
        ["fill", "requests", "results listed", "repeats dropped"],
    )
    for name, figures in (("agentrail (the gap)", after), ("whole run", before)):
        section.rows.append(
            [
                name,
                f"{figures['requests per lag']:.1f}",
                f"{figures['listed per lag']:,.1f}",
                f"{figures['repeats per lag']:,.1f}",
            ]
        )
    section.notes = [
        "whole run: /results listed at each lag, as fill_gaps did before after_id; "
        f"{pages} pages for {cases:,} results",
        f"every result handed over once: {len(results):,} of {cases:,}",
    ]
    section.raw = [{"agentrail": after, "whole run": before, "lags": lagged}]
    section.targets = [
        Target("lag fill, requests per lag", after["requests per lag"], 1.0, False),
        Target("lag fill, repeats per lag", after["repeats per lag"], 0.0, False, ""),
    ]
    return section
