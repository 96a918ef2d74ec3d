"""The fault plan (docs/mock.md, "Faults"): a FIFO of faults that matching requests
consume.

Each request takes at most one fault: the first entry whose operation matches and whose
kind applies to that request (stream-only kinds never fire on a JSON operation, and
`duplicate_on_resume` waits for a request that resumes). An entry fires `times` times.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

# kind -> (required params, applies to: "any" | "stream" | "resume" | an operationId)
KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "drop_after": (("n",), "stream"),
    "duplicate_on_resume": (("n",), "resume"),
    "malformed_at": (("n",), "stream"),
    "stall_after": (("n",), "stream"),
    "status": (("code",), "any"),
    "delay": (("seconds",), "any"),
    "unknown_event": ((), "stream"),
    "lag": (("n",), "stream_bench_run_events"),
    "reset": ((), "any"),
    "slow_drip": ((), "any"),
    "line_endings": (("style",), "stream"),
    "bom": ((), "stream"),
    "invalid_utf8": (("n",), "stream"),
    "wrong_content_type": ((), "stream"),
    "append_event": (("event_type",), "list_session_events"),
}


@dataclass
class Fault:
    """One planned fault; `params` are the kind's arguments (`n`, `code`, ...)."""

    kind: str
    operation: str = "*"
    times: int = 1
    params: dict[str, Any] = field(default_factory=dict)

    def applies(self, operation_id: str, streaming: bool, resuming: bool) -> bool:
        if self.operation not in ("*", operation_id):
            return False
        scope = KINDS[self.kind][1]
        if scope == "any":
            return True
        if scope == "stream":
            return streaming
        if scope == "resume":
            return streaming and resuming
        return scope == operation_id

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "operation": self.operation,
            "times": self.times,
            "params": self.params,
        }


class FaultPlan:
    """Thread-safe FIFO of faults; `add` from a test, `take` from the server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan: list[Fault] = []

    def add(
        self, kind: str, operation: str = "*", times: int = 1, **params: Any
    ) -> Fault:
        """Plan a fault: `add("drop_after", operation="stream_task_events", n=5)`."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {sorted(KINDS)}")
        required, _ = KINDS[kind]
        missing = [name for name in required if name not in params]
        if missing:
            raise ValueError(f"fault {kind!r} needs {missing}")
        if kind == "status" and int(params["code"]) not in (429, 500, 503):
            raise ValueError("status faults are 429, 500 or 503")
        if kind == "line_endings" and params["style"] not in ("crlf", "cr"):
            raise ValueError("line_endings style is 'crlf' or 'cr'")
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(kind, operation, times, dict(params))
        with self._lock:
            self._plan.append(fault)
        return fault

    def take(self, operation_id: str, streaming: bool, resuming: bool) -> Fault | None:
        """The first planned fault for this request, consumed once; None if none."""
        with self._lock:
            for fault in self._plan:
                if fault.applies(operation_id, streaming, resuming):
                    fault.times -= 1
                    if fault.times == 0:
                        self._plan.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._plan.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._plan)

    def __len__(self) -> int:
        with self._lock:
            return len(self._plan)
