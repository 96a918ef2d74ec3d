"""What the spec lint reads in openapi.yaml: pointers, `$ref`s, operations, the
schemas the server sends, the scopes, and the event types of each stream.

Shared by generator/spec_lint.py and generator/spec_portability.py, and by the tests
(through `spec_lint`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Doc = dict[str, Any]

METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")

SCHEME = "bearerAuth"  # the security scheme whose `x-scopes` list the scopes

SSE = "text/event-stream"


def ptr(*parts: object) -> str:
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


def reachable(doc: Doc, roots: list[Any], content_schema: bool = True) -> set[str]:
    """Names of the component schemas reachable from `roots` (through
    `contentSchema` too, unless `content_schema` is false)."""
    names: set[str] = set()
    todo = list(roots)
    while todo:
        root = todo.pop()
        if not content_schema:
            root = strip_content_schemas(root)
        for _, node in walk(root):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in names:
                    names.add(name)
                    todo.append(doc["components"]["schemas"][name])
    return names


def responses_of(doc: Doc) -> list[Any]:
    return [
        resolve(doc, r)
        for _, _, op in operations(doc)
        for r in (op.get("responses") or {}).values()
    ]


def sent_schemas(doc: Doc) -> set[str]:
    """Names of the component schemas some response uses: what the server sends."""
    return reachable(doc, responses_of(doc))


def strip_content_schemas(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: strip_content_schemas(v) for k, v in node.items() if k != "contentSchema"
        }
    if isinstance(node, list):
        return [strip_content_schemas(v) for v in node]
    return node


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


def sse_blocks(text: str) -> list[dict[str, str]]:
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
