"""`agentrail bench watch|compare` (rich, from the `cli` extra) and `agentrail mock`.

rich is imported only here and only when a bench command runs, so `import agentrail`
and the `tail` commands work without it; without it the command says how to get it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from agentrail_api.types import Unset

from .._events import RunLagged, RunResult, RunTerminal
from ._common import CommandError, client, note

INSTALL_CLI = 'this command needs the cli extra: pip install "agentrail[cli]"'

# The run's terminal status -> the exit status of `bench watch` (see EXIT_CODES).
RUN_EXIT: Mapping[str, int] = {"completed": 0, "failed": 3, "canceled": 4}


def _rich() -> Any:
    """The rich modules the bench views need, or a one-line install hint."""
    try:
        import rich.console
        import rich.progress
        import rich.table
    except ImportError:
        raise CommandError(INSTALL_CLI) from None
    return rich


def _value(v: Any) -> str:
    """An enum member, a number or None as table text."""
    if v is None or isinstance(v, Unset):
        return "-"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(getattr(v, "value", v))


@attrs.define
class Tally:
    """What a watched run has delivered so far."""

    done: int = 0
    passed: int = 0
    failed: int = 0
    cost: float = 0.0
    status: str | None = None

    def result(self, event: RunResult) -> str | None:
        r = event.result
        self.done += 1
        verdict = _value(r.verdict)
        self.passed += verdict == "pass"
        self.failed += verdict != "pass"
        self.cost += r.cost_usd if isinstance(r.cost_usd, float | int) else 0.0
        return None

    def lag(self, event: RunLagged) -> str | None:
        return f"lagged: the server dropped {event.dropped} results for this reader"

    def end(self, event: RunTerminal) -> str | None:
        self.status = _value(event.status)
        return None

    def summary(self, run_id: int, total: int) -> str:
        return (
            f"run {run_id} {self.status or 'still running'}: {self.done}/{total} "
            f"cases, {self.passed} pass, {self.failed} fail, ${self.cost:.4f}"
        )


# Event class -> the Tally method that counts it; each may return a line to show.
_COUNT: Mapping[type, Callable[[Tally, Any], str | None]] = {
    RunResult: Tally.result,
    RunLagged: Tally.lag,
    RunTerminal: Tally.end,
}


# Event class -> its NDJSON object for `--json`.
_JSON: Mapping[type, Callable[[Any], dict[str, Any]]] = {
    RunResult: lambda e: {"type": "result", **e.result.to_dict()},
    RunLagged: lambda e: {"type": "lagged", "dropped": e.dropped},
    RunTerminal: lambda e: {"type": "terminal", "status": _value(e.status)},
}


def watch(args: argparse.Namespace) -> int:
    """`agentrail bench watch RUN_ID`: a progress bar, then the run's outcome."""
    rich = None if args.json else _rich()
    tally = Tally()
    with client(args) as api:
        run = api.bench_runs.get(args.run_id)
        if run is None:
            raise CommandError(f"not found: no bench run {args.run_id}")
        total = run.total_cases
        sub = api.bench_runs.subscribe_run_events(args.run_id, fill_gaps=args.fill_gaps)
        try:
            with sub:
                if rich is None:
                    for event in sub:
                        _COUNT[type(event)](tally, event)
                        print(json.dumps(_JSON[type(event)](event)), flush=True)
                else:
                    _progress(rich, sub, tally, args, total)
        except KeyboardInterrupt:
            note(f"stopped watching run {args.run_id} (the run goes on)")
            return 130
    if rich is not None:
        note(tally.summary(args.run_id, total))
    return RUN_EXIT.get(tally.status or "", 1)


def _progress(
    rich: Any, sub: Any, tally: Tally, args: argparse.Namespace, total: int
) -> None:
    columns = (
        rich.progress.TextColumn(f"run {args.run_id}"),
        rich.progress.BarColumn(),
        rich.progress.MofNCompleteColumn(),
        rich.progress.TextColumn(
            "[green]{task.fields[passed]} pass[/] [red]{task.fields[failed]} fail[/]"
            "  ${task.fields[cost]:.4f}"
        ),
        rich.progress.TimeElapsedColumn(),
    )
    with rich.progress.Progress(*columns, refresh_per_second=10) as bar:
        task = bar.add_task("cases", total=total, passed=0, failed=0, cost=0.0)
        for event in sub:
            line = _COUNT[type(event)](tally, event)
            if line:
                refill = "refilled from /results" if args.fill_gaps else "not refilled"
                bar.console.print(f"{line}; {refill}")
            bar.update(
                task,
                completed=tally.done,
                passed=tally.passed,
                failed=tally.failed,
                cost=tally.cost,
            )


def compare(args: argparse.Namespace) -> int:
    """`agentrail bench compare RUN_A RUN_B`: the report as a table."""
    rich = None if args.json else _rich()
    with client(args) as api:
        report = api.bench_runs.compare(args.run_a, args.run_b)
    if rich is None:
        print(json.dumps(report.to_dict()), flush=True)
        return 0
    a, b = args.run_a, args.run_b
    table = rich.table.Table(title=f"run {a} (A) vs run {b} (B)")
    for name in ("case", "A", "B", "A score", "B score", "change"):
        table.add_column(name, justify="right" if "score" in name else "left")
    style = {"improved": "green", "regressed": "red"}
    for case in report.per_case:
        change = _value(case.change)
        cells = (
            case.case_id,
            case.a_verdict,
            case.b_verdict,
            case.a_score,
            case.b_score,
        )
        table.add_row(*map(_value, cells), change, style=style.get(change))
    agg = report.aggregate
    rich.console.Console().print(table)
    note(
        f"pass rate {agg.a_pass_rate:.0%} -> {agg.b_pass_rate:.0%} "
        f"({agg.pass_rate_delta:+.0%}); cost ${agg.a_cost_usd:.4f} -> "
        f"${agg.b_cost_usd:.4f}; {agg.improved} improved, {agg.regressed} regressed"
    )
    return 0


def mock(args: argparse.Namespace) -> int:
    """`agentrail mock`: become the mock server (the `mock` extra) until Ctrl-C."""
    # Exec, not import: the SDK never imports the mock (docs/mock.md, "How it is
    # built"), and replacing this process hands Ctrl-C and the exit status straight
    # to the server.
    if importlib.util.find_spec("agentrail_mock") is None:
        raise CommandError('the mock is not installed: pip install "agentrail[mock]"')
    command = [sys.executable, "-m", "agentrail_mock"]
    command += ["--host", args.host, "--port", str(args.port)]
    sys.stdout.flush()
    os.execv(sys.executable, command)
