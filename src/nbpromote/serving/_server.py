"""Running the service on uvicorn: in the foreground (``serve``) or in a thread (tests, benchmarks)."""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from ..errors import ServingError
from ._service import ServeConfig, Service

__all__ = ["serve", "ServerThread"]


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # connections made before uvicorn starts wait in the backlog
    except OSError as exc:
        sock.close()
        raise ServingError(f"Cannot listen on {host}:{port}: {exc.strerror}.",
                           hint="Pick another --port (0 picks a free one) or stop what is using it.") from None
    return sock


def _server(app: Any, log_level: str) -> Any:
    import uvicorn

    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off", timeout_graceful_shutdown=5)
    return uvicorn.Server(config)


def serve(pipeline: Any, config: ServeConfig, *, host: str = "127.0.0.1", port: int = 8000,
          stop_after: float | None = None, log_level: str = "warning",
          announce: Callable[[str], None] | None = None) -> None:
    """Serve ``pipeline``'s model until interrupted (or for ``stop_after`` seconds)."""
    from ._app import create_app

    service = Service(pipeline, config).start()
    sock = _bind(host, port)
    try:
        server = _server(create_app(service), log_level)
        # What is loaded now (modules, the model, its profile) lives as long as the process: keep it
        # out of the cyclic collector's full passes, which otherwise walk it every few hundred
        # requests (a pause of tens of milliseconds on a busy machine).
        gc.collect()
        gc.freeze()
        bound = sock.getsockname()[1]
        if announce:
            champion = service.champion
            assert champion is not None
            announce(f"serving {pipeline.name} v{champion.version} ({champion.artifact_hash[:19]}…) on "
                     f"http://{host}:{bound} — POST /predict, GET /health /ready /metadata /metrics")
        timer = None
        if stop_after:
            timer = threading.Timer(stop_after, lambda: setattr(server, "should_exit", True))
            timer.daemon = True
            timer.start()
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled: a clean stop, exit 0
            pass
        if timer is not None:
            timer.cancel()
    finally:
        sock.close()
        service.close()


class ServerThread:
    """A service on ``127.0.0.1`` (random port) in a background thread; a context manager.

    >>> with ServerThread(pipeline, ServeConfig()) as server:   # doctest: +SKIP
    ...     urllib.request.urlopen(server.url + "/ready")
    """

    def __init__(self, pipeline: Any, config: ServeConfig | None = None, *, service: Service | None = None,
                 startup_timeout: float = 30.0) -> None:
        self.service = service or Service(pipeline, config)
        self.startup_timeout = startup_timeout
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self.url = ""

    def __enter__(self) -> ServerThread:
        from ._app import create_app

        if self.service.champion is None:
            self.service.start()
        sock = _bind("127.0.0.1", 0)
        self._sock = sock
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = _server(create_app(self.service), "warning")
        self._server.install_signal_handlers = lambda: None  # not the main thread
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name="nbpromote-uvicorn")
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise ServingError("The test server did not start.", hint="See the log above.")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._sock.close()
        self.service.close()
