"""Every stream family through the wire fault proxy alone: cuts at any byte (by FIN
or RST), stalls, 1-byte writes, refusals and an outage, with events produced
concurrently; delivery is checked against the server's own log (lost, repeated,
out of order: all 0), sync and async."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

import agentrail
from agentrail import StreamOptions, StreamSettings
from tests.soak.consumers import CONSUMERS, MARKER
from tests.soak.harness import Control, pull
from tests.soak.runner import soak_one
from tests.twin import close, resolve, run
from tests.wire.plan import Script
from tests.wire.proxy import WireProxy
from tests.wire.scan import POSITIONS, WireFault

pytestmark = pytest.mark.timeout(60)

SEED = int(os.environ.get("AGENTRAIL_WIRE_SEED", "12"))
EVENTS = {name: 600 for name in CONSUMERS}
FAST = StreamSettings(backoff=agentrail.Backoff(initial=0.01, cap=0.05))


@pytest.mark.parametrize("name", CONSUMERS)
def test_every_event_once_and_in_order_through_wire_faults(
    name: str, mode: str, mock: Any
) -> None:
    """Whatever byte of the wire a connection is cut at (headers, a chunk-size
    line, an id or data line, a UTF-8 character, a frame boundary), stalled at, or
    refused at, and through an outage, every event is delivered once, in order,
    intact."""
    assert len(mock.faults) == 0  # an in-process mock (skips on AGENTRAIL_BASE_URL)
    control = Control(mock.url, mock.admin_key)
    try:
        # Every stream connection and listing gets a fault (wire_rate 1), ~one
        # in 20 events, so each run cuts a few dozen connections. A busy stream
        # sends no heartbeat: those cuts have their own test below.
        rep = soak_one(control, name, mode, SEED, events=EVENTS[name], stalls=1,
                       cases=200, per_connection=50, idle=15, deadline=50,
                       mock_faults=False, wire_rate=1.0,
                       wire_skip=("heartbeat",))  # fmt: skip
    finally:
        control.close()
    text = "\n".join(rep.lines())
    print(text)
    assert rep.ok, text
    assert rep.counts.delivered >= EVENTS[name]
    assert sum(rep.faults.values()) >= 3, text


# Each position once, alternating FIN and RST.
CUTS = [(p, "rst" if i % 2 else "fin") for i, p in enumerate(POSITIONS)]


@pytest.mark.parametrize(("position", "action"), CUTS)
def test_a_task_stream_on_an_empty_log_cut_before_its_first_event_loses_nothing(
    mode: str, mock: Any, position: str, action: str
) -> None:
    """A task stream opened without a cursor on an empty log, whose first connection
    is cut at any byte before its first event (a heartbeat included: the stream is
    idle), delivers every event created after it opened (issue 12, item 1)."""
    mock.config.update(retry_ms=10)
    script = Script([WireFault(position, action, at=0)], paths=r"/stream$")
    options = StreamOptions(heartbeat_seconds=1)

    async def body(client: Any) -> None:
        stream = await resolve(client.stream_events(options))
        sent = mock.state.emit_task_events(3)  # may meet the cut, or come after it
        for _ in range(2000):  # until the cut fired (a heartbeat takes a second)
            if proxy.counts():
                break
            await asyncio.sleep(0.005)
        sent += mock.state.emit_task_events(3)
        sent += mock.state.emit_task_events(1, task_id=MARKER)
        got = await until_marker(stream)
        await close(stream)
        assert proxy.counts() == {f"{position}/{action}": 1}
        assert [e.id for e in got] == [e["id"] for e in sent]

    with WireProxy(mock.url, script) as proxy:
        run(mode, body, api_key=mock.admin_key, base_url=proxy.url, streams=FAST)


async def until_marker(stream: Any) -> list[Any]:
    """Every event up to the marker's (bounded by the marker, not by time)."""
    got = []
    while (event := await pull(stream)) is not None:
        got.append(event)
        if event.task_id == MARKER:
            break
    return got
