"""Loopback throughput of the mock: SSE events/s to one client, JSON requests/s.

Not collected by pytest; run it by hand:

    .venv/bin/python -m tests.mock.throughput [events]
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

import httpx
import httpx_sse

import agentrail_mock

RUNS = 5


def sse_rate(mock: Any, http: httpx.Client, total: int, parse: bool) -> float:
    """Events/s replayed from the first event to one client (httpx-sse or raw bytes)."""
    first = mock.state.task_events.items[0]["id"]
    wanted = total - 1
    count = 0
    started = time.perf_counter()
    url = "/v1/task-events/stream"
    with http.stream("GET", url, params={"cursor": first}) as response:
        if parse:
            for _ in httpx_sse.EventSource(response).iter_sse():
                count += 1
                if count == wanted:
                    break
        else:
            for chunk in response.iter_raw():
                count += chunk.count(b"\n\n")
                if count >= wanted:
                    break
    return count / (time.perf_counter() - started)


def json_rate(http: httpx.Client, method: str, n: int = 2000) -> float:
    started = time.perf_counter()
    for i in range(n):
        if method == "GET":
            http.get("/v1/tasks", params={"limit": 5}).raise_for_status()
        else:
            http.post("/v1/tasks", json={"title": f"t{i}"}).raise_for_status()
    return n / (time.perf_counter() - started)


def main(total: int) -> None:
    with agentrail_mock.serve() as mock:
        mock.config.cursor_retention = 10 * total  # the default would 410 the cursor
        mock.state.emit_task_events(total)
        headers = {"Authorization": f"Bearer {mock.admin_key}"}
        with httpx.Client(base_url=mock.url, headers=headers, timeout=30) as http:
            for parse in (True, False):
                rates = [sse_rate(mock, http, total, parse) for _ in range(RUNS)]
                label = "parsed by httpx-sse" if parse else "raw bytes"
                print(
                    f"SSE, {label}: median {statistics.median(rates):,.0f} events/s "
                    f"(min {min(rates):,.0f}, max {max(rates):,.0f}; {total} events)"
                )
            for method in ("GET", "POST"):
                rates = [json_rate(http, method) for _ in range(3)]
                print(
                    f"JSON {method}: median {statistics.median(rates):,.0f} req/s "
                    f"(min {min(rates):,.0f}, max {max(rates):,.0f}; one keep-alive "
                    "client, sequential)"
                )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
