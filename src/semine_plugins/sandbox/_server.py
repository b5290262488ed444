"""Run the sandbox as a real HTTP server on loopback, in a background thread."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from types import TracebackType

import uvicorn

from semine_plugins.sandbox._app import DEFAULT_MAX_DOCUMENT_BYTES, SandboxApp, create_app

#: Seconds to wait for the server to start, and for it to stop.
_START_TIMEOUT = 15.0
_STOP_TIMEOUT = 15.0


class _Uvicorn(uvicorn.Server):
    """uvicorn, telling us when it listens; signals handled only when asked."""

    def __init__(
        self,
        config: uvicorn.Config,
        *,
        on_started: Callable[[], None],
        handle_signals: bool,
    ) -> None:
        super().__init__(config)
        self._on_started = on_started
        self._handle_signals = handle_signals

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_started()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Stop on SIGINT/SIGTERM without re-raising them afterwards."""
        if not self._handle_signals or threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)

    def port(self) -> int:
        """The port the first listening socket is bound to."""
        for server in self.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        raise RuntimeError("the sandbox is not listening")


def _config(app: SandboxApp, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
        http="h11",
    )


class SandboxServer:
    """The sandbox served by uvicorn on ``host`` (loopback) in a background thread.

    ``with SandboxServer() as server: server.url`` — port 0 picks a free port.
    Starting waits until uvicorn listens (bounded); leaving stops the server,
    closes its connections and the database.

    :param host: the address to listen on.
    :param port: the port (0: any free port).
    :param db: the SQLite path (``":memory:"`` by default).
    :param max_document_bytes: larger imports are answered 413.
    :param token_lifetime: seconds a password-grant token stays valid.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str = ":memory:",
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        token_lifetime: int = 3600,
    ) -> None:
        self.host = host
        self._port = port
        self._db = db
        self._max = max_document_bytes
        self._lifetime = token_lifetime
        self._server: _Uvicorn | None = None
        self._thread: threading.Thread | None = None
        self.app: SandboxApp | None = None

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not started"
        return f"SandboxServer({where})"

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``."""
        if self._server is None:
            raise RuntimeError("the sandbox server is not running")
        return f"http://{self.host}:{self._server.port()}"

    def start(self) -> None:
        """Start serving; return once the server listens.

        :raises RuntimeError: the server did not start in time (e.g. port taken).
        """
        if self._server is not None:
            raise RuntimeError("the sandbox server is already running")
        self.app = create_app(self._db, max_document_bytes=self._max, token_lifetime=self._lifetime)
        ready = threading.Event()
        server = _Uvicorn(
            _config(self.app, self.host, self._port), on_started=ready.set, handle_signals=False
        )

        def run() -> None:
            try:
                server.run()
            except SystemExit:  # uvicorn exits when it cannot bind; start() reports it
                pass
            finally:
                ready.set()

        self._thread = threading.Thread(target=run, name="semine-sandbox", daemon=True)
        self._thread.start()
        ready.wait(_START_TIMEOUT)
        if not server.started:
            server.should_exit = True
            self._thread.join(_STOP_TIMEOUT)
            self.app.close()
            self.app = None
            raise RuntimeError(f"the sandbox did not start on {self.host}:{self._port}")
        self._server = server

    def stop(self) -> None:
        """Stop serving and close the database (idempotent)."""
        if self._server is not None:
            self._server.should_exit = True
            assert self._thread is not None  # noqa: S101 - set with _server
            self._thread.join(_STOP_TIMEOUT)
            self._server = None
        if self.app is not None:
            self.app.close()
            self.app = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve_forever(
    *,
    host: str,
    port: int,
    db: str,
    on_started: Callable[[str], None],
) -> None:
    """Serve the sandbox in this thread until SIGINT or SIGTERM."""
    app = create_app(db)
    try:
        server: _Uvicorn

        def started() -> None:
            on_started(f"http://{host}:{server.port()}")

        server = _Uvicorn(_config(app, host, port), on_started=started, handle_signals=True)
        with contextlib.suppress(SystemExit):  # uvicorn exits when it cannot bind
            server.run()
        if not server.started:
            raise RuntimeError(f"the sandbox could not listen on {host}:{port}")
    finally:
        app.close()
