"""A project's benches, cases and runs (docs/api.md, family 4): `client.benches`.

The calls keyed on a global id (runs, cases, executions) are `client.bench_runs`, in
`_bench_runs`. The requests are built once, as functions returning a `Call`; `Benches`
and `AsyncBenches` only send them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

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
from ._errors import InvalidArgumentError
from ._params import Json, Order, any_json, idempotency_key, model, pager
from ._validate import check_id, check_script, check_text

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

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
        expected_output=any_json("expected_output", expected_output),
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

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(
        self,
        project_id: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
    ) -> Page[Bench]:
        """The project's benches; iterating the page walks every page."""
        return self._client._page(_list_benches(project_id, limit, order, cursor))

    def put(self, project_id: str, script_name: str, *, config: Json) -> Bench:
        """Create or replace the bench of a script."""
        return self._client._request(_put(project_id, script_name, config))

    def list_cases(
        self,
        project_id: str,
        script_name: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
    ) -> Page[BenchCase]:
        """The cases of a script's bench; iterating the page walks every page."""
        make = _list_cases(project_id, script_name, limit, order, cursor)
        return self._client._page(make)

    def add_case(
        self,
        project_id: str,
        script_name: str,
        *,
        name: str,
        inputs: Json,
        expected_output: Any = UNSET,
        idempotency_key: str | None = None,
    ) -> BenchCase:
        """Add a case to a script's bench."""
        call = _add_case(
            project_id, script_name, name, inputs, expected_output, idempotency_key
        )
        return self._client._request(call)

    def list_runs(
        self,
        project_id: str,
        script_name: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
    ) -> Page[BenchRun]:
        """The runs of a script's bench; iterating the page walks every page."""
        make = _list_runs(project_id, script_name, limit, order, cursor)
        return self._client._page(make)

    def trigger_run(
        self,
        project_id: str,
        script_name: str,
        *,
        channel: str,
        notes: str | None = None,
        case_ids: Iterable[str] | None = None,
        idempotency_key: str | None = None,
    ) -> BenchRun:
        """Start a run of a script's bench (all cases, or `case_ids`)."""
        call = _trigger_run(
            project_id, script_name, channel, notes, case_ids, idempotency_key
        )
        return self._client._request(call)


class AsyncBenches:
    """`client.benches` of an `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(
        self,
        project_id: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
    ) -> AsyncPage[Bench]:
        """The project's benches; `async for` walks every page."""
        make = _list_benches(project_id, limit, order, cursor)
        return await self._client._page(make)

    async def put(self, project_id: str, script_name: str, *, config: Json) -> Bench:
        """Create or replace the bench of a script."""
        return await self._client._request(_put(project_id, script_name, config))

    async def list_cases(
        self,
        project_id: str,
        script_name: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
    ) -> AsyncPage[BenchCase]:
        """The cases of a script's bench; `async for` walks every page."""
        make = _list_cases(project_id, script_name, limit, order, cursor)
        return await self._client._page(make)

    async def add_case(
        self,
        project_id: str,
        script_name: str,
        *,
        name: str,
        inputs: Json,
        expected_output: Any = UNSET,
        idempotency_key: str | None = None,
    ) -> BenchCase:
        """Add a case to a script's bench."""
        call = _add_case(
            project_id, script_name, name, inputs, expected_output, idempotency_key
        )
        return await self._client._request(call)

    async def list_runs(
        self,
        project_id: str,
        script_name: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
    ) -> AsyncPage[BenchRun]:
        """The runs of a script's bench; `async for` walks every page."""
        make = _list_runs(project_id, script_name, limit, order, cursor)
        return await self._client._page(make)

    async def trigger_run(
        self,
        project_id: str,
        script_name: str,
        *,
        channel: str,
        notes: str | None = None,
        case_ids: Iterable[str] | None = None,
        idempotency_key: str | None = None,
    ) -> BenchRun:
        """Start a run of a script's bench (all cases, or `case_ids`)."""
        call = _trigger_run(
            project_id, script_name, channel, notes, case_ids, idempotency_key
        )
        return await self._client._request(call)
