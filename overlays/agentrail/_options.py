"""Value types that configure streams: per client (`StreamSettings`) and per call
(`StreamOptions`, the task lifecycle stream's filters)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from ._retry import Backoff


@attrs.frozen
class StreamSettings:
    """How a client's streams reconnect, detect stalls and remember ids."""

    max_reconnects: int = 10
    """Reconnects in a row without an event in between before giving up."""
    stall_factor: float = 3.0
    """No byte for `stall_factor x heartbeat` seconds means a dead stream
    (docs/streaming.md, "Client behaviour")."""
    heartbeat_seconds: int = 15
    """The heartbeat interval asked of the server (1-60)."""
    max_event_bytes: int | None = 16 * 1024 * 1024
    """The largest event accepted; a larger one raises `EventTooLargeError`."""
    backoff: Backoff = Backoff(initial=0.5, cap=8.0)
    """Waits between reconnects; the server's `retry:` replaces `initial`."""


@attrs.frozen
class StreamOptions:
    """Filters and resume point of `client.stream_events(...)`.

    ```python
    StreamOptions(event_types=[TaskEventType.TASK_SHIPPED.value], cursor=last_id)
    ```
    """

    event_types: Sequence[str] | None = None
    """Event type strings to receive; None receives all types."""
    task_id: str | None = None
    """Only the events of this task."""
    cursor: str | None = None
    """Resume after this event id (the server replays what came after it)."""
    heartbeat_seconds: int | None = None
    """Heartbeat interval (1-60 s); defaults to the client's `StreamSettings`."""
