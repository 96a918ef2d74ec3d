"""Hostile caller input: nothing a caller passes reaches another endpoint.

Two walks, each proved by the mock's request log:
- every public method of `Client` and `AsyncClient` (found by introspection, so a new
  method is walked too), each argument in turn set to traversal and injection
  strings or values of the wrong type: `InvalidArgumentError` before any request;
- every operation of openapi.yaml with a path parameter, called through the generated
  client (the escape hatch, which trusts the caller more): a hostile id either is
  refused before sending or arrives as one path segment of *that* operation.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import yaml

import agentrail
from agentrail import InvalidArgumentError
from tests.twin import resolve, run
from tests.unit.test_surface import methods as surface_methods

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
MSG = {"type": "user.message", "content": [{"type": "text", "text": "hi"}]}

# Path traversal, query and fragment injection, encodings, control characters.
TRAVERSAL = ["", ".", "..", "../x", "..%2Fx", "a/b", "/x", "?x=1", "#", "a#b",
             "%2e%2e", "%2F", "x" * 300, "caf\u00e9", "\u0661", "a\nb",
             "a\r\nX-Evil: 1", " ", "a b", "\\", "\x00", ";x"]  # fmt: skip
WRONG_TYPE = [5, 1.5, b"x", ["a"], object(), True]
# What json.dumps refuses or silently changes: objects, NaN, cycles, non-str keys.
CYCLE: dict[str, Any] = {}
CYCLE["self"] = CYCLE
NOT_JSON = [{"k": object()}, {"k": float("nan")}, {1: "v"}, CYCLE]
BAD_INT = [True, False, 0, -1, 2**63, "1", 1.5, b"1", "../1", object()]

# A valid value for each parameter name, so that one argument at a time is hostile.
VALID: dict[str, Any] = {
    "session_id": "s1", "task_id": "t1", "project_id": "p1", "script_name": "s.py",
    "case_id": "c1", "execution_id": "e1", "mcp_session_id": "m1", "run_id": 1,
    "bench_id": 1, "run_a": 1, "run_b": 2, "title": "t", "decision": "approved",
    "summary": "s", "config": {}, "name": "n", "inputs": {}, "channel": "c",
    "events": [MSG],
}  # fmt: skip
# Hostile values per parameter (others: the wrong types).
HOSTILE: dict[str, list[Any]] = {
    **{name: TRAVERSAL + WRONG_TYPE for name in (
        "session_id", "task_id", "project_id", "script_name", "case_id",
        "execution_id", "mcp_session_id", "after_id", "cursor", "last_event_id")},
    **{name: BAD_INT for name in (
        "run_id", "bench_id", "run_a", "run_b", "expected_version")},
    "limit": [0, 101, -1, True, "10", 1.5],
    "heartbeat_seconds": [0, 61, True, "1", 1.5],
    "idempotency_key": ["", "a b", "a\r\nX-Evil: 1", "x" * 1000, 5, b"k"],
    # Enums are open (a new server value must not break old clients): any str goes.
    "order": [1, b"asc"],
    "status": [1, b"todo"],
    "decision": [1, None],
    "event_types": [[], "A,B", ["../x"], [5], "a b"],
    "case_ids": ["c1", ["../x"], [5], [object()]],
    "events": [MSG, "hi", [], [object()], [{"type": "user.message"}], [{"type": 1}]],
    "config": ["{}", 5, [1], *NOT_JSON],
    "inputs": ["{}", 5, *NOT_JSON],
    "metadata": ["k=v", ["k"], {"k": 1}, *NOT_JSON],
    "edits": ["x", 5, *NOT_JSON],
    "expected_output": [object(), float("nan"), [float("inf")], *NOT_JSON],
    "options": [5, "x", {"cursor": "1"}],
    "branch": [5, b"b", ["b"]],
    "max_retries": [-1, "2", 1.5, True],
    "timeout": ["1", [1], object()],
    "api_key": ["", *WRONG_TYPE],
    **{name: [*WRONG_TYPE, "x", {"X-A": "1\r\nX-Evil: 1"}, {"X A": "1"},
              {"X-A": 5}, {5: "1"}] for name in ("extra_headers", "default_headers")},
    "base_url": ["x", "ftp://h", "http://", *WRONG_TYPE],
}  # fmt: skip
# Flags: any truthy value means yes.
UNCHECKED = {"fill_gaps", "history"}
TEXT = {"title", "summary", "name", "channel", "notes"}  # any str is valid


def methods(client: Any) -> Iterator[tuple[str, Any]]:
    """Every public method of the client and its resource groups but close/aclose,
    by dotted name."""
    for label, method in surface_methods(client):
        if label not in ("close", "aclose"):
            yield label, method


def attacks(method: Any) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(parameter, hostile value, all arguments) for each parameter of `method`."""
    params = dict(inspect.signature(method).parameters)
    for name, p in list(params.items()):
        if p.kind is p.VAR_KEYWORD:  # the per-request options, each in turn
            del params[name]
            for option in agentrail.BodyOptions.__annotations__:
                params[option] = p
    base = {
        n: VALID[n]
        for n, p in params.items()
        if p.default is p.empty and p.kind is not p.VAR_KEYWORD
    }
    for name in params:
        if name in UNCHECKED:
            continue
        for value in HOSTILE.get(
            name, WRONG_TYPE if name in TEXT else [*WRONG_TYPE, "x"]
        ):
            if name in ("cursor", "last_event_id") and value in (".", ".."):
                continue  # a valid opaque cursor (openapi.yaml), sent as a query value
            yield name, value, {**base, name: value}


def call(method: Any, arguments: dict[str, Any]) -> Any:
    params = inspect.signature(method).parameters
    positional = [
        arguments.pop(n) for n, p in params.items() if p.kind is p.POSITIONAL_OR_KEYWORD
        if n in arguments
    ]  # fmt: skip
    return method(*positional, **arguments)


def test_every_method_refuses_hostile_arguments_before_any_request(
    mode: str, mock: Any
) -> None:
    """Each argument of each public method, in turn hostile, raises
    InvalidArgumentError, and the mock receives nothing at all."""
    reached: list[str] = []
    tried = 0

    async def body(client: Any) -> None:
        nonlocal tried
        for label, method in methods(client):
            for name, value, arguments in attacks(method):
                tried += 1
                before = len(mock.requests)
                try:
                    await resolve(call(method, arguments))
                except InvalidArgumentError:
                    pass
                except Exception as exc:  # noqa: BLE001 - listed below
                    reached.append(f"{label}({name}={value!r:.40}): {exc!r:.80}")
                else:
                    reached.append(f"{label}({name}={value!r:.40}) was accepted")
                if len(mock.requests) != before:
                    reached.append(f"{label}({name}={value!r:.40}) sent a request")

    run(mode, body, api_key=mock.admin_key, base_url=mock.url, max_retries=0)
    assert reached == [], "\n".join(reached)
    assert mock.requests == []
    assert tried > 500


# ------------------------------------------------------------------ generated client


def operations() -> Iterator[tuple[str, str, str, list[str]]]:
    """(tag module, operationId, path template, path parameter names) per operation
    with a path parameter."""
    for path, item in SPEC["paths"].items():
        for op in item.values():
            names = [p for p in path.split("/") if p.startswith("{")]
            if isinstance(op, dict) and names:
                tag = op["tags"][0].lower()
                yield tag, op["operationId"], path, [n[1:-1] for n in names]


class AnyBody:
    """A request body for any operation: the routing is what is under test."""

    def to_dict(self) -> dict[str, Any]:
        return {}


@pytest.mark.parametrize(
    ("tag", "operation", "template", "names"),
    list(operations()),
    ids=[op for _, op, _, _ in operations()],
)
def test_generated_paths_keep_a_hostile_id_in_its_segment(
    mock: Any, tag: str, operation: str, template: str, names: list[str]
) -> None:
    """Through the generated client a hostile id is refused before sending ("", ".",
    "..") or reaches this operation as one percent-encoded segment, never another
    path or endpoint."""
    module = importlib.import_module(f"agentrail_api.api.{tag}.{operation}")
    wants_body = "body" in inspect.signature(module._get_kwargs).parameters
    headers = {"Authorization": f"Bearer {mock.admin_key}"}
    with httpx.Client(base_url=mock.url, headers=headers, timeout=5) as http:
        for hostile in names:
            for value in TRAVERSAL:
                args = [value if n == hostile else "1" for n in names]
                extra = {"body": AnyBody()} if wants_body else {}
                before = len(mock.requests)
                try:
                    kwargs = module._get_kwargs(*args, **extra)
                except ValueError:
                    assert value in ("", ".", "..")  # check_path_segment
                    continue
                kwargs["headers"] = {"Accept": "text/event-stream"}  # streams: 4xx
                http.request(**kwargs, timeout=httpx.Timeout(5, read=2))
                [seen] = mock.requests[before:]
                assert seen.operation_id == operation, (value, seen.raw_path)
                segments = seen.raw_path.split("/")
                assert len(segments) == len(template.split("/"))
                at = template.split("/").index("{" + hostile + "}")
                assert unquote(segments[at]) == value


@pytest.mark.parametrize("value", ["x&limit=100", "x#frag", "x?y=1", "a=b", "%26"])
def test_generated_query_values_stay_one_parameter(mock: Any, value: str) -> None:
    """An injected `&`, `=`, `?` or `#` in a query value stays inside that value."""
    from agentrail_api.api.tasks import list_tasks

    headers = {"Authorization": f"Bearer {mock.admin_key}"}
    with httpx.Client(base_url=mock.url, headers=headers, timeout=5) as http:
        http.request(**list_tasks._get_kwargs(cursor=value, limit=5))
    [seen] = mock.requests
    assert sorted(seen.query) == [("cursor", value), ("limit", "5")]
    assert seen.operation_id == "list_tasks"


def test_the_overlay_refuses_what_the_generated_client_would_send(mode: str) -> None:
    """The same hostile ids through `agentrail` raise before a request: the
    patterns of openapi.yaml are checked in the SDK (unit tests list each call)."""

    async def body(client: Any) -> None:
        for value in TRAVERSAL:
            with pytest.raises(InvalidArgumentError):
                await resolve(client.tasks.get(value))

    run(mode, body, api_key="k", base_url="http://127.0.0.1:9")  # nothing listens
    assert agentrail.InvalidArgumentError.__mro__[1:3] == (
        agentrail.AgentrailError,
        ValueError,
    )
