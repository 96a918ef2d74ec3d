"""Docstrings written once: an async twin's methods take their sync twin's."""

from __future__ import annotations

import inspect


def twin_docs(async_cls: type, sync_cls: type) -> None:
    """Give each public method of `async_cls` without a docstring the docstring of
    the method of `sync_cls` with the same name."""
    for name, method in vars(async_cls).items():
        if name.startswith("_") or not inspect.isfunction(method) or method.__doc__:
            continue
        method.__doc__ = getattr(sync_cls, name).__doc__
