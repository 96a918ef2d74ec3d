"""Shared fixtures: every behaviour that has a sync and an async form runs in both."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`mode`: the calling convention under test, one test body run sync and async
    (and on trio in modules that set `TRIO = True`, see tests/twin.py)."""
    if "mode" in metafunc.fixturenames:
        modes = ["sync", "async"]
        if getattr(metafunc.module, "TRIO", False):
            modes.append("trio")
        metafunc.parametrize("mode", modes)


# ---------------------------------------------------------------- the mock server
# One mock per test session on a free loopback port (docs/mock.md); `mock` resets it
# before each test. With AGENTRAIL_BASE_URL set, tests run against that server instead
# and any test that reaches for faults, the clock or recorded requests is skipped.


class RemoteMock:
    """A server at AGENTRAIL_BASE_URL: only what works over HTTP without control."""

    def __init__(self, url: str, admin_key: str) -> None:
        self.url = url.rstrip("/")
        self.admin_key = admin_key

    def reset(self) -> None:
        import httpx

        # Control endpoints take the admin key like every operation.
        headers = {"Authorization": f"Bearer {self.admin_key}"}
        try:
            response = httpx.post(
                f"{self.url}/__mock/reset", headers=headers, timeout=5
            )
        except httpx.HTTPError:
            return  # not reachable as a mock: tests meet the server as it is
        if response.status_code in (401, 403):  # a mock that refused: say why
            raise RuntimeError(
                f"the mock at {self.url} refused /__mock/reset: set AGENTRAIL_API_KEY "
                "to its admin key"
            )
        # Otherwise reset, or not a mock / control off (404): go on as it is.

    def __getattr__(self, name: str) -> Any:
        if name in ("state", "faults", "clock", "config", "requests", "set_key"):
            pytest.skip(f"needs an in-process mock ({name}); AGENTRAIL_BASE_URL is set")
        raise AttributeError(name)


@pytest.fixture(scope="session")
def mock_server() -> Iterator[Any]:
    """The mock server handle for the whole test session."""
    base_url = os.environ.get("AGENTRAIL_BASE_URL")
    if base_url:
        yield RemoteMock(base_url, os.environ.get("AGENTRAIL_API_KEY", "ar_test_admin"))
        return
    import agentrail_mock

    with agentrail_mock.serve() as server:
        yield server


@pytest.fixture
def mock(mock_server: Any) -> Any:
    """The session's mock server, reset: no data, faults or extra keys; real time."""
    mock_server.reset()
    return mock_server
