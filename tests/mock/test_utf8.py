"""The mock writes raw UTF-8 everywhere, as real servers do: REST bodies, stream
frames and log lines carry multi-byte characters, never `\\u` escapes."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from tests.mock._helpers import frames

pytestmark = pytest.mark.timeout(20)

MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
ESCAPE = re.compile(rb"\\u[0-9a-fA-F]{4}")


def say(http: httpx.Client, session_id: str, *texts: str) -> None:
    events = [
        {"type": "user.message", "content": [{"type": "text", "text": t}]}
        for t in texts
    ]
    sent = http.post(f"/v1/sessions/{session_id}/events", json={"events": events})
    sent.raise_for_status()


def test_rest_bodies_are_raw_utf8(http: httpx.Client) -> None:
    """A listed agent answer holds 2-, 3- and 4-byte characters as raw bytes."""
    session = http.post("/v1/sessions", json={}).json()
    say(http, session["id"], *(f"m{i}" for i in range(5)))
    raw = http.get(f"/v1/sessions/{session['id']}/events?limit=100").content
    assert not ESCAPE.search(raw)
    lengths = {len(m) for m in MULTIBYTE.findall(raw)}
    assert {2, 3, 4} <= lengths, lengths
    assert "\u2028".encode() in raw  # a line separator is data, not a line end
    json.loads(raw)


def test_stream_frames_and_log_lines_are_raw_utf8_one_line_each(
    mock: Any, http: httpx.Client
) -> None:
    """Session frames and log lines carry raw multi-byte text; each `data:` stays one
    line (only CR and LF end SSE lines, and JSON escapes both)."""
    session = http.post("/v1/sessions", json={}).json()
    say(http, session["id"], "bonjour, ça va ? 🙂")
    mock.state.append_log(session["id"], "ligne\u2028suivante — 終わり")
    url = f"/v1/sessions/{session['id']}/logs/stream"
    raw = b""
    with http.stream("GET", url) as response:
        for chunk in response.iter_bytes():
            raw += chunk
            if raw.count(b"\n\n") >= 5:
                break
    assert not ESCAPE.search(raw)
    logs = [f for f in frames(raw.decode()) if "data" in f]
    texts = [json.loads(f["data"])["message"] for f in logs]  # one line each
    assert len(texts) == 5 and texts[-1] == "ligne\u2028suivante — 終わり"
    assert any(not t.isascii() for t in texts[:-1]), texts
