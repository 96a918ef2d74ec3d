"""openapi.yaml, loaded once: per-operation path matchers and request validators.

Validation is strict (docs/mock.md, "How it is built"): unknown query parameters, bad
types, bad bodies and undeclared content types are all `400 validation_error` with
`field_errors`.
Validators are compiled once with jsonschema_rs (OAS 3.1 is JSON Schema 2020-12).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema_rs
import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_INT = re.compile(r"-?[0-9]+")


def default_spec_path() -> Path:
    """The spec packaged with the wheel, else the repository's (editable install)."""
    here = Path(__file__).resolve().parent
    packaged = here / "openapi.yaml"
    if packaged.is_file():
        return packaged
    return here.parents[1] / "openapi.yaml"


class RequestInvalid(Exception):
    """The request does not match the operation's declared parameters or body."""

    def __init__(self, field_errors: list[dict[str, str]]) -> None:
        super().__init__(field_errors)
        self.field_errors = field_errors


@dataclass
class Param:
    name: str
    location: str  # path | query | header
    required: bool
    kind: str  # the JSON type values are coerced to: string | integer
    validator: Any


@dataclass
class Operation:
    operation_id: str
    method: str  # upper case
    template: str
    segments: list[str | None]  # literal segment, or None for a parameter
    param_names: list[str]
    scopes: list[str]
    params: dict[tuple[str, str], Param]
    body_required: bool = False
    body_validator: Any = None
    streaming: bool = False
    header_names: dict[str, Param] = field(default_factory=dict)

    def match(self, parts: list[str]) -> dict[str, str] | None:
        """Path parameters if the decoded segments fit this template, else None."""
        if len(parts) != len(self.segments):
            return None
        values: dict[str, str] = {}
        names = iter(self.param_names)
        for literal, part in zip(self.segments, parts, strict=True):
            if literal is None:
                if part == "":
                    return None
                values[next(names)] = part
            elif literal != part:
                return None
        return values


def split_path(raw_path: bytes) -> list[str]:
    """Decoded path segments; each segment is percent-decoded on its own, so an
    encoded `/` stays inside its segment (docs/mock.md: Starlette's `{path:path}`
    does not match `%0A`)."""
    text = raw_path.decode("latin-1")
    return [unquote(part, errors="surrogateescape") for part in text.split("/")[1:]]


class Spec:
    """The operations of one openapi.yaml, ready to match and validate requests."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_spec_path()
        self.text = self.path.read_text(encoding="utf-8")
        self.document: dict[str, Any] = yaml.safe_load(self.text)
        self.operations: dict[str, Operation] = {}
        for template, item in self.document["paths"].items():
            shared = item.get("parameters", [])
            for method in METHODS:
                if method in item:
                    op = self._compile(template, method, item[method], shared)
                    self.operations[op.operation_id] = op
        self.templates: dict[str, list[Operation]] = {}
        for op in self.operations.values():
            self.templates.setdefault(op.template, []).append(op)

    def document_operation(self, operation_id: str) -> dict[str, Any]:
        """The raw openapi.yaml node of an operation (its tags, description, ...)."""
        op = self.operations[operation_id]
        node: dict[str, Any] = self.document["paths"][op.template][op.method.lower()]
        return node

    def as_json(self) -> bytes:
        return json.dumps(self.document).encode()

    def _resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def _validator(self, schema: Any) -> Any:
        # The whole components tree travels with each schema so local $refs resolve.
        wrapped = {"allOf": [schema], "components": self.document["components"]}
        return jsonschema_rs.validator_for(wrapped)

    def _compile(
        self, template: str, method: str, raw: dict[str, Any], shared: list[Any]
    ) -> Operation:
        segments: list[str | None] = []
        names: list[str] = []
        for part in template.split("/")[1:]:
            if part.startswith("{") and part.endswith("}"):
                segments.append(None)
                names.append(part[1:-1])
            else:
                segments.append(part)
        params: dict[tuple[str, str], Param] = {}
        for node in [*shared, *raw.get("parameters", [])]:
            p = self._resolve(node)
            schema = p.get("schema", {})
            resolved = self._resolve(schema)
            kind = "integer" if resolved.get("type") == "integer" else "string"
            name = p["name"].lower() if p["in"] == "header" else p["name"]
            params[(p["in"], name)] = Param(
                name=p["name"],
                location=p["in"],
                required=bool(p.get("required", False)),
                kind=kind,
                validator=self._validator(schema),
            )
        op = Operation(
            operation_id=raw["operationId"],
            method=method.upper(),
            template=template,
            segments=segments,
            param_names=names,
            scopes=list(raw.get("x-required-scopes", [])),
            params=params,
        )
        body = raw.get("requestBody")
        if body is not None:
            body = self._resolve(body)
            op.body_required = bool(body.get("required", False))
            media = body.get("content", {}).get("application/json", {})
            op.body_validator = self._validator(media.get("schema", {}))
        ok = raw.get("responses", {}).get("200", {})
        op.streaming = "text/event-stream" in self._resolve(ok).get("content", {})
        return op

    def match(self, raw_path: bytes) -> tuple[list[Operation], dict[str, str]] | None:
        """The operations of the template `raw_path` matches, with its path values."""
        parts = split_path(raw_path)
        for ops in self.templates.values():
            values = ops[0].match(parts)
            if values is not None:
                return ops, values
        return None


def _coerce(param: Param, value: str) -> Any:
    if param.kind == "integer" and _INT.fullmatch(value):
        return int(value)
    return value


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; echoed back they would break every client.
    raise ValueError(f"{name} is not valid JSON")


def _schema_errors(validator: Any, value: Any, where: str) -> list[dict[str, str]]:
    errors = []
    for error in validator.iter_errors(value):
        suffix = "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.instance_path
        )
        errors.append({"field": where + suffix, "reason": error.message})
    return errors[:20]


def validate_request(
    op: Operation,
    path_values: Mapping[str, str],
    query: list[tuple[str, str]],
    headers: Mapping[str, str],
    content_type: str | None,
    body: bytes,
) -> tuple[dict[str, Any], Any]:
    """Coerced parameters keyed by name, and the parsed body (None when absent).

    Raises RequestInvalid with every field error found.
    """
    errors: list[dict[str, str]] = []
    values: dict[str, Any] = {}

    def check(param: Param, raw: str | None, where: str) -> None:
        if raw is None:
            # Defaults are left to the handlers: `heartbeat_seconds` falls back to
            # the mock's config, not to the spec's default.
            if param.required:
                errors.append({"field": where, "reason": "is required"})
            return
        value = _coerce(param, raw)
        found = _schema_errors(param.validator, value, where)
        errors.extend(found)
        if not found:
            values[param.name] = value

    for name, raw in path_values.items():
        check(op.params[("path", name)], raw, f"path.{name}")
    seen: dict[str, str] = {}
    for name, raw in query:
        if ("query", name) not in op.params:
            errors.append({"field": f"query.{name}", "reason": "unknown parameter"})
        elif name in seen:
            errors.append({"field": f"query.{name}", "reason": "given more than once"})
        else:
            seen[name] = raw
    for (location, name), param in op.params.items():
        if location == "query":
            check(param, seen.get(name), f"query.{name}")
        elif location == "header":
            check(param, headers.get(name), f"header.{param.name}")

    parsed: Any = None
    if op.body_validator is not None:
        media = (content_type or "").split(";")[0].strip().lower()
        if not body and not media:
            if op.body_required:
                errors.append({"field": "body", "reason": "a JSON body is required"})
        elif media != "application/json":
            reason = f"content type {media or 'none'!r} is not application/json"
            errors.append({"field": "header.Content-Type", "reason": reason})
        else:
            try:
                parsed = json.loads(body, parse_constant=_reject_constant)
            except (ValueError, UnicodeDecodeError) as exc:
                errors.append({"field": "body", "reason": f"malformed JSON: {exc}"})
            else:
                errors.extend(_schema_errors(op.body_validator, parsed, "body"))
    if errors:
        raise RequestInvalid(errors)
    return values, parsed
