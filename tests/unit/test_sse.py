"""The SSE decoder: WHATWG HTML 9.2.4-9.2.6, and the peer bugs in docs/streaming.md."""

from __future__ import annotations

import gc
import itertools
import re
import time
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import agentrail._sse
from agentrail._errors import EventDecodeError, EventTooLargeError, StreamError
from agentrail._sse import ServerSentEvent, SSEDecoder

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sse"
TRANSCRIPTS = sorted(FIXTURES.glob("*.txt"))
BOM = b"\xef\xbb\xbf"


def decode(reads: Iterable[bytes], **kwargs: int | None) -> list[ServerSentEvent]:
    """Feed the reads to a new decoder, then end the stream; return every event."""
    decoder = SSEDecoder(**kwargs)
    events = [event for read in reads for event in decoder.feed(read)]
    return events + decoder.end()


def one_byte_reads(stream: bytes) -> list[bytes]:
    """The stream cut into reads of one byte each."""
    return [stream[i : i + 1] for i in range(len(stream))]


def reference(stream: bytes) -> tuple[list[ServerSentEvent], str, int | None]:
    """WHATWG 9.2.5-9.2.6 read literally over the whole stream: the test oracle."""
    text = stream.removeprefix(BOM).decode("utf-8", "replace")
    lines = re.split(r"\r\n|\r|\n", text)[:-1]  # the last piece is unterminated
    events: list[ServerSentEvent] = []
    data: list[str] = []
    type_ = id_buffer = last_id = ""
    retry = block_retry = None
    for line in lines:
        if not line:
            last_id = id_buffer
            if data:
                event = ServerSentEvent(
                    type_ or "message", "\n".join(data), last_id, block_retry
                )
                events.append(event)
            data, type_, block_retry = [], "", None
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            type_ = value
        elif name == "id" and "\0" not in value:
            id_buffer = value
        elif name == "retry" and re.fullmatch("[0-9]+", value):
            block_retry = retry = int(value)
    return events, last_id, retry


# -- WHATWG HTML 9.2.6, the examples -------------------------------------------------


def test_whatwg_example_messages() -> None:
    """Three messages, the second of two data lines joined with LF."""
    stream = (
        b"data: This is the first message.\n\n"
        b"data: This is the second message, it\ndata: has two lines.\n\n"
        b"data: This is the third message.\n\n"
    )
    assert [e.data for e in decode([stream])] == [
        "This is the first message.",
        "This is the second message, it\nhas two lines.",
        "This is the third message.",
    ]


def test_whatwg_example_event_types() -> None:
    """`event:` sets the type of the event it belongs to, and only that one."""
    stream = (
        b"event: add\ndata: 73857293\n\n"
        b"event: remove\ndata: 2153\n\n"
        b"event: add\ndata: 113411\n\n"
    )
    assert [(e.event, e.data) for e in decode([stream])] == [
        ("add", "73857293"),
        ("remove", "2153"),
        ("add", "113411"),
    ]


def test_whatwg_example_last_event_id() -> None:
    """A comment fires nothing, `id: 1` is the event's id, an empty `id` resets it."""
    stream = (
        b": test stream\n\n"
        b"data: first event\nid: 1\n\n"
        b"data:second event\nid\n\n"
        b"data:  third event\n\n"
    )
    decoder = SSEDecoder()
    events = decoder.feed(stream)
    assert events == [
        ServerSentEvent("message", "first event", "1"),
        ServerSentEvent("message", "second event", ""),
        ServerSentEvent("message", " third event", ""),
    ]
    assert decoder.last_event_id == ""


def test_whatwg_example_empty_data_lines() -> None:
    """`data` alone is an empty line of data; the final unterminated block is lost."""
    stream = b"data\n\ndata\ndata\n\ndata:"
    assert [e.data for e in decode([stream])] == ["", "\n"]


def test_whatwg_example_space_after_colon() -> None:
    """`data:test` and `data: test` are the same event."""
    assert [e.data for e in decode([b"data:test\n\ndata: test\n\n"])] == ["test"] * 2


# -- 9.2.5: decoding and lines ---------------------------------------------------------


def test_bom_stripped_once() -> None:
    """One leading BOM is stripped; a second is data and spoils the first field name."""
    assert decode([BOM + b"data: a\n\n"]) == [ServerSentEvent(data="a")]
    assert decode([BOM + BOM + b"data: a\n\ndata: b\n\n"]) == [
        ServerSentEvent(data="b")
    ]


@pytest.mark.parametrize("cut", [1, 2, 3])
def test_bom_split_across_reads_and_after_empty_reads(cut: int) -> None:
    """A BOM split across reads, with empty reads around, still goes (eventsource-stream #10, eventsource-parser #41)."""  # noqa: E501
    reads = [b"", BOM[:cut], b"", BOM[cut:], b"", b"data: first\n\n"]
    assert decode(reads) == [ServerSentEvent(data="first")]


def test_bom_later_in_the_stream_is_data() -> None:
    """A U+FEFF after the start of the stream is kept as data."""
    stream = b"data: a\n\ndata: " + BOM + b"b\n\n"
    assert [e.data for e in decode([stream])] == ["a", "\ufeffb"]


def test_short_stream_that_looks_like_a_bom_start_is_kept() -> None:
    """Bytes that begin like a BOM but are not one stay in the stream."""
    assert decode([b"\xef", b"\xbbdata: x\n\n"]) == []
    decoder = SSEDecoder()
    assert decoder.feed(b"\xef\xbb") == []
    decoder.end()
    assert decoder.ended_mid_event


def test_invalid_utf8_becomes_replacement_character() -> None:
    """Invalid bytes become U+FFFD and never raise (Stainless decoders)."""
    stream = b"event: \xffx\ndata: a\xc3\x28b\xe2\x82\ndata: \xf0\x9f\n\n"
    assert decode([stream]) == [ServerSentEvent("\ufffdx", "a\ufffd(b\ufffd\n\ufffd")]


def test_utf8_split_across_reads() -> None:
    """A multi-byte character split at any byte decodes whole (Stainless decoders)."""
    stream = "data: caf\u00e9 \U0001f600 \u20ac\n\n".encode()
    expected = [ServerSentEvent(data="caf\u00e9 \U0001f600 \u20ac")]
    for cut in range(len(stream) + 1):
        assert decode([stream[:cut], stream[cut:]]) == expected


def test_lines_end_at_crlf_lf_or_lone_cr() -> None:
    """CRLF, LF and a lone CR each end a line, in any mix."""
    stream = b"data: a\r\ndata: b\rdata: c\n\r\nevent: e\rdata: d\r\r"
    assert decode([stream]) == [
        ServerSentEvent(data="a\nb\nc"),
        ServerSentEvent("e", "d"),
    ]


@pytest.mark.parametrize(
    "separator",
    ["\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c"],
    ids=["LS", "PS", "NEL", "VT", "FF", "FS"],
)
def test_unicode_line_separators_are_data(separator: str) -> None:
    """U+2028, U+2029, NEL, VT and FF do not end lines (httpx-sse #34, MCP python-sdk #1356, sseclient #9)."""  # noqa: E501
    data = f'{{"text": "a{separator}b"}}'
    stream = f"data: {data}\n\n".encode()
    assert decode([stream]) == [ServerSentEvent(data=data)]
    assert decode(one_byte_reads(stream)) == [ServerSentEvent(data=data)]


def test_crlf_split_across_reads_gives_no_extra_event() -> None:
    """CR at the end of one read and LF at the start of the next are one line end (eventsource-parser #17, eventsource #326)."""  # noqa: E501
    reads = [b"data: a\r", b"\n\r", b"\ndata: b\r\n\r", b"\n"]
    assert decode(reads) == [ServerSentEvent(data="a"), ServerSentEvent(data="b")]


def test_cr_at_end_of_read_ends_the_line_at_once() -> None:
    """A CR that ends a read dispatches at once, and one LF after it is skipped."""
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r\r") == [ServerSentEvent(data="a")]
    assert decoder.feed(b"\ndata: b\r\n") == []
    assert decoder.feed(b"\r") == [ServerSentEvent(data="b")]
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\n\n") == []  # one LF skipped, then a blank line
    assert decoder.last_event_id == ""


# -- 9.2.6: fields ---------------------------------------------------------------------


def test_comments_are_ignored() -> None:
    """Lines starting with a colon are comments, in a block or alone."""
    stream = b": hello\n:\n\ndata: a\n: inside\ndata: b\n\n"
    assert decode([stream]) == [ServerSentEvent(data="a\nb")]


def test_field_name_ends_at_first_colon() -> None:
    """The value is everything after the first colon, later colons included."""
    assert decode([b"data: a: b:c\n\n"]) == [ServerSentEvent(data="a: b:c")]


def test_one_leading_space_is_stripped() -> None:
    """Exactly one space after the colon goes; more spaces and tabs stay."""
    stream = b"data:  two\ndata:\tTAB\ndata: \n\n"
    assert decode([stream]) == [ServerSentEvent(data=" two\n\tTAB\n")]


def test_line_without_colon_is_field_with_empty_value() -> None:
    """`data` alone adds an empty line; `event` alone means the default type."""
    assert decode([b"event\ndata\n\n"]) == [ServerSentEvent("message", "")]


def test_field_names_are_case_sensitive() -> None:
    """`Data`, `EVENT` and `Id` are unknown fields."""
    stream = b"Data: x\nEVENT: y\nId: z\ndata: a\n\n"
    assert decode([stream]) == [ServerSentEvent(data="a")]


def test_space_before_colon_makes_an_unknown_field() -> None:
    """`data : x` names the field `data `, which is ignored."""
    assert decode([b"data : x\n\n"]) == []
    assert decode([b"data : x\ndata: y\n\n"]) == [ServerSentEvent(data="y")]


def test_unknown_fields_are_ignored() -> None:
    """Fields other than event, data, id and retry change nothing."""
    stream = b"vendor: 1\nid: 7\nfoo\ndata: a\nbar: 2\n\n"
    assert decode([stream]) == [ServerSentEvent(data="a", id="7")]


def test_empty_event_type_means_message() -> None:
    """`event:` with no value dispatches a `message` event."""
    assert decode([b"event:\ndata: a\n\n"]) == [ServerSentEvent("message", "a")]


def test_event_type_does_not_carry_over() -> None:
    """The type is reset after each dispatch, and by a block without data."""
    stream = b"event: a\ndata: 1\n\nevent: b\n\ndata: 2\n\n"
    assert [e.event for e in decode([stream])] == ["a", "message"]


def test_data_drops_one_trailing_lf() -> None:
    """Data lines are joined with LF and only the final LF is dropped."""
    assert decode([b"data: a\ndata\ndata\n\n"]) == [ServerSentEvent(data="a\n\n")]


def test_id_with_nul_is_ignored() -> None:
    """An `id` containing U+0000 leaves the last event id as it was."""
    stream = b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n"
    decoder = SSEDecoder()
    assert [e.id for e in decoder.feed(stream)] == ["1", "1"]
    assert decoder.last_event_id == "1"


def test_empty_id_resets_last_event_id() -> None:
    """`id:` with no value resets the last event id to the empty string."""
    decoder = SSEDecoder()
    events = decoder.feed(b"id: 1\ndata: a\n\nid:\ndata: b\n\n")
    assert [e.id for e in events] == ["1", ""]
    assert decoder.last_event_id == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3000", 3000),
        ("0", 0),
        ("007", 7),
        ("+5", None),
        ("-1", None),
        (" 10", None),
        ("1_000", None),
        ("10.5", None),
        ("1e3", None),
        ("", None),
        ("\u0661\u0662", None),
        ("\u00b2", None),
    ],
)
def test_retry_takes_only_ascii_digits(value: str, expected: int | None) -> None:
    """`retry` is taken only when its value is ASCII digits (int() would take more)."""
    decoder = SSEDecoder()
    events = decoder.feed(f"retry: {value}\ndata: a\n\n".encode())
    assert events == [ServerSentEvent(data="a", retry=expected)]
    assert decoder.retry == expected


def test_retry_belongs_to_its_block_and_stays_on_the_decoder() -> None:
    """An event carries the retry of its own block; the decoder keeps the last one."""
    decoder = SSEDecoder()
    events = decoder.feed(b"retry: 10\n\ndata: a\n\nretry: 20\ndata: b\n\ndata: c\n\n")
    assert [e.retry for e in events] == [None, 20, None]
    assert decoder.retry == 20


@pytest.mark.parametrize(
    "order", list(itertools.permutations(["id: 7", "event: e", "retry: 9", "data: a"]))
)
def test_fields_in_any_order(order: tuple[str, ...]) -> None:
    """The order of the fields in a block does not change its event."""
    decoder = SSEDecoder()
    stream = "\n".join([*order, "data: b", "", ""]).encode()
    assert decoder.feed(stream) == [ServerSentEvent("e", "a\nb", "7", 9)]
    reverse = "\n".join([*order[::-1], "", ""]).encode()
    assert decoder.feed(reverse) == [ServerSentEvent("e", "a", "7", 9)]


# -- 9.2.6: dispatch -------------------------------------------------------------------


def test_blocks_without_data_dispatch_nothing() -> None:
    """Blocks with only event, id or retry fields make no event (httpx-sse #35)."""
    decoder = SSEDecoder()
    assert decoder.feed(b"event: x\n\nid: 5\n\nretry: 100\n\n\n\n") == []
    assert decoder.last_event_id == "5"
    assert decoder.retry == 100


def test_heartbeats_make_no_phantom_events() -> None:
    """Comment heartbeats after an id make no empty events (httpx-sse #35, openai-python #2722, #3833)."""  # noqa: E501
    stream = b"id: 1\ndata: {}\n\n" + b": ping\n\n" * 50 + b":\n\n\n" + b"data: {}\n\n"
    events = decode([stream])
    assert events == [ServerSentEvent(data="{}", id="1")] * 2
    assert [event.json() for event in events] == [{}, {}]


def test_last_event_id_is_sticky() -> None:
    """Events without `id` keep the last one, which the decoder exposes (eventsource #291, #358)."""  # noqa: E501
    decoder = SSEDecoder()
    events = decoder.feed(b"id: 1\ndata: a\n\ndata: b\n\n: ping\n\ndata: c\n\n")
    assert [e.id for e in events] == ["1", "1", "1"]
    assert decoder.last_event_id == "1"


def test_last_event_id_is_committed_at_the_blank_line() -> None:
    """An id counts only once its block is closed by a blank line."""
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 1\ndata: a\n\nid: 2\ndata: b\n") == [
        ServerSentEvent(data="a", id="1")
    ]
    assert decoder.last_event_id == "1"
    assert decoder.feed(b"\n") == [ServerSentEvent(data="b", id="2")]
    assert decoder.last_event_id == "2"


# -- end of stream ---------------------------------------------------------------------


def test_end_discards_the_unterminated_block_and_its_id() -> None:
    """At end of stream an open block is lost and its id is not committed."""
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 1\ndata: a\n\nid: 2\ndata: b\n") == [
        ServerSentEvent(data="a", id="1")
    ]
    assert decoder.end() == []
    assert decoder.last_event_id == "1"
    assert decoder.ended_mid_event


@pytest.mark.parametrize(
    ("stream", "mid_event"),
    [
        (b"", False),
        (b"data: a\n\n", False),
        (b"data: a\n\n: keepalive\n", False),
        (b"data: a\n\n: keepal", False),
        (b"data: a\n\nunknown: field\n", False),
        (b"data: a\n\ndata: b", True),
        (b"data: a\n\ndata: b\n", True),
        (b"data: a\n\nid: 2\n", True),
        (b"data: a\n\nretry: 5\n", True),
        (b"data: a\n\nda", True),
        (b"data: a\n\r", False),
    ],
)
def test_end_reports_a_stream_cut_inside_an_event(
    stream: bytes, mid_event: bool
) -> None:
    """`ended_mid_event` says whether end() discarded field lines or a field's start."""
    decoder = SSEDecoder()
    decoder.feed(stream)
    assert not decoder.ended_mid_event
    assert decoder.end() == []
    assert decoder.ended_mid_event is mid_event


def test_cr_pending_at_end_counts_as_a_line_end() -> None:
    """A stream ending in CR dispatched its last block already and ends cleanly."""
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r\r") == [ServerSentEvent(data="a")]
    assert decoder.end() == []
    assert not decoder.ended_mid_event


def test_end_sets_retry_from_the_discarded_block() -> None:
    """9.2.6 applies `retry` when its line is read, so a cut block still sets it."""
    decoder = SSEDecoder()
    decoder.feed(b"retry: 750\ndata: lost\n")
    assert decoder.retry is None  # not read until its block closes or the stream ends
    decoder.end()
    assert decoder.retry == 750


def test_decoder_takes_a_new_connection_after_end() -> None:
    """After end() the next bytes are a new stream (BOM and all); id and retry stay."""
    decoder = SSEDecoder()
    decoder.feed(b"retry: 5\nid: 9\ndata: a\n\ndata: cut")
    decoder.end()
    assert decoder.feed(BOM + b"data: b\n\n") == [ServerSentEvent(data="b", id="9")]
    assert (decoder.last_event_id, decoder.retry) == ("9", 5)


# -- ServerSentEvent -------------------------------------------------------------------


def test_event_defaults_and_immutability() -> None:
    """An event defaults to an empty `message` and cannot be changed."""
    event = ServerSentEvent()
    assert (event.event, event.data, event.id, event.retry) == ("message", "", "", None)
    with pytest.raises(AttributeError):
        event.data = "x"  # type: ignore[misc]


def test_decoded_events_are_ordinary_events() -> None:
    """The events the decoder builds (with `tuple.__new__`, on every path) equal, hash
    and refuse changes like events built with `ServerSentEvent(...)`."""
    block = b"retry: 5\nid: 7\nevent: e\ndata: d\n\n"
    odd = b"retry: 5\nid: 7\nevent: e\nfoo\ndata: d\n\n"  # line by line
    long = block.replace(b"data: d", b"data: " + b"d" * 10_000)  # the long-block path
    built = ServerSentEvent("e", "d", "7", 5)
    for stream, expected in [
        (block, built),
        (odd, built),
        (long, built._replace(data="d" * 10_000)),
    ]:
        (decoded,) = decode([stream[:20], stream[20:]])
        assert (decoded, hash(decoded), repr(decoded)) == (
            expected,
            hash(expected),
            repr(expected),
        )
        assert type(decoded) is ServerSentEvent
        with pytest.raises(AttributeError):
            decoded.data = "x"  # type: ignore[misc]


def test_json_parses_data() -> None:
    """`json()` decodes the data."""
    assert ServerSentEvent(data='{"a": [1, "\u2028"]}').json() == {"a": [1, "\u2028"]}


def test_json_error_names_the_event_not_the_data() -> None:
    """Bad JSON raises EventDecodeError naming type and id, not the data, chained."""
    event = ServerSentEvent("task.updated", "secret-token{", "evt_9")
    with pytest.raises(EventDecodeError) as caught:
        event.json()
    error = caught.value
    assert isinstance(error, StreamError) and isinstance(error, ValueError)
    assert "task.updated" in str(error) and "evt_9" in str(error)
    assert "secret-token" not in str(error)
    assert error.last_event_id == "evt_9"
    assert isinstance(error.__cause__, ValueError)


# -- max_event_bytes -------------------------------------------------------------------


def test_max_event_bytes_one_long_line_stops_at_the_cap() -> None:
    """100 MB of one line in 64 KiB reads raises once past the cap, holding no more (aiohttp-sse-client #11, httpx2 #1071)."""  # noqa: E501
    limit, size = 4 * 1024 * 1024, 64 * 1024
    decoder = SSEDecoder(max_event_bytes=limit)
    decoder.feed(b"id: 3\ndata: a\n\ndata: ")
    tracemalloc.start()
    try:
        fed = 0
        with pytest.raises(EventTooLargeError) as caught:
            for _ in range(100 * 1024 * 1024 // size):
                decoder.feed(b"x" * size)  # a new object each time
                fed += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert fed * size < limit <= (fed + 1) * size  # the read past the cap raised
    assert peak < limit + 4 * size
    assert caught.value.limit == limit
    assert caught.value.last_event_id == "3"


def test_max_event_bytes_many_lines_and_nothing_truncated() -> None:
    """An event at the cap arrives whole; one byte more raises, never truncates."""
    line = b"data: " + b"x" * 94 + b"\n"  # 101 bytes with its LF
    event = line * 9 + b"data: " + b"y" * 84  # 999 bytes, 1,000 with its last LF
    for reads in ([event + b"\n\n"], one_byte_reads(event + b"\n\n")):
        events = decode(reads, max_event_bytes=1000)
        assert events == [ServerSentEvent(data=("x" * 94 + "\n") * 9 + "y" * 84)]
    for reads in ([event + b"y\n\n"], one_byte_reads(event + b"y\n\n")):
        with pytest.raises(EventTooLargeError):
            decode(reads, max_event_bytes=1000)


def test_max_event_bytes_returns_earlier_events_first() -> None:
    """Events before the large one in the same read come back; the error follows."""
    decoder = SSEDecoder(max_event_bytes=100)
    stream = b"id: 1\ndata: a\n\nid: 2\ndata: " + b"x" * 200 + b"\n\ndata: c\n\n"
    assert decoder.feed(stream) == [ServerSentEvent(data="a", id="1")]
    with pytest.raises(EventTooLargeError) as caught:
        decoder.feed(b"data: d\n\n")
    assert caught.value.last_event_id == "1"


def test_max_event_bytes_does_not_count_comments() -> None:
    """Heartbeat comments without blank lines are never buffered, so never too large."""
    decoder = SSEDecoder(max_event_bytes=1000)
    for _ in range(2000):
        assert decoder.feed(b": keepalive\n") == []
    assert decoder.feed(b"data: a\n\n") == [ServerSentEvent(data="a")]


def test_max_event_bytes_none_disables_the_cap() -> None:
    """With `max_event_bytes=None` a large event is decoded whole."""
    stream = b"data: " + b"x" * (20 * 1024 * 1024) + b"\n\n"
    [event] = decode([stream[:7], stream[7:]], max_event_bytes=None)
    assert len(event.data) == 20 * 1024 * 1024
    with pytest.raises(EventTooLargeError):
        decode([stream])  # the default cap is 16 MiB


# -- long blocks (over 4 KiB): matched in the bytes, values decoded alone -------------

LONG = (
    "caf\u00e9 \u751f\u6210 \u041c\u043e\u0434 \U0001f680 " * 600
)  # ~12 KB, 1-4 B chars


@pytest.mark.parametrize(
    "stream",
    [
        pytest.param(f"data: {LONG}\n\n".encode(), id="one data line"),
        pytest.param(f"data:{LONG}\n\ndata:  {LONG}\n\n".encode(), id="no/two spaces"),
        pytest.param(
            f"id: 7\nevent: e\nretry: 5\ndata: {LONG}\n\n".encode(), id="head"
        ),
        pytest.param(
            f"data: a\n\ndata: {LONG}\n\ndata: b\n\n".encode(), id="short around"
        ),
        pytest.param(
            f"data: {LONG}\n\n\n\ndata: {LONG}\n\n".encode(), id="blank lines"
        ),
        pytest.param(f"id: 1\ndata: x\n\ndata: {LONG}\n\n".encode(), id="sticky id"),
        pytest.param(f"data: {LONG}\ndata: {LONG}\n\n".encode(), id="two data lines"),
        pytest.param(f": {LONG}\ndata: {LONG}\n\n".encode(), id="long comment first"),
        pytest.param(f": {LONG}\n\nevent: {LONG}\n\n".encode(), id="no data"),
        pytest.param(f"event: {LONG}\ndata: y\n\n".encode(), id="long event type"),
        pytest.param(f"id: a\0b\ndata: {LONG}\n\n".encode(), id="id with NUL"),
        pytest.param(f"retry: 5x\ndata: {LONG}\n\n".encode(), id="bad retry"),
        pytest.param(f"data: {LONG}\r\n\r\n".encode(), id="crlf"),
        pytest.param(
            b"data: \xe2\x82" + LONG.encode() + b"\xff\xf0\x9f\n\n",
            id="bad utf-8 at ends",
        ),
    ],
)
@pytest.mark.parametrize("read", [1 << 20, 4096, 4097, 777])
def test_long_blocks_follow_whatwg(stream: bytes, read: int) -> None:
    """Blocks past 4 KiB, at a read's start or after others, in any usual or odd
    shape, give the reference's events, last id and retry, whatever the reads."""
    reads = [stream[i : i + read] for i in range(0, len(stream), read)]
    decoder = SSEDecoder(max_event_bytes=None)
    events = [e for r in reads for e in decoder.feed(r)] + decoder.end()
    assert (events, decoder.last_event_id, decoder.retry) == reference(stream)
    assert all(type(e) is ServerSentEvent and len(e) == 4 for e in events)


# -- split invariance, fixtures and speed ----------------------------------------------


def _variants() -> list[pytest.ParameterSet]:
    """Each transcript with LF, CRLF and lone-CR line ends, and with a BOM."""
    params = []
    for path in TRANSCRIPTS:
        stream = path.read_bytes()
        params += [
            pytest.param(stream, id=f"{path.stem}-lf"),
            pytest.param(stream.replace(b"\n", b"\r\n"), id=f"{path.stem}-crlf"),
            pytest.param(stream.replace(b"\n", b"\r"), id=f"{path.stem}-cr"),
            pytest.param(BOM + stream, id=f"{path.stem}-bom"),
        ]
    return params


@pytest.mark.parametrize("stream", _variants())
def test_any_split_gives_the_same_events(stream: bytes) -> None:
    """Every 2-way split and 1-byte reads give the events of one read, which follow WHATWG."""  # noqa: E501
    decoder = SSEDecoder()
    whole = decoder.feed(stream) + decoder.end()
    state = (decoder.last_event_id, decoder.retry, decoder.ended_mid_event)
    assert (whole, *state[:2]) == reference(stream)
    assert whole
    for cut in range(len(stream) + 1):
        decoder = SSEDecoder()
        events = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:])
        events += decoder.end()
        assert events == whole, cut
        assert (decoder.last_event_id, decoder.retry, decoder.ended_mid_event) == state
    assert decode(one_byte_reads(stream)) == whole


def test_fixture_task_events() -> None:
    """The mock's framing gives typed events with sticky ids and no heartbeat events."""
    decoder = SSEDecoder()
    events = decoder.feed((FIXTURES / "task_events.txt").read_bytes())
    assert [(e.event, e.id, e.retry) for e in events] == [
        ("task.created", "evt_0001", 1500),
        ("task.updated", "evt_0002", None),
        ("task.updated", "evt_0003", None),
        ("lagged", "evt_0003", None),
        ("task.completed", "evt_0007", None),
    ]
    assert events[3].json() == {"dropped": 3}
    assert decoder.last_event_id == "evt_0007"


def test_fixture_session_log() -> None:
    """Odd field forms, non-ASCII text and a cut final block decode as WHATWG says."""
    decoder = SSEDecoder()
    events = decoder.feed((FIXTURES / "session_log.txt").read_bytes())
    assert [(e.event, e.data, e.id) for e in events[:2]] == [
        ("log", "step 1: plan\n  indented (one space is stripped)", ""),
        ("log", "\nafter an empty line", "log-2"),
    ]
    assert (
        events[2].json()["text"]
        == "caf\u00e9 \u2028 line separator \u2029 paragraph \U0001f600"
    )
    assert [(e.event, e.data, e.id, e.retry) for e in events[3:]] == [
        ("message", "no space after the colon", "log-2", None),
        ("message", "the id was reset and the type is message", "", None),
        ("status", "retry with a sign is ignored", "only-an-id", None),
    ]
    decoder.end()
    assert decoder.ended_mid_event
    assert (decoder.last_event_id, decoder.retry) == ("only-an-id", 250)


# Pieces of streams for property tests: odd field forms, bad UTF-8, every line end.
# fmt: off
PIECES = [
    b"data: x", b"data:y", b"data", b"data:  z", b"data : no", b"id: 1", b"id:",
    b"id: a\0b", b"event: e", b"event:", b"retry: 10", b"retry: +5", b": c",
    b"foo: bar", b"data: \xe2\x80\xa8", b"data: \xff", b"\xe2\x82", BOM,
    b"data: \xc3\xa9", b"\n", b"\r", b"\r\n", b"\n", b"\r\n",
]
# fmt: on
STREAMS = st.lists(st.sampled_from(PIECES), max_size=40).map(b"".join)
CUTS = st.lists(st.integers(min_value=0, max_value=400), max_size=6)


def cut(stream: bytes, cuts: list[int]) -> list[bytes]:
    """The stream cut into reads at the given offsets."""
    points = sorted({min(point, len(stream)) for point in cuts})
    ends = [*points, len(stream)]
    return [stream[a:b] for a, b in zip([0, *points], ends, strict=True)]


@settings(max_examples=150, deadline=None)
@given(STREAMS, CUTS)
def test_random_streams_and_splits_follow_whatwg(
    stream: bytes, cuts: list[int]
) -> None:
    """Any stream of these pieces, cut anywhere, decodes as the literal WHATWG reading does."""  # noqa: E501
    decoder = SSEDecoder()
    events = [event for read in cut(stream, cuts) for event in decoder.feed(read)]
    events += decoder.end()
    assert (events, decoder.last_event_id, decoder.retry) == reference(stream)


def _block_sizes(stream: bytes) -> list[tuple[int, int]]:
    """Bytes of each block: all its lines, and the field lines of a closed one."""
    text = re.sub(rb"\r\n|\r", b"\n", stream.removeprefix(BOM))
    *blocks, rest = re.split(rb"(?:^|(?<=\n))\n", text)
    sizes = [
        (len(block), sum(len(x) + 1 for x in block.split(b"\n")[:-1] if x[:1] != b":"))
        for block in blocks
    ]
    return [*sizes, (len(rest), 0)]  # the cut block's lines: pending, so counted


@settings(max_examples=100, deadline=None)
@given(STREAMS, CUTS, st.integers(min_value=1, max_value=60))
def test_random_streams_under_a_cap_raise_only_for_large_events(
    stream: bytes, cuts: list[int], cap: int
) -> None:
    """Under any cap the events are a prefix of the uncapped ones, and the error comes exactly when a block outgrows it."""  # noqa: E501
    decoder = SSEDecoder(max_event_bytes=cap)
    events: list[ServerSentEvent] = []
    raised = False
    try:
        for read in cut(stream, cuts):
            events += decoder.feed(read)
        events += decoder.end()
    except EventTooLargeError:
        raised = True
    expected = reference(stream)[0]
    assert events == expected[: len(events)]
    sizes = _block_sizes(stream)
    if any(fields > cap for _, fields in sizes):
        assert raised  # field lines always count
    if all(lines <= cap for lines, _ in sizes):
        assert not raised  # comments never tip a block over
        assert events == expected


def _best_time(reads: list[bytes]) -> float:
    """The best of three timings of decoding the reads, in this thread's CPU time: other
    processes and threads (a mock's, a bench's) on a busy machine do not count."""
    best = float("inf")
    # A collection of the events made so far would land in one timing and not in
    # another: that, not the decoder, is what varied between runs.
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            start = time.thread_time()
            decode(reads, max_event_bytes=None)
            best = min(best, time.thread_time() - start)
    finally:
        gc.enable()
    return best


@pytest.mark.parametrize(
    ("make", "read_size", "compact_at"),
    [
        (lambda n: b"data: " + b"x" * (n * 1_000_000) + b"\n\n", 1024, None),
        (lambda n: b"id: 1\nevent: e\ndata: {}\n\n" * (n * 500), 1, None),
        (lambda n: b"data: x\n" * (n * 20_000) + b"\n", 1024, None),
        (lambda n: b"data: x\n" * (n * 5_000) + b"\n", 1024, 4096),
    ],
    ids=["one-long-line", "one-byte-reads", "many-lines", "many-lines-compacted"],
)
def test_time_is_linear_in_the_bytes(
    make: Callable[[int], bytes],
    read_size: int,
    compact_at: int | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Eight times the bytes take about eight times as long, not sixty-four (eventsource-parser #19, #28, eventsource-stream #11, openai-python #3687, httpx-sse #40)."""  # noqa: E501
    if compact_at:  # interpret open blocks line by line early, as long ones are
        monkeypatch.setattr(agentrail._sse, "_COMPACT_AT", compact_at)
    times = []
    for n in (1, 8):
        stream = make(n)
        reads = [stream[i : i + read_size] for i in range(0, len(stream), read_size)]
        times.append(_best_time(reads))
    # Linear is 8x and quadratic 64x: the bound sits far from both.
    assert times[1] < 24 * times[0]
