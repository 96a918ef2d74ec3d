"""Argument checks that run before any request is sent.

The patterns are openapi.yaml's (`components/schemas/Id`, `ExternalId`, `Int64Id`, the
`ScriptName` and `Cursor` parameters). An id that fails here could otherwise change the
request path (`..`, `a/b`, `?x=1`) or reach the server only to be refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ._errors import InvalidArgumentError

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,255}")
_SCRIPT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_CURSOR = re.compile(r"[A-Za-z0-9_.:-]{1,256}")
_EVENT_TYPE = re.compile(r"[a-z0-9_.]+")
INT64_MAX = 2**63 - 1


def _check(pattern: re.Pattern[str], name: str, value: object) -> str:
    # fullmatch, not match with `$`: `$` also matches before a trailing newline.
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a str, not {type(value).__name__}")
    if not value.isascii() or pattern.fullmatch(value) is None:
        raise InvalidArgumentError(
            f"{name} {value[:80]!r} is not a valid id (pattern {pattern.pattern})"
        )
    return value


def check_id(name: str, value: object) -> str:
    """An `Id`: session, task, project, execution and case ids."""
    return _check(_ID, name, value)


def check_external_id(name: str, value: object) -> str:
    """An `ExternalId`: MCP session ids, which may hold `.` and `:`."""
    return _check(_EXTERNAL_ID, name, value)


def check_script_name(name: str, value: object) -> str:
    """A script name: like an id, but dots are allowed."""
    return _check(_SCRIPT_NAME, name, value)


def check_cursor(name: str, value: object) -> str:
    """An opaque cursor or event id handed back by the server."""
    return _check(_CURSOR, name, value)


def check_text(name: str, value: object) -> str:
    """A free-text argument (a title, a name, notes): any str."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a str, not {type(value).__name__}")
    return value


def check_script(project_id: object, script_name: object) -> tuple[str, str]:
    """The `project_id` and `script_name` that address a bench."""
    return check_id("project_id", project_id), check_script_name(
        "script_name", script_name
    )


def check_int_id(name: str, value: object) -> int:
    """An `Int64Id`: a positive 64-bit integer (bench and run ids). `True` is not 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(f"{name} must be an int, not {type(value).__name__}")
    if not 1 <= value <= INT64_MAX:
        raise InvalidArgumentError(f"{name} must be between 1 and 2**63-1, not {value}")
    return value


def check_range(name: str, value: object, low: int, high: int) -> int:
    """An integer option such as `limit` or `heartbeat_seconds`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(f"{name} must be an int, not {type(value).__name__}")
    if not low <= value <= high:
        raise InvalidArgumentError(f"{name} must be between {low} and {high}")
    return value


def check_event_types(value: Iterable[str] | str) -> str:
    """A filter of event types, joined into the comma list the API takes."""
    items = [value] if isinstance(value, str) else list(value)
    if not items:
        raise InvalidArgumentError("event_types must not be empty; pass None for all")
    for item in items:  # a TaskEventType is a str; 5 is not "5"
        _check(_EVENT_TYPE, "event type", item)
    return ",".join(items)
