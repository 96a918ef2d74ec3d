"""The mock against openapi.yaml with schemathesis, all default checks (docs/mock.md).

Two transports: in-process through schemathesis's ASGI driver, and over a real loopback
socket against the session's mock server. Settings live in schemathesis.toml (stream
operations are bounded there). The fault plan is empty: faults would be ST101/ST103.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.stateful import Bundle, initialize, run_state_machine_as_test
from schemathesis.generation.stateful.state_machine import StepInput

from agentrail_mock import create_app

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"

APP = create_app()
asgi_schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


# The socket run loads the same file; its base URL comes from the fixture at call time
# (schemathesis.pytest.from_fixture fails under pytest 9: no `_nodeid`).
socket_schema = schemathesis.openapi.from_path(SPEC)
# A hung stream fails its test instead of the whole run.
pytestmark = pytest.mark.timeout(300)


@asgi_schema.parametrize()
def test_in_process(case: Any) -> None:
    """Every operation, in-process: generated requests get documented answers."""
    case.call_and_validate()


@pytest.fixture(scope="module")
def clean_mock(mock_server: Any) -> Any:
    """The session's server, reset once: no faults or keys left by other tests.
    (Module scope: hypothesis refuses function-scoped fixtures in its tests.)"""
    mock_server.reset()
    return mock_server


@socket_schema.parametrize()
def test_over_socket(case: Any, clean_mock: Any) -> None:
    """Every operation over a real socket, as a client sees it."""
    case.call_and_validate(base_url=clean_mock.url)


# Stateful runs follow the spec's OpenAPI links: create a session -> send -> list;
# put a bench -> add a case -> trigger a run -> get, results, compare, cancel, delete ->
# get; a case -> its execution, promote it; create a task -> update, review, ship ->
# list events.
STATEFUL = settings(
    max_examples=25,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


# Schemathesis starts scenarios only from POSTs and from GETs without path parameters
# whose inputs something produces; the bench family starts with a PUT at a path the
# client chooses, so without help no scenario ever enters it. Each scenario therefore
# begins by putting a bench (checked like any step); the spec's links lead on from its
# 201 to cases, runs, comparisons, executions and MCP-session cost.
BENCH = "/v1/projects/{project_id}/scripts/{script_name}/bench"


def _put_a_bench(machine: Any, schema: Any) -> Any:
    case = schema[BENCH]["PUT"].Case(
        path_parameters={"project_id": "p1", "script_name": "qa.py"},
        body={"config": {"judge": "exact"}},
        headers={"Authorization": "Bearer ar_test_admin"},
    )
    machine.recorder.record_case(case=case)
    return machine.step(StepInput.initial(case))


class InProcessWorkflow(asgi_schema.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        APP.state.reset()

    @initialize(target=Bundle("catch_all"))
    def put_a_bench(self) -> Any:
        return _put_a_bench(self, asgi_schema)


class SocketWorkflow(socket_schema.as_state_machine()):  # type: ignore[misc]
    server: Any = None

    @initialize(target=Bundle("catch_all"))
    def put_a_bench(self) -> Any:
        return _put_a_bench(self, socket_schema)

    def setup(self) -> None:
        self.server.reset()

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"base_url": self.server.url}


def test_stateful_in_process() -> None:
    """Link-driven scenarios in-process, all checks on."""
    run_state_machine_as_test(InProcessWorkflow, settings=STATEFUL)


def test_stateful_over_socket(mock_server: Any) -> None:
    """The same scenarios over a real socket; they enter the bench family."""
    SocketWorkflow.server = mock_server
    run_state_machine_as_test(SocketWorkflow, settings=STATEFUL)
    reached = {r.operation_id for r in mock_server.requests}
    assert "put_bench" in reached, "the scenarios never reached the socket"
