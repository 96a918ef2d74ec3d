"""What a stream remembers and the commands its flow gives: no I/O.

A stream is a *flow* (`_flows.py`): a generator that yields commands (`Connect`, `Read`,
`Fetch`, `Sleep`, `Opened`, `Emit`) and receives their results. `StreamState` is what
it keeps between connections: the resume point (also the high-water mark that drops
repeats), the server's `retry:`, and the count of failures in a row with the policy
that decides when to give up (docs/streaming.md, "Open fails fast; resume persists").
The drivers that carry the commands out are in `_stream.py`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import attrs
import httpx

from ._base import Call
from ._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    ReconnectsExhaustedError,
)
from ._retry import Backoff, should_retry_status


@attrs.frozen
class Connect:
    """Open the stream request; the reply is True if events follow (False on 204)."""

    request: dict[str, Any]


@attrs.frozen
class Read:
    """Read the next chunk of the open response; the reply is bytes, or None at EOF."""


@attrs.frozen
class Fetch:
    """Make a REST call (history, missed results); the reply is its result."""

    call: Call[Any]
    timeout: httpx.Timeout
    """The stream's timeouts: a stalled listing is a stalled stream."""


@attrs.frozen
class Sleep:
    """Wait before connecting again (interrupted by `close()`)."""

    seconds: float


@attrs.frozen
class Opened:
    """The stream is open: `await stream` and `stream_events()` return here."""

    position: str
    """Where a caller who has taken no event yet resumes from."""


@attrs.frozen
class Emit:
    """Hand `(event id, item)` pairs to the caller, in order."""

    items: list[tuple[str, Any]]


READ = Read()
_BACKOFF = Backoff()
Flow = Generator[Connect | Read | Fetch | Sleep | Opened | Emit, Any, None]


class Dropped(APIConnectionError):
    """The server ended the response without a terminal event (maybe mid-event)."""


class StreamState:
    """What a stream remembers between connections; no I/O.

    - `last_event_id`: the id of the last event handed over (or the stream's priming
      position), sent as `Last-Event-ID`. Ids increase within a stream, so it is also
      the high-water mark that drops repeats: memory stays constant.
    - `opened`: False until the stream first opens. Until then a failure is retried
      like a REST call (`open_retries`, then the error itself); after it, drops are
      resumed up to `max_reconnects` in a row.
    - `retry_ms`: the server's `retry:`; the first wait before a reconnect.
    - `attempts`: failures in a row; reset by a connection that delivered events.
    """

    def __init__(
        self,
        *,
        name: str = "",
        last_event_id: str = "",
        backoff: Backoff = _BACKOFF,
        max_reconnects: int = 10,
        open_retries: int = 2,
        open_backoff: Backoff = _BACKOFF,
    ) -> None:
        self.name = name
        self.last_event_id = last_event_id
        self.retry_ms: int | None = None
        self.opened = False
        self.attempts = 0
        self.reconnects = 0
        self.duplicates = 0
        self.malformed = 0
        self.unknown = 0
        self._backoff = backoff
        self._max_reconnects = max_reconnects
        self._open_retries = open_retries
        self._open_backoff = open_backoff

    @property
    def attempt_limit(self) -> int:
        """How many failures in a row are retried in the current phase."""
        return self._max_reconnects if self.opened else self._open_retries

    def accept(self, event_id: str) -> bool:
        """Record `event_id`; False if it is not after the last one (a repeat).

        The ids of one stream increase shorter first, then character by character
        (openapi.yaml `EventId`), which orders zero-padded and plain decimal ids alike;
        compared inline, not through a key function: this runs for every event.
        """
        last = self.last_event_id
        size, last_size = len(event_id), len(last)
        if (event_id > last if size == last_size else size > last_size) or not last:
            self.last_event_id = event_id
            self.attempts = 0
            return True
        self.duplicates += 1
        return False

    def rewind(self, last_event_id: str) -> None:
        """Resume from `last_event_id`: the next connect gets the server to replay
        what came after it, and those ids are accepted again."""
        self.last_event_id = last_event_id

    def open(self) -> None:
        """The stream has opened: failures from now on are resumed."""
        self.opened = True
        self.attempts = 0

    def request_headers(self) -> dict[str, str]:
        """Headers of the next connect (WHATWG 9.2.3: Last-Event-ID if not empty)."""
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        return headers

    def on_disconnect(self, error: APIError) -> float:
        """Seconds to wait before connecting again after `error`; raises if final."""
        if isinstance(error, APIStatusError) and not should_retry_status(
            error.status_code
        ):
            raise error  # 4xx: connecting again would get the same answer
        self.attempts += 1
        retry_after = error.retry_after if isinstance(error, APIStatusError) else None
        if not self.opened:
            # Never opened: fail like a REST call, within seconds (docs/streaming.md).
            if self.attempts > self._open_retries:
                raise error
            delay = self._open_backoff.delay(self.attempts, retry_after=retry_after)
        else:
            if self.attempts > self._max_reconnects:
                raise ReconnectsExhaustedError(
                    f"gave up after {self.attempts - 1} reconnects in a row: {error}",
                    last_event_id=self.last_event_id,
                ) from error
            self.reconnects += 1
            initial = None if self.retry_ms is None else self.retry_ms / 1000
            delay = self._backoff.delay(
                self.attempts, retry_after=retry_after, initial=initial
            )
        if delay is None:
            raise error  # a Retry-After longer than the backoff's limit
        return delay
