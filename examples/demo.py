"""`make demo`: a tour of agentrail against the embedded mock, in about ten seconds.

Starts the mock on a free loopback port, then follows a session through a dropped
connection, stops and resumes the task lifecycle stream from its cursor in a new
process, reads a session's logs past an unknown event type, and watches two bench runs
with the `agentrail` command. Every stream ends with a count checked against the
server's own log: lost 0, repeated 0.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

import agentrail
import agentrail_mock
from agentrail import StreamOptions, TaskEventType

WATCHED = [TaskEventType.TASK_REVIEWED.value, TaskEventType.TASK_SHIPPED.value]


def say(text: str = "") -> None:
    print(text, flush=True)  # flushed: the CLI children write to the same stdout


def chapter(number: int, title: str, what: str) -> None:
    say()
    say(f"{number}/4  {title}")
    say(f"     {what}")


def check(received: list[str], server: list[str], extra: str = "") -> None:
    """The closing count: what this client got against what the server holds."""
    lost = len(set(server) - set(received))
    repeated = len(received) - len(set(received))
    order = 0 if received == sorted(received) else 1
    say(
        f"     received {len(received)} events, the server sent {len(server)}: "
        f"lost {lost}, repeated {repeated}, out of order {order}{extra}"
    )
    if lost or repeated or order or received != server:
        raise SystemExit("demo failed: the stream lost, repeated or reordered events")


def take(stream: Iterable[Any], count: int) -> Iterator[Any]:
    """The next `count` events of a live stream (it never ends on its own)."""
    for n, event in enumerate(stream, 1):
        yield event
        if n == count:
            return


def message(text: str) -> agentrail.UserMessageParam:
    return {"type": "user.message", "content": [{"type": "text", "text": text}]}


def follow_a_session(client: agentrail.Client, mock: Any) -> str:
    chapter(
        1,
        "Following a session",
        "open the stream, send three messages; the mock drops the connection.",
    )
    session = client.sessions.create(metadata={"demo": "tour"})
    events = client.sessions.events(session.id)
    mock.faults.add("drop_after", operation="stream_session_events", n=5)
    received: list[str] = []
    reconnects = 0
    with events.stream() as stream:
        for text in ("plan the release", "write the notes", "ship it"):
            events.send([message(text)])
            say(f"     > sent {text!r}")
            for event in take(stream, 4):  # the agent's four events per message
                if stream.stats["reconnects"] > reconnects:
                    reconnects = stream.stats["reconnects"]
                    say(
                        f"     -- connection dropped after {received[-1]}; reconnected"
                        " and listed the history after it"
                    )
                received.append(event.id)
                say(f"     {event.id}  {event.type}")
        stats = stream.stats
    server = [e.id for e in events.list()]
    check(received, server, f" ({stats['reconnects']} reconnect)")
    return session.id


def resume_tasks(client: agentrail.Client, mock: Any, env: dict[str, str]) -> None:
    chapter(
        2,
        "The task lifecycle, stopped and resumed",
        "follow reviews and ships only; stop; resume from the cursor in a new process.",
    )
    # A drop, then one event sent twice on resume: the client drops the repeat.
    mock.faults.add("drop_after", operation="stream_task_events", n=2)
    mock.faults.add("duplicate_on_resume", operation="stream_task_events", n=1)
    received: list[str] = []

    def work(count: int) -> None:
        for i in range(count):
            task = client.tasks.create(title=f"task {i}")
            client.tasks.update(task.id, status="in_progress")
            client.tasks.review(task.id, decision="approved", summary="looks right")
            client.tasks.ship(task.id)

    with client.stream_events(StreamOptions(event_types=WATCHED)) as stream:
        work(3)
        for event in take(stream, 5):
            received.append(event.id)
            say(f"     {event.id}  {event.type}  {event.task_id}")
        cursor, stats = stream.last_event_id, stream.stats
    say(
        f"     stopped after 5 events ({stats['reconnects']} reconnect, "
        f"{stats['duplicates']} repeat dropped); cursor {cursor}"
    )
    work(2)  # nobody is listening now
    types = [arg for t in WATCHED for arg in ("--event-type", t)]
    command = ["agentrail", "tail", "tasks", *types, "--cursor", cursor]
    server = [e["id"] for e in mock.state.task_events.items if e["type"] in WATCHED]
    command += ["--max-events", str(len(server) - len(received))]
    say(f"     $ {' '.join(command)}")
    out = cli(command[1:], env)
    received += [line.split()[0] for line in out.splitlines() if line[:1].isdigit()]
    check(received, server)


def read_logs(client: agentrail.Client, mock: Any, session_id: str) -> None:
    chapter(
        3,
        "A session's logs",
        "data stays raw; an event type this client does not know is skipped.",
    )
    mock.faults.add("unknown_event", operation="stream_session_logs", at=3)
    server = [line["id"] for line in mock.state.session_logs[session_id].items]
    received: list[str] = []
    with client.sessions.logs(session_id).stream() as stream:
        for event in take(stream, len(server)):
            line = event.json()
            received.append(event.id)
            say(f"     {event.id}  [{line['stream']:>6}] {line['message']}")
        skipped = stream.stats["unknown"]
    check(received, server, f" ({skipped} unknown event skipped)")


def watch_benches(client: agentrail.Client, mock: Any, env: dict[str, str]) -> None:
    chapter(
        4,
        "Bench runs",
        "two runs of 12 cases; a slow reader is made to lag and fills the gap.",
    )
    mock.config.update(bench_step_seconds=0.15)
    client.benches.put("demo", "eval.py", config={"judge": "exact"})
    for i in range(12):
        client.benches.add_case("demo", "eval.py", name=f"case {i}", inputs={"n": i})
    a = client.benches.trigger_run("demo", "eval.py", channel="stable")
    b = client.benches.trigger_run("demo", "eval.py", channel="canary")
    mock.faults.add("lag", operation="stream_bench_run_events", n=3)
    say(f"     $ agentrail bench watch {a.id}")
    shown = cli(["bench", "watch", str(a.id)], env)
    watched = re.findall(rf"run {a.id} completed: (\d+)/12 cases", shown)
    results = client.bench_runs.list_results(a.id)
    say(
        f"     the watch counted {watched[0]} results, /results holds {len(results)}"
        ", each shown once"
    )
    if watched != [str(len(results))] or "lagged" not in shown:
        raise SystemExit("demo failed: the watched run lost or repeated results")
    while (run := client.bench_runs.get(b.id)) and run.status.value != "completed":
        time.sleep(0.05)  # run B ran alongside A; wait for its last case
    say(f"     $ agentrail bench compare {a.id} {b.id}")
    cli(["bench", "compare", str(a.id), str(b.id)], env)


INDENT = b"     "
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def cli(args: list[str], env: dict[str, str]) -> str:
    """Run the `agentrail` command as a user would, in its own process.

    Its output is shown indented as it comes (a live progress bar stays live when this
    demo runs on a terminal) and returned as plain text for the closing counts.
    """
    width = shutil.get_terminal_size((105, 24)).columns  # (fallback: not a terminal)
    env = {**env, "COLUMNS": str(max(60, width - len(INDENT)))}
    if sys.stdout.isatty():  # the child writes to a pipe, but a person is watching
        env |= {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "agentrail", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one pipe keeps events and status lines in order
    )
    assert child.stdout is not None
    shown, fresh_line = bytearray(), True
    with child.stdout:
        while chunk := os.read(child.stdout.fileno(), 65536):
            shown += chunk
            if fresh_line:
                chunk = INDENT + chunk
            fresh_line = chunk.endswith(b"\n")
            body = chunk[:-1] if fresh_line else chunk
            body = body.replace(b"\n", b"\n" + INDENT).replace(b"\r", b"\r" + INDENT)
            sys.stdout.buffer.write(body + (b"\n" if fresh_line else b""))
            sys.stdout.flush()
    if child.wait(timeout=60) != 0:
        raise SystemExit(f"demo failed: agentrail {args[0]} exited {child.returncode}")
    return ANSI.sub("", shown.decode())


def main() -> None:
    started = time.monotonic()
    with agentrail_mock.serve() as mock:
        say(f"agentrail {agentrail.__version__}: the mock is serving {mock.url}")
        env = {
            **os.environ,
            "AGENTRAIL_BASE_URL": mock.url,
            "AGENTRAIL_API_KEY": mock.admin_key,
        }
        with agentrail.Client(api_key=mock.admin_key, base_url=mock.url) as client:
            session_id = follow_a_session(client, mock)
            resume_tasks(client, mock, env)
            read_logs(client, mock, session_id)
            watch_benches(client, mock, env)
    say()
    say(f"done in {time.monotonic() - started:.1f} s; the mock is stopped.")


if __name__ == "__main__":
    main()
