"""What the fault proxy does to each connection and response: a fixed script (the
proxy's own tests) or a seeded random plan (the stream suite and the soak)."""

from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from tests.wire.scan import RequestHead, WireFault

__all__ = ["Planner", "Refuse", "Script", "SeededPlan", "WireFault"]


@dataclass(frozen=True)
class Refuse:
    """A connection-level fault: `accept_rst` accepts and resets at once;
    `closed_listener` stops listening for `seconds` (connects are refused)."""

    how: str  # "accept_rst" | "closed_listener"
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return f"refuse/{self.how}"


class Planner(Protocol):
    def on_connect(self) -> Refuse | None: ...

    def on_request(self, head: RequestHead) -> WireFault | None: ...


class Script:
    """Faults in a fixed order: each request whose path matches `paths` takes the
    next response fault; `refusals` are taken by the next connections."""

    def __init__(
        self,
        faults: Iterable[WireFault] = (),
        *,
        paths: str = r"",
        refusals: Iterable[Refuse] = (),
    ) -> None:
        self.faults = deque(faults)
        self.refusals = deque(refusals)
        self.paths = re.compile(paths)

    def on_connect(self) -> Refuse | None:
        return self.refusals.popleft() if self.refusals else None

    def on_request(self, head: RequestHead) -> WireFault | None:
        if self.faults and self.paths.search(head.path):
            return self.faults.popleft()
        return None


# Where faults land, by weight; head positions deliver no event.
POSITION_WEIGHTS = {
    "first_byte": 3,
    "headers": 3,
    "header_crlf": 3,
    "after_headers": 2,
    "chunk_size": 6,
    "id": 8,
    "data": 10,
    "heartbeat": 3,
    "utf8": 8,
    "frame_end": 8,
}
EMPTY_POSITIONS = frozenset({"first_byte", "headers", "header_crlf", "after_headers"})
ACTION_WEIGHTS = {"fin": 10, "rst": 10, "stall": 1}


@dataclass
class SeededPlan:
    """Random faults from one seed: on `rate` of the matching requests a response
    fault (where: POSITION_WEIGHTS; how: ACTION_WEIGHTS, `stalls` stalls at most; 1
    in 10 re-chunked into 1-byte writes), on `refuse_rate` of connections a refusal,
    and `outages` times an outage of `outage_seconds` in mid-stream. `mean` is the
    events a fault lets through on average. At most `max_empty` faults that deliver
    no event come in a row, so that the client's retry budgets are not exhausted by
    the plan alone."""

    seed: int
    paths: str = r"/stream$|/logs/stream$|/events$|/results$"
    rate: float = 0.5
    mean: int = 20
    refuse_rate: float = 0.05
    outages: int = 0
    outage_seconds: float = 0.5
    stalls: int = 3  # each costs the client a stall deadline
    max_empty: int = 2
    positions: dict[str, float] = field(default_factory=lambda: dict(POSITION_WEIGHTS))
    rng: random.Random = field(init=False)
    empty: int = field(init=False, default=0)
    _paths: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._paths = re.compile(self.paths)

    def on_connect(self) -> Refuse | None:
        if self.empty >= self.max_empty or self.rng.random() >= self.refuse_rate:
            return None
        self.empty += 1
        if self.rng.random() < 0.5:
            return Refuse("accept_rst")
        return Refuse("closed_listener", seconds=0.05)

    def on_request(self, head: RequestHead) -> WireFault | None:
        if (
            head.method != "GET"
            or not self._paths.search(head.path)
            or self.rng.random() >= self.rate
        ):
            self.empty = 0
            return None
        rng = self.rng
        names = [p for p in self.positions if self.empty < self.max_empty
                 or p not in EMPTY_POSITIONS]  # fmt: skip
        position = rng.choices(names, [self.positions[p] for p in names])[0]
        self.empty = self.empty + 1 if position in EMPTY_POSITIONS else 0
        action = rng.choices(list(ACTION_WEIGHTS), list(ACTION_WEIGHTS.values()))[0]
        if action == "stall":
            action = "stall" if self.stalls > 0 else rng.choice(("fin", "rst"))
            self.stalls -= action == "stall"
        if self.outages and position in ("data", "frame_end") and rng.random() < 0.5:
            self.outages -= 1
            action = "outage"
        at = {
            "heartbeat": rng.randint(0, 2),
            "chunk_size": rng.randint(0, 3),
        }.get(position, rng.randint(0, 2 * self.mean))
        drip = rng.random() < 0.1
        return WireFault(position, action, at, rng.random(), drip)
