"""`python -m agentrail_mock --port 4010`: serve the mock until interrupted."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import warnings

from .server import ExposedMockWarning, serve
from .state import DEFAULT_ADMIN_KEY


def _key(text: str) -> tuple[str, list[str]]:
    key, sep, scopes = text.partition("=")
    if not key or not sep:
        raise argparse.ArgumentTypeError("expected KEY=scope,scope")
    return key, [s for s in scopes.split(",") if s]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m agentrail_mock", description="Serve the agentrail mock."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4010)
    parser.add_argument(
        "--key", type=_key, action="extend", nargs="+", default=[],
        metavar="KEY=scope,scope", help="extra API keys and their scopes",
    )  # fmt: skip
    parser.add_argument(
        "--no-control", action="store_true", help="turn off the /__mock/* endpoints"
    )
    parser.add_argument(
        "--control-key", default=None,
        help="a key for the /__mock/* endpoints only (an admin key also works)",
    )  # fmt: skip
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    keys = dict(args.key)
    with contextlib.ExitStack() as stack:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ExposedMockWarning)
            mock = stack.enter_context(
                serve(
                    api_keys=keys,
                    control=not args.no_control,
                    host=args.host,
                    port=args.port,
                    log_level=args.log_level,
                    control_key=args.control_key,
                )  # fmt: skip
            )
        for warning in caught:
            print(f"warning: {warning.message}", file=sys.stderr, flush=True)
        print(f"agentrail mock serving {mock.url}", flush=True)
        print(f"admin key: {DEFAULT_ADMIN_KEY}", flush=True)
        for key, scopes in keys.items():
            print(f"key: {key} scopes: {','.join(scopes)}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
