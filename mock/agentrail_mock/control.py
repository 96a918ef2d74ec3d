"""`/__mock/*`: drive a mock in another process (docs/mock.md, "Control endpoints"),
plus `/openapi.json`.

Not part of openapi.yaml, not under `/v1`, and switched off with `control=False` (then
every `/__mock/*` path is a 404 like any unknown path). Like every operation they take
a bearer key: one with the `admin` scope, or the mock's control key when one is set.
Whoever reaches a shared mock could otherwise wipe its state or inject faults into
someone else's run. Refusals use the API's error envelope. `/openapi.json` stays open.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from .app import bearer_key, granted_scopes

if TYPE_CHECKING:
    from .app import MockApp


def _error(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> JSONResponse:
    """The API's error envelope (openapi.yaml `ErrorResponse`), for control answers."""
    body = {
        "error": {
            "code": code,
            "message": message,
            "details": details,
            "request_id": "req_control",
        }
    }
    return JSONResponse(body, status, headers={"Request-Id": "req_control"})


async def _not_found(scope: Any, receive: Any, send: Any) -> None:
    await _error(404, "not_found", "no such path")(scope, receive, send)


Handler = Callable[[Request], Awaitable[Response]]


def control_router(app: MockApp, enabled: bool) -> Router:
    state = app.state

    def _refusal(request: Request) -> Response | None:
        """None for the control key or a key with `admin`, else the 401 or 403."""
        key = bearer_key(request.headers.get("authorization", ""))
        control_key = app.control_key
        if control_key and hmac.compare_digest(key.encode(), control_key.encode()):
            return None
        granted = granted_scopes(state.keys, key) if key else None
        if granted is None:
            return _error(401, "unauthorized", "missing or unknown API key")
        if "admin" not in granted:
            details = {"required_scope": "admin", "granted_scopes": granted}
            message = "the mock's control endpoints need the admin scope"
            return _error(403, "insufficient_scope", message, details)
        return None

    def guarded(endpoint: Handler) -> Handler:
        """`endpoint`, answered only for the admin scope or the control key."""

        async def check(request: Request) -> Response:
            refusal = _refusal(request)
            if refusal is not None:
                return refusal
            try:
                return await endpoint(request)
            except (KeyError, TypeError, ValueError) as exc:
                fields = [{"field": "body", "reason": str(exc)}]
                return _error(
                    400, "validation_error", str(exc), {"field_errors": fields}
                )

        return check

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
                return _error(400, "validation_error", f"bad fault: {exc}")
            return JSONResponse(fault.as_dict(), 201)
        if request.method == "DELETE":
            state.faults.clear()
        return JSONResponse([f.as_dict() for f in state.faults.pending])

    async def config(request: Request) -> Response:
        if request.method in ("POST", "PATCH"):
            try:
                state.config.update(**await body(request))
            except (TypeError, ValueError) as exc:
                return _error(400, "validation_error", f"bad config: {exc}")
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
            return _error(404, "not_found", f"unknown {exc}")
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
            Route(path, guarded(endpoint), methods=methods)
            for path, endpoint, methods in [
                ("/__mock/reset", reset, ["POST"]),
                ("/__mock/faults", faults, ["GET", "POST", "DELETE"]),
                ("/__mock/config", config, ["GET", "POST", "PATCH"]),
                ("/__mock/clock", clock, both),
                ("/__mock/keys", keys, both),
                ("/__mock/task-events", task_events, ["POST"]),
                ("/__mock/session-events", session_events, ["POST"]),
                ("/__mock/requests", requests, ["GET", "DELETE"]),
            ]
        ]
    return Router(routes, default=_not_found)
