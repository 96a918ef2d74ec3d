"""generator/spec_lint.py: openapi.yaml is clean, and every rule catches its trap."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.unit._spec import ROOT, spec_lint

Doc = dict[str, Any]
Mutation = Callable[[Doc], None]

THING = "/v1/things/{thing_id}"
EVENTS = "/v1/thing-events"
GET = "/paths/~1v1~1things~1{thing_id}/get"
STREAM = "/paths/~1v1~1thing-events/get"
SCHEMAS = "/components/schemas"
SSE = "text/event-stream"


def _ref(name: str) -> Doc:
    return {"$ref": f"#/components/schemas/{name}"}


def _headers(*, retry_after: bool = False) -> Doc:
    names = ["Request-Id", "Retry-After"] if retry_after else ["Request-Id"]
    return {
        n: {"description": "A header.", "schema": {"type": "string"}} for n in names
    }


def _response(schema: Doc, ctype: str = "application/json", **headers: bool) -> Doc:
    return {
        "description": "A response.",
        "headers": _headers(**headers),
        "content": {ctype: {"schema": schema}},
    }


def _operation(op_id: str, responses: Doc, parameters: list[Doc]) -> Doc:
    return {
        "operationId": op_id,
        "description": "Does one thing.",
        "tags": ["things"],
        "security": [{"bearerAuth": []}],
        "x-required-scopes": ["admin"],
        "parameters": parameters,
        "responses": {
            **responses,
            "429": _response(_ref("ErrorResponse"), retry_after=True),
        },
    }


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "description": "A unique key for this request.",
    "schema": {"type": "string"},
}
# One frame per event type of the stream (the lint wants an example of each).
STREAM_EXAMPLES = {
    kind: {
        "summary": f"One {kind} frame.",
        "value": f'id: e1\nevent: {kind}\ndata: {{"type": "{kind}"}}\n\n',
    }
    for kind in ("thing.created", "thing.deleted")
}


def _create(body: Doc | None = None) -> Doc:
    """`POST /v1/things`: creates work, so it takes Idempotency-Key, and links on."""
    created = _response(_ref("Thing"))
    created["links"] = {
        "GetThing": {
            "operationId": "get_thing",
            "parameters": {"thing_id": "$response.body#/id"},
        }
    }
    conflict = _response(_ref("ErrorResponse"))
    create = _operation(
        "create_thing", {"201": created, "409": conflict}, [IDEMPOTENCY_KEY]
    )
    if body is not None:
        create["requestBody"] = {"required": True, "content": body}
    return create


def _event(type_schema: Doc) -> Doc:
    return {
        "type": "object",
        "description": "An event.",
        "required": ["type"],
        "properties": {"type": type_schema},
    }


def _valid_spec() -> Doc:
    """A small 3.1 spec that follows every rule: one JSON and one SSE operation."""
    thing_id = {
        "name": "thing_id",
        "in": "path",
        "required": True,
        "description": "The thing's id.",
        "schema": {"type": "string"},
    }
    frame_data = {
        "type": "string",
        "description": "The event as JSON.",
        "contentMediaType": "application/json",
        "contentSchema": _ref("ThingEvent"),
    }
    stream = _response(_ref("ThingFrame"), "text/event-stream")
    stream["content"]["text/event-stream"]["examples"] = copy.deepcopy(STREAM_EXAMPLES)
    return {
        "openapi": "3.1.0",
        "info": {"title": "things", "version": "1.0.0"},
        "security": [{"bearerAuth": []}],
        "paths": {
            "/v1/things": {"post": _create()},
            THING: {
                "get": _operation(
                    "get_thing", {"200": _response(_ref("Thing"))}, [thing_id]
                )
            },
            EVENTS: {
                "get": _operation(
                    "stream_things",
                    {"200": stream},
                    [],
                )
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "x-scopes": {"admin": "Everything."},
                }
            },
            "schemas": {
                "ErrorResponse": {
                    "type": "object",
                    "description": "The one error body.",
                    "properties": {"code": {"type": "string"}},
                },
                "Thing": {
                    "type": "object",
                    "description": "A thing.",
                    # Reached from a response, not only through contentSchema.
                    "properties": {
                        "name": {"type": "string"},
                        "last_event": _ref("ThingEvent"),
                    },
                },
                "ThingFrame": {
                    "type": "object",
                    "description": "One Server-Sent Event.",
                    "properties": {"data": frame_data},
                },
                "ThingEvent": {
                    "description": "A thing event, told apart by `type`.",
                    "anyOf": [
                        _ref("ThingCreated"),
                        _ref("ThingDeleted"),
                        _ref("UnknownThingEvent"),
                    ],
                },
                "ThingCreated": _event({"type": "string", "const": "thing.created"}),
                "ThingDeleted": _event({"type": "string", "const": "thing.deleted"}),
                "UnknownThingEvent": _event({"type": "string"}),
            },
        },
    }


def _at(node: Any, keys: tuple[str | int, ...]) -> Any:
    for key in keys:
        node = node[key]
    return node


def _set(*keys: str | int, value: Any) -> Mutation:
    def mutate(doc: Doc) -> None:
        _at(doc, keys[:-1])[keys[-1]] = value

    return mutate


def _drop(*keys: str | int) -> Mutation:
    def mutate(doc: Doc) -> None:
        del _at(doc, keys[:-1])[keys[-1]]

    return mutate


def _add_param(**param: Any) -> Mutation:
    def mutate(doc: Doc) -> None:
        query = {"name": "q", "in": "query", "description": "A filter.", **param}
        doc["paths"][THING]["get"]["parameters"].append(query)

    return mutate


def _add_create(body: Doc, request_schemas: Doc) -> Mutation:
    """Add `POST /v1/things` taking `body` and the request-only `request_schemas`."""

    def mutate(doc: Doc) -> None:
        doc["paths"]["/v1/things"] = {"post": _create(body)}
        doc["components"]["schemas"].update(request_schemas)

    return mutate


def _rename_path(doc: Doc) -> None:
    doc["paths"]["/things/{thing_id}"] = doc["paths"].pop(THING)


def _repeat_operation_id(doc: Doc) -> None:
    item = doc["paths"][THING]
    item["put"] = {**item["get"]}


def _mark_nullable(doc: Doc) -> None:
    doc["components"]["schemas"]["Thing"]["properties"]["name"]["nullable"] = True


def _add_ranged_status(status: str) -> Mutation:
    def mutate(doc: Doc) -> None:
        responses = doc["paths"][THING]["get"]["responses"]
        responses[status] = _response(_ref("ErrorResponse"))

    return mutate


def _add_503_without_retry_after(doc: Doc) -> None:
    doc["paths"][THING]["get"]["responses"]["503"] = _response(_ref("ErrorResponse"))


def _add_404_with_thing(doc: Doc) -> None:
    doc["paths"][THING]["get"]["responses"]["404"] = _response(_ref("Thing"))


def _to_ndjson(doc: Doc) -> None:
    response = doc["paths"][EVENTS]["get"]["responses"]["200"]
    response["content"] = {"application/x-ndjson": {"schema": _ref("Thing")}}


def _drop_catch_all(doc: Doc) -> None:
    doc["components"]["schemas"]["ThingEvent"]["anyOf"].pop()


def _union_to_one_of(doc: Doc) -> None:
    union = doc["components"]["schemas"]["ThingEvent"]
    union["oneOf"] = union.pop("anyOf")


def _request_union() -> Mutation:
    """A request-only event union without a catch-all, as `send_session_events` has."""
    return _add_create(
        {"application/json": {"schema": _ref("OutgoingThingEvent")}},
        {
            "OutgoingThingEvent": {
                "description": "An event a client sends.",
                "anyOf": [_ref("ThingCreated"), _ref("ThingDeleted")],
            }
        },
    )


def _request_closed_schema() -> Mutation:
    """A request-only schema that refuses unknown keys."""
    return _add_create(
        {"application/json": {"schema": _ref("CreateThingRequest")}},
        {
            "CreateThingRequest": {
                "type": "object",
                "description": "The body of `create_thing`.",
                "additionalProperties": False,
                "properties": {"name": {"type": "string"}},
            }
        },
    )


def _dangling_ref(doc: Doc) -> None:
    doc["paths"][THING]["get"]["responses"]["200"] = _response(_ref("Nope"))


def _path_level_cookie(doc: Doc) -> None:
    cookie = {"name": "c", "in": "cookie", "description": "A cookie."}
    doc["paths"][THING]["parameters"] = [cookie]


def _inline_closed_response(doc: Doc) -> None:
    closed = {"type": "object", "additionalProperties": False}
    doc["paths"][THING]["get"]["responses"]["200"] = _response(closed)


def _inline_request_union(doc: Doc) -> None:
    """A union written inline in a requestBody, without a catch-all."""
    union = {"anyOf": [_ref("ThingCreated"), _ref("ThingDeleted")]}
    _add_create({"application/json": {"schema": union}}, {})(doc)


def _property_named_nullable(doc: Doc) -> None:
    props = doc["components"]["schemas"]["Thing"]["properties"]
    props["nullable"] = {"type": "boolean", "description": "Whether it may be null."}
    props["discriminator"] = {
        "type": "string",
        "description": "A field, not a keyword.",
    }


def _drop_stream_examples(doc: Doc) -> None:
    del doc["paths"][EVENTS]["get"]["responses"]["200"]["content"][SSE]["examples"]


def _drop_one_example(doc: Doc) -> None:
    del doc["paths"][EVENTS]["get"]["responses"]["200"]["content"][SSE]["examples"][
        "thing.deleted"
    ]


def _example_not_frames(doc: Doc) -> None:
    examples = doc["paths"][EVENTS]["get"]["responses"]["200"]["content"][SSE]
    examples["examples"]["thing.created"]["value"] = {"type": "thing.created"}


def _drop_link(doc: Doc) -> None:
    del doc["paths"]["/v1/things"]["post"]["responses"]["201"]["links"]


def _link_with_wrong_parameter(doc: Doc) -> None:
    link = doc["paths"]["/v1/things"]["post"]["responses"]["201"]["links"]["GetThing"]
    link["parameters"] = {"id": "$response.body#/id"}


def _only_in_content_schema(doc: Doc) -> None:
    schemas = doc["components"]["schemas"]
    schemas["ThingPayload"] = {"type": "object", "description": "Only in a frame."}
    schemas["ThingFrame"]["properties"]["data"]["contentSchema"] = _ref("ThingPayload")


def _post_without_key(doc: Doc) -> None:
    doc["paths"]["/v1/things"]["post"]["parameters"] = []


def _get_with_key(doc: Doc) -> None:
    doc["paths"][THING]["get"]["parameters"].append(IDEMPOTENCY_KEY)


SSE_AT = f"{STREAM}/responses/200/content/text~1event-stream"
CREATE = "/paths/~1v1~1things/post"
MUTATIONS = [
    pytest.param(
        _set(
            "components",
            "schemas",
            "ThingCreated",
            "properties",
            "type",
            value={"const": "thing.created"},
        ),
        f"{SCHEMAS}/ThingCreated/properties/type: `const` without `type`; "
        "add `type: string`",
        id="const-without-type",
    ),  # fmt: skip
    pytest.param(
        _drop_stream_examples,
        f"{SSE_AT}: no `examples`; add one SSE frame per event type",
        id="stream-without-examples",
    ),
    pytest.param(
        _drop_one_example,
        f"{SSE_AT}: no example frame with `event: thing.deleted`",
        id="stream-event-type-without-example",
    ),
    pytest.param(
        _example_not_frames,
        f"{SSE_AT}/examples/thing.created: value must be SSE frames as text",
        id="stream-example-not-text",
    ),
    pytest.param(
        _drop_link,
        f"{GET}: no link leads to get_thing",
        id="operation-without-link",
    ),
    pytest.param(
        _link_with_wrong_parameter,
        "get_thing has no parameter 'id'",
        id="link-parameter-unknown",
    ),
    pytest.param(
        _only_in_content_schema,
        f"{SCHEMAS}/ThingPayload: reached only through contentSchema",
        id="schema-only-in-content-schema",
    ),
    pytest.param(
        _post_without_key,
        f"{CREATE}: only POSTs that create work (201, 202 or 204) take "
        "Idempotency-Key; add",
        id="creating-post-without-idempotency-key",
    ),
    pytest.param(
        _get_with_key,
        f"{GET}: only POSTs that create work (201, 202 or 204) take "
        "Idempotency-Key; remove",
        id="get-with-idempotency-key",
    ),
    pytest.param(
        _dangling_ref, "'#/components/schemas/Nope' does not resolve", id="ref"
    ),
    pytest.param(
        _path_level_cookie,
        "/paths/~1v1~1things~1{thing_id}/parameters/0: parameters in 'cookie'",
        id="path-level-cookie",
    ),
    pytest.param(
        _inline_closed_response,
        f"{GET}/responses/200/content/application~1json/schema: additionalProperties",
        id="inline-response-additional-properties-false",
    ),
    pytest.param(
        _set(
            "components",
            "schemas",
            "ThingFrame",
            "properties",
            "data",
            value=_ref("Thing"),
        ),
        "an SSE schema is a frame",
        id="sse-data-not-a-string",
    ),  # fmt: skip
    pytest.param(_set("openapi", value="3.0.3"), "must be 3.1.x", id="openapi-3.0"),
    pytest.param(_set("openapi", value="3.2.0"), "must be 3.1.x", id="openapi-3.2"),
    pytest.param(
        _mark_nullable,
        f"{SCHEMAS}/Thing/properties/name: `nullable` is OpenAPI 3.0",
        id="nullable",
    ),
    pytest.param(_rename_path, "every path starts with /v1/", id="path-not-v1"),
    pytest.param(
        _set("paths", THING, "get", "operationId", value="getThing"),
        f"{GET}: operationId 'getThing' is not a snake_case verb",
        id="operation-id-camel-case",
    ),
    pytest.param(
        _repeat_operation_id,
        f"operationId 'get_thing' repeats {GET}",
        id="operation-id-repeated",
    ),
    pytest.param(
        _drop("paths", THING, "get", "description"),
        f"{GET}: no description",
        id="operation-without-description",
    ),
    pytest.param(_drop("paths", THING, "get", "tags"), f"{GET}: no tag", id="no-tags"),
    pytest.param(
        _drop("paths", THING, "get", "security"),
        f"{GET}: no operation-level `security`",
        id="no-operation-security",
    ),
    pytest.param(
        _drop("paths", THING, "get", "x-required-scopes"),
        f"{GET}: no `x-required-scopes`",
        id="no-required-scopes",
    ),
    pytest.param(
        _set("paths", THING, "get", "x-required-scopes", value=["things:read"]),
        f"{GET}: unknown scope 'things:read'",
        id="unknown-scope",
    ),
    pytest.param(
        _set("paths", EVENTS, "get", "operationId", value="list_thing_events"),
        f"{STREAM}: stream operations, and only they, have ids stream_*",
        id="sse-id-without-stream-prefix",
    ),
    pytest.param(
        _set("paths", THING, "get", "operationId", value="stream_thing"),
        f"{GET}: stream operations, and only they, have ids stream_*",
        id="stream-prefix-without-sse",
    ),
    pytest.param(
        _add_param(**{"in": "cookie"}),
        f"{GET}/parameters/1: parameters in 'cookie' are not supported",
        id="cookie-parameter",
    ),
    pytest.param(
        _add_param(style="deepObject"),
        f"{GET}/parameters/1: style 'deepObject' is ignored",
        id="style-deep-object",
    ),
    pytest.param(
        _add_param(explode=False),
        f"{GET}/parameters/1: explode: false is ignored",
        id="explode-false",
    ),
    pytest.param(
        _drop("paths", THING, "get", "parameters", 0, "description"),
        f"{GET}/parameters/0: no description",
        id="parameter-without-description",
    ),
    pytest.param(
        _add_create({"text/plain": {"schema": {"type": "string"}}}, {}),
        "/paths/~1v1~1things/post/requestBody: type text/plain",
        id="request-text-plain",
    ),
    pytest.param(
        _to_ndjson,
        f"{STREAM}/responses/200: type application/x-ndjson",
        id="response-ndjson",
    ),
    pytest.param(
        _add_ranged_status("default"),
        f"{GET}/responses/default: list every status explicitly",
        id="default-response",
    ),
    pytest.param(
        _add_ranged_status("2XX"),
        f"{GET}/responses/2XX: list every status explicitly",
        id="range-response",
    ),
    pytest.param(
        _drop("paths", THING, "get", "responses", "200", "headers", "Request-Id"),
        f"{GET}/responses/200: no Request-Id header",
        id="no-request-id",
    ),
    pytest.param(
        _drop("paths", THING, "get", "responses", "429", "headers", "Retry-After"),
        f"{GET}/responses/429: no Retry-After header",
        id="429-without-retry-after",
    ),
    pytest.param(
        _add_503_without_retry_after,
        f"{GET}/responses/503: no Retry-After header",
        id="503-without-retry-after",
    ),
    pytest.param(
        _add_404_with_thing,
        f"{GET}/responses/404: an error status must use the Error schema",
        id="error-without-error-schema",
    ),
    pytest.param(
        _set(
            "components",
            "schemas",
            "ThingFrame",
            value={"type": "string", "description": "A frame."},
        ),
        f"{STREAM}/responses/200: an SSE schema is a frame",
        id="sse-schema-string",
    ),
    pytest.param(
        _set(
            "components",
            "schemas",
            "ThingCreated",
            "properties",
            "type",
            value={"type": "string"},
        ),
        f"{SCHEMAS}/ThingEvent/anyOf/0: `type` must be const",
        id="union-variant-type-not-const",
    ),
    pytest.param(
        _drop("components", "schemas", "UnknownThingEvent", "properties", "type"),
        f"{SCHEMAS}/ThingEvent/anyOf/2: every variant of an event union has `type`",
        id="union-variant-without-type",
    ),
    pytest.param(
        _union_to_one_of,
        f"{SCHEMAS}/ThingEvent/oneOf/2: `type` must be const",
        id="one-of-with-catch-all",
    ),
    pytest.param(
        _drop_catch_all,
        f"{SCHEMAS}/ThingEvent/anyOf: an event union ends with a catch-all",
        id="response-union-without-catch-all",
    ),
    pytest.param(
        _set(
            "components",
            "schemas",
            "ThingEvent",
            "discriminator",
            value={"propertyName": "type"},
        ),
        f"{SCHEMAS}/ThingEvent: discriminator is ignored",
        id="discriminator",
    ),
    pytest.param(
        _drop("components", "schemas", "Thing", "description"),
        f"{SCHEMAS}/Thing: no description",
        id="schema-without-description",
    ),
    pytest.param(
        _set("components", "schemas", "Thing", "additionalProperties", value=False),
        f"{SCHEMAS}/Thing: additionalProperties: false on a response schema",
        id="response-additional-properties-false",
    ),
]


VALID = _valid_spec()


def test_the_repository_spec_has_no_findings() -> None:
    """The committed openapi.yaml passes every rule."""
    assert spec_lint.lint_file(ROOT / "openapi.yaml") == []


def test_the_minimal_spec_has_no_findings() -> None:
    """The minimal spec the mutations start from passes every rule."""
    assert spec_lint.lint(VALID) == []


@pytest.mark.parametrize(("mutate", "expected"), MUTATIONS)
def test_each_rule_reports_its_trap(mutate: Mutation, expected: str) -> None:
    """Each mutation of the minimal spec yields a finding that names the trap."""
    doc = copy.deepcopy(VALID)
    mutate(doc)
    findings = spec_lint.lint(doc)
    assert [f for f in findings if expected in f], findings


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(_request_union(), id="request-union-without-catch-all"),
        pytest.param(_request_closed_schema(), id="request-additional-properties"),
        pytest.param(_inline_request_union, id="inline-request-union"),
        pytest.param(_property_named_nullable, id="properties-named-like-keywords"),
    ],
)
def test_request_only_schemas_are_exempt(mutate: Mutation) -> None:
    """What only a request uses needs no catch-all; keyword-like names are fields."""
    doc = copy.deepcopy(VALID)
    mutate(doc)
    assert spec_lint.lint(doc) == []


def test_a_priming_block_in_a_stream_example_is_no_event() -> None:
    """A data-less block (a stream's priming `id:`) dispatches nothing (WHATWG
    9.2.6): it neither names an event type nor needs JSON data."""
    doc = copy.deepcopy(VALID)
    media = doc["paths"][EVENTS]["get"]["responses"]["200"]["content"][SSE]
    for example in media["examples"].values():
        example["value"] = "id: e0\n\n" + example["value"]
    assert spec_lint.lint(doc) == []
