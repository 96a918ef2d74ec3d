"""The `agentrail` command: follow streams, watch bench runs, start the mock.

`main` is the console script (and `python -m agentrail`). Every failure a user can cause
(a bad key, a missing scope, an unknown id, no network, no `cli` extra) ends as one
`error: ...` line and a non-zero status, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from .._errors import (
    AgentrailError,
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    InsufficientScopeError,
)
from . import _parser


def _scope(e: InsufficientScopeError) -> str:
    if e.required_scope:
        return f"insufficient scope: {e.required_scope} is required"
    return f"insufficient scope: {e.message}"


def _auth(e: AuthenticationError) -> str:
    return f"authentication failed: {e.message} (check AGENTRAIL_API_KEY or --api-key)"


def _status(e: APIStatusError) -> str:
    return f"{e.code or e.status_code}: {e.message}"


def _connection(e: APIConnectionError) -> str:
    return f"cannot reach the API: {e}"


# Error class -> its one line; the nearest base class in the MRO decides.
_DESCRIBE: Mapping[type, Callable[[Any], str]] = {
    InsufficientScopeError: _scope,
    AuthenticationError: _auth,
    APIStatusError: _status,
    APIConnectionError: _connection,
    AgentrailError: str,
}


def describe(error: AgentrailError) -> str:
    """The one-line message for `error`, without `error: `."""
    kind = next(k for k in type(error).__mro__ if k in _DESCRIBE)
    return _DESCRIBE[kind](error)


def main(argv: list[str] | None = None) -> int:
    """Run one `agentrail` command; returns its exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser.build().parse_args(argv)
    args.argv = argv
    try:
        status: int = args.run(args)
    except AgentrailError as e:
        print(f"error: {describe(e)}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python's exit-time
        # flush from raising again (the recipe in the `signal` module docs).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return status
