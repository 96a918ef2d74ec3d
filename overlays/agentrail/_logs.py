"""The `agentrail` logger, and the `AGENTRAIL_LOG` switch (after openai's `OPENAI_LOG`).

`AGENTRAIL_LOG=info` logs each request (method, path, status, request id, time),
each retry and each stream reconnect with its reason and delay; `debug` adds the
headers sent (the key redacted) and the events a stream skips. The key never appears:
requests are logged by path, and headers with `Authorization` replaced.
"""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from ._state import StreamState

log = logging.getLogger("agentrail")
# A library's records go where the application sends them: without this, Python's
# last-resort handler would print WARNING lines to stderr (logging HOWTO, "Configuring
# Logging for a Library").
log.addHandler(logging.NullHandler())

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
            logging.Formatter("[%(asctime)s - %(name)s - %(levelname)s] %(message)s")
        )
        log.addHandler(handler)
    log.setLevel(level)


def redacted_headers(headers: httpx.Headers) -> dict[str, str]:
    """Headers as a dict for a log line, the key replaced."""
    return {
        k: "[redacted]" if k.lower() == "authorization" else v
        for k, v in headers.items()
    }


def log_response(
    request: httpx.Request, response: httpx.Response, started: float
) -> None:
    if log.isEnabledFor(logging.INFO):
        log.info(
            'HTTP %s %s "%d %s" request id %s in %.0f ms',
            request.method,
            request.url.path,
            response.status_code,
            response.reason_phrase,
            response.headers.get("request-id", "-"),
            (time.monotonic() - started) * 1000,
        )


def log_request(request: httpx.Request, attempt: int) -> None:
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "sending %s %s (attempt %d) headers %s",
            request.method,
            request.url,
            attempt,
            redacted_headers(request.headers),
        )


def log_retry(
    request: httpx.Request, error: Exception, delay: float, attempt: int, retries: int
) -> None:
    log.info(
        "retrying %s %s in %.2f s (retry %d of %d): %s",
        request.method,
        request.url.path,
        delay,
        attempt,
        retries,
        error,
    )


def log_reconnect(state: StreamState, error: Exception, delay: float) -> None:
    # The first reconnect after a connection that worked is routine (a proxy's idle
    # timeout); more in a row mean the API is unwell.
    log.log(
        logging.INFO if state.attempts == 1 else logging.WARNING,
        "stream %s: %s; %s in %.2f s (attempt %d of %d, last event id %r)",
        state.name,
        error,
        "reconnecting" if state.opened else "retrying the open",
        delay,
        state.attempts,
        state.attempt_limit,
        state.last_event_id,
    )
