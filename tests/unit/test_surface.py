"""The public surface, read by introspection: every method of every resource group
takes the per-request options, documents its operation, scope, arguments, result
and errors, and shows no `Unset` object in its signature."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest

import agentrail
from tests.unit._spec import SPEC

# Methods that make no request: handles and configuration.
NO_REQUEST = {"events", "logs", "with_options", "close", "aclose"}
OPERATION = re.compile(r"Operation `(\w+)`")


def methods(client: Any) -> Iterator[tuple[str, Any]]:
    """Every public method of a client and its resource groups, by dotted name."""
    groups = {
        "": client,
        "sessions.": client.sessions,
        "tasks.": client.tasks,
        "benches.": client.benches,
        "bench_runs.": client.bench_runs,
        "sessions.events(s1).": client.sessions.events("s1"),
        "sessions.logs(s1).": client.sessions.logs("s1"),
    }
    for prefix, group in groups.items():
        for name, method in inspect.getmembers(group, inspect.ismethod):
            if not name.startswith("_"):
                yield prefix + name, method


def requesting(client: Any) -> Iterator[tuple[str, Any]]:
    """The methods that send requests."""
    for label, method in methods(client):
        if label.rsplit(".", 1)[-1] not in NO_REQUEST:
            yield label, method


def operations() -> dict[str, dict[str, Any]]:
    """openapi.yaml's operations by operationId."""
    return {
        op["operationId"]: op
        for item in SPEC["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


def options_type(method: Any) -> Any:
    """The TypedDict a method's `**options` unpacks (None without one)."""
    for param in inspect.signature(method).parameters.values():
        if param.kind is param.VAR_KEYWORD:
            # Annotations are strings here (PEP 563): `Unpack[BodyOptions]`.
            found = re.fullmatch(r"Unpack\[(\w+)\]", str(param.annotation))
            return getattr(agentrail, found.group(1)) if found else None
    return None


def operation_of(method: Any) -> dict[str, Any]:
    """The operation a method's docstring names (its first `Operation` line)."""
    found = OPERATION.search(inspect.getdoc(method) or "")
    assert found, f"{method.__qualname__} names no operation"
    return operations()[found.group(1)]


@pytest.fixture(params=["sync", "async"])
def client(request: pytest.FixtureRequest) -> Iterator[Any]:
    cls = agentrail.Client if request.param == "sync" else agentrail.AsyncClient
    yield cls("ar_test_key", "http://127.0.0.1:9")


def test_every_method_takes_the_per_request_options(client: Any) -> None:
    """Each requesting method takes `**options` of `RequestOptions`, and of
    `BodyOptions` (with `extra_body`) exactly when its operation has a body."""
    walked = 0
    for label, method in requesting(client):
        walked += 1
        kind = options_type(method)
        assert kind is not None, f"{label} takes no per-request options"
        has_body = "requestBody" in operation_of(method)
        expected = agentrail.BodyOptions if has_body else agentrail.RequestOptions
        if label == "stream_events" or "stream" in label or "subscribe" in label:
            expected = agentrail.RequestOptions
        assert kind is expected, f"{label}: {kind.__name__}, not {expected.__name__}"
        assert {"timeout", "max_retries", "extra_headers", "extra_query"} <= set(
            kind.__annotations__
        )
    assert walked >= 30


def test_every_spec_operation_has_a_method() -> None:
    """Each operation of openapi.yaml is named by some public method's docstring."""
    client = agentrail.Client("ar_test_key", "http://127.0.0.1:9")
    named = set()
    for _, method in requesting(client):
        named.update(OPERATION.findall(inspect.getdoc(method) or ""))
        named.update(re.findall(r"`(\w+)` (?:for|to fill)", inspect.getdoc(method)))
    assert set(operations()) - named == set()


def test_every_method_documents_scope_arguments_result_and_errors(
    client: Any,
) -> None:
    """Each docstring says what the method does, names its operation and the scope
    openapi.yaml requires (`x-required-scopes`), and has Args, Returns and Raises."""
    for label, method in requesting(client):
        doc = inspect.getdoc(method) or ""
        op = operation_of(method)
        for scope in op["x-required-scopes"]:
            assert f"`{scope}`" in doc, f"{label} does not name the scope {scope}"
        for section in ("Args:", "Returns:", "Raises:"):
            assert section in doc, f"{label} has no {section}"
        for name, param in inspect.signature(method).parameters.items():
            shown = f"**{name}" if param.kind is param.VAR_KEYWORD else name
            pattern = rf"(?<![\w*]){re.escape(shown)}(?!\w)"
            assert re.search(pattern, doc), f"{label} does not document {shown}"


def test_no_signature_shows_an_unset_object(client: Any) -> None:
    """`help()` shows readable defaults: no `Unset` object in a public signature."""
    for label, method in [*methods(client), ("Client", agentrail.Client)]:
        shown = str(inspect.signature(method))
        assert "Unset" not in shown and "object at 0x" not in shown, (label, shown)
