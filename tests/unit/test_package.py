"""What ships: the public facade, lazy models, the wheel and its dependencies."""

from __future__ import annotations

import email
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import agentrail
from agentrail_api.api.benches import stream_bench_run_events
from agentrail_api.api.logs import stream_session_logs
from agentrail_api.api.sessions import stream_session_events
from agentrail_api.api.tasks import stream_task_events
from tests.unit._spec import ROOT


def _run(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def test_agentrail_exports_exactly_its_public_names() -> None:
    """`agentrail.__all__` is the facade's whole public surface, sorted."""
    assert agentrail.__all__ == [
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
    assert sorted(agentrail.__all__) == agentrail.__all__
    public = {n for n in vars(agentrail) if not n.startswith("_")}
    assert public <= set(agentrail.__all__)


def test_public_names_are_paired_the_httpx_way() -> None:
    """Every sync stream/client name has an `Async` twin, and no `_async` suffixes."""
    for name in ("Client", "EventStream", "Page"):
        assert "Async" + name in agentrail.__all__
    for cls in (agentrail.Client, agentrail.EventStream):
        assert not [n for n in dir(cls) if n.endswith("_async")]
    assert hasattr(agentrail.EventStream, "close")
    assert hasattr(agentrail.AsyncEventStream, "aclose")
    assert agentrail.Client.__module__ == "agentrail"


def test_models_are_imported_lazily() -> None:
    """Importing the package loads no model module until one is used."""
    loaded = _run(
        "import sys, agentrail_api, agentrail_api.models as m;"
        "print(sorted(k for k in sys.modules if k.startswith('agentrail_api.models.')))"
    )
    assert loaded == "[]"


def test_import_agentrail_leaves_heavy_modules_for_later() -> None:
    """`import agentrail` loads no asyncio, dateutil or session model; yet
    `agentrail.SessionEvent`, `from agentrail import *` and a misspelt name work."""
    out = _run(
        "import sys, agentrail\n"
        "heavy = ('asyncio', 'dateutil', 'agentrail_api.models.user_message_event')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "ns = {}\n"
        "exec('from agentrail import *', ns)\n"
        "from agentrail import SessionEvent\n"
        "print(ns['SessionEvent'] is SessionEvent is agentrail.SessionEvent)\n"
        "try:\n    agentrail.SessionEvents\nexcept AttributeError as e:\n    print(e)\n"
    )
    assert out.splitlines() == [
        "[]",
        "True",
        "module 'agentrail' has no attribute 'SessionEvents'",
    ]


def test_lazy_models_still_behave_like_a_module() -> None:
    """`from ... import X`, `import *`, `dir()` and a misspelt name all work."""
    out = _run(
        "import agentrail_api.models as m\n"
        "from agentrail_api.models import Task\n"
        "ns = {}\n"
        "exec('from agentrail_api.models import *', ns)\n"
        "assert Task is m.Task and 'BenchRun' in ns and 'BenchRun' in dir(m)\n"
        "assert sorted(n for n in ns if not n.startswith('_')) == sorted(m.__all__)\n"
        "try:\n    m.Tsk\nexcept AttributeError as e:\n    print(e)\n"
    )
    assert out == "module 'agentrail_api.models' has no attribute 'Tsk'"


@pytest.mark.parametrize(
    ("endpoint", "kwargs", "url", "params", "headers"),
    [
        pytest.param(
            stream_task_events,
            {"event_types": "task.updated", "cursor": "e9", "last_event_id": "e9"},
            "/v1/task-events/stream",
            {"event_types": "task.updated", "cursor": "e9", "heartbeat_seconds": 15},
            {"Last-Event-ID": "e9"},
            id="stream_task_events",
        ),
        pytest.param(
            stream_session_events,
            {"session_id": "s/1", "heartbeat_seconds": 5},
            "/v1/sessions/s%2F1/stream",
            {"heartbeat_seconds": 5},
            None,
            id="stream_session_events",
        ),
        pytest.param(
            stream_session_logs,
            {"session_id": "s1", "last_event_id": "l3"},
            "/v1/sessions/s1/logs/stream",
            {"heartbeat_seconds": 15},
            {"Last-Event-ID": "l3"},
            id="stream_session_logs",
        ),
        pytest.param(
            stream_bench_run_events,
            {"run_id": 42},
            "/v1/bench-runs/42/events",
            {"heartbeat_seconds": 15},
            {},
            id="stream_bench_run_events",
        ),
    ],
)
def test_stream_request_kwargs_keep_their_shape(
    endpoint: object,
    kwargs: dict[str, object],
    url: str,
    params: dict[str, object],
    headers: dict[str, str] | None,
) -> None:
    """Each stream operation's `_get_kwargs` gives the method, URL, query and headers
    the overlay streams with (docs/generator.md, "Streams are read as plain text")."""
    built = endpoint._get_kwargs(**kwargs)  # type: ignore[attr-defined]
    assert built.pop("method") == "get"
    assert built.pop("url") == url
    assert built.pop("params") == params
    assert built.pop("headers", None) == headers
    assert built == {}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from the working tree with the pinned hatchling."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
        + ["--no-build-isolation", "--wheel-dir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("agentrail-*.whl")
    return path


def test_wheel_ships_the_packages_typed(wheel: Path) -> None:
    """The wheel holds the three packages (the mock with its spec) and no tests."""
    names = zipfile.ZipFile(wheel).namelist()
    for must in (
        "agentrail/__init__.py",
        "agentrail/py.typed",
        "agentrail_api/__init__.py",
        "agentrail_api/py.typed",
        "agentrail_api/models/bench_run.py",
        "agentrail_api/api/tasks/stream_task_events.py",
        "agentrail_mock/__init__.py",
        "agentrail_mock/openapi.yaml",
    ):
        assert must in names
    tops = {n.split("/")[0] for n in names if not n.startswith("agentrail-")}
    assert tops == {"agentrail", "agentrail_api", "agentrail_mock"}


def test_wheel_depends_on_the_listed_runtime_dependencies_only(wheel: Path) -> None:
    """The runtime dependencies are httpx, anyio (httpx's own, for async sleeps on
    asyncio and trio), attrs, python-dateutil, sniffio (which httpcore looks for on
    every lock) and msgspec (event payloads), nothing else."""
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(zf.read(meta_name))
    runtime = [r for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert sorted(r.split(";")[0].split(">")[0].split("<")[0] for r in runtime) == [
        "anyio",
        "attrs",
        "httpx",
        "msgspec",
        "python-dateutil",
        "sniffio",
    ]
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["Version"] == agentrail.__version__


def test_api_key_is_not_in_the_generated_client_repr() -> None:
    """Neither the facade nor its generated escape hatch shows the key in a repr."""
    with agentrail.Client("ar_secret_key_123", "http://127.0.0.1:9") as client:
        assert "ar_secret_key_123" not in repr(client)
        assert "ar_secret_key_123" not in repr(client.generated)
        assert "ar_secret_key_123" not in repr(client._transport.http.headers)
