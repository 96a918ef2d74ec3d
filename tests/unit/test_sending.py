"""Typed sending: `send()` takes the TypedDicts (a message's content may be a plain
str) or the generated models; a wrong shape raises InvalidArgumentError naming the
field before any request; mypy --strict accepts the right shapes and refuses wrong
ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

import agentrail
from tests.twin import resolve
from tests.unit._spec import ROOT
from tests.unit.test_client import Script, raises, run

TEXT = {"type": "text", "text": "hi"}


TRIO = True  # the async bodies run on trio too (tests/twin.py)


def test_str_content_is_sent_as_one_text_block(mode: str) -> None:
    """`{"type": "user.message", "content": "hi"}` sends one text block; blocks and
    an interrupt are sent as given."""
    script = Script(httpx.Response(204))

    async def body(client: Any) -> None:
        events = client.sessions.events("s1")
        await resolve(events.send([{"type": "user.message", "content": "hi"}]))
        await resolve(
            events.send(
                [
                    {"type": "user.message", "content": [TEXT, TEXT]},
                    {"type": "user.interrupt"},
                ]
            )
        )

    run(mode, script, body)
    first, second = (json.loads(r.content) for r in script.requests)
    assert first == {"events": [{"type": "user.message", "content": [TEXT]}]}
    assert second["events"][0]["content"] == [TEXT, TEXT]
    assert second["events"][1] == {"type": "user.interrupt"}


@pytest.mark.parametrize(
    ("events", "field"),
    [
        ({"type": "user.message", "content": "hi"}, "events must be a list"),
        (["hi"], "events[0] must be a dict"),
        ([{"content": "hi"}], "events[0].type must be"),
        ([{"type": "user.mesage", "content": "hi"}], "events[0].type must be"),
        ([{"type": "user.message"}], "events[0].content is required"),
        ([{"type": "user.message", "content": 5}], "events[0].content must be"),
        ([{"type": "user.message", "content": []}], "events[0].content must hold"),
        ([{"type": "user.message", "content": ["hi"]}], "events[0].content[0] must"),
        (
            [{"type": "user.interrupt"}, {"type": "user.message", "content": [{}]}],
            "events[1].content[0] must",
        ),
        ([{"type": "user.message", "content": "x", "role": "u"}], "unknown field"),
        ([], "events must hold 1 to 100"),
        ([{"type": "user.interrupt"}] * 101, "events must hold 1 to 100"),
    ],
)
def test_a_wrong_shape_names_the_field_before_any_request(
    mode: str, events: Any, field: str
) -> None:
    """Each wrong shape raises InvalidArgumentError whose message names the field,
    and nothing is sent."""
    script = Script(httpx.Response(204))
    exc = raises(mode, script, lambda c: c.sessions.events("s1").send(events))
    assert isinstance(exc, agentrail.InvalidArgumentError)
    assert field in str(exc)
    assert script.requests == []


GOOD = """
import agentrail
from agentrail_api.models import UserInterruptInput

def go(client: agentrail.Client) -> None:
    events = client.sessions.events("s1")
    events.send([{"type": "user.message", "content": "hi"}])
    events.send([{"type": "user.message", "content": [{"type": "text", "text": "a"}]}])
    events.send([{"type": "user.interrupt"}, UserInterruptInput.from_dict({})])
    message: agentrail.UserMessageParam = {"type": "user.message", "content": "x"}
    events.send([message], timeout=3, extra_headers={"X-A": "1"})
"""

BAD = """
import agentrail

def go(client: agentrail.Client) -> None:
    events = client.sessions.events("s1")
    events.send([{"type": "user.mesage", "content": "hi"}])  # BAD
    events.send([{"type": "user.message", "content": 5}])  # BAD
    events.send([{"type": "user.message", "content": ["hi"]}])  # BAD
    events.send([{"type": "user.message"}])  # BAD
    events.send([{"type": "user.message", "content": "hi"}], timeout="3")  # BAD
"""


@pytest.mark.timeout(300)
def test_mypy_accepts_typed_sends_and_refuses_wrong_shapes(tmp_path: Path) -> None:
    """`mypy --strict` passes the right shapes and reports every line marked BAD."""
    from mypy import api

    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "bad.py").write_text(BAD)
    cache = ROOT / ".mypy_cache"
    out, _, status = api.run(
        ["--strict", "--cache-dir", str(cache), str(tmp_path / "good.py")]
    )
    assert status == 0, out
    out, _, status = api.run(
        ["--strict", "--cache-dir", str(cache), str(tmp_path / "bad.py")]
    )
    bad_lines = {i for i, line in enumerate(BAD.splitlines(), 1) if "# BAD" in line}
    reported = {
        int(line.split(":")[1]) for line in out.splitlines() if ": error:" in line
    }
    assert status == 1
    assert reported == bad_lines, out
