"""agentrail_mock: a stateful in-memory implementation of openapi.yaml.

Real SSE streams, strict validation, API keys with scopes, and fault injection, for
testing code that talks to the agentrail API:

    with agentrail_mock.serve() as mock:
        ...  # point a client at mock.url with mock.admin_key

With pytest, installing `agentrail[mock]` registers fixtures instead
(`agentrail_mock`, `agentrail_client`, `agentrail_async_client`: see
agentrail_mock/pytest_plugin.py).

Names load on first use (PEP 562): pytest imports the plugin module at start-up, in
every project that has agentrail installed, and that must neither pay for nor need
the server's dependencies (starlette, uvicorn, jsonschema-rs) until a fixture runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import MockApp, create_app
    from .faults import KINDS as FAULT_KINDS
    from .faults import Fault, FaultPlan
    from .server import ExposedMockWarning, MockServer, serve
    from .state import DEFAULT_ADMIN_KEY, Clock, Config, RecordedRequest, State

# name -> (module, attribute)
_LAZY = {
    "DEFAULT_ADMIN_KEY": ("state", "DEFAULT_ADMIN_KEY"),
    "FAULT_KINDS": ("faults", "KINDS"),
    "Clock": ("state", "Clock"),
    "Config": ("state", "Config"),
    "ExposedMockWarning": ("server", "ExposedMockWarning"),
    "Fault": ("faults", "Fault"),
    "FaultPlan": ("faults", "FaultPlan"),
    "MockApp": ("app", "MockApp"),
    "MockServer": ("server", "MockServer"),
    "RecordedRequest": ("state", "RecordedRequest"),
    "State": ("state", "State"),
    "create_app": ("app", "create_app"),
    "serve": ("server", "serve"),
}

__all__ = [
    "DEFAULT_ADMIN_KEY",
    "FAULT_KINDS",
    "Clock",
    "Config",
    "ExposedMockWarning",
    "Fault",
    "FaultPlan",
    "MockApp",
    "MockServer",
    "RecordedRequest",
    "State",
    "create_app",
    "serve",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'agentrail_mock' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
