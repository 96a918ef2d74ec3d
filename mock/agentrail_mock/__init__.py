"""agentrail_mock: a stateful in-memory implementation of openapi.yaml.

Real SSE streams, strict validation, API keys with scopes, and fault injection, for
testing code that talks to the agentrail API:

    with agentrail_mock.serve() as mock:
        ...  # point a client at mock.url with mock.admin_key
"""

from .app import MockApp, create_app
from .faults import KINDS as FAULT_KINDS
from .faults import Fault, FaultPlan
from .server import ExposedMockWarning, MockServer, serve
from .state import (
    DEFAULT_ADMIN_KEY,
    Clock,
    Config,
    RecordedRequest,
    State,
)

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
