"""The shapes of what users send, as TypedDicts mypy checks (`send()`'s events).

openapi.yaml `OutgoingUserEvent`: a `user.message` with text blocks, or a
`user.interrupt`. A message's content may also be a plain str, sent as one block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, TypeAlias, TypedDict

if TYPE_CHECKING:
    from agentrail_api.models import UserInterruptInput, UserMessageInput


class TextBlockParam(TypedDict):
    """A block of text in a message: `{"type": "text", "text": "..."}`."""

    type: Literal["text"]
    text: str


class UserMessageParam(TypedDict):
    """A message to the agent: `{"type": "user.message", "content": "hi"}`.

    `content` is a str (sent as one text block) or a list of `TextBlockParam`.
    """

    type: Literal["user.message"]
    content: str | Sequence[TextBlockParam]


class UserInterruptParam(TypedDict):
    """Interrupts the agent's current turn: `{"type": "user.interrupt"}`."""

    type: Literal["user.interrupt"]


OutgoingEvent: TypeAlias = (
    "UserMessageParam | UserInterruptParam | UserMessageInput | UserInterruptInput"
)
"""An event `send()` takes: a TypedDict above, or a generated input model."""
