"""Plain-httpx helpers for testing the mock over loopback (no agentrail imports)."""

from __future__ import annotations

import json
from typing import Any

import httpx


def client(mock: Any, key: str | None = None, **kwargs: Any) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key or mock.admin_key}"}
    return httpx.Client(base_url=mock.url, headers=headers, timeout=5, **kwargs)


def frames(text: str) -> list[dict[str, str]]:
    """Blocks of an SSE body as field dicts; comments under the key ':'."""
    out = []
    for block in text.replace("\r\n", "\n").replace("\r", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if not line:
                continue
            name, _, value = line.partition(":")
            fields[name or ":"] = value[1:] if value.startswith(" ") else value
        if fields:
            out.append(fields)
    return out


def read_frames(
    http: httpx.Client, url: str, count: int, **kwargs: Any
) -> tuple[httpx.Response, list[dict[str, str]]]:
    """Open a stream, read until `count` event frames (with `event`) have arrived."""
    buf = ""
    with http.stream("GET", url, **kwargs) as response:
        if response.headers.get("content-type") != "text/event-stream":
            response.read()
            return response, []
        for chunk in response.iter_text():
            buf += chunk
            done = [f for f in frames(buf.rpartition("\n\n")[0]) if "event" in f]
            if len(done) >= count:
                return response, done
    return response, [f for f in frames(buf) if "event" in f]


def data(frame: dict[str, str]) -> Any:
    return json.loads(frame["data"])


def make_run(http: httpx.Client, cases: int = 3, script: str = "s1") -> dict[str, Any]:
    """A bench with `cases` cases and one run triggered over them."""
    base = f"/v1/projects/p1/scripts/{script}/bench"
    http.put(base, json={"config": {}}).raise_for_status()
    for i in range(cases):
        http.post(f"{base}/cases", json={"name": f"c{i}", "inputs": {"i": i}})
    response = http.post(f"{base}/runs", json={"channel": "stable"})
    response.raise_for_status()
    run: dict[str, Any] = response.json()
    return run
