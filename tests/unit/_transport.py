"""A recording httpx.MockTransport and a one-call driver for generated endpoints."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

import httpx

from agentrail_api import AuthenticatedClient
from agentrail_api.types import Response

BASE_URL = "https://agentrail.test"


class Recorder:
    """Answers every request with one canned response and keeps the requests."""

    def __init__(
        self,
        status: int = 200,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> None:
        self.requests: list[httpx.Request] = []
        if content is None:
            content = b"" if body is None else json.dumps(body).encode()
        self._reply: Callable[[], httpx.Response] = lambda: httpx.Response(
            status,
            content=content,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._reply()

    def client(self, **kwargs: Any) -> AuthenticatedClient:
        return AuthenticatedClient(
            base_url=BASE_URL,
            token="ar_test_key",
            httpx_args={"transport": httpx.MockTransport(self)},
            **kwargs,
        )


def call(mode: str, endpoint: ModuleType, **kwargs: Any) -> Response[Any]:
    """Call `endpoint.sync_detailed` or `endpoint.asyncio_detailed` with `kwargs`."""
    if mode == "sync":
        return endpoint.sync_detailed(**kwargs)  # type: ignore[no-any-return]
    return asyncio.run(endpoint.asyncio_detailed(**kwargs))  # type: ignore[no-any-return]
