"""The `agentrail` command, run as a user runs it: child processes against the mock."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

import agentrail
from tests.cli._run import AGENTRAIL, environ, one_error_line, resume_args
from tests.cli._run import agentrail as run

pytestmark = pytest.mark.timeout(90)


def ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in events]


def ndjson(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line parsed on its own: NDJSON, nothing else on stdout."""
    return [json.loads(line) for line in stdout.splitlines()]


def start_runs(mock: Any, cases: int, channels: tuple[str, ...]) -> list[int]:
    """A bench with `cases` cases and one run per channel; the run ids."""
    with agentrail.Client(api_key=mock.admin_key, base_url=mock.url) as client:
        client.benches.put("cli", "eval.py", config={})
        for i in range(cases):
            client.benches.add_case("cli", "eval.py", name=f"c{i}", inputs={"i": i})
        return [
            client.benches.trigger_run("cli", "eval.py", channel=c).id for c in channels
        ]


def test_tail_tasks_json_resumes_from_the_printed_command(mock: Any) -> None:
    """`--json` prints one event per line; the printed resume command continues."""
    sent = mock.state.emit_task_events(10)
    done = run(
        mock, "tail", "tasks", "--json", "--cursor", sent[0]["id"], "--max-events", "4"
    )
    assert done.returncode == 0, done.stderr
    got = ndjson(done.stdout)
    assert ids(got) == ids(sent[1:5])
    assert set(got[0]) == {"id", "type", "created_at", "sequence", "task_id", "data"}
    args = resume_args(done.stderr)
    assert args == ["tail", "tasks", "--json", "--cursor", sent[4]["id"]]
    rest = run(mock, *args, "--max-events", "5")
    assert ids(ndjson(rest.stdout)) == ids(sent[5:])


def test_tail_tasks_filters_by_type_and_task(mock: Any) -> None:
    """`--event-type` (repeatable) and `--task-id` narrow the stream on the server."""
    sent = mock.state.emit_task_events(12)
    other = mock.state.emit_task_events(4, types=["task.shipped"])
    start = sent[0]["id"]
    types = ["task.shipped", "task.reviewed"]
    wanted = [e for e in sent[1:] + other if e["type"] in types]
    args = [a for t in types for a in ("--event-type", t)]
    done = run(mock, "tail", "tasks", "--json", *args, "--cursor", start,
               "--max-events", str(len(wanted)))  # fmt: skip
    assert ids(ndjson(done.stdout)) == ids(wanted)
    task = other[0]["task_id"]
    done = run(mock, "tail", "tasks", "--task-id", task, "--cursor", start,
               "--max-events", "4")  # fmt: skip
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ids(other)
    assert all(task in line and "task.shipped" in line for line in lines)


def test_ctrl_c_ends_cleanly_and_prints_the_resume_command(mock: Any) -> None:
    """SIGINT stops `tail` with status 130, no traceback, and a command to resume."""
    child = subprocess.Popen(
        [*AGENTRAIL, "tail", "tasks"],
        env=environ(mock),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stderr is not None and child.stdout is not None
    assert child.stderr.readline().startswith("following task events")
    sent = mock.state.emit_task_events(5)
    got = [child.stdout.readline().split()[0] for _ in range(3)]
    child.send_signal(signal.SIGINT)
    assert child.wait(timeout=30) == 130
    # Read through the same buffered files as readline() (communicate() would skip
    # lines already in their buffers); the output is small enough for the pipes.
    with child.stdout, child.stderr:
        out, err = child.stdout.read(), child.stderr.read()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    got += [line.split()[0] for line in out.splitlines()]
    assert got == ids(sent)[: len(got)]
    assert f"last event id: {got[-1]}" in err
    rest = run(mock, *resume_args(err), "--max-events", str(5 - len(got)))
    assert [line.split()[0] for line in rest.stdout.splitlines()] == ids(sent)[
        len(got) :
    ]


def test_tail_session_and_logs_follow_and_resume(mock: Any) -> None:
    """`tail session` and `logs` print each event once and resume after the cursor."""
    session = mock.state.create_session()
    message = {"type": "user.message", "content": [{"type": "text", "text": "hi"}]}
    mock.state.send_session_events(session["id"], [message, message])
    events = ids(mock.state.session_events[session["id"]].items)
    done = run(mock, "tail", "session", session["id"], "--json", "--max-events", "3")
    assert ids(ndjson(done.stdout)) == events[:3]
    assert ndjson(done.stdout)[0]["type"] == "user.message"
    rest = run(mock, *resume_args(done.stderr), "--max-events", str(len(events) - 3))
    assert ids(ndjson(rest.stdout)) == events[3:]

    lines = mock.state.session_logs[session["id"]].items
    done = run(mock, "logs", session["id"], "--max-events", "2")
    assert done.stdout.splitlines()[0].endswith("[status] running")
    rest = run(mock, *resume_args(done.stderr), "--json", "--max-events", "6")
    got = ndjson(rest.stdout)
    assert ids(got) == ids(lines[2:])
    assert got[0]["data"] == lines[2]["data"]  # raw, as the server sent it


def test_errors_are_one_line_and_a_nonzero_status(mock: Any) -> None:
    """A missing scope, a bad key, a bad id, no key, no server: one `error:` line."""
    mock.set_key("ar_tasks_only", ["tasks:read"])
    line = one_error_line(run(mock, "tail", "tasks", key="ar_tasks_only"))
    assert line == "error: insufficient scope: events:read is required"
    line = one_error_line(run(mock, "bench", "watch", "1", key="ar_wrong"))
    assert line.startswith("error: authentication failed")
    before = len(mock.requests)
    for bad in ("../x", "a/b", "?x=1", "%2e%2e"):
        line = one_error_line(run(mock, "logs", bad))
        assert "is not a valid id" in line
    assert len(mock.requests) == before  # rejected before any request
    line = one_error_line(run(mock, "bench", "watch", "424242"))
    assert line == "error: not found: no bench run 424242"
    env = environ(mock)
    del env["AGENTRAIL_API_KEY"]
    line = one_error_line(run(mock, "tail", "tasks", env=env))
    assert "no API key" in line
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    line = one_error_line(run(mock, "--base-url", closed, "bench", "compare", "1", "2"))
    assert line.startswith("error: cannot reach the API")
    # A stream that cannot open fails like a REST call, with the default retries.
    for stream in (["tail", "tasks"], ["logs", "ses_1"], ["bench", "watch", "1"]):
        line = one_error_line(run(mock, "--base-url", closed, *stream))
        assert line.startswith("error: cannot reach the API"), stream
    usage = run(mock, "tail", "tasks", "--event-type", "task.nope")
    assert usage.returncode == 2 and "invalid choice" in usage.stderr


def test_bench_watch_exit_status_is_the_run_outcome(mock: Any) -> None:
    """`bench watch` exits 0 for a completed run and 4 for a canceled one."""
    mock.config.update(bench_step_seconds=0.02)
    mock.faults.add("lag", operation="stream_bench_run_events", n=2)
    (done_id,) = start_runs(mock, 5, ("stable",))
    done = run(mock, "bench", "watch", str(done_id), "--json")
    assert done.returncode == 0, done.stderr
    events = ndjson(done.stdout)
    assert [e["type"] for e in events].count("lagged") == 1
    results = [e["id"] for e in events if e["type"] == "result"]
    assert len(results) == len(set(results)) == 5  # the lag was filled, once each
    assert events[-1] == {"type": "terminal", "status": "completed"}
    shown = run(mock, "bench", "watch", str(done_id))
    assert shown.returncode == 0
    assert f"run {done_id} completed: 5/5 cases" in shown.stderr

    mock.clock.freeze()  # canceled before its first case starts: nothing runs
    (canceled,) = start_runs(mock, 2, ("canary",))
    with agentrail.Client(api_key=mock.admin_key, base_url=mock.url) as client:
        client.bench_runs.cancel(canceled)
    done = run(mock, "bench", "watch", str(canceled))
    assert done.returncode == 4 and "canceled" in done.stderr


def test_bench_compare_prints_a_table_or_json(mock: Any) -> None:
    """`bench compare A B` shows every case of both runs; `--json` the report."""
    mock.config.update(bench_step_seconds=0.001)
    a, b = start_runs(mock, 4, ("stable", "canary"))
    table = run(mock, "bench", "compare", str(a), str(b))
    assert table.returncode == 0, table.stderr
    report = ndjson(run(mock, "bench", "compare", str(a), str(b), "--json").stdout)[0]
    assert (report["run_a_id"], report["run_b_id"]) == (a, b)
    for case in report["per_case"]:
        assert case["case_id"] in table.stdout and case["change"] in table.stdout
    assert "pass rate" in table.stderr


def test_without_the_cli_extra_bench_says_how_to_install(mock: Any) -> None:
    """Without rich, bench commands print the install line; tail still works."""
    code = (
        "import sys; sys.modules['rich'] = None\n"  # `import rich` now fails
        "from agentrail._cli import main; sys.exit(main(sys.argv[1:]))"
    )
    bare = [sys.executable, "-c", code]
    env = environ(mock)
    done = subprocess.run([*bare, "bench", "compare", "1", "2"], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert one_error_line(done) == (
        'error: this command needs the cli extra: pip install "agentrail[cli]"'
    )
    sent = mock.state.emit_task_events(2)
    tail = [*bare, "tail", "tasks", "--cursor", sent[0]["id"], "--max-events", "1"]
    done = subprocess.run(tail, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith(sent[1]["id"])


def test_agentrail_mock_serves_until_ctrl_c(mock: Any) -> None:
    """`agentrail mock --port P` (the console script) serves the API until SIGINT."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = Path(sys.executable).with_name("agentrail")
    child = subprocess.Popen(
        [str(script), "mock", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip().endswith(f"127.0.0.1:{port}")
        answer = httpx.get(
            f"http://127.0.0.1:{port}/v1/tasks",
            headers={"Authorization": "Bearer ar_test_admin"},
        )
        assert answer.status_code == 200
    finally:
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
    assert child.returncode == 0 and "Traceback" not in err


def test_the_resume_command_never_repeats_the_key_or_the_old_stop() -> None:
    """`--api-key`, `--cursor` and `--max-events` are dropped, in both spellings."""
    from agentrail._cli._tail import resume_command

    argv = ["--api-key", "sk-secret", "tail", "tasks", "--cursor=000000000001"]
    argv += ["--max-events", "3", "--api-key=sk-other", "--event-type", "task.shipped"]
    command = resume_command(argv, "000000000009")
    assert "sk-" not in command
    assert command == (
        "agentrail tail tasks --event-type task.shipped --cursor 000000000009"
    )
