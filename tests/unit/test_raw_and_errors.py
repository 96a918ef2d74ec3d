"""Raw responses (`client.with_raw_response`) and errors with their context: the
request and the answer (the key redacted), field errors in a 400's message, and a
readable message for a body that is not the API's envelope."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import agentrail
from agentrail_api.models import Task
from tests.twin import items, resolve
from tests.unit.samples import SAMPLES
from tests.unit.test_client import KEY, Script, error, raises, reply, run

TRIO = True  # the async bodies run on trio too (tests/twin.py)


def test_a_raw_response_has_status_headers_request_id_and_parse(mode: str) -> None:
    """`with_raw_response.<group>.<method>` returns the answer's status, headers and
    request id; `parse()` gives what the plain method returns."""
    script = Script(reply(200, SAMPLES["Task"], **{"Request-Id": "req_ok"}))

    async def body(client: Any) -> Any:
        raw = await resolve(client.with_raw_response.tasks.get("t1"))
        assert isinstance(raw, agentrail.APIResponse)
        assert (raw.status_code, raw.request_id) == (200, "req_ok")
        assert raw.headers["content-type"] == "application/json"
        assert raw.method == "GET" and raw.url.path == "/v1/tasks/t1"
        task = raw.parse()
        assert isinstance(task, Task) and raw.parse() is task
        return task

    task = run(mode, script, body)
    assert task.id == SAMPLES["Task"]["id"]


def test_a_raw_list_parses_to_its_first_page_which_walks_on(mode: str) -> None:
    """A raw list's `parse()` is its first page; walking it fetches the next pages."""
    first = {"data": [SAMPLES["Task"]], "has_more": True, "next_cursor": "c2"}
    last = {"data": [SAMPLES["Task"]], "has_more": False, "next_cursor": None}
    script = Script(reply(200, first), reply(200, last))

    async def body(client: Any) -> int:
        raw = await resolve(client.with_raw_response.tasks.list())
        assert raw.status_code == 200
        return len(await items(raw.parse()))

    assert run(mode, script, body) == 2
    assert script.requests[1].url.params["cursor"] == "c2"


def test_raw_answers_that_are_results_and_errors_that_are_not(mode: str) -> None:
    """A 404 that a method turns into None is a raw answer (parse() is None); a 404
    that is an error raises it, raw or not."""
    script = Script(error(404, "not_found"))

    async def body(client: Any) -> None:
        raw = await resolve(client.with_raw_response.bench_runs.get(1))
        assert (raw.status_code, raw.parse()) == (404, None)
        with pytest.raises(agentrail.NotFoundError):
            await resolve(client.with_raw_response.tasks.get("t1"))

    run(mode, script, body)


def test_an_error_keeps_its_request_and_response_without_the_key(mode: str) -> None:
    """`error.request` and `error.response` are there to debug with; the key is in
    neither, nor in the error's str or repr."""
    answer = error(409, "conflict")
    exc = raises(mode, Script(answer), lambda c: c.tasks.get("t1"))
    assert isinstance(exc, agentrail.ConflictError)
    assert exc.request is not None and exc.response is not None
    assert exc.request.url.path == "/v1/tasks/t1"
    assert exc.request.headers["authorization"] == "[redacted]"
    assert exc.response.request is exc.request
    assert exc.response.status_code == 409
    assert exc.response.json()["error"]["code"] == "conflict"
    for shown in (str(exc), repr(exc), str(exc.request.headers.raw), exc.response.text):
        assert KEY not in shown


def test_a_connection_error_keeps_its_request_without_the_key(mode: str) -> None:
    """A request that got no answer is on the error, redacted, too."""
    exc = raises(
        mode, Script(httpx.ConnectError("refused")), lambda c: c.tasks.get("t1"),
        max_retries=0,
    )  # fmt: skip
    assert isinstance(exc, agentrail.APIConnectionError)
    assert exc.request is not None
    assert exc.request.headers["authorization"] == "[redacted]"


def test_a_bad_requests_message_lists_its_field_errors(mode: str) -> None:
    """A 400's message says which fields are wrong and why."""
    details = {
        "field_errors": [
            {"field": "title", "reason": "must not be empty"},
            {"field": "metadata.k", "reason": "too long"},
        ]
    }
    exc = raises(
        mode, Script(error(400, "validation_error", details)),
        lambda c: c.tasks.create(title="x"),
    )  # fmt: skip
    assert isinstance(exc, agentrail.BadRequestError)
    assert "title: must not be empty; metadata.k: too long" in str(exc)
    assert exc.field_errors == details["field_errors"]


@pytest.mark.parametrize(
    ("content_type", "content", "expected"),
    [
        (
            "application/problem+json",
            json.dumps({"title": "Upstream down", "detail": "try later"}).encode(),
            "502 Bad Gateway: Upstream down: try later",
        ),
        (
            "text/html",
            b"<html><body>\n  <h1>502 Bad Gateway</h1>\n</body></html>",
            "502 Bad Gateway: <html><body> <h1>502 Bad Gateway</h1> </body></html>",
        ),
        ("text/plain", b"", "502 Bad Gateway"),
    ],
)
def test_a_body_that_is_not_the_envelope_gives_status_text_and_its_start(
    mode: str, content_type: str, content: bytes, expected: str
) -> None:
    """A proxy's error page or a problem document reads as its status text and the
    start of its body, never a bare "502: "."""
    answer = httpx.Response(
        502, content=content, headers={"Content-Type": content_type}
    )
    exc = raises(mode, Script(answer), lambda c: c.tasks.get("t1"), max_retries=0)
    assert isinstance(exc, agentrail.InternalServerError)
    assert str(exc) == expected


def test_a_raw_handle_method_answers_its_status(mode: str) -> None:
    """Through a handle (`sessions.events(id)`), a raw `send` shows the 204."""
    script = Script(httpx.Response(204, headers={"Request-Id": "req_sent"}))

    async def body(client: Any) -> None:
        events = client.with_raw_response.sessions.events("s1")
        raw = await resolve(events.send([{"type": "user.interrupt"}]))
        assert (raw.status_code, raw.request_id, raw.parse()) == (204, "req_sent", None)

    run(mode, script, body)
