"""Typed events from frames: the parsers the streams use, without a socket."""

from __future__ import annotations

import datetime
import json
from typing import Any

import attrs
import pytest

from agentrail import (
    EventDecodeError,
    RunResult,
    ServerSentEvent,
    TaskEventType,
    TaskLifecycleEvent,
)
from agentrail._events import TASK_EVENTS
from agentrail._model_events import RUN_EVENTS
from agentrail_api.models.bench_result import BenchResult

TASK_EVENT = {
    "id": "000000000002",
    "type": "task.updated",
    "created_at": "2026-11-21T03:25:26.756468Z",
    "sequence": 2,
    "task_id": "task_000001",
    "data": {"changes": {"status": "running"}, "version": 2},
}


def frame(event: str, payload: Any) -> ServerSentEvent:
    """The frame a stream would decode for `payload`."""
    return ServerSentEvent(event, json.dumps(payload), str(payload.get("id", "")))


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-11-21T03:25:26.756468Z",
        "2026-11-21t03:25:26.756468z",
        "2026-11-21T05:25:26.756468+02:00",
    ],
)
def test_task_event_times_take_every_rfc3339_form(stamp: str) -> None:
    """`created_at` is read as RFC 3339 sec. 5.6 writes it, lowercase `t`/`z` too."""
    event = TASK_EVENTS["task.updated"](
        frame("task.updated", {**TASK_EVENT, "created_at": stamp})
    )
    assert event.created_at == datetime.datetime(
        2026, 11, 21, 3, 25, 26, 756468, tzinfo=datetime.UTC
    )
    assert event.type is TaskEventType.TASK_UPDATED


def test_a_task_event_with_a_bad_time_is_malformed() -> None:
    """A `created_at` that is not a timestamp makes the frame an EventDecodeError."""
    with pytest.raises(EventDecodeError):
        TASK_EVENTS["task.updated"](
            frame("task.updated", {**TASK_EVENT, "created_at": "yesterday"})
        )


RESULT = {
    "id": "000000000007",
    "bench_run_id": 42,
    "case_id": "case_000001",
    "execution_id": "exec_000001",
    "status": "ok",
    "verdict": "pass",
    "headline_score": 0.5,
    "cost_usd": 0.003,
    "duration_ms": 1200,
    "created_at": "2026-11-21T03:25:26.756468Z",
}


@pytest.mark.parametrize(
    "payload",
    [
        RESULT,
        {**RESULT, "headline_score": None, "created_at": "2026-11-21t03:25:26z"},
        {**RESULT, "status": "mystery", "verdict": "maybe", "extra": [1, 2]},
    ],
    ids=["plain", "null score, lowercase time", "unknown values, extra field"],
)
def test_run_results_equal_the_generated_models(payload: dict[str, Any]) -> None:
    """A `result` frame gives what `BenchResult.from_dict` gives for its data."""
    event = RUN_EVENTS["result"](frame("result", payload))
    assert event == RunResult(BenchResult.from_dict(payload))  # extra fields too


def test_run_results_know_every_field_of_the_model() -> None:
    """`_bench_result` builds every field of the generated `BenchResult`."""
    # When the spec adds a field, from_dict reads it and _bench_result must too.
    assert [f.name for f in attrs.fields(BenchResult)] == [
        *RESULT,
        "additional_properties",
    ]


@pytest.mark.parametrize("payload", [TASK_EVENT, {**RESULT, "type": "x"}])
@pytest.mark.parametrize("padding", ["", " ", "\n"])
def test_typed_events_are_ordinary_instances(
    payload: dict[str, Any], padding: str
) -> None:
    """Typed events (slots written directly) equal those built the ordinary way (a
    task event: `from_dict`, as `list_events()` builds it), whitespace around the
    JSON or not; a run event refuses changes like its frozen class."""
    name = "task.updated" if payload is TASK_EVENT else "result"
    sse = frame(name, payload)
    event = (TASK_EVENTS | RUN_EVENTS)[name](sse._replace(data=padding + sse.data))
    if name == "result":
        built: Any = RunResult(BenchResult.from_dict(payload))
    else:
        built = TaskLifecycleEvent.from_dict(payload)
    assert event == built
    assert type(event) is type(built)
    if name == "result":
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            event.type = "x"
