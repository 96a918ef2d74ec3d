"""Benches, cases, runs, executions and MCP-session cost (docs/api.md, family 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..state import CursorExpired
from ..streams import RunSource
from . import (
    ApiError,
    Ctx,
    Empty,
    Json,
    Reply,
    Stream,
    found,
    handler,
    not_found,
    paginate,
)

if TYPE_CHECKING:
    from ..benches import Run


def _bench(ctx: Ctx) -> dict[str, Any]:
    store, params = ctx.state.benches, ctx.params
    return found(store.find_bench(params["project_id"], params["script_name"]), "bench")


def _run(ctx: Ctx, name: str = "run_id") -> Run:
    return found(ctx.state.benches.get_run(int(ctx.params[name])), "bench run")


@handler("list_benches")
def list_benches(ctx: Ctx) -> Reply:
    project_id = ctx.params["project_id"]
    store = ctx.state.benches
    with ctx.state.lock:
        benches = [b for b in store.benches.values() if b["project_id"] == project_id]
    return Json(200, paginate(ctx, benches))


@handler("put_bench")
def put_bench(ctx: Ctx) -> Reply:
    bench, created = ctx.state.benches.put_bench(
        ctx.params["project_id"], ctx.params["script_name"], ctx.body["config"]
    )
    return Json(201 if created else 200, bench)


@handler("get_bench")
def get_bench(ctx: Ctx) -> Reply:
    bench = found(ctx.state.benches.benches.get(int(ctx.params["bench_id"])), "bench")
    return Json(200, bench)


@handler("list_bench_cases")
def list_bench_cases(ctx: Ctx) -> Reply:
    bench = _bench(ctx)
    return Json(200, paginate(ctx, ctx.state.benches.bench_cases(bench["id"])))


@handler("add_bench_case")
def add_bench_case(ctx: Ctx) -> Reply:
    bench = _bench(ctx)
    body = ctx.body
    case = ctx.state.benches.add_case(
        bench["id"], body["name"], body["inputs"], body.get("expected_output")
    )
    return Json(201, case)


@handler("list_bench_runs")
def list_bench_runs(ctx: Ctx) -> Reply:
    bench = _bench(ctx)
    store = ctx.state.benches
    with ctx.state.lock:
        runs = [
            r
            for r in store.runs.values()
            if r.bench_id == bench["id"] and not r.deleted
        ]
    page = paginate(ctx, runs, key=lambda run: run.id)
    page["data"] = [store.render(run) for run in page["data"]]
    return Json(200, page)


@handler("trigger_bench_run")
def trigger_bench_run(ctx: Ctx) -> Reply:
    bench = _bench(ctx)
    store = ctx.state.benches
    cases = store.bench_cases(bench["id"])
    wanted = ctx.body.get("case_ids")
    if wanted is not None:
        by_id = {c["id"]: c for c in cases}
        unknown = [case_id for case_id in wanted if case_id not in by_id]
        if unknown:
            raise ApiError(404, f"cases not found in this bench: {unknown[:5]}")
        cases = [by_id[case_id] for case_id in wanted]
    run = store.trigger(bench["id"], ctx.body["channel"], ctx.body.get("notes"), cases)
    return Json(201, store.render(run))


@handler("get_bench_run")
def get_bench_run(ctx: Ctx) -> Reply:
    return Json(200, ctx.state.benches.render(_run(ctx)))


@handler("delete_bench_run")
def delete_bench_run(ctx: Ctx) -> Reply:

    ctx.state.benches.delete(_run(ctx))
    return Empty(204)


@handler("list_bench_run_results")
def list_bench_run_results(ctx: Ctx) -> Reply:
    run = _run(ctx)
    with ctx.state.lock:
        results = list(run.results)
    after_id = ctx.params.get("after_id")
    if after_id is not None:
        # Strictly after that result; an id that is not one of the run's is 410.
        ids = [r["id"] for r in results]
        if after_id not in ids:
            raise CursorExpired(after_id)
        results = results[ids.index(after_id) + 1 :]
    return Json(200, paginate(ctx, results))


@handler("stream_bench_run_events")
def stream_bench_run_events(ctx: Ctx) -> Reply:
    run = _run(ctx)
    source = RunSource(ctx.state, run, ctx.params.get("Last-Event-ID"))
    return Stream(source, ctx.heartbeat())


@handler("cancel_bench_run")
def cancel_bench_run(ctx: Ctx) -> Reply:
    run = _run(ctx)
    ctx.state.benches.cancel(run)
    return Json(200, ctx.state.benches.render(run))


@handler("tag_bench_run_session")
def tag_bench_run_session(ctx: Ctx) -> Reply:
    run = _run(ctx)
    run.mcp_session_id = ctx.body["mcp_session_id"]
    body = {"tagged": True, "run_id": run.id, "mcp_session_id": run.mcp_session_id}
    return Json(200, body)


@handler("compare_bench_runs")
def compare_bench_runs(ctx: Ctx) -> Reply:
    a, b = _run(ctx, "run_a"), _run(ctx, "run_b")
    if a.bench_id != b.bench_id:
        raise ApiError(409, "the runs belong to different benches")
    return Json(200, ctx.state.benches.compare(a, b))


@handler("get_execution")
def get_execution(ctx: Ctx) -> Reply:
    execution = found(
        ctx.state.benches.execution(ctx.params["execution_id"]), "execution"
    )
    return Json(200, execution)


@handler("promote_execution")
def promote_execution(ctx: Ctx) -> Reply:
    store = ctx.state.benches
    execution = found(store.execution(ctx.params["execution_id"]), "execution")
    if execution["status"] != "completed" or execution["bench_id"] is None:
        raise ApiError(409, "only a completed execution of a bench can become a case")
    if execution["bench_id"] not in store.benches:
        raise ApiError(409, "the execution's bench no longer exists")
    edits = ctx.body.get("edits") or {}
    name = ctx.body.get("name") or f"promoted from {execution['id']}"
    case = store.add_case(
        execution["bench_id"],
        name,
        edits.get("inputs", execution["inputs"]),
        edits.get("expected_output", execution["output"]),
        source_execution_id=execution["id"],
    )
    return Json(201, case)


@handler("update_case")
def update_case(ctx: Ctx) -> Reply:
    case = found(ctx.state.benches.cases.get(ctx.params["case_id"]), "case")
    for name in ("name", "inputs", "expected_output"):
        if name in ctx.body:
            case[name] = ctx.body[name]
    return Json(200, case)


@handler("delete_case")
def delete_case(ctx: Ctx) -> Reply:
    if ctx.state.benches.cases.pop(ctx.params["case_id"], None) is None:
        raise not_found("case")
    return Json(200, {"deleted": True})


@handler("get_mcp_session_cost")
def get_mcp_session_cost(ctx: Ctx) -> Reply:
    return Json(
        200,
        found(ctx.state.benches.mcp_cost(ctx.params["mcp_session_id"]), "MCP session"),
    )
