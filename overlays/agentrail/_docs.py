"""Docstrings written once: an async twin's methods take their sync twin's, with what
differs said the async way."""

from __future__ import annotations

import inspect

# What the sync docstrings say that is different for an async method.
_ASYNC_WORDING = [
    ("iterating it walks every page", "`async for` walks every page"),
    ("`EventStream`", "`AsyncEventStream`"),
    (
        ", connected.",
        ", not yet connected: `await` it to connect, then `async for` or "
        "`async with` it, in either order.",
    ),
    ("(raised here)", "(raised by the `await`)"),
]


def twin_docs(async_cls: type, sync_cls: type) -> None:
    """Give each public method of `async_cls` without a docstring the docstring of
    the method of `sync_cls` with the same name, reworded for `await`."""
    for name, method in vars(async_cls).items():
        if name.startswith("_") or not inspect.isfunction(method) or method.__doc__:
            continue
        doc = getattr(sync_cls, name).__doc__ or ""
        for sync_words, async_words in _ASYNC_WORDING:
            doc = doc.replace(sync_words, async_words)
        method.__doc__ = doc
