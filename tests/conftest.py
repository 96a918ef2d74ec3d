"""Shared fixtures: every behaviour that has a sync and an async form runs in both."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """The calling convention under test: one test body, run sync and async."""
    return str(request.param)
