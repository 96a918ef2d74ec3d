"""Sends that must NOT type-check: each line marked `# wrong:` is a mypy error.

tests/typing/test_typing.py runs `mypy --strict` here and expects an error on exactly
the marked lines, so a shape mypy starts accepting (or an error that moves) fails.
"""

from __future__ import annotations

import agentrail_api.models as api
from agentrail import Client


def wrong(client: Client) -> None:
    events = client.sessions.events("sesn_1")
    text = api.TextBlock(type="text", text="hi")
    events.send([text])  # wrong: a content block is not an event
    events.send([api.UserMessageInput(type="user.mesage", content=[text])])  # wrong:
    events.send([api.UserMessageInput(type="user.message", content="hi")])  # wrong:
    events.send(api.UserInterruptInput(type="user.interrupt"))  # wrong: not a list
    api.TextBlock(kind="text", text="hi")  # wrong: the field is `type`
    print(client.stream_events().__next__().type_)  # wrong: no `type_` any more
