"""agentrail: the Python SDK for the agentrail agent-operations API.

The REST client underneath is generated from openapi.yaml (`agentrail_api`, reachable as
`client.generated`); streams with resume and de-duplication, typed events, errors and
retries are hand-written here. This module only re-exports; `SessionEvent`, a union
of ten generated models, is imported when first used (PEP 562), which keeps those
models and dateutil out of `import agentrail` (bench/startup.py).
"""

import typing as _typing

from agentrail_api.models.bench_run_status import BenchRunStatus
from agentrail_api.models.task_event_type import TaskEventType

from ._base import AsyncPage, Page
from ._client import AsyncClient, Client
from ._errors import (
    AgentrailError,
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    CursorExpiredError,
    EventDecodeError,
    EventTooLargeError,
    InsufficientScopeError,
    InternalServerError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ReconnectsExhaustedError,
    RepeatedCursorError,
    ServiceUnavailableError,
    StreamContentTypeError,
    StreamError,
)
from ._events import (
    RunEvent,
    RunLagged,
    RunResult,
    RunTerminal,
    SessionLogEvent,
    TaskLifecycleEvent,
)
from ._options import BodyOptions, RequestOptions, StreamOptions, StreamSettings
from ._params import NOT_GIVEN, NotGiven
from ._response import APIResponse
from ._retry import Backoff
from ._sse import ServerSentEvent, SSEDecoder
from ._stream import AsyncEventStream, EventStream
from ._types import TextBlockParam, UserInterruptParam, UserMessageParam
from ._version import __version__

if _typing.TYPE_CHECKING:
    from ._model_events import SessionEvent

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AgentrailError",
    "AsyncClient",
    "AsyncEventStream",
    "AsyncPage",
    "AuthenticationError",
    "Backoff",
    "BadRequestError",
    "BenchRunStatus",
    "BodyOptions",
    "Client",
    "ConflictError",
    "CursorExpiredError",
    "EventDecodeError",
    "EventStream",
    "EventTooLargeError",
    "InsufficientScopeError",
    "InternalServerError",
    "InvalidArgumentError",
    "NOT_GIVEN",
    "NotFoundError",
    "NotGiven",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "ReconnectsExhaustedError",
    "RepeatedCursorError",
    "RequestOptions",
    "RunEvent",
    "RunLagged",
    "RunResult",
    "RunTerminal",
    "SSEDecoder",
    "ServerSentEvent",
    "ServiceUnavailableError",
    "SessionEvent",
    "SessionLogEvent",
    "StreamContentTypeError",
    "StreamError",
    "StreamOptions",
    "StreamSettings",
    "TaskEventType",
    "TaskLifecycleEvent",
    "TextBlockParam",
    "UserInterruptParam",
    "UserMessageParam",
    "__version__",
]

# Public classes say `agentrail.X` in reprs and tracebacks, not the private module
# (httpx/__init__.py does the same).
for _name in __all__:
    _obj = globals().get(_name)
    if isinstance(_obj, type) and _obj.__module__.startswith("agentrail._"):
        _obj.__module__ = "agentrail"
del _name, _obj


def __getattr__(name: str) -> object:
    if name == "SessionEvent":
        from ._model_events import SessionEvent

        globals()[name] = SessionEvent
        return SessionEvent
    raise AttributeError(f"module 'agentrail' has no attribute {name!r}")
