"""`make bench`: how fast agentrail is, side by side with what users would pick instead.

    .venv/bin/python -m bench.run [--repeats N] [--only decoder,e2e] [--out PATH]

Sections (one module each): decoder, typed, e2e, memory, startup, rest, concurrency,
lag.
Each prints its table as it finishes; then every target of issues 6 and 14 is listed
as met or missed. The
raw figures (every round, not just medians) go to `bench/results.json`, which is
git-ignored: they belong to one machine and one moment; the README quotes the table.
`--tiny` runs every code path on toy sizes in a few seconds (tests/unit/test_bench.py).
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.harness import ROOT, Section, Settings, machine, table

SECTIONS = [
    "decoder",
    "typed",
    "e2e",
    "memory",
    "startup",
    "rest",
    "concurrency",
    "lag",
]


def report(section: Section) -> str:
    """A section as printed: title, table, notes."""
    lines = [section.title, table(section.columns, section.rows)]
    lines += [f"  {note}" for note in section.notes]
    return "\n".join(lines) + "\n"


def targets_table(sections: Sequence[Section]) -> str:
    """Every target with its measured median and whether it is met."""
    rows = []
    for section in sections:
        for t in section.targets:
            sign = ">=" if t.at_least else "<="
            rows.append(
                [
                    t.what,
                    f"{t.measured:,.2f} {t.unit}",
                    f"{sign} {t.limit:g} {t.unit}",
                    "met" if t.met else "MISSED",
                ]
            )
    return "Targets (issues 6 and 14)\n" + table(
        ["target", "median", "limit", ""], rows
    )


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the chosen sections, print their tables, write results.json; return it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds per section")
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help="comma-separated sections"
    )
    parser.add_argument("--tiny", action="store_true", help="toy sizes, one round")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results.json", help="raw figures"
    )
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {unknown}; choose from {SECTIONS}")
    settings = Settings(repeats=1 if args.tiny else args.repeats, tiny=args.tiny)
    results: dict[str, Any] = {"machine": machine(), "settings": vars(settings)}
    done: list[Section] = []
    started = time.perf_counter()
    for name in SECTIONS:
        if name not in chosen:
            continue
        module = importlib.import_module(f"bench.{name}")
        section_start = time.perf_counter()
        section: Section = module.run(settings)
        elapsed = time.perf_counter() - section_start
        done.append(section)
        print(report(section) + f"  ({elapsed:.0f} s)\n", flush=True)
        results[section.name] = {
            "title": section.title,
            "seconds": elapsed,
            "rows": section.raw,
            "notes": section.notes,
        }
    if any(s.targets for s in done):
        print(targets_table(done))
    if settings.tiny:
        print("(tiny mode: toy sizes, one round; the figures mean nothing)")
    results["targets"] = [t.raw() for s in done for t in s.targets]
    results["seconds"] = time.perf_counter() - started
    results["machine"]["loadavg_after"] = machine()["loadavg"]
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nraw figures: {args.out} ({results['seconds']:.0f} s in all)")
    return results


if __name__ == "__main__":
    main()
