"""The repository explains itself: every document a file points to is in it.

Comments, docstrings and READMEs cite `docs/*.md` (with a section in quotes), a
WHATWG section or a test by name. A pointer to a `.md` file that is not in the
repository, or to a section a document does not have, fails here with the file and
line, so a renamed heading or a note that lives elsewhere is noticed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tests.unit._spec import ROOT

SKIP_DIRS = {".git", ".venv", "generated", "docs", "fixtures", "node_modules", "build"}
SKIP_DIRS |= {"dist", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
SUFFIXES = {".py", ".md", ".toml", ".yaml", ".yml", ".jinja", ".cfg", ".txt", ""}
# A path ending in .md that is not part of a URL.
MD_REF = re.compile(r"(?<![\w/.:-])((?:\.{1,2}/)*(?:[\w.-]+/)*[\w-]+\.md)\b")
SECTION_REF = re.compile(r"(docs/[\w-]+\.md),\s+\"([^\"]+)\"")
# Design notes that once lived outside the repository.
OUTSIDE = re.compile(r"shared/design|\bseed \d{3}\b")
HERE = Path(__file__).resolve()  # its examples of dangling pointers are on purpose
# Files whose pointers are being rewritten in a change in flight (the stream and
# command-line modules): each must still have one, so the entry is removed with it.
PENDING: set[str] = set()


def _files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*")):
        parts = set(path.relative_to(ROOT).parts[:-1])
        if path == HERE:
            continue
        if path.is_file() and not parts & SKIP_DIRS and path.suffix in SUFFIXES:
            if path.suffix or path.name in ("Makefile", "run"):
                yield path


def _flat(text: str) -> str:
    """Text with comment markers and line breaks folded into single spaces."""
    return re.sub(r"\s*\n\s*(?:#\s*)?", " ", text)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return
    yield from enumerate(text.splitlines(), 1)


def dangling(root: Path = ROOT) -> list[str]:
    """`file:line: reference` for every pointer that leads nowhere."""
    found = []
    for path in _files():
        where = path.relative_to(root)
        for number, line in _lines(path):
            if OUTSIDE.search(line):
                found.append(f"{where}:{number}: points outside the repository: {line}")
            for ref in MD_REF.findall(line):
                if "://" in line.split(ref)[0].rsplit(" ", 1)[-1]:
                    continue  # part of a URL
                if not ((path.parent / ref).is_file() or (root / ref).is_file()):
                    found.append(f"{where}:{number}: {ref} is not in the repository")
        text = _flat(path.read_text(encoding="utf-8", errors="replace"))
        for doc, section in SECTION_REF.findall(text):
            target = root / doc
            body = _flat(target.read_text("utf-8")) if target.is_file() else ""
            if section.lower() not in body.lower():
                found.append(f'{where}: {doc} has no section "{section}"')
    return found


def test_every_pointer_to_a_document_leads_to_one_in_the_repository() -> None:
    """No file outside docs/ points to a .md file, or a section of one, that the
    repository does not have."""
    found = dangling()
    files = {line.split(":")[0] for line in found}
    assert [line for line in found if line.split(":")[0] not in PENDING] == []
    assert sorted(PENDING - files) == [], "fixed: remove these from PENDING"


def test_the_check_finds_a_dangling_pointer(tmp_path: Path) -> None:
    """The check is not vacuous: it reports a missing note, a missing section and a
    note outside the repository, and accepts a URL."""
    global ROOT
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "api.md").write_text("# API\n## Links\n", "utf-8")
    (tmp_path / "a.py").write_text(
        "# see sse.md sec. 3 and docs/api.md\n"
        '# (docs/api.md, "Links") and (docs/api.md, "Paging")\n'
        "# https://github.com/x/y/blob/main/README.md\n"
        "# the recipe of seed 000\n",
        "utf-8",
    )
    saved, ROOT = ROOT, tmp_path
    try:
        found = dangling(tmp_path)
    finally:
        ROOT = saved
    assert found == [
        "a.py:1: sse.md is not in the repository",
        "a.py:4: points outside the repository: # the recipe of seed 000",
        'a.py: docs/api.md has no section "Paging"',
    ]
