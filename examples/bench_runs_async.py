"""Run a bench and follow its results with `AsyncClient`.

Run against the mock: `make mock`, then
AGENTRAIL_API_KEY=ar_test_admin AGENTRAIL_BASE_URL=http://127.0.0.1:4010 \
    python examples/bench_runs_async.py
"""

import asyncio

import agentrail
from agentrail import RunResult, RunTerminal


async def main() -> None:
    async with agentrail.AsyncClient() as client:
        await client.benches.put("examples", "qa-async.py", config={"judge": "exact"})
        cases = await client.benches.list_cases("examples", "qa-async.py")
        for n in range(3 - len(cases.data)):
            await client.benches.add_case(
                "examples", "qa-async.py", name=f"q{n}", inputs={"n": n}
            )
        run = await client.benches.trigger_run(
            "examples", "qa-async.py", channel="stable"
        )
        # Awaiting the stream connects: a 403 or 404 is raised here.
        async with await client.bench_runs.subscribe_run_events(run.id) as events:
            async for event in events:
                match event:
                    case RunResult(result=r):
                        print(r.case_id, r.verdict)
                    case RunTerminal(status=status):
                        print("run", run.id, status)
        results = await client.bench_runs.list_results(run.id)
        print(len(results), "results")


if __name__ == "__main__":
    asyncio.run(main())
