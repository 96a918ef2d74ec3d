"""The `agentrail` logger, and the `AGENTRAIL_LOG` switch (after openai's `OPENAI_LOG`).

`AGENTRAIL_LOG=info` logs each request (method, path, status, request id, time),
each retry and each stream reconnect with its reason and delay; `debug` adds the
headers sent (the key redacted) and the events a stream skips. The key never appears:
requests are logged by path, and headers with `Authorization` replaced.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger("agentrail")

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `AGENTRAIL_LOG` installs (told apart so it is installed once)."""


def setup_logging() -> None:
    """Switch the `agentrail` logger on if `AGENTRAIL_LOG` says so: a handler to
    stderr at that level. Without it, logging stays the application's to configure."""
    level = _LEVELS.get(os.environ.get("AGENTRAIL_LOG", "").strip().lower())
    if level is None:
        return
    if not any(isinstance(h, _Handler) for h in log.handlers):
        handler = _Handler()
        handler.setFormatter(
            logging.Formatter(
                "[%(asctime)s - %(name)s:%(lineno)d - %(levelname)s] %(message)s"
            )
        )
        log.addHandler(handler)
    log.setLevel(level)
