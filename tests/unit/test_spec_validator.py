"""openapi.yaml passes a validator nobody here wrote: openapi-spec-validator (PyPI).

Our own lint (generator/spec_lint.py) checks what the generator needs; this checks the
document against the OpenAPI 3.1 schema itself, with an independent implementation.
"""

from __future__ import annotations

import copy

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from tests.unit._spec import SPEC


def test_the_spec_is_valid_openapi_3_1() -> None:
    """The committed spec validates as OpenAPI 3.1, with no error."""
    validate(SPEC)
    assert list(OpenAPIV31SpecValidator(SPEC).iter_errors()) == []


def test_the_validator_rejects_a_broken_spec() -> None:
    """The check can fail: a path parameter the path does not declare is refused."""
    broken = copy.deepcopy(SPEC)
    del broken["paths"]["/v1/tasks/{task_id}"]["get"]["parameters"]
    with pytest.raises(Exception, match="task_id"):
        validate(broken)
