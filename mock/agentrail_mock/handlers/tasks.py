"""Tasks and the task lifecycle stream (docs/api.md, family 2)."""

from __future__ import annotations

from typing import Any

from ..streams import task_events_source
from . import ApiError, Ctx, Json, Reply, Stream, found, handler, paginate


def _task(ctx: Ctx) -> dict[str, Any]:
    return found(ctx.state.tasks.get(ctx.params["task_id"]), "task")


@handler("create_task")
def create_task(ctx: Ctx) -> Reply:
    body = ctx.body
    task = ctx.state.create_task(
        body["title"], body.get("branch"), body.get("metadata")
    )
    return Json(201, task)


@handler("list_tasks")
def list_tasks(ctx: Ctx) -> Reply:
    status = ctx.params.get("status")
    # Under the lock: a test thread may be creating tasks (emit_task_events) meanwhile.
    with ctx.state.lock:
        tasks = [t for t in ctx.state.tasks.values() if status in (None, t["status"])]
    return Json(200, paginate(ctx, tasks))


@handler("get_task")
def get_task(ctx: Ctx) -> Reply:
    return Json(200, _task(ctx))


@handler("update_task")
def update_task(ctx: Ctx) -> Reply:
    task = _task(ctx)
    changes = dict(ctx.body)
    expected = changes.get("expected_version")
    with ctx.state.lock:
        # int(): schemathesis sends 3.0 for an integer, which JSON Schema allows.
        if expected is not None and int(expected) != task["version"]:
            message = f"the task is at version {task['version']}, not {int(expected)}"
            raise ApiError(409, message)
        ctx.state.update_task(task, changes)
    return Json(200, task)


@handler("review_task")
def review_task(ctx: Ctx) -> Reply:
    task = _task(ctx)
    state = ctx.state
    with state.lock:
        review = {
            "id": state.new_id("rev"),
            "task_id": task["id"],
            "decision": ctx.body["decision"],
            "summary": ctx.body["summary"],
            "created_at": state.now(),
        }
        state.reviews[review["id"]] = review
        data = {"review_id": review["id"], "decision": review["decision"]}
        state.append_task_event(task["id"], "task.reviewed", data)
    return Json(201, review)


@handler("ship_task")
def ship_task(ctx: Ctx) -> Reply:
    task = _task(ctx)
    state = ctx.state
    with state.lock:
        task["status"] = "shipped"
        task["version"] += 1
        task["updated_at"] = state.now()
        data = {"version": task["version"], "branch": task["branch"]}
        state.append_task_event(task["id"], "task.shipped", data)
    return Json(202, task)


def _event_filter(ctx: Ctx) -> Any:
    types = ctx.params.get("event_types")
    wanted = set(types.split(",")) if types else None
    task_id = ctx.params.get("task_id")

    def matches(event: dict[str, Any]) -> bool:
        if wanted is not None and event["type"] not in wanted:
            return False
        return task_id is None or event["task_id"] == task_id

    return matches


@handler("list_task_events")
def list_task_events(ctx: Ctx) -> Reply:
    matches = _event_filter(ctx)
    state = ctx.state
    # The cursor is an event id, so a page's cursor also resumes the stream: any id in
    # the retention window is valid, even one this filter would not list.
    cursor = ctx.params.pop("cursor", None)
    with state.lock:
        items = state.task_events.items
        if cursor is not None:
            pos = state.task_events.after(cursor, state.config.cursor_retention)
            desc = ctx.params.get("order", "asc") == "desc"
            items = items[: pos - 1] if desc else items[pos:]
        items = [e for e in items if matches(e)]
    return Json(200, paginate(ctx, items))


@handler("stream_task_events")
def stream_task_events(ctx: Ctx) -> Reply:
    source = task_events_source(
        ctx.state,
        ctx.last_event_id(),
        ctx.params.get("event_types"),
        ctx.params.get("task_id"),
    )
    return Stream(source, ctx.heartbeat())
