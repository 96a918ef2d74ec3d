"""`agentrail tail tasks|session` and `agentrail logs`: follow a stream, line by line.

Events go to stdout, one per line: readable text, or NDJSON with `--json`. Everything
else (what is being followed, where it stopped, how to resume) goes to stderr, so a
pipe into jq sees only events.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shlex
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from types import FrameType
from typing import Any

from .._events import SessionLogEvent, TaskLifecycleEvent
from .._options import StreamOptions
from .._stream import EventStream
from ._common import client, note

# Options that must not be repeated in a resume command: the old resume point, the stop,
# and the key (a secret never printed; the environment or the user supplies it again).
_DROPPED = {"--cursor", "--max-events", "--api-key"}


def _task_json(e: TaskLifecycleEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "type": str(e.type),  # the value; an unknown type is kept as its string
        "created_at": e.created_at.isoformat(),
        "sequence": e.sequence,
        "task_id": e.task_id,
        "data": e.data.to_dict(),
    }


def _task_line(e: TaskLifecycleEvent) -> str:
    data = json.dumps(e.data.to_dict(), separators=(",", ":"), sort_keys=True)
    return f"{e.id}  {str(e.type):<20} {e.task_id}  #{e.sequence}  {data}"


def _log_json(e: SessionLogEvent) -> dict[str, Any]:
    # `data` stays the raw string the server sent (openapi.yaml,
    # stream_session_logs); jq's `fromjson` parses it.
    return {"id": e.id, "event": e.event, "data": e.data}


def _log_line(e: SessionLogEvent) -> str:
    try:
        line = e.json()
        return f"{e.id}  {line['timestamp']}  [{line['stream']}] {line['message']}"
    except (ValueError, TypeError, KeyError):
        return f"{e.id}  {e.event}  {e.data}"  # not the `log` shape: show it raw


def _session_json(e: Any) -> dict[str, Any]:
    result: dict[str, Any] = e.to_dict()
    return result


def _session_line(e: Any) -> str:
    d = _session_json(e)
    texts = [b.get("text", "") for b in d.get("content") or () if isinstance(b, dict)]
    detail = " ".join(texts) or d.get("stop_reason") or d.get("name") or ""
    return f"{e.id}  {e.type:<24} {detail}".rstrip()


# Event class -> (readable line, JSON object). Session events are the generated models,
# one class per type, so they take the fallback pair.
_RENDER: Mapping[type, tuple[Callable[[Any], str], Callable[[Any], dict[str, Any]]]] = {
    TaskLifecycleEvent: (_task_line, _task_json),
    SessionLogEvent: (_log_line, _log_json),
}
_SESSION = (_session_line, _session_json)


def render(event: Any, as_json: bool) -> str:
    """One output line for `event`."""
    line, obj = _RENDER.get(type(event), _SESSION)
    if as_json:
        return json.dumps(obj(event), separators=(",", ":"), ensure_ascii=False)
    return line(event)


def resume_command(argv: list[str], cursor: str) -> str:
    """The command line that continues after `cursor`: `argv` without its old stop."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in _DROPPED:
            skip = "=" not in arg
            continue
        kept.append(arg)
    return shlex.join(["agentrail", *kept, "--cursor", cursor])


class _Held:
    """Ctrl-C held back while one event is printed and recorded as printed."""

    def __init__(self) -> None:
        self.holding = False
        self.pending = False

    def handler(self, signum: int, frame: FrameType | None) -> None:
        if self.holding:
            self.pending = True  # raised once the event is printed and recorded
        else:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.pending:
            raise KeyboardInterrupt


@contextlib.contextmanager
def _sigint(held: _Held) -> Iterator[None]:
    # Only the main thread may install a handler (the CLI runs there).
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, held.handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def follow(args: argparse.Namespace, what: str, stream: EventStream[Any]) -> int:
    """Print events until the stream ends, `--max-events`, or Ctrl-C."""
    count = 0
    # The resume point is the last event *printed*. A Ctrl-C landing between printing
    # an event and recording it would resume before it and print it twice, and one
    # landing inside print() would leave half a line: the pair is made atomic.
    last = args.cursor or ""
    interrupted = False
    held = _Held()
    try:
        with _sigint(held), stream:
            note(f"following {what} (Ctrl-C to stop)")
            for event in stream:
                with held.held():
                    print(render(event, args.json), flush=True)
                    last = event.id
                    count += 1
                if args.max_events is not None and count >= args.max_events:
                    break
    except KeyboardInterrupt:
        interrupted = True
    counts = ", ".join(f"{k} {v}" for k, v in stream.stats.items() if v)
    note(f"stopped after {count} events" + (f" ({counts})" if counts else ""))
    if last:
        note(f"last event id: {last}")
        note(f"resume with: {resume_command(args.argv, last)}")
    return 130 if interrupted else 0


def tasks(args: argparse.Namespace) -> int:
    """`agentrail tail tasks`."""
    options = StreamOptions(
        event_types=args.event_type, task_id=args.task_id, cursor=args.cursor
    )
    with client(args) as api:
        return follow(args, "task events", api.stream_events(options))


def session(args: argparse.Namespace) -> int:
    """`agentrail tail session SESSION_ID`."""
    with client(args) as api:
        events = api.sessions.events(args.session_id)
        stream = events.stream(history=not args.no_history, last_event_id=args.cursor)
        return follow(args, f"session {args.session_id}", stream)


def logs(args: argparse.Namespace) -> int:
    """`agentrail logs SESSION_ID`."""
    with client(args) as api:
        stream = api.sessions.logs(args.session_id).stream(last_event_id=args.cursor)
        return follow(args, f"the logs of {args.session_id}", stream)
