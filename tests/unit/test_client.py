"""The REST client without a server: retries, errors, secrets, configuration, ids.

Every test body is written once and runs with `Client` and `AsyncClient` (the `mode`
fixture); the answers come from an `httpx.MockTransport` passed as `http_client`.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

import agentrail
from agentrail._errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    CursorExpiredError,
    InsufficientScopeError,
    InternalServerError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
)
from agentrail._retry import Backoff
from agentrail_api.models import BenchRun, UserMessageInput
from tests.twin import items, resolve, run_on
from tests.unit.samples import SAMPLES

TRIO = True  # the async bodies run on trio too (tests/twin.py)
KEY = "sk-test-SECRET-4b1d"
BASE = "https://agentrail.test"
FAST = Backoff(initial=0.001, cap=0.01)
Handler = Callable[[httpx.Request], httpx.Response]


def reply(status: int = 200, body: Any = None, **headers: str) -> httpx.Response:
    """A JSON answer with a Request-Id, as the API sends."""
    content = b"" if body is None else json.dumps(body).encode()
    hdrs = {"Content-Type": "application/json", "Request-Id": "req_hdr", **headers}
    return httpx.Response(status, content=content, headers=hdrs)


def error(
    status: int, code: str, details: Any = None, **headers: str
) -> httpx.Response:
    """The API's error envelope."""
    body = {
        "error": {
            "code": code,
            "message": f"{code} happened",
            "details": details,
            "request_id": "req_body",
        }
    }
    return reply(status, body, **headers)


class Script:
    """A MockTransport handler that answers from a list (the last answer repeats)."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


def run(
    mode: str,
    handler: Handler,
    body: Callable[[Any], Awaitable[Any]],
    **options: Any,
) -> Any:
    """Run `body` with a Client or AsyncClient whose transport is `handler`."""
    options.setdefault("backoff", FAST)
    options.setdefault("api_key", KEY)
    options.setdefault("base_url", BASE)

    async def main() -> Any:
        transport = httpx.MockTransport(handler)
        if mode == "sync":
            with httpx.Client(transport=transport) as http:
                with agentrail.Client(http_client=http, **options) as client:
                    return await body(client)
        async with httpx.AsyncClient(transport=transport) as ahttp:
            async with agentrail.AsyncClient(http_client=ahttp, **options) as aclient:
                return await body(aclient)

    return run_on(mode, main)


def raises(
    mode: str, handler: Handler, call: Callable[[Any], Any], **options: Any
) -> Any:
    """The exception `call(client)` raises (the test fails if it returns)."""

    async def body(client: Any) -> Any:
        try:
            await resolve(call(client))
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            return exc
        pytest.fail("no exception raised")

    return run(mode, handler, body, **options)


def get_run(client: Any) -> Any:
    return client.bench_runs.get(1)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff waits the client asks for, recorded instead of slept."""
    waits: list[float] = []

    def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    async def fake_async_sleep(seconds: float) -> None:
        waits.append(seconds)

    # The transport's two sleeps: time.sleep, and its own anyio sleep for async.
    monkeypatch.setattr("agentrail._transport.time.sleep", fake_sleep)
    monkeypatch.setattr("agentrail._transport.sleep", fake_async_sleep)
    return waits


# Retries.


def test_retries_connection_errors(mode: str) -> None:
    """A GET that cannot connect is sent again, and the later answer wins."""
    script = Script(
        httpx.ConnectError("refused"),
        httpx.ReadError("reset"),
        reply(200, SAMPLES["BenchRun"]),
    )
    run_ = run(mode, script, lambda c: resolve(get_run(c)))
    assert isinstance(run_, BenchRun) and run_.id == 1
    assert len(script.requests) == 3


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retries_429_and_5xx(mode: str, status: int) -> None:
    """429 and 5xx answers to a GET are retried until one succeeds."""
    script = Script(error(status, "x"), reply(200, SAMPLES["BenchRun"]))
    assert run(mode, script, lambda c: resolve(get_run(c))).id == 1
    assert len(script.requests) == 2


def test_retry_after_is_honoured(mode: str, sleeps: list[float]) -> None:
    """The wait before a retry is the server's Retry-After when it sent one."""
    script = Script(
        error(429, "rate_limited", **{"Retry-After": "7"}),
        error(503, "unavailable", **{"Retry-After": "3"}),
        reply(200, SAMPLES["BenchRun"]),
    )
    run(mode, script, lambda c: resolve(get_run(c)))
    assert sleeps == [7.0, 3.0]


def test_backoff_grows_exponentially_with_jitter(
    mode: str, sleeps: list[float]
) -> None:
    """Without Retry-After the waits double from `initial`, jittered into [d/2, d]."""
    script = Script(error(500, "internal_error"))
    backoff = Backoff(initial=1.0, cap=3.0)
    raises(mode, script, get_run, max_retries=3, backoff=backoff)
    assert len(sleeps) == 3
    for wait, full in zip(sleeps, [1.0, 2.0, 3.0], strict=True):
        assert full / 2 <= wait <= full


def test_too_long_retry_after_ends_the_retries(mode: str) -> None:
    """A Retry-After beyond `max_retry_after` raises at once rather than waiting."""
    script = Script(error(429, "rate_limited", **{"Retry-After": "3600"}))
    exc = raises(mode, script, get_run)
    assert isinstance(exc, RateLimitError) and exc.retry_after == 3600.0
    assert len(script.requests) == 1


def test_gives_up_after_max_retries(mode: str) -> None:
    """After `max_retries` retries the last error is raised, typed."""
    script = Script(error(503, "unavailable", **{"Retry-After": "0"}))
    exc = raises(mode, script, get_run, max_retries=3)
    assert isinstance(exc, ServiceUnavailableError)
    assert len(script.requests) == 4


def test_max_retries_per_client(mode: str) -> None:
    """`max_retries=0` on the client sends each call once."""
    script = Script(httpx.ConnectError("refused"))
    exc = raises(mode, script, get_run, max_retries=0)
    assert isinstance(exc, APIConnectionError)
    assert len(script.requests) == 1


def test_max_retries_per_call(mode: str) -> None:
    """`with_options(max_retries=0)` changes one call; the client keeps its retries."""
    script = Script(error(500, "internal_error"))

    async def body(client: Any) -> None:
        with pytest.raises(InternalServerError):
            await resolve(client.with_options(max_retries=0).bench_runs.get(1))
        assert len(script.requests) == 1
        with pytest.raises(InternalServerError):
            await resolve(client.bench_runs.get(1))
        assert len(script.requests) == 1 + 3

    run(mode, script, body)


def test_post_without_key_is_not_retried(mode: str) -> None:
    """A POST without an Idempotency-Key (cancel) is sent once, whatever fails."""
    for answer in (error(503, "unavailable"), httpx.ConnectError("refused")):
        script = Script(answer)
        exc = raises(mode, script, lambda c: c.bench_runs.cancel(1))
        assert isinstance(exc, ServiceUnavailableError | APIConnectionError)
        assert len(script.requests) == 1
        assert "idempotency-key" not in script.requests[0].headers


def test_patch_is_not_retried(mode: str) -> None:
    """A PATCH is not idempotent for the client: a 500 raises after one request."""
    script = Script(error(500, "internal_error"))
    raises(mode, script, lambda c: c.tasks.update("t1", status="in_review"))
    assert len(script.requests) == 1


def test_same_idempotency_key_across_retries(mode: str) -> None:
    """A keyed POST is retried with the key it was first sent with."""
    script = Script(
        error(503, "unavailable"),
        httpx.ConnectError("refused"),
        reply(201, SAMPLES["BenchRun"]),
    )

    async def body(client: Any) -> None:
        await resolve(client.benches.trigger_run("p1", "s.py", channel="stable"))

    run(mode, script, body)
    keys = {r.headers["idempotency-key"] for r in script.requests}
    assert len(script.requests) == 3 and len(keys) == 1
    assert keys.pop().startswith("agentrail-")


def test_each_call_gets_its_own_key(mode: str) -> None:
    """Two logical calls send two keys; a key given by the caller is sent as is."""
    script = Script(reply(202, SAMPLES["Task"]))

    async def body(client: Any) -> None:
        await resolve(client.tasks.ship("t1"))
        await resolve(client.tasks.ship("t1"))
        await resolve(client.tasks.ship("t1", idempotency_key="mine-1"))

    run(mode, script, body)
    keys = [r.headers["idempotency-key"] for r in script.requests]
    assert keys[0] != keys[1] and keys[2] == "mine-1"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410])
def test_client_errors_are_not_retried(mode: str, status: int) -> None:
    """A 4xx other than 429 is the answer: one request, no retry."""
    script = Script(error(status, "x"))
    raises(mode, script, lambda c: c.tasks.get("t1"))
    assert len(script.requests) == 1


# Error translation.

CASES = [
    (400, "validation_error", BadRequestError),
    (401, "unauthorized", AuthenticationError),
    (403, "insufficient_scope", InsufficientScopeError),
    (403, "forbidden", PermissionDeniedError),
    (404, "not_found", NotFoundError),
    (409, "conflict", ConflictError),
    (410, "cursor_expired", CursorExpiredError),
    (429, "rate_limited", RateLimitError),
    (500, "internal_error", InternalServerError),
    (503, "unavailable", ServiceUnavailableError),
    (418, "teapot", APIStatusError),
]


@pytest.mark.parametrize(("status", "code", "cls"), CASES)
def test_status_and_code_to_class(mode: str, status: int, code: str, cls: type) -> None:
    """Each status (and the code where a status has several meanings) has its class."""
    exc = raises(mode, Script(error(status, code)), lambda c: c.tasks.get("t1"))
    assert type(exc) is cls
    assert (exc.status_code, exc.code, exc.message) == (
        status,
        code,
        f"{code} happened",
    )
    assert exc.request_id == "req_body"
    assert exc.body["error"]["code"] == code


def test_html_502(mode: str) -> None:
    """A proxy's HTML 502 page is an InternalServerError with the text as body."""
    page = httpx.Response(
        502, text="<html><body>Bad Gateway</body></html>", headers={"X": "y"}
    )
    exc = raises(mode, Script(page), get_run, max_retries=0)
    assert type(exc) is InternalServerError and exc.status_code == 502
    assert exc.code == "" and "Bad Gateway" in exc.message
    assert isinstance(exc.body, str) and exc.request_id is None


def test_non_json_error_body(mode: str) -> None:
    """A text error body is kept as text; the Request-Id header still comes through."""
    answer = httpx.Response(400, text="nope", headers={"Request-Id": "req_t"})
    exc = raises(mode, Script(answer), lambda c: c.tasks.get("t1"))
    assert type(exc) is BadRequestError
    assert (exc.body, exc.message, exc.request_id) == ("nope", "nope", "req_t")


def test_request_id_from_header_without_envelope(mode: str) -> None:
    """Without an envelope the Request-Id header names the request."""
    exc = raises(mode, Script(reply(404, {"other": 1})), lambda c: c.tasks.get("t1"))
    assert type(exc) is NotFoundError and exc.request_id == "req_hdr"


def test_retry_after_attribute(mode: str) -> None:
    """RateLimitError carries the Retry-After seconds."""
    answer = error(429, "rate_limited", **{"Retry-After": "2"})
    exc = raises(mode, Script(answer), get_run, max_retries=0)
    assert isinstance(exc, RateLimitError) and exc.retry_after == 2.0


def test_field_errors(mode: str) -> None:
    """BadRequestError lists the server's field errors."""
    fields = [{"field": "body.title", "reason": "required"}]
    answer = error(400, "validation_error", {"field_errors": fields})
    exc = raises(mode, Script(answer), lambda c: c.tasks.create(title="t"))
    assert isinstance(exc, BadRequestError) and exc.field_errors == fields


def test_required_scope(mode: str) -> None:
    """InsufficientScopeError names the scope needed and the scopes granted."""
    details = {"required_scope": "runs:read", "granted_scopes": ["tasks:read"]}
    exc = raises(mode, Script(error(403, "insufficient_scope", details)), get_run)
    assert isinstance(exc, InsufficientScopeError)
    assert isinstance(exc, PermissionDeniedError)
    assert exc.required_scope == "runs:read"
    assert exc.granted_scopes == ["tasks:read"]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ReadError("reset"),
        httpx.RemoteProtocolError("peer closed connection"),
        httpx.UnsupportedProtocol("gopher"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_transport_errors_are_translated(mode: str, failure: Exception) -> None:
    """httpx transport errors become APIConnectionError, chained to the original."""
    exc = raises(mode, Script(failure), get_run, max_retries=0)
    assert type(exc) is APIConnectionError
    assert not isinstance(exc, httpx.HTTPError) and exc.__cause__ is failure


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectTimeout("slow"),
        httpx.ReadTimeout("slow"),
        httpx.WriteTimeout("slow"),
        httpx.PoolTimeout("slow"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_timeouts_are_api_timeout_errors(mode: str, failure: Exception) -> None:
    """Every httpx timeout becomes APITimeoutError (also an APIConnectionError)."""
    exc = raises(mode, Script(failure), get_run, max_retries=0)
    assert type(exc) is APITimeoutError and isinstance(exc, APIConnectionError)
    assert exc.__cause__ is failure


@pytest.mark.parametrize(
    "content",
    [b'{"id": "not-an-int"}', b"<html>ok</html>", b""],
    ids=["wrong-shape", "html", "empty"],
)
def test_2xx_that_breaks_the_spec(mode: str, content: bytes) -> None:
    """A 2xx body the spec does not allow is APIResponseValidationError, not a crash."""
    exc = raises(mode, Script(httpx.Response(200, content=content)), get_run)
    assert type(exc) is APIResponseValidationError


# Secrets.


def _key_free(exc: BaseException) -> None:
    text = "".join(traceback.format_exception(exc))
    assert KEY not in text and KEY not in str(exc) and KEY not in repr(exc)


def test_key_sent_but_never_shown(mode: str) -> None:
    """The key is sent as a bearer token, and is in no repr, message or traceback."""
    script = Script(
        error(401, "unauthorized"),
        httpx.ConnectError(f"refused {BASE}"),
        httpx.ReadTimeout("slow"),
    )

    async def body(client: Any) -> list[BaseException]:
        assert KEY not in repr(client) and KEY not in str(client)
        assert KEY not in repr(client.with_options(max_retries=1))
        caught: list[BaseException] = []
        for _ in range(3):
            try:
                await resolve(client.with_options(max_retries=0).bench_runs.get(1))
            except agentrail._errors.AgentrailError as exc:
                caught.append(exc)
        return caught

    caught = run(mode, script, body)
    assert len(caught) == 3
    for exc in caught:
        _key_free(exc)
    assert script.requests[0].headers["authorization"] == f"Bearer {KEY}"


# Configuration.


def test_env_fallback(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without arguments the key and base URL come from the environment."""
    monkeypatch.setenv("AGENTRAIL_API_KEY", "env-key")
    monkeypatch.setenv("AGENTRAIL_BASE_URL", "https://env.agentrail.test/")
    script = Script(reply(200, SAMPLES["BenchRun"]))
    run(mode, script, lambda c: resolve(get_run(c)), api_key=None, base_url=None)
    sent = script.requests[0]
    assert str(sent.url) == "https://env.agentrail.test/v1/bench-runs/1"
    assert sent.headers["authorization"] == "Bearer env-key"


def test_arguments_beat_env(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Explicit arguments win over the environment."""
    monkeypatch.setenv("AGENTRAIL_API_KEY", "env-key")
    monkeypatch.setenv("AGENTRAIL_BASE_URL", "https://env.agentrail.test")
    script = Script(reply(200, SAMPLES["BenchRun"]))
    run(mode, script, lambda c: resolve(get_run(c)))
    assert script.requests[0].url.host == "agentrail.test"
    assert script.requests[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("key", [None, ""])
def test_missing_key(mode: str, monkeypatch: pytest.MonkeyPatch, key: Any) -> None:
    """No key anywhere is an InvalidArgumentError at construction."""
    monkeypatch.delenv("AGENTRAIL_API_KEY", raising=False)
    cls = agentrail.Client if mode == "sync" else agentrail.AsyncClient
    with pytest.raises(InvalidArgumentError, match="AGENTRAIL_API_KEY"):
        cls(key, BASE)


def test_explicit_default_timeouts(mode: str) -> None:
    """Calls carry explicit timeouts (60 s, connect 5 s); the generated has none."""
    script = Script(reply(200, SAMPLES["BenchRun"]))

    async def body(client: Any) -> None:
        assert client.timeout == httpx.Timeout(60.0, connect=5.0)
        await resolve(client.bench_runs.get(1))

    run(mode, script, body)
    assert script.requests[0].extensions["timeout"] == {
        "connect": 5.0,
        "read": 60.0,
        "write": 60.0,
        "pool": 60.0,
    }


def test_timeout_option(mode: str) -> None:
    """A `with_options` timeout reaches its requests and leaves the parent's alone."""
    script = Script(reply(200, SAMPLES["BenchRun"]))

    async def body(client: Any) -> None:
        await resolve(client.with_options(timeout=2.5).bench_runs.get(1))
        await resolve(client.bench_runs.get(1))

    run(mode, script, body)
    assert script.requests[0].extensions["timeout"]["read"] == 2.5
    assert script.requests[1].extensions["timeout"]["read"] == 60.0  # parent unchanged


# Arguments checked before any request.

BAD_IDS: list[Any] = [
    "",
    ".",
    "..",
    "a/b",
    "?x=1",
    "#",
    "%2e%2e",
    "caf\u00e9",
    "\u0661",
    "x" * 300,
    "a\n",
    5,
    None,
    b"abc",
    True,
]
BAD_INT_IDS: list[Any] = [True, False, 0, -1, 2**63, "1", 1.5, None, "1/2"]
MSG = [{"type": "user.message", "content": [{"type": "text", "text": "hi"}]}]

STR_ID_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "sessions.get": lambda c, v: c.sessions.get(v),
    "sessions.events": lambda c, v: c.sessions.events(v),
    "sessions.logs": lambda c, v: c.sessions.logs(v),
    "sessions.events.list(after_id)": lambda c, v: c.sessions.events("s1").list(
        after_id="." if v is None else v  # None means "from the start"
    ),
    "tasks.get": lambda c, v: c.tasks.get(v),
    "tasks.update": lambda c, v: c.tasks.update(v, status="todo"),
    "tasks.review": lambda c, v: c.tasks.review(v, decision="approved", summary="ok"),
    "tasks.ship": lambda c, v: c.tasks.ship(v),
    "tasks.list_events(task_id)": lambda c, v: c.tasks.list_events(
        task_id="." if v is None else v  # None means "every task"
    ),
    "benches.list": lambda c, v: c.benches.list(v),
    "benches.put(project)": lambda c, v: c.benches.put(v, "s.py", config={}),
    "benches.put(script)": lambda c, v: c.benches.put("p1", v, config={}),
    "benches.list_cases": lambda c, v: c.benches.list_cases("p1", v),
    "benches.add_case": lambda c, v: c.benches.add_case(v, "s.py", name="n", inputs={}),
    "benches.list_runs": lambda c, v: c.benches.list_runs(v, "s.py"),
    "benches.trigger_run": lambda c, v: c.benches.trigger_run("p1", v, channel="x"),
    "benches.trigger_run(case_ids)": lambda c, v: c.benches.trigger_run(
        "p1", "s.py", channel="x", case_ids=[v]
    ),
    "bench_runs.promote_execution": lambda c, v: c.bench_runs.promote_execution(v),
    "bench_runs.get_case": lambda c, v: c.bench_runs.get_case(v),
    "bench_runs.patch_case": lambda c, v: c.bench_runs.patch_case(v, name="n"),
    "bench_runs.delete_case": lambda c, v: c.bench_runs.delete_case(v),
    "bench_runs.tag_session": lambda c, v: c.bench_runs.tag_session(1, v),
    "bench_runs.mcp_session_cost": lambda c, v: c.bench_runs.mcp_session_cost(v),
}
INT_ID_CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "bench_runs.get": lambda c, v: c.bench_runs.get(v),
    "bench_runs.delete": lambda c, v: c.bench_runs.delete(v),
    "bench_runs.list_results": lambda c, v: c.bench_runs.list_results(v),
    "bench_runs.cancel": lambda c, v: c.bench_runs.cancel(v),
    "bench_runs.tag_session": lambda c, v: c.bench_runs.tag_session(v, "mcp_1"),
    "bench_runs.compare(a)": lambda c, v: c.bench_runs.compare(v, 1),
    "bench_runs.compare(b)": lambda c, v: c.bench_runs.compare(1, v),
    "bench_runs.bench_by_id": lambda c, v: c.bench_runs.bench_by_id(v),
}


def _all_refused(mode: str, call: Callable[[Any, Any], Any], values: list[Any]) -> None:
    script = Script(reply(500))

    async def body(client: Any) -> None:
        for value in values:
            with pytest.raises(InvalidArgumentError):
                await resolve(call(client, value))

    run(mode, script, body)
    assert script.requests == []


@pytest.mark.parametrize("call", STR_ID_CALLS.values(), ids=STR_ID_CALLS.keys())
def test_invalid_string_ids(mode: str, call: Callable[[Any, Any], Any]) -> None:
    """Ids that could change the path, or the server would refuse, send nothing."""
    _all_refused(mode, call, BAD_IDS)


@pytest.mark.parametrize("call", INT_ID_CALLS.values(), ids=INT_ID_CALLS.keys())
def test_invalid_int_ids(mode: str, call: Callable[[Any, Any], Any]) -> None:
    """Run and bench ids must be ints in 1..2**63-1; `True` is not 1."""
    _all_refused(mode, call, BAD_INT_IDS)


OTHER_BAD: dict[str, Callable[[Any], Any]] = {
    "limit=0": lambda c: c.tasks.list(limit=0),
    "limit=101": lambda c: c.tasks.list(limit=101),
    "limit=True": lambda c: c.tasks.list(limit=True),
    "order=1": lambda c: c.tasks.list(order=1),
    "cursor=a/b": lambda c: c.tasks.list(cursor="a/b"),
    "status=1": lambda c: c.tasks.list(status=1),
    "event_types=[]": lambda c: c.tasks.list_events(event_types=[]),
    "event_types=A,B": lambda c: c.tasks.list_events(event_types="A,B"),
    "idempotency_key=a b": lambda c: c.tasks.ship("t1", idempotency_key="a b"),
    "idempotency_key=''": lambda c: c.tasks.ship("t1", idempotency_key=""),
    "expected_version=0": lambda c: c.tasks.update("t1", expected_version=0),
    "branch=1": lambda c: c.tasks.update("t1", branch=1),
    "title=None": lambda c: c.tasks.create(title=None),
    "decision=None": lambda c: c.tasks.review("t1", decision=None, summary="s"),
    "metadata=list": lambda c: c.sessions.create(metadata=["a"]),
    "events=dict": lambda c: c.sessions.events("s1").send(MSG[0]),
    "events=[]": lambda c: c.sessions.events("s1").send([]),
    "events=[unknown type]": lambda c: c.sessions.events("s1").send([{"type": "x"}]),
    "events=[no content]": lambda c: c.sessions.events("s1").send(
        [{"type": "user.message"}]
    ),
    "config=str": lambda c: c.benches.put("p1", "s.py", config="{}"),
    "inputs=None": lambda c: c.benches.add_case("p1", "s.py", name="n", inputs=None),
    "channel=None": lambda c: c.benches.trigger_run("p1", "s.py", channel=None),
    "case_ids=str": lambda c: c.benches.trigger_run(
        "p1", "s.py", channel="x", case_ids="c1"
    ),
    "edits=str": lambda c: c.bench_runs.promote_execution("e1", edits="x"),
}


@pytest.mark.parametrize("call", OTHER_BAD.values(), ids=OTHER_BAD.keys())
def test_invalid_arguments(mode: str, call: Callable[[Any], Any]) -> None:
    """Options and bodies the spec refuses raise InvalidArgumentError, unsent."""
    _all_refused(mode, lambda c, _: call(c), [None])


# Results and shapes.


def test_not_found_answers(mode: str) -> None:
    """`get` and `bench_by_id` answer None on 404, `list_results` an empty list."""
    script = Script(error(404, "not_found"))

    async def body(client: Any) -> None:
        assert await resolve(client.bench_runs.get(1)) is None
        assert await resolve(client.bench_runs.bench_by_id(1)) is None
        assert await resolve(client.bench_runs.list_results(1)) == []
        with pytest.raises(NotFoundError):
            await resolve(client.bench_runs.cancel(1))

    run(mode, script, body)
    assert len(script.requests) == 4


def test_list_results_walks_all_pages(mode: str) -> None:
    """`list_results` follows `next_cursor` until `has_more` is false."""
    first = {**SAMPLES["BenchResultPage"], "next_cursor": "c2"}
    last = {"data": [{**SAMPLES["BenchResult"], "id": "res_2"}], "has_more": False}
    script = Script(reply(200, first), reply(200, {**last, "next_cursor": None}))
    results = run(mode, script, lambda c: resolve(c.bench_runs.list_results(1)))
    assert [r.id for r in results] == ["res_1", "res_2"]
    assert [r.url.params.get("cursor") for r in script.requests] == [None, "c2"]
    assert script.requests[0].url.params["limit"] == "100"


def test_page_iteration_keeps_filters(mode: str) -> None:
    """Iterating a page fetches the next pages with the same filters and a cursor."""
    event = SAMPLES["TaskLifecycleEvent"]
    script = Script(
        reply(200, {"data": [event], "has_more": True, "next_cursor": "c2"}),
        reply(200, {"data": [event], "has_more": False, "next_cursor": None}),
    )

    async def body(client: Any) -> list[Any]:
        page = await resolve(
            client.tasks.list_events(
                event_types=["task.updated", "task.shipped"], task_id="t1", limit=1
            )
        )
        assert len(page.data) == 1 and page.has_more
        return await items(page)

    assert len(run(mode, script, body)) == 2
    first, second = (r.url.params for r in script.requests)
    assert first["event_types"] == "task.updated,task.shipped"
    assert (first["task_id"], first["limit"], "cursor" in first) == ("t1", "1", False)
    assert (second["task_id"], second["limit"], second["cursor"]) == ("t1", "1", "c2")


def test_send_accepts_dicts_and_models(mode: str) -> None:
    """`send` takes dicts or generated input models, and both send the same JSON."""
    script = Script(httpx.Response(204))
    model = UserMessageInput.from_dict(MSG[0])

    async def body(client: Any) -> None:
        events = client.sessions.events("s1")
        assert await resolve(events.send(MSG)) is None
        assert await resolve(events.send([model, {"type": "user.interrupt"}])) is None

    run(mode, script, body)
    first, second = (json.loads(r.content) for r in script.requests)
    assert first == {"events": MSG}
    assert second == {"events": [*MSG, {"type": "user.interrupt"}]}
    assert script.requests[0].url.path == "/v1/sessions/s1/events"


def test_update_sends_only_given_fields(mode: str) -> None:
    """`update` sends the fields given; `branch=None` clears the branch."""
    script = Script(reply(200, SAMPLES["Task"]))

    async def body(client: Any) -> None:
        await resolve(client.tasks.update("t1", status="in_review", expected_version=3))
        await resolve(client.tasks.update("t1", branch=None))

    run(mode, script, body)
    first, second = (json.loads(r.content) for r in script.requests)
    assert first == {"status": "in_review", "expected_version": 3}
    assert second == {"branch": None}


def test_delete_answers_none(mode: str) -> None:
    """`delete` and `delete_case` return None, whatever body the server sent."""
    script = Script(httpx.Response(204), reply(200, {"deleted": True}))

    async def body(client: Any) -> None:
        assert await resolve(client.bench_runs.delete(1)) is None
        assert await resolve(client.bench_runs.delete_case("case_1")) is None

    run(mode, script, body)
    assert [(r.method, r.url.path) for r in script.requests] == [
        ("DELETE", "/v1/bench-runs/1"),
        ("DELETE", "/v1/cases/case_1"),
    ]
