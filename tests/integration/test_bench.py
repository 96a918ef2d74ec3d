"""`make bench` in tiny mode: every section runs end to end, so the harness cannot rot.

Toy sizes and one round (about 15 s): the figures mean nothing here, only that each
section measured something and checked what it measured (same event counts for every
decoder, nothing lost across reconnects, a flat memory run to its end).
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import run

TARGETS = [
    "decoder, small JSON, 4,096 B reads",
    "decoder, small JSON, 65,536 B reads",
    "decoder, large JSON, 4,096 B reads",
    "decoder, multi-line data, 4,096 B reads",
    "decoder, heartbeats, 4,096 B reads",
    "decoder, CRLF, 4,096 B reads",
    "decoder, field orders, 4,096 B reads",
    "decoder, small JSON, 1 B reads",
    "decoder, 256 KB event, 1 B reads",
    "decoder, 10 MB event, 4,096 B reads",
    "decoder, 10 MB event, 65,536 B reads",
    "decoder, LLM deltas, no id, 4,096 B reads",
    "decoder, LLM deltas, no id, irregular reads",
    "decoder, LLM deltas, no id, 1 B reads",
    "decoder, LLM deltas, id, CRLF, 4,096 B reads",
    "decoder, LLM deltas, id, CRLF, irregular reads",
    "decoder, LLM deltas, id, CRLF, 1 B reads",
    "decoder, 9.5 KB data lines, 4,096 B reads",
    "decoder, 9.5 KB data lines, irregular reads",
    "decoder, multi-line text, 4,096 B reads",
    "decoder, multi-line text, irregular reads",
    "decoder, comments, retry, 4,096 B reads",
    "decoder, comments, retry, irregular reads",
    "decoder, 4 MiB data lines, 4,096 B reads",
    "decoder, 4 MiB data lines, irregular reads",
    "typed, TaskLifecycleEvent",
    "typed, RunResult",
    "e2e, client CPU/event vs httpx-sse",
    "e2e, drop to next event",
    "memory growth per 100k events",
    "memory per stream after 5,000 events",  # tiny mode; 100,000 in make bench
    "import agentrail vs import httpx",
    # tiny mode: 20 streams stand for 1,000
    "many streams, N=1, CPU/event vs httpx-sse + json.loads",
    "many streams, N=100, CPU/event vs httpx-sse + json.loads",
    "many streams, N=20, CPU/event vs httpx-sse + json.loads",
    "many streams: 20 run on a default AsyncClient",
    "lag fill, requests per lag",
    "lag fill, repeats per lag",
]


def test_every_section_measures_and_writes_its_figures(tmp_path: Path) -> None:
    """`python -m bench.run --tiny` fills every section and lists every target."""
    out = tmp_path / "results.json"
    results = run.main(["--tiny", "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(results))
    for name in run.SECTIONS:
        assert results[name]["rows"], name
    assert [t["what"] for t in results["targets"]] == TARGETS
    # Growth and repeats may rightly measure 0; everything else measured something.
    assert all(
        t["measured"] > 0
        for t in results["targets"]
        if "memory growth" not in t["what"] and "repeats" not in t["what"]
    )
