"""The generated models accept every value the spec allows (docs/generator.md)."""

from __future__ import annotations

from typing import Any

import pytest

from agentrail_api import models
from tests.unit._spec import SPEC, spec_lint
from tests.unit.samples import SAMPLES

SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
SENT = spec_lint.sent_schemas(SPEC)


def _allows_null(prop: dict[str, Any]) -> bool:
    """Whether a property schema admits JSON null (a 'null' type, or any value)."""
    kind = prop.get("type")
    if isinstance(kind, list) and "null" in kind:
        return True
    if any(v.get("type") == "null" for v in prop.get("anyOf", [])):
        return True
    return not ({"type", "$ref", "anyOf", "oneOf", "const"} & prop.keys())


def _nullable_fields(sent_by_server: bool) -> list[tuple[str, str]]:
    fields = []
    for name, schema in SCHEMAS.items():
        if (name in SENT) != sent_by_server:
            continue
        for prop_name, prop in (schema.get("properties") or {}).items():
            if _allows_null(prop):
                fields.append((name, prop_name))
    return fields


RESPONSE_NULLABLE = _nullable_fields(sent_by_server=True)
REQUEST_NULLABLE = _nullable_fields(sent_by_server=False)


def test_the_samples_cover_every_nullable_response_field() -> None:
    """Every nullable field of a response schema has a sample to set it to null."""
    missing = [(s, f) for s, f in RESPONSE_NULLABLE if f not in SAMPLES.get(s, {})]
    assert missing == []
    assert len(RESPONSE_NULLABLE) >= 25


@pytest.mark.parametrize(
    ("schema", "field"),
    [pytest.param(s, f, id=f"{s}.{f}") for s, f in RESPONSE_NULLABLE],
)
def test_null_is_accepted_in_every_nullable_response_field(
    schema: str, field: str
) -> None:
    """A server `null` in a nullable field parses to None and is sent back as null."""
    data = {**SAMPLES[schema], field: None}
    parsed = getattr(models, schema).from_dict(data)
    assert getattr(parsed, field) is None
    assert parsed.to_dict() == data


# The fields each request model needs besides the nullable one under test.
REQUIRED_ARGS: dict[str, dict[str, Any]] = {
    "CreateTaskRequest": {"title": "Fix it"},
    "UpdateTaskRequest": {},
    "AddBenchCaseRequest": {"name": "greets", "inputs": models.JsonObject()},
    "UpdateCaseRequest": {},
    "TriggerBenchRunRequest": {"channel": "stable"},
    "CaseEdits": {},
}


@pytest.mark.parametrize(
    ("schema", "field"),
    [pytest.param(s, f, id=f"{s}.{f}") for s, f in REQUEST_NULLABLE],
)
def test_explicit_null_in_a_request_field_is_sent(schema: str, field: str) -> None:
    """A request field set to None is sent as null, and one left out is not sent."""
    cls = getattr(models, schema)
    required = REQUIRED_ARGS[schema]
    assert cls(**required, **{field: None}).to_dict()[field] is None
    assert field not in cls(**required).to_dict()


@pytest.mark.parametrize("schema", sorted(SAMPLES))
def test_every_sample_round_trips(schema: str) -> None:
    """Each sample parses and serialises back to exactly the same JSON."""
    assert (
        getattr(models, schema).from_dict(SAMPLES[schema]).to_dict() == SAMPLES[schema]
    )
