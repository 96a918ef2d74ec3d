"""Serving the mock: uvicorn in a daemon thread on a free port (docs/mock.md, "Running
it in tests")."""

from __future__ import annotations

import ipaddress
import socket
import struct
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from .app import MockApp, create_app
from .faults import FaultPlan
from .state import DEFAULT_ADMIN_KEY, Clock, Config, RecordedRequest, State


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        # Signals belong to the main thread; this server runs in another.
        pass


class MockServer:
    """A running mock: its base URL, admin key and everything a test may steer."""

    def __init__(self, app: MockApp, host: str, port: int) -> None:
        self.app = app
        self.url = f"http://{host}:{port}"
        self.admin_key = DEFAULT_ADMIN_KEY
        self._server: _ThreadServer | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def state(self) -> State:
        return self.app.state

    @property
    def faults(self) -> FaultPlan:
        return self.app.state.faults

    @property
    def clock(self) -> Clock:
        return self.app.state.clock

    @property
    def config(self) -> Config:
        return self.app.state.config

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.app.state.requests

    def reset(self) -> None:
        """Clear data, requests and faults; default config, real time, base keys."""
        self.app.state.reset()

    def set_key(self, key: str, scopes: list[str]) -> None:
        """Add or replace an API key with these scopes (until the next reset)."""
        self.app.state.set_key(key, scopes)

    # ------------------------------------------------------------ lifecycle
    def start(self, sock: socket.socket, log_level: str, timeout: float = 10.0) -> None:
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_level=log_level,
            http="h11",
            loop="asyncio",
            timeout_graceful_shutdown=1,
        )
        self._server = server = _ThreadServer(config)
        self._socket = sock
        self.app.aborter = self._abort
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True,
            name=f"agentrail-mock {self.url}",
        )  # fmt: skip
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the mock server at {self.url} did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()

    def _abort(self, scope: dict[str, Any]) -> bool:
        """Reset the TCP connection that carries this request (the `reset` fault)."""
        server = self._server
        client = tuple(scope.get("client") or ())
        if server is None:
            return False
        for protocol in list(server.server_state.connections):
            if tuple(getattr(protocol, "client", None) or ()) == client:
                transport = protocol.transport
                sock = transport.get_extra_info("socket")
                if sock is not None:
                    # Linger 0: close with RST instead of FIN, as a crashed peer does.
                    linger = struct.pack("ii", 1, 0)
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                transport.abort()
                return True
        return False


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when
    # their proto says TCP, and without it every response waited ~40 ms for a delayed
    # ACK (23 requests/s instead of ~1000).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class ExposedMockWarning(UserWarning):
    """The mock listens on more than loopback: others on the network can reach it."""


def is_loopback(host: str) -> bool:
    """Whether `host` names only this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def serve(
    *,
    api_keys: dict[str, list[str]] | None = None,
    control: bool = True,
    control_key: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    spec_path: Path | str | None = None,
    log_level: str = "critical",
    **config: Any,
) -> Iterator[MockServer]:
    """Run the mock on a free loopback port in a daemon thread; yield its handle.

    `config` sets `Config` fields (`retry_ms`, `bench_step_seconds`, ...) at start;
    `reset()` restores the defaults.

        with agentrail_mock.serve() as mock:
            client = agentrail.Client(base_url=mock.url, api_key=mock.admin_key)
    """
    if not is_loopback(host):
        # The default admin key is public (it is in this repository): on a shared
        # host anyone can call the API and the control endpoints (docs/mock.md).
        warnings.warn(
            f"the agentrail mock listens on {host}, not loopback: anyone who can "
            f"reach it can call it with the public admin key {DEFAULT_ADMIN_KEY!r}, "
            + ("including" if control else "but not")
            + " the /__mock/* control endpoints (reset, faults)",
            ExposedMockWarning,
            stacklevel=3,
        )
    app = create_app(
        spec_path, api_keys=api_keys, control=control, control_key=control_key
    )
    app.state.config.update(**config)
    app.state.config_overrides = dict(config)  # what reset() restores
    sock = bind(host, port)
    server = MockServer(app, host, sock.getsockname()[1])
    server.start(sock, log_level)
    try:
        yield server
    finally:
        server.stop()
