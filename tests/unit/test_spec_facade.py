"""Every operation of openapi.yaml has a facade method on Client and on AsyncClient.

`make generate` gives a new operation a generated function, but users call
`client.sessions.get(...)`, not `agentrail_api.api.sessions.get_session`. This test
reads the overlay's source (no call is made): from the public methods of `Client` and
`AsyncClient`, it follows every name they use (module functions, imported overlay
names, resource-group classes, `self.<method>`) and collects the generated operation
modules reached. An operation reached from neither, or from only one of the two, fails
with the operationId and the file to edit (docs/changing-the-spec.md, step 4).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.unit._spec import ROOT, SPEC

PACKAGE = ROOT / "overlays" / "agentrail"
GENERATED_API = "agentrail_api.api."

# Operations that deliberately have no facade method. Keep this empty unless an
# operation is reachable some other way; say why next to each entry.
NO_FACADE: dict[str, str] = {}

# Where a facade method for each tag belongs (the spec's `tags`).
HOME = {
    "sessions": "overlays/agentrail/_sessions.py (Sessions and AsyncSessions)",
    "logs": "overlays/agentrail/_sessions.py (SessionLogs and AsyncSessionLogs)",
    "tasks": "overlays/agentrail/_tasks.py (Tasks and AsyncTasks)",
    "benches": "overlays/agentrail/_benches.py (Benches and AsyncBenches) or "
    "overlays/agentrail/_bench_runs.py (BenchRuns and AsyncBenchRuns)",
}


@dataclass
class _Module:
    """One overlay module: its top-level definitions and what its names import."""

    name: str
    defs: dict[str, ast.AST] = field(default_factory=dict)
    # alias -> (module, name)
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)


def _imports(node: ast.AST, module: str) -> dict[str, tuple[str, str]]:
    found = {}
    for child in ast.walk(node):
        if isinstance(child, ast.ImportFrom) and child.module is not None:
            source = child.module
            if child.level:  # `from ._flows import x` inside agentrail
                source = "agentrail." + source
            for alias in child.names:
                found[alias.asname or alias.name] = (source, alias.name)
    return found


def _load() -> dict[str, _Module]:
    modules = {}
    for path in sorted(PACKAGE.glob("*.py")):
        name = "agentrail." + path.stem
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = _Module(name, imports=_imports(tree, name))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                module.defs[node.name] = node
        modules[name] = module
    return modules


def reached_operations(root_class: str) -> set[str]:
    """The generated operations that `root_class`'s methods can reach, by name."""
    modules = _load()
    ops: set[str] = set()
    seen: set[tuple[str, str]] = set()
    todo = [("agentrail._client", root_class)]
    while todo:
        module_name, name = todo.pop()
        if (module_name, name) in seen or module_name not in modules:
            continue
        seen.add((module_name, name))
        module = modules[module_name]
        node = module.defs.get(name)
        if node is None:
            target = module.imports.get(name)
            if target is not None:
                todo.append(target)
            continue
        local = {**module.imports, **_imports(node, module_name)}
        methods: set[str] = set()
        if isinstance(node, ast.ClassDef):
            methods = {
                n.name
                for n in node.body
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            }
            todo += [(module_name, b.id) for b in node.bases if isinstance(b, ast.Name)]
        for child in ast.walk(node):
            used = None
            if isinstance(child, ast.Name):
                used = child.id
            elif isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name):
                if child.value.id == "self":
                    used = child.attr if child.attr in methods else None
            if used is None:
                continue
            source = local.get(used)
            if source is not None and source[0].startswith(GENERATED_API):
                ops.add(source[1])
            elif source is not None:
                todo.append(source)
            elif used in module.defs:
                todo.append((module_name, used))
    return ops


def _spec_operations() -> dict[str, str]:
    """operationId -> its first tag, in openapi.yaml."""
    return {
        op["operationId"]: op["tags"][0]
        for item in SPEC["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


@pytest.mark.parametrize("client", ["Client", "AsyncClient"])
def test_every_operation_has_a_facade_method(client: str) -> None:
    """Each operation in openapi.yaml is reachable from a method of the client."""
    reached = reached_operations(client)
    missing = [
        f"{op_id}: no facade method on {client}; add one to {HOME.get(tag, tag)} "
        "(docs/changing-the-spec.md, 'Adding an operation'), or list it in NO_FACADE "
        "in tests/unit/test_spec_facade.py with the reason"
        for op_id, tag in sorted(_spec_operations().items())
        if op_id not in reached and op_id not in NO_FACADE
    ]
    assert not missing, "\n".join(missing)


def test_the_exceptions_are_operations_of_the_spec() -> None:
    """NO_FACADE names only operations that exist, so a stale entry is noticed."""
    assert set(NO_FACADE) <= set(_spec_operations())


def test_the_walk_finds_what_a_new_import_adds(tmp_path: Path) -> None:
    """The walk is not vacuous: an operation reached by no method is reported."""
    reached = reached_operations("Client")
    assert {"create_session", "stream_task_events", "get_mcp_session_cost"} <= reached
    assert "no_such_operation" not in reached


def test_every_session_event_type_has_its_class_in_the_stream_table() -> None:
    """Each variant of SessionEvent in the spec is typed by the session stream (else
    the live stream would skip it as an unknown name while the listing keeps it)."""
    from agentrail import _model_events

    variants = SPEC["components"]["schemas"]["SessionEvent"]["anyOf"][:-1]
    kinds = {
        SPEC["components"]["schemas"][v["$ref"].rsplit("/", 1)[1]]["properties"][
            "type"
        ]["const"]: v["$ref"].rsplit("/", 1)[1]
        for v in variants
    }
    missing = [
        f"{kind}: add `{kind!r}: {name}` to _SESSION_VARIANTS (and {name} to the "
        "SessionEvent alias) in overlays/agentrail/_model_events.py"
        for kind, name in sorted(kinds.items())
        if kind not in _model_events.SESSION_EVENTS
    ]
    assert not missing, "\n".join(missing)
