"""The event payload parser (`agentrail._json.loads`): msgspec first, `json.loads` for
what msgspec refuses; either way the value or the error `json.loads` gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from agentrail._json import loads

# Texts where a fast parser and the standard library are known to part ways.
EDGES = [
    '{"a": [1, 2.5, "x", null, true]}',
    ' {"a": 1}',
    '{"a": 1}\n',
    ' \t\r\n{"a": 1} \t\r\n',
    '{"a": 1} {"b": 2}',
    '{"a": 1, "a": 2}',  # the last of duplicate keys
    "\ufeff{}",
    "",
    " ",
    '{"a": ',
    "NaN",
    "-Infinity",
    "1e400",  # past the float range: inf for json.loads
    "1" * 400,  # a big integer: exact, never a float
    str(2**64),
    str(-(2**63) - 1),
    "9007199254740993",
    "0.30000000000000004",
    "4.9e-324",
    "2.2250738585072011e-308",
    "-0",
    "-0.0",
    "01",
    '"\\ud800"',  # a lone surrogate escape
    '"\\ud83d\\ude00"',
    '"\ud800"',  # a lone surrogate in the text itself
    '"\u2028\u2029"',
    '"a\x01"',
    '"\\u0000"',
    '{"\\u00e9": "\u00e9\u4e2d\U0001f680"}',
    '"just a string"',
    "[" * 100_000,
    "[" * 500 + "]" * 500,
]


def same_as_json_loads(text: str) -> None:
    try:
        expected: Any = json.loads(text)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)) as raised:
            loads(text)
        assert str(raised.value) == str(exc)
    else:
        got = loads(text)
        # repr: NaN != NaN, and 1 == 1.0 == True would hide a changed type.
        assert repr(got) == repr(expected)
        assert type(got) is type(expected)


@pytest.mark.parametrize("text", EDGES)
def test_loads_returns_what_json_loads_returns(text: str) -> None:
    """`loads` returns the value `json.loads` returns, or raises its error."""
    same_as_json_loads(text)


VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**80), 2**80)
    | st.floats()
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(VALUES, st.booleans(), st.sampled_from([None, 1, "\t"]))
@example({"a": [1.5e300, -(2**70), "\u00e9"]}, False, None)
def test_loads_agrees_with_json_loads_on_documents(
    value: Any, ascii_only: bool, indent: Any
) -> None:
    """On any document `json.dumps` writes, `loads` returns what `json.loads` does."""
    same_as_json_loads(json.dumps(value, ensure_ascii=ascii_only, indent=indent))


@settings(max_examples=500, deadline=None)
@given(VALUES, st.integers(0, 1000), st.text(max_size=3))
def test_loads_agrees_with_json_loads_on_damaged_documents(
    value: Any, at: int, insert: str
) -> None:
    """On a document with a few characters inserted anywhere, `loads` returns or
    raises what `json.loads` does."""
    text = json.dumps(value, ensure_ascii=False)
    at %= len(text) + 1
    same_as_json_loads(text[:at] + insert + text[at:])
