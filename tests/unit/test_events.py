"""Typed events from frames: the parsers the streams use, without a socket."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from agentrail import EventDecodeError, ServerSentEvent, TaskEventType
from agentrail._events import TASK_EVENTS

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
