"""Section 1, decoder throughput: agentrail's SSE decoder against httpx-sse 0.4.3.

Each shape is one byte stream cut into identical reads and fed, in one process and in
turns, to:

* `agentrail` - `agentrail.SSEDecoder.feed()` per read, then `end()`;
* `httpx-sse` - what `iter_sse` does per read: an incremental UTF-8 decoder (as
  httpx's `iter_text`), `SSELineDecoder`, `line.rstrip("\\n")`, `SSEDecoder.decode()`,
  inline (no generator in between, which favours httpx-sse slightly);
* `naive` - split on blank lines and partition each line: not conformant (no CR, no
  BOM, no split CRLF), the pure-Python ceiling (docs/streaming.md, "Speed").

agentrail and httpx-sse must produce the same number of events with data (httpx-sse
also emits empty phantom events after heartbeats once an id was seen; those are not
counted).
"""

from __future__ import annotations

import codecs
import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from httpx_sse._decoders import SSEDecoder as HttpxSSEDecoder
from httpx_sse._decoders import SSELineDecoder

from agentrail import ServerSentEvent, SSEDecoder
from bench.harness import Section, Settings, Stat, Target, ratios, rounds

Decoder = Callable[[Sequence[bytes]], int]


@dataclass(frozen=True)
class Shape:
    """One measured case: a name, its reads, how many events they hold, its target."""

    name: str
    read_size: int
    reads: list[bytes]
    events: int
    target: float
    """The least ratio to httpx-sse that meets issue 6's target."""

    @property
    def nbytes(self) -> int:
        """The stream's length in bytes."""
        return sum(map(len, self.reads))


def split(stream: bytes, size: int) -> list[bytes]:
    """Cut a stream into reads of `size` bytes (the last one shorter)."""
    return [stream[i : i + size] for i in range(0, len(stream), size)]


def _payload(i: int, extra: int = 0) -> str:
    """A task event's JSON; `extra` pads it with text to roughly that many bytes."""
    body = {"type": "task.updated", "task_id": f"t_{i:08d}", "status": "running"}
    if extra:
        words = "r\u00e9sum\u00e9 of step {} with tool output, tokens and a path /x/y "
        text = "".join(words.format(k) for k in range(extra // 48 + 1))[:extra]
        body["output"] = text
    return json.dumps(body, ensure_ascii=False)


def small_json(n: int, eol: str = "\n") -> tuple[bytes, int]:
    """`n` events of ~120 bytes with `id`, `event` and one `data` line."""
    frames = (
        f"id: {i}{eol}event: task.updated{eol}data: {_payload(i)}{eol}{eol}"
        for i in range(n)
    )
    return "".join(frames).encode(), n


def large_json(n: int) -> tuple[bytes, int]:
    """`n` events of ~8 KB of JSON each (some non-ASCII text)."""
    frames = (
        f"id: {i}\nevent: task.updated\ndata: {_payload(i, 8000)}\n\n" for i in range(n)
    )
    return "".join(frames).encode(), n


def multi_line(n: int, lines: int = 8) -> tuple[bytes, int]:
    """`n` events whose data spans `lines` `data:` lines (pretty-printed JSON)."""
    frames = []
    for i in range(n):
        rows = [f'  "k{j}": "value {i}.{j}",' for j in range(lines - 2)]
        data = "\n".join(["{", *rows, '  "end": true}'])
        body = "".join(f"data: {row}\n" for row in data.split("\n"))
        frames.append(f"id: {i}\nevent: log\n{body}\n")
    return "".join(frames).encode(), n


def heartbeats(n: int) -> tuple[bytes, int]:
    """Small events with a `: keepalive` comment block between each two."""
    frames = (
        f": keepalive\n\nid: {i}\nevent: task.updated\ndata: {_payload(i)}\n\n"
        for i in range(n)
    )
    return "".join(frames).encode(), n


def field_orders(n: int) -> tuple[bytes, int]:
    """Small events whose fields come in other orders (id after data, retry first)."""
    forms = [
        "data: {p}\nid: {i}\n\n",
        "event: task.updated\nid: {i}\ndata: {p}\n\n",
        "retry: 1000\nid: {i}\nevent: task.updated\ndata: {p}\n\n",
    ]
    frames = (forms[i % 3].format(i=i, p=_payload(i)) for i in range(n))
    return "".join(frames).encode(), n


def one_event(size: int) -> tuple[bytes, int]:
    """One event whose single `data:` line holds `size` bytes of JSON."""
    items = ",".join(f'"{i:09d}"' for i in range(size // 12))
    return f"id: 1\nevent: blob\ndata: [{items}]\n\n".encode(), 1


def shapes(scale: float = 1.0) -> list[Shape]:
    """Five event shapes at 4 KiB, then 64 KiB, 1 B and 10 MB cases."""
    n = max(int(20_000 * scale), 10)
    big = max(int(10_000_000 * scale), 1000)
    cases = [
        ("small JSON", 4096, small_json(n), 2.0),
        ("small JSON", 65536, small_json(n), 1.5),
        ("large JSON", 4096, large_json(max(n // 60, 2)), 1.5),
        ("multi-line data", 4096, multi_line(max(n // 3, 2)), 1.5),
        ("heartbeats", 4096, heartbeats(n), 1.5),
        ("CRLF", 4096, small_json(n, "\r\n"), 1.5),
        ("field orders", 4096, field_orders(n), 1.5),
        # 1 B reads and one huge event: "never slower", and linear in the bytes.
        ("small JSON", 1, small_json(max(n // 40, 2)), 1.0),
        ("256 KB event", 1, one_event(max(int(256_000 * scale), 1000)), 1.0),
        ("10 MB event", 4096, one_event(big), 1.0),
        ("10 MB event", 65536, one_event(big), 1.0),
    ]
    return [
        Shape(name, size, split(stream, size), count, target)
        for name, size, (stream, count), target in cases
    ]


def run_agentrail(reads: Sequence[bytes]) -> int:
    """Feed the reads to agentrail's decoder; return the number of events."""
    decoder = SSEDecoder(max_event_bytes=None)
    count = 0
    for read in reads:
        count += len(decoder.feed(read))
    return count + len(decoder.end())


def run_httpx_sse(
    reads: Sequence[bytes], handle: Callable[[Any], object] | None = None
) -> int:
    """Do what httpx-sse's `iter_sse` does per read; return the events with data,
    each passed to `handle` if given."""
    text_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    lines = SSELineDecoder()
    decoder = HttpxSSEDecoder()
    count = 0
    for read in reads:
        for line in lines.decode(text_decoder.decode(read)):
            event = decoder.decode(line.rstrip("\n"))
            if event is not None and event.data:
                count += 1
                if handle is not None:
                    handle(event)
    for line in lines.decode(text_decoder.decode(b"", final=True)) + lines.flush():
        event = decoder.decode(line.rstrip("\n"))
        if event is not None and event.data:
            count += 1
            if handle is not None:
                handle(event)
    return count


def run_naive(reads: Sequence[bytes]) -> int:
    """Split on blank lines and partition lines (not conformant); count events."""
    pieces: list[bytes] = []
    count = 0
    for read in reads:
        read = read.replace(b"\r\n", b"\n")  # CRLF split across reads is missed
        pieces.append(read)
        if b"\n\n" not in read and not (
            read[:1] == b"\n" and len(pieces) > 1 and pieces[-2][-1:] == b"\n"
        ):
            continue
        *blocks, rest = b"".join(pieces).split(b"\n\n")
        pieces = [rest]
        for block in blocks:
            fields: dict[str, list[str]] = {}
            for line in block.decode("utf-8", "replace").split("\n"):
                name, _, value = line.partition(":")
                value = value[1:] if value[:1] == " " else value
                fields.setdefault(name, []).append(value)
            if "data" in fields:
                ServerSentEvent(
                    fields.get("event", ["message"])[-1],
                    "\n".join(fields["data"]),
                    fields.get("id", [""])[-1],
                )
                count += 1
    return count


DECODERS: dict[str, Decoder] = {
    "agentrail": run_agentrail,
    "httpx-sse": run_httpx_sse,
    "naive": run_naive,
}


def measure(shape: Shape, repeats: int) -> dict[str, list[float]]:
    """CPU seconds of every decoder on `shape`, in turns, `repeats` rounds."""
    contenders = {
        name: functools.partial(decode, shape.reads)
        for name, decode in DECODERS.items()
    }
    measured = rounds(contenders, repeats)
    for name in ("agentrail", "httpx-sse"):  # the naive split misses split CRLFs
        assert set(measured.results[name]) == {shape.events}, (name, shape.name)
    return measured.cpu


def run(settings: Settings) -> Section:
    """Measure every shape; MB/s per decoder, events/s and ratios to httpx-sse."""
    section = Section(
        "decoder",
        "1. Decoder throughput (MB per CPU second, median of rounds; httpx-sse = 1 x)",
        [
            "shape",
            "read",
            "MB",
            "agentrail MB/s",
            "httpx-sse MB/s",
            "naive MB/s",
            "agentrail ev/s",
            "x httpx-sse (range)",
            "naive x",
        ],
    )
    for shape in shapes(0.005 if settings.tiny else 1.0):
        times = measure(shape, settings.repeats)
        speed = {
            name: Stat.of([shape.nbytes / t / 1e6 for t in runs])
            for name, runs in times.items()
        }
        ratio = ratios(times["httpx-sse"], times["agentrail"])
        naive = ratios(times["httpx-sse"], times["naive"])
        events = Stat.of([shape.events / t for t in times["agentrail"]])
        read = f"{shape.read_size:,} B"
        section.rows.append(
            [
                shape.name,
                read,
                f"{shape.nbytes / 1e6:.2f}",
                f"{speed['agentrail'].median:.1f}",
                f"{speed['httpx-sse'].median:.1f}",
                f"{speed['naive'].median:.1f}",
                f"{events.median:,.0f}",
                ratio.show(),
                f"{naive.median:.2f}",
            ]
        )
        section.raw.append(
            {
                "shape": shape.name,
                "read": shape.read_size,
                "bytes": shape.nbytes,
                "events": shape.events,
                "seconds": {name: runs for name, runs in times.items()},
                "MB/s": {name: s.raw() for name, s in speed.items()},
                "agentrail events/s": events.raw(),
                "ratio to httpx-sse": ratio.raw(),
                "naive ratio to httpx-sse": naive.raw(),
            }
        )
        section.targets.append(
            Target(
                f"decoder, {shape.name}, {read} reads", ratio.median, shape.target, True
            )
        )
    return section
