"""The mock's in-memory world: clock, settings, ids, event logs, sessions, tasks.

Everything here may be touched from two threads at once (the server's event loop and a
test calling `state.emit_task_events`), so mutations hold `State.lock`, and waiting
streams are woken through `Notifier`, which is safe to call from any thread.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from .faults import FaultPlan

TASK_EVENT_TYPES = (
    "task.updated",
    "task.awaiting_user",
    "task.reviewed",
    "task.shipped",
)
DEFAULT_ADMIN_KEY = "ar_test_admin"

# What the scripted agent says after echoing a message, in turn: real agent output is
# full of non-ASCII text, and the mock writes it raw (UTF-8), so every client meets
# multi-byte characters (2, 3 and 4 bytes, a ZWJ emoji sequence) and U+2028, which is
# data, not a line end, in SSE (WHATWG HTML 9.2.6) and legal unescaped in JSON.
REPLIES = (
    "Reçu, je m’en occupe — café, naïve, Ærøskøbing.",
    "了解しました。すぐに対応します 🚀",
    "Принято: работаю над этим ✅",
    "收到！正在处理…\u2028第二行 👍🏽",
    "Ελήφθη — 👩\u200d💻 ⟶ ¡listo! ½ ≠ ∞",
)

# Notes on synthetic task events, so task streams carry multi-byte text too.
NOTES = ("prêt", "完了", "готово ✓", "🚢")


# JSON as real servers write it: raw UTF-8 (RFC 8259 sec. 8.1), not \u escapes;
# control characters (CR and LF among them) are still escaped, so the text stays one
# line. The encoders are made once: `json.dumps` with any option makes one per call.
dumps = json.JSONEncoder(ensure_ascii=False).encode
dumps_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def rfc3339(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


# The id before every event: 12 zeros sort before every id `new_event_id` makes.
START_OF_LOG = "000000000000"


class CursorExpired(Exception):
    """A cursor or event id that is unknown, or older than the retention window."""


class Clock:
    """Real time by default; `freeze`, `advance` and `set` make it a test clock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None
        self.on_change: list[Any] = []

    def now(self) -> float:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self, at: float | None = None) -> None:
        """Stop the clock (at `at`, default now); only `advance`/`set` move it then."""
        with self._lock:
            self._frozen_at = at if at is not None else time.time() + self._offset
        self._changed()

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
        self._changed()

    def set(self, at: float) -> None:
        self.freeze(at)

    def unfreeze(self) -> None:
        """Back to real time (plus no offset)."""
        with self._lock:
            self._frozen_at = None
            self._offset = 0.0
        self._changed()

    def _changed(self) -> None:
        for callback in self.on_change:
            callback()


@dataclass
class Config:
    """Settings a test may change at run time; `reset()` restores these defaults."""

    retry_ms: int = 1000  # the `retry:` value on each stream's first frame
    bench_step_seconds: float = 0.5  # clock time each bench case takes
    run_queue_size: int = 100  # per-subscriber queue of live run results
    cursor_retention: int = 10_000  # how many events back a cursor stays valid
    heartbeat_seconds: int = (
        15  # unless the request's `heartbeat_seconds` says otherwise
    )

    def update(self, **changes: Any) -> None:
        names = {f.name for f in fields(self)}
        for name, value in changes.items():
            if name not in names:
                raise ValueError(f"unknown config setting {name!r}")
            setattr(self, name, type(getattr(self, name))(value))

    def restore(self) -> None:
        for f in fields(self):
            setattr(self, f.name, f.default)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Notifier:
    """Wakes every waiting stream, whatever thread or event loop it runs on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def subscribe(self) -> asyncio.Event:
        event = asyncio.Event()
        with self._lock:
            self._waiters.add((asyncio.get_running_loop(), event))
        return event

    def unsubscribe(self, event: asyncio.Event) -> None:
        with self._lock:
            self._waiters = {w for w in self._waiters if w[1] is not event}

    def notify(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop has closed
                self.unsubscribe(event)


class EventLog:
    """An append-only log of events (dicts with an `id`), with resume by id."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._index: dict[str, int] = {}

    def append(self, item: dict[str, Any]) -> None:
        self._index[str(item["id"])] = len(self.items)
        self.items.append(item)

    def after(self, event_id: str, retention: int) -> int:
        """The position just after `event_id`; CursorExpired if unknown or too old.

        `START_OF_LOG` is the position before the first item (openapi.yaml
        `x-start-of-log-id`): the priming id of a stream opened on an empty log.
        """
        pos = -1 if event_id == START_OF_LOG else self._index.get(event_id)
        if pos is None or pos < len(self.items) - retention:
            raise CursorExpired(event_id)
        return pos + 1

    def position(self) -> str:
        """The id of the newest item, or `START_OF_LOG` if there is none yet."""
        return self.items[-1]["id"] if self.items else START_OF_LOG

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class RecordedRequest:
    """One request as the mock received it (stripe-style request assertions)."""

    method: str
    path: str
    raw_path: str
    query: list[tuple[str, str]]
    headers: Any  # starlette.datastructures.Headers: case-insensitive lookup
    body: bytes
    operation_id: str | None


class State:
    """The mock's data. Domain methods are the Python API tests call directly."""

    def __init__(self, api_keys: dict[str, list[str]] | None = None) -> None:
        from .benches import BenchStore  # benches imports this module

        self.lock = threading.RLock()
        self.clock = Clock()
        self.config = Config()
        self.notifier = Notifier()
        self.clock.on_change.append(self.notifier.notify)
        self.faults = FaultPlan()
        self.base_keys: dict[str, list[str]] = {DEFAULT_ADMIN_KEY: ["admin"]}
        self.base_keys.update({k: list(v) for k, v in (api_keys or {}).items()})
        self.config_overrides: dict[str, Any] = {}  # applied over defaults on reset
        self.benches = BenchStore(self)
        self._clear()

    def _clear(self) -> None:
        self.keys = {k: list(v) for k, v in self.base_keys.items()}
        self.requests: list[RecordedRequest] = []
        self._counter = itertools.count(1)
        self._event_counter = itertools.count(1)
        self.sessions: dict[str, dict[str, Any]] = {}
        self.session_events: dict[str, EventLog] = {}
        self.session_logs: dict[str, EventLog] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.task_events = EventLog()
        self.reviews: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[tuple[str, ...], tuple[float, str, Any]] = {}
        self.benches.clear()

    def reset(self) -> None:
        """Forget data, requests and faults; default settings, real time, base keys."""
        with self.lock:
            self._clear()
            self.faults.clear()
            self.config.restore()
            self.config.update(**self.config_overrides)
        self.clock.unfreeze()

    # ---------------------------------------------------------------- ids, time
    def now(self) -> str:
        return rfc3339(self.clock.now())

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._counter):06d}"

    def new_int_id(self) -> int:
        return next(self._counter)

    def new_event_id(self) -> str:
        # One counter for every stream: ids are strictly increasing everywhere and
        # compare the same as strings and as numbers (zero-padded).
        return f"{next(self._event_counter):012d}"

    def set_key(self, key: str, scopes: Iterable[str]) -> None:
        with self.lock:
            self.keys[key] = list(scopes)

    # ---------------------------------------------------------------- sessions
    def create_session(self, metadata: dict[str, str] | None = None) -> dict[str, Any]:
        with self.lock:
            session: dict[str, Any] = {
                "id": self.new_id("sess"),
                "status": "idle",
                "created_at": self.now(),
                "metadata": dict(metadata or {}),
            }
            self.sessions[session["id"]] = session
            self.session_events[session["id"]] = EventLog()
            self.session_logs[session["id"]] = EventLog()
            return session

    def append_session_event(
        self, session_id: str, event_type: str, **payload: Any
    ) -> dict[str, Any]:
        """Append an event to a session's history and wake its live streams."""
        with self.lock:
            log = self.session_events[session_id]
            event = {"id": self.new_event_id(), "type": event_type}
            event["processed_at"] = self.now()
            event.update(payload)
            log.append(event)
        self.notifier.notify()
        return event

    def append_log(
        self, session_id: str, message: str, stream: str = "stdout"
    ) -> dict[str, Any]:
        """Append a line to a session's log stream."""
        with self.lock:
            data = {"timestamp": self.now(), "stream": stream, "message": message}
            line = {"id": self.new_event_id(), "event": "log", "data": dumps(data)}
            self.session_logs[session_id].append(line)
        self.notifier.notify()
        return line

    def send_session_events(
        self, session_id: str, events: list[dict[str, Any]]
    ) -> None:
        """The scripted agent: echo each user message, with status and log lines."""
        session = self.sessions[session_id]
        for sent in events:
            if sent["type"] == "user.interrupt":
                self.append_session_event(session_id, "user.interrupt")
                if session["status"] == "running":
                    session["status"] = "idle"
                self.append_log(session_id, "interrupted", stream="status")
                continue
            content = [{"type": "text", "text": b["text"]} for b in sent["content"]]
            self.append_session_event(session_id, "user.message", content=content)
            session["status"] = "running"
            self.append_session_event(session_id, "session.status_running")
            self.append_log(session_id, "running", stream="status")
            text = " ".join(block["text"] for block in content)
            self.append_log(session_id, f"reçu {len(text)} caractères · 受信 📥")
            stop_reason = self._agent_turn(session_id, text, content)
            session["status"] = "idle"
            self.append_session_event(
                session_id, "session.status_idle", stop_reason=stop_reason
            )
            self.append_log(session_id, "idle", stream="status")

    def _agent_turn(
        self, session_id: str, text: str, content: list[dict[str, str]]
    ) -> str:
        """The agent's answer to one message; returns its stop reason.

        Plain text is echoed in an `agent.message`. Two commands make the agent emit
        the other event types (docs/mock.md, "The scripted agent"): `/tool <text>`
        thinks, calls the `echo` tool and answers with its result; `/error <text>`
        fails with `session.error` and stops with `error`.
        """
        if text.startswith("/error"):
            message = text[6:].strip() or "échec ✗"
            error = {"type": "tool_error", "message": message}
            self.append_session_event(session_id, "session.error", error=error)
            self.append_log(session_id, "error", stream="stderr")
            return "error"
        if text.startswith("/tool"):
            argument = text[5:].strip()
            self.append_session_event(session_id, "agent.thinking")
            use = self.append_session_event(
                session_id, "agent.tool_use", name="echo", input={"text": argument}
            )
            result = [
                {"type": "text", "text": argument},
                {"type": "text", "text": "résultat ✓ 結果 🔧"},
            ]
            self.append_session_event(
                session_id, "agent.tool_result", tool_use_id=use["id"],
                content=result, is_error=False,
            )  # fmt: skip
            content = result[:1]
        # The echo, then an answer in non-ASCII text (REPLIES).
        reply = REPLIES[len(self.session_events[session_id]) % len(REPLIES)]
        answer = [*content, {"type": "text", "text": reply}]
        self.append_session_event(session_id, "agent.message", content=answer)
        self.append_log(session_id, f"répondu: {reply}")
        return "end_turn"

    # ---------------------------------------------------------------- tasks
    def create_task(
        self,
        title: str,
        branch: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            now = self.now()
            task: dict[str, Any] = {
                "id": self.new_id("task"),
                "title": title,
                "status": "todo",
                "branch": branch,
                "metadata": dict(metadata or {}),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            self.tasks[task["id"]] = task
            return task

    def append_task_event(
        self, task_id: str, event_type: str, data: dict[str, Any], notify: bool = True
    ) -> dict[str, Any]:
        with self.lock:
            event = {
                "id": self.new_event_id(),
                "type": event_type,
                "created_at": self.now(),
                "sequence": len(self.task_events) + 1,
                "task_id": task_id,
                "data": data,
            }
            self.task_events.append(event)
        if notify:
            self.notifier.notify()
        return event

    def emit_task_events(
        self,
        count: int,
        task_id: str | None = None,
        types: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Append `count` synthetic lifecycle events at once (for tests and soaks)."""
        cycle = itertools.cycle(list(types or TASK_EVENT_TYPES))
        with self.lock:
            if task_id is None:
                task_id = self.create_task("synthetic events")["id"]
            out = [
                self.append_task_event(
                    task_id,
                    t,
                    {"synthetic": i, "note": NOTES[i % len(NOTES)]},
                    notify=False,
                )
                for i, t in zip(range(count), cycle, strict=False)
            ]
        self.notifier.notify()
        return out

    def update_task(self, task: dict[str, Any], changes: dict[str, Any]) -> None:
        with self.lock:
            for name in ("status", "branch", "metadata"):
                if name in changes:
                    task[name] = changes[name]
            task["version"] += 1
            task["updated_at"] = self.now()
            kind = "task.updated"
            if changes.get("status") == "awaiting_user":
                kind = "task.awaiting_user"
            shown = {k: v for k, v in changes.items() if k != "expected_version"}
            data = {"changes": shown, "version": task["version"]}
            self.append_task_event(task["id"], kind, data)
