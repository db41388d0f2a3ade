"""Where the handlers' analysis runs: a process pool started when the extension loads.

Linting or exporting a large notebook takes CPU seconds and holds the GIL; run on the server's event
loop (or in one of its threads) it would stall every other request, ``/api/status`` included. So the
work goes to worker processes (``spawn``: no fork of a threaded server), which import the core once
when they start, so the first Lint from the panel pays no imports. Each call has a deadline: the
worker stops itself with SIGALRM; if it does not (stuck in C code), the pool is replaced.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..errors import error_body
from . import _work

__all__ = ["CorePool", "DEFAULT_TIMEOUT", "DEFAULT_WORKERS", "shared_pool"]

#: Seconds one analysis may take before the server gives up on it.
DEFAULT_TIMEOUT = 120.0
#: Worker processes (at most two: analysis is for the person at the keyboard, not a batch).
DEFAULT_WORKERS = max(1, min(2, os.cpu_count() or 1))


class CorePool:
    """Runs :func:`nbpromote.server._work.run` off the event loop.

    Parameters
    ----------
    workers : int, default=DEFAULT_WORKERS
        Worker processes; ``0`` runs in a thread of this process instead (tests that patch the core).
    timeout : float, default=DEFAULT_TIMEOUT
        Seconds per call.
    """

    def __init__(self, workers: int = DEFAULT_WORKERS, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.workers = workers
        self.timeout = timeout
        #: True: the server's shutdown leaves it running (a pool shared by a test session).
        self.keep_alive = False
        self._executor: Executor | None = None

    def start(self) -> None:
        """Start the workers now and import the core in each (the warm-up runs in the background)."""
        executor = self._ensure()
        if isinstance(executor, ProcessPoolExecutor):
            for _ in range(self.workers):
                executor.submit(_work.warm)

    def _ensure(self) -> Executor:
        if self._executor is None:
            if self.workers <= 0:
                self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="nbpromote")
            else:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_work.warm,
                )
        return self._executor

    def _replace(self) -> None:
        """Drop a broken or stuck pool: kill its workers, start afresh on the next call."""
        executor, self._executor = self._executor, None
        if isinstance(executor, ProcessPoolExecutor):
            # The public API cannot stop a running task; its worker processes can be killed.
            for process in list(getattr(executor, "_processes", {}).values()):
                try:
                    process.kill()
                except Exception:  # already gone
                    pass
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    async def run(self, part: str, root: str, path: str, body: dict[str, Any]) -> _work.Reply:
        """``(status, body)`` of one endpoint call (see :func:`nbpromote.server._work.run`)."""
        loop = asyncio.get_running_loop()
        executor = self._ensure()
        future = loop.run_in_executor(executor, _work.run, part, root, path, body, self.timeout)
        try:
            # The worker's own alarm fires first; this is the backstop for a worker that cannot.
            return await asyncio.wait_for(future, self.timeout + 10)
        except asyncio.TimeoutError:
            self._replace()
            return 504, error_body(
                "timeout",
                f"The analysis took longer than {self.timeout:g} s, so the server stopped it.",
                hint="Run it from a terminal instead (nbpromote lint / export NOTEBOOK).",
            )
        except BrokenProcessPool:
            self._replace()
            return 500, error_body(
                "worker-crashed",
                "The analysis process ended abruptly (out of memory?); nothing was written.",
                hint="Run it from a terminal to see why (nbpromote lint / export NOTEBOOK).",
            )

    async def status(self) -> dict[str, bool]:
        """Which core parts the workers can import (see :func:`nbpromote.server._work.core_status`)."""
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(self._ensure(), _work.core_status), self.timeout
            )
        except (asyncio.TimeoutError, BrokenProcessPool):
            self._replace()
            return {part: False for part in _work.CORE}

    def shutdown(self) -> None:
        """Stop the workers (the server is shutting down)."""
        self._replace()


_SHARED: CorePool | None = None


def shared_pool(pool: CorePool | None = None) -> CorePool:
    """This process's pool (created on first use); ``pool`` installs one instead (tests)."""
    global _SHARED
    if pool is not None:
        _SHARED = pool
    elif _SHARED is None:
        _SHARED = CorePool()
    return _SHARED
