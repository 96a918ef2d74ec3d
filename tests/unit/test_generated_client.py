"""How the generated `agentrail_api` behaves on the wire (docs/generator.md).

Each test drives a generated endpoint through `httpx.MockTransport`, sync and async.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import pkgutil
from types import ModuleType
from typing import Any

import pytest

from agentrail_api import api, errors
from agentrail_api.api.benches import get_bench_run, list_bench_run_results
from agentrail_api.api.sessions import get_session, list_session_events
from agentrail_api.api.tasks import get_task, stream_task_events, update_task
from agentrail_api.models import (
    AgentMessageEvent,
    AgentThinkingEvent,
    AgentToolResultEvent,
    AgentToolUseEvent,
    BenchRunStatus,
    ErrorCode,
    ErrorResponse,
    Session,
    SessionErrorEvent,
    SessionEventPage,
    SessionStatus,
    SessionStatusIdleEvent,
    SessionStatusRunningEvent,
    Task,
    UnknownSessionEvent,
    UpdateTaskRequest,
    UserInterruptEvent,
    UserMessageEvent,
)
from agentrail_api.types import UNSET
from tests.unit._transport import Recorder, call
from tests.unit.samples import SAMPLES

SESSION = SAMPLES["Session"]
TASK = SAMPLES["Task"]


def _endpoints() -> list[ModuleType]:
    modules = []
    for info in pkgutil.walk_packages(api.__path__, api.__name__ + "."):
        if not info.ispkg:
            modules.append(importlib.import_module(info.name))
    return modules


def _string_path_params() -> list[Any]:
    """(endpoint, parameter) for every string path parameter of every operation."""
    cases = []
    for module in _endpoints():
        source = inspect.getsource(module._get_kwargs)
        for name, param in inspect.signature(module._get_kwargs).parameters.items():
            guarded = f'check_path_segment("{name}", {name})' in source
            if guarded and param.annotation in (str, "str"):
                op = module.__name__.rsplit(".", 1)[1]
                cases.append(pytest.param(module, name, id=f"{op}.{name}"))
    return cases


def _valid_args(module: ModuleType) -> dict[str, Any]:
    """Valid path arguments and None for every other required argument."""
    args: dict[str, Any] = {}
    for name, param in inspect.signature(module.sync_detailed).parameters.items():
        if name == "client" or param.default is not inspect.Parameter.empty:
            continue
        args[name] = {str: "x1", int: 1, "str": "x1", "int": 1}.get(param.annotation)
    return args


@pytest.mark.parametrize(
    ("value", "raw_segment"),
    [
        pytest.param("a/b", b"a%2Fb", id="slash"),
        pytest.param("?x=1", b"%3Fx%3D1", id="query"),
        pytest.param("#frag", b"%23frag", id="fragment"),
        pytest.param("a b", b"a%20b", id="space"),
        pytest.param("../x", b"..%2Fx", id="traversal"),
        pytest.param("%2e%2e", b"%252e%252e", id="pre-encoded-dots"),
        pytest.param("é", b"%C3%A9", id="non-ascii"),
        pytest.param("sess_1", b"sess_1", id="plain"),
    ],
)
def test_path_parameter_is_one_encoded_segment(
    mode: str, value: str, raw_segment: bytes
) -> None:
    """A path parameter is percent-encoded into exactly one segment of its own route."""
    recorder = Recorder(200, SESSION)
    call(mode, get_session, client=recorder.client(), session_id=value)
    (request,) = recorder.requests
    assert request.url.raw_path == b"/v1/sessions/" + raw_segment


@pytest.mark.parametrize("bad", ["", ".", ".."])
@pytest.mark.parametrize(("endpoint", "param"), _string_path_params())
def test_dot_segment_or_empty_id_raises_before_sending(
    mode: str, endpoint: ModuleType, param: str, bad: str
) -> None:
    """`""`, `.` and `..` as a path parameter raise ValueError and send nothing."""
    recorder = Recorder(200, {})
    args = {**_valid_args(endpoint), param: bad}
    with pytest.raises(ValueError, match=param):
        call(mode, endpoint, client=recorder.client(), **args)
    assert recorder.requests == []


def test_every_string_path_parameter_is_guarded() -> None:
    """The guard reaches every string path parameter in the spec (none is missed)."""
    guarded = {(c.values[0].__name__, c.values[1]) for c in _string_path_params()}
    with_path = [m for m in _endpoints() if "{" in inspect.getsource(m._get_kwargs)]
    assert len(with_path) >= 25
    for module in with_path:
        for name, p in inspect.signature(module._get_kwargs).parameters.items():
            if p.annotation in (str, "str") and "{" + name + "}" in inspect.getsource(
                module._get_kwargs
            ):
                assert (module.__name__, name) in guarded


def test_unknown_enum_value_is_kept(mode: str) -> None:
    """An enum value the client does not know parses, equals its string, round-trips."""
    recorder = Recorder(200, {**SESSION, "status": "suspended"})
    session = call(mode, get_session, client=recorder.client(), session_id="s1").parsed
    assert isinstance(session, Session)
    assert session.status == "suspended"
    assert session.status.name == "UNKNOWN"
    assert session.status != SessionStatus.IDLE
    assert session.to_dict()["status"] == "suspended"
    assert SessionStatus("idle") is SessionStatus.IDLE


def test_unknown_enum_values_keep_their_own_value() -> None:
    """Different unknown values stay distinct; the same one is the same member."""
    assert BenchRunStatus("paused") == "paused"
    assert BenchRunStatus("paused") is BenchRunStatus("paused")
    assert BenchRunStatus("queued") != BenchRunStatus("paused")
    assert ErrorCode("quota_exceeded").value == "quota_exceeded"
    with pytest.raises(ValueError):
        BenchRunStatus(3)


KNOWN_EVENTS = [
    (UserMessageEvent, {"type": "user.message", "content": [SAMPLES["TextBlock"]]}),
    (UserInterruptEvent, {"type": "user.interrupt"}),
    (AgentMessageEvent, {"type": "agent.message", "content": []}),
    (AgentThinkingEvent, {"type": "agent.thinking"}),
    (
        AgentToolUseEvent,
        {"type": "agent.tool_use", "name": "grep", "input": {"q": "x"}},
    ),
    (
        AgentToolResultEvent,
        {
            "type": "agent.tool_result",
            "tool_use_id": "e9",
            "content": [],
            "is_error": False,
        },
    ),
    (SessionStatusRunningEvent, {"type": "session.status_running"}),
    (
        SessionStatusIdleEvent,
        {"type": "session.status_idle", "stop_reason": "end_turn"},
    ),
    (
        SessionErrorEvent,
        {"type": "session.error", "error": {"type": "tool_error", "message": "no"}},
    ),
]


def _page(*events: dict[str, Any]) -> dict[str, Any]:
    stamped = [
        {"id": f"e{i}", "processed_at": "2026-01-02T03:04:05+00:00", **e}
        for i, e in enumerate(events)
    ]
    return {"data": stamped, "has_more": False, "next_cursor": None}


@pytest.mark.parametrize(
    ("cls", "event"), [pytest.param(c, e, id=e["type"]) for c, e in KNOWN_EVENTS]
)
def test_known_session_event_parses_to_its_own_variant(
    mode: str, cls: type, event: dict[str, Any]
) -> None:
    """Each session event type parses to its own class and round-trips exactly."""
    body = _page(event)
    recorder = Recorder(200, body)
    page = call(mode, list_session_events, client=recorder.client(), session_id="s1")
    assert isinstance(page.parsed, SessionEventPage)
    (parsed,) = page.parsed.data
    assert type(parsed) is cls
    assert parsed.to_dict() == body["data"][0]


def test_unknown_session_event_type_is_kept(mode: str) -> None:
    """An event type the client does not know is kept with its fields, not rejected."""
    new = {"type": "agent.new_thing", "weight": 3, "nested": {"a": [1]}}
    body = _page(KNOWN_EVENTS[0][1], new)
    recorder = Recorder(200, body)
    page = call(mode, list_session_events, client=recorder.client(), session_id="s1")
    assert isinstance(page.parsed, SessionEventPage)
    known, unknown = page.parsed.data
    assert isinstance(known, UserMessageEvent)
    assert isinstance(unknown, UnknownSessionEvent)
    assert unknown.type == "agent.new_thing"
    assert unknown.additional_properties["nested"] == {"a": [1]}
    assert unknown.to_dict() == body["data"][1]


def test_malformed_known_event_lands_in_the_catch_all() -> None:
    """A known type with a missing field is kept as UnknownSessionEvent, not dropped."""
    page = SessionEventPage.from_dict(_page({"type": "agent.tool_use"}))
    (event,) = page.data
    assert isinstance(event, UnknownSessionEvent)
    assert event.type == "agent.tool_use"


def test_unknown_fields_are_kept_and_reemitted(mode: str) -> None:
    """Fields the client does not know are kept in additional_properties and re-sent."""
    body = {**TASK, "priority": "high", "labels": ["a", "b"]}
    recorder = Recorder(200, body)
    task = call(mode, get_task, client=recorder.client(), task_id="t1").parsed
    assert isinstance(task, Task)
    assert task.additional_properties == {"priority": "high", "labels": ["a", "b"]}
    assert task.to_dict() == body


def test_patch_body_stays_sparse(mode: str) -> None:
    """An update sends only the fields set, and an explicit None as JSON null."""
    recorder = Recorder(200, TASK)
    body = UpdateTaskRequest(branch=None)
    call(mode, update_task, client=recorder.client(), task_id="t1", body=body)
    (request,) = recorder.requests
    assert request.content == b'{"branch":null}'
    assert UpdateTaskRequest().to_dict() == {}
    assert UpdateTaskRequest().status is UNSET


UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "2026-01-02t03:04:05z",
            dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            id="tz",
        ),
        pytest.param(
            "2026-01-02T03:04:05Z",
            dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            id="TZ",
        ),
        pytest.param(
            "2026-01-02T03:04:05.123456789+02:00",
            dt.datetime(2026, 1, 2, 1, 4, 5, 123456, tzinfo=UTC),
            id="nanoseconds-offset",
        ),
        pytest.param(
            "2026-01-02t03:04:05-05:30",
            dt.datetime(2026, 1, 2, 8, 34, 5, tzinfo=UTC),
            id="negative-offset",
        ),
    ],
)
def test_rfc3339_timestamps_parse(mode: str, text: str, expected: dt.datetime) -> None:
    """RFC 3339 timestamps parse, lowercase `t`/`z` too, plain and nullable fields."""
    run = {**SAMPLES["BenchRun"], "triggered_at": text, "completed_at": text}
    recorder = Recorder(200, run)
    parsed = call(mode, get_bench_run, client=recorder.client(), run_id=1).parsed
    assert parsed.triggered_at == expected
    assert parsed.completed_at == expected
    assert parsed.triggered_at.utcoffset() is not None


@pytest.mark.parametrize("status", [299, 499, 520, 561])
def test_nonstandard_status_does_not_crash(mode: str, status: int) -> None:
    """A status that HTTPStatus does not know is kept as an int, not a ValueError."""
    recorder = Recorder(status, content=b"<html>proxy</html>")
    response = call(mode, get_session, client=recorder.client(), session_id="s1")
    assert response.status_code == status
    assert response.parsed is None
    assert response.content == b"<html>proxy</html>"


@pytest.mark.parametrize("status", [499, 520])
def test_nonstandard_status_raises_unexpected_status_when_asked(
    mode: str, status: int
) -> None:
    """With raise_on_unexpected_status, an unknown status raises UnexpectedStatus."""
    recorder = Recorder(status, content=b"nope")
    client = recorder.client(raise_on_unexpected_status=True)
    with pytest.raises(errors.UnexpectedStatus) as info:
        call(mode, get_session, client=client, session_id="s1")
    assert info.value.status_code == status


def test_documented_error_parses_the_error_envelope(mode: str) -> None:
    """A documented 429 parses the error body and keeps Retry-After and Request-Id."""
    body = {
        "error": {
            "code": "rate_limited",
            "message": "slow down",
            "details": None,
            "request_id": "req_1",
        }
    }
    headers = {"Retry-After": "3", "Request-Id": "req_1"}
    recorder = Recorder(429, body, headers=headers)
    response = call(mode, list_bench_run_results, client=recorder.client(), run_id=7)
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.error.code == ErrorCode.RATE_LIMITED
    assert response.parsed.error.details is None
    assert response.headers["Retry-After"] == "3"
    assert response.headers["Request-Id"] == "req_1"


def test_bearer_token_is_sent(mode: str) -> None:
    """The API key travels as `Authorization: Bearer <key>`."""
    recorder = Recorder(200, SESSION)
    call(mode, get_session, client=recorder.client(), session_id="s1")
    assert recorder.requests[0].headers["Authorization"] == "Bearer ar_test_key"


def test_documented_status_with_an_html_body_raises_in_the_generated_parser(
    mode: str,
) -> None:
    """A proxy's HTML 503 breaks the generated JSON parse (docs/generator.md,
    "Documented errors are returned"), so the overlay must read status and headers from
    the raw response before parsing."""
    recorder = Recorder(503, content=b"<html>Bad gateway</html>")
    with pytest.raises(json.JSONDecodeError):
        call(mode, get_session, client=recorder.client(), session_id="s1")


def test_buffered_call_to_a_stream_operation_refuses_to_parse(mode: str) -> None:
    """A buffered call to a stream operation raises NotImplementedError, never a
    half-parsed frame: streams belong to the overlay (docs/generator.md, "Streams are
    read as plain text")."""
    frame = b'id: e1\nevent: task.updated\ndata: {"id": "e1"}\n\n'
    recorder = Recorder(
        200, content=frame, headers={"Content-Type": "text/event-stream"}
    )
    with pytest.raises(NotImplementedError, match="stream this operation"):
        call(mode, stream_task_events, client=recorder.client())
