"""Fuzzing the SSE decoder: generated streams against a reference written here from
the WHATWG text, arbitrary bytes, every split, and memory under `max_event_bytes`.

The reference (`whatwg`) reads the standard literally, one character at a time
(https://html.spec.whatwg.org/multipage/server-sent-events.html, 9.2.5-9.2.6); it
shares no code or regular expression with the decoder nor with the oracle in
tests/unit/test_sse.py. Streams are also decoded with the decoder's thresholds made
tiny, so that the paths for long blocks and for compacting open blocks run on every
example rather than only past 4 KiB and 1 MiB.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentrail._sse
from agentrail import EventTooLargeError, ServerSentEvent, SSEDecoder

pytestmark = pytest.mark.timeout(120)

FUZZ = settings(
    deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow]
)


# ---------------------------------------------------------------- the reference


def whatwg(stream: bytes) -> tuple[list[ServerSentEvent], str, int | None]:
    """Events, last event id and reconnection time, by the letter of 9.2.5-9.2.6."""
    # "Streams must be decoded using the UTF-8 decode algorithm": one leading BOM
    # is stripped, invalid sequences become U+FFFD.
    text = stream.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    # "a CRLF pair, a single LF not preceded by a CR, and a single CR not followed
    # by an LF [are] the ways in which a line can end." An unended line is never
    # processed: "if the file ends in the middle of an event ... not dispatched".
    lines: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in "\r\n":
            lines.append("".join(current))
            current = []
            if char == "\r" and text[i + 1 : i + 2] == "\n":
                i += 1
        else:
            current.append(char)
        i += 1
    data = event_type = last_id_buffer = last_id = ""
    retry: int | None = None
    block_retry: int | None = None  # ServerSentEvent.retry: this block's `retry`
    events: list[ServerSentEvent] = []
    for line in lines:
        if line == "":
            # "Dispatch the event": the last event ID string is set from the buffer,
            # which is not reset; an empty data buffer dispatches nothing.
            last_id = last_id_buffer
            if data != "":
                if data.endswith("\n"):
                    data = data[:-1]
                events.append(
                    ServerSentEvent(event_type or "message", data, last_id, block_retry)
                )
            data = event_type = ""
            block_retry = None
            continue
        if line.startswith(":"):
            continue  # "Ignore the line."
        if ":" in line:
            field = line[: line.index(":")]
            value = line[line.index(":") + 1 :]
            if value.startswith(" "):
                value = value[1:]
        else:
            field, value = line, ""
        if field == "event":
            event_type = value
        elif field == "data":
            data += value + "\n"
        elif field == "id":
            if "\0" not in value:
                last_id_buffer = value
        elif field == "retry":
            # "only ASCII digits"; WHATWG 9.2.6 (and every browser) wants at least one.
            if value and all(c in "0123456789" for c in value):
                retry = block_retry = int(value)
    return events, last_id, retry


# ---------------------------------------------------------------- streams

VALUE_CHARS = st.characters(exclude_characters="\r\n", exclude_categories=("Cs",))
VALUES = st.one_of(
    st.text(VALUE_CHARS, max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "  two spaces",
            ":",
            "a:b",
            "\0",
            "a\0b",
            "\u2028",
            "\u2029",
            "\x85",
            "\x0b",
            "\x0c",
            "\ufeff",
            "10",
            "+5",
            " 7",
            "1_000",
            "\u0663",
            '{"json": [1, 2]}',
            "caf\u00e9 \U0001f600",
        ]
    ),  # fmt: skip
    # Long values cross the decoder's 4 KiB and (with tiny thresholds) 1 MiB paths.
    st.builds(
        lambda c, n: c * n,
        st.sampled_from(["x", "\u00e9", "\u20ac", "\U0001f600", ":"]),
        st.integers(1_000, 5_000),
    ),
)
NAMES = st.sampled_from(
    ["data"] * 6 + ["event", "id", "retry"] * 2 + ["Data", "data ", "x", ""]
)
SEPARATORS = st.sampled_from([": ", ":", ":  ", ""])  # "": no colon, no value


@st.composite
def streams(draw: Any) -> bytes:
    """Blocks of field, comment and odd lines with any line ends, maybe a BOM, and
    maybe a last block the stream cuts short."""
    out = ["\ufeff"] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(0, 6))):
        for _ in range(draw(st.integers(0, 5))):
            if draw(st.integers(0, 9)) == 0:
                line = ":" + draw(VALUES)  # a comment, as heartbeats are
            else:
                name, sep = draw(NAMES), draw(SEPARATORS)
                line = name + sep + (draw(VALUES) if sep else "")
            out.append(line + draw(st.sampled_from(["\n", "\r", "\r\n"])))
        out.append(draw(st.sampled_from(["\n", "\r", "\r\n"])))  # the blank line
    if draw(st.booleans()):
        out.append("data: " + draw(VALUES) + draw(st.sampled_from(["", "\n", "\r"])))
    return "".join(out).encode()


# Arbitrary bytes, and arbitrary runs of the bytes that matter to the format.
TOKENS = [b"data", b"id", b"event", b"retry", b":", b" ", b"\n", b"\r", b"\r\n",
          b"\0", b"7", b"\xef\xbb\xbf", b"\xef", b"\xff", b"\xc3", b"\xa9",
          b"x" * 40]  # fmt: skip
RAW = st.one_of(
    st.binary(max_size=400),
    st.lists(st.sampled_from(TOKENS), max_size=120).map(b"".join),
)


def splits(stream: bytes) -> st.SearchStrategy[list[bytes]]:
    """The stream cut into reads anywhere, empty reads included."""
    cuts = st.lists(st.integers(0, len(stream)), max_size=8).map(sorted)
    return cuts.map(
        lambda points: [
            stream[a:b]
            for a, b in zip([0, *points], [*points, len(stream)], strict=True)
        ]
    )


@contextmanager
def thresholds(tiny: bool) -> Iterator[None]:
    """The decoder as shipped, or with its long-block and compaction points tiny."""
    if not tiny:
        yield
        return
    with (
        patch.object(agentrail._sse, "_LONG", 8),
        patch.object(agentrail._sse, "_COMPACT_AT", 16),
    ):
        yield


def decode(reads: list[bytes], cap: int | None = None) -> tuple[Any, ...]:
    decoder = SSEDecoder(max_event_bytes=cap)
    events = [event for read in reads for event in decoder.feed(read)]
    events += decoder.end()
    return events, decoder.last_event_id, decoder.retry


# ---------------------------------------------------------------- properties


@pytest.mark.parametrize("tiny", [False, True], ids=["shipped", "tiny-thresholds"])
@FUZZ
@given(data=st.data())
def test_generated_streams_decode_as_the_whatwg_text_says(
    tiny: bool, data: Any
) -> None:
    """A generated stream, in one read or cut anywhere, gives the reference's events,
    last event id and reconnection time."""
    stream = data.draw(streams())
    reads = data.draw(splits(stream))
    expected = whatwg(stream)
    with thresholds(tiny):
        assert decode([stream]) == expected
        assert decode(reads) == expected


@pytest.mark.parametrize("tiny", [False, True], ids=["shipped", "tiny-thresholds"])
@FUZZ
@given(data=st.data())
def test_arbitrary_bytes_in_any_split_give_the_events_of_one_read(
    tiny: bool, data: Any
) -> None:
    """Any bytes, cut anywhere, give what one read gives, which is the reference's:
    invalid UTF-8, stray CRs and NULs included; nothing raises."""
    stream = data.draw(RAW)
    reads = data.draw(splits(stream))
    with thresholds(tiny):
        whole = decode([stream])
        assert decode(reads) == whole
        assert decode([stream[i : i + 1] for i in range(len(stream))]) == whole
    assert whole == whatwg(stream)


@FUZZ
@given(data=st.data(), cap=st.integers(1, 200), tiny=st.booleans())
def test_under_a_cap_only_the_typed_size_error_is_raised(
    data: Any, cap: int, tiny: bool
) -> None:
    """Under any `max_event_bytes`, any bytes give a prefix of the uncapped events,
    then at most `EventTooLargeError`; never another exception, never a cut event."""
    stream = data.draw(st.one_of(RAW, streams()))
    reads = data.draw(splits(stream))
    decoder = SSEDecoder(max_event_bytes=cap)
    got: list[ServerSentEvent] = []
    with thresholds(tiny):
        try:
            for read in reads:
                got += decoder.feed(read)
            got += decoder.end()
        except EventTooLargeError as exc:
            assert exc.limit == cap  # what the caller configured
    expected = whatwg(stream)[0]
    assert got == expected[: len(got)]


@st.composite
def data_lines(draw: Any) -> bytes:
    """OpenAI-style streams: lone `data:` lines (long ones too) and blank lines, in any
    line ends, maybe cut short at the end; no comments, so every split of them is
    held to the same cap as one read."""
    out: list[str] = []
    for _ in range(draw(st.integers(0, 5))):
        sep = draw(st.sampled_from(["data:", "data: ", "data:  "]))
        ends = [draw(st.sampled_from(["\n", "\r", "\r\n"])) for _ in range(2)]
        out.append(sep + draw(VALUES) + ends[0] + ends[1])
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(st.sampled_from(["\n", "\r\n"])))  # another blank line
    if draw(st.booleans()):
        out.append("data: " + draw(VALUES) + draw(st.sampled_from(["", "\n", "\r"])))
    return "".join(out).encode()


def decode_capped(reads: list[bytes], cap: int | None) -> tuple[Any, ...]:
    """The events up to an error, the error's text, and the end state."""
    decoder = SSEDecoder(max_event_bytes=cap)
    events: list[ServerSentEvent] = []
    try:
        for read in reads:
            events += decoder.feed(read)
        events += decoder.end()
    except EventTooLargeError as exc:
        return events, str(exc)
    return events, decoder.last_event_id, decoder.ended_mid_event


@pytest.mark.parametrize("tiny", [False, True], ids=["shipped", "tiny-thresholds"])
@FUZZ
@given(data=st.data())
def test_lone_data_lines_in_any_split_give_what_one_read_gives(
    tiny: bool, data: Any
) -> None:
    """A stream of lone data lines cut anywhere gives the events, the size error (after
    the same events) and the end state of one read; the reference's events if no cap."""
    stream = data.draw(data_lines())
    reads = data.draw(splits(stream))
    # Caps around the size of some line (where one is kept and the next refused), or
    # anything.
    sizes = [len(line) for line in stream.replace(b"\r", b"\n").split(b"\n") if line]
    near = [size + d for size in sizes for d in (-1, 0, 1, 2) if size + d > 0]
    cap = data.draw(
        st.one_of(st.none(), st.integers(1, len(stream) + 2), st.sampled_from(near))
        if near
        else st.none()
    )
    with thresholds(tiny):
        whole = decode_capped([stream], cap)
        assert decode_capped(reads, cap) == whole
    if cap is None:
        assert whole[0] == whatwg(stream)[0]


LINE = b"data: " + b"a" * 20 + b"\n\n"  # 28 bytes; 27 against the cap (line and LF)
LONGER = b"data: " + b"b" * 21 + b"\n\n"  # one byte more


@pytest.mark.parametrize("tiny", [False, True], ids=["shipped", "tiny-thresholds"])
@pytest.mark.parametrize(
    ("stream", "cap"),
    [
        (LINE + b"data: " + b"b" * 50, 40),  # then a line over the cap, unended
        (LINE + b"data: " + b"b" * 50 + b"\n\n" + LINE, 40),  # ended, then more
        (LINE + LINE + LINE, 27),  # lines of exactly the cap
        (LINE + LINE, 26),  # one byte over it
        (LINE + LONGER + LINE, 27),  # the first at the cap, the next one over
        (LINE + b"\n" + LINE, 27),  # a blank line between
        (b"id: 7\n\n" + LINE + LINE + LINE, None),  # the id in force sticks
        (LINE + b"dataX: " + b"c" * 30 + b"\n\n" + LINE, None),  # another field
    ],
)
def test_the_read_that_ends_a_data_line_keeps_the_cap_on_what_follows(
    tiny: bool, stream: bytes, cap: int | None
) -> None:
    """A read that completes a data line begun in an earlier read holds what follows
    it in that read to the cap as one read would, at every split point inside the
    first line (the lines after it taken one by one with tiny thresholds)."""
    start = stream.index(b"data:")
    with thresholds(tiny):
        whole = decode_capped([stream], cap)
        for cut in range(start + 1, start + len(LINE) - 2):
            assert decode_capped([stream[:cut], stream[cut:]], cap) == whole


def test_the_reference_reads_the_standards_examples() -> None:
    """The oracle itself, on the examples of WHATWG 9.2.6 (a wrong oracle proves
    nothing)."""
    stream = (
        b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
        b"data:  third event\n\ndata\n\ndata\ndata\n\ndata:\n"
    )
    events, last_id, retry = whatwg(stream)
    assert [(e.data, e.id) for e in events] == [
        ("first event", "1"),
        ("second event", ""),
        (" third event", ""),
        ("", ""),
        ("\n", ""),
    ]
    assert (last_id, retry) == ("", None)
    assert whatwg(b"\xef\xbb\xbfevent: add\r\ndata: 73857293\rretry: 9\n\n")[0] == [
        ServerSentEvent("add", "73857293", "", 9)
    ]


# ---------------------------------------------------------------- memory


def peak_while(feed: Iterator[bytes], decoder: SSEDecoder) -> tuple[int, bool]:
    """Peak traced bytes while feeding the reads, and whether the cap was hit."""
    tracemalloc.start()
    try:
        for read in feed:
            decoder.feed(read)
    except EventTooLargeError:
        return tracemalloc.get_traced_memory()[1], True
    finally:
        tracemalloc.stop()
    return tracemalloc.get_traced_memory()[1], False


MIB = 1 << 20
READ = 64 * 1024


def reads(first: bytes, body: bytes, total: int) -> Iterator[bytes]:
    """`first`, then `body` repeated in reads of ~64 KiB up to `total` bytes."""
    yield first
    chunk = body * max(1, READ // len(body))
    for _ in range(total // len(chunk)):
        yield chunk


@pytest.mark.parametrize(
    ("first", "body", "per_cap", "extra"),
    [
        # One endless line, no newline ever: the pieces, joined once.
        (b"data: ", b"x", 3, 4 * READ),
        # Short lines held by no blank line are kept as Python strings (a few
        # times their bytes), and splitting a 1 MiB run of them into lines costs
        # ~20 MiB for a moment, whatever the cap.
        (b"", b"data: 0123456789abcdef\n", 4, 24 * MIB),
        (b"", b"id: 1\n", 4, 24 * MIB),
    ],
    ids=["endless-line", "endless-data-lines", "endless-id-lines"],
)
def test_memory_is_bounded_by_the_cap(
    first: bytes, body: bytes, per_cap: int, extra: int
) -> None:
    """Bytes that no blank line ends cost memory in proportion to the cap, then
    raise EventTooLargeError, whatever the server keeps sending."""
    for cap in (MIB, 4 * MIB):
        peak, hit = peak_while(
            reads(first, body, 64 * MIB), SSEDecoder(max_event_bytes=cap)
        )
        assert hit
        assert peak < per_cap * cap + extra, f"peak {peak / MIB:.1f} MiB"


def test_comments_are_never_kept() -> None:
    """An endless run of comments (heartbeats without a blank line) costs the same
    after 2 MiB as after 6 MiB: they are dropped, not piled up under the cap."""
    peaks = [
        peak_while(reads(b"data: x\n", b": keepalive\n", n * MIB), SSEDecoder())
        for n in (2, 6)
    ]
    assert not any(hit for _, hit in peaks)
    assert peaks[1][0] < 1.25 * peaks[0][0] + MIB, peaks
