"""Every script in examples/ runs against the mock, so none of them can rot."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli._run import environ

EXAMPLES = Path(__file__).parents[2] / "examples"

# Script -> a line its output must contain (proof it reached the end of its story).
EXPECTED = {
    "sessions.py": r"^\d{12} idle$",
    "sessions_async.py": r"^resume after \d{12}$",
    "tasks.py": r"^cursor \d{12}$",
    "tasks_async.py": r"^cursor \d{12}$",
    "bench_runs.py": r"^pass rate delta [+-]\d+%$",
    "bench_runs_async.py": r"^3 results$",
}

pytestmark = pytest.mark.timeout(120)


def test_every_example_is_listed() -> None:
    """Each example script has an expectation here (the demo has its own test)."""
    scripts = {p.name for p in EXAMPLES.glob("*.py")} - {"demo.py"}
    assert scripts == set(EXPECTED)


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs_against_the_mock(script: str, mock: Any) -> None:
    """The example exits 0 and prints the line that ends its story."""
    mock.config.update(bench_step_seconds=0.05)
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        env=environ(mock),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(EXPECTED[script], done.stdout, re.MULTILINE), done.stdout


def test_make_demo_shows_exactly_once_and_leaves_nothing_running() -> None:
    """The demo exits 0, every stream counts lost 0 / repeated 0, and its mock stops."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "demo.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    took = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    counts = re.findall(r"lost (\d+), repeated (\d+), out of order (\d+)", out)
    assert counts == [("0", "0", "0")] * 3
    assert re.search(r"\(1 reconnect\)", out)  # chapter 1: the drop happened
    assert "1 repeat dropped" in out  # chapter 2: the duplicate on resume
    assert "(1 unknown event skipped)" in out  # chapter 3
    assert "lagged: the server dropped 3 results" in out  # chapter 4
    assert re.search(r"run \d+ completed: 12/12 cases", out)
    assert "improved" in out or "regressed" in out  # the comparison table
    assert took < 60
    (url,) = re.findall(r"the mock is serving (http://\S+)", out)
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2)
