"""Runs, cases, executions and MCP-session cost by global id: `client.bench_runs`.

After the BenchRunsClient shape (docs/api.md, family 4): `get` and `bench_by_id` answer
None on 404, `list_results` an empty list. The requests are built once, as functions
returning a `Call`; `BenchRuns` and `AsyncBenchRuns` only send them. The run event
stream (`subscribe_run_events`) is not here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Unpack

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
from ._docs import twin_docs
from ._flows import run_events
from ._options import BodyOptions, RequestOptions
from ._params import (
    NOT_GIVEN,
    Json,
    any_json,
    given,
    idempotency_key,
    optional_model,
    pager,
)
from ._validate import (
    check_external_id,
    check_id,
    check_int_id,
    check_text,
)

if TYPE_CHECKING:
    from ._events import RunEvent
    from ._steps import StreamSpec
    from ._stream import AsyncEventStream, EventStream
    from ._transport import AsyncTransport, Transport

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
        expected_output=any_json("expected_output", given(expected_output)),
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


def _run_spec(
    t: Transport | AsyncTransport,
    run_id: int,
    fill_gaps: bool,
    last_event_id: str | None,
    heartbeat: int | None,
    options: Mapping[str, Any],
) -> StreamSpec:
    return run_events(run_id, fill_gaps, t.limits(heartbeat, options), last_event_id)


# The twins: they only send.


class BenchRuns:
    """`client.bench_runs`: runs, cases and executions by their global ids."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def get(self, run_id: int, **options: Unpack[RequestOptions]) -> BenchRun | None:
        """Fetch a run, or None if there is no such run.

        Operation `get_bench_run` (`GET /v1/bench-runs/{run_id}`); needs the
        `runs:read` scope.

        Args:
            run_id: the run's id.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The `BenchRun`, or None (404).

        Raises:
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_get_run(run_id), options)

    def delete(self, run_id: int, **options: Unpack[RequestOptions]) -> None:
        """Delete a run (the server cancels it first).

        Operation `delete_bench_run`; needs the `runs:write` scope.

        Args:
            run_id: the run's id.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            None.

        Raises:
            NotFoundError: there is no such run.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_delete_run(run_id), options)

    def list_results(
        self, run_id: int, **options: Unpack[RequestOptions]
    ) -> list[BenchResult]:
        """Every result of a run, all pages.

        Operation `list_bench_run_results`; needs the `runs:read` scope.

        Args:
            run_id: the run's id.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The `BenchResult`s, oldest first; an empty list if there is no such run.

        Raises:
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.collect(_list_results(run_id), options)

    def cancel(self, run_id: int, **options: Unpack[RequestOptions]) -> BenchRun:
        """Cancel a run; cases in flight finish.

        Operation `cancel_bench_run`; needs the `runs:write` scope.

        Args:
            run_id: the run's id.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The `BenchRun` as it stands.

        Raises:
            NotFoundError: there is no such run.
            ConflictError: the run has ended.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_cancel(run_id), options)

    def tag_session(
        self, run_id: int, mcp_session_id: str, **options: Unpack[BodyOptions]
    ) -> TagBenchRunSessionResponse:
        """Attribute a run's cost to an MCP session.

        Operation `tag_bench_run_session`; needs the `runs:write` scope.

        Args:
            run_id: the run's id.
            mcp_session_id: the MCP session's id.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`,
                `extra_body`.

        Returns:
            The `TagBenchRunSessionResponse`.

        Raises:
            NotFoundError: there is no such run.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_tag_session(run_id, mcp_session_id), options)

    def promote_execution(
        self,
        execution_id: str,
        *,
        name: str | None = None,
        edits: Mapping[str, Any] | CaseEdits | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> BenchCase:
        """Turn an execution into a bench case, with optional edits laid over it.

        Operation `promote_execution`; needs the `cases:write` scope.

        Args:
            execution_id: the execution's id.
            name: the new case's name (default: the execution's).
            edits: fields of the case to change (`CaseEdits` or its dict).
            idempotency_key: the same key promotes once.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`,
                `extra_body`.

        Returns:
            The new `BenchCase`.

        Raises:
            NotFoundError: there is no such execution.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        call = _promote(execution_id, name, edits, idempotency_key)
        return self._t.request(call, options)

    def compare(
        self, run_a: int, run_b: int, **options: Unpack[RequestOptions]
    ) -> CompareReport:
        """Compare two runs of the same bench.

        Operation `compare_bench_runs`; needs the `runs:read` scope.

        Args:
            run_a, run_b: the runs' ids.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The `CompareReport`.

        Raises:
            NotFoundError: one of the runs does not exist.
            BadRequestError: the runs are of different benches.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_compare(run_a, run_b), options)

    def get_case(self, case_id: str, **options: Unpack[RequestOptions]) -> Execution:
        """Fetch a case (an execution of kind `case`) by id.

        Operation `get_execution`; needs the `runs:read` scope.

        Args:
            case_id: the case's id.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The `Execution`.

        Raises:
            NotFoundError: there is no such case.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_get_case(case_id), options)

    def patch_case(
        self,
        case_id: str,
        *,
        name: str | None = None,
        inputs: Json | None = None,
        expected_output: Any = NOT_GIVEN,
        **options: Unpack[BodyOptions],
    ) -> BenchCase:
        """Change the given fields of a case; the others stay.

        Operation `update_case` (`PATCH /v1/cases/{case_id}`); needs the
        `cases:write` scope.

        Args:
            case_id: the case's id.
            name: the new name.
            inputs: the new inputs, a JSON object.
            expected_output: the new expected output (NOT_GIVEN: unchanged).
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`,
                `extra_body`.

        Returns:
            The `BenchCase` as changed.

        Raises:
            NotFoundError: there is no such case.
            BadRequestError: a field is refused.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        call = _patch_case(case_id, name, inputs, expected_output)
        return self._t.request(call, options)

    def delete_case(self, case_id: str, **options: Unpack[RequestOptions]) -> None:
        """Delete a case.

        Operation `delete_case`; needs the `cases:write` scope.

        Args:
            case_id: the case's id.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            None.

        Raises:
            NotFoundError: there is no such case.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_delete_case(case_id), options)

    def bench_by_id(
        self, bench_id: int, **options: Unpack[RequestOptions]
    ) -> Bench | None:
        """Fetch a bench by id, or None if there is no such bench.

        Operation `get_bench` (`GET /v1/benches/{bench_id}`); needs the
        `benches:read` scope.

        Args:
            bench_id: the bench's id.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The `Bench`, or None (404).

        Raises:
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_bench_by_id(bench_id), options)

    def mcp_session_cost(
        self, mcp_session_id: str, **options: Unpack[RequestOptions]
    ) -> McpSessionCost:
        """The accumulated cost of an MCP session.

        Operation `get_mcp_session_cost`; needs the `mcp_sessions:read` scope.

        Args:
            mcp_session_id: the MCP session's id.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The `McpSessionCost`.

        Raises:
            NotFoundError: there is no such session.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_session_cost(mcp_session_id), options)

    def subscribe_run_events(
        self,
        run_id: int,
        *,
        fill_gaps: bool = False,
        last_event_id: str | None = None,
        heartbeat_seconds: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> EventStream[RunEvent]:
        """Follow a run's events until it ends.

        Operation `stream_bench_run_events` (`GET /v1/bench-runs/{run_id}/events`,
        with `list_bench_run_results` to fill gaps); needs the `events:read` scope.

        Yields `RunResult`, `RunLagged` and `RunTerminal`, and ends after the
        terminal. Close the stream (or leave its `with` block) to end the request.

        Args:
            run_id: the run's id.
            fill_gaps: follow a `RunLagged` with the results it dropped, fetched
                from `/results`, so every result arrives once.
            last_event_id: resume after this event (a `stream.last_event_id` kept
                earlier).
            heartbeat_seconds: the heartbeat asked of the server (1-60).
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            An `EventStream` of `RunEvent`, connected.

        Raises:
            NotFoundError: there is no such run (raised here).
            InsufficientScopeError: the key lacks `events:read` (raised here).
            ReconnectsExhaustedError: drops outlasted `max_reconnects`.
        """
        spec = _run_spec(
            self._t, run_id, fill_gaps, last_event_id, heartbeat_seconds, options
        )
        return self._t.stream(spec, options)


class AsyncBenchRuns:
    """`client.bench_runs` of an `AsyncClient`: the methods of `BenchRuns`, awaited;
    `subscribe_run_events` returns a stream to `await` and `async for`."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def get(
        self, run_id: int, **options: Unpack[RequestOptions]
    ) -> BenchRun | None:
        return await self._t.request(_get_run(run_id), options)

    async def delete(self, run_id: int, **options: Unpack[RequestOptions]) -> None:
        return await self._t.request(_delete_run(run_id), options)

    async def list_results(
        self, run_id: int, **options: Unpack[RequestOptions]
    ) -> list[BenchResult]:
        return await self._t.collect(_list_results(run_id), options)

    async def cancel(self, run_id: int, **options: Unpack[RequestOptions]) -> BenchRun:
        return await self._t.request(_cancel(run_id), options)

    async def tag_session(
        self, run_id: int, mcp_session_id: str, **options: Unpack[BodyOptions]
    ) -> TagBenchRunSessionResponse:
        return await self._t.request(_tag_session(run_id, mcp_session_id), options)

    async def promote_execution(
        self,
        execution_id: str,
        *,
        name: str | None = None,
        edits: Mapping[str, Any] | CaseEdits | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> BenchCase:
        call = _promote(execution_id, name, edits, idempotency_key)
        return await self._t.request(call, options)

    async def compare(
        self, run_a: int, run_b: int, **options: Unpack[RequestOptions]
    ) -> CompareReport:
        return await self._t.request(_compare(run_a, run_b), options)

    async def get_case(
        self, case_id: str, **options: Unpack[RequestOptions]
    ) -> Execution:
        return await self._t.request(_get_case(case_id), options)

    async def patch_case(
        self,
        case_id: str,
        *,
        name: str | None = None,
        inputs: Json | None = None,
        expected_output: Any = NOT_GIVEN,
        **options: Unpack[BodyOptions],
    ) -> BenchCase:
        call = _patch_case(case_id, name, inputs, expected_output)
        return await self._t.request(call, options)

    async def delete_case(
        self, case_id: str, **options: Unpack[RequestOptions]
    ) -> None:
        return await self._t.request(_delete_case(case_id), options)

    async def bench_by_id(
        self, bench_id: int, **options: Unpack[RequestOptions]
    ) -> Bench | None:
        return await self._t.request(_bench_by_id(bench_id), options)

    async def mcp_session_cost(
        self, mcp_session_id: str, **options: Unpack[RequestOptions]
    ) -> McpSessionCost:
        return await self._t.request(_session_cost(mcp_session_id), options)

    def subscribe_run_events(
        self,
        run_id: int,
        *,
        fill_gaps: bool = False,
        last_event_id: str | None = None,
        heartbeat_seconds: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncEventStream[RunEvent]:
        spec = _run_spec(
            self._t, run_id, fill_gaps, last_event_id, heartbeat_seconds, options
        )
        return self._t.stream(spec, options)


twin_docs(AsyncBenchRuns, BenchRuns)
