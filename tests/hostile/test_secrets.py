"""The API key stays secret, redirects never carry it away, and TLS is verified.

A run through everything that logs or raises (REST calls, 401/403/404, a stream
through drops, resets, 503s, a malformed and an unknown frame and a stall, refused
connections, timeouts, bad arguments) is captured whole: every log record of every
logger at DEBUG (httpx and httpcore included), every exception with its chained
traceback, and the reprs a user could print. The key is in none of them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import ssl
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import agentrail
from agentrail import StreamOptions, StreamSettings
from tests.hostile._server import Hostile, Request, response, serve
from tests.twin import close, items, resolve, run

pytestmark = pytest.mark.timeout(60)

KEY = "ar_live_SECRET_0c5e2b7d41"
OTHER_KEY = "ar_live_ALSO_SECRET_9d1f"
FAST = agentrail.Backoff(initial=0.01, cap=0.02)
STREAMS = StreamSettings(max_reconnects=3, stall_factor=0.5, backoff=FAST)


def get_task_raises(cls: type[Exception]) -> Callable[[Any], Any]:
    """A twin body: `tasks.get` raises `cls`, which it returns."""

    async def body(client: Any) -> Any:
        try:
            await resolve(client.tasks.get("t1"))
        except cls as exc:
            return exc
        raise AssertionError(f"no {cls.__name__}")

    return body


def everything(mode: str, mock: Any) -> tuple[list[BaseException], list[str]]:
    """Run the tour; return the exceptions raised and the reprs a user might print."""
    caught: list[BaseException] = []
    shown: list[str] = []
    mock.set_key(KEY, ["admin"])
    mock.set_key(OTHER_KEY, ["tasks:read"])
    mock.config.update(retry_ms=10)
    for kind, params in [
        ("drop_after", {"n": 1}),
        ("reset", {}),
        ("status", {"code": 503, "retry_after": 0}),
        ("malformed_at", {"n": 1, "drop_after": 2}),
        ("unknown_event", {"drop_after": 1}),
        ("stall_after", {"n": 1}),
    ]:
        mock.faults.add(kind, operation="stream_task_events", **params)

    async def expect_error(call: Any) -> None:
        try:
            await resolve(call())
        except agentrail.AgentrailError as exc:
            caught.append(exc)
        else:
            pytest.fail("no error")

    async def body(client: Any) -> None:
        shown.extend([repr(client), str(client), repr(client.with_options(timeout=3))])
        shown.extend([repr(client.generated), repr(client._transport.http.headers)])
        task = await resolve(client.tasks.create(title="t"))
        await resolve(client.tasks.get(task.id))
        raw = await resolve(client.with_raw_response.tasks.get(task.id))
        shown.extend([repr(raw), str(raw.headers), repr(raw.http_response)])
        await expect_error(lambda: client.tasks.get("nope"))  # 404
        await expect_error(lambda: client.tasks.get("../x"))  # invalid argument
        stream = await resolve(client.stream_events(StreamOptions(heartbeat_seconds=1)))
        sent = mock.state.emit_task_events(6)
        got = await items(stream, 5)  # one is malformed
        await close(stream)
        assert [e.id for e in got] == [e["id"] for e in sent if e != sent[1]][:5]
        shown.append(repr(stream))
        mock.faults.add("reset", operation="stream_task_events", times=5)
        await expect_error(client.stream_events)  # never opens: the reset itself
        mock.faults.clear()
        mock.faults.add("drop_after", operation="stream_task_events", n=0)
        mock.faults.add("reset", operation="stream_task_events", times=5)
        resumed = await resolve(client.stream_events(StreamOptions(cursor=got[-1].id)))
        await expect_error(lambda: items(resumed, 1))  # reconnects exhausted

    settings = {"backoff": FAST, "streams": STREAMS}
    run(mode, body, api_key=KEY, base_url=mock.url, **settings)

    async def refused(client: Any) -> None:
        await expect_error(lambda: client.tasks.get("t1"))

    run(mode, refused, api_key=OTHER_KEY + "x", base_url=mock.url)  # 401
    run(mode, lambda c: expect_error(lambda: c.bench_runs.get(1)), api_key=OTHER_KEY,
        base_url=mock.url)  # 403  # fmt: skip
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # nothing listens: connection refused
    run(mode, refused, api_key=KEY, base_url=f"http://127.0.0.1:{port}", **settings)
    with serve(lambda request, sock, hostile: hostile.closing.wait(5)) as silent:
        run(mode, refused, api_key=KEY, base_url=silent.url, max_retries=0,
            timeout=httpx.Timeout(0.3))  # fmt: skip
    return caught, shown


def test_the_key_is_in_no_log_exception_traceback_or_repr(
    mode: str, mock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Every log record (any logger, DEBUG up), every exception with its chain, and
    every repr of the tour are free of both keys."""
    caplog.set_level(logging.DEBUG)
    caught, shown = everything(mode, mock)
    kinds = {type(exc).__name__ for exc in caught}
    assert kinds >= {"NotFoundError", "InvalidArgumentError", "AuthenticationError",
                     "InsufficientScopeError", "ReconnectsExhaustedError",
                     "APIConnectionError", "APITimeoutError"}  # fmt: skip
    loggers = {record.name.split(".")[0] for record in caplog.records}
    assert {"agentrail", "httpx", "httpcore"} <= loggers  # the capture sees them all
    texts = [*shown]
    for record in caplog.records:
        texts += [record.getMessage(), repr(record.args)]
        if record.exc_info:
            texts.append("".join(traceback.format_exception(*record.exc_info)))
    for exc in caught:
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        if isinstance(exc, agentrail.APIError) and exc.request is not None:
            texts += [str(exc.request.headers.raw), repr(exc.request)]
        response = getattr(exc, "response", None)
        if response is not None:
            texts += [response.text, str(response.request.headers.raw)]
    leaks = [text[:200] for text in texts if KEY in text or OTHER_KEY in text]
    assert leaks == []


def test_a_server_echoing_the_key_does_not_put_it_in_the_error(mode: str) -> None:
    """A server (or proxy) that quotes the key in its error body: the SDK's error
    message, body and traceback carry `[redacted]` in its place."""

    def echo(request: Request, sock: socket.socket, hostile: Hostile) -> None:
        said = request.headers["authorization"]
        error = {"code": "unauthorized", "message": f"bad key: {said}",
                 "details": {"seen": said}, "request_id": "r1"}  # fmt: skip
        body = json.dumps({"error": error}).encode()
        sock.sendall(response(401, body, Content_Type="application/json"))

    with serve(echo) as hostile:
        exc = run(mode, get_task_raises(agentrail.AuthenticationError), api_key=KEY,
                  base_url=hostile.url)  # fmt: skip
    text = "".join(traceback.format_exception(exc)) + repr(exc.body) + str(exc.details)
    assert KEY not in text
    assert "[redacted]" in exc.message


def test_an_http_client_that_follows_redirects_is_made_not_to(mode: str) -> None:
    """Even with `http_client=httpx.Client(follow_redirects=True)`, a redirect to
    another origin is reported, and that origin never sees the request or the key."""
    with serve(lambda request, sock, hostile: sock.sendall(response(200))) as other:

        def away(request: Request, sock: socket.socket, hostile: Hostile) -> None:
            sock.sendall(response(302, Location=f"{other.url}/steal"))

        async def body(client: Any) -> int:
            exc = await get_task_raises(agentrail.APIStatusError)(client)
            return int(exc.status_code)

        async def main() -> int:
            if mode == "sync":
                with httpx.Client(follow_redirects=True) as http:
                    with agentrail.Client(KEY, hostile.url, http_client=http) as c:
                        return await body(c)
            async with httpx.AsyncClient(follow_redirects=True) as ahttp:
                async with agentrail.AsyncClient(
                    KEY, hostile.url, http_client=ahttp
                ) as ac:
                    return await body(ac)

        with serve(away) as hostile:
            assert asyncio.run(main()) == 302
    assert other.requests == []


def test_agentrail_log_debug_output_carries_no_key(tmp_path: Path) -> None:
    """With `AGENTRAIL_LOG=debug`, the stderr of a program that makes calls, retries
    and fails shows requests and retries, and never the key."""
    script = tmp_path / "calls.py"
    script.write_text(
        "import httpx, agentrail\n"
        "answers = iter([503, 200, 401])\n"
        "def handler(request):\n"
        "    return httpx.Response(next(answers), json={'data': [], "
        "'has_more': False, 'next_cursor': None})\n"
        "http = httpx.Client(transport=httpx.MockTransport(handler))\n"
        f"c = agentrail.Client({KEY!r}, 'https://api.test', http_client=http,\n"
        "    backoff=agentrail.Backoff(initial=0.01, cap=0.01))\n"
        "c.tasks.list()\n"
        "try:\n"
        "    c.tasks.list()\n"
        "except agentrail.AuthenticationError as exc:\n"
        "    print(repr(exc), exc.request.headers)\n"
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env={**os.environ, "AGENTRAIL_LOG": "debug"},
        check=True,
    )
    assert "retrying GET /v1/tasks" in proc.stderr
    assert "[redacted]" in proc.stderr
    assert KEY not in proc.stderr + proc.stdout


# ------------------------------------------------------------------ TLS


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no trust store knows."""
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(self_signed: tuple[Path, Path]) -> Iterator[tuple[str, list[bytes]]]:
    """An HTTPS server with that certificate; it records what it decrypts."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, self_signed))
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []
    done = threading.Event()

    def serve_tls() -> None:
        listener.settimeout(0.1)
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                try:
                    with context.wrap_socket(conn, server_side=True) as tls:
                        received.append(tls.recv(65536))
                        tls.sendall(response(200, b"{}"))
                except (ssl.SSLError, OSError):
                    pass  # the client refused our certificate

    thread = threading.Thread(target=serve_tls, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        done.set()
        thread.join(timeout=5)
        listener.close()


def test_tls_is_verified_by_default(
    mode: str, tls_server: tuple[str, list[bytes]]
) -> None:
    """A self-signed certificate fails the handshake: APIConnectionError, and the
    request (with its key) was never sent."""
    url, received = tls_server

    exc = run(mode, get_task_raises(agentrail.APIConnectionError), api_key=KEY,
              base_url=url, max_retries=0)  # fmt: skip
    assert "CERTIFICATE_VERIFY_FAILED" in "".join(traceback.format_exception(exc))
    assert received == []
