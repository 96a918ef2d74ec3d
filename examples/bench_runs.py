"""Run a bench on two channels, follow each run to its end, and compare them.

Run against the mock: `make mock`, then
AGENTRAIL_API_KEY=ar_test_admin AGENTRAIL_BASE_URL=http://127.0.0.1:4010 \
    python examples/bench_runs.py
"""

import agentrail
from agentrail import RunLagged, RunResult, RunTerminal


def follow(client: agentrail.Client, channel: str) -> int:
    """Trigger a run on `channel` and print its events until it ends."""
    run = client.benches.trigger_run("examples", "qa.py", channel=channel)
    # fill_gaps: if this reader falls behind, the dropped results come from
    # /results, right after the RunLagged marker; each result arrives once.
    with client.bench_runs.subscribe_run_events(run.id, fill_gaps=True) as events:
        for event in events:
            match event:
                case RunResult(result=r):
                    print(r.case_id, r.verdict, f"${r.cost_usd}")
                case RunLagged(dropped=n):
                    print(f"fell behind: {n} results refilled from /results")
                case RunTerminal(status=status):
                    print("run", run.id, channel, status)  # the iteration ends here
    return run.id


def main() -> None:
    with agentrail.Client() as client:
        client.benches.put("examples", "qa.py", config={"judge": "exact"})
        if not client.benches.list_cases("examples", "qa.py").data:
            for n, question in enumerate(("2+2", "capital of France", "H2O")):
                client.benches.add_case(
                    "examples", "qa.py", name=f"q{n}", inputs={"question": question}
                )
        stable = follow(client, "stable")
        canary = follow(client, "canary")
        report = client.bench_runs.compare(stable, canary)
        for case in report.per_case:
            print(case.case_id, case.a_verdict, "->", case.b_verdict, case.change)
        print("pass rate delta", f"{report.aggregate.pass_rate_delta:+.0%}")


if __name__ == "__main__":
    main()
