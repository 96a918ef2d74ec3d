"""The soak, short: each consumer, sync and async, through a seeded fault plan of
the mock's and the wire fault proxy's (tests/wire/proxy.py).

`make soak` runs the same consumers over 100,000 events each; here a few thousand,
with a fault every ~150 events. AGENTRAIL_SOAK_SEED replays another plan.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.soak.consumers import CONSUMERS
from tests.soak.harness import Control
from tests.soak.runner import soak_one

pytestmark = pytest.mark.timeout(120)

SEED = int(os.environ.get("AGENTRAIL_SOAK_SEED", "7"))
EVENTS = {
    "tasks": 3_000,
    "tasks_cursor": 1_000,
    "tasks_racing": 1_000,
    "session": 1_500,
    "logs": 1_000,
    "bench": 1_200,
}


@pytest.mark.parametrize("name", CONSUMERS)
def test_every_event_once_and_in_order_through_faults(
    name: str, mode: str, mock: Any
) -> None:
    """Every id in the server's log is delivered once, in order, whatever faults
    fire: drops, resets, stalls, repeats, 429/503, one-byte chunks, lag, and cuts
    at any byte of the wire."""
    assert len(mock.faults) == 0  # an in-process mock (skips on AGENTRAIL_BASE_URL)
    control = Control(mock.url, mock.admin_key)
    try:
        rep = soak_one(control, name, mode, SEED, events=EVENTS[name], stalls=1,
                       cases=300, per_connection=150, idle=15, deadline=90)  # fmt: skip
    finally:
        control.close()
    text = "\n".join(rep.lines())
    print(text)
    assert rep.ok, text
    assert rep.counts.delivered >= EVENTS[name]
    assert sum(rep.faults.values()) >= 3, text
