"""A task event type this client does not know is handed over, not dropped.

`TaskEventType` is open (docs/api.md, "Open enums and unions"): the server may add
`task.canceled` tomorrow. `list_events()` returns it as `TaskEventType.UNKNOWN` carrying
its string; the live stream must hand it over the same way, and `event_types` must
select it the same way in both. Frames that are no task event stay ignored. Session
events of a new type likewise arrive as the listing's `UnknownSessionEvent`.
"""

from __future__ import annotations

from typing import Any

import pytest

from agentrail import StreamOptions, TaskEventType
from agentrail._events import unknown_task_event
from agentrail._sse import ServerSentEvent
from tests.integration.test_streams import go
from tests.twin import close, items, resolve

pytestmark = pytest.mark.timeout(60)
NEW = "task.canceled"  # not in this client's TaskEventType


def _frame(event: str, data: str) -> ServerSentEvent:
    return ServerSentEvent(event=event, data=data, id="e1")


def test_a_frame_of_an_unknown_type_with_a_task_payload_is_a_task_event() -> None:
    """Its type is the UNKNOWN pseudo-member carrying the string, as in the listing."""
    data = (
        '{"id": "e1", "type": "task.canceled", "created_at": "2026-01-01T00:00:00Z",'
        ' "sequence": 3, "task_id": "task_1", "data": {"reason": "dup"}}'
    )
    event = unknown_task_event(_frame(NEW, data))
    assert event is not None
    assert event.type == NEW and event.type.name == "UNKNOWN"
    assert (event.id, event.sequence, dict(event.data)) == ("e1", 3, {"reason": "dup"})


@pytest.mark.parametrize(
    "data",
    [
        '{"type":"mock.unknown_event","note":"ignore me"}',  # another kind of frame
        '{"id":"e1","type":"task.other","task_id":"t","sequence":1,"data":{}}',
        "not json",
        "[1, 2]",
    ],
)
def test_a_frame_that_is_no_task_event_stays_unknown(data: str) -> None:
    """No task payload of that very type: None, so the stream skips it as unknown."""
    assert unknown_task_event(_frame(NEW, data)) is None


def test_the_listing_keeps_an_unknown_type_and_filters_on_it(
    mode: str, mock: Any
) -> None:
    """list_events() returns the new type as UNKNOWN; event_types selects it."""
    sent = mock.state.emit_task_events(4, types=["task.updated", NEW])

    async def body(client: Any) -> None:
        every = (await resolve(client.tasks.list_events())).data
        assert [e.id for e in every] == [e["id"] for e in sent]
        assert [e.type for e in every].count(NEW) == 2
        only = (await resolve(client.tasks.list_events(event_types=[NEW]))).data
        assert [e.id for e in only] == [e["id"] for e in sent if e["type"] == NEW]

    go(mode, mock, body)


def test_the_stream_hands_over_an_unknown_type_like_the_listing(
    mode: str, mock: Any
) -> None:
    """The live stream yields the same events as the listing, unknown type included,
    and event_types selects the same ones."""

    # Each read ends on a known type, so without the fix it returns (wrong) at once.
    async def body(client: Any) -> None:
        stream = await resolve(client.stream_events())
        sent = mock.state.emit_task_events(5, types=["task.updated", NEW])
        got = await items(stream, 3)
        await close(stream)
        assert [e.id for e in got] == [e["id"] for e in sent[:3]]
        assert got[1].type == NEW and isinstance(got[1].type, TaskEventType)
        options = StreamOptions(event_types=[NEW, "task.shipped"])
        only = await resolve(client.stream_events(options))
        more = mock.state.emit_task_events(
            3, types=[NEW, "task.updated", "task.shipped"]
        )
        got = await items(only, 2)
        await close(only)
        assert [e.id for e in got] == [more[0]["id"], more[2]["id"]]

    go(mode, mock, body)


def test_a_session_stream_hands_over_an_unknown_type_like_the_listing(
    mode: str, mock: Any
) -> None:
    """A session event of a type this client does not know reaches the live stream as
    the `UnknownSessionEvent` the history listing returns, in the server's order."""

    async def body(client: Any) -> None:
        session = await resolve(client.sessions.create())
        events = client.sessions.events(session.id)
        stream = await resolve(events.stream(history=False))
        new = mock.state.append_session_event(session.id, "agent.handoff", to="b")
        known = mock.state.append_session_event(session.id, "agent.thinking")
        mock.state.append_session_event(session.id, "agent.thinking")  # no hang if lost
        got = await items(stream, 2)
        await close(stream)
        listed = (await resolve(events.list())).data
        assert [e.id for e in got] == [new["id"], known["id"]]
        assert type(got[0]) is type(listed[-3]) and got[0].type == "agent.handoff"
        assert got[0].to_dict() == listed[-3].to_dict()

    go(mode, mock, body)
