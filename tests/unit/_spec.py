"""The repository's spec, parsed once, and the generator scripts the tests exercise."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "generator"))

import spec_lint  # noqa: E402  (a script in generator/, not a package)

SPEC: dict[str, Any] = yaml.safe_load(
    (ROOT / "openapi.yaml").read_text(encoding="utf-8")
)


def resolve(node: Any) -> Any:
    """`node` with its local `$ref`s followed, in the repository's spec."""
    return spec_lint.resolve(SPEC, node)
