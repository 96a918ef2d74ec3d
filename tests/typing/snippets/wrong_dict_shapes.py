"""Event dicts of the wrong shape, which `send()`'s TypedDicts reject (mypy errors on
exactly the lines marked `# wrong:`)."""

from __future__ import annotations

from agentrail import Client


def wrong(client: Client) -> None:
    events = client.sessions.events("sesn_1")
    events.send([{"type": "user.message", "content": 5}])  # wrong: content
    events.send([{"type": "user.mesage", "content": "hi"}])  # wrong: type
    events.send([{"type": "user.message"}])  # wrong: content missing
    events.send([{"type": "user.interrupt", "content": "hi"}])  # wrong: extra key
    events.send([{"type": "user.message", "content": [{"text": "hi"}]}])  # wrong:
    events.send({"type": "user.interrupt"})  # wrong: one event, not a list of them
