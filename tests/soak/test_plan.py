"""The soak's fault plan: replayable from its seed, and never a hopeless run."""

from __future__ import annotations

import random

from tests.soak.plan import MAX_EMPTY_IN_A_ROW, RECIPES, fired, label, stream_plan
from tests.soak.runner import (
    FAST,
    MOCK,
    OUTAGE_SECONDS,
    WIRE_RETRIES,
    WIRE_STREAMS,
    reconnect_floor,
    rest_budget,
)

KINDS = sorted(RECIPES)


def plan(seed: int) -> list[dict[str, object]]:
    return stream_plan(
        random.Random(seed), "op", events=10_000, connections=200, kinds=KINDS, stalls=3
    )


def test_the_same_seed_gives_the_same_plan() -> None:
    """A seed replays a run's faults exactly; another seed gives another plan."""
    assert plan(7) == plan(7)
    assert plan(7) != plan(8)


def test_no_more_empty_connections_in_a_row_than_the_client_forgives() -> None:
    """Faults that deliver no event come at most three in a row, so a run never
    exhausts the client's reconnects (10) by the plan's doing alone."""
    empty = {name for name, (_, _, no_event) in RECIPES.items() if no_event}
    assert empty == {"drop_before_events", "reset", "status"}
    for seed in range(20):
        run = 0
        for fault in plan(seed):
            run = run + 1 if label(fault).split()[0] in empty else 0
            assert run <= MAX_EMPTY_IN_A_ROW


def test_every_planned_stream_fault_ends_its_connection() -> None:
    """Each entry either fails the connect or ends the response (drop or stall), so
    the next entry fires on the next connection."""
    for fault in plan(3):
        ends = fault["kind"] in ("reset", "status", "drop_after", "stall_after")
        assert ends or "drop_after" in fault, fault


def test_fired_counts_what_is_no_longer_pending() -> None:
    """Fired = planned minus pending, by label."""
    planned = plan(1)[:10]
    pending = [{"kind": f["kind"], "params": f} for f in planned[6:]]
    assert sum(fired(planned, pending).values()) == 6


def test_an_outage_outlasts_the_rest_retries_and_not_the_reconnects() -> None:
    """The proxy's outage is longer than a REST call retries (a listing inside it
    fails) and shorter than the least a stream keeps reconnecting for."""
    rest = rest_budget(FAST, WIRE_RETRIES)
    floor = reconnect_floor(WIRE_STREAMS, MOCK["retry_ms"] / 1000)
    assert rest < OUTAGE_SECONDS < floor / 1.5, (rest, OUTAGE_SECONDS, floor)
