"""What every section shares: settings, summaries, targets, tables and the mock process.

Each section module has `run(settings) -> Section`. A section measures its cases in
turns (every contender once per round, `repeats` rounds) so that the load of a shared
machine falls on all of them alike; ratios are taken per round and summarised as the
median and the min-max over rounds.
"""

from __future__ import annotations

import gc
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
ADMIN_KEY = "ar_test_admin"  # the mock's built-in admin key (mock/README.md)


@dataclass(frozen=True)
class Settings:
    """How much to measure: `tiny` runs every code path on toy sizes (the unit test)."""

    repeats: int = 5
    tiny: bool = False

    def size(self, full: int, tiny: int) -> int:
        """`full` normally, `tiny` in tiny mode."""
        return tiny if self.tiny else full


@dataclass(frozen=True)
class Stat:
    """The median and the range of one quantity over the rounds."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        """Summarise `values` (at least one)."""
        return cls(statistics.median(values), min(values), max(values))

    def scaled(self, factor: float) -> Stat:
        """The same summary in other units."""
        return Stat(self.median * factor, self.low * factor, self.high * factor)

    def show(self, digits: int = 2) -> str:
        """`median (low-high)`."""
        low, high = f"{self.low:,.{digits}f}", f"{self.high:,.{digits}f}"
        return f"{self.median:,.{digits}f} ({low}-{high})"

    def raw(self) -> dict[str, float]:
        """For results.json."""
        return {"median": self.median, "min": self.low, "max": self.high}


@dataclass(frozen=True)
class Target:
    """One target of issue 6: a measured median against its limit."""

    what: str
    measured: float
    limit: float
    at_least: bool
    """True if the measured value must be at least `limit` (else at most)."""
    unit: str = "x"

    @property
    def met(self) -> bool:
        """Whether the median meets the limit."""
        if self.at_least:
            return self.measured >= self.limit
        return self.measured <= self.limit

    def raw(self) -> dict[str, Any]:
        """For results.json."""
        return {
            "what": self.what,
            "measured": self.measured,
            "limit": self.limit,
            "at_least": self.at_least,
            "unit": self.unit,
            "met": self.met,
        }


@dataclass
class Section:
    """A section's printed table, its raw figures and its targets."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    raw: list[dict[str, Any]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: first column left-aligned, the others right-aligned."""
    widths = [
        max(len(str(r[i])) for r in [columns, *rows]) for i in range(len(columns))
    ]

    def line(cells: Sequence[str]) -> str:
        out = [str(cells[0]).ljust(widths[0])]
        out += [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), rule, *(line(r) for r in rows)])


@dataclass
class Rounds:
    """What `rounds` measured: per contender, per round."""

    cpu: dict[str, list[float]]
    """CPU seconds of this process (all its threads): the code's own cost, which a
    process waiting for a core on a shared machine does not inflate."""
    wall: dict[str, list[float]]
    """Wall seconds: what a user waits, load included."""
    results: dict[str, list[object]]
    """What each call returned, for the caller to check."""


def rounds(contenders: Mapping[str, Callable[[], object]], repeats: int) -> Rounds:
    """Call every contender in turn, `repeats` rounds (a collection before each); each
    round starts one contender further on, so that none is always first or always
    after the same one (what ran before changes the caches and the allocator's free
    lists: 2 % either way on 9.5 KB events, 15 % on 4 MiB lines)."""
    names = list(contenders)
    out = Rounds(
        {name: [] for name in names},
        {name: [] for name in names},
        {name: [] for name in names},
    )
    for turn in range(repeats):
        start = turn % len(names)
        for name in names[start:] + names[:start]:
            contender = contenders[name]
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            result = contender()
            out.cpu[name].append(time.process_time() - cpu)
            out.wall[name].append(time.perf_counter() - wall)
            out.results[name].append(result)
    return out


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Stat:
    """`numerator / denominator` per round, summarised."""
    return Stat.of([a / b for a, b in zip(numerators, denominators, strict=True)])


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def mock_process(**config: Any) -> Iterator[httpx.Client]:
    """The mock in its own process (`python -m agentrail_mock`), so that its CPU is
    not the client's; yields an admin httpx client on it, with `config` applied."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "agentrail_mock", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    output = proc.stdout
    # Read everything the mock writes, always: a pipe nobody reads fills up (64 KiB)
    # and the mock blocks on its next log line (asyncio warns once per write to a
    # closed socket, so a stream closed mid-replay is enough).
    tail: deque[str] = deque(maxlen=40)
    drain = threading.Thread(target=tail.extend, args=(output,), daemon=True)
    try:
        line = output.readline()  # "agentrail mock serving http://..." once up
        match = re.search(r"serving (\S+)", line)
        if not match:
            raise RuntimeError(f"the mock did not start: {line}{output.read()}")
        drain.start()
        headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
        with httpx.Client(base_url=match[1], headers=headers, timeout=30) as admin:
            if config:
                admin.patch("/__mock/config", json=config).raise_for_status()
            yield admin
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if drain.is_alive():
            drain.join()
        output.close()


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a measured child process: this one plus `extra`."""
    env = dict(os.environ)
    env.update(extra)
    return env


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    load = os.getloadavg()
    return {
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "cpus": os.cpu_count(),
        "loadavg": [round(x, 2) for x in load],
    }
