"""The ASGI entry: routing, auth and scopes, validation, faults, idempotency, replies.

`/__mock/*` and `/openapi.json` go to a small Starlette router (control.py); everything
else goes to one dispatcher over the spec's compiled path templates (docs/mock.md, "How
it is built": Starlette's path converters answered `%0A` with a text/plain 404).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers

from .handlers import HANDLERS, ApiError, Ctx, Empty, Json, Reply, Stream
from .spec import RequestInvalid, Spec, split_path, validate_request
from .sse import Receive, Send, StreamWriter
from .state import CursorExpired, RecordedRequest, State, dumps

IDEMPOTENCY_SECONDS = 24 * 3600
ERROR_CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "insufficient_scope",
    404: "not_found",
    # Not in the spec's ErrorCode enum, which is open ("new codes may be added"), and
    # 405 is not a documented status of any operation.
    405: "method_not_allowed",
    409: "conflict",
    410: "cursor_expired",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class MockApp:
    """The mock as an ASGI application; build it with `create_app`."""

    def __init__(
        self,
        spec_path: Path | str | None,
        state: State | None,
        api_keys: dict[str, list[str]] | None,
        control: bool,
        control_key: str | None = None,
    ) -> None:
        self.spec = Spec(spec_path)
        self.state = state if state is not None else State(api_keys)
        if state is not None and api_keys:
            for key, scopes in api_keys.items():
                state.base_keys[key] = list(scopes)
                state.set_key(key, scopes)
        missing = sorted(set(self.spec.operations) - set(HANDLERS))
        if missing:
            raise RuntimeError(missing_handlers(self.spec, missing))
        self.control_enabled = control
        # A key for /__mock/* only, besides any key with the admin scope.
        self.control_key = control_key
        from .control import control_router

        self.router = control_router(self, control)
        self._ids = itertools.count(1)
        # Set by `serve()`: aborts the TCP connection of a request (the `reset` fault).
        self.aborter: Callable[[dict[str, Any]], bool] | None = None

    async def __call__(
        self, scope: dict[str, Any], receive: Receive, send: Send
    ) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/openapi.json" or path.startswith("/__mock/"):
            await self.router(scope, receive, send)  # type: ignore[arg-type]
            return
        await self.dispatch(scope, receive, send)

    # ------------------------------------------------------------------ replies
    def request_id(self) -> str:
        return f"req_{next(self._ids):08d}"

    async def reply(
        self,
        send: Send,
        status: int,
        body: Any,
        request_id: str,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        # Raw UTF-8 (RFC 8259 sec. 8.1), not \u escapes: clients must decode it.
        raw = b"" if body is None else dumps(body).encode()
        out = [(b"request-id", request_id.encode())]
        if body is not None:
            out.append((b"content-type", content_type.encode()))
        out += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": raw})

    async def error(
        self,
        send: Send,
        status: int,
        message: str,
        request_id: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = {
            "error": {
                "code": ERROR_CODES.get(status, "internal_error"),
                "message": message,
                "details": details,
                "request_id": request_id,
            }
        }
        await self.reply(send, status, body, request_id, headers)

    # ------------------------------------------------------------------ dispatch
    async def dispatch(
        self, scope: dict[str, Any], receive: Receive, send: Send
    ) -> None:
        request_id = self.request_id()
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        raw_path = raw_path.split(b"?", 1)[0]
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), True)
        headers = Headers(scope=scope)
        method = scope["method"].upper()
        matched = self.spec.match(raw_path)
        op = None
        if matched is not None:
            op = next((o for o in matched[0] if o.method == method), None)
        self.state.requests.append(
            RecordedRequest(
                method=method,
                path="/" + "/".join(split_path(raw_path)),
                raw_path=raw_path.decode("latin-1"),
                query=query,
                headers=headers,
                body=bytes(body),
                operation_id=op.operation_id if op else None,
            )
        )
        if matched is None:
            await self.error(send, 404, "no such path", request_id)
            return
        if op is None:
            allow = ", ".join(sorted(o.method for o in matched[0]))
            text = f"{method} is not allowed here; allowed: {allow}"
            await self.error(send, 405, text, request_id, headers={"Allow": allow})
            return
        try:
            await self._operation(scope, receive, send, op, matched[1], query, headers,
                                  bytes(body), request_id)  # fmt: skip
        except ConnectionResetError:
            raise  # the `reset` fault without a socket: the transport must see it
        except Exception as exc:  # a mock bug: say so in the documented envelope
            await self.error(send, 500, f"mock failure: {exc!r}", request_id)

    async def _operation(
        self,
        scope: dict[str, Any],
        receive: Receive,
        send: Send,
        op: Any,
        path_values: dict[str, str],
        query: list[tuple[str, str]],
        headers: Headers,
        body: bytes,
        request_id: str,
    ) -> None:
        state = self.state
        key = bearer_key(headers.get("authorization", ""))
        granted = granted_scopes(state.keys, key) if key else None
        if granted is None:
            await self.error(send, 401, "missing or unknown API key", request_id)
            return
        if "admin" not in granted:
            for scope_name in op.scopes:
                if scope_name not in granted:
                    details = {"required_scope": scope_name, "granted_scopes": granted}
                    message = f"this API key lacks the scope {scope_name}"
                    await self.error(send, 403, message, request_id, details)
                    return
        try:
            params, parsed = validate_request(
                op, path_values, query, headers, headers.get("content-type"), body
            )
        except RequestInvalid as exc:
            details = {"field_errors": exc.field_errors}
            await self.error(send, 400, "the request is invalid", request_id, details)
            return
        resuming = "last-event-id" in headers or "cursor" in params
        fault = state.faults.take(op.operation_id, op.streaming, resuming)
        if fault is not None:
            send = await self._pre_fault(
                fault, scope, receive, send, params, request_id
            )
            if fault.kind in ("status", "reset"):
                return
        ctx = Ctx(state, op.operation_id, params, parsed, request_id, fault)
        idem = params.get("Idempotency-Key")
        stored_key: tuple[str, ...] | None = None
        if idem is not None:
            stored_key = (key, op.operation_id, idem)
            digest = hashlib.sha256(method_path_body(scope, body)).hexdigest()
            now = state.clock.now()
            with state.lock:
                stored = state.idempotency.get(stored_key)
                if stored is not None and now - stored[0] > IDEMPOTENCY_SECONDS:
                    stored = None
            if stored is not None:
                if stored[1] != digest:
                    message = "this Idempotency-Key was used with another request"
                    await self.error(send, 409, message, request_id)
                else:
                    status, payload = stored[2]
                    await self.reply(send, status, payload, request_id)
                return
        try:
            result = ctx.call(HANDLERS[op.operation_id])
        except ApiError as exc:
            await self.error(send, exc.status, exc.message, request_id, exc.details)
            return
        except CursorExpired as exc:
            message = f"the cursor {exc.args[0]!r} is unknown or expired"
            await self.error(send, 410, message, request_id)
            return
        if stored_key is not None and 200 <= result_status(result) < 300:
            with state.lock:
                payload = result.body if isinstance(result, Json) else None
                entry = (state.clock.now(), digest, (result_status(result), payload))
                state.idempotency[stored_key] = entry
        await self._send_result(result, receive, send, request_id, fault)

    async def _send_result(
        self, result: Reply, receive: Receive, send: Send, request_id: str, fault: Any
    ) -> None:
        if isinstance(result, Json):
            await self.reply(send, result.status, result.body, request_id)
        elif isinstance(result, Empty):
            await self.reply(send, result.status, None, request_id)
        elif fault is not None and fault.kind == "wrong_content_type":
            body = {"note": "a JSON body where an event stream was due (mock fault)"}
            await self.reply(send, 200, body, request_id)
        else:
            assert isinstance(result, Stream)
            headers = [
                (b"content-type", b"text/event-stream"),
                (b"cache-control", b"no-store"),
                (b"x-heartbeat-seconds", str(result.heartbeat).encode()),
                (b"request-id", request_id.encode()),
            ]
            await send(
                {"type": "http.response.start", "status": 200, "headers": headers}
            )
            writer = StreamWriter(
                self.state, result.source, send, receive,
                heartbeat=result.heartbeat, fault=fault,
            )  # fmt: skip
            await writer.run()

    async def _pre_fault(
        self,
        fault: Any,
        scope: dict[str, Any],
        receive: Receive,
        send: Send,
        params: dict[str, Any],
        request_id: str,
    ) -> Send:
        """Faults that act before the handler; returns the `send` to use."""
        kind, p = fault.kind, fault.params
        if kind == "delay":
            await asyncio.sleep(float(p["seconds"]))
        elif kind == "status":
            code = int(p["code"])
            retry_after = str(int(p.get("retry_after", 1)))
            message = "injected by the mock's fault plan"
            headers = {"Retry-After": retry_after}
            await self.error(send, code, message, request_id, headers=headers)
        elif kind == "reset":
            if self.aborter is None or not self.aborter(scope):
                # No socket to reset (in-process ASGI): fail the way a transport would.
                raise ConnectionResetError("mock fault: connection reset")
            try:
                await asyncio.wait_for(receive(), 1.0)
            except TimeoutError:
                pass
        elif kind == "slow_drip":
            send = _drip(send)
        elif kind == "append_event":
            session_id = params.get("session_id", "")
            if session_id in self.state.sessions:
                extra = {
                    k: v for k, v in p.items() if k not in ("event_type", "content")
                }
                if "content" in p:
                    extra["content"] = [{"type": "text", "text": str(p["content"])}]
                self.state.append_session_event(session_id, p["event_type"], **extra)
        return send


def _drip(send: Send) -> Send:
    """A `send` that writes each body one byte per chunk."""

    async def drip(message: dict[str, Any]) -> None:
        if message["type"] != "http.response.body" or len(message.get("body", b"")) < 2:
            await send(message)
            return
        body: bytes = message["body"]
        for i in range(len(body)):
            await send({"type": "http.response.body", "body": body[i : i + 1],
                        "more_body": True})  # fmt: skip
            await asyncio.sleep(0)
        if not message.get("more_body", False):
            await send({"type": "http.response.body", "body": b""})

    return drip


# The handler module of each tag (the families); a new tag gets its own module.
HANDLER_MODULES = {"sessions": "sessions", "logs": "sessions", "tasks": "tasks",
                   "benches": "benches"}  # fmt: skip


def missing_handlers(spec: Spec, missing: list[str]) -> str:
    """What to write, and where, for operations of the spec that have no handler."""
    lines = [f"openapi.yaml has {len(missing)} operation(s) without a mock handler:"]
    for op_id in missing:
        tags = spec.document_operation(op_id).get("tags") or ["<tag>"]
        module = HANDLER_MODULES.get(tags[0], tags[0])
        lines.append(
            f'  {op_id}: add `@handler("{op_id}")` and a function taking Ctx and '
            f"returning Json/Empty/Stream to mock/agentrail_mock/handlers/{module}.py"
        )
    lines.append(
        "(handlers live in mock/agentrail_mock/handlers/, one module per family; "
        "see docs/changing-the-spec.md)"
    )
    return "\n".join(lines)


def bearer_key(authorization: str) -> str:
    """The key of an `Authorization: Bearer <key>` header, or "" for anything else."""
    scheme, _, key = authorization.partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def granted_scopes(keys: dict[str, list[str]], presented: str) -> list[str] | None:
    """The scopes of the presented key, or None if it is no key.

    Compared in constant time with every key (no dict lookup, no early exit), so how
    long a refusal takes does not tell how much of a key was right.
    """
    found = None
    candidate = presented.encode()
    for key, scopes in keys.items():
        if hmac.compare_digest(key.encode(), candidate):
            found = scopes
    return found


def method_path_body(scope: dict[str, Any], body: bytes) -> bytes:
    raw: bytes = scope.get("raw_path") or scope["path"].encode()
    return str(scope["method"]).encode() + b" " + raw + b"\n" + body


def result_status(result: Reply) -> int:
    return 200 if isinstance(result, Stream) else result.status


def create_app(
    spec_path: Path | str | None = None,
    *,
    state: State | None = None,
    api_keys: dict[str, list[str]] | None = None,
    control: bool = True,
    control_key: str | None = None,
) -> MockApp:
    """The mock as an ASGI app. `api_keys` maps key -> scopes, added to the default
    admin key `ar_test_admin`; `control=False` turns off the `/__mock/*` endpoints,
    which otherwise need an admin key or `control_key`."""
    return MockApp(spec_path, state, api_keys, control, control_key)
