"""Lint openapi.yaml for what openapi-python-client 0.29.1 mishandles without a warning.

Each rule below stands for a trap in docs/generator.md or a convention of
docs/api.md; `--fail-on-warning` catches the rest at generation time. A finding
reads `<json pointer>: <what is wrong>`.

    python generator/spec_lint.py [openapi.yaml]
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]

METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
SCHEME = "bearerAuth"  # the security scheme whose `x-scopes` list the scopes
REQUEST_TYPES = {"application/json"}
RESPONSE_TYPES = {"application/json", "text/event-stream"}
SSE = "text/event-stream"
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
PARAM_STYLES = {"query": "form", "path": "simple", "header": "simple"}


def _ptr(*parts: object) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def resolve(doc: Doc, node: Any) -> Any:
    """Follow local `$ref`s (`#/components/...`) until a node without one."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or seen > 32:
            raise ValueError(f"unsupported $ref {ref!r}")
        node = doc
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
    return node


def walk(
    node: Any, path: tuple[object, ...] = ()
) -> Iterator[tuple[tuple[object, ...], Any]]:
    """Every mapping in the document with its path."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, (*path, i))


def operations(doc: Doc) -> Iterator[tuple[str, str, Doc]]:
    for route, item in (doc.get("paths") or {}).items():
        for method in METHODS:
            if method in item:
                yield route, method, item[method]


def known_scopes(doc: Doc) -> set[str]:
    """The scopes the spec declares (`x-scopes` of its bearer scheme)."""
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    return set((schemes.get(SCHEME) or {}).get("x-scopes") or {})


def check_version(doc: Doc) -> Iterator[str]:
    # 3.2 makes the generator exit 1; 3.0 `nullable` beside `$ref` is lost (3.4).
    if not re.fullmatch(r"3\.1\.\d+", str(doc.get("openapi", ""))):
        yield f"/openapi: must be 3.1.x, got {doc.get('openapi')!r}"


def check_nullable(doc: Doc) -> Iterator[str]:
    # docs/generator.md, "nullable": write `type: [x, "null"]` or
    # `anyOf: [{$ref}, {type: "null"}]`.
    for path, node in walk(doc):
        if isinstance(node.get("nullable"), bool):
            yield f"{_ptr(*path)}: `nullable` is OpenAPI 3.0; use a 'null' type (3.1)"


def check_operations(doc: Doc) -> Iterator[str]:
    seen: dict[str, str] = {}
    for route, method, op in operations(doc):
        where = _ptr("paths", route, method)
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
        where = _ptr(*path)
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
                yield f"{_ptr('paths', route, method, 'requestBody')}: type {ctype}"
        for status, raw in (op.get("responses") or {}).items():
            for ctype in resolve(doc, raw).get("content") or {}:
                if ctype not in RESPONSE_TYPES:
                    where = _ptr("paths", route, method, "responses", status)
                    yield f"{where}: type {ctype}"


def check_responses(doc: Doc) -> Iterator[str]:
    # docs/generator.md, "Documented errors are returned": no `default:`, the one
    # Error body, Request-Id and Retry-After.
    error = "#/components/schemas/ErrorResponse"
    for route, method, op in operations(doc):
        for status, raw in (op.get("responses") or {}).items():
            where = _ptr("paths", route, method, "responses", status)
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
            where = _ptr(*path, kind)
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
            yield f"{_ptr(*path)}: discriminator is ignored by the generator; use const"


def _reachable(doc: Doc, roots: list[Any], content_schema: bool = True) -> set[str]:
    """Names of the component schemas reachable from `roots` (through
    `contentSchema` too, unless `content_schema` is false)."""
    names: set[str] = set()
    todo = list(roots)
    while todo:
        root = todo.pop()
        if not content_schema:
            root = _strip_content_schemas(root)
        for _, node in walk(root):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in names:
                    names.add(name)
                    todo.append(doc["components"]["schemas"][name])
    return names


def _responses(doc: Doc) -> list[Any]:
    return [
        resolve(doc, r)
        for _, _, op in operations(doc)
        for r in (op.get("responses") or {}).values()
    ]


def sent_schemas(doc: Doc) -> set[str]:
    """Names of the component schemas some response uses: what the server sends."""
    return _reachable(doc, _responses(doc))


def check_schemas(doc: Doc) -> Iterator[str]:
    schemas = (doc.get("components") or {}).get("schemas") or {}
    for name, schema in schemas.items():
        if not str(schema.get("description", "")).strip():
            yield f"{_ptr('components', 'schemas', name)}: no description"
    # additionalProperties: false silently drops unknown keys: never on responses.
    sent = sent_schemas(doc)
    for path, node in walk(doc):
        if node.get("additionalProperties") is False and _sent_by_server(path, sent):
            yield f"{_ptr(*path)}: additionalProperties: false on a response schema"


def check_refs(doc: Doc) -> Iterator[str]:
    for path, node in walk(doc):
        if isinstance(node.get("$ref"), str):
            try:
                resolve(doc, node)
            except (KeyError, TypeError, ValueError):
                yield f"{_ptr(*path)}: $ref {node['$ref']!r} does not resolve"


def check_consts(doc: Doc) -> Iterator[str]:
    # A `const` without `type` is typed Any by openapi-generator, and the first anyOf
    # variant that fits wins (docs/generator.md, "`discriminator` is ignored").
    names = {str: "string", bool: "boolean", int: "integer", float: "number"}
    for path, node in walk(doc):
        if "const" in node and "type" not in node:
            kind = names.get(type(node["const"]), "string")
            yield f"{_ptr(*path)}: `const` without `type`; add `type: {kind}` beside it"


def stream_event_types(doc: Doc, frame: Any) -> list[str]:
    """The `event:` names a stream's frame schema announces.

    The tags of the payload union (`const` on `type`), else the enum of the payload's
    `type`, else the frame's `event` property's `enum` or `examples`.
    """
    props = resolve(doc, frame).get("properties") or {}
    payload = resolve(doc, (props.get("data") or {}).get("contentSchema") or {})
    found: list[str] = []
    for variant in payload.get("anyOf") or payload.get("oneOf") or [payload]:
        tag = resolve(doc, (resolve(doc, variant).get("properties") or {}).get("type"))
        if isinstance(tag, dict) and "const" in tag:
            found.append(str(tag["const"]))
        elif isinstance(tag, dict):
            found += [str(v) for v in tag.get("enum") or []]
    if found:
        return found
    event = resolve(doc, props.get("event") or {})
    return [str(v) for v in event.get("enum") or event.get("examples") or []]


def _frames(text: str) -> list[dict[str, str]]:
    """Blocks of `field: value` lines, split on blank lines (WHATWG HTML 9.2.6)."""
    out = []
    for block in text.split("\n\n"):
        fields = {}
        for line in block.splitlines():
            name, _, value = line.partition(":")
            if name:
                fields[name] = value.removeprefix(" ")
        if fields:
            out.append(fields)
    return out


def check_stream_examples(doc: Doc) -> Iterator[str]:
    # Prism and other mocks cannot build an event stream from an object schema (500
    # NO_COMPLEX_OBJECT_TEXT); they serve `examples`. One example per event type keeps
    # every type documented by a frame (docs/streaming.md, "Examples in the spec").
    for route, method, op in operations(doc):
        for status, raw in (op.get("responses") or {}).items():
            media = (resolve(doc, raw).get("content") or {}).get(SSE)
            if media is None:
                continue
            where = _ptr("paths", route, method, "responses", status, "content", SSE)
            examples = media.get("examples") or {}
            if not examples:
                yield f"{where}: no `examples`; add one SSE frame per event type"
                continue
            named: set[str] = set()
            for name, example in examples.items():
                value = resolve(doc, example).get("value")
                frames = _frames(value) if isinstance(value, str) else []
                if not frames or not str(value).endswith("\n\n"):
                    yield f"{where}/examples/{name}: value must be SSE frames as text"
                    continue
                for frame in frames:
                    if "data" not in frame:  # dispatches nothing (priming block)
                        continue
                    named.add(frame.get("event", "message"))
                    try:
                        json.loads(frame.get("data", ""))
                    except ValueError:
                        yield f"{where}/examples/{name}: `data:` must be one JSON line"
            for kind in stream_event_types(doc, media.get("schema") or {}):
                if kind not in named:
                    yield (
                        f"{where}: no example frame with `event: {kind}`; add one to "
                        f'its `examples`, such as `{kind}: {{value: "id: e1\\nevent: '
                        f'{kind}\\ndata: {{...}}\\n\\n"}}`'
                    )


def _path_params(doc: Doc, route: str, op: Doc) -> set[str]:
    params = [
        *(doc["paths"][route].get("parameters") or []),
        *(op.get("parameters") or []),
    ]
    return {
        resolve(doc, p)["name"] for p in params if resolve(doc, p).get("in") == "path"
    }


def check_links(doc: Doc) -> Iterator[str]:
    # Stateful testing (schemathesis) only reaches an operation that needs ids through
    # a link from the operation that creates them; a link's parameter names must be
    # the target's, or the tool joins it to another resource (docs/api.md, "Links").
    ops = {op.get("operationId"): (route, op) for route, _, op in operations(doc)}
    linked: set[str] = set()
    for route, method, op in operations(doc):
        for status, raw in (op.get("responses") or {}).items():
            for name, link in (resolve(doc, raw).get("links") or {}).items():
                where = _ptr("paths", route, method, "responses", status, "links", name)
                target = link.get("operationId")
                if target not in ops:
                    yield f"{where}: links to unknown operationId {target!r}"
                    continue
                linked.add(target)
                t_route, t_op = ops[target]
                known = {resolve(doc, p)["name"] for p in t_op.get("parameters") or []}
                known |= _path_params(doc, t_route, t_op)
                for param in link.get("parameters") or {}:
                    if param not in known:
                        yield f"{where}: {target} has no parameter {param!r}"
    for route, method, op in operations(doc):
        # A PUT creates at a path the client chooses: a root, like a POST without ids.
        if method == "put" or op.get("operationId") in linked:
            continue
        params = sorted(_path_params(doc, route, op))
        if params:
            op_id = op.get("operationId")
            name = "".join(part.title() for part in str(op_id).split("_"))
            args = ", ".join(f"{p}: $response.body#/id" for p in params)
            yield (
                f"{_ptr('paths', route, method)}: no link leads to {op_id}; add "
                f"`{name}: {{operationId: {op_id}, parameters: {{{args}}}}}` to the "
                f"`links` of the response that creates its {', '.join(params)}"
            )


def check_content_schema_reach(doc: Doc) -> Iterator[str]:
    # Many tools skip `contentSchema`: a component reached only through it is never
    # generated. Inline it there, or reach it from a response (docs/generator.md).
    plain = _reachable(doc, _responses(doc), content_schema=False)
    every = _reachable(doc, _responses(doc))
    for name in sorted(every - plain):
        yield (
            f"{_ptr('components', 'schemas', name)}: reached only through "
            "contentSchema; inline it there or use it in a response"
        )


def _strip_content_schemas(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _strip_content_schemas(v)
            for k, v in node.items()
            if k != "contentSchema"
        }
    if isinstance(node, list):
        return [_strip_content_schemas(v) for v in node]
    return node


def check_idempotency(doc: Doc) -> Iterator[str]:
    # The rule (docs/api.md, "Idempotency"): only POSTs that create work take an
    # Idempotency-Key; a POST creates work when it answers 201, 202 or 204. Such a
    # POST documents the 409 of a key reused with another body.
    rule = "only POSTs that create work (201, 202 or 204) take Idempotency-Key"
    for route, method, op in operations(doc):
        where = _ptr("paths", route, method)
        names = {resolve(doc, p).get("name") for p in op.get("parameters") or []}
        takes = "Idempotency-Key" in names
        statuses = {str(s) for s in op.get("responses") or {}}
        creates = method == "post" and bool(statuses & {"201", "202", "204"})
        if creates and not takes:
            yield (
                f"{where}: {rule}; add `- $ref: '#/components/parameters/"
                "IdempotencyKey'` to its parameters"
            )
        elif takes and not creates:
            yield f"{where}: {rule}; remove Idempotency-Key from this operation"
        if creates and "409" not in statuses:
            yield (
                f"{where}: a POST that creates work documents 409 (its Idempotency-Key "
                "reused with another body); add `'409': {$ref: "
                "'#/components/responses/Conflict'}`"
            )


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
