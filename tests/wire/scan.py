"""Where a wire fault cuts: the positions in an HTTP/1.1 response, found in the
server's real bytes as they pass (sans-I/O; the proxy feeds it and acts on its cuts).

A response is parsed as RFC 9112 frames it: status line and header fields up to the
empty line (sec. 2.1), then a body delimited by chunked transfer coding (sec. 7.1),
Content-Length (sec. 6.3) or the end of the connection. The body's text is split into
lines as SSE does (WHATWG HTML 9.2.6: CRLF, LF or a lone CR), so "mid `data:` line"
means a byte inside a real `data:` line, and "inside a UTF-8 character" means between
two bytes of a real multi-byte sequence (RFC 3629 sec. 4).

Bytes are held back only while the unit they belong to (the header block, a
chunk-size line, a body line) is incomplete, so that a cut can still land inside it;
the mock writes whole lines, so holding back costs no latency.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Cut positions, in the order a response meets them.
HEAD_POSITIONS = ("first_byte", "headers", "header_crlf", "after_headers")
BODY_POSITIONS = ("chunk_size", "id", "data", "heartbeat", "utf8", "frame_end")
POSITIONS = HEAD_POSITIONS + BODY_POSITIONS
ACTIONS = ("fin", "rst", "stall", "outage")

LINE_END = re.compile(rb"\r\n|\n|\r")
LEAD = re.compile(rb"[\xc2-\xf4]")  # a multi-byte sequence starts here (RFC 3629)
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class WireFault:
    """One response's fault: cut (or stall) at the `at`-th occurrence of `position`
    (0-based); `frac` in [0, 1) picks the byte inside that unit; `drip` re-chunks the
    response into 1-byte writes up to the cut."""

    position: str
    action: str = "fin"
    at: int = 0
    frac: float = 0.5
    drip: bool = False

    def __post_init__(self) -> None:
        assert self.position in POSITIONS, self.position
        assert self.action in ACTIONS, self.action
        assert self.at >= 0 and 0 <= self.frac < 1

    @property
    def label(self) -> str:
        return f"{self.position}/{self.action}" + ("+drip" if self.drip else "")


@dataclass(frozen=True)
class Cut:
    """Forward `offset` bytes of the response (from its first byte), then act."""

    fault: WireFault
    offset: int


def _inside(frac: float, low: int, high: int) -> int:
    """An offset in [low, high], picked by `frac`."""
    return low + min(high - low, int(frac * (high - low + 1)))


class Lines:
    """The body's text as lines, each with the response offsets of its bytes."""

    def __init__(self, fault: WireFault) -> None:
        self.fault = fault
        self.seen = 0  # occurrences of fault.position so far
        self.pending = bytearray()  # the incomplete line
        self.pending_at: list[tuple[int, int]] = []  # (index in pending, offset)
        self.first = True  # a leading BOM is not part of the first line's field

    @property
    def hold_from(self) -> int | None:
        """The response offset where the incomplete line starts, if any."""
        return self.pending_at[0][1] if self.pending else None

    def _byte(self, index: int) -> int:
        """The response offset of byte `index` of the pending text."""
        base_i, base_off = self.pending_at[0]
        for i, off in self.pending_at:
            if i > index:
                break
            base_i, base_off = i, off
        return base_off + (index - base_i)

    def _after(self, index: int) -> int:
        """The response offset just after byte `index` (a cut there keeps it)."""
        return self._byte(index) + 1

    def feed(self, piece: bytes, offset: int) -> int | None:
        """Add body bytes that start at response `offset`; the cut offset, if the
        fault's position is among the lines they complete."""
        if not piece:
            return None
        self.pending_at.append((len(self.pending), offset))
        self.pending += piece
        start = 0
        for match in LINE_END.finditer(self.pending):
            end = match.end()
            if match.group() == b"\r" and end == len(self.pending):
                break  # a lone CR at the end: an LF may follow in the next piece
            cut = self._line(start, match.start(), end)
            if cut is not None:
                return cut
            start = end
        if start:
            rest = self.pending[start:]
            # Keep the offsets of the remaining pieces (they may span several).
            kept = [(i - start, off) for i, off in self.pending_at if i > start]
            self.pending_at = [(0, self._byte(start)), *kept] if rest else []
            self.pending = bytearray(rest)
        return None

    def finish(self) -> int | None:
        """The body ended: its last line (no line end, as in a JSON body) counts."""
        if not self.pending:
            return None
        cut = self._line(0, len(self.pending), len(self.pending))
        self.pending.clear()
        self.pending_at.clear()
        return cut

    def _line(self, start: int, stop: int, end: int) -> int | None:
        """Check one complete line (pending[start:stop], its ending up to `end`)."""
        line = bytes(self.pending[start:stop])
        skip = 0
        if self.first:
            self.first = False
            if line.startswith(BOM):
                skip = len(BOM)
        field = line[skip:]
        position = self.fault.position
        kind = (
            "frame_end"
            if not field
            else "heartbeat"
            if field.startswith(b":")
            else "data"
            if field.startswith(b"data:")
            else "id"
            if field.startswith(b"id:")
            else None
        )
        if position == "utf8":
            for lead in LEAD.finditer(line):
                first = lead.group()[0]
                size = 2 if first < 0xE0 else 3 if first < 0xF0 else 4
                if self._hit():
                    split = _inside(self.fault.frac, 1, size - 1)
                    return self._after(start + lead.start() + split - 1)
            return None
        if kind != position or not self._hit():
            return None
        if kind == "frame_end":
            return self._after(end - 1)
        # Inside the line: after its first byte, up to just before its line end.
        return self._after(start + _inside(self.fault.frac, skip + 1, len(line)) - 1)

    def _hit(self) -> bool:
        hit = self.seen == self.fault.at
        self.seen += 1
        return hit


class ResponseScanner:
    """Feed a response's bytes as they arrive; get back what to forward now and,
    once, the cut. Without a fault, everything is forwarded at once."""

    def __init__(self, fault: WireFault | None) -> None:
        self.fault = fault
        self.buf = bytearray()  # received, not yet forwarded
        self.sent = 0  # response offset of buf[0]
        self.pos = 0  # response offset the framing is parsed up to
        self.phase = "head"
        self.left = 0  # bytes left in the current chunk or Content-Length body
        self.chunks = 0  # chunk-size lines seen
        self.lines = Lines(fault) if fault is not None else None
        self.done = fault is None
        self.withheld = b""  # what the cut kept from the client (received so far)

    def feed(self, data: bytes) -> tuple[bytes, Cut | None]:
        if self.done:
            return data, None
        self.buf += data
        cut = self._parse()
        if cut is not None:
            self.done = True
            forward = bytes(self.buf[: cut.offset - self.sent])
            self.withheld = bytes(self.buf[cut.offset - self.sent :])
            self.buf.clear()
            return forward, cut
        hold = self.pos
        if self.lines is not None and self.lines.hold_from is not None:
            hold = min(hold, self.lines.hold_from)
        forward = bytes(self.buf[: hold - self.sent])
        del self.buf[: hold - self.sent]
        self.sent = hold
        return forward, None

    def _cut(self, offset: int) -> Cut:
        assert self.fault is not None
        return Cut(self.fault, offset)

    def _at(self, offset: int) -> int:
        return offset - self.sent

    def _parse(self) -> Cut | None:
        fault = self.fault
        assert fault is not None and self.lines is not None
        end = self.sent + len(self.buf)
        while self.pos < end:
            i = self._at(self.pos)
            if self.phase == "head":
                if fault.position == "first_byte":
                    return self._cut(0)
                stop = self.buf.find(b"\r\n\r\n")
                if stop < 0:
                    return None
                head = bytes(self.buf[: stop + 4])
                cut = self._head(head)
                if cut is not None:
                    return cut
                self.pos = len(head)
                self._body_framing(head)
            elif self.phase == "size":
                stop = self.buf.find(b"\r\n", i)
                if stop < 0:
                    return None
                line = bytes(self.buf[i : stop + 2])
                if fault.position == "chunk_size" and self.chunks == fault.at:
                    return self._cut(self.pos + _inside(fault.frac, 1, len(line) - 1))
                self.chunks += 1
                self.left = int(line.split(b";")[0].strip() or b"0", 16)
                self.pos += len(line)
                self.phase = "data" if self.left else "rest"
                if not self.left:
                    at = self.lines.finish()
                    if at is not None:
                        return self._cut(at)
            elif self.phase in ("data", "body"):
                n = min(self.left, end - self.pos) if self.left >= 0 else end - self.pos
                at = self.lines.feed(bytes(self.buf[i : i + n]), self.pos)
                if at is not None:
                    return self._cut(at)
                self.pos += n
                if self.left >= 0:
                    self.left -= n
                    if self.left == 0 and self.phase == "data":
                        self.phase = "crlf"
                    elif self.left == 0:
                        self.phase = "rest"
                        at = self.lines.finish()
                        if at is not None:
                            return self._cut(at)
            elif self.phase == "crlf":
                if end - self.pos < 2:
                    return None
                self.pos += 2
                self.phase = "size"
            else:  # "rest": trailers, or nothing; forwarded as they come
                self.pos = end
        return None

    def _head(self, head: bytes) -> Cut | None:
        fault = self.fault
        assert fault is not None
        if fault.position == "headers":
            return self._cut(_inside(fault.frac, 1, len(head) - 1))
        if fault.position == "header_crlf":
            crs = [m.start() for m in re.finditer(rb"\r\n", head[:-2])]
            return self._cut(crs[min(len(crs) - 1, int(fault.frac * len(crs)))] + 1)
        if fault.position == "after_headers":
            return self._cut(len(head))
        return None

    def _body_framing(self, head: bytes) -> None:
        fields = dict(_fields(head))
        if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
            self.phase = "size"
        elif b"content-length" in fields:
            self.left = int(fields[b"content-length"])
            self.phase = "body" if self.left else "rest"
        else:
            self.left = -1  # until the connection closes
            self.phase = "body"


def _fields(head: bytes) -> Iterator[tuple[bytes, bytes]]:
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            yield name.strip().lower(), value.strip()


@dataclass(frozen=True)
class RequestHead:
    """What the proxy saw of one request: enough to pick its response's fault."""

    method: str
    target: str
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]


class RequestScanner:
    """Finds where each request starts in the client's bytes (RFC 9112 sec. 2-6)."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.body_left = 0

    def feed(self, data: bytes) -> list[RequestHead]:
        heads: list[RequestHead] = []
        self.buf += data
        while self.buf:
            if self.body_left:
                n = min(self.body_left, len(self.buf))
                del self.buf[:n]
                self.body_left -= n
                continue
            stop = self.buf.find(b"\r\n\r\n")
            if stop < 0:
                break
            head = bytes(self.buf[: stop + 4])
            del self.buf[: stop + 4]
            method, target, _ = (
                head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
            )
            fields = {
                k.decode("latin-1"): v.decode("latin-1") for k, v in _fields(head)
            }
            self.body_left = int(fields.get("content-length", "0"))
            heads.append(RequestHead(method, target, fields))
        return heads
