"""The HTTP surface: coverage, routing, auth, validation, Request-Id, idempotency."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

import agentrail_mock
from agentrail_mock.handlers import HANDLERS
from agentrail_mock.spec import default_spec_path
from tests.mock._helpers import client

pytestmark = pytest.mark.timeout(20)
ROOT = Path(__file__).resolve().parents[2]
SPEC = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
OPERATION_IDS = sorted(
    op["operationId"]
    for item in SPEC["paths"].values()
    for method, op in item.items()
    if isinstance(op, dict) and "operationId" in op
)


def test_every_operation_has_a_handler() -> None:
    """An operation in openapi.yaml without a handler fails here and in create_app."""
    assert OPERATION_IDS and len(set(OPERATION_IDS)) == len(OPERATION_IDS)
    assert sorted(set(OPERATION_IDS) - set(HANDLERS)) == []
    assert sorted(set(HANDLERS) - set(OPERATION_IDS)) == []


def test_create_app_refuses_an_operation_without_handler(tmp_path: Path) -> None:
    """The refusal names the operation and where its handler goes."""
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    spec["paths"]["/v1/extra"] = {
        "get": {"operationId": "extra_op", "tags": ["tasks"], "responses": {}}
    }
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(RuntimeError) as raised:
        agentrail_mock.create_app(path)
    message = str(raised.value)
    assert "extra_op" in message
    assert "mock/agentrail_mock/handlers/tasks.py" in message
    assert '@handler("extra_op")' in message


def test_the_spec_is_found_in_the_repository() -> None:
    """Editable install: no packaged copy, so the repository root's openapi.yaml."""
    assert default_spec_path().read_bytes() == (ROOT / "openapi.yaml").read_bytes()


def test_unknown_path_is_json_404(mock: Any) -> None:
    with client(mock) as http:
        for path in ("/v1/nope", "/v1/sessions/a%0Ab/x", "/", "/v2/tasks"):
            response = http.get(path)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
            assert response.headers["content-type"] == "application/json"


def test_wrong_method_is_405_with_allow(mock: Any) -> None:
    with client(mock) as http:
        response = http.request("TRACE", "/v1/tasks")
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET, POST"
        assert response.json()["error"]["request_id"] == response.headers["Request-Id"]
        assert http.put("/v1/bench-runs/1").headers["Allow"] == "DELETE, GET"


def test_request_id_on_every_response(mock: Any) -> None:
    with client(mock) as http:
        responses = [
            http.get("/v1/tasks"),
            http.post("/v1/tasks", json={"title": "t"}),
            http.get("/v1/tasks/nope"),
            http.get("/v1/tasks", params={"limit": 0}),
            httpx.get(f"{mock.url}/v1/tasks"),
        ]
        ids = [r.headers["Request-Id"] for r in responses]
        assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic ar_test_admin", "x"])
def test_missing_or_unknown_key_is_401(mock: Any, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = httpx.get(f"{mock.url}/v1/tasks", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_missing_scope_is_403_with_details(mock: Any) -> None:
    mock.set_key("ar_test_reader", ["tasks:read"])
    with client(mock, "ar_test_reader") as http:
        assert http.get("/v1/tasks").status_code == 200
        response = http.get("/v1/task-events/stream")
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"]["details"] == {
            "required_scope": "events:read",
            "granted_scopes": ["tasks:read"],
        }
    mock.reset()
    with client(mock, "ar_test_reader") as http:
        assert http.get("/v1/tasks").status_code == 401  # reset drops run-time keys


def test_keys_given_to_serve_survive_reset() -> None:
    with agentrail_mock.serve(api_keys={"k1": ["tasks:read"]}) as mock:
        mock.reset()
        with client(mock, "k1") as http:
            assert http.get("/v1/tasks").status_code == 200


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "field"),
    [
        ("GET", "/v1/tasks", {"params": {"mode": "fast"}}, "query.mode"),
        ("GET", "/v1/tasks", {"params": {"limit": "abc"}}, "query.limit"),
        ("GET", "/v1/tasks", {"params": {"limit": 101}}, "query.limit"),
        ("GET", "/v1/tasks", {"params": [("limit", 1), ("limit", 2)]}, "query.limit"),
        ("GET", "/v1/tasks", {"params": {"status": "lost"}}, "query.status"),
        ("GET", "/v1/bench-runs/0", {}, "path.run_id"),
        ("GET", "/v1/bench-runs/9223372036854775808", {}, "path.run_id"),
        ("GET", "/v1/bench-runs/1.5", {}, "path.run_id"),
        ("GET", "/v1/tasks/a%20b", {}, "path.task_id"),
        ("POST", "/v1/tasks", {"json": {}}, "body"),
        ("POST", "/v1/tasks", {"json": {"title": 5}}, "body.title"),
        ("POST", "/v1/tasks", {}, "body"),
        (
            "POST",
            "/v1/tasks",
            {"content": b"{", "headers": {"content-type": "application/json"}},
            "body",
        ),  # fmt: skip
        (
            "POST",
            "/v1/tasks",
            {"content": b"title=t", "headers": {"content-type": "text/plain"}},
            "header.Content-Type",
        ),  # fmt: skip
        (
            "POST",
            "/v1/tasks",
            {
                "content": b'{"title": NaN}',
                "headers": {"content-type": "application/json"},
            },
            "body",
        ),  # fmt: skip
        (
            "GET",
            "/v1/task-events/stream",
            {"headers": {"Last-Event-ID": "-x"}},
            "header.Last-Event-ID",
        ),  # fmt: skip
    ],
)
def test_invalid_requests_are_400_with_field_errors(
    mock: Any, method: str, url: str, kwargs: dict[str, Any], field: str
) -> None:
    with client(mock) as http:
        response = http.request(method, url, **kwargs)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in [e["field"] for e in error["details"]["field_errors"]]


def test_idempotency_key_replays_the_first_response(mock: Any) -> None:
    """Same key and body: the first response, work done once; other body: 409."""
    with client(mock) as http:
        task = http.post("/v1/tasks", json={"title": "t"}).json()
        headers = {"Idempotency-Key": "ship-1"}
        first = http.post(f"/v1/tasks/{task['id']}/ship", headers=headers)
        again = http.post(f"/v1/tasks/{task['id']}/ship", headers=headers)
        assert first.status_code == again.status_code == 202
        assert first.json() == again.json()
        assert first.headers["Request-Id"] != again.headers["Request-Id"]
        events = http.get("/v1/task-events", params={"task_id": task["id"]}).json()
        assert [e["type"] for e in events["data"]] == ["task.shipped"]
        created = http.post("/v1/tasks", json={"title": "a"}, headers=headers)
        assert created.status_code == 201  # keys are per operation
        other = http.post("/v1/tasks", json={"title": "b"}, headers=headers)
        assert other.status_code == 409
        assert other.json()["error"]["code"] == "conflict"


def test_idempotency_keys_expire_after_24h_of_mock_time(mock: Any) -> None:
    with client(mock) as http:
        headers = {"Idempotency-Key": "k"}
        one = http.post("/v1/tasks", json={"title": "a"}, headers=headers).json()
        mock.clock.advance(24 * 3600 + 1)
        two = http.post("/v1/tasks", json={"title": "a"}, headers=headers).json()
        assert one["id"] != two["id"]


def test_requests_are_recorded(mock: Any) -> None:
    with client(mock) as http:
        http.post("/v1/tasks?", json={"title": "t"}, headers={"X-Trace": "1"})
        http.get("/v1/tasks", params={"limit": 5})
        http.get("/v1/sessions/a%2Fb")
    post, get, odd = mock.requests
    assert (post.method, post.path, post.operation_id) == (
        "POST",
        "/v1/tasks",
        "create_task",
    )
    assert post.headers["x-trace"] == "1" and post.body == b'{"title":"t"}'
    assert get.query == [("limit", "5")]
    assert odd.raw_path == "/v1/sessions/a%2Fb" and odd.path == "/v1/sessions/a/b"
    assert odd.operation_id == "get_session"


def test_control_endpoints(mock: Any) -> None:
    """With the admin key, /__mock/* steers config, faults, keys, events and clock."""
    url = mock.url
    admin = httpx.Client(headers={"Authorization": f"Bearer {mock.admin_key}"})
    with admin:
        config = admin.post(f"{url}/__mock/config", json={"retry_ms": 7}).json()
        assert config["retry_ms"] == 7 and mock.config.retry_ms == 7
        admin.post(f"{url}/__mock/faults", json={"kind": "status", "code": 503})
        assert admin.get(f"{url}/__mock/faults").json()[0]["params"] == {"code": 503}
        admin.post(f"{url}/__mock/keys", json={"key": "k2", "scopes": ["admin"]})
        k2 = {"Authorization": "Bearer k2"}
        assert httpx.get(f"{url}/v1/tasks", headers=k2).status_code == 503
        body = admin.post(f"{url}/__mock/task-events", json={"count": 3}).json()
        assert body["count"] == 3 and len(mock.state.task_events) == 3
        freeze = {"freeze": True, "advance": 5}
        clock = admin.post(f"{url}/__mock/clock", json=freeze).json()
        assert clock["frozen"] and mock.clock.now() == clock["now"]
        requests = admin.get(f"{url}/__mock/requests").json()
        assert requests[-1]["operation_id"] == "list_tasks"
        assert admin.post(f"{url}/__mock/reset").status_code == 200
    assert not mock.clock.frozen and len(mock.faults) == 0
    assert mock.config.retry_ms == 1000
    assert httpx.get(f"{url}/openapi.json").json()["openapi"] == "3.1.0"


CONTROL = [
    ("POST", "/__mock/reset"),
    ("GET", "/__mock/faults"),
    ("POST", "/__mock/faults"),
    ("DELETE", "/__mock/faults"),
    ("GET", "/__mock/config"),
    ("PATCH", "/__mock/config"),
    ("POST", "/__mock/clock"),
    ("GET", "/__mock/keys"),
    ("POST", "/__mock/keys"),
    ("POST", "/__mock/task-events"),
    ("POST", "/__mock/session-events"),
    ("GET", "/__mock/requests"),
    ("DELETE", "/__mock/requests"),
]


@pytest.mark.parametrize(("method", "path"), CONTROL)
def test_control_endpoints_refuse_without_the_admin_key(
    mock: Any, method: str, path: str
) -> None:
    """No key or an unknown key is 401, a key without `admin` is 403 naming it, both
    in the API's error envelope, and nothing changes."""
    mock.set_key("ar_reader", ["tasks:read", "events:read"])
    mock.faults.add("delay", "get_task", seconds=0)
    for auth, status, code in [
        (None, 401, "unauthorized"),
        ("Bearer ar_nobody", 401, "unauthorized"),
        (mock.admin_key, 401, "unauthorized"),  # no Bearer scheme
        ("Bearer ar_reader", 403, "insufficient_scope"),
    ]:
        headers = {} if auth is None else {"Authorization": auth}
        body = {"kind": "status", "code": 503, "count": 1, "key": "x", "scopes": []}
        response = httpx.request(method, mock.url + path, headers=headers, json=body)
        assert response.status_code == status, (auth, response.text)
        error = response.json()["error"]
        assert error["code"] == code and response.headers["request-id"]
        assert set(error) == {"code", "message", "details", "request_id"}
        if status == 403:
            assert error["details"]["required_scope"] == "admin"
    assert len(mock.faults) == 1 and "x" not in mock.state.keys
    assert not mock.state.task_events


def test_a_control_key_opens_only_the_control_endpoints() -> None:
    """A mock's control key drives /__mock/* but is no API key."""
    with agentrail_mock.serve(control_key="ctl_secret") as mock:
        headers = {"Authorization": "Bearer ctl_secret"}
        assert (
            httpx.post(f"{mock.url}/__mock/reset", headers=headers).status_code == 200
        )
        assert httpx.get(f"{mock.url}/v1/tasks", headers=headers).status_code == 401


def test_control_can_be_switched_off() -> None:
    """With control=False every /__mock/* path is a JSON 404, key or not."""
    with agentrail_mock.serve(control=False) as mock:
        headers = {"Authorization": f"Bearer {mock.admin_key}"}
        response = httpx.post(f"{mock.url}/__mock/reset", headers=headers)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_a_mock_on_a_non_loopback_address_warns() -> None:
    """Bound beyond loopback, serve() warns that anyone who reaches it can drive it;
    on loopback it says nothing."""
    with pytest.warns(agentrail_mock.ExposedMockWarning, match="not loopback"):
        with agentrail_mock.serve(host="0.0.0.0"):
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with agentrail_mock.serve(host="127.0.0.1"):
            pass


def test_the_command_line_prints_the_warning_at_start_up() -> None:
    """`python -m agentrail_mock --host 0.0.0.0` says so on stderr before serving."""
    command = [
        sys.executable,
        "-m",
        "agentrail_mock",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None and process.stderr is not None
            assert "serving" in process.stdout.readline()
            warning = process.stderr.readline()
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert warning.startswith("warning: the agentrail mock listens on 0.0.0.0")


def test_a_packaged_spec_wins(tmp_path: Path) -> None:
    """Installed from a wheel, the mock reads agentrail_mock/openapi.yaml beside it."""
    package = tmp_path / "agentrail_mock"
    shutil.copytree(ROOT / "mock" / "agentrail_mock", package)
    (package / "openapi.yaml").write_text("openapi: 3.1.0\n", encoding="utf-8")
    code = (
        "from agentrail_mock.spec import default_spec_path; print(default_spec_path())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(out) == package / "openapi.yaml"


def test_a_remote_mock_is_reset_with_the_admin_key(mock: Any) -> None:
    """tests/conftest.py's RemoteMock (AGENTRAIL_BASE_URL runs) resets the server
    through /__mock/reset with its key, now that control endpoints need one."""
    from tests.conftest import RemoteMock

    mock.state.emit_task_events(2)
    RemoteMock(mock.url, mock.admin_key).reset()
    assert len(mock.state.task_events) == 0
    assert len(mock.requests) == 0


def test_a_remote_mock_with_the_wrong_key_says_so(mock: Any) -> None:
    """A reset the remote mock refuses stops the run with the reason, not silently."""
    from tests.conftest import RemoteMock

    with pytest.raises(RuntimeError, match="AGENTRAIL_API_KEY"):
        RemoteMock(mock.url, "ar_not_admin").reset()
