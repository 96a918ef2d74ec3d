"""User code type-checks with `mypy --strict`: one class per API object, typed sends.

`snippets/` is checked as a user's code would be (tests/typing/mypy.ini: strict, none
of the relaxations pyproject.toml gives the test suite): `user_code.py` is clean, and
each wrong-shape file has a mypy error on exactly its lines marked `# wrong:`.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tokenize
from collections.abc import Mapping
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SNIPPETS = HERE / "snippets"
ROOT = HERE.parent.parent
ERROR = re.compile(r"^(?P<file>[^:\n]+\.py):(?P<line>\d+): error: ", re.MULTILINE)


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, set[int]]:
    """One `mypy --strict` run over every snippet: file name -> lines with an error."""
    proc = subprocess.run(
        [
            sys.executable, "-m", "mypy",
            "--config-file", str(HERE / "mypy.ini"),
            "--cache-dir", str(tmp_path_factory.mktemp("mypy-cache")),
            "--no-error-summary", "--show-absolute-path",
            *sorted(str(p) for p in SNIPPETS.glob("*.py")),
        ],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # 2: mypy itself failed
    errors: dict[str, set[int]] = {p.name: set() for p in SNIPPETS.glob("*.py")}
    for match in ERROR.finditer(proc.stdout):
        errors[Path(match["file"]).name].add(int(match["line"]))
    print(proc.stdout)
    return errors


def _marked(name: str) -> set[int]:
    """The lines of `name` with a `# wrong:` comment (not a docstring mention)."""
    with (SNIPPETS / name).open() as f:
        tokens = tokenize.generate_tokens(f.readline)
        return {
            t.start[0]
            for t in tokens
            if t.type == tokenize.COMMENT and t.string.startswith("# wrong:")
        }


def test_user_code_type_checks(mypy_errors: Mapping[str, set[int]]) -> None:
    """A user's script over list, get and stream of every family passes `--strict`."""
    assert mypy_errors["user_code.py"] == set()


def test_wrong_model_shapes_fail_type_checking(
    mypy_errors: Mapping[str, set[int]],
) -> None:
    """Each wrong event or model shape given to `send()` is a mypy error."""
    assert _marked("wrong_shapes.py")
    assert mypy_errors["wrong_shapes.py"] == _marked("wrong_shapes.py")


def test_wrong_dict_shapes_fail_type_checking(
    mypy_errors: Mapping[str, set[int]],
) -> None:
    """Each event dict of the wrong shape handed to `send()` is a mypy error."""
    assert _marked("wrong_dict_shapes.py")
    assert mypy_errors["wrong_dict_shapes.py"] == _marked("wrong_dict_shapes.py")
