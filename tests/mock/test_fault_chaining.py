"""A stream fault's `drop_after` param: the fault, then the drop, on one request.

A request takes at most one fault, so without it a soak's duplicate-on-resume or
one-byte-chunk connection would never end and the next planned fault never fire.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.mock._helpers import frames

pytestmark = pytest.mark.timeout(20)
STREAM = "/v1/task-events/stream"


def body_until_drop(http: httpx.Client, **kwargs: Any) -> list[dict[str, str]]:
    """The frames of a stream response that must end in a dropped connection."""
    seen = b""
    with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
        with http.stream("GET", STREAM, **kwargs) as response:
            for chunk in response.iter_bytes():
                seen += chunk
    return frames(seen.decode())


def test_duplicate_on_resume_then_drop(mock: Any, http: httpx.Client) -> None:
    """duplicate_on_resume n with drop_after m: n repeats, then m events in all."""
    events = mock.state.emit_task_events(10)
    mock.faults.add("duplicate_on_resume", n=2, drop_after=5)
    got = body_until_drop(http, headers={"Last-Event-ID": events[3]["id"]})
    assert [f["id"] for f in got] == [e["id"] for e in events[2:7]]


@pytest.mark.parametrize(
    ("kind", "params"),
    [("slow_drip", {}), ("unknown_event", {"at": 1}), ("bom", {})],
)
def test_any_stream_fault_can_end_in_a_drop(
    mock: Any, http: httpx.Client, kind: str, params: dict[str, Any]
) -> None:
    """The drop counts event frames only, whatever the fault adds or changes."""
    events = mock.state.emit_task_events(6)
    mock.faults.add(kind, operation="stream_task_events", drop_after=3, **params)
    got = body_until_drop(http, params={"cursor": events[0]["id"]})
    assert [f["id"] for f in got if "id" in f] == [e["id"] for e in events[1:4]]
    assert len(mock.faults) == 0
