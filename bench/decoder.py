"""Section 1, decoder throughput: agentrail's SSE decoder against httpx-sse 0.4.3.

Each shape is one byte stream cut into identical reads (4 KiB, 64 KiB, irregular or
1 B) and fed, in one process and in turns, to:

* `agentrail` - an `httpx.Response` whose body arrives in those reads, read as
  agentrail's streams read it (`iter_raw()`: it has no Content-Encoding) and fed to
  `SSEDecoder.feed()`, then `end()`;
* `httpx-sse` - `EventSource(response).iter_sse()` on the same response: its public
  API, what a user of httpx-sse runs (the targets compare with this);
* `agentrail core`, `httpx-sse core` - the decoders fed the reads directly, without
  httpx: agentrail's `feed()`; httpx-sse's decoders inline (an incremental UTF-8
  decoder, `SSELineDecoder`, `SSEDecoder.decode()`, no generator in between), the least
  its parsing costs; shown for comparison (`x core`);
* `naive` - split on blank lines and partition each line: not conformant (no CR, no
  BOM, no split CRLF), a pure-Python ceiling;
* `least loop` - on lone `data:` lines only, read like `agentrail`: find line ends,
  join, decode each value and hand it over as an event; no conformance at all: what
  the work costs in Python at the least (`least loop x`);
* `decode only` - each event's data decoded from bytes cut out beforehand: the UTF-8
  decoding alone (`decode floor x`).

Every consumer reads every event's `event`, `data` and `id` as it arrives (lazily). The
three conformant ones must count the same events with data (httpx-sse also emits
empty phantom events after heartbeats once an id was seen; those are not counted).
The production-like shapes (issue 14) carry LLM-style text in several scripts, so
reads end inside lines, CRLF pairs and UTF-8 sequences.
"""

from __future__ import annotations

import codecs
import functools
import json
import random
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import EventSource
from httpx_sse._decoders import SSEDecoder as HttpxSSEDecoder
from httpx_sse._decoders import SSELineDecoder

from agentrail import ServerSentEvent, SSEDecoder
from agentrail._stream import raw_body
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
    lone_data: bool = False
    """Whether every event is one `data: ` line and a blank line (`run_least` reads
    only those)."""

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


# LLM output: sentences in English, French/German (accents), Japanese/Chinese (CJK)
# and Russian (Cyrillic), an emoji now and then. Non-ASCII text is 2 to 4 UTF-8 bytes
# a character, so reads end inside sequences (issue 14: "Fast on real-world content").
LANGUAGES = [
    (6, "the model wrote a short summary of the tool output and the next step".split()),
    (1, "le résumé de l'étape précédente déjà écrit à côté du café".split()),
    (1, "die Größe der Ausgabe für übermäßig lange Schlüssel prüfen".split()),
    (1, "生成 された 文章 は 長い 日本語 と 中文 的 内容 です".split()),
    (1, "Модель отвечает на вопрос о погоде и пишет короткий ответ".split()),
]
EMOJI = ["\u2705", "\U0001f680", "\U0001f600", "\u2728"]


def llm_text(rng: random.Random, size: int) -> str:
    """About `size` characters of sentences, each in one language; an emoji in about
    one sentence of ten."""
    weights = [w for w, _ in LANGUAGES]
    parts: list[str] = []
    length = 0
    while length < size:
        (words,) = rng.choices([ws for _, ws in LANGUAGES], weights)
        sentence = " ".join(rng.choices(words, k=rng.randint(3, 12)))
        if rng.random() < 0.1:
            sentence += " " + rng.choice(EMOJI)
        parts.append(sentence)
        length += len(sentence) + 2
    return ". ".join(parts)[:size]


def llm_deltas(n: int, ids: bool = False, eol: str = "\n") -> tuple[bytes, int]:
    """`n` ~140 B Anthropic-style text deltas: `event:` and one-line JSON, `id:` only
    if `ids`."""
    rng = random.Random(1)
    frames = []
    for i in range(n):
        delta = {"type": "text_delta", "text": llm_text(rng, rng.randint(8, 40))}
        body = {"type": "content_block_delta", "index": 0, "delta": delta}
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        head = f"id: {i}{eol}" if ids else ""
        frames.append(f"{head}event: content_block_delta{eol}data: {data}{eol}{eol}")
    return "".join(frames).encode(), n


def openai_chunks(n: int, size: int = 9_500) -> tuple[bytes, int]:
    """`n` OpenAI-style chunks: one `data:` line of ~`size` bytes, no `event:`/`id:`."""
    rng = random.Random(2)
    frames = []
    for i in range(n):
        text = llm_text(rng, size * 2 // 3)
        body = {
            "id": f"chatcmpl-{i:010d}",
            "object": "chat.completion.chunk",
            "model": "gpt-x",
            "choices": [{"index": 0, "delta": {"content": text}}],
        }
        frames.append(f"data: {json.dumps(body, ensure_ascii=False)}\n\n")
    return "".join(frames).encode(), n


def llm_multi_line(n: int) -> tuple[bytes, int]:
    """`n` ~200 B events whose text spans 6-8 `data:` lines."""
    rng = random.Random(3)
    frames = []
    for _ in range(n):
        rows = [llm_text(rng, rng.randint(14, 24)) for _ in range(rng.randint(6, 8))]
        body = "".join(f"data: {row}\n" for row in rows)
        frames.append(f"event: message_delta\n{body}\n")
    return "".join(frames).encode(), n


def comments_retry(n: int) -> tuple[bytes, int]:
    """Small id+data events, a comment block after each, a retry-only block every
    1,000 (it dispatches nothing)."""
    rng = random.Random(4)
    frames = []
    for i in range(n):
        data = json.dumps({"text": llm_text(rng, 30)}, ensure_ascii=False)
        frames.append(f"id: {i}\ndata: {data}\n\n: ping {i}\n\n")
        if i % 1000 == 999:
            frames.append("retry: 3000\n\n")
    return "".join(frames).encode(), n


def base64_lines(n: int, size: int = 4 << 20) -> tuple[bytes, int]:
    """`n` events of one `data:` line of `size` base64-like bytes each."""
    alphabet = string.ascii_letters + string.digits + "+/"
    line = "".join(random.Random(5).choices(alphabet, k=4096)) * (size // 4096)
    return "".join(f"data: {line}\n\n" for _ in range(n)).encode(), n


def irregular(stream: bytes, seed: int = 7) -> list[bytes]:
    """Reads mostly of 512 B-16 KiB, one in ten of 1-16 B: they end inside lines,
    CRLF pairs and UTF-8 sequences."""
    rng = random.Random(seed)
    reads, i = [], 0
    while i < len(stream):
        size = rng.randint(1, 16) if rng.random() < 0.1 else rng.randint(512, 16384)
        reads.append(stream[i : i + size])
        i += size
    return reads


IRREGULAR = 0  # `read_size` of irregular reads


def shapes(scale: float = 1.0) -> list[Shape]:
    """Five shapes of task events at 4 KiB, then 64 KiB, 1 B and 10 MB cases; then
    production-like shapes with non-ASCII text at 4 KiB, irregular and 1 B reads."""
    n = max(int(20_000 * scale), 10)
    big = max(int(10_000_000 * scale), 1000)
    # Issue 14: >= 2 x on small events (under ~300 B) whatever their text, >= 1.5 x on
    # every other shape, never slower (1 x) on 1 B reads.
    small, other = 2.0, 1.5
    deltas, deltas_crlf = llm_deltas(n), llm_deltas(n, True, "\r\n")
    chunks = openai_chunks(max(n // 80, 2))
    multi = llm_multi_line(max(n // 2, 2))
    pings = comments_retry(n)
    b64 = base64_lines(2, max(int((4 << 20) * scale), 4096))
    few = max(n // 20, 10)
    cases = [
        ("small JSON", 4096, small_json(n), small),
        ("small JSON", 65536, small_json(n), small),
        ("large JSON", 4096, large_json(max(n // 60, 2)), other),
        ("multi-line data", 4096, multi_line(max(n // 3, 2)), small),
        ("heartbeats", 4096, heartbeats(n), small),
        ("CRLF", 4096, small_json(n, "\r\n"), small),
        ("field orders", 4096, field_orders(n), small),
        # 1 B reads and one huge event: "never slower", and linear in the bytes.
        ("small JSON", 1, small_json(max(n // 40, 2)), 1.0),
        ("256 KB event", 1, one_event(max(int(256_000 * scale), 1000)), 1.0),
        ("10 MB event", 4096, one_event(big), other),
        ("10 MB event", 65536, one_event(big), other),
        # Production-like content (issue 14), every shape at 4 KiB and irregular reads.
        ("LLM deltas, no id", 4096, deltas, small),
        ("LLM deltas, no id", IRREGULAR, deltas, small),
        ("LLM deltas, no id", 1, llm_deltas(few), 1.0),
        ("LLM deltas, id, CRLF", 4096, deltas_crlf, small),
        ("LLM deltas, id, CRLF", IRREGULAR, deltas_crlf, small),
        ("LLM deltas, id, CRLF", 1, llm_deltas(few, True, "\r\n"), 1.0),
        ("9.5 KB data lines", 4096, chunks, other),
        ("9.5 KB data lines", IRREGULAR, chunks, other),
        ("multi-line text", 4096, multi, small),
        ("multi-line text", IRREGULAR, multi, small),
        ("comments, retry", 4096, pings, small),
        ("comments, retry", IRREGULAR, pings, small),
        ("4 MiB data lines", 4096, b64, other),
        ("4 MiB data lines", IRREGULAR, b64, other),
    ]
    return [
        Shape(
            name,
            size,
            irregular(stream) if size == IRREGULAR else split(stream, size),
            count,
            target,
            b"\r" not in stream
            and stream.endswith(b"\n\n")
            and all(
                block.startswith(b"data: ") and b"\n" not in block
                for block in stream[:-2].split(b"\n\n")
            ),
        )
        for name, size, (stream, count), target in cases
    ]


class Reads(httpx.SyncByteStream):
    """A response body that arrives in the given reads, as from a socket."""

    def __init__(self, reads: Sequence[bytes]) -> None:
        self.reads = reads

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.reads)


def response(reads: Sequence[bytes]) -> httpx.Response:
    """An event-stream response whose body is `reads`."""
    headers = {"content-type": "text/event-stream"}
    return httpx.Response(200, headers=headers, stream=Reads(reads))


def body(reads: Sequence[bytes]) -> Iterator[bytes]:
    """The reads of an event-stream response as agentrail's streams take them."""
    answer = response(reads)
    return answer.iter_raw() if raw_body(answer) else answer.iter_bytes()


def run_agentrail(reads: Sequence[bytes]) -> int:
    """What agentrail's streams do: `SSEDecoder.feed()` per read of the response's
    body, then `end()`; touch every event's fields; count the events."""
    decoder = SSEDecoder(max_event_bytes=None)
    count = 0
    for chunk in body(reads):
        for event in decoder.feed(chunk):
            event.event, event.data, event.id  # noqa: B018  # what a consumer reads
            count += 1
    return count + len(decoder.end())


def run_agentrail_core(reads: Sequence[bytes]) -> int:
    """`SSEDecoder.feed()` per read without httpx; touch every event's fields."""
    decoder = SSEDecoder(max_event_bytes=None)
    count = 0
    for read in reads:
        for event in decoder.feed(read):
            event.event, event.data, event.id  # noqa: B018  # what a consumer reads
            count += 1
    return count + len(decoder.end())


def run_httpx_sse(reads: Sequence[bytes]) -> int:
    """httpx-sse's public `EventSource(response).iter_sse()` on the same response;
    touch every event's fields; count the events with data."""
    count = 0
    for event in EventSource(response(reads)).iter_sse():
        if event.data:  # not its phantom events after heartbeats
            event.event, event.id  # noqa: B018  # what a consumer reads
            count += 1
    return count


def run_httpx_sse_core(
    reads: Sequence[bytes], handle: Callable[[Any], object] | None = None
) -> int:
    """httpx-sse's decoders without httpx: what `iter_sse` does per read (an
    incremental UTF-8 decoder, `SSELineDecoder`, `line.rstrip("\\n")`,
    `SSEDecoder.decode()`) inline, no generator in between; touch every event's
    fields; count the events with data, each passed to `handle` if given."""
    text_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    lines = SSELineDecoder()
    decoder = HttpxSSEDecoder()
    count = 0
    for read in reads:
        for line in lines.decode(text_decoder.decode(read)):
            event = decoder.decode(line.rstrip("\n"))
            if event is not None and event.data:
                event.event, event.id  # noqa: B018  # what a consumer reads
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
    "agentrail core": run_agentrail_core,
    "httpx-sse core": run_httpx_sse_core,
    "naive": run_naive,
}


def run_least(reads: Sequence[bytes]) -> int:
    """The least loop for a stream of lone `data:` lines (`Shape.lone_data`): find the
    line ends, join, decode each value, hand it over as a `ServerSentEvent` whose
    fields are read, as every contender's are. Not a decoder (LF only, no other field,
    no state, no cap, no list of events per read): what is left of the work once
    conformance is taken away, the reads taken as `run_agentrail` takes them (the
    `least loop` column)."""
    new = tuple.__new__  # agentrail's decoder builds its events the same way
    pending: list[bytes] = []
    count = 0
    for chunk in body(reads):
        pending.append(chunk)
        if chunk.rfind(b"\n") < 0:
            continue
        buf = b"".join(pending)
        pos = 0
        while (end := buf.find(b"\n", pos)) >= 0 and end + 1 < len(buf):
            data = buf[pos + 6 : end].decode("utf-8", "replace")
            event = new(ServerSentEvent, ("message", data, "", None))
            event.event, event.data, event.id  # noqa: B018  # what a consumer reads
            count += 1
            pos = end + 2
        pending = [buf[pos:]]
    return count


def decode_only(values: Sequence[bytes]) -> int:
    """UTF-8 decoding of each event's data and nothing else (the values cut out
    beforehand): the least any decoder that hands over `str` pays (the `decode floor`
    column)."""
    for value in values:
        value.decode("utf-8", "replace")
    return len(values)


def measure(shape: Shape, repeats: int) -> dict[str, list[float]]:
    """CPU seconds of every decoder on `shape`, in turns, `repeats` rounds."""
    decoder = SSEDecoder(max_event_bytes=None)
    values = [e.data.encode() for r in shape.reads for e in decoder.feed(r)]
    contenders = {
        name: functools.partial(decode, shape.reads)
        for name, decode in DECODERS.items()
    }
    contenders["decode only"] = functools.partial(decode_only, values)
    if shape.lone_data:
        contenders["least loop"] = functools.partial(run_least, shape.reads)
    measured = rounds(contenders, repeats)
    for name in DECODERS:
        if name == "naive":  # the naive split misses split CRLFs
            continue
        assert set(measured.results[name]) == {shape.events}, (name, shape.name)
    if "least loop" in measured.results:
        assert set(measured.results["least loop"]) == {shape.events}, shape.name
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
            "agentrail ev/s",
            "x httpx-sse (range)",
            "target",
            "x core",
            "naive x",
            "decode floor x",
            "least loop x",
        ],
    )
    for shape in shapes(0.005 if settings.tiny else 1.0):
        times = measure(shape, settings.repeats)
        speed = {
            name: Stat.of([shape.nbytes / t / 1e6 for t in runs])
            for name, runs in times.items()
        }
        ratio = ratios(times["httpx-sse"], times["agentrail"])
        core = ratios(times["httpx-sse core"], times["agentrail core"])
        naive = ratios(times["httpx-sse core"], times["naive"])
        floor = ratios(times["httpx-sse"], times["decode only"])
        least = (
            ratios(times["httpx-sse"], times["least loop"])
            if "least loop" in times
            else None
        )
        events = Stat.of([shape.events / t for t in times["agentrail"]])
        read = f"{shape.read_size:,} B" if shape.read_size else "irregular"
        section.rows.append(
            [
                shape.name,
                read,
                f"{shape.nbytes / 1e6:.2f}",
                f"{speed['agentrail'].median:.1f}",
                f"{speed['httpx-sse'].median:.1f}",
                f"{events.median:,.0f}",
                ratio.show(),
                f">= {shape.target:g}",
                f"{core.median:.2f}",
                f"{naive.median:.2f}",
                f"{floor.median:.1f}",
                f"{least.median:.2f}" if least else "-",
            ]
        )
        section.raw.append(
            {
                "shape": shape.name,
                "read": shape.read_size or "irregular",
                "bytes": shape.nbytes,
                "events": shape.events,
                "seconds": {name: runs for name, runs in times.items()},
                "MB/s": {name: s.raw() for name, s in speed.items()},
                "agentrail events/s": events.raw(),
                "ratio to httpx-sse": ratio.raw(),
                "core ratio to httpx-sse core": core.raw(),
                "naive ratio to httpx-sse core": naive.raw(),
                "httpx-sse to UTF-8 decoding alone": floor.raw(),
                "httpx-sse to the least loop": least.raw() if least else None,
                "target": shape.target,
            }
        )
        section.targets.append(
            Target(
                f"decoder, {shape.name}, {read} reads", ratio.median, shape.target, True
            )
        )
    section.notes.append(
        "x core: both decoders fed the reads directly, without httpx (httpx-sse's "
        "least cost; naive x likewise); decode floor x: httpx-sse against UTF-8 "
        "decoding of each event's data alone, the most any decoder handing over str "
        "could reach; least loop x: httpx-sse against a loop that only finds line "
        "ends, joins, decodes and hands over events (lone data lines; not "
        "conformant); targets: >= 2 x on small events, >= 1.5 x on other shapes, "
        ">= 1 x (never slower) on 1 B reads"
    )
    return section
