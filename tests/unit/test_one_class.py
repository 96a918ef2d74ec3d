"""One class per API object: a stream hands over what a listing returns, spelled alike.

The generated models name every field as the JSON does (`type`, `input`: no `type_`),
the task stream builds the generated `TaskLifecycleEvent` itself, and every model and
event has `to_dict()` / `to_json()`.
"""

from __future__ import annotations

import json
import keyword
from typing import Any

import attrs
import pytest

import agentrail
from agentrail import (
    RunLagged,
    RunResult,
    RunTerminal,
    ServerSentEvent,
    SessionLogEvent,
    TaskEventType,
)
from agentrail._events import LOG_EVENTS, TASK_EVENTS
from agentrail._model_events import RUN_EVENTS, SESSION_EVENTS
from agentrail_api import models
from agentrail_api.models.bench_run_status import BenchRunStatus
from tests.unit._spec import SPEC
from tests.unit.samples import SAMPLES

SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
MODELS = sorted(n for n, s in SCHEMAS.items() if s.get("properties"))


def frame(event: str, payload: dict[str, Any], id: str = "") -> ServerSentEvent:
    """The frame a stream decodes for `payload`."""
    return ServerSentEvent(event, json.dumps(payload), id or str(payload.get("id")))


@pytest.mark.parametrize("schema", MODELS)
def test_every_model_field_is_spelled_as_in_the_json(schema: str) -> None:
    """A property whose JSON name is an identifier (not a keyword) keeps that name."""
    fields = [f.name for f in attrs.fields(getattr(models, schema)) if f.init]
    expected = [
        name
        for name in SCHEMAS[schema]["properties"]
        if name.isidentifier() and not keyword.iskeyword(name)
    ]
    assert sorted(fields) == sorted(expected)


@pytest.mark.parametrize("schema", sorted(SAMPLES))
def test_every_model_has_to_dict_and_to_json(schema: str) -> None:
    """`to_json()` is `to_dict()` as JSON, and both give back what was parsed."""
    parsed = getattr(models, schema).from_dict(SAMPLES[schema])
    assert parsed.to_dict() == SAMPLES[schema]
    assert json.loads(parsed.to_json()) == SAMPLES[schema]
    assert parsed.to_json(indent=2) == json.dumps(parsed.to_dict(), indent=2)


@pytest.mark.parametrize(
    "extra", [{}, {"note": "added later"}], ids=["known fields", "a new field"]
)
@pytest.mark.parametrize("kind", [t.value for t in TaskEventType])
def test_a_streamed_task_event_is_the_listed_one(
    kind: str, extra: dict[str, Any]
) -> None:
    """The task stream yields the model `list_events()` returns, equal to it."""
    payload = {**SAMPLES["TaskLifecycleEvent"], "type": kind, **extra}
    streamed = TASK_EVENTS[kind](frame(kind, payload))
    listed = models.TaskLifecycleEventPage.from_dict(
        {"data": [payload], "has_more": False, "next_cursor": None}
    ).data[0]
    assert type(streamed) is type(listed) is agentrail.TaskLifecycleEvent
    assert agentrail.TaskLifecycleEvent is models.TaskLifecycleEvent
    assert streamed == listed
    assert streamed.type is TaskEventType(kind)
    assert streamed.to_dict() == payload
    assert streamed.data.to_dict() == payload["data"]


def test_session_events_stream_and_list_as_one_class_each() -> None:
    """Every session event type parses to the same generated class both ways."""
    session_events = [
        n for n in SAMPLES if n.endswith("Event") and n != "TaskLifecycleEvent"
    ]
    assert set(SESSION_EVENTS) <= {SAMPLES[n]["type"] for n in session_events}
    for name in session_events:
        payload = SAMPLES[name]
        if payload["type"] not in SESSION_EVENTS:
            continue
        streamed = SESSION_EVENTS[payload["type"]](frame(payload["type"], payload))
        listed = models.SessionEventPage.from_dict(
            {"data": [payload], "has_more": False, "next_cursor": None}
        ).data[0]
        assert type(streamed) is type(listed) is getattr(models, name)
        assert streamed == listed and streamed.type == payload["type"]
        assert json.loads(streamed.to_json()) == payload


def test_run_events_and_log_lines_have_to_dict_and_to_json() -> None:
    """The stream-only events serialise with their `type`/`event` tag, as JSON too."""
    result = SAMPLES["BenchResult"]
    log = {"timestamp": "t", "stream": "stdout", "message": "hi"}
    got = [
        RUN_EVENTS["result"](frame("result", result)),
        RUN_EVENTS["lagged"](frame("lagged", {"dropped": 3}, "7")),
        RUN_EVENTS["terminal"](frame("terminal", {"status": "completed"}, "8")),
        LOG_EVENTS["log"](frame("log", log, "9")),
    ]
    assert got == [
        RunResult(models.BenchResult.from_dict(result)),
        RunLagged(3),
        RunTerminal(BenchRunStatus.COMPLETED),
        SessionLogEvent("log", json.dumps(log), "9"),
    ]
    assert [e.to_dict() for e in got] == [
        {"type": "result", "result": result},
        {"type": "lagged", "dropped": 3},
        {"type": "terminal", "status": "completed"},
        {"id": "9", "event": "log", "data": json.dumps(log)},
    ]
    assert [json.loads(e.to_json()) for e in got] == [e.to_dict() for e in got]


def test_an_unknown_run_status_serialises_as_sent() -> None:
    """A terminal status this client does not know is kept and written back as is."""
    event = RUN_EVENTS["terminal"](frame("terminal", {"status": "exploded"}, "1"))
    assert event.to_dict() == {"type": "terminal", "status": "exploded"}


def test_a_free_form_object_reads_like_a_dict() -> None:
    """`event.data` (a `JsonObject`) reads like the JSON object it is: get, keys..."""
    payload = {**SAMPLES["TaskLifecycleEvent"], "data": {"status": "done", "n": 2}}
    data = TASK_EVENTS["task.updated"](frame("task.updated", payload)).data
    assert dict(data) == {**data} == data.to_dict() == {"status": "done", "n": 2}
    assert (data.get("status"), data.get("missing"), data.get("x", 0)) == (
        "done",
        None,
        0,
    )
    assert list(data) == list(data.keys()) == ["status", "n"]
    assert list(data.items()) == [("status", "done"), ("n", 2)]
    assert list(data.values()) == ["done", 2] and len(data) == 2
    assert "n" in data and not models.JsonObject()
    assert dict(models.Metadata.from_dict({"team": "qa"})) == {"team": "qa"}
