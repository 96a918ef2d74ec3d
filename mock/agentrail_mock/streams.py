"""What each stream operation sends: its replay point, its live tail and its end.

A source is built (and its cursor checked) before the response starts, so unknown
resources and expired cursors are JSON errors before any stream byte
(docs/streaming.md).
`poll()` then returns the frames that became available since the last call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .state import CursorExpired, EventLog, dumps_compact

if TYPE_CHECKING:
    from .benches import Run
    from .state import State


@dataclass
class Frame:
    """One SSE event; `id` None sends no `id:` line (the last event id is kept)."""

    id: str | None
    event: str
    data: str


# One line by construction (`state.dumps_compact`); U+2028/U+2029 stay raw, and SSE
# ends lines only at CR and LF (WHATWG HTML 9.2.6).
_json = dumps_compact


@dataclass
class Poll:
    frames: list[Frame]
    done: bool = False  # the stream is finite and has ended: close after these
    wake_in: float | None = None  # clock seconds until something is due, if known


class Source:
    priming: str | None = None
    """The id-only block sent before anything else: where a live stream opened."""

    def poll(self) -> Poll:
        raise NotImplementedError

    def duplicate(self, n: int) -> None:
        """Make the next poll resend the `n` events before the resume point."""


class LogSource(Source):
    """Tail of an EventLog from a position, optionally filtered."""

    def __init__(
        self,
        state: State,
        log: EventLog,
        cursor: str | None,
        *,
        start_at_end: bool,
        matches: Any = None,
        frame_of: Any = None,
        primes: bool = False,
    ) -> None:
        self.state = state
        self.log = log
        self.matches = matches or (lambda item: True)
        self.frame_of = frame_of or (lambda e: Frame(e["id"], e["type"], _json(e)))
        with state.lock:
            if cursor is not None:
                self.pos = log.after(cursor, state.config.cursor_retention)
            else:
                self.pos = len(log) if start_at_end else 0
                if primes:
                    # Opened without a resume point (api docs: "Stream position at
                    # open"): the newest id now, before any later event is added.
                    self.priming = log.position()
        self.resumed_at = self.pos
        self._dupes: list[dict[str, Any]] = []

    def duplicate(self, n: int) -> None:
        with self.state.lock:
            earlier = [i for i in self.log.items[: self.resumed_at] if self.matches(i)]
        self._dupes = earlier[-n:] if n > 0 else []

    def poll(self) -> Poll:
        with self.state.lock:
            items = self.log.items[self.pos :]
            self.pos += len(items)
        items = self._dupes + [i for i in items if self.matches(i)]
        self._dupes = []
        return Poll([self.frame_of(i) for i in items])


def task_events_source(
    state: State,
    cursor: str | None,
    event_types: str | None,
    task_id: str | None,
) -> LogSource:
    wanted = set(event_types.split(",")) if event_types else None

    def matches(event: dict[str, Any]) -> bool:
        if wanted is not None and event["type"] not in wanted:
            return False
        return task_id is None or event["task_id"] == task_id

    # Without a cursor the lifecycle stream starts live, primed with its position;
    # with one it replays after it.
    return LogSource(
        state,
        state.task_events,
        cursor,
        start_at_end=True,
        matches=matches,
        primes=True,
    )


def session_events_source(state: State, session_id: str) -> LogSource:
    # Live only (docs/streaming.md, "Following a session"): nothing before the stream
    # opened is replayed.
    return LogSource(state, state.session_events[session_id], None, start_at_end=True)


def session_logs_source(state: State, session_id: str, cursor: str | None) -> LogSource:
    # The whole log from its first line, or every line after Last-Event-ID.
    return LogSource(
        state,
        state.session_logs[session_id],
        cursor,
        start_at_end=False,
        frame_of=lambda line: Frame(line["id"], line["event"], line["data"]),
    )


class RunSource(Source):
    """`result` frames, `lagged {dropped}` on queue overflow, then `terminal`.

    Results recorded before the stream opened are replay and always sent; results
    recorded after it are live and go through a bounded queue of `run_queue_size`:
    when more than that are pending, the oldest are dropped (they stay in /results).
    """

    def __init__(self, state: State, run: Run, cursor: str | None) -> None:
        self.state = state
        self.run = run
        self.pos = 0
        self.skip = 0  # the `lag` fault: drop this many next results
        self.dropped: list[str] = []
        self.ended = False
        with state.lock:
            state.benches.refresh(run)
            if cursor is not None and cursor == run.terminal_id:
                # At or after the terminal event: send `terminal` again, at once.
                self.pos = len(run.results)
            elif cursor is not None:
                ids = [r["id"] for r in run.results]
                if cursor not in ids:
                    raise CursorExpired(cursor)
                pos = ids.index(cursor)
                if pos < len(ids) - state.config.cursor_retention:
                    raise CursorExpired(cursor)
                self.pos = pos + 1
            self.live_from = len(run.results)
        self.resumed_at = self.pos

    def duplicate(self, n: int) -> None:
        self.pos = max(0, self.pos - n)

    def _lagged(self) -> list[Frame]:
        if not self.dropped:
            return []
        frame = Frame(self.dropped[-1], "lagged", _json({"dropped": len(self.dropped)}))
        self.dropped = []
        return [frame]

    def poll(self) -> Poll:
        run = self.run
        with self.state.lock:
            if not run.deleted:
                self.state.benches.refresh(run)
            start = self.pos
            results = run.results[start:]
            self.pos += len(results)
            final, status, terminal_id = run.final, run.status, run.terminal_id
            if run.deleted:
                final, status = True, "canceled"
                terminal_id = terminal_id or self.state.new_event_id()
                run.terminal_id = terminal_id
            step, started = run.step, run.triggered_at
            now = self.state.clock.now()
        frames: list[Frame] = []
        queue_size = max(1, int(self.state.config.run_queue_size))
        # Results at or after `live_from` were recorded while this stream was open.
        live_at = max(0, self.live_from - start)
        overflow = max(0, len(results) - live_at - queue_size)
        for k, result in enumerate(results):
            if self.skip > 0 or (overflow > 0 and k >= live_at):
                if self.skip > 0:
                    self.skip -= 1
                else:
                    overflow -= 1
                self.dropped.append(result["id"])
                continue
            frames += self._lagged()
            frames.append(Frame(result["id"], "result", _json(result)))
        if final and not self.ended:
            self.ended = True
            frames += self._lagged()
            assert terminal_id is not None
            frames.append(Frame(terminal_id, "terminal", _json({"status": status})))
            return Poll(frames, done=True)
        due = started + (len(run.results) + 1) * step
        return Poll(frames, wake_in=max(0.0, due - now))
