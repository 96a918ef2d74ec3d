"""A loopback TCP proxy that breaks connections at chosen bytes (tests only).

It sits between a client and the mock, forwards both ways, and asks a planner
(plan.py) what to do with each connection (refuse it) and each response (cut it with
FIN or RST, stall it, re-chunk it into 1-byte writes, or take the whole API away for a
while). Where a response is cut is found by scanning the server's real bytes
(scan.py). It runs its own asyncio loop in a daemon thread, so sync and async clients
use it alike, and it needs nothing but the standard library.

    with WireProxy(mock.url, Script([WireFault("data", "rst", at=3)])) as proxy:
        client = agentrail.Client(key, proxy.url)
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections import Counter, deque
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tests.wire.plan import Planner
from tests.wire.scan import Cut, RequestScanner, ResponseScanner

DRIP_LIMIT = 4096  # 1-byte writes per response at most, then whole reads again
STALL_MAX = 60.0  # a stalled connection is cut after this, if the client never is


@dataclass
class Fired:
    """One fault that fired: what, where, and the bytes around the cut."""

    label: str
    path: str
    offset: int = 0
    before: bytes = b""  # the last bytes forwarded
    after: bytes = b""  # the next bytes, never forwarded


class WireProxy:
    """The proxy: `url` to give the client; `fired` counts faults by label."""

    def __init__(self, upstream: str, planner: Planner) -> None:
        # How long an `outage` cut takes the API away: the planner's, or 0.5 s.
        self.outage_seconds = float(getattr(planner, "outage_seconds", 0.5))
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.planner = planner
        self.fired: Counter[str] = Counter()
        self.log: deque[Fired] = deque(maxlen=1000)
        self.drip_writes = 0  # 1-byte writes made
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="wire-proxy"
        )
        self._server: asyncio.Server | None = None
        self._live: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0

    def background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` on the proxy's loop, outliving the connection that asked."""
        task = self._loop.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------ lifecycle
    def start(self) -> WireProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._tasks):
                task.cancel()
            for writer in list(self._live):
                _reset(writer)
            others = asyncio.all_tasks() - {asyncio.current_task()}
            if others:
                _, pending = await asyncio.wait(others, timeout=5)
                for task in pending:
                    task.cancel()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> WireProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self.fired)

    def _count(self, record: Fired) -> None:
        with self._lock:
            self.fired[record.label] += 1
            self.log.append(record)

    # ------------------------------------------------------------ listening
    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def _stop_listening(self) -> bool:
        """Close the listening socket (connects are refused); False if closed."""
        server, self._server = self._server, None
        if server is None:
            return False
        server.close()
        return True

    async def _relisten(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self._listen()

    # ------------------------------------------------------------ one connection
    async def _handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        _nodelay(writer)
        refuse = self.planner.on_connect()
        if refuse is not None:
            self._count(Fired(refuse.label, ""))
            # The listener closes before the reset, so the client's next connect
            # is refused.
            if refuse.how == "closed_listener" and self._stop_listening():
                self.background(self._relisten(refuse.seconds))
            _reset(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            _reset(writer)
            return
        _nodelay(up_writer)
        self._live.add(writer)
        conn = _Connection(self, reader, writer, up_reader, up_writer)
        try:
            await conn.run()
        except asyncio.CancelledError:
            pass  # the proxy stops (asyncio's server callback logs a cancelled task)
        finally:
            self._live.discard(writer)
            for w in (writer, up_writer):
                if not w.is_closing():
                    w.close()


class _Connection:
    """Both directions of one proxied connection."""

    def __init__(
        self,
        proxy: WireProxy,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        self.proxy = proxy
        self.reader, self.writer = reader, writer
        self.up_reader, self.up_writer = up_reader, up_writer
        self.requests = RequestScanner()
        self.scanner = ResponseScanner(None)
        self.path = ""
        self.dripped = 0

    async def run(self) -> None:
        up = asyncio.create_task(self._client_to_server())
        down = asyncio.create_task(self._server_to_client())
        done, pending = await asyncio.wait({up, down}, return_when="FIRST_COMPLETED")
        if down in done and down.result() == "stall":
            # Hold the client's socket open, silent, until it gives up on us.
            self.up_writer.close()
            try:
                await asyncio.wait_for(asyncio.shield(up), STALL_MAX)
            except (TimeoutError, asyncio.CancelledError):
                pass
        for task in pending:
            task.cancel()
        await asyncio.gather(up, down, return_exceptions=True)

    async def _client_to_server(self) -> None:
        try:
            while data := await self.reader.read(65536):
                for head in self.requests.feed(data):
                    fault = self.proxy.planner.on_request(head)
                    self.scanner = ResponseScanner(fault)
                    self.path = head.path
                    self.dripped = 0
                if self.up_writer.is_closing():
                    raise ConnectionResetError("the server side is gone")
                self.up_writer.write(data)
                await self.up_writer.drain()
        except (ConnectionError, OSError):
            _reset(self.up_writer)
            return
        # The client closed: so does the server side.
        if not self.up_writer.is_closing():
            self.up_writer.close()

    async def _server_to_client(self) -> str:
        try:
            while data := await self.up_reader.read(65536):
                forward, cut = self.scanner.feed(data)
                await self._send(forward)
                if cut is not None:
                    return await self._act(cut, forward)
        except (ConnectionError, OSError):
            # The server reset (the mock's own `reset` fault): so do we.
            _reset(self.writer)
            return "reset"
        if not self.writer.is_closing():
            self.writer.close()  # the server closed: FIN
        return "eof"

    async def _send(self, data: bytes) -> None:
        # A transport that was reset (an outage, a cut) only counts writes and warns
        # ("socket.send() raised exception"): stop instead.
        if self.writer.is_closing():
            raise ConnectionResetError("the client side is gone")
        fault = self.scanner.fault
        if fault is not None and fault.drip and self.dripped < DRIP_LIMIT:
            n = min(len(data), DRIP_LIMIT - self.dripped)
            self.dripped += n
            self.proxy.drip_writes += n
            for i in range(n):
                self.writer.write(data[i : i + 1])
                await self.writer.drain()
                await asyncio.sleep(0)
            data = data[n:]
        if data:
            self.writer.write(data)
            await self.writer.drain()

    async def _act(self, cut: Cut, forward: bytes) -> str:
        fault = cut.fault
        rest = self.scanner.withheld[:16]  # what the cut withheld (a peek)
        record = Fired(fault.label, self.path, cut.offset, forward[-16:], rest)
        self.proxy._count(record)
        if fault.action == "fin":
            self.writer.close()
            self.up_writer.close()
        elif fault.action == "rst":
            _reset(self.writer)
            _reset(self.up_writer)
        elif fault.action == "outage":
            if self.proxy._stop_listening():
                self.proxy.background(self.proxy._relisten(self.proxy.outage_seconds))
            for writer in list(self.proxy._live):
                _reset(writer)
            _reset(self.up_writer)
        return fault.action


def _nodelay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN (SO_LINGER 0), as a crashed peer does."""
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.fileno() >= 0:
        try:
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        except OSError:
            pass
    writer.transport.abort()
