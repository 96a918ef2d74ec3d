"""Section 5, start-up: `import agentrail` against `import httpx`, and `make generate`.

Every figure comes from a fresh interpreter, the two modules in turns. Imports read
bytecode caches, as from an installed package: `PYTHONDONTWRITEBYTECODE` is dropped and
`PYTHONPYCACHEPREFIX` points at a temporary directory that one warm-up import fills
(with bytecode writing off, every import of the editable overlay compiles its source).

* `-X importtime`: the cumulative microseconds of the module's own line, median;
* import + first client: wall time of `import X; X.Client(...)` in the process, since
  `agentrail` loads its resource groups with the first client (and both clients load
  the CA bundle);
* `make generate`: wall time of `generator/sync.py --check`, the same spec lint and
  generator run as `make generate` into a temporary directory, compared instead of
  copied, so the bench never rewrites `generated/`.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time

from bench.harness import ROOT, Section, Settings, Stat, Target, child_env, ratios

MODULES = ("httpx", "agentrail")
FIRST_CLIENT = {
    "httpx": "import httpx; httpx.Client().close()",
    "agentrail": "import agentrail; agentrail.Client(api_key='x').close()",
}
TIMED = "import time; t = time.perf_counter(); {}; print(time.perf_counter() - t)"


def import_us(module: str, env: dict[str, str]) -> float:
    """`-X importtime`'s cumulative microseconds for `module` in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in out.stderr.splitlines():
        _, cumulative, name = line.split("|")
        if name.rstrip() == f" {module}":  # top level: no indentation
            return float(cumulative)
    raise AssertionError(f"no importtime line for {module}: {out.stderr[-500:]}")


def first_client_ms(module: str, env: dict[str, str]) -> float:
    """Milliseconds to import `module` and make (and close) its first client."""
    code = TIMED.format(FIRST_CLIENT[module])
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout) * 1e3


def generate_seconds() -> tuple[float, int]:
    """Wall seconds of the generator run `make generate` does, and its exit status."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "generator/sync.py", "--check"], cwd=ROOT, capture_output=True
    )
    return time.perf_counter() - start, done.returncode


def run(settings: Settings) -> Section:
    """Import times in turns over fresh processes; then the generator's wall time."""
    section = Section(
        "startup",
        "5. Start-up (fresh processes, bytecode cached; median, min-max)",
        ["what", "httpx", "agentrail", "agentrail / httpx"],
    )
    rounds = settings.size(2 * settings.repeats, 1)
    with tempfile.TemporaryDirectory() as cache:
        env = child_env(PYTHONPYCACHEPREFIX=cache)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for module in MODULES if not settings.tiny else ():  # fill the cache
            first_client_ms(module, env)
        imports: dict[str, list[float]] = {m: [] for m in MODULES}
        clients: dict[str, list[float]] = {m: [] for m in MODULES}
        for _ in range(rounds):
            for module in MODULES:
                imports[module].append(import_us(module, env) / 1e3)
                clients[module].append(first_client_ms(module, env))
    for what, figures in (
        ("import (-X importtime), ms", imports),
        ("import + first client, ms", clients),
    ):
        stats = {m: Stat.of(v) for m, v in figures.items()}
        ratio = ratios(figures["agentrail"], figures["httpx"])
        section.rows.append(
            [what, stats["httpx"].show(1), stats["agentrail"].show(1), ratio.show()]
        )
        section.raw.append({"what": what, "ms": figures, "ratio": ratio.raw()})
        if figures is imports:
            section.targets.append(
                Target("import agentrail vs import httpx", ratio.median, 1.5, False)
            )
    if settings.tiny:
        section.notes.append("make generate: not timed in tiny mode (about 3 s)")
        return section
    runs = [generate_seconds() for _ in range(3)]
    gen = Stat.of([seconds for seconds, _ in runs])
    status = {code for _, code in runs}
    section.rows.append(["make generate (sync.py --check), s", "", gen.show(2), ""])
    section.raw.append(
        {"what": "make generate", "seconds": gen.raw(), "exit": sorted(status)}
    )
    if status != {0}:
        section.notes.append(f"generator/sync.py --check exited {sorted(status)}")
    return section
