"""The SSE writer: frames on the wire, heartbeats, `retry:`, and the stream faults.

Frames follow docs/streaming.md: `id:`, `event:`, one line of JSON in `data:`, a blank
line; the first frame written carries `retry:`; `: keepalive` comments after
`heartbeat_seconds` without a frame (https://html.spec.whatwg.org/multipage/server-sent-events.html).
Byte-level faults (BOM, line endings, invalid UTF-8, truncated JSON, drops and stalls)
are applied here, on the encoded bytes, which is why the mock does not use
sse-starlette (docs/mock.md, "Streams").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .streams import Frame, Source

if TYPE_CHECKING:
    from .faults import Fault
    from .state import State

Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]

BOM = b"\xef\xbb\xbf"
UNKNOWN_EVENT = "mock.unknown_event"
# Frames per ASGI message while replaying: throughput (docs/mock.md, "Streams").
BATCH = 64


def priming(event_id: str, retry: int | None = None) -> str:
    """An `id:` block without data: WHATWG dispatches nothing, the id is kept."""
    head = "" if retry is None else f"retry: {retry}\n"
    return f"{head}id: {event_id}\n\n"


def encode(frame: Frame, retry: int | None = None) -> str:
    lines = []
    if retry is not None:
        lines.append(f"retry: {retry}")
    if frame.id is not None:
        lines.append(f"id: {frame.id}")
    lines.append(f"event: {frame.event}")
    lines.append(f"data: {frame.data}")
    return "\n".join(lines) + "\n\n"


class StreamWriter:
    """Writes one stream response from a Source until it ends or the client leaves."""

    def __init__(
        self,
        state: State,
        source: Source,
        send: Send,
        receive: Receive,
        *,
        heartbeat: int,
        fault: Fault | None,
    ) -> None:
        self.state = state
        self.source = source
        self.send = send
        self.receive = receive
        self.heartbeat = heartbeat
        self.fault = fault
        self.kind = fault.kind if fault else None
        self.params = fault.params if fault else {}
        self.events_sent = 0  # event frames, the unit fault counts are in
        self.first = True
        self.retry_sent = False
        self.disconnected = asyncio.Event()
        # Where the response ends (drop or stall): `n` of drop_after / stall_after, or
        # the `drop_after` param any stream fault may carry, so that a fault plan can
        # chain faults across reconnects (a request takes one fault: faults.py).
        drop_at = self.params.get("drop_after")
        if self.kind in ("drop_after", "stall_after"):
            drop_at = self.params["n"]
        self.drop_at = None if drop_at is None else int(drop_at)
        if self.kind == "duplicate_on_resume":
            source.duplicate(int(self.params["n"]))
        if self.kind == "lag":
            source.skip = int(self.params["n"])  # type: ignore[attr-defined]

    async def _watch(self, wake: asyncio.Event) -> None:
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.disconnected.set()
                wake.set()
                return

    def _bytes(self, text: str) -> bytes:
        if self.kind == "line_endings":
            text = text.replace(
                "\n", "\r\n" if self.params["style"] == "crlf" else "\r"
            )
        data = text.encode()
        if self.first and self.kind == "bom":
            data = BOM + data
        self.first = False
        return data

    async def _write(self, text: str) -> None:
        await self.send(
            {"type": "http.response.body", "body": self._bytes(text), "more_body": True}
        )

    def _retry(self) -> int | None:
        """The `retry:` value for the first frame of the response, then None."""
        if self.retry_sent:
            return None
        self.retry_sent = True
        return int(self.state.config.retry_ms)

    def _render(self, frame: Frame) -> str:
        """The frame as text, with a per-frame fault if this is its frame."""
        n = self.events_sent  # already counts this frame
        if self.kind == "malformed_at" and n == int(self.params["n"]):
            frame = Frame(frame.id, frame.event, frame.data[: len(frame.data) // 2])
        text = encode(frame, self._retry())
        if self.kind == "invalid_utf8" and n == int(self.params["n"]):
            # NUL never occurs in our JSON (dumps escapes it): mark the spot inside the
            # first string value and swap in invalid bytes after encoding (_flush).
            text = text.replace('":"', '":"\x00', 1)
            if "\x00" not in text:
                text = text.replace("data: ", "data: \x00", 1)
        return text

    def _maybe_unknown(self, batch: list[str]) -> None:
        if self.kind == "unknown_event" and self.events_sent == int(
            self.params.get("at", 0)
        ):
            self.kind = None  # once per stream
            data = '{"type":"mock.unknown_event","note":"ignore me"}'
            batch.append(encode(Frame(None, UNKNOWN_EVENT, data), self._retry()))

    async def _emit(self, frames: list[Frame]) -> bool:
        """Send frames; False when a fault ends the response here."""
        batch: list[str] = []
        self._maybe_unknown(batch)
        for frame in frames:
            if self.drop_at is not None and self.events_sent >= self.drop_at:
                await self._flush(batch)
                return False
            self.events_sent += 1
            batch.append(self._render(frame))
            self._maybe_unknown(batch)
            if len(batch) >= BATCH or self.kind in ("malformed_at", "invalid_utf8"):
                await self._flush(batch)
                batch = []
        await self._flush(batch)
        return True

    async def _flush(self, batch: list[str]) -> None:
        if not batch:
            return
        body = self._bytes("".join(batch))
        if b"\x00" in body:
            body = body.replace(b"\x00", b"\xff\xfe", 1)
        await self.send({"type": "http.response.body", "body": body, "more_body": True})

    async def _ends_by_fault(self) -> bool:
        """Before the first frame: drop_after 0 / stall_after 0 act at once."""
        return self.drop_at is not None and self.drop_at <= 0

    async def run(self) -> None:
        wake = self.state.notifier.subscribe()
        watcher = asyncio.create_task(self._watch(wake))
        last_write = time.monotonic()
        try:
            # The priming block opens the stream; a fault's count of events (drop
            # or stall after n) starts after it.
            if self.source.priming is not None:
                await self._write(priming(self.source.priming, self._retry()))
            ended = await self._ends_by_fault() or not await self._emit([])
            while not ended and not self.disconnected.is_set():
                wake.clear()
                polled = self.source.poll()
                if polled.frames:
                    if not await self._emit(polled.frames):
                        ended = True
                        break
                    last_write = time.monotonic()
                if polled.done:
                    await self.send({"type": "http.response.body", "body": b""})
                    return
                timeout = self.heartbeat - (time.monotonic() - last_write)
                if polled.wake_in is not None and not self.state.clock.frozen:
                    timeout = min(timeout, polled.wake_in + 0.001)
                if timeout > 0:
                    try:
                        await asyncio.wait_for(wake.wait(), timeout)
                    except TimeoutError:
                        pass
                if time.monotonic() - last_write >= self.heartbeat:
                    await self._write(": keepalive\n\n")
                    last_write = time.monotonic()
            if ended and self.kind == "stall_after":
                # Silence, no heartbeats, until the client gives up.
                await self.disconnected.wait()
            # drop_after: return without the final empty chunk; the server closes
            # the connection mid-body (httpx: "incomplete chunked read").
        finally:
            watcher.cancel()
            self.state.notifier.unsubscribe(wake)
