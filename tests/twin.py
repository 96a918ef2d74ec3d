"""One test body for `Client` and `AsyncClient`.

A body is an `async def body(client)`; it awaits every client call through `resolve`
and iterates streams through `items`/`first`. In sync mode the same body runs with a
`Client`, whose calls return plain values that `resolve` hands back unchanged. A test
module that sets `TRIO = True` runs its bodies a third time, on trio (mode "trio"):
its bodies then use nothing asyncio-only.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import Any, TypeVar

import agentrail

T = TypeVar("T")


async def resolve(value: Awaitable[T] | T) -> T:
    """The value of a sync call, or the awaited value of an async one."""
    if inspect.isawaitable(value):
        return await value  # type: ignore[no-any-return]
    return value  # type: ignore[return-value]


async def items(
    stream: Iterable[T] | AsyncIterable[T], n: int | None = None
) -> list[T]:
    """The first `n` items of a sync or async iterable (all of them if `n` is None)."""
    out: list[T] = []
    if n == 0:
        return out
    if isinstance(stream, AsyncIterable):
        async for item in stream:
            out.append(item)
            if n is not None and len(out) >= n:
                break
    else:
        for item in stream:
            out.append(item)
            if n is not None and len(out) >= n:
                break
    return out


async def close(obj: Any) -> None:
    """`close()` a sync object or `aclose()` an async one."""
    if hasattr(obj, "aclose"):
        await obj.aclose()
    else:
        obj.close()


def run(
    mode: str,
    body: Callable[[Any], Awaitable[T]],
    *,
    api_key: str,
    base_url: str,
    **options: Any,
) -> T:
    """Run `body` with a `Client` (mode "sync") or an `AsyncClient` (mode "async" on
    asyncio, "trio" on trio)."""

    async def main() -> T:
        if mode == "sync":
            with agentrail.Client(api_key, base_url, **options) as client:
                return await body(client)
        async with agentrail.AsyncClient(api_key, base_url, **options) as aclient:
            return await body(aclient)

    return run_on(mode, main)


def run_on(mode: str, main: Callable[[], Awaitable[T]]) -> T:
    """`main()` on the event loop of `mode`: trio for "trio", asyncio otherwise."""
    if mode == "trio":
        import trio

        return trio.run(main)

    async def wrapped() -> T:
        return await main()

    return asyncio.run(wrapped())
