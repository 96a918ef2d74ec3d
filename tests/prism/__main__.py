"""`make prism`: serve openapi.yaml with Prism, a mock nobody here wrote, and point the
client at it.

Optional (it needs Node's `npx`; `make check` does not run it). It shows that a
third-party tool reads the spec the way we do: Prism answers every REST call the
examples make with data the client parses into its models, and serves a stream from
the spec's example frames (docs/api.md, "Streams").

Prism answers from the spec alone, with no state: every page says `has_more: true`
with the same cursor. The calls take one page each; one walk checks that a page
walker meeting a repeated cursor stops with a typed error instead of looping.
Exit status 0 when every call passed.

    python -m tests.prism [--port 4011]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import agentrail

ROOT = Path(__file__).resolve().parents[2]
PRISM = "@stoplight/prism-cli@5.16.0"  # pinned: its output format is parsed below
KEY = "ar_test_admin"  # Prism checks that a bearer token is present, not its value


def start(port: int) -> subprocess.Popen[str]:
    """Prism in mock mode on loopback; returns once it listens."""
    npx = shutil.which("npx")
    if npx is None:
        sys.exit("make prism needs Node.js (npx); install it, e.g. apt-get install npm")
    command = [npx, "--yes", PRISM, "mock", str(ROOT / "openapi.yaml"),
               "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    assert process.stdout is not None
    deadline = time.monotonic() + 180  # the first run downloads Prism
    for line in process.stdout:
        if "Prism is listening" in line:
            return process
        if time.monotonic() > deadline:
            break
    stop(process)
    sys.exit(f"Prism did not start (exit {process.poll()})")


def stop(process: subprocess.Popen[str]) -> None:
    """End Prism and the node processes npx started (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


def calls(client: agentrail.Client) -> list[tuple[str, Callable[[], Any]]]:
    """The REST calls of examples/*.py, each returning what the client parsed."""
    task_id, session_id = "task_1", "sess_1"
    user = {"type": "user.message", "content": [{"type": "text", "text": "hi"}]}
    return [
        ("sessions.create", lambda: client.sessions.create(metadata={"a": "b"})),
        ("sessions.get", lambda: client.sessions.get(session_id)),
        ("sessions.events.send", lambda: client.sessions.events(
            session_id).send([user])),
        ("tasks.create", lambda: client.tasks.create(title="t", branch="main")),
        ("tasks.get", lambda: client.tasks.get(task_id)),
        ("tasks.update", lambda: client.tasks.update(task_id, status="in_progress")),
        ("tasks.review", lambda: client.tasks.review(
            task_id, decision="approved", summary="good")),
        ("tasks.ship", lambda: client.tasks.ship(task_id)),
        ("benches.put", lambda: client.benches.put("p1", "qa.py", config={"j": 1})),
        ("benches.add_case", lambda: client.benches.add_case(
            "p1", "qa.py", name="q0", inputs={"question": "2+2"})),
        ("benches.trigger_run", lambda: client.benches.trigger_run(
            "p1", "qa.py", channel="stable")),
        ("bench_runs.get", lambda: client.bench_runs.get(1)),
        ("bench_runs.cancel", lambda: client.bench_runs.cancel(1)),
        ("bench_runs.compare", lambda: client.bench_runs.compare(1, 2)),
        ("bench_runs.get_case", lambda: client.bench_runs.get_case("case_1")),
        ("bench_runs.mcp_session_cost", lambda: client.bench_runs.mcp_session_cost(
            "m1")),
        # One page each: Prism's pages never end (see above).
        ("benches.list_cases", lambda: client.benches.list_cases("p1", "qa.py").data),
        ("tasks.list_events", lambda: client.tasks.list_events().data),
    ]  # fmt: skip


def walk_pages(client: agentrail.Client) -> str:
    """Walk task events page by page: Prism repeats its cursor with `has_more: true`.

    A walker must not loop on that: it stops with a typed error (agentrail.APIError).
    A walker without that guard is caught by the bound here and reported as a failure.
    """
    walked = 0
    try:
        for _ in client.tasks.list_events():
            walked += 1
            if walked > 100:
                raise RuntimeError("the walker kept fetching the same cursor")
    except agentrail.APIError as exc:
        return f"stopped after {walked} items: {type(exc).__name__}"
    return f"ended after {walked} items"


def first_task_event(client: agentrail.Client) -> Any:
    """The first event of the task lifecycle stream, served from the spec's examples."""
    with client.stream_events() as stream:
        return next(iter(stream))


def first_run_event(client: agentrail.Client) -> Any:
    """The first event of a run's stream (the `result` example frame)."""
    with client.bench_runs.subscribe_run_events(1) as events:
        return next(iter(events))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.prism")
    parser.add_argument("--port", type=int, default=4011)
    args = parser.parse_args(argv)
    process = start(args.port)
    failed = 0
    try:
        url = f"http://127.0.0.1:{args.port}"
        with agentrail.Client(base_url=url, api_key=KEY, max_retries=0) as client:
            streams = [
                ("stream_events", lambda: first_task_event(client)),
                ("subscribe_run_events", lambda: first_run_event(client)),
            ]
            walk = [("list_events walk", lambda: walk_pages(client))]
            for name, call in [*calls(client), *streams, *walk]:
                try:
                    value = call()
                except Exception as exc:  # report every call, then fail
                    failed += 1
                    print(f"FAIL {name}: {type(exc).__name__}: {exc}"[:300])
                else:
                    shown = value if isinstance(value, str) else type(value).__name__
                    print(f"ok   {name} -> {shown}")
    finally:
        stop(process)
    print(f"{failed} failed" if failed else "every call passed against Prism")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
