"""The resource groups `Client` and `AsyncClient` attach: re-exports, nothing else."""

from ._bench_runs import AsyncBenchRuns, BenchRuns
from ._benches import AsyncBenches, Benches
from ._sessions import (
    AsyncSessionEvents,
    AsyncSessionLogs,
    AsyncSessions,
    SessionEvents,
    SessionLogs,
    Sessions,
)
from ._tasks import AsyncTasks, Tasks

__all__ = [
    "AsyncBenchRuns",
    "AsyncBenches",
    "AsyncSessionEvents",
    "AsyncSessionLogs",
    "AsyncSessions",
    "AsyncTasks",
    "BenchRuns",
    "Benches",
    "SessionEvents",
    "SessionLogs",
    "Sessions",
    "Tasks",
]
