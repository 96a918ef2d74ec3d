"""`/__mock/*`: drive a mock in another process (mock.md sec. 4), plus `/openapi.json`.

Not part of openapi.yaml, not under `/v1`, and switched off with `control=False` (then
every `/__mock/*` path is a 404 like any unknown path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

if TYPE_CHECKING:
    from .app import MockApp


async def _not_found(scope: Any, receive: Any, send: Any) -> None:
    body = {
        "error": {
            "code": "not_found",
            "message": "no such path",
            "details": None,
            "request_id": "req_control",
        }
    }
    response = JSONResponse(body, 404, headers={"Request-Id": "req_control"})
    await response(scope, receive, send)


def control_router(app: MockApp, enabled: bool) -> Router:
    state = app.state

    async def openapi(request: Request) -> Response:
        return Response(app.spec.as_json(), media_type="application/json")

    async def body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if not raw:
            return {}
        value = await request.json()
        if not isinstance(value, dict):
            raise ValueError("the body must be a JSON object")
        return value

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"reset": True})

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            spec = await body(request)
            params = dict(spec.get("params") or {})
            reserved = ("kind", "operation", "times", "params")
            params.update({k: v for k, v in spec.items() if k not in reserved})
            try:
                fault = state.faults.add(
                    spec["kind"], spec.get("operation", "*"), int(spec.get("times", 1)),
                    **params,
                )  # fmt: skip
            except (KeyError, ValueError) as exc:
                return JSONResponse({"error": str(exc)}, 400)
            return JSONResponse(fault.as_dict(), 201)
        if request.method == "DELETE":
            state.faults.clear()
        return JSONResponse([f.as_dict() for f in state.faults.pending])

    async def config(request: Request) -> Response:
        if request.method in ("POST", "PATCH"):
            try:
                state.config.update(**await body(request))
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(state.config.as_dict())

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            spec = await body(request)
            if spec.get("real"):
                state.clock.unfreeze()
            if "set" in spec:
                state.clock.set(float(spec["set"]))
            elif spec.get("freeze"):
                state.clock.freeze()
            if "advance" in spec:
                state.clock.advance(float(spec["advance"]))
        return JSONResponse({"now": state.clock.now(), "frozen": state.clock.frozen})

    async def keys(request: Request) -> Response:
        if request.method == "POST":
            spec = await body(request)
            state.set_key(str(spec["key"]), [str(s) for s in spec.get("scopes", [])])
        return JSONResponse(sorted(state.keys))

    async def task_events(request: Request) -> Response:
        spec = await body(request)
        events = state.emit_task_events(
            int(spec.get("count", 1)), spec.get("task_id"), spec.get("types")
        )
        return JSONResponse({"count": len(events), "last_id": events[-1]["id"]
                             if events else None}, 201)  # fmt: skip

    async def session_events(request: Request) -> Response:
        spec = await body(request)
        payload = dict(spec.get("payload") or {})
        try:
            event = state.append_session_event(
                spec["session_id"], spec["event_type"], **payload
            )
        except KeyError as exc:
            return JSONResponse({"error": f"unknown {exc}"}, 404)
        return JSONResponse(event, 201)

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            state.requests.clear()
        out = [
            {
                "method": r.method,
                "path": r.path,
                "raw_path": r.raw_path,
                "query": r.query,
                "headers": dict(r.headers),
                "body": r.body.decode("utf-8", "replace"),
                "operation_id": r.operation_id,
            }
            for r in list(state.requests)
        ]
        return JSONResponse(out)

    routes = [Route("/openapi.json", openapi)]
    if enabled:
        both = ["GET", "POST"]
        routes += [
            Route("/__mock/reset", reset, methods=["POST"]),
            Route("/__mock/faults", faults, methods=["GET", "POST", "DELETE"]),
            Route("/__mock/config", config, methods=["GET", "POST", "PATCH"]),
            Route("/__mock/clock", clock, methods=both),
            Route("/__mock/keys", keys, methods=both),
            Route("/__mock/task-events", task_events, methods=["POST"]),
            Route("/__mock/session-events", session_events, methods=["POST"]),
            Route("/__mock/requests", requests, methods=["GET", "DELETE"]),
        ]
    return Router(routes, default=_not_found)
