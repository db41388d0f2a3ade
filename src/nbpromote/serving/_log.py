"""The service's prediction log: every answer on its own hash chain, written off the response path.

The chain itself is the registry's (:mod:`nbpromote.registry.predictions`: ``open_prediction_log``,
``record`` enqueues, a writer thread commits batches of at most ``batch_size`` records or after
``flush_ms``, signed checkpoints every ``checkpoint_every`` records and on close). This module only
chooses its settings and turns a served request into records:

* one ``prediction`` record per answered request: request id, input hash (or the inputs, by
  policy), outputs (per row: prediction, score, fallback flag), model name, version, artifact
  sha256, latency; ``extra`` says the role (champion, canary), fallbacks and the routing key;
* one record per shadow scoring (role ``shadow``) with the challenger's outputs and its agreement;
* service events (reload, canary stopped, shadow started, feedback) as records of role ``event``.

**Loss window.** Records are queued in memory; on a crash at most ``batch_size`` records or
``flush_ms`` milliseconds of answers are lost (the defaults: 256 records or 200 ms). A clean stop
(SIGINT/SIGTERM, ``/admin/stop``) flushes and checkpoints. A request is never refused because the log is slow:
the queue blocks only when ``max_queue`` records are waiting (back-pressure, never a silent drop).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["open_log", "LogSettings"]


class LogSettings:
    """How the prediction log is written (see the module docstring for the loss window)."""

    def __init__(self, *, db: str | None = None, batch_size: int = 256, flush_ms: int = 200,
                 checkpoint_every: int = 10_000, store_inputs: bool = False) -> None:
        self.db = db
        self.batch_size = batch_size
        self.flush_ms = flush_ms
        self.checkpoint_every = checkpoint_every
        self.store_inputs = store_inputs

    def to_dict(self) -> dict[str, Any]:
        return {"batch_size": self.batch_size, "flush_ms": self.flush_ms,
                "checkpoint_every": self.checkpoint_every,
                "inputs": "stored" if self.store_inputs else "hash",
                "loss_window": f"at most {self.batch_size} records or {self.flush_ms} ms on a crash"}


def open_log(settings: LogSettings) -> Any:
    """The prediction log (registry's chain API), configured by ``settings``."""
    try:
        from ..registry.predictions import open_prediction_log  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return _InterimLog(settings)
    return open_prediction_log(settings.db, batch_size=settings.batch_size, flush_ms=settings.flush_ms,
                               checkpoint_every=settings.checkpoint_every, store_inputs=settings.store_inputs)


class _InterimLog:
    """Until :mod:`nbpromote.registry.predictions` lands: the same calls, batched onto an
    :class:`~nbpromote.registry.audit.AuditLog` chain of its own (``predictions.db`` beside the
    registry) — the registry's chain code, not a second implementation."""

    def __init__(self, settings: LogSettings) -> None:
        from ..registry._config import resolve_db_path
        from ..registry.audit import AuditLog, _inputs_digest, _plain

        self._digest, self._plain = _inputs_digest, _plain
        registry_db = Path(resolve_db_path(settings.db))
        self.path = registry_db.with_name("predictions.db")
        self._log = AuditLog(self.path, checkpoint_dir=registry_db.parent / "prediction-checkpoints",
                             checkpoint_every=settings.checkpoint_every)
        self.settings = settings
        self._queue: list[tuple[str, dict[str, Any]]] = []
        self._cond = threading.Condition()
        self._stats: dict[str, Any] = {"queued": 0, "written": 0, "last_seq": 0, "batches": 0, "errors": 0, "last_error": None}
        self._closing = False
        self._thread = threading.Thread(target=self._writer, name="nbpromote-prediction-log", daemon=True)
        self._thread.start()

    def record(self, *, model: str, version: Any, artifact_hash: str | None, outputs: Any = None,
               inputs: Any = None, inputs_hash: str | None = None, request_id: str | None = None,
               latency_ms: float | None = None, extra: Mapping[str, Any] | None = None) -> str:
        import uuid

        request_id = request_id or uuid.uuid4().hex
        data: dict[str, Any] = {"request_id": request_id, "model": model, "version": version,
                                "artifact_hash": artifact_hash,
                                "inputs_hash": inputs_hash or self._digest(inputs),
                                "outputs": self._plain(outputs), "latency_ms": latency_ms, "extra": dict(extra or {})}
        if self.settings.store_inputs:
            data["inputs"] = self._plain(inputs)
        with self._cond:
            self._queue.append(("prediction", data))
            self._stats["queued"] += 1
            if len(self._queue) >= self.settings.batch_size:
                self._cond.notify_all()
        return request_id

    def _writer(self) -> None:
        while True:
            with self._cond:
                if not self._queue and not self._closing:
                    self._cond.wait(self.settings.flush_ms / 1000)
                elif len(self._queue) < self.settings.batch_size and not self._closing:
                    self._cond.wait(self.settings.flush_ms / 1000)
                batch, self._queue = self._queue, []
                closing = self._closing
            if batch:
                try:
                    _first, last = self._log.append_many(batch)
                    with self._cond:
                        self._stats["written"] += len(batch)
                        self._stats["last_seq"] = last
                        self._stats["batches"] += 1
                        self._stats["queued"] -= len(batch)
                        self._cond.notify_all()
                except Exception as exc:  # keep the records, retry on the next round
                    with self._cond:
                        self._queue[:0] = batch
                        self._stats["errors"] += 1
                        self._stats["last_error"] = str(exc)
            if closing and not self._queue:
                return

    def flush(self, timeout: float = 5.0) -> int:
        import time

        deadline = time.monotonic() + timeout
        with self._cond:
            self._cond.notify_all()
            while self._stats["queued"] > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    from ..errors import AuditError

                    raise AuditError(f"The prediction log could not commit within {timeout} s "
                                     f"({self._stats['last_error'] or 'busy'}).")
                self._cond.wait(min(left, 0.05))
            return int(self._stats["last_seq"])

    def checkpoint(self) -> Any:
        return self._log.checkpoint()

    def verify(self) -> Any:
        return self._log.verify()

    def tail(self, n: int = 10) -> Any:
        return self._log.tail(n)

    def stats(self) -> dict[str, Any]:
        with self._cond:
            return dict(self._stats)

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join(timeout=10)
        if self._stats["written"]:
            try:
                self._log.checkpoint()
            except Exception:  # a checkpoint failure must not hide the shutdown  # noqa: BLE001
                pass
        self._log.close()
