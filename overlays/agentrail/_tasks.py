"""Tasks and their lifecycle events (docs/api.md, family 2): `client.tasks`.

The requests are built once, as functions returning a `Call`; `Tasks` and `AsyncTasks`
only send them. The task event stream is `client.stream_events`, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from agentrail_api.api.tasks import (
    create_task,
    get_task,
    list_task_events,
    list_tasks,
    review_task,
    ship_task,
    update_task,
)
from agentrail_api.models import (
    CreateTaskRequest,
    Metadata,
    Review,
    ReviewDecision,
    ReviewTaskRequest,
    Task,
    TaskLifecycleEvent,
    TaskLifecycleEventPage,
    TaskPage,
    TaskStatus,
    UpdateTaskRequest,
)
from agentrail_api.types import UNSET, Unset

from ._base import AsyncPage, Call, Page, build
from ._errors import InvalidArgumentError
from ._params import Order, enum, idempotency_key, metadata_model, pager
from ._validate import INT64_MAX, check_event_types, check_id, check_range, check_text

if TYPE_CHECKING:
    from ._client import AsyncClient, Client


# The requests, written once.


def _branch(value: object) -> str | None | Unset:
    if value is None or isinstance(value, str | Unset):
        return value
    raise InvalidArgumentError(
        f"branch must be a str or None, not {type(value).__name__}"
    )


def _create(
    title: str,
    branch: str | None,
    metadata: Mapping[str, str] | Metadata | None,
    key: str | None,
) -> Call[Task]:
    body = CreateTaskRequest(
        title=check_text("title", title),
        branch=UNSET if branch is None else _branch(branch),
        metadata=metadata_model(metadata),
    )
    return build(create_task, Task, body=body, idempotency_key=idempotency_key(key))


def _list(
    status: str | TaskStatus | None,
    limit: int | None,
    order: Order | None,
    cursor: str | None,
) -> Callable[[str | None], Call[TaskPage]]:
    wanted = UNSET if status is None else enum(TaskStatus, status, "status")
    return pager(
        list_tasks, TaskPage, limit=limit, order=order, cursor=cursor, status=wanted
    )


def _get(task_id: str) -> Call[Task]:
    return build(get_task, Task, check_id("task_id", task_id))


def _update(
    task_id: str,
    status: str | TaskStatus | None,
    branch: str | None | Unset,
    metadata: Mapping[str, str] | Metadata | None,
    expected_version: int | None,
) -> Call[Task]:
    task_id = check_id("task_id", task_id)
    body = UpdateTaskRequest(
        status=UNSET if status is None else enum(TaskStatus, status, "status"),
        branch=_branch(branch),
        metadata=metadata_model(metadata),
        expected_version=UNSET
        if expected_version is None
        else check_range("expected_version", expected_version, 1, INT64_MAX),
    )
    return build(update_task, Task, task_id, body=body)


def _review(
    task_id: str, decision: str | ReviewDecision, summary: str, key: str | None
) -> Call[Review]:
    task_id = check_id("task_id", task_id)
    if not isinstance(summary, str):
        raise InvalidArgumentError(
            f"summary must be a str, not {type(summary).__name__}"
        )
    body = ReviewTaskRequest(
        decision=enum(ReviewDecision, decision, "decision"), summary=summary
    )
    return build(
        review_task, Review, task_id, body=body, idempotency_key=idempotency_key(key)
    )


def _ship(task_id: str, key: str | None) -> Call[Task]:
    task_id = check_id("task_id", task_id)
    return build(ship_task, Task, task_id, idempotency_key=idempotency_key(key))


def _list_events(
    event_types: Iterable[str] | str | None,
    task_id: str | None,
    limit: int | None,
    order: Order | None,
    cursor: str | None,
) -> Callable[[str | None], Call[TaskLifecycleEventPage]]:
    return pager(
        list_task_events,
        TaskLifecycleEventPage,
        limit=limit,
        order=order,
        cursor=cursor,
        event_types=UNSET if event_types is None else check_event_types(event_types),
        task_id=UNSET if task_id is None else check_id("task_id", task_id),
    )


# The twins: they only send.


class Tasks:
    """`client.tasks`: create, list, read, update, review and ship tasks."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        *,
        title: str,
        branch: str | None = None,
        metadata: Mapping[str, str] | Metadata | None = None,
        idempotency_key: str | None = None,
    ) -> Task:
        """Create a task (`POST /v1/tasks`)."""
        return self._client._request(_create(title, branch, metadata, idempotency_key))

    def list(
        self,
        *,
        status: str | TaskStatus | None = None,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
    ) -> Page[Task]:
        """Tasks, optionally of one status; iterating the page walks every page."""
        return self._client._page(_list(status, limit, order, cursor))

    def get(self, task_id: str) -> Task:
        """Fetch a task by id."""
        return self._client._request(_get(task_id))

    def update(
        self,
        task_id: str,
        *,
        status: str | TaskStatus | None = None,
        branch: str | None | Unset = UNSET,
        metadata: Mapping[str, str] | Metadata | None = None,
        expected_version: int | None = None,
    ) -> Task:
        """Change a task; a stale `expected_version` raises `ConflictError`."""
        call = _update(task_id, status, branch, metadata, expected_version)
        return self._client._request(call)

    def review(
        self,
        task_id: str,
        *,
        decision: str | ReviewDecision,
        summary: str,
        idempotency_key: str | None = None,
    ) -> Review:
        """Record a review (`approved` or `changes_requested`) of a task."""
        call = _review(task_id, decision, summary, idempotency_key)
        return self._client._request(call)

    def ship(self, task_id: str, *, idempotency_key: str | None = None) -> Task:
        """Ship a task (202); the same key ships it once."""
        return self._client._request(_ship(task_id, idempotency_key))

    def list_events(
        self,
        *,
        event_types: Iterable[str] | str | None = None,
        task_id: str | None = None,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
    ) -> Page[TaskLifecycleEvent]:
        """Task lifecycle events, filtered like the stream; iterating walks all."""
        make = _list_events(event_types, task_id, limit, order, cursor)
        return self._client._page(make)


class AsyncTasks:
    """`client.tasks` of an `AsyncClient`."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self,
        *,
        title: str,
        branch: str | None = None,
        metadata: Mapping[str, str] | Metadata | None = None,
        idempotency_key: str | None = None,
    ) -> Task:
        """Create a task (`POST /v1/tasks`)."""
        call = _create(title, branch, metadata, idempotency_key)
        return await self._client._request(call)

    async def list(
        self,
        *,
        status: str | TaskStatus | None = None,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
    ) -> AsyncPage[Task]:
        """Tasks, optionally of one status; `async for` walks every page."""
        return await self._client._page(_list(status, limit, order, cursor))

    async def get(self, task_id: str) -> Task:
        """Fetch a task by id."""
        return await self._client._request(_get(task_id))

    async def update(
        self,
        task_id: str,
        *,
        status: str | TaskStatus | None = None,
        branch: str | None | Unset = UNSET,
        metadata: Mapping[str, str] | Metadata | None = None,
        expected_version: int | None = None,
    ) -> Task:
        """Change a task; a stale `expected_version` raises `ConflictError`."""
        call = _update(task_id, status, branch, metadata, expected_version)
        return await self._client._request(call)

    async def review(
        self,
        task_id: str,
        *,
        decision: str | ReviewDecision,
        summary: str,
        idempotency_key: str | None = None,
    ) -> Review:
        """Record a review (`approved` or `changes_requested`) of a task."""
        call = _review(task_id, decision, summary, idempotency_key)
        return await self._client._request(call)

    async def ship(self, task_id: str, *, idempotency_key: str | None = None) -> Task:
        """Ship a task (202); the same key ships it once."""
        return await self._client._request(_ship(task_id, idempotency_key))

    async def list_events(
        self,
        *,
        event_types: Iterable[str] | str | None = None,
        task_id: str | None = None,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
    ) -> AsyncPage[TaskLifecycleEvent]:
        """Task lifecycle events, filtered like the stream; `async for` walks all."""
        make = _list_events(event_types, task_id, limit, order, cursor)
        return await self._client._page(make)
