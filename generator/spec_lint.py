"""Lint openapi.yaml for what openapi-python-client 0.29.1 mishandles without a warning.

Each rule below stands for a trap in docs/generator.md or a convention of
docs/api.md; `--fail-on-warning` catches the rest at generation time. A finding
reads `<json pointer>: <what is wrong>`.

    python generator/spec_lint.py [openapi.yaml]
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from spec_doc import (
    SCHEME,
    SSE,
    Doc,
    known_scopes,
    operations,
    ptr,
    resolve,
    sent_schemas,
    stream_event_types,
    walk,
)
from spec_portability import (
    check_consts,
    check_content_schema_reach,
    check_idempotency,
    check_links,
    check_stream_examples,
)

# What the tests and generator/sync.py use; the helpers come from spec_doc.py.
__all__ = ["known_scopes", "lint", "lint_file", "resolve", "stream_event_types"]

REQUEST_TYPES = {"application/json"}
RESPONSE_TYPES = {"application/json", "text/event-stream"}
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
PARAM_STYLES = {"query": "form", "path": "simple", "header": "simple"}


def check_version(doc: Doc) -> Iterator[str]:
    # 3.2 makes the generator exit 1; 3.0 `nullable` beside `$ref` is lost (3.4).
    if not re.fullmatch(r"3\.1\.\d+", str(doc.get("openapi", ""))):
        yield f"/openapi: must be 3.1.x, got {doc.get('openapi')!r}"


def check_nullable(doc: Doc) -> Iterator[str]:
    # docs/generator.md, "nullable": write `type: [x, "null"]` or
    # `anyOf: [{$ref}, {type: "null"}]`.
    for path, node in walk(doc):
        if isinstance(node.get("nullable"), bool):
            yield f"{ptr(*path)}: `nullable` is OpenAPI 3.0; use a 'null' type (3.1)"


def check_operations(doc: Doc) -> Iterator[str]:
    seen: dict[str, str] = {}
    for route, method, op in operations(doc):
        where = ptr("paths", route, method)
        if not route.startswith("/v1/"):
            yield f"{where}: every path starts with /v1/"
        op_id = op.get("operationId", "")
        if not SNAKE.match(op_id):
            yield f"{where}: operationId {op_id!r} is not a snake_case verb"
        elif op_id in seen:
            yield f"{where}: operationId {op_id!r} repeats {seen[op_id]}"
        seen[op_id] = where
        if not str(op.get("description", "")).strip():
            yield f"{where}: no description"
        if not op.get("tags"):
            yield f"{where}: no tag"
        if not op.get("security"):
            # Only operation-level security types the client as AuthenticatedClient.
            yield f"{where}: no operation-level `security`"
        scopes = op.get("x-required-scopes")
        if not scopes or not isinstance(scopes, list):
            yield f"{where}: no `x-required-scopes`"
        else:
            for scope in scopes:
                if scope not in known_scopes(doc):
                    yield (
                        f"{where}: unknown scope {scope!r}; list it under "
                        f"components/securitySchemes/{SCHEME}/x-scopes"
                    )
        streams = any(
            SSE in (resolve(doc, r).get("content") or {})
            for r in (op.get("responses") or {}).values()
        )
        if streams != op_id.startswith("stream_"):
            yield f"{where}: stream operations, and only they, have ids stream_*"


def check_parameters(doc: Doc) -> Iterator[str]:
    # docs/generator.md, "Smaller silent behaviours": style/explode are ignored;
    # cookies warn on every httpx call.
    places = [
        (("paths", route, method, "parameters", i), p)
        for route, method, op in operations(doc)
        for i, p in enumerate(op.get("parameters") or [])
    ] + [
        (("paths", route, "parameters", i), p)
        for route, item in (doc.get("paths") or {}).items()
        for i, p in enumerate(item.get("parameters") or [])
    ]
    for path, raw in places:
        param = resolve(doc, raw)
        where = ptr(*path)
        where_in = param.get("in")
        if where_in not in PARAM_STYLES:
            yield f"{where}: parameters in {where_in!r} are not supported"
            continue
        if param.get("style", PARAM_STYLES[where_in]) != PARAM_STYLES[where_in]:
            yield f"{where}: style {param['style']!r} is ignored by the generator"
        if param.get("explode") is False:
            yield f"{where}: explode: false is ignored by the generator"
        if not str(param.get("description", "")).strip():
            yield f"{where}: no description"


def check_content(doc: Doc) -> Iterator[str]:
    # Unsupported types drop the endpoint or the status with only a warning (3.13).
    for route, method, op in operations(doc):
        body = resolve(doc, op.get("requestBody") or {})
        for ctype in body.get("content") or {}:
            if ctype not in REQUEST_TYPES:
                yield f"{ptr('paths', route, method, 'requestBody')}: type {ctype}"
        for status, raw in (op.get("responses") or {}).items():
            for ctype in resolve(doc, raw).get("content") or {}:
                if ctype not in RESPONSE_TYPES:
                    where = ptr("paths", route, method, "responses", status)
                    yield f"{where}: type {ctype}"


def check_responses(doc: Doc) -> Iterator[str]:
    # docs/generator.md, "Documented errors are returned": no `default:`, the one
    # Error body, Request-Id and Retry-After.
    error = "#/components/schemas/ErrorResponse"
    for route, method, op in operations(doc):
        for status, raw in (op.get("responses") or {}).items():
            where = ptr("paths", route, method, "responses", status)
            if not re.fullmatch(r"[1-5]\d\d", str(status)):
                yield f"{where}: list every status explicitly (no default or ranges)"
                continue
            response = resolve(doc, raw)
            headers = {name.lower() for name in response.get("headers") or {}}
            if "request-id" not in headers:
                yield f"{where}: no Request-Id header"
            if str(status) in ("429", "503") and "retry-after" not in headers:
                yield f"{where}: no Retry-After header"
            if int(status) >= 400:
                schema = (response.get("content") or {}).get("application/json", {})
                if schema.get("schema", {}).get("$ref") != error:
                    yield f"{where}: an error status must use the Error schema as JSON"
            sse = (response.get("content") or {}).get(SSE)
            if sse is not None:
                frame = resolve(doc, sse.get("schema") or {})
                data = resolve(doc, (frame.get("properties") or {}).get("data", {}))
                if frame.get("type") != "object" or data.get("type") != "string":
                    yield f"{where}: an SSE schema is a frame: an object, data a string"


def _type_const(doc: Doc, variant: Any) -> tuple[bool, bool]:
    """(has a `type` property, that property is a const) for one union variant."""
    prop = (resolve(doc, variant).get("properties") or {}).get("type")
    if prop is None:
        return False, False
    return True, "const" in resolve(doc, prop)


def _sent_by_server(path: tuple[object, ...], sent: set[str]) -> bool:
    """Whether the node at `path` describes something the server sends."""
    if path[:2] == ("components", "schemas"):
        return path[2] in sent
    return "responses" in path


def check_unions(doc: Doc) -> Iterator[str]:
    # docs/generator.md, "`discriminator` is ignored": the generator takes the first
    # variant that parses, so each variant pins `type` with const; an unknown type is
    # kept by a last catch-all, which oneOf forbids (a known event would match two
    # variants).
    # Only unions the server sends need the catch-all; a request union has none.
    sent = sent_schemas(doc)
    for path, node in walk(doc):
        for kind in ("anyOf", "oneOf"):
            variants = [
                v for v in node.get(kind) or [] if resolve(doc, v).get("type") != "null"
            ]
            tags = [_type_const(doc, v) for v in variants]
            if not any(has for has, _ in tags):
                continue
            where = ptr(*path, kind)
            for i, (has, const) in enumerate(tags):
                last = i == len(tags) - 1
                if not has:
                    yield f"{where}/{i}: every variant of an event union has `type`"
                elif not const and not (last and kind == "anyOf"):
                    yield f"{where}/{i}: `type` must be const (bar anyOf's last)"
            received = _sent_by_server(path, sent)
            if kind == "anyOf" and tags[-1][1] and received:
                yield f"{where}: an event union ends with a catch-all variant"
        if "propertyName" in (node.get("discriminator") or {}):
            yield f"{ptr(*path)}: discriminator is ignored by the generator; use const"


def check_schemas(doc: Doc) -> Iterator[str]:
    schemas = (doc.get("components") or {}).get("schemas") or {}
    for name, schema in schemas.items():
        if not str(schema.get("description", "")).strip():
            yield f"{ptr('components', 'schemas', name)}: no description"
    # additionalProperties: false silently drops unknown keys: never on responses.
    sent = sent_schemas(doc)
    for path, node in walk(doc):
        if node.get("additionalProperties") is False and _sent_by_server(path, sent):
            yield f"{ptr(*path)}: additionalProperties: false on a response schema"


def check_refs(doc: Doc) -> Iterator[str]:
    for path, node in walk(doc):
        if isinstance(node.get("$ref"), str):
            try:
                resolve(doc, node)
            except (KeyError, TypeError, ValueError):
                yield f"{ptr(*path)}: $ref {node['$ref']!r} does not resolve"


RULES = (
    check_version,
    check_nullable,
    check_operations,
    check_parameters,
    check_content,
    check_responses,
    check_unions,
    check_schemas,
    check_consts,
    check_stream_examples,
    check_links,
    check_content_schema_reach,
    check_idempotency,
)


def lint(doc: Doc) -> list[str]:
    """Every finding for a parsed spec, in rule order."""
    dangling = list(check_refs(doc))
    if dangling:  # every other rule follows $refs
        return dangling
    return [finding for rule in RULES for finding in rule(doc)]


def lint_file(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    return [f"{path.name}:{finding}" for finding in lint(doc)]


if __name__ == "__main__":
    spec = Path(sys.argv[1] if len(sys.argv) > 1 else "openapi.yaml")
    found = lint_file(spec)
    print("\n".join(found) or f"{spec}: no findings")
    sys.exit(1 if found else 0)
