"""A sans-I/O decoder for Server-Sent Events, written from WHATWG HTML 9.2
("Server-sent events"; parsing and dispatch in 9.2.4-9.2.6; docs/streaming.md).

`SSEDecoder.feed()` takes the bytes of a response as they arrive and returns the events
they complete; `SSEDecoder.end()` closes the stream. No I/O, no httpx, no `async`: the
stream layer pumps bytes in and decides what a drop means.

It deliberately does not share these behaviours of httpx-sse 0.4.3 (the decoder `make
bench` compares against), each pinned by a test in tests/unit/test_sse.py:
- an empty event for a block with no `data:` field (only `event`, `id` or `retry`), and
  after every heartbeat comment once an id was seen (httpx-sse #35): 9.2.6 dispatches
  nothing when the data buffer is empty;
- lines split at U+2028, U+2029, NEL, VT or FF (`str.splitlines`, httpx-sse #34): only
  CRLF, LF and a lone CR end a line, so JSON holding U+2028 survives;
- work that grows faster than the bytes when a large event arrives in many small reads.

Work is linear in the bytes however they are split. A read is searched with `bytes`
methods for its last blank line; the bytes after it (the open block) are kept in
pieces and joined once the block closes; the blocks a read closes are decoded at once
and matched by one regular expression (the usual `id`/`event`/`data` shapes in one
step, anything else line by line). Long blocks (over 4 KiB: large single-line events)
are found LF by LF in the bytes and only their values are decoded, each once; a lone
`data:` line that arrived in pieces is joined and decoded as soon as the read that
ends it shows the blank line after it, without going through the block, and so are the
long lone lines after it in that read. An open block that grows past 1 MiB of complete
lines is interpreted line by line at once, so comments never pile up. Events are named
tuples, built without a Python frame.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from agentrail._errors import EventDecodeError, EventTooLargeError
from agentrail._json import loads

__all__ = ["SSEDecoder", "ServerSentEvent"]

_BOM = b"\xef\xbb\xbf"
_COMPACT_AT = 1 << 20  # bytes of complete lines an open block keeps uninterpreted
_LONG = 1 << 12  # a block this long is walked with str.find, faster than the regex

# One block of complete lines ending in its blank line (9.2.6), as one of:
# 1. the usual shapes: up to three id/event/retry lines, data lines (later ones
#    `data: ` exactly), maybe an id line (groups 1-9);
# 2. comments only, or a lone blank line: nothing to do (no groups);
# 3. anything else (other orders, unknown fields, odd forms): group 10, line by line.
# Every block matches one branch, so `findall` never skips text; possessive
# quantifiers keep a failed branch from backtracking; one-letter tags ("i" of id, "d"
# of data) mark fields present and are cached strings, not new ones.
_FIELDS = r"(?:(i)d: ?([^\n\0]*+)\n|event: ?([^\n]*+)\n|retry: ?([0-9]++)\n){0,3}"
_BLOCK = re.compile(
    _FIELDS + r"(d)ata: ?([^\n]*+)\n"
    r"(?:\n|((?:data: [^\n]*+\n)*+)(?:(i)d: ?([^\n\0]*+)\n)?\n)"  # blank line first
    r"|(?::[^\n]*+\n)*+\n"
    r"|((?:[^\n]++\n)++\n)"
)
# The same shapes up to the first data value, in bytes, for long blocks (then find).
_HEAD = re.compile((_FIELDS + "data: ?").encode())
_BLANK_LINES = re.compile(rb"\n\n+")  # a line end, then blank lines


class ServerSentEvent(NamedTuple):
    """One dispatched event: its type, its data and the last event id in force.

    A named tuple: immutable, compared and hashed by value, and built by the decoder
    with one C call (`tuple.__new__`) rather than an `__init__` in Python, about a
    third of decoding a small event (bench/decoder.py).
    """

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
            return loads(self.data)  # json.loads's value, faster (_json)
        except (ValueError, RecursionError) as exc:
            # Name the event, never echo the data: it may be large or sensitive.
            raise EventDecodeError(
                f"the data of event {self.event!r} (id {self.id!r}) is not valid JSON",
                last_event_id=self.id,
            ) from exc


# `tuple.__new__(ServerSentEvent, fields)`: the event without a Python frame.
_new: Callable[[type[ServerSentEvent], tuple[str, str, str, int | None]], Any]
_new = tuple.__new__


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
      `None` for no cap. Nothing is truncated; memory stays in proportion to the cap,
      whatever the stream sends: about the cap plus one read for long lines, up to
      about four times the cap for many short lines (kept as Python strings). After
      the error the decoder holds nothing; abandon the stream.
    """

    def __init__(self, *, max_event_bytes: int | None = 16 * 1024 * 1024) -> None:
        self._cap = (1 << 62) if max_event_bytes is None else max_event_bytes
        # Stream start: the bytes that may still be a BOM split across reads.
        self._at_start = True
        self._head = b""
        # The previous read ended with CR: one LF at the start of this one is skipped.
        self._skip_lf = False
        # The bytes since the last blank line, in pieces; `_lines_end` is where their
        # complete lines end (the unterminated line follows).
        self._pending: list[bytes] = []
        self._pending_len = 0
        self._lines_end = 0
        # Fields already interpreted from the open block (after compaction or in an
        # odd block): `_opened` once a field line was seen, `_size` their bytes.
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
        """The last valid reconnection time (ms), from a closed block or at `end()`."""
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
            if self._error is not None:  # held back by _overflow()
                error, self._error = self._error, None
                raise error
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
        if 13 in data:  # CR; an int is a plain memchr, `b"\r" in` costs 3 times as much
            # 9.2.5: lines end at CRLF, LF or a lone CR, and nowhere else. A CR that
            # ends this read ends its line now, and the LF that may follow is skipped.
            self._skip_lf = data[-1] == 13
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        # The end of the last blank line in this read (9.2.6: where events dispatch).
        last = data.rfind(b"\n")
        if last < 0:
            # Inside a line: keep the piece (the common case of a long event).
            self._pending.append(data)
            self._pending_len += len(data)
            if self._size + self._pending_len > self._cap:
                return self._within_cap([])
            return []
        pending = self._pending
        if pending and not self._lines_end and not self._opened:
            # The open block is one unterminated line (a long event arriving in
            # reads): when this read ends it with a blank line and it is a data line,
            # dispatch it here (9.2.6), its value decoded once.
            cut = data.find(b"\n")
            first = pending[0]
            if (
                cut < last
                and data[cut + 1] == 10
                and len(first) > 5
                and first.startswith(b"data:")
                and self._size + self._pending_len + cut < self._cap  # as _oversized
            ):
                pending[0] = first[6:] if first[5] == 32 else first[5:]
                pending.append(data[:cut])
                text = b"".join(pending).decode("utf-8", "replace")
                fields = ("message", text, self._last_event_id, None)
                events = [_new(ServerSentEvent, fields)]
                self._size = 0
                pos = cut + 2
                if pos <= last:  # more lines end in this read
                    pos = self._lone_lines(data, pos, last, events)
                if last < pos:  # the rest opens the next block, no line ends
                    rest = data[pos:]
                    self._pending = [rest] if rest else []
                    self._pending_len = len(rest)
                    return self._within_cap(events) if len(rest) > self._cap else events
                self._pending = []
                self._pending_len = 0
                return self._lines(data[pos:], last - pos, events)
        return self._lines(data, last, [])

    def _lone_lines(
        self, data: bytes, pos: int, last: int, events: list[ServerSentEvent]
    ) -> int:
        """Dispatch the long lone `data:` lines that follow one another in `data` from
        `pos`, where a block starts (9.2.6, as `_long_block` does for one; large reads
        of OpenAI-style chunks); return where the rest starts. A line of another form,
        a short one (the regex is faster), one whose blank line is not in `data` or
        one over the cap stops it: the general path takes the rest."""
        last_id, cap = self._last_event_id, self._cap
        while data.startswith(b"data:", pos):
            end = data.find(b"\n", pos)
            if not _LONG < end - pos < cap or end == last or data[end + 1] != 10:
                break
            value = pos + 6 if data[pos + 5] == 32 else pos + 5  # one space dropped
            text = data[value:end].decode("utf-8", "replace")
            events.append(_new(ServerSentEvent, ("message", text, last_id, None)))
            pos = end + 2
        return pos

    def _lines(
        self, data: bytes, last: int, events: list[ServerSentEvent]
    ) -> list[ServerSentEvent]:
        """Take a read whose line ends are LF only, the last at `last`; return
        `events` and those it completes."""
        end = data.rfind(b"\n\n", 0, last + 1) + 2
        if end < 2:
            # An LF first is a blank line if the last byte kept ended a line (or
            # nothing is kept: the stream starts, or a blank line just passed).
            kept = self._pending
            end = 1 if data[0] == 10 and (not kept or kept[-1][-1] == 10) else 0
        if not end:
            return self._keep(data, last, events)
        prior, lf_kept = self._pending_len, self._lines_end > 0
        if self._pending:
            self._pending.append(data[:end])
            closed = b"".join(self._pending)
        else:
            closed = data[:end]
        self._pending = []
        self._pending_len = self._lines_end = 0
        if self._size + len(closed) > self._cap:
            # Only a read this large can close an event over the cap: find it.
            cut = self._oversized(closed)
            if cut >= 0:
                if cut:
                    self._dispatch(closed[:cut], prior, lf_kept, events)
                return self._overflow(events)
        self._dispatch(closed, prior, lf_kept, events)
        if end == len(data):
            return events
        return self._keep(data[end:], last - end, events)

    def _keep(
        self, data: bytes, last: int, events: list[ServerSentEvent]
    ) -> list[ServerSentEvent]:
        """Add bytes with no blank line (last LF at `last`) to the open block."""
        if last >= 0:
            self._lines_end = self._pending_len + last + 1
        self._pending.append(data)
        self._pending_len += len(data)
        if self._lines_end > _COMPACT_AT:
            self._compact()
        return self._within_cap(events)

    def _within_cap(self, events: list[ServerSentEvent]) -> list[ServerSentEvent]:
        """Return `events` if the open block fits the cap once its comments are gone."""
        if self._size + self._pending_len > self._cap:
            self._compact()
            if self._size + self._pending_len > self._cap:
                return self._overflow(events)
        return events

    def _compact(self) -> None:
        """Interpret the complete lines of the open block now; keep the last line."""
        if not self._lines_end:
            return
        pending = b"".join(self._pending)
        lines = pending[: self._lines_end]
        rest = pending[self._lines_end :]
        self._pending = [rest] if rest else []
        self._pending_len = len(rest)
        self._lines_end = 0
        # Comments are dropped, so only field lines count against the cap.
        self._size += sum(len(x) + 1 for x in lines.split(b"\n")[:-1] if x[:1] != b":")
        self._interpret(lines.decode("utf-8", "replace"), [])

    def _dispatch(
        self, closed: bytes, prior: int, lf_kept: bool, events: list[ServerSentEvent]
    ) -> None:
        """Interpret blocks that end with a blank line; `prior` bytes were pending
        (with an LF among them if `lf_kept`)."""
        start = 0
        if self._opened or prior:
            # The first block began in an earlier read (no blank line was pending, so
            # search from where this read starts): find its blank line, LF by LF
            # (memchr is fast), without going over the pending bytes again.
            start = first_lf = closed.find(b"\n", prior)
            while start and closed[start - 1] != 10:
                start = closed.find(b"\n", start + 1)
            start += 1
            if self._opened:  # lines of it were interpreted already
                first = closed if start == len(closed) else closed[:start]
                self._interpret(first.decode("utf-8", "replace"), events)
            elif start > _LONG:
                one_line = not lf_kept and start == first_lf + 2
                self._long_block(closed, 0, start, one_line, events)
            else:
                start = 0  # a short block: the regular expression takes it
        self._size = 0
        if start == len(closed):
            return
        rest = closed[start:] if start else closed
        size = len(rest)
        # Long blocks first (large single-line events): found LF by LF (memchr; a
        # two-byte search for the blank line is 60 times slower per byte), their values
        # decoded alone. The first short block hands the rest to the regex.
        pos = 0
        while size - pos > _LONG:
            if rest[pos] == 10:  # a blank line where a block would start
                pos += 1
                continue
            end = first_end = rest.find(b"\n", pos) + 1
            for _ in range(3):  # an id, event or retry line before a long one
                if end - pos > _LONG or rest[end] == 10:
                    break
                end = rest.find(b"\n", end) + 1
            if end - pos <= _LONG:
                break
            while rest[end] != 10:  # to the blank line
                end = rest.find(b"\n", end) + 1
            self._long_block(rest, pos, end + 1, end == first_end, events)
            pos = end + 1
        if pos < size:
            text = (rest[pos:] if pos else rest).decode("utf-8", "replace")
            self._blocks(text, events)

    def _long_block(
        self,
        buf: bytes,
        start: int,
        end: int,
        one_line: bool,
        events: list[ServerSentEvent],
    ) -> None:
        """Interpret the long block `buf[start:end]` (it ends with its blank line; it
        is one line and the blank one if `one_line`).

        The usual shape (a few id/event/retry lines, one data line) is matched in the
        bytes and only the values are decoded: a long value is decoded once and never
        copied or scanned as text. Cutting at ASCII bytes (`:`, space, LF) gives the
        same text as decoding the whole block, replacement characters included: no
        UTF-8 sequence holds an ASCII byte.
        """
        if one_line and buf.startswith(b"data:", start):
            # 9.2.6 for a lone data line (OpenAI-style chunks): no search at all.
            value = start + 5
            if buf[value] == 32:  # one leading space is dropped
                value += 1
            data = buf[value : end - 2].decode("utf-8", "replace")
            event = ("message", data, self._last_event_id, None)
            events.append(_new(ServerSentEvent, event))
            return
        head = _HEAD.match(buf, start, end)
        if head is not None:
            value = head.end()
            line_end = buf.find(b"\n", value, end)
            if line_end == end - 2:  # one data line (9.2.6 as in _blocks)
                id_, id_value, type_, retry = head.groups()
                if id_:
                    self._last_event_id = self._id_buffer = id_value.decode(
                        "utf-8", "replace"
                    )
                block_retry = int(retry) if retry else None
                if block_retry is not None:
                    self._retry = block_retry
                kind = type_.decode("utf-8", "replace") if type_ else "message"
                data = buf[value:line_end].decode("utf-8", "replace")
                fields = (kind, data, self._last_event_id, block_retry)
                events.append(_new(ServerSentEvent, fields))
                return
        self._interpret(buf[start:end].decode("utf-8", "replace"), events)

    def _blocks(self, text: str, events: list[ServerSentEvent]) -> None:
        """Interpret whole blocks (`text` ends with a blank line) with `_BLOCK`."""
        last_id = self._last_event_id
        append, new, event = events.append, _new, ServerSentEvent
        for fields in _BLOCK.findall(text):
            id_, id_value, type_, retry, data, value, more, id2, id2_val, other = fields
            if data:
                # 9.2.6: the last id line wins, is committed at dispatch and sticks;
                # an empty `event` means "message"; data lines are joined with LF.
                if id_:
                    last_id = id_value
                if more or retry or id2:  # the rarer forms
                    if id2:
                        last_id = id2_val
                    if more:  # values hold no LF, so "\ndata: " only starts a line
                        value += ("\n" + more[:-1]).replace("\ndata: ", "\n")
                    block_retry = int(retry) if retry else None
                    if block_retry is not None:
                        self._retry = block_retry
                    append(
                        new(event, (type_ or "message", value, last_id, block_retry))
                    )
                else:
                    append(new(event, (type_ or "message", value, last_id, None)))
            elif other:
                self._last_event_id = self._id_buffer = last_id
                self._interpret(other, events)
                last_id = self._last_event_id
        self._last_event_id = self._id_buffer = last_id

    def _interpret(self, text: str, events: list[ServerSentEvent]) -> None:
        """Apply the field rules of 9.2.6 to whole lines, dispatching at blank ones."""
        data, type_, id_buffer = self._data, self._type, self._id_buffer
        block_retry, opened = self._block_retry, self._opened
        for line in text.split("\n")[:-1]:  # `text` ends with LF
            if not line:
                # 9.2.6 dispatch: commit the id buffer (sticky); dispatch nothing
                # unless a data field was seen (no phantom events).
                self._last_event_id = id_buffer
                if data:
                    value = "\n".join(data)
                    type_ = type_ or "message"
                    fields = (type_, value, id_buffer, block_retry)
                    events.append(_new(ServerSentEvent, fields))
                    data = []
                type_, block_retry, opened = "", None, False
                continue
            # 9.2.6: the name ends at the first colon and the value loses one leading
            # space; no colon means an empty value. A comment has an empty name.
            name, _, value = line.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if name == "data":
                data.append(value)
            elif name == "event":
                type_ = value
            elif name == "id":
                # 9.2.6: an id containing U+0000 is ignored; an empty one resets.
                if "\0" not in value:
                    id_buffer = value
            elif name == "retry":
                # 9.2.6: ASCII digits only (int() would take "+5", " 10", "1_000").
                if value.isascii() and value.isdigit():
                    block_retry = self._retry = int(value)
            else:
                continue  # a comment or an unknown field: ignored
            opened = True
        self._data, self._type, self._id_buffer = data, type_, id_buffer
        self._block_retry, self._opened = block_retry, opened

    def _oversized(self, closed: bytes) -> int:
        """The offset where the first block over the cap starts, or -1."""
        size, start = self._size, 0
        if closed[0] == 10:  # blank lines first: they close the open block
            if size > self._cap:
                return 0
            size, start = 0, len(closed) - len(closed.lstrip(b"\n"))
        for blank in _BLANK_LINES.finditer(closed, start):
            if size + blank.start() + 1 - start > self._cap:
                return start
            size, start = 0, blank.end()
        return -1

    def end(self) -> list[ServerSentEvent]:
        """Close the stream: an unterminated block is discarded, its id not committed.

        Returns the events the end completes (none: the list mirrors `feed()`). The
        decoder may then take the bytes of a new connection; `last_event_id` and
        `retry` carry over, as an EventSource keeps them across reconnections.
        """
        if self._error is not None:  # held back by _overflow()
            error, self._error = self._error, None
            raise error
        self._compact()  # 9.2.6: the block's complete lines still set `retry`
        start = self._pending[0] if self._pending else self._head
        # A comment cut short loses nothing; a field line does.
        self._ended_mid_event = self._opened or start[:1] not in (b"", b":")
        self._reset()
        self._at_start = True
        self._head = b""
        self._skip_lf = False
        return []

    def _reset(self) -> None:
        """Drop the open block."""
        self._pending = []
        self._pending_len = self._lines_end = self._size = 0
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
        error = EventTooLargeError(self._cap, last_event_id=self._last_event_id)
        if not events:
            raise error
        self._error = error
        self._at_start = True  # the branch of feed() that looks at `_error`
        return events
