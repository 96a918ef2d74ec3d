"""The interactive views in a real pseudo-terminal: what a person at a screen sees."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import termios
import time
from typing import Any

import pytest

from tests.cli._run import AGENTRAIL, environ
from tests.cli.test_cli import start_runs

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

pytestmark = [
    pytest.mark.timeout(60),
    pytest.mark.skipif(shutil.which("setsid") is None, reason="needs util-linux"),
]


class Terminal:
    """A child process whose controlling terminal is a fresh 120x40 pty."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = {**env, "TERM": "xterm-256color"}
        env.pop("COLUMNS", None)
        # `setsid --ctty`: a new session with the pty as its controlling terminal, so
        # the line discipline turns a typed ^C into SIGINT, as at a real terminal.
        self.child = subprocess.Popen(
            ["setsid", "--ctty", *args], stdin=slave, stdout=slave, stderr=slave,
            env=env,
        )  # fmt: skip
        os.close(slave)
        self.screen = b""

    def read_until(self, pattern: bytes, timeout: float = 20) -> bytes:
        """Everything shown so far, once `pattern` has appeared (or EOF)."""
        deadline = time.monotonic() + timeout
        while re.search(pattern, self.screen) is None:
            left = deadline - time.monotonic()
            assert left > 0, f"{pattern!r} never shown; screen: {self.screen!r}"
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if not chunk:
                break
            self.screen += chunk
        return self.screen

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def wait(self) -> int:
        self.read_until(b"(?!)")  # to EOF
        code = self.child.wait(timeout=20)
        os.close(self.master)
        return code


def test_bench_watch_draws_a_live_progress_bar(mock: Any) -> None:
    """On a terminal, `bench watch` redraws one bar as cases finish, then sums up."""
    mock.config.update(bench_step_seconds=0.25)
    (run_id,) = start_runs(mock, 6, ("stable",))
    term = Terminal([*AGENTRAIL, "bench", "watch", str(run_id)], environ(mock))
    assert term.wait() == 0
    raw = term.screen.decode()
    assert "\x1b[2K" in raw  # each frame erases the line and redraws it in place
    # What the screen showed, frame by frame: each carriage return starts a redraw.
    text = ANSI.sub("", raw)
    frames = [f for f in text.split("\r") if f.startswith("run ")]
    counts = [int(m.group(1)) for f in frames if (m := re.search(r" (\d)/6 ", f))]
    assert counts == sorted(counts) and counts[-1] == 6
    assert len(set(counts)) >= 3  # redrawn while the run went on
    bar = rf"run {run_id} ━+ 6/6 \d pass \d fail  \$0\.\d{{4}} [\d:]+"
    assert re.fullmatch(bar, frames[-1])
    summary = text.strip().splitlines()[-1]
    assert summary.startswith(f"run {run_id} completed: 6/6 cases")


def test_ctrl_c_at_a_terminal_prints_where_to_resume(mock: Any) -> None:
    """A typed ^C ends `tail` with status 130 and the resume command, no traceback."""
    term = Terminal([*AGENTRAIL, "tail", "tasks"], environ(mock))
    term.read_until(b"following task events")
    sent = mock.state.emit_task_events(3)
    term.read_until(sent[-1]["id"].encode())
    term.type(b"\x03")
    assert term.wait() == 130
    screen = term.screen.decode()
    assert "Traceback" not in screen
    assert f"resume with: agentrail tail tasks --cursor {sent[-1]['id']}" in screen
