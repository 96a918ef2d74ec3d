"""Running the `agentrail` command as a user does: a child process, real sockets."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from typing import Any

AGENTRAIL = [sys.executable, "-m", "agentrail"]


def environ(mock: Any, key: str | None = None) -> dict[str, str]:
    """The environment of a user pointed at `mock`, with `key` (default: admin)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTRAIL_")}
    env["AGENTRAIL_BASE_URL"] = mock.url
    env["AGENTRAIL_API_KEY"] = key or mock.admin_key
    env["COLUMNS"] = "120"
    return env


def agentrail(
    mock: Any, *args: str, key: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`agentrail ARGS...` to completion, its output captured."""
    return subprocess.run(
        [*AGENTRAIL, *args],
        env=env or environ(mock, key),
        capture_output=True,
        text=True,
        timeout=60,
    )


def resume_args(stderr: str) -> list[str]:
    """The arguments of the `resume with: agentrail ...` line the command printed."""
    (line,) = [x for x in stderr.splitlines() if x.startswith("resume with: ")]
    words = shlex.split(line.removeprefix("resume with: "))
    assert words[0] == "agentrail"
    return words[1:]


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single `error: ...` line of a failed command (and nothing else)."""
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: ")
    return line
