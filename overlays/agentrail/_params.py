"""Plain Python arguments turned into what the generated `_get_kwargs` functions take.

Shared by the method groups (`_sessions`, `_tasks`, `_benches`): request models built
from dicts (or passed through when already built), list parameters, enum values and
idempotency keys, each checked before any request is sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from types import ModuleType
from typing import Any, TypeVar, cast

from agentrail_api.models import JsonObject, ListOrder, Metadata
from agentrail_api.types import UNSET, Unset

from ._base import Call, build, new_idempotency_key
from ._errors import InvalidArgumentError
from ._validate import check_cursor, check_range

M = TypeVar("M")

Order = str | ListOrder
"""A list order: `"asc"`, `"desc"` or the generated `ListOrder`."""
Json = Mapping[str, Any] | JsonObject
"""A free-form JSON object: a dict or the generated `JsonObject`."""
E = TypeVar("E", bound=StrEnum)


class NotGiven:
    """The default of an argument that may also be None: "leave it as it is".

    `update(task_id, branch=None)` clears the branch; `update(task_id)` keeps it.
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN = NotGiven()


def given(value: Any) -> Any:
    """`value`, or the generated client's UNSET for NOT_GIVEN (left out of the body)."""
    return UNSET if isinstance(value, NotGiven) else value


# openapi.yaml `components/parameters/IdempotencyKey`.
_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,255}")


def check_json(name: str, value: object) -> None:
    """Refuse what `json.dumps` would reject or silently change on the way out."""
    try:
        # NaN and infinities are not JSON (RFC 8259 sec. 6); cycles, other types.
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidArgumentError(f"{name} is not JSON: {exc}") from None
    stack = [value]
    while stack:  # acyclic now: dumps refuses cycles
        item = stack.pop()
        if isinstance(item, dict):
            if not all(isinstance(key, str) for key in item):
                # dumps would turn 1 into "1" without a word.
                raise InvalidArgumentError(f"{name} has a key that is not a str")
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def model(cls: type[M], value: object, name: str) -> M:
    """`value` as the generated model `cls`: an instance as is, a dict via from_dict."""
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            f"{name} must be a dict or {cls.__name__}, not {type(value).__name__}"
        )
    check_json(name, dict(value))
    try:
        built: M = cast(Any, cls).from_dict(dict(value))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # from_dict raises KeyError for a missing field, ValueError for a wrong const.
        raise InvalidArgumentError(
            f"{name} is not a valid {cls.__name__}: {type(exc).__name__}: {exc}"
        ) from None
    return built


def any_json(name: str, value: object) -> Any:
    """A field that takes any JSON value (`expected_output`), or UNSET."""
    if not isinstance(value, Unset):
        check_json(name, value)
    return value


def metadata_model(value: object) -> Metadata | Unset:
    """`metadata`: str keys to str values (openapi.yaml `Metadata`), or left out."""
    if isinstance(value, Mapping) and not all(
        isinstance(v, str) for v in value.values()
    ):
        raise InvalidArgumentError("metadata values must be str")
    return optional_model(Metadata, value, "metadata")


def optional_model(cls: type[M], value: object, name: str) -> M | Unset:
    """Like `model`, with None (or UNSET) meaning "leave the field out"."""
    if value is None or isinstance(value, Unset):
        return UNSET
    return model(cls, value, name)


def enum(cls: type[E], value: object, name: str) -> E:
    """`value` as the (open) generated enum `cls`; a non-string is refused here."""
    if isinstance(value, cls):
        return value
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a str, not {type(value).__name__}")
    return cls(value)


def list_params(
    *, limit: int | None, order: str | ListOrder | None, cursor: str | None
) -> dict[str, Any]:
    """The `limit`, `order` and `cursor` keyword arguments of a list operation."""
    return {
        "limit": UNSET if limit is None else check_range("limit", limit, 1, 100),
        "order": UNSET if order is None else enum(ListOrder, order, "order"),
        "cursor": UNSET if cursor is None else check_cursor("cursor", cursor),
    }


def idempotency_key(value: str | None) -> str:
    """The caller's key, checked, or a new one: built once per logical call."""
    if value is None:
        return new_idempotency_key()
    if not isinstance(value, str) or _IDEMPOTENCY_KEY.fullmatch(value) is None:
        raise InvalidArgumentError(
            f"idempotency_key must match {_IDEMPOTENCY_KEY.pattern}, not {value!r:.80}"
        )
    return value


def pager(
    module: ModuleType,
    expected: type[M],
    /,
    *args: Any,
    limit: int | None,
    order: str | ListOrder | None,
    cursor: str | None,
    instead: Mapping[int, Callable[[], M]] | None = None,
    **filters: Any,
) -> Callable[[str | None], Call[M]]:
    """`make(cursor)` for `Client._page`: the first page's call, then the next ones'."""
    params = {**filters, **list_params(limit=limit, order=order, cursor=cursor)}

    def make(next_cursor: str | None) -> Call[M]:
        page = params if next_cursor is None else {**params, "cursor": next_cursor}
        return build(module, expected, *args, instead=instead, **page)

    return make
