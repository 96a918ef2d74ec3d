"""A server that repeats the cursor it was given never makes a page walker loop.

Prism, serving openapi.yaml's examples, answers every page with the same
`next_cursor` and `has_more: true`; so might a buggy server. Every list method, and
iterating the page it returns, stops with `RepeatedCursorError` after at most two
requests. The listings streams make themselves are covered in tests/unit/test_flows.py.
"""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterable, Callable
from typing import Any

import pytest

import agentrail
from tests.hostile._server import Hostile, Request, response, serve
from tests.twin import resolve, run
from tests.unit._spec import SPEC
from tests.unit._spec import resolve as deref

pytestmark = pytest.mark.timeout(30)

KEY = "ar_pagination_key"

# The public method behind each list operation of openapi.yaml.
LISTINGS: dict[str, Callable[[Any], Any]] = {
    "list_tasks": lambda c: c.tasks.list(),
    "list_task_events": lambda c: c.tasks.list_events(),
    "list_session_events": lambda c: c.sessions.events("ses_1").list(),
    "list_benches": lambda c: c.benches.list("prj_1"),
    "list_bench_cases": lambda c: c.benches.list_cases("prj_1", "score"),
    "list_bench_runs": lambda c: c.benches.list_runs("prj_1", "score"),
    "list_bench_run_results": lambda c: c.bench_runs.list_results(1),
}


def list_operations() -> set[str]:
    """The operations of openapi.yaml that page with a `cursor`."""
    found = set()
    for item in SPEC["paths"].values():
        for method, op in item.items():
            if method != "get":
                continue
            names = {deref(p)["name"] for p in op.get("parameters", [])}
            if "cursor" in names and "limit" in names:
                found.add(op["operationId"])
    return found


def test_every_list_operation_is_walked_here() -> None:
    """The table above covers every paged operation the spec declares."""
    assert set(LISTINGS) == list_operations()


def same_cursor(request: Request, sock: socket.socket, hostile: Hostile) -> None:
    """Every page says there is more, behind the cursor `c1`."""
    page = {"data": [], "has_more": True, "next_cursor": "c1"}
    sock.sendall(
        response(200, json.dumps(page).encode(), Content_Type="application/json")
    )


async def walk(result: Any) -> None:
    """Iterate a page (sync or async) to its end; a list is already walked."""
    if isinstance(result, AsyncIterable):
        async for _ in result:
            pass
    elif isinstance(result, agentrail.Page):
        for _ in result:
            pass


@pytest.mark.parametrize("operation", sorted(LISTINGS))
def test_a_repeated_cursor_stops_the_walk(mode: str, operation: str) -> None:
    """The first page's cursor given back again raises RepeatedCursorError on the
    second request, from the method or from iterating its page."""
    call = LISTINGS[operation]

    async def body(client: Any) -> None:
        with pytest.raises(agentrail.RepeatedCursorError) as info:
            await walk(await resolve(call(client)))
        assert info.value.cursor == "c1"
        assert isinstance(info.value, agentrail.APIResponseValidationError)

    with serve(same_cursor) as hostile:
        run(mode, body, api_key=KEY, base_url=hostile.url, max_retries=0)
    assert len(hostile.requests) == 2
    assert "cursor=c1" in hostile.requests[1].path


def test_a_page_that_repeats_the_cursor_it_was_asked_with_stops_at_once(
    mode: str,
) -> None:
    """Asking for the page behind `c1` and being told `c1` again is one request."""

    async def body(client: Any) -> None:
        with pytest.raises(agentrail.RepeatedCursorError):
            await resolve(client.tasks.list(cursor="c1"))

    with serve(same_cursor) as hostile:
        run(mode, body, api_key=KEY, base_url=hostile.url, max_retries=0)
    assert len(hostile.requests) == 1
