"""Retry policy without I/O: which failures to retry, and how long to wait.

REST calls and stream reconnects both ask this module; the sync and async loops only
sleep for what it says (after anthropic's `_base_client._calculate_retry_timeout`).
"""

from __future__ import annotations

import random

import attrs

# Statuses where the same request may succeed later (RFC 9110 15.5.9, 15.5.20, 15.6);
# not 409: here it means a version or idempotency-key conflict, which a retry repeats.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

# Methods RFC 9110 sec. 9.2.2 calls idempotent; a POST is retried only with an
# Idempotency-Key, which makes the server do its work once (docs/api.md, "Idempotency").
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@attrs.frozen
class Backoff:
    """Exponential backoff with full jitter and a cap.

    Attempt n (1-based) waits a random time in [delay/2, delay] with
    `delay = min(cap, initial * 2 ** (n - 1))`; a `Retry-After` the server sent wins,
    up to `max_retry_after` (a server asking for an hour is treated as a failure).
    """

    initial: float = 0.5
    """Seconds before the first retry (a stream uses the server's `retry:` instead)."""
    cap: float = 8.0
    """The longest wait between two attempts, in seconds."""
    max_retry_after: float = 60.0
    """The longest `Retry-After` honoured; longer ones end the retries."""

    def delay(
        self,
        attempt: int,
        *,
        retry_after: float | None = None,
        initial: float | None = None,
        rng: random.Random | None = None,
    ) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None to give up."""
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        base = self.initial if initial is None else initial
        delay = min(self.cap, base * 2 ** max(0, attempt - 1))
        jitter: float = (rng or _RNG).random()
        return float(delay * (0.5 + jitter / 2))


_RNG = random.Random()


def should_retry_status(status_code: int) -> bool:
    """Whether the same request may succeed after an answer with this status."""
    return status_code in RETRYABLE_STATUSES


def is_replayable(method: str, headers: dict[str, str] | None) -> bool:
    """Whether sending this request twice has the effect of sending it once."""
    if method.upper() in IDEMPOTENT_METHODS:
        return True
    return bool(headers) and any(k.lower() == "idempotency-key" for k in headers or {})
