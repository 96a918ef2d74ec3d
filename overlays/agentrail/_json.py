"""JSON for event payloads: msgspec's parser first, `json.loads` for the rest.

A stream parses every event's `data` (bench/e2e.py: most of a typed event's cost).
msgspec's decoder reads a small task event about three times faster than the standard
library's scanner (bench/typed.py), and where it returns a value that value is the one
`json.loads` returns: same types, exact big integers, the last of duplicate keys
(tests/unit/test_json.py checks it against `json.loads` on generated documents). Where
it refuses, `json.loads` decides, so what it accepts beyond RFC 8259 (`NaN`,
`Infinity`, numbers past the float range, lone surrogate escapes) and the exact text of
every error stay the standard library's.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

__all__ = ["decode", "loads"]

decode = msgspec.json.Decoder().decode
"""msgspec's parser alone: a value `json.loads` would return, or an exception."""


def loads(text: str) -> Any:
    """`json.loads(text)`: the same value, or the same exception."""
    try:
        return decode(text)
    except Exception:  # DecodeError, ValidationError, UnicodeEncodeError, ...
        return json.loads(text)  # its value or its exact error
