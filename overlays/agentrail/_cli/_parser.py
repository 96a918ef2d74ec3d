"""The `agentrail` command's arguments: one argparse tree, each leaf naming its runner.

Every leaf sets `run` to the function that carries it out, so `main` dispatches through
the parsed namespace instead of an if-chain over command names.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from agentrail_api.models.task_event_type import TaskEventType

from . import _bench, _tail

EXIT_CODES = """\
exit status:
  0    the command did what was asked (bench watch: the run completed)
  1    an error (one line on stderr: bad key, missing scope, unknown id, network)
  2    a usage error
  3    bench watch: the run failed
  4    bench watch: the run was canceled
  130  interrupted (Ctrl-C); tail and logs print the command that resumes
"""

ENVIRONMENT = """\
environment:
  AGENTRAIL_API_KEY   the API key (or --api-key)
  AGENTRAIL_BASE_URL  the API's address (or --base-url; default https://api.agentrail.app)
"""


def _connection() -> argparse.ArgumentParser:
    """The options every command that calls the API takes, before or after its name."""
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    group = common.add_argument_group("connection")
    group.add_argument(
        "--api-key",
        metavar="KEY",
        default=argparse.SUPPRESS,
        help="API key (default: $AGENTRAIL_API_KEY)",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="API address (default: $AGENTRAIL_BASE_URL, else the hosted API)",
    )
    return common


def _stream_options() -> argparse.ArgumentParser:
    """What every following command shares: output shape, a stop, a resume point."""
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    common.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per line (NDJSON), for jq and pipes",
    )
    common.add_argument(
        "--max-events",
        type=_positive,
        metavar="N",
        help="stop after N events and print the command that resumes",
    )
    common.add_argument(
        "--cursor",
        metavar="EVENT_ID",
        help="resume after this event id (printed when a command stops)",
    )
    return common


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _command(
    parent: Any,
    name: str,
    run: Callable[..., int],
    help: str,
    parents: list[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = parent.add_parser(
        name,
        help=help,
        description=help,
        parents=parents,
        allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXIT_CODES,
    )
    parser.set_defaults(run=run)
    return parser


def build() -> argparse.ArgumentParser:
    """The whole command tree."""
    conn, follow = _connection(), _stream_options()
    root = argparse.ArgumentParser(
        prog="agentrail",
        description="Follow agentrail streams and bench runs; start the local mock.",
        parents=[conn],
        allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=ENVIRONMENT + "\n" + EXIT_CODES,
    )
    commands = root.add_subparsers(title="commands", metavar="COMMAND", required=True)

    mock = _command(commands, "mock", _bench.mock, "serve the local mock API", [])
    mock.add_argument("--port", type=int, default=4010, help="default: 4010")
    mock.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")

    tail = commands.add_parser("tail", help="follow an event stream", description=None)
    streams = tail.add_subparsers(title="streams", metavar="STREAM", required=True)
    tasks = _command(
        streams,
        "tasks",
        _tail.tasks,
        "follow the task lifecycle stream",
        [conn, follow],
    )
    tasks.add_argument(
        "--event-type",
        action="append",
        choices=[t.value for t in TaskEventType],
        metavar="TYPE",
        help="only this type (repeatable): "
        + ", ".join(t.value for t in TaskEventType),
    )
    tasks.add_argument("--task-id", metavar="ID", help="only this task's events")
    session = _command(
        streams,
        "session",
        _tail.session,
        "follow a session: its history, then live events, each id once",
        [conn, follow],
    )
    session.add_argument("session_id", metavar="SESSION_ID")
    session.add_argument(
        "--no-history", action="store_true", help="only events from now on"
    )

    logs = _command(
        commands, "logs", _tail.logs, "follow a session's log lines", [conn, follow]
    )
    logs.add_argument("session_id", metavar="SESSION_ID")

    bench = commands.add_parser("bench", help="watch and compare bench runs")
    verbs = bench.add_subparsers(title="commands", metavar="COMMAND", required=True)
    watch = _command(
        verbs,
        "watch",
        _bench.watch,
        "a live progress bar of a run; the exit status is the run's outcome",
        [conn],
    )
    watch.add_argument("run_id", type=int, metavar="RUN_ID")
    watch.add_argument(
        "--no-fill-gaps",
        dest="fill_gaps",
        action="store_false",
        help="do not fetch results the server dropped for a slow reader",
    )
    watch.add_argument("--json", action="store_true", help="NDJSON events instead")
    compare = _command(
        verbs, "compare", _bench.compare, "compare two runs case by case", [conn]
    )
    compare.add_argument("run_a", type=int, metavar="RUN_A")
    compare.add_argument("run_b", type=int, metavar="RUN_B")
    compare.add_argument("--json", action="store_true", help="the report as JSON")
    return root
