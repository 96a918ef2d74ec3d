"""Per-request options reach the wire from every method, and `with_options` takes
the constructor's options; both proved by the mock's request log."""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx
import pytest

import agentrail
from tests.hostile.test_caller import VALID, call
from tests.twin import resolve, run
from tests.unit.test_surface import options_type, requesting

pytestmark = pytest.mark.timeout(60)
TRIO = True  # the async bodies run on trio too (tests/twin.py)


def test_every_method_sends_extra_headers_query_and_body(mode: str, mock: Any) -> None:
    """Each requesting method, called with `extra_headers`, `extra_query` (and
    `extra_body` where it has a body), sends them on every request it makes."""
    missing: list[str] = []
    walked = 0

    async def body(client: Any) -> None:
        nonlocal walked
        for label, method in requesting(client):
            walked += 1
            mock.requests.clear()
            options: dict[str, Any] = {
                "timeout": 10,
                "max_retries": 0,
                "extra_headers": {"X-Probe": label},
                "extra_query": {"probe": "1"},
            }
            if options_type(method) is agentrail.BodyOptions:
                options["extra_body"] = {"probe": 1}
            params = inspect.signature(method).parameters
            args = {
                n: VALID[n]
                for n, p in params.items()
                if p.default is p.empty and p.kind is not p.VAR_KEYWORD
            }
            try:
                result = await resolve(call(method, {**args, **options}))
            except agentrail.APIStatusError:
                result = None  # nothing exists in the mock: 404s are answers too
            for closer in ("aclose", "close"):
                if hasattr(result, closer):
                    await resolve(getattr(result, closer)())
                    break
            if not mock.requests:
                missing.append(f"{label} sent nothing")
            for sent in mock.requests:
                if sent.headers.get("x-probe") != label:
                    missing.append(f"{label}: no extra header on {sent.path}")
                if ("probe", "1") not in sent.query:
                    missing.append(f"{label}: no extra query on {sent.path}")
                if "extra_body" in options and sent.body:
                    if json.loads(sent.body).get("probe") != 1:
                        missing.append(f"{label}: no extra body on {sent.path}")

    run(mode, body, api_key=mock.admin_key, base_url=mock.url, max_retries=0)
    assert missing == []
    assert walked >= 30


def test_extra_query_is_sent_on_posts_too(mode: str, mock: Any) -> None:
    """`extra_query` on a POST lands in its query string (which the mock, strict
    about parameters, refuses, naming it)."""

    async def body(client: Any) -> None:
        with pytest.raises(agentrail.BadRequestError, match="query.probe"):
            await resolve(client.tasks.create(title="t", extra_query={"probe": "2"}))

    run(mode, body, api_key=mock.admin_key, base_url=mock.url)
    assert ("probe", "2") in mock.requests[-1].query


def test_with_options_takes_the_constructors_options(mode: str, mock: Any) -> None:
    """`with_options` changes base_url, headers, timeout and retries of a copy that
    shares the connections; the original keeps its own."""

    async def body(client: Any) -> None:
        copy = client.with_options(
            default_headers={"X-Team": "a"},
            timeout=7,
            max_retries=0,
            base_url=mock.url + "/",
        )
        assert copy.timeout == httpx.Timeout(7)
        assert copy.max_retries == 0
        assert copy.default_headers == {"X-Team": "a"}
        assert copy._transport.http is client._transport.http
        await resolve(copy.tasks.create(title="t"))
        await resolve(client.tasks.create(title="u"))

    run(mode, body, api_key=mock.admin_key, base_url=mock.url)
    first, second = mock.requests[-2:]
    assert first.headers.get("x-team") == "a"
    assert second.headers.get("x-team") is None


def test_a_per_request_timeout_and_retries_apply_to_that_call(mode: str) -> None:
    """`timeout=` and `max_retries=` on one call change that call only."""
    seen: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(503, json={"error": {"code": "unavailable"}})

    from tests.unit.test_client import run as run_mocked

    async def body(client: Any) -> None:
        with pytest.raises(agentrail.ServiceUnavailableError):
            await resolve(client.bench_runs.get(1, timeout=3.5, max_retries=1))
        assert len(seen) == 2 and seen[0]["read"] == 3.5
        with pytest.raises(agentrail.ServiceUnavailableError):
            await resolve(client.bench_runs.get(1))
        assert len(seen) == 2 + 4 and seen[-1]["read"] == 60.0

    run_mocked(mode, handler, body, max_retries=3)
