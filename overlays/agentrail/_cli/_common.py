"""What every `agentrail` command shares: the client, status lines, a failure."""

from __future__ import annotations

import argparse
import sys

from .._client import Client
from .._errors import AgentrailError


class CommandError(AgentrailError):
    """A command cannot go on; `main` prints the message as one `error:` line."""


def client(args: argparse.Namespace) -> Client:
    """A client from `--api-key`/`--base-url`, else the environment."""
    return Client(
        api_key=getattr(args, "api_key", None), base_url=getattr(args, "base_url", None)
    )


def note(message: str) -> None:
    """A status line on stderr, never mixed into the events on stdout."""
    print(message, file=sys.stderr, flush=True)
