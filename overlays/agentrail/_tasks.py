"""Tasks and their lifecycle events (docs/api.md, family 2): `client.tasks`.

The requests are built once, as functions returning a `Call`; `Tasks` and `AsyncTasks`
only send them. The task event stream is `client.stream_events`, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Unpack

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
from ._docs import twin_docs
from ._errors import InvalidArgumentError
from ._options import BodyOptions, RequestOptions
from ._params import (
    NOT_GIVEN,
    NotGiven,
    Order,
    enum,
    given,
    idempotency_key,
    metadata_model,
    pager,
)
from ._validate import INT64_MAX, check_event_types, check_id, check_range, check_text

if TYPE_CHECKING:
    from ._transport import AsyncTransport, Transport


# The requests, written once.


def _branch(value: object) -> str | None | Unset:
    value = given(value)
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
    branch: str | None | NotGiven,
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

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def create(
        self,
        *,
        title: str,
        branch: str | None = None,
        metadata: Mapping[str, str] | Metadata | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> Task:
        """Create a task.

        Operation `create_task` (`POST /v1/tasks`); needs the `tasks:write` scope.

        Args:
            title: what the task is.
            branch: the git branch it works on, if any.
            metadata: str keys to str values, kept with the task.
            idempotency_key: the same key creates the task once, however often the
                call is retried (one is made up if you pass none).
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`,
                `extra_body` for this call.

        Returns:
            The new `Task` (status `open`, version 1).

        Raises:
            ConflictError: the key was used before with other arguments.
            Also InvalidArgumentError, BadRequestError, InsufficientScopeError,
            APIConnectionError: see `Tasks`.
        """
        call = _create(title, branch, metadata, idempotency_key)
        return self._t.request(call, options)

    def list(
        self,
        *,
        status: str | TaskStatus | None = None,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Page[Task]:
        """List tasks, optionally of one status.

        Operation `list_tasks` (`GET /v1/tasks`); needs the `tasks:read` scope.

        Args:
            status: only tasks with this `TaskStatus`.
            limit: items per page (1-100).
            order: `"asc"` or `"desc"` by creation.
            cursor: start at this page (a `next_cursor` kept earlier).
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The first `Page`; iterating it walks every page.

        Raises:
            CursorExpiredError: the cursor is too old.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.page(_list(status, limit, order, cursor), options)

    def get(self, task_id: str, **options: Unpack[RequestOptions]) -> Task:
        """Fetch a task by id.

        Operation `get_task` (`GET /v1/tasks/{task_id}`); needs the `tasks:read` scope.

        Args:
            task_id: the task's id.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The `Task`.

        Raises:
            NotFoundError: there is no such task.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_get(task_id), options)

    def update(
        self,
        task_id: str,
        *,
        status: str | TaskStatus | None = None,
        branch: str | None | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | Metadata | None = None,
        expected_version: int | None = None,
        **options: Unpack[BodyOptions],
    ) -> Task:
        """Change the given fields of a task; the others stay.

        Operation `update_task` (`PATCH /v1/tasks/{task_id}`); needs the
        `tasks:write` scope.

        Args:
            task_id: the task's id.
            status: the new `TaskStatus`.
            branch: the new branch; None clears it, NOT_GIVEN leaves it.
            metadata: replaces the task's metadata.
            expected_version: apply only if the task is at this version.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`,
                `extra_body`.

        Returns:
            The `Task` as changed (its version one higher).

        Raises:
            ConflictError: `expected_version` is stale.
            NotFoundError: there is no such task.
            BadRequestError: nothing to change, or a field is invalid.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        call = _update(task_id, status, branch, metadata, expected_version)
        return self._t.request(call, options)

    def review(
        self,
        task_id: str,
        *,
        decision: str | ReviewDecision,
        summary: str,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> Review:
        """Record a review of a task.

        Operation `review_task` (`POST /v1/tasks/{task_id}/reviews`); needs the
        `reviews:write` scope.

        Args:
            task_id: the task's id.
            decision: `"approved"` or `"changes_requested"` (`ReviewDecision`).
            summary: what the reviewer says.
            idempotency_key: the same key records the review once.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`,
                `extra_body`.

        Returns:
            The `Review`.

        Raises:
            NotFoundError: there is no such task.
            ConflictError: the task cannot be reviewed now, or the key was reused.
            Also InvalidArgumentError, BadRequestError, InsufficientScopeError,
            APIConnectionError.
        """
        call = _review(task_id, decision, summary, idempotency_key)
        return self._t.request(call, options)

    def ship(
        self,
        task_id: str,
        *,
        idempotency_key: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Task:
        """Ship a task (the server answers 202 and ships it).

        Operation `ship_task` (`POST /v1/tasks/{task_id}/ship`); needs the
        `ship:write` scope.

        Args:
            task_id: the task's id.
            idempotency_key: the same key ships the task once.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The `Task` as it stands.

        Raises:
            NotFoundError: there is no such task.
            ConflictError: the task cannot be shipped now.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        return self._t.request(_ship(task_id, idempotency_key), options)

    def list_events(
        self,
        *,
        event_types: Iterable[str] | str | None = None,
        task_id: str | None = None,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Page[TaskLifecycleEvent]:
        """List task lifecycle events, filtered like the stream.

        Operation `list_task_events` (`GET /v1/task-events`); needs the
        `events:read` scope.

        Args:
            event_types: only these types (`TaskEventType` values).
            task_id: only this task's events.
            limit, order, cursor: paging, as in `list`.
            **options: `timeout`, `max_retries`, `extra_headers`, `extra_query`.

        Returns:
            The first `Page`; iterating it walks every page.

        Raises:
            CursorExpiredError: the cursor is too old.
            Also InvalidArgumentError, InsufficientScopeError, APIConnectionError.
        """
        make = _list_events(event_types, task_id, limit, order, cursor)
        return self._t.page(make, options)


class AsyncTasks:
    """`client.tasks` of an `AsyncClient`: the methods of `Tasks`, awaited."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._t = transport

    async def create(
        self,
        *,
        title: str,
        branch: str | None = None,
        metadata: Mapping[str, str] | Metadata | None = None,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> Task:
        call = _create(title, branch, metadata, idempotency_key)
        return await self._t.request(call, options)

    async def list(
        self,
        *,
        status: str | TaskStatus | None = None,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPage[Task]:
        return await self._t.page(_list(status, limit, order, cursor), options)

    async def get(self, task_id: str, **options: Unpack[RequestOptions]) -> Task:
        return await self._t.request(_get(task_id), options)

    async def update(
        self,
        task_id: str,
        *,
        status: str | TaskStatus | None = None,
        branch: str | None | NotGiven = NOT_GIVEN,
        metadata: Mapping[str, str] | Metadata | None = None,
        expected_version: int | None = None,
        **options: Unpack[BodyOptions],
    ) -> Task:
        call = _update(task_id, status, branch, metadata, expected_version)
        return await self._t.request(call, options)

    async def review(
        self,
        task_id: str,
        *,
        decision: str | ReviewDecision,
        summary: str,
        idempotency_key: str | None = None,
        **options: Unpack[BodyOptions],
    ) -> Review:
        call = _review(task_id, decision, summary, idempotency_key)
        return await self._t.request(call, options)

    async def ship(
        self,
        task_id: str,
        *,
        idempotency_key: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> Task:
        return await self._t.request(_ship(task_id, idempotency_key), options)

    async def list_events(
        self,
        *,
        event_types: Iterable[str] | str | None = None,
        task_id: str | None = None,
        limit: int | None = None,
        order: Order | None = None,
        cursor: str | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPage[TaskLifecycleEvent]:
        make = _list_events(event_types, task_id, limit, order, cursor)
        return await self._t.page(make, options)


twin_docs(AsyncTasks, Tasks)
