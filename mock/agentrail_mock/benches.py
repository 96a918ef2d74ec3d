"""Benches, cases, runs, results, executions and MCP-session cost.

A run's results derive from `(triggered_at, step, case number)` on the state's clock
(docs/mock.md, "How it is built"): case i finishes at `triggered_at + (i + 1) * step`.
Results are recorded lazily, in order, whenever anyone looks (`refresh`), so the log is
deterministic, replayable, and needs no background task; a frozen test clock moves
runs only when the test advances it.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .state import rfc3339

if TYPE_CHECKING:
    from .state import State

FINAL = ("completed", "failed", "canceled")


@dataclass
class Run:
    id: int
    bench_id: int
    channel: str
    notes: str | None
    cases: list[dict[str, Any]]  # snapshots taken at trigger time
    triggered_at: float
    step: float
    cancel_at: float | None = None
    mcp_session_id: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    status: str = "pending"  # the final status once `final`
    final: bool = False
    completed_at: float | None = None
    terminal_id: str | None = None
    deleted: bool = False


class BenchStore:
    """Bench data of one `State`; every method expects the caller to hold no lock."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.clear()

    def clear(self) -> None:
        self.benches: dict[int, dict[str, Any]] = {}
        self.by_script: dict[tuple[str, str], int] = {}
        self.cases: dict[str, dict[str, Any]] = {}
        self.executions: dict[str, dict[str, Any]] = {}
        self.runs: dict[int, Run] = {}

    # ------------------------------------------------------------ benches, cases
    def put_bench(
        self, project_id: str, script_name: str, config: dict[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        """The bench and whether it was created (else its config was replaced)."""
        with self.state.lock:
            now = self.state.now()
            bench_id = self.by_script.get((project_id, script_name))
            if bench_id is not None:
                bench = self.benches[bench_id]
                bench.update(config=config, updated_at=now)
                return bench, False
            bench = {
                "id": self.state.new_int_id(),
                "project_id": project_id,
                "script_name": script_name,
                "config": config,
                "created_at": now,
                "updated_at": now,
            }
            self.benches[bench["id"]] = bench
            self.by_script[(project_id, script_name)] = bench["id"]
            return bench, True

    def find_bench(self, project_id: str, script_name: str) -> dict[str, Any] | None:
        bench_id = self.by_script.get((project_id, script_name))
        return None if bench_id is None else self.benches[bench_id]

    def add_case(
        self,
        bench_id: int,
        name: str,
        inputs: dict[str, Any],
        expected_output: Any = None,
        source_execution_id: str | None = None,
    ) -> dict[str, Any]:
        with self.state.lock:
            case = {
                "id": self.state.new_id("case"),
                "kind": "case",
                "bench_id": bench_id,
                "name": name,
                "inputs": inputs,
                "expected_output": expected_output,
                "source_execution_id": source_execution_id,
                "created_at": self.state.now(),
            }
            self.cases[case["id"]] = case
            return case

    def bench_cases(self, bench_id: int) -> list[dict[str, Any]]:
        with self.state.lock:
            return [c for c in self.cases.values() if c["bench_id"] == bench_id]

    def execution(self, execution_id: str) -> dict[str, Any] | None:
        """An execution, or a case shown as an execution of kind `case`."""
        case = self.cases.get(execution_id)
        if case is not None:
            return {
                "id": case["id"],
                "kind": "case",
                "bench_id": case["bench_id"],
                "name": case["name"],
                "status": "completed",
                "inputs": case["inputs"],
                "output": None,
                "expected_output": case["expected_output"],
                "cost_usd": None,
                "created_at": case["created_at"],
                "completed_at": case["created_at"],
            }
        return self.executions.get(execution_id)

    # ------------------------------------------------------------ runs
    def trigger(
        self,
        bench_id: int,
        channel: str,
        notes: str | None,
        cases: list[dict[str, Any]],
    ) -> Run:
        with self.state.lock:
            run = Run(
                id=self.state.new_int_id(),
                bench_id=bench_id,
                channel=channel,
                notes=notes,
                cases=[dict(c) for c in cases],
                triggered_at=self.state.clock.now(),
                step=max(float(self.state.config.bench_step_seconds), 1e-6),
            )
            self.runs[run.id] = run
            self.refresh(run)
        return run

    def get_run(self, run_id: int) -> Run | None:
        run = self.runs.get(run_id)
        if run is None or run.deleted:
            return None
        self.refresh(run)
        return run

    def refresh(self, run: Run) -> None:
        """Record every result due by now, and the final status once all are in."""
        with self.state.lock:
            if run.final:
                return
            now = self.state.clock.now()
            count = len(run.cases)
            if run.cancel_at is not None:
                # Cases already started when the cancel came finish and are recorded.
                started = math.ceil((run.cancel_at - run.triggered_at) / run.step)
                count = min(count, max(started, 0))
            while len(run.results) < count:
                i = len(run.results)
                due = run.triggered_at + (i + 1) * run.step
                if due > now:
                    break
                run.results.append(self._result(run, i, due))
            if len(run.results) == count:
                run.final = True
                run.status = "canceled" if run.cancel_at is not None else "completed"
                last = run.triggered_at + count * run.step
                run.completed_at = last if count else now
                run.terminal_id = self.state.new_event_id()
                self.state.notifier.notify()
            elif run.results:
                # `pending` until the first result: deterministic under a frozen clock.
                run.status = "running"

    def _result(self, run: Run, i: int, due: float) -> dict[str, Any]:
        case = run.cases[i]
        digest = zlib.crc32(f"{run.channel}/{case['id']}".encode())
        cost = round(0.001 * (1 + digest % 10), 6)
        started = due - run.step
        execution = {
            "id": self.state.new_id("exec"),
            "kind": "run",
            "bench_id": run.bench_id,
            "name": None,
            "status": "completed",
            "inputs": case["inputs"],
            "output": {"answer": f"output of {case['name']}"},
            "expected_output": case["expected_output"],
            "cost_usd": cost,
            "created_at": rfc3339(started),
            "completed_at": rfc3339(due),
        }
        self.executions[execution["id"]] = execution
        self.state.notifier.notify()
        return {
            "id": self.state.new_event_id(),
            "bench_run_id": run.id,
            "case_id": case["id"],
            "execution_id": execution["id"],
            "status": "ok",
            "verdict": "fail" if digest % 4 == 0 else "pass",
            "headline_score": round((digest % 101) / 100, 2),
            "cost_usd": cost,
            "duration_ms": int(run.step * 1000),
            "created_at": rfc3339(due),
        }

    def cancel(self, run: Run) -> None:
        with self.state.lock:
            self.refresh(run)
            if not run.final and run.cancel_at is None:
                run.cancel_at = self.state.clock.now()
                self.refresh(run)
        self.state.notifier.notify()

    def delete(self, run: Run) -> None:
        self.cancel(run)
        with self.state.lock:
            run.deleted = True
        self.state.notifier.notify()

    def render(self, run: Run) -> dict[str, Any]:
        self.refresh(run)
        return {
            "id": run.id,
            "bench_id": run.bench_id,
            "status": run.status,
            "channel": run.channel,
            "notes": run.notes,
            "total_cases": len(run.cases),
            "completed_cases": len(run.results),
            "total_cost_usd": round(sum(r["cost_usd"] for r in run.results), 6),
            "mcp_session_id": run.mcp_session_id,
            "triggered_at": rfc3339(run.triggered_at),
            "completed_at": None
            if run.completed_at is None
            else rfc3339(run.completed_at),
        }

    def compare(self, a: Run, b: Run) -> dict[str, Any]:
        self.refresh(a)
        self.refresh(b)
        by_a = {r["case_id"]: r for r in a.results}
        by_b = {r["case_id"]: r for r in b.results}
        per_case = []
        counts = {"improved": 0, "regressed": 0}
        for case_id in [*by_a, *(c for c in by_b if c not in by_a)]:
            ra, rb = by_a.get(case_id), by_b.get(case_id)
            if ra is None:
                change = "added"
            elif rb is None:
                change = "removed"
            elif ra["verdict"] != "pass" and rb["verdict"] == "pass":
                change = "improved"
            elif ra["verdict"] == "pass" and rb["verdict"] != "pass":
                change = "regressed"
            else:
                change = "unchanged"
            counts[change] = counts.get(change, 0) + 1
            per_case.append(
                {
                    "case_id": case_id,
                    "a_verdict": ra and ra["verdict"],
                    "b_verdict": rb and rb["verdict"],
                    "a_score": ra and ra["headline_score"],
                    "b_score": rb and rb["headline_score"],
                    "change": change,
                }
            )

        def rate(results: list[dict[str, Any]]) -> float:
            passed = sum(r["verdict"] == "pass" for r in results)
            return passed / len(results) if results else 0.0

        def cost(results: list[dict[str, Any]]) -> float:
            return round(float(sum(r["cost_usd"] for r in results)), 6)

        return {
            "run_a_id": a.id,
            "run_b_id": b.id,
            "aggregate": {
                "cases_compared": len(per_case),
                "a_pass_rate": rate(a.results),
                "b_pass_rate": rate(b.results),
                "pass_rate_delta": rate(b.results) - rate(a.results),
                "a_cost_usd": cost(a.results),
                "b_cost_usd": cost(b.results),
                "cost_delta_usd": round(cost(b.results) - cost(a.results), 6),
                "improved": counts["improved"],
                "regressed": counts["regressed"],
            },
            "per_case": per_case,
        }

    def mcp_cost(self, session_id: str) -> dict[str, Any] | None:
        with self.state.lock:
            runs = [
                r
                for r in self.runs.values()
                if r.mcp_session_id == session_id and not r.deleted
            ]
        if not runs:
            return None
        breakdown = []
        for run in runs:
            self.refresh(run)
            total = round(sum(r["cost_usd"] for r in run.results), 6)
            breakdown.append({"run_id": run.id, "cost_usd": total})
        return {
            "session_id": session_id,
            "total_cost_usd": round(sum(b["cost_usd"] for b in breakdown), 6),
            "breakdown": breakdown,
        }
