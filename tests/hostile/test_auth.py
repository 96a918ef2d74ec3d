"""The mock's auth, walked from openapi.yaml: every operation refuses a missing key,
a wrong key and a key without its `x-required-scopes`, before any other check.

Plain httpx only (the mock never depends on the client). Requests use placeholder
path values: auth runs before validation and lookups, so the status says which
check answered.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
OPERATIONS = [
    (method.upper(), path, op["operationId"], op.get("x-required-scopes", []))
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if isinstance(op, dict) and "operationId" in op
]
ALL_SCOPES = sorted({scope for *_, scopes in OPERATIONS for scope in scopes})
KEY = "ar_test_scoped_7f1c"


def url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def status(http: httpx.Client, method: str, path: str, auth: str | None) -> Any:
    """The status and error code of one request (a stream is closed at once)."""
    headers = {"Accept": "text/event-stream"}
    if auth is not None:
        headers["Authorization"] = auth
    # `{}` satisfies no body schema here; auth comes first, so that does not matter.
    with http.stream(method, url(path), headers=headers, json={}) as response:
        if response.status_code >= 400:
            response.read()
            return response.status_code, response.json()["error"]
        return response.status_code, None


def refusals(admin: str) -> Iterator[tuple[str, str | None]]:
    """Credentials that must all be 401."""
    yield "no header", None
    yield "empty", ""
    yield "scheme only", "Bearer"
    yield "wrong key", "Bearer ar_test_wrong"
    yield "wrong scheme", f"Basic {admin}"
    yield "key without scheme", admin
    yield "prefix of a key", f"Bearer {admin[:-1]}"
    yield "key plus a character", f"Bearer {admin}x"
    yield "key in another case", f"Bearer {admin.upper()}"


def test_the_walk_covers_every_operation() -> None:
    """Every operation of the spec names one scope, and the walk sees each once."""
    ids = [operation for _, _, operation, _ in OPERATIONS]
    assert ids and len(set(ids)) == len(ids)
    assert all(len(scopes) == 1 for *_, scopes in OPERATIONS)


@pytest.mark.parametrize(
    ("method", "path", "operation", "scopes"),
    OPERATIONS,
    ids=[op for _, _, op, _ in OPERATIONS],
)
def test_every_operation_refuses_missing_wrong_and_unscoped_keys(
    mock: Any, method: str, path: str, operation: str, scopes: list[str]
) -> None:
    """401 for every bad credential, 403 naming the scope for a key with every
    other scope, and neither for a key with just that scope or with admin."""
    [scope] = scopes
    with httpx.Client(base_url=mock.url, timeout=5) as http:
        for label, auth in refusals(mock.admin_key):
            code, error = status(http, method, path, auth)
            assert (code, error["code"]) == (401, "unauthorized"), label
        mock.set_key(KEY, [s for s in ALL_SCOPES if s != scope])
        code, error = status(http, method, path, f"Bearer {KEY}")
        assert (code, error["code"]) == (403, "insufficient_scope")
        assert error["details"]["required_scope"] == scope
        for granted in ([scope], ["admin"]):
            mock.set_key(KEY, granted)
            code, _ = status(http, method, path, f"Bearer {KEY}")
            assert code not in (401, 403), granted
    assert {r.operation_id for r in mock.requests} == {operation}


def test_keys_are_compared_in_constant_time(
    mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The presented key is compared with every configured key by
    hmac.compare_digest, so the time taken does not tell how much of it matched."""
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    import agentrail_mock.app

    monkeypatch.setattr(agentrail_mock.app.hmac, "compare_digest", spy)
    mock.set_key(KEY, ["tasks:read"])
    presented = mock.admin_key[:-1] + "X"  # right length, last character wrong
    with httpx.Client(base_url=mock.url, timeout=5) as http:
        headers = {"Authorization": f"Bearer {presented}"}
        assert http.get("/v1/tasks", headers=headers).status_code == 401
    keys = {a for a, _ in compared} | {b for _, b in compared}
    assert {mock.admin_key.encode(), KEY.encode()} <= keys
    assert presented.encode() in keys
