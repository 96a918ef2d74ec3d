"""The pytest plugin: `agentrail[mock]` gives a project fixtures without a conftest."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[2]

USER_TESTS = """
import asyncio

import agentrail
import pytest


def test_sync_client(agentrail_client, agentrail_mock):
    task = agentrail_client.tasks.create(title="write docs")
    assert agentrail_client.tasks.get(task.id).title == "write docs"
    assert agentrail_mock.url.startswith("http://127.0.0.1:")


def test_each_test_starts_from_a_reset_mock(agentrail_client):
    assert agentrail_client.tasks.list().data == []


def test_faults(agentrail_client, agentrail_mock):
    task = agentrail_client.tasks.create(title="t")
    agentrail_mock.faults.add("status", operation="get_task", code=503)
    with pytest.raises(agentrail.ServiceUnavailableError):
        agentrail_client.with_options(max_retries=0).tasks.get(task.id)


def test_async_client(agentrail_async_client):
    async def main():
        task = await agentrail_async_client.tasks.create(title="async")
        return (await agentrail_async_client.tasks.get(task.id)).title

    assert asyncio.run(main()) == "async"
"""


def _readme_example() -> str:
    """The user's test file the README shows (the block starting `# test_...py`)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```python\n(# test_\w+\.py\n.*?)```", readme, re.S)
    assert found, "README.md lost its pytest plugin example"
    return found[1]


def test_a_users_tests_get_the_fixtures_from_the_entry_point(tmp_path: Path) -> None:
    """pytest in a project with no conftest finds agentrail_mock, agentrail_client
    and agentrail_async_client, and every warning is an error there; the README's
    example is one of the files."""
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS), "utf-8")
    (tmp_path / "test_readme.py").write_text(_readme_example(), "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTRAIL_")}
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-W", "error", "-p", "no:cacheprovider",
         "-p", "no:randomly", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=100,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout


def test_loading_the_plugin_imports_neither_the_server_nor_the_client() -> None:
    """pytest imports the plugin in every project with agentrail installed: that
    costs nothing and needs none of the `mock` extra's packages."""
    code = (
        "import sys, agentrail_mock.pytest_plugin as p; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'agentrail', "
        "'agentrail_mock.server') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_mock_imports_the_client_only_inside_fixtures() -> None:
    """No module of agentrail_mock imports agentrail at module level (imports run one
    way: the mock never depends on the client it tests)."""
    offenders = []
    for path in sorted((ROOT / "mock" / "agentrail_mock").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            if any(n == "agentrail" or n.startswith("agentrail.") for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_every_lazy_name_of_the_package_loads() -> None:
    """agentrail_mock's names load on first use, and __all__ lists exactly them."""
    import agentrail_mock

    assert sorted(agentrail_mock.__all__) == sorted(agentrail_mock._LAZY)
    for name in agentrail_mock.__all__:
        assert getattr(agentrail_mock, name) is not None
