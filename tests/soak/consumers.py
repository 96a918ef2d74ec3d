"""The consumers of the soak, each written once for `Client` and `AsyncClient`.

- tasks: the task lifecycle stream, opened without a cursor on an empty log, while a
  driver thread appends events in bursts;
- tasks_cursor: the same stream opened with a cursor into a log that has events;
- tasks_racing: opened without a cursor on an empty log while the driver is already
  appending (every event after the stream opened is delivered, and no gap follows
  the first delivered: issue 12, item 1);
- session: a followed session (history, then live) while messages keep being sent;
- logs: a session's log stream (replayed from its start) while messages are sent;
- bench: bench runs one after another, with lag, subscribed with `fill_gaps=True`.

A consumer stops at a marker the driver sends last (or at each run's terminal), so
a lost event shows up as a count and the watchdog (harness.Job) ends a hang.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from agentrail import RunLagged, RunResult, RunTerminal, StreamOptions
from tests.soak.harness import Control, Job, fingerprint, pull
from tests.twin import close, resolve

MARKER = "soak-end"
MARKER_LOG = "interrupted"  # the log line a user.interrupt writes
# Fault recipes (plan.RECIPES) every stream meets; each consumer adds its own.
COMMON = (
    "drop_after",
    "drop_before_events",
    "reset",
    "status",
    "slow_drip",
    "unknown_event",
)


def say(text: str) -> dict[str, Any]:
    return {"type": "user.message", "content": [{"type": "text", "text": text}]}


class Consumer:
    """What a soak needs of a consumer; subclasses fill it in."""

    name = ""
    operation = ""  # the stream operation its fault plan targets
    kinds: tuple[str, ...] = ()  # fault recipes (plan.RECIPES) for that stream
    side_operation = ""  # the REST call its stream makes, for side faults
    side_extra: dict[str, dict[str, Any]] = {}
    backlog = 5_000  # events the driver may be ahead of the consumer

    def __init__(self, control: Control, rng: random.Random, events: int) -> None:
        self.control = control
        self.rng = random.Random(rng.random())  # the driver's own, in its thread
        self.events = events
        self.stop_id: str | None = None  # the marker's id, once delivered

    def setup(self) -> None:
        """Create what the stream needs, before the fault plan is installed."""

    async def body(self, client: Any, job: Job) -> None:
        raise NotImplementedError

    def listed(self) -> list[tuple[str, int]]:
        """The server's log: `(id, fingerprint)` in the server's order."""
        raise NotImplementedError

    def drive(self, job: Job) -> None:
        """Produce the events (a thread), ending with the marker."""

    async def follow(
        self, stream: Any, job: Job, take: Callable[[Any], bool], drive: bool = True
    ) -> bool:
        """Hand each event of `stream` to `take` until it says stop (True), with the
        driver started once the stream is open; then close the stream."""
        job.opened(stream)
        if drive:
            job.start(self.drive, job)
        try:
            while (event := await pull(stream)) is not None:
                if take(event):
                    return True
            return False
        finally:
            job.finished(stream)
            await close(stream)

    def reference(self) -> list[tuple[str, int]]:
        """The server's log up to the marker, if the consumer reached it."""
        listed = self.listed()
        if self.stop_id is None:
            return listed
        return [(i, p) for i, p in listed if int(i) <= int(self.stop_id)]

    def pace(self, job: Job, sent: int) -> None:
        """Wait while the driver is far ahead; now and then pause to let it idle."""
        while sent - len(job.tally) > self.backlog and not job.done.is_set():
            time.sleep(0.005)
        if self.rng.random() < 0.05:
            time.sleep(self.rng.random() * 0.2)


class Tasks(Consumer):
    name = "tasks"
    operation = "stream_task_events"
    kinds = (*COMMON, "duplicate_on_resume", "line_endings", "bom")

    cursor: str | None = None  # where the stream is opened
    burst = 2_000  # the most events the driver appends at once

    async def body(self, client: Any, job: Job) -> None:
        options = StreamOptions(heartbeat_seconds=1, cursor=self.cursor)
        stream = await resolve(client.stream_events(options))
        await self.follow(stream, job, lambda event: self.take(job, event))

    def take(self, job: Job, event: Any) -> bool:
        print_ = fingerprint(event.id, event.type, event.sequence, event.task_id)
        job.tally.add(event.id, print_)
        if event.task_id == MARKER:
            self.stop_id = event.id
        return self.stop_id is not None

    def drive(self, job: Job) -> None:
        sent = 0
        while sent < self.events - 1 and not job.done.is_set():
            n = min(self.events - 1 - sent, self.rng.randint(1, self.burst))
            self.control.post("/__mock/task-events", {"count": n})
            sent += n
            self.pace(job, sent)
        self.control.post("/__mock/task-events", {"count": 1, "task_id": MARKER})

    def listed(self) -> list[tuple[str, int]]:
        return [
            (e["id"], fingerprint(e["id"], e["type"], e["sequence"], e["task_id"]))
            for e in self.control.listing("/v1/task-events")
            if self.cursor is None or int(e["id"]) > int(self.cursor)
        ]


class TasksCursor(Tasks):
    name = "tasks_cursor"

    def setup(self) -> None:
        # The cursor sits inside a log that has events before and after it.
        before = self.rng.randint(1, 200)
        self.cursor = self.control.post("/__mock/task-events", {"count": before})[
            "last_id"
        ]
        self.control.post("/__mock/task-events", {"count": self.rng.randint(1, 200)})


class TasksRacing(Tasks):
    name = "tasks_racing"
    floor = 0  # the newest id just after the stream opened (0: none)
    tally_first: int | None = None  # the first id delivered

    def setup(self) -> None:
        self.opened = threading.Event()  # stream_events() has returned

    async def body(self, client: Any, job: Job) -> None:
        job.start(self.drive, job)  # the driver is appending while the stream opens
        stream = await resolve(client.stream_events(StreamOptions(heartbeat_seconds=1)))
        newest = self.control.http.get("/v1/task-events", params={"order": "desc",
                                       "limit": 1}).json()["data"]  # fmt: skip
        self.floor = int(newest[0]["id"]) if newest else 0
        self.opened.set()
        await self.follow(stream, job, lambda e: self.take(job, e), drive=False)

    def drive(self, job: Job) -> None:
        # Small bursts while the stream opens (it owes none of them, but no gap may
        # follow the first it delivers); then the events it owes, and the marker.
        while not self.opened.wait(0.01) and not job.done.is_set():
            self.control.post("/__mock/task-events", {"count": self.rng.randint(1, 20)})
        super().drive(job)

    def reference(self) -> list[tuple[str, int]]:
        """Every event after the stream opened, and every event after the first
        delivered: a stream may begin anywhere during its open, but no gap follows."""
        first = self.tally_first
        return [
            (i, p)
            for i, p in super().reference()
            if int(i) > self.floor or (first is not None and int(i) >= first)
        ]

    def take(self, job: Job, event: Any) -> bool:
        if self.tally_first is None:
            self.tally_first = int(event.id)
        return super().take(job, event)


class Session(Consumer):
    name = "session"
    operation = "stream_session_events"
    # The session stream is live only: it never resumes, so no duplicate_on_resume;
    # its repeats come from the history listing (append_event) instead.
    kinds = (*COMMON, "line_endings", "bom")
    side_operation = "list_session_events"
    side_extra = {"append_event": {"event_type": "agent.thinking"}}
    # Close behind: after a drop the history listing catches up at once, so a driver
    # far ahead would leave few connections for the faults.
    backlog = 200

    def setup(self) -> None:
        self.session_id = self.control.post("/v1/sessions", {})["id"]

    async def body(self, client: Any, job: Job) -> None:
        events = client.sessions.events(self.session_id)
        stream = await resolve(events.stream(heartbeat_seconds=1))
        marker = False

        def take(event: Any) -> bool:
            nonlocal marker
            # The agent's (non-ASCII) text counts: a character broken on the wire
            # shows up as an altered event.
            texts = [b.text for b in getattr(event, "content", None) or ()]
            job.tally.add(event.id, fingerprint(event.id, event.type, *texts))
            if event.type == "agent.message":
                marker = event.content[0].text == MARKER
            elif marker and event.type == "session.status_idle":
                self.stop_id = event.id
            return self.stop_id is not None

        await self.follow(stream, job, take)

    def drive(self, job: Job) -> None:
        path = f"/v1/sessions/{self.session_id}/events"
        sent = 0
        while sent < self.events - 4 and not job.done.is_set():
            # Each message adds four events: the message, running, the answer, idle.
            k = min(max(1, (self.events - 4 - sent) // 4), self.rng.randint(1, 50))
            self.control.post(path, {"events": [say(f"m{sent + i}") for i in range(k)]})
            sent += 4 * k
            self.pace(job, sent)
        self.control.post(path, {"events": [say(MARKER)]})

    def listed(self) -> list[tuple[str, int]]:
        listing = self.control.listing(f"/v1/sessions/{self.session_id}/events")
        return [
            (e["id"], fingerprint(e["id"], e["type"],
                                  *[b["text"] for b in e.get("content") or ()]))
            for e in listing
        ]  # fmt: skip


class Logs(Session):
    """A session's log stream: every line once, byte for byte, in order."""

    name = "logs"
    operation = "stream_session_logs"
    kinds = (*COMMON, "duplicate_on_resume", "line_endings", "bom")
    side_operation = ""
    side_extra = {}

    async def body(self, client: Any, job: Job) -> None:
        logs = client.sessions.logs(self.session_id)
        stream = await resolve(logs.stream(heartbeat_seconds=1))

        def take(event: Any) -> bool:
            job.tally.add(event.id, fingerprint(event.id, event.event, event.data))
            if json.loads(event.data)["message"] == MARKER_LOG:
                self.stop_id = event.id
            return self.stop_id is not None

        await self.follow(stream, job, take)

    def drive(self, job: Job) -> None:
        super().drive(job)  # each message adds four log lines; then the end marker
        path = f"/v1/sessions/{self.session_id}/events"
        self.control.post(path, {"events": [{"type": "user.interrupt"}]})

    def listed(self) -> list[tuple[str, int]]:
        frames = self.control.log_frames(self.session_id, self.stop_id)
        return [(i, fingerprint(i, e, d)) for i, e, d in frames]


class Bench(Consumer):
    name = "bench"
    operation = "stream_bench_run_events"
    kinds = (*COMMON, "duplicate_on_resume", "lag")
    side_operation = "list_bench_run_results"
    where = "/v1/projects/soak/scripts/soak.py/bench"

    def __init__(
        self, control: Control, rng: random.Random, events: int, cases: int = 2_000
    ) -> None:
        super().__init__(control, rng, events)
        self.cases = min(cases, events)
        self.runs = max(1, events // self.cases)
        self.run_ids: list[int] = []

    def setup(self) -> None:
        self.control.http.put(self.where, json={"config": {}}).raise_for_status()
        for i in range(self.cases):
            self.control.post(f"{self.where}/cases", {"name": f"c{i}", "inputs": {}})

    async def body(self, client: Any, job: Job) -> None:
        def take(event: Any) -> bool:
            if isinstance(event, RunResult):
                r = event.result
                job.tally.add(r.id, fingerprint(r.id, r.case_id, r.verdict))
            elif isinstance(event, RunLagged):
                job.stats["lagged"] += 1
            return isinstance(event, RunTerminal)

        for _ in range(self.runs):
            # Triggered beside the client (not through a fault proxy in between):
            # the stream is what is under test.
            run_id = self.control.post(f"{self.where}/runs", {"channel": "soak"})["id"]
            self.run_ids.append(run_id)
            sub = await resolve(
                client.bench_runs.subscribe_run_events(
                    run_id, fill_gaps=True, heartbeat_seconds=1
                )
            )
            if not await self.follow(sub, job, take, drive=False):
                return  # ended by the watchdog: a hang, reported as such

    def listed(self) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for run_id in self.run_ids:
            for r in self.control.listing(f"/v1/bench-runs/{run_id}/results"):
                out.append((r["id"], fingerprint(r["id"], r["case_id"], r["verdict"])))
        return out


CONSUMERS: dict[str, type[Consumer]] = {
    c.name: c for c in (Tasks, TasksCursor, TasksRacing, Session, Logs, Bench)
}
