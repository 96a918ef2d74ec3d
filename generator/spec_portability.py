"""Spec lint rules for tools other than our generator, and for the spec's own rules.

openapi-python-client copes without them; other generators, mocks and stateful
testers do not (docs/generator.md, docs/api.md). Each finding says what to add.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from spec_doc import (
    SSE,
    Doc,
    operations,
    ptr,
    reachable,
    resolve,
    responses_of,
    sse_blocks,
    stream_event_types,
    walk,
)


def check_consts(doc: Doc) -> Iterator[str]:
    # A `const` without `type` is typed Any by openapi-generator, and the first anyOf
    # variant that fits wins (docs/generator.md, "`discriminator` is ignored").
    names = {str: "string", bool: "boolean", int: "integer", float: "number"}
    for path, node in walk(doc):
        if "const" in node and "type" not in node:
            kind = names.get(type(node["const"]), "string")
            yield f"{ptr(*path)}: `const` without `type`; add `type: {kind}` beside it"


def check_stream_examples(doc: Doc) -> Iterator[str]:
    # Prism and other mocks cannot build an event stream from an object schema (500
    # NO_COMPLEX_OBJECT_TEXT); they serve `examples`. One example per event type keeps
    # every type documented by a frame (docs/streaming.md, "Examples in the spec").
    for route, method, op in operations(doc):
        for status, raw in (op.get("responses") or {}).items():
            media = (resolve(doc, raw).get("content") or {}).get(SSE)
            if media is None:
                continue
            where = ptr("paths", route, method, "responses", status, "content", SSE)
            examples = media.get("examples") or {}
            if not examples:
                yield f"{where}: no `examples`; add one SSE frame per event type"
                continue
            named: set[str] = set()
            for name, example in examples.items():
                value = resolve(doc, example).get("value")
                frames = sse_blocks(value) if isinstance(value, str) else []
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
                where = ptr("paths", route, method, "responses", status, "links", name)
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
                f"{ptr('paths', route, method)}: no link leads to {op_id}; add "
                f"`{name}: {{operationId: {op_id}, parameters: {{{args}}}}}` to the "
                f"`links` of the response that creates its {', '.join(params)}"
            )


def check_content_schema_reach(doc: Doc) -> Iterator[str]:
    # Many tools skip `contentSchema`: a component reached only through it is never
    # generated. Inline it there, or reach it from a response (docs/generator.md).
    plain = reachable(doc, responses_of(doc), content_schema=False)
    every = reachable(doc, responses_of(doc))
    for name in sorted(every - plain):
        yield (
            f"{ptr('components', 'schemas', name)}: reached only through "
            "contentSchema; inline it there or use it in a response"
        )


def check_idempotency(doc: Doc) -> Iterator[str]:
    # The rule (docs/api.md, "Idempotency"): only POSTs that create work take an
    # Idempotency-Key; a POST creates work when it answers 201, 202 or 204. Such a
    # POST documents the 409 of a key reused with another body.
    rule = "only POSTs that create work (201, 202 or 204) take Idempotency-Key"
    for route, method, op in operations(doc):
        where = ptr("paths", route, method)
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
