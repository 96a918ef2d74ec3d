"""A client's configuration: the defaults, and the checks of every option before
anything is built (a bad value raises `InvalidArgumentError` here, not at the first
request)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

from ._errors import InvalidArgumentError
from ._logs import setup_logging
from ._options import (
    StreamOptions,
    StreamSettings,
    check_header,
    check_retries,
    check_timeout,
)
from ._retry import Backoff
from ._validate import check_cursor

DEFAULT_BASE_URL = "https://api.agentrail.app"
# Explicit defaults: the generated client has none (docs/generator.md, "Traps, and
# what we do"). A REST answer may take a while to compute; connecting should not.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_BACKOFF = Backoff()
DEFAULT_STREAMS = StreamSettings()
# Each open stream holds a connection for as long as it lives, so httpx's default of
# 100 connections would make stream 101 (and every REST call behind it) wait for the
# pool. No cap on connections; idle ones kept as httpx does.
DEFAULT_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=20)


def client_config(
    api_key: str | None,
    base_url: str | httpx.URL | None,
    timeout: object,
    max_retries: object,
    backoff: Backoff,
    streams: StreamSettings,
    default_headers: Mapping[str, str] | None,
) -> dict[str, Any]:
    """The checked configuration of a client (and of its transport)."""
    setup_logging()
    api_key = api_key if api_key is not None else os.environ.get("AGENTRAIL_API_KEY")
    if not api_key:
        raise InvalidArgumentError("no API key: pass api_key= or set AGENTRAIL_API_KEY")
    if not isinstance(api_key, str):
        raise InvalidArgumentError(
            f"api_key must be a str, not {type(api_key).__name__}"
        )
    if default_headers is not None and not isinstance(default_headers, Mapping):
        raise InvalidArgumentError("default_headers must be a dict")
    for header, text in (default_headers or {}).items():
        check_header(header, text, "default_headers")
    for name, value, cls in (
        ("backoff", backoff, Backoff),
        ("streams", streams, StreamSettings),
    ):
        if not isinstance(value, cls):
            raise InvalidArgumentError(
                f"{name} must be a {cls.__name__}, not {type(value).__name__}"
            )
    url = base_url or os.environ.get("AGENTRAIL_BASE_URL") or DEFAULT_BASE_URL
    return {
        "api_key": api_key,
        "base_url": check_base_url(url),
        "timeout": check_timeout(timeout),
        "max_retries": check_retries(max_retries),
        "backoff": backoff,
        "streams": streams,
        "default_headers": dict(default_headers or {}),
    }


def check_base_url(url: object) -> httpx.URL:
    """An http(s) URL with a host, without a trailing slash."""
    if not isinstance(url, str | httpx.URL):
        raise InvalidArgumentError(f"base_url must be a str, not {type(url).__name__}")
    try:
        parsed = httpx.URL(str(url).rstrip("/"))
    except httpx.InvalidURL as exc:
        raise InvalidArgumentError(f"base_url is not a URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidArgumentError(
            f"base_url must be an http or https URL with a host, not {str(url)[:80]!r}"
        )
    return parsed


def check_http_client(value: object, cls: type) -> None:
    if value is not None and not isinstance(value, cls):
        raise InvalidArgumentError(
            f"http_client must be an {cls.__module__}.{cls.__name__}, "
            f"not {type(value).__name__}"
        )


def stream_options(options: object, last_event_id: str | None) -> StreamOptions:
    if options is None:
        options = StreamOptions()
    if not isinstance(options, StreamOptions):
        raise InvalidArgumentError(
            f"options must be a StreamOptions, not {type(options).__name__}"
        )
    if last_event_id is not None:
        check_cursor("last_event_id", last_event_id)
        if options.cursor is not None and options.cursor != last_event_id:
            raise InvalidArgumentError(
                "last_event_id and StreamOptions.cursor disagree; pass one"
            )
        options = attrs.evolve(options, cursor=last_event_id)
    return options
