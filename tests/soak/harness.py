"""What every soak consumer shares: the mock driven over HTTP, the tally of delivered
ids checked against the server's log, a watchdog, and resident memory.

The mock is driven only through its HTTP surface (`/__mock/*` and the API's own
listings, with plain httpx), so the same soak runs against a mock in this process
(`make test`) or in another one (`make soak`, where this process's memory is the
client's alone). The reference is the server's log as the API lists it, never the
client's own view of it.
"""

from __future__ import annotations

import asyncio
import threading
import time
import zlib
from array import array
from collections import Counter
from collections.abc import Iterator
from typing import Any

import attrs
import httpx

from tests.soak.plan import Fault, fired


class Control:
    """A mock, driven through its control endpoints and its REST API."""

    def __init__(self, url: str, admin_key: str) -> None:
        self.url = url
        self.admin_key = admin_key
        self.http = httpx.Client(
            base_url=url,
            headers={"Authorization": f"Bearer {admin_key}"},
            timeout=httpx.Timeout(30, connect=5),
        )

    def close(self) -> None:
        self.http.close()

    def post(self, path: str, body: Any = None) -> Any:
        response = self.http.post(path, json=body)
        response.raise_for_status()
        return None if response.status_code == 204 else response.json()

    def reset(self, **config: Any) -> None:
        self.post("/__mock/reset")
        if config:
            self.post("/__mock/config", config)

    def plan(self, faults: list[Fault]) -> None:
        for fault in faults:
            self.post("/__mock/faults", fault)

    def pending(self) -> list[dict[str, Any]]:
        response = self.http.get("/__mock/faults")
        response.raise_for_status()
        pending: list[dict[str, Any]] = response.json()
        return pending

    def clear_faults(self) -> None:
        self.http.delete("/__mock/faults").raise_for_status()

    def listing(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a list operation, oldest first, page after page."""
        cursor = None
        while True:
            query = {"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
            response = self.http.get(path, params=query)
            response.raise_for_status()
            page = response.json()
            yield from page["data"]
            cursor = page["next_cursor"] if page["has_more"] else None
            if not cursor:
                return

    def log_frames(
        self, session_id: str, until: str | None
    ) -> list[tuple[str, str, str]]:
        """A session's log as the server streams it (there is no list operation):
        `(id, event, data)` of each frame, up to `until`, or up to the first
        heartbeat (the replay is over) when `until` is None."""
        url = f"/v1/sessions/{session_id}/logs/stream"
        out: list[tuple[str, str, str]] = []
        fields: dict[str, str] = {}
        with self.http.stream("GET", url, params={"heartbeat_seconds": 1}) as response:
            response.raise_for_status()
            for line in _lines(response):
                if line.startswith(":"):
                    return out
                if line:
                    name, _, value = line.partition(":")
                    fields[name] = value[1:] if value.startswith(" ") else value
                    continue
                if "data" in fields:
                    out.append((fields["id"], fields.get("event", ""), fields["data"]))
                    if fields["id"] == until:
                        return out
                fields = {}
        return out


def _lines(response: httpx.Response) -> Iterator[str]:
    """The lines of an SSE body, split at LF only (the mock's line end; httpx's
    iter_lines would also split at U+2028, which SSE treats as data)."""
    pending = b""
    for chunk in response.iter_bytes():
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            yield line.decode()


def fingerprint(*parts: Any) -> int:
    """A checksum of an event's identifying fields, the same for a typed event and
    the JSON the server lists."""
    text = "|".join(str(getattr(p, "value", p)) for p in parts)
    return zlib.crc32(text.encode())


@attrs.frozen
class Counts:
    """How delivery compares with the server's log."""

    delivered: int
    lost: int  # in the server's log, never delivered
    repeated: int  # delivered more than once
    out_of_order: int  # delivered after an id greater than itself
    unexpected: int  # delivered, but not in the server's log
    altered: int  # delivered with other fields than the server's log holds

    @property
    def clean(self) -> bool:
        return not (self.lost or self.repeated or self.out_of_order) and not (
            self.unexpected or self.altered
        )


TALLY_BYTES = 12  # an id (8 bytes) and a fingerprint (4) per delivered event


class Tally:
    """The ids a consumer was handed, in order, as integers (the mock's ids are 12
    zero-padded digits), with a fingerprint each."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.prints = array("I")  # crc32: 4 bytes
        self.last = 0

    def add(self, event_id: str, print_: int) -> None:
        number = int(event_id) if event_id.isdigit() else -1
        self.ids.append(number)
        self.prints.append(print_)
        self.last = number

    def __len__(self) -> int:
        return len(self.ids)

    def check(self, reference: list[tuple[str, int]]) -> Counts:
        """Compare with the server's log, `(id, fingerprint)` in the server's order."""
        expected = {int(i): p for i, p in reference}
        seen: set[int] = set()
        repeated = out_of_order = unexpected = altered = 0
        previous = -1
        for number, print_ in zip(self.ids, self.prints, strict=True):
            if number in seen:
                repeated += 1
            seen.add(number)
            if number < previous:
                out_of_order += 1
            previous = max(previous, number)
            if number not in expected:
                unexpected += 1
            elif expected[number] != print_:
                altered += 1
        lost = len(expected.keys() - seen)
        return Counts(len(self.ids), lost, repeated, out_of_order, unexpected, altered)


def rss_kib() -> int:
    """This process's resident set size (Linux `/proc/self/status`), in KiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Job:
    """One consumer run: its tally, its driver thread, and a watchdog that ends a
    stream that stopped delivering, so that a lost event is a count, not a hang."""

    def __init__(self, idle: float, deadline: float) -> None:
        self.tally = Tally()
        self.idle = idle  # seconds without a delivery that count as a hang
        self.deadline = time.monotonic() + deadline
        self.done = threading.Event()  # the consumer has stopped
        self.hung = False
        self.error: BaseException | None = None
        self.stats: Counter[str] = Counter()
        self.rss: list[tuple[int, int]] = []  # (events delivered, KiB)
        self._stream: Any = None
        self._task: tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]] | None = None
        self._threads: list[threading.Thread] = []

    def opened(self, stream: Any) -> None:
        """The consumer's stream is open: the watchdog may now end it."""
        self._stream = stream
        try:
            task = asyncio.current_task()
        except RuntimeError:
            task = None
        if task is not None and hasattr(stream, "aclose"):
            self._task = (asyncio.get_running_loop(), task)

    def finished(self, stream: Any) -> None:
        """Keep the stream's counters (reconnects, repeats dropped, ...)."""
        self.stats.update(stream.stats)

    def start(self, target: Any, *args: Any) -> None:
        """Run `target(*args)` in a daemon thread (a driver), joined by `join()`."""
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def watch(self) -> None:
        """Start the watchdog and the memory sampler (one daemon thread)."""
        self.start(self._watch)

    def _watch(self) -> None:
        count, since = -1, time.monotonic()
        while not self.done.wait(0.25):
            now = time.monotonic()
            if len(self.tally) != count:
                count, since = len(self.tally), now
                self.rss.append((count, rss_kib()))
            if now - since > self.idle or now > self.deadline:
                self.hung = True
                self._abort()
                return

    def _abort(self) -> None:
        # Sync streams close from any thread (a threading.Event stops them); an
        # async one is ended by cancelling its task, which closes it (_stream.py).
        if self._task is not None:
            loop, task = self._task
            loop.call_soon_threadsafe(task.cancel)
        elif self._stream is not None:
            self._stream.close()

    def join(self) -> None:
        self.done.set()
        for thread in self._threads:
            thread.join(timeout=30)


@attrs.frozen
class Report:
    """What one consumer run printed: counts, faults, client stats and memory."""

    name: str
    mode: str
    seed: int
    counts: Counts
    faults: Counter[str]
    planned: int
    stats: Counter[str]
    rss: list[tuple[int, int]]
    seconds: float
    hung: bool
    error: str | None

    @property
    def rss_growth_kib(self) -> int:
        """The client's RSS growth after warm-up (a fifth of the events: the dedupe
        window fills, the pools connect), less the tally's own 12 bytes an event."""
        if not self.rss:
            return 0
        at, warm = next(
            ((n, k) for n, k in self.rss if n >= self.counts.delivered // 5),
            self.rss[0],
        )
        end_at, end = self.rss[-1]
        return end - warm - (end_at - at) * TALLY_BYTES // 1024

    @property
    def ok(self) -> bool:
        return self.counts.clean and not self.hung and self.error is None

    def lines(self) -> Iterator[str]:
        c = self.counts
        yield (
            f"{self.name}/{self.mode}: seed {self.seed}, {c.delivered:,} events in "
            f"{self.seconds:.1f} s: lost {c.lost}, repeated {c.repeated}, out of "
            f"order {c.out_of_order} (unexpected {c.unexpected}, altered {c.altered})"
            + (" HUNG" if self.hung else "")
            + (f" ERROR {self.error}" if self.error else "")
        )
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))
        wire = sum(v for k, v in self.faults.items() if k.startswith("wire "))
        mock = sum(self.faults.values()) - wire
        yield (
            f"  faults fired: mock {mock} of {self.planned} planned, wire {wire}: "
            f"{faults}"
        )
        stats = ", ".join(f"{k} {v}" for k, v in sorted(self.stats.items()))
        yield f"  client: {stats}"
        if self.rss:
            top = max(k for _, k in self.rss)
            yield (
                f"  rss: {self.rss[0][1] / 1024:.1f} MiB at the start, "
                f"{self.rss[-1][1] / 1024:.1f} at the end, max {top / 1024:.1f}; "
                f"growth after warm-up (less the tally) "
                f"{self.rss_growth_kib / 1024:+.1f} MiB"
            )


def report(
    name: str,
    mode: str,
    seed: int,
    job: Job,
    reference: list[tuple[str, int]],
    planned: list[Fault],
    pending: list[dict[str, Any]],
    seconds: float,
    wire: Counter[str] | None = None,
) -> Report:
    faults = fired(planned, pending)
    faults.update({f"wire {k}": v for k, v in (wire or {}).items()})
    return Report(
        name,
        mode,
        seed,
        job.tally.check(reference),
        faults,
        len(planned),
        job.stats,
        job.rss,
        seconds,
        job.hung,
        None if job.error is None else f"{type(job.error).__name__}: {job.error}",
    )


async def pull(stream: Any) -> Any:
    """The next item of a sync or async stream, or None at its end."""
    if hasattr(stream, "__anext__"):
        return await anext(stream, None)
    return next(stream, None)
