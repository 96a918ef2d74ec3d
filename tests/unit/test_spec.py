"""openapi.yaml keeps the API's conventions (docs/api.md), operation by operation.

Operations, scopes and counts come from the spec itself; a new operation is checked
the moment it is added. docs/api.md's operation table must list the same operations.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.unit._spec import ROOT, SPEC, resolve, spec_lint

SSE = "text/event-stream"
RESUME_INPUTS = {"Last-Event-ID", "cursor"}


def _operations() -> dict[str, tuple[str, str, dict[str, Any]]]:
    found = {}
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            found[op["operationId"]] = (method, path, op)
    return found


OPERATIONS = _operations()
STREAMS = sorted(
    op_id
    for op_id, (_, _, op) in OPERATIONS.items()
    if any(SSE in resolve(r).get("content", {}) for r in op["responses"].values())
)


def _param_names(op: dict[str, Any]) -> set[str]:
    return {resolve(param)["name"] for param in op.get("parameters", [])}


def _success(op: dict[str, Any]) -> list[str]:
    return [s for s in op["responses"] if str(s).startswith("2")]


def _docs_table() -> dict[str, tuple[str, str, str]]:
    """docs/api.md's operation table: operationId -> (METHOD, path, scope)."""
    text = (ROOT / "docs/api.md").read_text(encoding="utf-8")
    row = re.compile(r"^\| `([a-z_]+)` \| ([A-Z]+) `([^`]+)` \| `([a-z_:]+)` \|", re.M)
    return {m[1]: (m[2].lower(), m[3], m[4]) for m in row.finditer(text)}


def test_docs_api_md_lists_every_operation_of_the_spec() -> None:
    """docs/api.md's table has one row per operation, with its method, path, scope."""
    table = _docs_table()
    spec = {
        op_id: (method, path, op["x-required-scopes"][0])
        for op_id, (method, path, op) in OPERATIONS.items()
    }
    missing = [
        f"{op_id}: add the row | `{op_id}` | {m.upper()} `{p}` | `{s}` | ... | "
        "to the operation table of docs/api.md"
        for op_id, (m, p, s) in sorted(spec.items())
        if table.get(op_id) != (m, p, s)
    ]
    stale = [f"{op_id}: in docs/api.md, not in openapi.yaml" for op_id in table]
    stale = [line for line in stale if line.split(":")[0] not in spec]
    assert not missing + stale, "\n".join(missing + stale)


@pytest.mark.parametrize("op_id", sorted(OPERATIONS))
def test_operation_keeps_the_conventions(op_id: str) -> None:
    """Each operation is under /v1, bearer-authenticated with one known scope, answers
    the auth and rate-limit errors, and has exactly one success status."""
    method, path, op = OPERATIONS[op_id]
    assert path.startswith("/v1/")
    assert op["security"] == [{"bearerAuth": []}]
    assert len(op["x-required-scopes"]) == 1
    assert op["x-required-scopes"][0] in spec_lint.known_scopes(SPEC)
    assert {"401", "403", "429", "500", "503"} <= set(op["responses"])
    success = _success(op)
    if method == "put":  # create (201) or replace (200)
        assert sorted(success) == ["200", "201"]
    else:
        assert len(success) == 1, success


@pytest.mark.parametrize("op_id", STREAMS)
def test_stream_declares_sse_frames_and_its_resume_parameters(op_id: str) -> None:
    """A stream answers text/event-stream frames; it documents 410 exactly when it
    takes a resume input (Last-Event-ID or cursor)."""
    _, _, op = OPERATIONS[op_id]
    ok = op["responses"]["200"]
    assert list(ok["content"]) == [SSE]
    frame = resolve(ok["content"][SSE]["schema"])
    assert frame["type"] == "object"
    assert {"event", "id", "data"} <= set(frame["required"])
    assert set(ok["headers"]) == {"Request-Id", "X-Heartbeat-Seconds"}
    names = _param_names(op)
    assert "heartbeat_seconds" in names
    assert ("410" in op["responses"]) == bool(names & RESUME_INPUTS)


def test_only_streams_are_named_stream() -> None:
    """Every operation whose id starts with stream_ is a stream, and no other is."""
    assert {o for o in OPERATIONS if o.startswith("stream_")} == set(STREAMS)
    assert STREAMS, "the spec has no stream"


@pytest.mark.parametrize("op_id", sorted(OPERATIONS))
def test_created_work_answers_201_202_or_204(op_id: str) -> None:
    """A POST taking Idempotency-Key answers 201, 202 or 204 and documents 409."""
    method, _, op = OPERATIONS[op_id]
    if "Idempotency-Key" in _param_names(op):
        assert method == "post"
        assert set(_success(op)) <= {"201", "202", "204"}
        assert "409" in op["responses"]


def test_event_unions_end_in_a_catch_all() -> None:
    """SessionEvent pins a distinct string `type` on each variant and ends in a
    catch-all whose `type` is any string."""
    variants = [
        resolve(v) for v in SPEC["components"]["schemas"]["SessionEvent"]["anyOf"]
    ]
    tags = [v["properties"]["type"] for v in variants[:-1]]
    assert all(t["type"] == "string" and "const" in t for t in tags)
    assert len({t["const"] for t in tags}) == len(tags) > 1
    assert variants[-1]["properties"]["type"]["type"] == "string"
    assert "const" not in variants[-1]["properties"]["type"]


def test_every_stream_has_an_example_frame_per_event_type() -> None:
    """Each stream's examples name every event type its frame announces (what a
    third-party mock such as Prism serves)."""
    for op_id in STREAMS:
        media = OPERATIONS[op_id][2]["responses"]["200"]["content"][SSE]
        kinds = spec_lint.stream_event_types(SPEC, media["schema"])
        assert kinds, op_id
        text = "".join(e["value"] for e in media["examples"].values())
        for kind in kinds:
            assert f"\nevent: {kind}\n" in text, (op_id, kind)
