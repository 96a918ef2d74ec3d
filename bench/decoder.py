"""Decode throughput: agentrail's SSE decoder against httpx-sse 0.4.3 on the same bytes.

Run `.venv/bin/python bench/decoder.py` (`--repeats`, `--scale`, `--json`). Each shape
is one byte stream cut into identical reads and fed, in one process and in turns, to:

* `agentrail` - `agentrail._sse.SSEDecoder.feed()` per read, then `end()`;
* `httpx-sse` - what `iter_sse` does per read: an incremental UTF-8 decoder (as httpx's
  `iter_text`), `SSELineDecoder`, `line.rstrip("\\n")`, `SSEDecoder.decode(line)`;
* `naive` - split on blank lines and partition each line: not conformant (no CR, no
  BOM, no split CRLF), the ceiling sse.md sec. 3 quotes.

It prints medians (MB/s, events/s) and the ratio of medians to httpx-sse, and checks
that agentrail and httpx-sse produce the same events with data (httpx-sse also emits
empty phantom events after heartbeats once an id was seen; those are not counted).
"""

from __future__ import annotations

import argparse
import codecs
import gc
import json
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from httpx_sse._decoders import SSEDecoder as HttpxSSEDecoder
from httpx_sse._decoders import SSELineDecoder

from agentrail._sse import ServerSentEvent, SSEDecoder

Decoder = Callable[[Sequence[bytes]], int]


@dataclass(frozen=True)
class Shape:
    """One measured case: a name, its reads and how many events they hold."""

    name: str
    read_size: int
    reads: list[bytes]
    events: int

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
    """The measured shapes: sse.md sec. 3's five at 4 KiB, then 1 B and 10 MB cases."""
    n = max(int(20_000 * scale), 10)
    cases = [
        ("small JSON", 4096, small_json(n)),
        ("small JSON", 65536, small_json(n)),
        ("large JSON", 4096, large_json(max(n // 60, 2))),
        ("multi-line data", 4096, multi_line(max(n // 3, 2))),
        ("heartbeats", 4096, heartbeats(n)),
        ("CRLF", 4096, small_json(n, "\r\n")),
        ("field orders", 4096, field_orders(n)),
        ("small JSON", 1, small_json(max(n // 40, 2))),
        ("256 KB event", 1, one_event(int(256_000 * scale))),
        ("10 MB event", 4096, one_event(int(10_000_000 * scale))),
        ("10 MB event", 65536, one_event(int(10_000_000 * scale))),
    ]
    return [
        Shape(name, size, split(stream, size), count)
        for name, size, (stream, count) in cases
    ]


def run_agentrail(reads: Sequence[bytes]) -> int:
    """Feed the reads to agentrail's decoder; return the number of events."""
    decoder = SSEDecoder(max_event_bytes=None)
    count = 0
    for read in reads:
        count += len(decoder.feed(read))
    return count + len(decoder.end())


def run_httpx_sse(reads: Sequence[bytes]) -> int:
    """Do what httpx-sse's `iter_sse` does per read; return the events with data."""
    text_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    lines = SSELineDecoder()
    decoder = HttpxSSEDecoder()
    count = 0
    for read in reads:
        for line in lines.decode(text_decoder.decode(read)):
            event = decoder.decode(line.rstrip("\n"))
            if event is not None and event.data:
                count += 1
    for line in lines.decode(text_decoder.decode(b"", final=True)) + lines.flush():
        event = decoder.decode(line.rstrip("\n"))
        if event is not None and event.data:
            count += 1
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
    """Time every decoder on `shape`, in turns, `repeats` times; seconds per run."""
    times: dict[str, list[float]] = {name: [] for name in DECODERS}
    for _ in range(repeats):
        for name, run in DECODERS.items():
            gc.collect()
            start = time.perf_counter()
            count = run(shape.reads)
            times[name].append(time.perf_counter() - start)
            if name != "naive":  # the naive split is not conformant (CRLF)
                assert count == shape.events, (name, shape.name, count, shape.events)
    return times


def main(argv: Sequence[str] | None = None) -> list[dict[str, object]]:
    """Measure every shape and print a table; return the rows."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per decoder")
    parser.add_argument("--scale", type=float, default=1.0, help="stream size factor")
    parser.add_argument("--json", action="store_true", help="print rows as JSON")
    parser.add_argument("--only", default="", help="shapes whose name contains this")
    args = parser.parse_args(argv)
    rows: list[dict[str, object]] = []
    header = f"{'shape':<16} {'read':>6} {'MB':>6}  " + "  ".join(
        f"{name + ' MB/s':>15}" for name in DECODERS
    )
    if not args.json:
        print(header + f"  {'ev/s agentrail':>15}  {'x httpx-sse':>11}  {'naive':>6}")
    for shape in shapes(args.scale):
        if args.only not in shape.name:
            continue
        times = measure(shape, args.repeats)
        median = {name: statistics.median(t) for name, t in times.items()}
        row: dict[str, object] = {
            "shape": shape.name,
            "read": shape.read_size,
            "bytes": shape.nbytes,
            "events": shape.events,
            **{f"{name} MB/s": shape.nbytes / m / 1e6 for name, m in median.items()},
            "agentrail events/s": shape.events / median["agentrail"],
            "httpx-sse events/s": shape.events / median["httpx-sse"],
            "ratio": median["httpx-sse"] / median["agentrail"],
            "naive ratio": median["httpx-sse"] / median["naive"],
        }
        rows.append(row)
        if not args.json:
            speeds = "  ".join(
                f"{shape.nbytes / median[name] / 1e6:>15.1f}" for name in DECODERS
            )
            print(
                f"{shape.name:<16} {shape.read_size:>6} {shape.nbytes / 1e6:>6.2f}  "
                f"{speeds}  {row['agentrail events/s']:>15,.0f}  "
                f"{row['ratio']:>11.2f}  {row['naive ratio']:>6.2f}",
                flush=True,
            )
    if args.json:
        print(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
