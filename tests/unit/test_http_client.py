"""A caller's `http_client` is used as given, never modified; the key goes only to the
API, on requests the SDK builds; `client.generated` shares the pool and can stream."""

from __future__ import annotations

from typing import Any

import httpx

import agentrail
from agentrail_api.api.tasks import get_task, stream_task_events
from tests.twin import close, resolve, run_on
from tests.unit.samples import SAMPLES
from tests.unit.test_client import KEY, reply

TRIO = True  # the async bodies run on trio too (tests/twin.py)
API = "https://api.agentrail.test/prefix"
THEIRS = "https://theirs.example"


class Recorder:
    """Answers like the API, and 406 to a stream request that does not accept SSE
    (a server that negotiates content, RFC 9110 sec. 12.5.1)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/stream"):
            if "text/event-stream" not in request.headers.get("accept", "*/*") and (
                request.headers.get("accept", "*/*") != "*/*"
            ):
                return httpx.Response(406)
            return httpx.Response(
                200,
                content=b"id: 1\nevent: task.created\ndata: {}\n\n",
                headers={"Content-Type": "text/event-stream"},
            )
        if request.url.host == "api.agentrail.test":
            return reply(200, SAMPLES["Task"])
        return httpx.Response(200, text="theirs")


def callers_client(mode: str, recorder: Recorder) -> Any:
    """An httpx client configured the way its owner wants it."""
    cls = httpx.Client if mode == "sync" else httpx.AsyncClient
    return cls(
        transport=httpx.MockTransport(recorder),
        base_url=THEIRS,
        headers={"X-Theirs": "kept", "User-Agent": "their-app/1"},
        follow_redirects=True,
    )


def use(mode: str, body: Any, recorder: Recorder) -> Any:
    """Run `body(client, http)` with an agentrail client on the caller's httpx one."""

    async def main() -> Any:
        http = callers_client(mode, recorder)
        if mode == "sync":
            with http, agentrail.Client(KEY, API, http_client=http) as client:
                return await body(client, http)
        async with http, agentrail.AsyncClient(KEY, API, http_client=http) as client:
            return await body(client, http)

    return run_on(mode, main)


def test_the_callers_headers_redirects_and_base_url_survive(mode: str) -> None:
    """After calls through it, the caller's client has its own headers, redirect
    setting and base URL, and no key."""
    recorder = Recorder()

    async def body(client: Any, http: Any) -> None:
        await resolve(client.tasks.get("t1"))
        assert http.headers["X-Theirs"] == "kept"
        assert http.headers["User-Agent"] == "their-app/1"
        assert "authorization" not in http.headers
        assert http.follow_redirects is True
        assert str(http.base_url).rstrip("/") == THEIRS

    use(mode, body, recorder)
    (sent,) = recorder.requests
    assert str(sent.url) == API + "/v1/tasks/t1"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["user-agent"].startswith("agentrail-python/")
    assert sent.headers["x-theirs"] == "kept"  # their client's defaults still apply


def test_a_request_of_their_own_to_another_host_carries_no_key(mode: str) -> None:
    """Through the same httpx client, the caller's own requests carry their headers
    and never the API key."""
    recorder = Recorder()

    async def body(client: Any, http: Any) -> None:
        await resolve(client.tasks.get("t1"))
        await resolve(http.get("/elsewhere"))

    use(mode, body, recorder)
    theirs = recorder.requests[-1]
    assert str(theirs.url) == THEIRS + "/elsewhere"
    assert "authorization" not in theirs.headers
    assert KEY not in str(theirs.headers.raw)


def test_generated_shares_the_pool_and_carries_the_key_to_the_api_only(
    mode: str,
) -> None:
    """`client.generated` sends through the caller's httpx client to the API's URL,
    with the key, leaving that client as it was."""
    recorder = Recorder()

    async def body(client: Any, http: Any) -> Any:
        gen = client.generated
        if mode == "sync":
            return get_task.sync_detailed("t1", client=gen)
        return await get_task.asyncio_detailed("t1", client=gen)

    answer = use(mode, body, recorder)
    assert answer.status_code == 200
    (sent,) = recorder.requests
    assert str(sent.url) == API + "/v1/tasks/t1"
    assert sent.headers["authorization"] == f"Bearer {KEY}"


def test_generated_stream_functions_are_not_refused_for_their_accept_header(
    mode: str,
) -> None:
    """The generated stream operations are not sent with the overlay's
    `Accept: application/json`, so a negotiating server does not answer 406."""
    recorder = Recorder()

    async def body(client: Any, http: Any) -> Any:
        # How a generated stream operation is used: its request, streamed.
        kwargs = stream_task_events._get_kwargs()
        if mode == "sync":
            with client.generated.get_httpx_client().stream(**kwargs) as r:
                return r.status_code, r.read()
        async with client.generated.get_async_httpx_client().stream(**kwargs) as r:
            return r.status_code, await r.aread()

    status, content = use(mode, body, recorder)
    assert (status, content[:5]) == (200, b"id: 1")
    (sent,) = recorder.requests
    assert "application/json" not in sent.headers.get("accept", "")


def test_the_sdk_streams_ask_for_event_streams(mode: str) -> None:
    """The overlay's own stream request asks for `text/event-stream` only, through
    the caller's client, and connects."""
    recorder = Recorder()

    async def body(client: Any, http: Any) -> None:
        stream = await resolve(client.stream_events(last_event_id="0"))
        await close(stream)

    use(mode, body, recorder)
    sent = recorder.requests[0]
    assert sent.headers["accept"] == "text/event-stream"
    assert sent.headers["last-event-id"] == "0"
    assert str(sent.url).startswith(API + "/v1/task-events/stream")
