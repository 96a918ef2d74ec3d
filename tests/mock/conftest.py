"""The plain-httpx client the mock's own tests use (no agentrail imports)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.mock._helpers import client


@pytest.fixture
def http(mock: Any) -> Iterator[httpx.Client]:
    """An httpx client on the reset mock, with a short `retry:` for stream tests."""
    mock.config.retry_ms = 10
    with client(mock) as http:
        yield http
