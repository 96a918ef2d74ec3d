"""Sessions, their events and their logs (docs/api.md, families 1 and 3)."""

from __future__ import annotations

from typing import Any

from ..streams import session_events_source, session_logs_source
from . import Ctx, Empty, Json, Reply, Stream, found, handler, paginate


def _session(ctx: Ctx) -> dict[str, Any]:
    return found(ctx.state.sessions.get(ctx.params["session_id"]), "session")


@handler("create_session")
def create_session(ctx: Ctx) -> Reply:
    metadata = (ctx.body or {}).get("metadata")
    return Json(201, ctx.state.create_session(metadata))


@handler("get_session")
def get_session(ctx: Ctx) -> Reply:
    return Json(200, _session(ctx))


@handler("send_session_events")
def send_session_events(ctx: Ctx) -> Reply:
    session = _session(ctx)
    ctx.state.send_session_events(session["id"], ctx.body["events"])
    return Empty(204)


@handler("list_session_events")
def list_session_events(ctx: Ctx) -> Reply:
    session = _session(ctx)
    state = ctx.state
    with state.lock:
        log = state.session_events[session["id"]]
        items = list(log.items)
        after_id = ctx.params.get("after_id")
        if after_id is not None:
            # Strictly after that event; an id not in this history is 410.
            items = items[log.after(after_id, len(log) + 1) :]
    return Json(200, paginate(ctx, items))


@handler("stream_session_events")
def stream_session_events(ctx: Ctx) -> Reply:
    session = _session(ctx)
    return Stream(session_events_source(ctx.state, session["id"]), ctx.heartbeat())


@handler("stream_session_logs")
def stream_session_logs(ctx: Ctx) -> Reply:
    session = _session(ctx)
    cursor = ctx.params.get("Last-Event-ID")
    source = session_logs_source(ctx.state, session["id"], cursor)
    return Stream(source, ctx.heartbeat())
