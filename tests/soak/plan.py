"""The seeded fault plan of a soak: what each (re)connect of a stream runs into.

The mock gives each request at most one fault, the first planned one that applies
(mock/README.md, Faults), so a plan is a queue: one entry per connection of the
stream, consumed in order, each ending its connection (`drop_after`), so the next one
fires. The same seed gives the same plan.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

Fault = dict[str, Any]
Recipe = Callable[[random.Random, int], Fault]

# Faults on a connect that deliver no event; the client counts them towards
# `max_reconnects` (10 in a row), so a plan never has more than this many in a row.
MAX_EMPTY_IN_A_ROW = 3


def _drop(rng: random.Random, mean: int) -> int:
    """Where a connection ends: anywhere up to twice the mean, at least one event."""
    return rng.randint(1, max(1, 2 * mean))


def _dup(r: random.Random, m: int) -> Fault:
    # The repeats count as events of the connection: drop after them and some new.
    n = r.randint(1, 50)
    return {"n": n, "drop_after": n + _drop(r, m)}


def _status(r: random.Random, m: int) -> Fault:
    return {"code": r.choice((429, 503)), "retry_after": int(r.random() < 0.1)}


def _then_drop(**params: Any) -> Recipe:
    """A fault that changes the stream, then ends it like drop_after."""
    return lambda r, m: {
        **{k: v(r) if callable(v) else v for k, v in params.items()},
        "drop_after": _drop(r, m),
    }


# name -> (weight, recipe, delivers no event). `m` is the mean events per connection.
RECIPES: dict[str, tuple[float, Recipe, bool]] = {
    "drop_after": (30, lambda r, m: {"n": _drop(r, m)}, False),
    "drop_before_events": (3, lambda r, m: {"kind": "drop_after", "n": 0}, True),
    "reset": (8, lambda r, m: {}, True),
    "status": (8, _status, True),
    "duplicate_on_resume": (12, _dup, False),
    # One byte per chunk is slow on purpose: a few events, then the drop.
    "slow_drip": (4, lambda r, m: {"drop_after": r.randint(1, 8)}, False),
    "unknown_event": (8, _then_drop(at=lambda r: r.randint(0, 5)), False),
    "line_endings": (6, _then_drop(style=lambda r: r.choice(("crlf", "cr"))), False),
    "bom": (4, _then_drop(), False),
    "lag": (12, _then_drop(n=lambda r: r.randint(1, 30)), False),
}


def _stall(r: random.Random, m: int) -> Fault:
    return {"kind": "stall_after", "n": _drop(r, m)}


def stream_plan(
    rng: random.Random,
    operation: str,
    *,
    events: int,
    connections: int,
    kinds: Iterable[str],
    stalls: int,
) -> list[Fault]:
    """One fault per connection of `operation`, `stalls` of them stalls."""
    names = list(kinds)
    weights = [RECIPES[name][0] for name in names]
    mean = max(1, events // max(1, connections))
    plan: list[Fault] = []
    empty = 0
    while len(plan) < connections:
        name = rng.choices(names, weights)[0]
        _, recipe, no_event = RECIPES[name]
        if no_event and empty >= MAX_EMPTY_IN_A_ROW:
            continue
        empty = empty + 1 if no_event else 0
        plan.append({"kind": name, "operation": operation, **recipe(rng, mean)})
    # Stalls cost a stall deadline each, so there are a few, anywhere in the run.
    for _ in range(stalls):
        at = rng.randrange(len(plan) * 2 // 3 + 1)  # early enough to be reached
        plan.insert(at, {"operation": operation, **_stall(rng, mean)})
    return plan


def side_plan(
    rng: random.Random, operation: str, count: int, **extra: Mapping[str, Any]
) -> list[Fault]:
    """Faults on a REST call a stream makes (history, missed results): 503s, and any
    `extra` kind -> params, half and half."""
    plan: list[Fault] = []
    for _ in range(count):
        if extra and rng.random() < 0.5:
            kind, params = rng.choice(sorted(extra.items()))
            plan.append({"kind": kind, "operation": operation, **params})
        else:
            plan.append(
                {
                    "kind": "status",
                    "operation": operation,
                    "code": 503,
                    "retry_after": 0,
                }
            )
    return plan


def label(fault: Mapping[str, Any]) -> str:
    """How a fault is counted in the report: its kind, with the detail that matters."""
    kind = str(fault["kind"])
    params = fault.get("params") or fault
    if kind == "status":
        return f"status {params['code']}"
    if kind == "line_endings":
        return f"line_endings {params['style']}"
    if kind == "drop_after" and int(params["n"]) == 0:
        return "drop_before_events"
    if kind == "drop_after":
        return "drop_mid_stream"
    if kind == "stall_after":
        return "stall"
    return kind


def fired(planned: list[Fault], pending: Sequence[Mapping[str, Any]]) -> Counter[str]:
    """Faults that fired, by label: what was planned minus what is still pending."""
    counts = Counter(label(f) for f in planned)
    counts.subtract(Counter(label(f) for f in pending))
    return +counts
