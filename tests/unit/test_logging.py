"""`AGENTRAIL_LOG=info|debug` switches on the `agentrail` logger: each request with
its method, path, status, request id and time, and each retry with its reason and
delay, on stderr; without it the SDK adds no handler."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PROGRAM = """
import httpx, agentrail
answers = iter([503, 200])
def handler(request):
    status = next(answers)
    body = {"data": [], "has_more": False, "next_cursor": None}
    return httpx.Response(status, json=body, headers={"Request-Id": f"req_{status}"})
http = httpx.Client(transport=httpx.MockTransport(handler))
client = agentrail.Client("ar_test_key", "https://api.test", http_client=http,
                          backoff=agentrail.Backoff(initial=0.01, cap=0.01))
client.tasks.list()
"""


def run_with(tmp_path: Path, level: str | None) -> str:
    """The stderr of PROGRAM run with AGENTRAIL_LOG set to `level`."""
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    env = {k: v for k, v in os.environ.items() if k != "AGENTRAIL_LOG"}
    if level is not None:
        env["AGENTRAIL_LOG"] = level
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env,
        check=True,
    )  # fmt: skip
    return proc.stderr


def test_info_logs_each_request_and_each_retry(tmp_path: Path) -> None:
    """At info: one line per request (method, path, status, request id, ms) and one
    per retry (the delay and the reason)."""
    err = run_with(tmp_path, "info")
    lines = [line for line in err.splitlines() if "agentrail" in line]
    assert re.search(
        r'INFO\] HTTP GET /v1/tasks "503 Service Unavailable" request id req_503 '
        r"in \d+ ms",
        lines[0],
    ), lines
    assert re.search(r"retrying GET /v1/tasks in 0\.\d+ s \(retry 1 of 2\): 503", err)
    assert 'HTTP GET /v1/tasks "200 OK" request id req_200' in err
    assert "DEBUG" not in err


def test_debug_adds_the_headers_sent_with_the_key_redacted(tmp_path: Path) -> None:
    """At debug the headers of each attempt are logged, `Authorization` redacted."""
    err = run_with(tmp_path, "debug")
    assert "sending GET https://api.test/v1/tasks (attempt 2)" in err
    assert "'authorization': '[redacted]'" in err
    assert "ar_test_key" not in err


def test_without_the_switch_nothing_is_printed(tmp_path: Path) -> None:
    """Unset (or an unknown level), the SDK leaves logging to the application."""
    assert run_with(tmp_path, None) == ""
    assert run_with(tmp_path, "loud") == ""
