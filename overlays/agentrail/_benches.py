"""A project's benches, cases and runs (docs/api.md, family 4): `client.benches`.

The calls keyed on a global id (runs, cases, executions) are `client.bench_runs`, in
`_bench_runs`. The requests are built once, as functions returning a `Call`; `Benches`
and `AsyncBenches` only send them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Unpack

from agentrail_api.api.benches import (
    add_bench_case,
    list_bench_cases,
    list_bench_runs,
    list_benches,
    put_bench,
    trigger_bench_run,
)
from agentrail_api.models import (
    AddBenchCaseRequest,
    Bench,
    BenchCase,
    BenchCasePage,
    BenchPage,
    BenchRun,
    BenchRunPage,
    JsonObject,
    PutBenchRequest,
    TriggerBenchRunRequest,
)
from agentrail_api.types import UNSET

from ._base import AsyncPage, Call, Page, build
from ._docs import twin_docs
from ._errors import InvalidArgumentError
from ._options import BodyOptions, RequestOptions
from ._params import (
    NOT_GIVEN,
    Json,
    Order,
    any_json,
    given,
    idempotency_key,
    model,
    pager,
)
from ._validate import check_id, check_script, check_text

if TYPE_CHECKING:
    from ._transport import AsyncTransport, Transport

# Project-scoped requests.


def _list_benches(
    project_id: str, limit: int | None, order: Order | None, cursor: str | None
) -> Callable[[str | None], Call[BenchPage]]:
    project_id = check_id("project_id", project_id)
    return pager(
        list_benches, BenchPage, project_id, limit=limit, order=order, cursor=cursor
    )


def _put(project_id: str, script_name: str, config: Json) -> Call[Bench]:
    body = PutBenchRequest(config=model(JsonObject, config, "config"))
    return build(put_bench, Bench, *check_script(project_id, script_name), body=body)


def _list_cases(
    project_id: str,
    script_name: str,
    limit: int | None,
    order: Order | None,
    cursor: str | None,
) -> Callable[[str | None], Call[BenchCasePage]]:
    ids = check_script(project_id, script_name)
    return pager(
        list_bench_cases, BenchCasePage, *ids, limit=limit, order=order, cursor=cursor
    )


def _add_case(
    project_id: str,
    script_name: str,
    name: str,
    inputs: Json,
    expected_output: Any,
    key: str | None,
) -> Call[BenchCase]:
    ids = check_script(project_id, script_name)
    body = AddBenchCaseRequest(
        name=check_text("name", name),
        inputs=model(JsonObject, inputs, "inputs"),
        expected_output=any_json("expected_output", given(expected_output)),
    )
    key = idempotency_key(key)
    return build(add_bench_case, BenchCase, *ids, body=body, idempotency_key=key)


def _list_runs(
    project_id: str,
    script_name: str,
    limit: int | None,
    order: Order | None,
    cursor: str | None,
) -> Callable[[str | None], Call[BenchRunPage]]:
    ids = check_script(project_id, script_name)
    return pager(
        list_bench_runs, BenchRunPage, *ids, limit=limit, order=order, cursor=cursor
    )


def _trigger_run(
    project_id: str,
    script_name: str,
    channel: str,
    notes: str | None,
    case_ids: Iterable[str] | None,
    key: str | None,
) -> Call[BenchRun]:
    ids = check_script(project_id, script_name)
    if isinstance(case_ids, str):
        raise InvalidArgumentError("case_ids must be a list of ids, not one str")
    body = TriggerBenchRunRequest(
        channel=check_text("channel", channel),
        notes=UNSET if notes is None else check_text("notes", notes),
        case_ids=UNSET
        if case_ids is None
        else [check_id("case_ids[]", case_id) for case_id in case_ids],
    )
    key = idempotency_key(key)
    return build(trigger_bench_run, BenchRun, *ids, body=body, idempotency_key=key)


# The twins: they only send.


class Benches:
    """`client.benches`: a project's benches, their cases and runs."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def list(
        self,
        project_id: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Page[Bench]:
        """List the project's benches.

        Operation `list_benches` (`GET /v1/projects/{project_id}/benches`); needs
        the `benches:read` scope.

        Args:
            project_id: the project's id.
            limit: items per page (1-100).
            order: `"asc"` or `"desc"`.
            cursor: start at this page (a `next_cursor` kept earlier).
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The first `Page` of `Bench`; iterating it walks every page.

        Raises:
            NotFoundError: there is no such project.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.page(_list_benches(project_id, limit, order, cursor), options)

    def put(
        self,
        project_id: str,
        script_name: str,
        *,
        config: Json,
        **options: Unpack[BodyOptions],
    ) -> Bench:
        """Create or replace the bench of a script.

        Operation `put_bench`
        (`PUT /v1/projects/{project_id}/scripts/{script_name}/bench`); needs the
        `benches:write` scope.

        Args:
            project_id: the project's id.
            script_name: the script the bench evaluates.
            config: the bench's configuration, a JSON object.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`,
                `extra_body`.

        Returns:
            The `Bench`.

        Raises:
            BadRequestError: the config is refused (the message lists the fields).
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_put(project_id, script_name, config), options)

    def list_cases(
        self,
        project_id: str,
        script_name: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Page[BenchCase]:
        """List the cases of a script's bench.

        Operation `list_bench_cases`; needs the `benches:read` scope.

        Args:
            project_id, script_name: the bench's address.
            limit: items per page (1-100).
            order: `"asc"` or `"desc"`.
            cursor: start at this page (a `next_cursor` kept earlier).
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The first `Page` of `BenchCase`; iterating it walks every page.

        Raises:
            NotFoundError: there is no such bench.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        make = _list_cases(project_id, script_name, limit, order, cursor)
        return self._t.page(make, options)

    def add_case(
        self,
        project_id: str,
        script_name: str,
        *,
        name: str,
        inputs: Json,
        expected_output: Any = NOT_GIVEN,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> BenchCase:
        """Add a case to a script's bench.

        Operation `add_bench_case`; needs the `cases:write` scope.

        Args:
            project_id, script_name: the bench's address.
            name: the case's name.
            inputs: the case's inputs, a JSON object.
            expected_output: any JSON value the run compares with (NOT_GIVEN: none).
            idempotency_key: the same key adds the case once.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`,
                `extra_body`.

        Returns:
            The new `BenchCase`.

        Raises:
            NotFoundError: there is no such bench.
            ConflictError: the key was used before with other arguments.
            Also InvalidArgumentError, BadRequestError, InsufficientScopeError,
            APIConnectionError.
        """
        call = _add_case(
            project_id, script_name, name, inputs, expected_output, idempotency_key
        )
        return self._t.request(call, options)

    def list_runs(
        self,
        project_id: str,
        script_name: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Page[BenchRun]:
        """List the runs of a script's bench.

        Operation `list_bench_runs`; needs the `runs:read` scope.

        Args:
            project_id, script_name: the bench's address.
            limit: items per page (1-100).
            order: `"asc"` or `"desc"`.
            cursor: start at this page (a `next_cursor` kept earlier).
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The first `Page` of `BenchRun`; iterating it walks every page.

        Raises:
            NotFoundError: there is no such bench.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        make = _list_runs(project_id, script_name, limit, order, cursor)
        return self._t.page(make, options)

    def trigger_run(
        self,
        project_id: str,
        script_name: str,
        *,
        channel: str,
        notes: str | None = None,
        case_ids: Iterable[str] | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> BenchRun:
        """Start a run of a script's bench: all its cases, or `case_ids`.

        Operation `trigger_bench_run`; needs the `runs:write` scope.

        ```python
        run = client.benches.trigger_run("proj_1", "triage", channel="nightly")
        ```

        Args:
            project_id, script_name: the bench's address.
            channel: what the run is for (`"nightly"`, `"pr-123"`).
            notes: free text kept with the run.
            case_ids: only these cases.
            idempotency_key: the same key starts the run once.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`,
                `extra_body`.

        Returns:
            The new `BenchRun` (follow it with `bench_runs.subscribe_run_events`).

        Raises:
            NotFoundError: there is no such bench.
            ConflictError: the key was used before with other arguments.
            Also InvalidArgumentError, BadRequestError, InsufficientScopeError,
            APIConnectionError.
        """
        call = _trigger_run(
            project_id, script_name, channel, notes, case_ids, idempotency_key
        )
        return self._t.request(call, options)


class AsyncBenches:
    """`client.benches` of an `AsyncClient`: the methods of `Benches`, awaited."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def list(
        self,
        project_id: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPage[Bench]:
        make = _list_benches(project_id, limit, order, cursor)
        return await self._t.page(make, options)

    async def put(
        self,
        project_id: str,
        script_name: str,
        *,
        config: Json,
        **options: Unpack[BodyOptions],
    ) -> Bench:
        return await self._t.request(_put(project_id, script_name, config), options)

    async def list_cases(
        self,
        project_id: str,
        script_name: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPage[BenchCase]:
        make = _list_cases(project_id, script_name, limit, order, cursor)
        return await self._t.page(make, options)

    async def add_case(
        self,
        project_id: str,
        script_name: str,
        *,
        name: str,
        inputs: Json,
        expected_output: Any = NOT_GIVEN,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> BenchCase:
        call = _add_case(
            project_id, script_name, name, inputs, expected_output, idempotency_key
        )
        return await self._t.request(call, options)

    async def list_runs(
        self,
        project_id: str,
        script_name: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPage[BenchRun]:
        make = _list_runs(project_id, script_name, limit, order, cursor)
        return await self._t.page(make, options)

    async def trigger_run(
        self,
        project_id: str,
        script_name: str,
        *,
        channel: str,
        notes: str | None = None,
        case_ids: Iterable[str] | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> BenchRun:
        call = _trigger_run(
            project_id, script_name, channel, notes, case_ids, idempotency_key
        )
        return await self._t.request(call, options)


twin_docs(AsyncBenches, Benches)
