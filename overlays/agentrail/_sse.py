# Note: field rules adapted from https://github.com/florimondmanca/httpx-sse/blob/master/src/httpx_sse/_decoders.py  # noqa: E501
"""A sans-I/O decoder for Server-Sent Events (WHATWG HTML, 9.2.4-9.2.6).

`SSEDecoder.feed()` takes the bytes of a response as they arrive and returns the events
they complete; `SSEDecoder.end()` closes the stream. No I/O, no httpx, no `async`: the
stream layer pumps bytes in and decides what a drop means.

Work is linear in the bytes however they are split: line ends are found with `bytes`
methods over a whole read, an unterminated line is kept in pieces and joined once, and
the blocks a read completes are decoded at once and matched by one regular expression
(the usual `id`/`event`/`data` shapes in one step, anything else line by line).
"""

from __future__ import annotations

import json
import re
from typing import Any

import attrs

from agentrail._errors import EventDecodeError, EventTooLargeError

__all__ = ["SSEDecoder", "ServerSentEvent"]

_BOM = b"\xef\xbb\xbf"

# One block of complete lines ending in its blank line (9.2.6), as one of:
# 1. the usual shape: [id] [event] data+ (groups 1-6);
# 2. comments only, or a lone blank line: nothing to do (no groups);
# 3. anything else (retry, other orders, unknown fields...): group 7, read line by line.
# Every block matches one branch, so `findall` never skips text.
_BLOCK = re.compile(
    r"(?:(id): ?([^\n\0]*)\n)?(?:event: ?([^\n]*)\n)?"
    r"(data): ?([^\n]*)\n((?:data: ?[^\n]*\n)*)\n"
    r"|(?::[^\n]*\n)*\n"
    r"|((?:[^\n]+\n)+)\n"
)
_DATA_PREFIX = re.compile(r"^data: ?", re.MULTILINE)


@attrs.frozen
class ServerSentEvent:
    """One dispatched event: its type, its data and the last event id in force."""

    event: str = "message"
    """The event type; a missing or empty `event:` field means `message`."""
    data: str = ""
    """The `data:` lines joined with LF."""
    id: str = ""
    """The last event id when the event was dispatched (sticky until the next `id`)."""
    retry: int | None = None
    """The reconnection time (ms) from a valid `retry:` in this event's block."""

    def json(self) -> Any:
        """Parse `data` as JSON; raise `EventDecodeError` if it is not JSON."""
        try:
            return json.loads(self.data)
        except (ValueError, RecursionError) as exc:
            # Name the event, never echo the data: it may be large or sensitive.
            raise EventDecodeError(
                f"the data of event {self.event!r} (id {self.id!r}) is not valid JSON",
                last_event_id=self.id,
            ) from exc


class SSEDecoder:
    """Turn the bytes of an event stream into `ServerSentEvent`s.

    ```python
    decoder = SSEDecoder()
    for chunk in response.iter_bytes():
        for event in decoder.feed(chunk):
            handle(event)
    decoder.end()
    ```

    **Parameters**

    * **max_event_bytes** - the most bytes one pending event may hold (its lines since
      the last blank line, or one unterminated line) before `EventTooLargeError`;
      `None` for no cap. Nothing is truncated; memory stays within the cap plus one
      read. After the error the decoder holds nothing; abandon the stream.
    """

    def __init__(self, *, max_event_bytes: int | None = 16 * 1024 * 1024) -> None:
        self._limit = -1 if max_event_bytes is None else max_event_bytes
        # Stream start: the bytes that may still be a BOM split across reads.
        self._at_start = True
        self._head = b""
        # The previous read ended with CR: one LF at the start of this one is skipped.
        self._skip_lf = False
        # The unterminated line, in pieces joined once its LF arrives.
        self._partial: list[bytes] = []
        self._partial_len = 0
        # The open block (fields since the last blank line); `_opened` once it holds a
        # field line, and `_size` its bytes from earlier reads (with line ends).
        self._opened = False
        self._size = 0
        self._data: list[str] = []
        self._type = ""
        self._id_buffer = ""
        self._block_retry: int | None = None
        # What outlives a block.
        self._last_event_id = ""
        self._retry: int | None = None
        self._ended_mid_event = False
        self._error: EventTooLargeError | None = None

    @property
    def last_event_id(self) -> str:
        """The id committed at the last blank line: what to send as `Last-Event-ID`."""
        return self._last_event_id

    @property
    def retry(self) -> int | None:
        """The last valid reconnection time (ms) the server sent, if any."""
        return self._retry

    @property
    def ended_mid_event(self) -> bool:
        """After `end()`: whether the stream stopped inside an event (it was lost)."""
        return self._ended_mid_event

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """Decode one read; return the events it completes (any split, same events)."""
        if not data:
            return []
        if self._at_start:
            if self._error is not None:
                self._raise_held_error()
            # 9.2.5 (UTF-8 decode): strip one leading BOM, even split across reads.
            data = self._head + data
            if len(data) < 3 and _BOM.startswith(data):
                self._head = data
                return []
            self._at_start = False
            self._head = b""
            if data.startswith(_BOM):
                data = data[3:]
                if not data:
                    return []
        if self._skip_lf:
            # 9.2.5: CRLF is one line end even when a read ends between CR and LF.
            self._skip_lf = False
            if data[0] == 10:
                data = data[1:]
                if not data:
                    return []
        if b"\r" in data:
            # 9.2.5: lines end at CRLF, LF or a lone CR, and nowhere else. A CR that
            # ends this read ends its line now, and the LF that may follow is skipped.
            self._skip_lf = data[-1] == 13
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        last = data.rfind(b"\n")
        if last < 0:
            size = self._partial_len + len(data)
            if 0 <= self._limit < self._size + size:
                return self._overflow([])
            self._partial.append(data)
            self._partial_len = size
            return []
        if self._partial:
            self._partial.append(data[: last + 1])
            complete = b"".join(self._partial)
            self._partial = []
        else:
            complete = data[: last + 1]
        tail = data[last + 1 :]
        self._partial_len = len(tail)
        if tail:
            self._partial.append(tail)
        return self._complete(complete)

    def _complete(self, complete: bytes) -> list[ServerSentEvent]:
        """Interpret whole lines (`complete` ends with LF); return the events."""
        events: list[ServerSentEvent] = []
        if 0 <= self._limit < self._size + len(complete):
            # Only a read this large can hold an event over the cap: find it.
            cut = self._oversized(complete)
            if cut >= 0:
                if cut:
                    self._interpret_lines(complete[:cut], events)
                return self._overflow(events)
        self._interpret_lines(complete, events)
        if 0 <= self._limit < self._size + self._partial_len:
            return self._overflow(events)
        return events

    def _interpret_lines(self, complete: bytes, events: list[ServerSentEvent]) -> None:
        """Interpret whole lines into `events`; the usual blocks in one step each."""
        # The blocks this read closes end at its last blank line.
        end = complete.rfind(b"\n\n") + 2
        if end < 2:
            end = 1 if complete[0] == 10 else 0
        if end:
            text = complete[:end].decode("utf-8", "replace")
            start = 0
            if self._opened:
                # Finish the block an earlier read opened, up to its blank line.
                start = 1 if text[0] == "\n" else text.find("\n\n") + 2
                self._interpret(text[:start].split("\n")[:-1], events)
            last_id = self._last_event_id
            for id_, id_value, type_, data, value, more, other in _BLOCK.findall(
                text, start
            ):
                if data:
                    # 9.2.6: the id is committed at dispatch and sticky; an empty
                    # `event` means "message"; data lines are joined with LF.
                    if id_:
                        last_id = id_value
                    if more:
                        value += "\n" + _DATA_PREFIX.sub("", more)[:-1]
                    events.append(ServerSentEvent(type_ or "message", value, last_id))
                elif other:
                    self._last_event_id = self._id_buffer = last_id
                    self._interpret(other.split("\n"), events)
                    last_id = self._last_event_id
            self._last_event_id = self._id_buffer = last_id
            self._size = 0
        if end < len(complete):
            lines = complete[end:].decode("utf-8", "replace").split("\n")[:-1]
            self._interpret(lines, events)
            # Comments outside an event are never buffered, so they never count.
            self._size = self._size + len(complete) - end if self._opened else 0

    def _interpret(self, lines: list[str], events: list[ServerSentEvent]) -> None:
        """Apply the field rules of 9.2.6 to whole lines, dispatching at blank ones."""
        for line in lines:
            if not line:
                # 9.2.6 dispatch: commit the id buffer (sticky); dispatch nothing
                # unless a data field was seen (no phantom events).
                self._last_event_id = self._id_buffer
                if self._data:
                    events.append(
                        ServerSentEvent(
                            self._type or "message",
                            "\n".join(self._data),
                            self._id_buffer,
                            self._block_retry,
                        )
                    )
                    self._data = []
                self._type = ""
                self._block_retry = None
                self._opened = False
                continue
            # 9.2.6: the name ends at the first colon and the value loses one leading
            # space; no colon means an empty value. A comment has an empty name.
            name, _, value = line.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if name == "data":
                self._data.append(value)
            elif name == "event":
                self._type = value
            elif name == "id":
                # 9.2.6: an id containing U+0000 is ignored; an empty one resets.
                if "\0" not in value:
                    self._id_buffer = value
            elif name == "retry":
                # 9.2.6: ASCII digits only (int() would take "+5", " 10", "1_000").
                if value.isascii() and value.isdigit():
                    self._block_retry = self._retry = int(value)
            else:
                continue  # a comment or an unknown field: ignored
            self._opened = True

    def _oversized(self, complete: bytes) -> int:
        """The offset where the first block over the cap starts, or -1."""
        size, start = self._size, 0
        if complete[0] == 10:  # a blank line first closes the open block
            if size > self._limit:
                return 0
            size, start = 0, 1
        while (blank := complete.find(b"\n\n", start)) >= 0:
            if size + blank - start > self._limit:
                return start
            size, start = 0, blank + 2
        return -1

    def end(self) -> list[ServerSentEvent]:
        """Close the stream: an unterminated block is discarded, its id not committed.

        Returns the events the end completes (none: the list mirrors `feed()`). The
        decoder may then take the bytes of a new connection; `last_event_id` and
        `retry` carry over, as an EventSource keeps them across reconnections.
        """
        if self._error is not None:
            self._raise_held_error()
        start = self._partial[0] if self._partial else self._head
        # A comment cut short loses nothing; a field line does.
        self._ended_mid_event = self._opened or start[:1] not in (b"", b":")
        self._reset()
        self._at_start = True
        self._head = b""
        self._skip_lf = False
        return []

    def _reset(self) -> None:
        """Drop the open block and the unterminated line."""
        self._partial = []
        self._partial_len = self._size = 0
        self._opened = False
        self._data = []
        self._type = ""
        self._id_buffer = self._last_event_id
        self._block_retry = None

    def _overflow(self, events: list[ServerSentEvent]) -> list[ServerSentEvent]:
        """Free the pending event and raise: never truncate, never buffer past the cap.

        Events completed earlier in the same read are returned first, and the error is
        raised by the next `feed()` or `end()`.
        """
        self._reset()
        error = EventTooLargeError(self._limit, last_event_id=self._last_event_id)
        if not events:
            raise error
        self._error = error
        self._at_start = True  # so that the next feed() looks at `_error`
        return events

    def _raise_held_error(self) -> None:
        """Raise the error `_overflow()` held back while it returned events."""
        error, self._error = self._error, None
        self._at_start = False
        if error is not None:
            raise error
