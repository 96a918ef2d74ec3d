"""pytest fixtures for code that talks to the agentrail API, against the mock.

Installing `agentrail[mock]` registers this module with pytest (the `pytest11` entry
point in pyproject.toml), so a project's tests can use, with no conftest:

- `agentrail_mock`: a mock served on a free loopback port for the whole session,
  reset before each test (no data, faults or extra keys; real time). It has `url`,
  `admin_key`, `faults`, `clock`, `config`, `requests`, `set_key()` and `reset()`.
- `agentrail_client`: an `agentrail.Client` on that mock with the admin key.
- `agentrail_async_client`: an `agentrail.AsyncClient` on it, for async tests.

Nothing is imported until a fixture runs: pytest loads this module in every project
where agentrail is installed, and the mock must never import the client at import
time (the client fixtures import `agentrail` inside the fixture). Fixture names all
start with `agentrail_`, so they clash with no project's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from agentrail import AsyncClient, Client

    from .server import MockServer


@pytest.fixture(scope="session")
def agentrail_mock_server() -> Iterator[MockServer]:
    """The mock for the whole test session (use `agentrail_mock` in tests)."""
    try:
        from .server import serve
    except ImportError as exc:  # the server's dependencies are the `mock` extra
        pytest.fail(f"the agentrail mock needs `pip install agentrail[mock]`: {exc}")
    with serve() as server:
        yield server


@pytest.fixture
def agentrail_mock(agentrail_mock_server: MockServer) -> MockServer:
    """The session's mock, reset: no data, faults or extra keys; real time."""
    agentrail_mock_server.reset()
    return agentrail_mock_server


@pytest.fixture
def agentrail_client(agentrail_mock: MockServer) -> Iterator[Client]:
    """An `agentrail.Client` on the reset mock, closed after the test."""
    import agentrail

    with agentrail.Client(
        api_key=agentrail_mock.admin_key, base_url=agentrail_mock.url
    ) as client:
        yield client


@pytest.fixture
def agentrail_async_client(agentrail_mock: MockServer) -> Iterator[AsyncClient]:
    """An `agentrail.AsyncClient` on the reset mock, usable from any event loop.

    A sync fixture, so it needs no async plugin: its connections are not kept alive
    between requests (each belongs to the loop that opened it), so closing it after
    the test, in a loop of its own, leaves nothing open.
    """
    import httpx

    import agentrail

    http = httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0))
    client = agentrail.AsyncClient(
        api_key=agentrail_mock.admin_key, base_url=agentrail_mock.url, http_client=http
    )
    try:
        yield client
    finally:
        asyncio.run(http.aclose())
