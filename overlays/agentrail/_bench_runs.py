"""Runs, cases, executions and MCP-session cost by global id: `client.bench_runs`.

After the BenchRunsClient shape (docs/api.md, family 4): `get` and `bench_by_id` answer
None on 404, `list_results` an empty list. The requests are built once, as functions
returning a `Call`; `BenchRuns` and `AsyncBenchRuns` only send them. The run event
stream (`subscribe_run_events`) is not here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from agentrail_api.api.benches import (
    cancel_bench_run,
    compare_bench_runs,
    delete_bench_run,
    delete_case,
    get_bench,
    get_bench_run,
    get_execution,
    get_mcp_session_cost,
    list_bench_run_results,
    promote_execution,
    tag_bench_run_session,
    update_case,
)
from agentrail_api.models import (
    Bench,
    BenchCase,
    BenchResult,
    BenchResultPage,
    BenchRun,
    CaseEdits,
    CompareReport,
    Execution,
    JsonObject,
    McpSessionCost,
    PromoteExecutionRequest,
    TagBenchRunSessionRequest,
    TagBenchRunSessionResponse,
    UpdateCaseRequest,
)
from agentrail_api.types import UNSET

from ._base import Call, build
from ._flows import run_events
from ._params import Json, any_json, idempotency_key, optional_model, pager
from ._validate import check_external_id, check_id, check_int_id, check_text

if TYPE_CHECKING:
    from ._client import AsyncClient, Client
    from ._events import RunEvent
    from ._stream import AsyncEventStream, EventStream

# Requests keyed on a global id.


def _get_run(run_id: int) -> Call[BenchRun | None]:
    run_id = check_int_id("run_id", run_id)
    return build(get_bench_run, BenchRun, run_id, instead={404: lambda: None})


def _delete_run(run_id: int) -> Call[None]:
    return build(delete_bench_run, None, check_int_id("run_id", run_id))


def _empty_results() -> BenchResultPage:
    return BenchResultPage(data=[], has_more=False, next_cursor=None)


def _list_results(run_id: int) -> Callable[[str | None], Call[BenchResultPage]]:
    run_id = check_int_id("run_id", run_id)
    # The largest pages: the caller gets one list, so only round trips count.
    return pager(
        list_bench_run_results,
        BenchResultPage,
        run_id,
        limit=100,
        order=None,
        cursor=None,
        instead={404: _empty_results},
    )


def _cancel(run_id: int) -> Call[BenchRun]:
    return build(cancel_bench_run, BenchRun, check_int_id("run_id", run_id))


def _tag_session(run_id: int, mcp_session_id: str) -> Call[TagBenchRunSessionResponse]:
    run_id = check_int_id("run_id", run_id)
    mcp_session_id = check_external_id("mcp_session_id", mcp_session_id)
    body = TagBenchRunSessionRequest(mcp_session_id=mcp_session_id)
    return build(tag_bench_run_session, TagBenchRunSessionResponse, run_id, body=body)


def _promote(
    execution_id: str,
    name: str | None,
    edits: Mapping[str, Any] | CaseEdits | None,
    key: str | None,
) -> Call[BenchCase]:
    execution_id = check_id("execution_id", execution_id)
    body = PromoteExecutionRequest(
        name=UNSET if name is None else check_text("name", name),
        edits=optional_model(CaseEdits, edits, "edits"),
    )
    key = idempotency_key(key)
    return build(
        promote_execution, BenchCase, execution_id, body=body, idempotency_key=key
    )


def _compare(run_a: int, run_b: int) -> Call[CompareReport]:
    run_a, run_b = check_int_id("run_a", run_a), check_int_id("run_b", run_b)
    return build(compare_bench_runs, CompareReport, run_a, run_b)


def _get_case(case_id: str) -> Call[Execution]:
    return build(get_execution, Execution, check_id("case_id", case_id))


def _patch_case(
    case_id: str, name: str | None, inputs: Json | None, expected_output: Any
) -> Call[BenchCase]:
    case_id = check_id("case_id", case_id)
    body = UpdateCaseRequest(
        name=UNSET if name is None else check_text("name", name),
        inputs=optional_model(JsonObject, inputs, "inputs"),
        expected_output=any_json("expected_output", expected_output),
    )
    return build(update_case, BenchCase, case_id, body=body)


def _delete_case(case_id: str) -> Call[None]:
    # The answer is {"deleted": true}; like the seed, the method returns None.
    return build(delete_case, None, check_id("case_id", case_id))


def _bench_by_id(bench_id: int) -> Call[Bench | None]:
    bench_id = check_int_id("bench_id", bench_id)
    return build(get_bench, Bench, bench_id, instead={404: lambda: None})


def _session_cost(mcp_session_id: str) -> Call[McpSessionCost]:
    mcp_session_id = check_external_id("mcp_session_id", mcp_session_id)
    return build(get_mcp_session_cost, McpSessionCost, mcp_session_id)


# The twins: they only send.


class BenchRuns:
    """`client.bench_runs`: runs, cases and executions by their global ids."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def get(self, run_id: int) -> BenchRun | None:
        """Fetch a run, or None if there is no such run."""
        return self._client._request(_get_run(run_id))

    def delete(self, run_id: int) -> None:
        """Delete a run (the server cancels it first)."""
        return self._client._request(_delete_run(run_id))

    def list_results(self, run_id: int) -> list[BenchResult]:
        """Every result of a run, all pages; an empty list if there is no such run."""
        return list(self._client._page(_list_results(run_id)))

    def cancel(self, run_id: int) -> BenchRun:
        """Cancel a run; in-flight cases finish. Returns the run as it stands."""
        return self._client._request(_cancel(run_id))

    def tag_session(
        self, run_id: int, mcp_session_id: str
    ) -> TagBenchRunSessionResponse:
        """Attribute a run's cost to an MCP session."""
        return self._client._request(_tag_session(run_id, mcp_session_id))

    def promote_execution(
        self,
        execution_id: str,
        *,
        name: str | None = None,
        edits: Mapping[str, Any] | CaseEdits | None = None,
        idempotency_key: str | None = None,
    ) -> BenchCase:
        """Turn an execution into a bench case, with optional edits laid over it."""
        call = _promote(execution_id, name, edits, idempotency_key)
        return self._client._request(call)

    def compare(self, run_a: int, run_b: int) -> CompareReport:
        """Compare two runs of the same bench."""
        return self._client._request(_compare(run_a, run_b))

    def get_case(self, case_id: str) -> Execution:
        """Fetch a case (an execution with kind `case`) by id."""
        return self._client._request(_get_case(case_id))

    def patch_case(
        self,
        case_id: str,
        *,
        name: str | None = None,
        inputs: Json | None = None,
        expected_output: Any = UNSET,
    ) -> BenchCase:
        """Change the given fields of a case; the others stay."""
        call = _patch_case(case_id, name, inputs, expected_output)
        return self._client._request(call)

    def delete_case(self, case_id: str) -> None:
        """Delete a case."""
        return self._client._request(_delete_case(case_id))

    def bench_by_id(self, bench_id: int) -> Bench | None:
        """Fetch a bench by id, or None if there is no such bench."""
        return self._client._request(_bench_by_id(bench_id))

    def mcp_session_cost(self, mcp_session_id: str) -> McpSessionCost:
        """The accumulated cost of an MCP session."""
        return self._client._request(_session_cost(mcp_session_id))

    def subscribe_run_events(
        self,
        run_id: int,
        *,
        fill_gaps: bool = False,
        heartbeat_seconds: int | None = None,
    ) -> EventStream[RunEvent]:
        """Subscribe to a run's events; returns once the server has answered 2xx.

        Yields `RunResult`, `RunLagged` and `RunTerminal`, and ends after the
        terminal. With `fill_gaps=True` a `RunLagged` is followed by the results it
        dropped, fetched from `/results`, so every result arrives once. Close the
        subscription (or leave its `with` block) to end the HTTP request.
        """
        spec = run_events(run_id, fill_gaps, self._client._limits(heartbeat_seconds))
        return self._client._stream(spec)


class AsyncBenchRuns:
    """`client.bench_runs` of an `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def get(self, run_id: int) -> BenchRun | None:
        """Fetch a run, or None if there is no such run."""
        return await self._client._request(_get_run(run_id))

    async def delete(self, run_id: int) -> None:
        """Delete a run (the server cancels it first)."""
        return await self._client._request(_delete_run(run_id))

    async def list_results(self, run_id: int) -> list[BenchResult]:
        """Every result of a run, all pages; an empty list if there is no such run."""
        page = await self._client._page(_list_results(run_id))
        return [result async for result in page]

    async def cancel(self, run_id: int) -> BenchRun:
        """Cancel a run; in-flight cases finish. Returns the run as it stands."""
        return await self._client._request(_cancel(run_id))

    async def tag_session(
        self, run_id: int, mcp_session_id: str
    ) -> TagBenchRunSessionResponse:
        """Attribute a run's cost to an MCP session."""
        return await self._client._request(_tag_session(run_id, mcp_session_id))

    async def promote_execution(
        self,
        execution_id: str,
        *,
        name: str | None = None,
        edits: Mapping[str, Any] | CaseEdits | None = None,
        idempotency_key: str | None = None,
    ) -> BenchCase:
        """Turn an execution into a bench case, with optional edits laid over it."""
        call = _promote(execution_id, name, edits, idempotency_key)
        return await self._client._request(call)

    async def compare(self, run_a: int, run_b: int) -> CompareReport:
        """Compare two runs of the same bench."""
        return await self._client._request(_compare(run_a, run_b))

    async def get_case(self, case_id: str) -> Execution:
        """Fetch a case (an execution with kind `case`) by id."""
        return await self._client._request(_get_case(case_id))

    async def patch_case(
        self,
        case_id: str,
        *,
        name: str | None = None,
        inputs: Json | None = None,
        expected_output: Any = UNSET,
    ) -> BenchCase:
        """Change the given fields of a case; the others stay."""
        call = _patch_case(case_id, name, inputs, expected_output)
        return await self._client._request(call)

    async def delete_case(self, case_id: str) -> None:
        """Delete a case."""
        return await self._client._request(_delete_case(case_id))

    async def bench_by_id(self, bench_id: int) -> Bench | None:
        """Fetch a bench by id, or None if there is no such bench."""
        return await self._client._request(_bench_by_id(bench_id))

    async def mcp_session_cost(self, mcp_session_id: str) -> McpSessionCost:
        """The accumulated cost of an MCP session."""
        return await self._client._request(_session_cost(mcp_session_id))

    async def subscribe_run_events(
        self,
        run_id: int,
        *,
        fill_gaps: bool = False,
        heartbeat_seconds: int | None = None,
    ) -> AsyncEventStream[RunEvent]:
        """Subscribe to a run's events; returns once the server has answered 2xx.

        `async for` the subscription; it ends after `RunTerminal`. See
        `BenchRuns.subscribe_run_events`.
        """
        spec = run_events(run_id, fill_gaps, self._client._limits(heartbeat_seconds))
        return await self._client._stream(spec)
