"""Fuzzing the typed-event parsers: whatever `data` a known frame carries, the result
is an event or `EventDecodeError` (which a stream counts and skips), never another
exception, which would end the stream for good.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentrail import EventDecodeError, ServerSentEvent
from agentrail._events import LOG_EVENTS, TASK_EVENTS, _parse_task
from agentrail._model_events import RUN_EVENTS, SESSION_EVENTS

pytestmark = pytest.mark.timeout(120)

T = "2026-01-02T03:04:05Z"
TEXT = [{"type": "text", "text": "hi"}]
SESSION = {"id": "e1", "processed_at": T}
# One valid `data` per event name: the fuzzer changes one field at a time.
VALID: dict[str, dict[str, Any]] = {
    "task.updated": {"id": "1", "type": "task.updated", "created_at": T,
                     "sequence": 1, "task_id": "t1", "data": {"a": 1}},
    "result": {"id": "1", "bench_run_id": 1, "case_id": "c1", "execution_id": "x1",
               "status": "ok", "verdict": "pass", "headline_score": 0.5,
               "cost_usd": 0.01, "duration_ms": 3, "created_at": T},
    "lagged": {"dropped": 3},
    "terminal": {"status": "completed"},
    "user.message": {**SESSION, "type": "user.message", "content": TEXT},
    "agent.message": {**SESSION, "type": "agent.message", "content": TEXT},
    "agent.tool_use": {**SESSION, "type": "agent.tool_use", "name": "n",
                       "input": {"q": 1}},
    "session.status_idle": {**SESSION, "type": "session.status_idle",
                            "stop_reason": "end_turn"},
    "session.error": {**SESSION, "type": "session.error",
                      "error": {"type": "t", "message": "m"}},
}  # fmt: skip
TABLES = {**TASK_EVENTS, **RUN_EVENTS, **SESSION_EVENTS, **LOG_EVENTS}

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()  # NaN and +-Infinity too: json.loads accepts them
    | st.text(max_size=20)
    | st.sampled_from(["", "9999-99-99", "+275760-09-13T00:00:00Z", "\ud800"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
HOSTILE = [
    "[" * 100_000,  # deeper than the interpreter's recursion limit
    '{"a":' * 100_000,
    "1e999999",
    "",
    "\x00",
    "nul\x00l",
    '"\\ud800"',
    "[]",
    "null",
]


def parse(name: str, data: str) -> Any:
    return TABLES[name](ServerSentEvent(name, data, "7"))


def survives(name: str, data: str) -> None:
    """Parsing gives an event or EventDecodeError, and the error names the id."""
    try:
        parse(name, data)
    except EventDecodeError as exc:
        assert exc.last_event_id == "7"


def test_every_valid_sample_parses() -> None:
    """The samples the fuzzer mutates are valid: what fails below is the mutation."""
    for name, data in VALID.items():
        assert parse(name, json.dumps(data)) is not None


@pytest.mark.parametrize("name", sorted(TABLES))
@pytest.mark.parametrize("data", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_data_is_an_event_or_a_decode_error(name: str, data: str) -> None:
    """Deep nesting, huge numbers, NUL, lone surrogates, empty data, wrong shapes."""
    survives(name, data)


NASTY = [float("inf"), float("-inf"), float("nan"), 10**400, -1, 0, 2**64, "", None,
         [], {}, True, "x" * 10_000, "\ud800"]  # fmt: skip


@pytest.mark.parametrize("name", sorted(VALID))
def test_nasty_values_in_every_field_are_an_event_or_a_decode_error(name: str) -> None:
    """Each field of a valid event set to infinities, NaN, huge integers, wrong
    types, long or broken strings."""
    for key in VALID[name]:
        for value in NASTY:
            survives(name, json.dumps({**VALID[name], key: value}))


@pytest.mark.parametrize("data", HOSTILE, ids=range(len(HOSTILE)))
def test_json_of_any_data_parses_or_raises_a_decode_error(data: str) -> None:
    """`.json()` of a raw event or a log line: a value, or EventDecodeError."""
    for event in (ServerSentEvent("message", data, "7"), parse("log", data)):
        try:
            event.json()
        except EventDecodeError as exc:
            assert exc.last_event_id == "7"


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(VALID)), field=st.data(), value=JSON)
def test_any_value_in_any_field_is_an_event_or_a_decode_error(
    name: str, field: Any, value: Any
) -> None:
    """One field of a valid event set to any JSON value (or removed)."""
    data = dict(VALID[name])
    key = field.draw(st.sampled_from(sorted(data)))
    if value is None and field.draw(st.booleans()):
        del data[key]
    else:
        data[key] = value
    survives(name, json.dumps(data))


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(TABLES)), value=JSON | st.text(max_size=40))
def test_any_data_is_an_event_or_a_decode_error(name: str, value: Any) -> None:
    """Any JSON document, or any text at all, as the data of any known event."""
    survives(name, value if isinstance(value, str) else json.dumps(value))


def same_task_event(data: str) -> None:
    """The task table's parser (msgspec's one-pass read for the usual form) and the
    general one (a dict, then the model's fields) give equal events or equal errors."""
    sse = ServerSentEvent("task.updated", data, "7")
    try:
        expected = _parse_task(sse)
    except EventDecodeError as exc:
        with pytest.raises(EventDecodeError) as raised:
            TASK_EVENTS["task.updated"](sse)
        assert str(raised.value) == str(exc)
    else:
        got = TASK_EVENTS["task.updated"](sse)
        assert got == expected
        assert type(got.created_at.tzinfo) is type(expected.created_at.tzinfo)
        assert type(got.sequence) is type(expected.sequence)


@settings(max_examples=500, deadline=None)
@given(field=st.data(), value=JSON, extra=st.booleans())
def test_the_fast_task_parser_agrees_with_the_general_one(
    field: Any, value: Any, extra: bool
) -> None:
    """One field of a task event set to any JSON value, removed, or an unknown key
    added: the same event or the same error either way."""
    data = dict(VALID["task.updated"])
    key = field.draw(st.sampled_from(sorted(data)))
    if value is None and field.draw(st.booleans()):
        del data[key]
    else:
        data[key] = value
    if extra:
        data[field.draw(st.text(max_size=8))] = value
    same_task_event(json.dumps(data))


@pytest.mark.parametrize(
    "data",
    [
        *HOSTILE,
        json.dumps(VALID["task.updated"]).replace(
            '{"id": "1"', '{"id": "0", "id": "1"'
        ),
        json.dumps({**VALID["task.updated"], "created_at": "2026-01-02t03:04:05z"}),
        json.dumps(
            {**VALID["task.updated"], "created_at": "2026-01-02T03:04:05+02:00"}
        ),
        json.dumps({**VALID["task.updated"], "created_at": "2026-01-02T03:04:05"}),
        json.dumps({**VALID["task.updated"], "sequence": 1.0}),
        json.dumps({**VALID["task.updated"], "sequence": True}),
        json.dumps({**VALID["task.updated"], "sequence": 2**70}),
        json.dumps({**VALID["task.updated"], "type": "task.someday"}),
        json.dumps({**VALID["task.updated"], "data": {"\u00e9": [1e300, None]}}),
        " " + json.dumps(VALID["task.updated"]) + "\n",
    ],
)
def test_the_fast_task_parser_agrees_on_edge_cases(data: str) -> None:
    """Duplicate keys, timestamps in other forms, numbers of other types, an unknown
    type, whitespace, hostile data: the same event or the same error either way."""
    same_task_event(data)
