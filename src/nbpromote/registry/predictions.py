"""The prediction log: every answer a model gave, in a hash chain of its own, written off the hot path.

DESIGN decision 4: predictions do not go into the registry's audit chain (``load`` and ``verify`` of
registry events must not replay millions of prediction records); they get their own chain in the
same database (tables ``prediction_log`` / ``prediction_anchor``, its own log id, its own lock on
PostgreSQL), with the same hash linking and the same signed checkpoints, taken periodically.
``nbpromote audit verify`` covers both chains.

:meth:`PredictionLog.record` only hashes the inputs and puts the record on a queue: a background
thread commits the queue in batches (one transaction per batch). The crash loss window is at most
``batch_size`` records or ``flush_ms`` milliseconds (plus what was queued behind a stalled database);
:meth:`flush` waits until everything recorded so far is committed. Records are never dropped: a full
queue blocks :meth:`record` (back-pressure), and a failing database is retried, with the error in
:meth:`stats`. See ``/docs/security.md`` for what the chain protects.
"""

from __future__ import annotations

import atexit
import threading
import time
import uuid
import weakref
from collections import deque
from typing import Any

from ..errors import AuditError, NbpromoteError
from ._db import utcnow
from .audit import AuditLog, AuditRecord, Checkpoint, VerifyResult, _inputs_digest, _plain

__all__ = ["PredictionLog", "open_prediction_log"]

_OPEN: weakref.WeakSet[PredictionLog] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:  # pragma: no cover - runs at interpreter exit
    for log in list(_OPEN):
        try:
            log.close(timeout=5.0)
        except Exception:
            pass


class PredictionLog:
    """An append-only, hash-chained, batched log of predictions.

    Parameters
    ----------
    db : str, Path or None, default=None
        The registry database (same resolution as :func:`~nbpromote.registry.open_registry`; a
        ``postgresql://`` URL works). The chain lives in its own tables there.
    batch_size : int, default=256
        A batch is committed once this many records are queued …
    flush_ms : float, default=200
        … or this many milliseconds after the oldest queued record: the crash loss window.
    checkpoint_every : int or None, default=10000
        Sign a checkpoint every this many records (and on :meth:`close`).
    checkpoint_seconds : float or None, default=60.0
        Also sign at most this long after the last checkpoint when records were added.
    store_inputs : bool, default=False
        The inputs policy: keep the inputs themselves, not only their hash.
    max_queue : int, default=100000
        Records waiting for the writer; :meth:`record` blocks (never drops) when it is full.
    checkpoint_dir, key, signer, timeout : optional
        As for :class:`~nbpromote.registry.audit.AuditLog`.

    Examples
    --------
    >>> log = open_prediction_log("registry.db")                               # doctest: +SKIP
    >>> rid = log.record(model="credit_risk", version=3, artifact_hash="sha256:…",
    ...                  inputs=batch, outputs=[0.1, 0.8], latency_ms=4.2)       # doctest: +SKIP
    >>> log.flush(); log.verify().ok                                           # doctest: +SKIP
    True
    """

    def __init__(self, db: Any = None, *, batch_size: int = 256, flush_ms: float = 200.0,
                 checkpoint_every: int | None = 10_000, checkpoint_seconds: float | None = 60.0,
                 store_inputs: bool = False, max_queue: int = 100_000, checkpoint_dir: Any = None,
                 key: bytes | str | None = None, signer: str | None = None, timeout: float = 10.0) -> None:
        if batch_size < 1 or flush_ms < 0 or max_queue < 1:
            raise AuditError("PredictionLog needs batch_size >= 1, flush_ms >= 0 and max_queue >= 1.")
        self._options = {"checkpoint_dir": checkpoint_dir, "key": key, "signer": signer, "timeout": timeout,
                         "checkpoint_every": None, "chain": "prediction"}
        self._reader = AuditLog(db, **self._options)  # opens (and migrates) the database now: errors surface here
        database = self._reader.database
        self._db_location = getattr(database, "url", None) or str(database.path)  # never the redacted URL
        self.batch_size, self.flush_s = int(batch_size), float(flush_ms) / 1000.0
        self.checkpoint_every, self.checkpoint_seconds = checkpoint_every, checkpoint_seconds
        self.store_inputs, self.max_queue = store_inputs, int(max_queue)
        self._queue: deque[tuple[str, dict[str, Any], float]] = deque()
        self._cond = threading.Condition()
        self._recorded = self._committed = 0
        self._stats: dict[str, Any] = {"written": 0, "batches": 0, "errors": 0, "last_error": None, "last_seq": 0,
                       "checkpoints": 0}
        self._closing = False
        self._urgent = False  # a flush() is waiting: write what is queued without waiting for a full batch
        self._thread = threading.Thread(target=self._run, name="nbpromote-prediction-log", daemon=True)
        self._thread.start()
        _OPEN.add(self)

    # --- the hot path -----------------------------------------------------------------------------
    def record(self, *, model: str, version: int | str, artifact_hash: str, outputs: Any = None, inputs: Any = None,
               inputs_hash: str | None = None, request_id: str | None = None, latency_ms: float | None = None,
               extra: dict[str, Any] | None = None) -> str:
        """Queue one prediction record; returns its request id (generated when not given).

        Never touches the database. Blocks only when ``max_queue`` records are already waiting.
        """
        if self._closing:
            raise AuditError("The prediction log is closed.")
        rid = request_id or uuid.uuid4().hex
        data: dict[str, Any] = {"request_id": rid, "model": model, "version": version, "artifact_hash": artifact_hash,
                                "inputs_hash": inputs_hash or _inputs_digest(inputs), "outputs": _plain(outputs),
                                "latency_ms": latency_ms, "extra": extra or {}}
        if self.store_inputs and inputs is not None:
            data["inputs"] = _plain(inputs)
        with self._cond:
            while len(self._queue) >= self.max_queue and not self._closing:
                self._cond.wait(0.05)
            self._queue.append((utcnow(), data, time.monotonic()))
            self._recorded += 1
            # Wake the writer only when it has something to do: a first record starts its flush_ms
            # clock, a full batch is due now. Waking it for every record costs the caller a thread
            # switch on the response path for nothing (it would only go back to waiting).
            if len(self._queue) == 1 or len(self._queue) >= self.batch_size:
                self._cond.notify_all()
        return rid

    # --- the writer thread --------------------------------------------------------------------------
    def _run(self) -> None:
        writer: AuditLog | None = None
        last_cp_time = time.monotonic()
        since_cp = 0
        backoff = 0.05
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait(0.5)
                if not self._queue and self._closing:
                    break
                # Wait for a full batch, or until the oldest record has waited flush_ms.
                while len(self._queue) < self.batch_size and not self._closing and not self._urgent:
                    left = self._queue[0][2] + self.flush_s - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                batch = [self._queue[i] for i in range(min(self.batch_size, len(self._queue)))]
            try:
                if writer is None:
                    writer = AuditLog(self._db_location, **self._options)  # its own connection, in this thread
                first, last = writer._append_rows([("prediction", at, data) for at, data, _t in batch])
                writer._maybe_checkpoint(last)  # the chain's first record is signed at once
            except (NbpromoteError, OSError, RuntimeError) as exc:
                with self._cond:
                    self._stats["errors"] = int(self._stats["errors"] or 0) + 1
                    self._stats["last_error"] = str(exc)
                if writer is not None:
                    writer.close()
                    writer = None
                time.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
                continue
            backoff = 0.05
            since_cp += len(batch)
            with self._cond:
                for _ in batch:
                    self._queue.popleft()
                self._committed += len(batch)
                self._stats["written"] = int(self._stats["written"] or 0) + len(batch)
                self._stats["batches"] = int(self._stats["batches"] or 0) + 1
                self._stats["last_seq"] = last
                if not self._queue:
                    self._urgent = False
                self._cond.notify_all()
            due = (self.checkpoint_every and since_cp >= self.checkpoint_every) or (
                self.checkpoint_seconds is not None and time.monotonic() - last_cp_time >= self.checkpoint_seconds)
            if due:
                if self._sign(writer):
                    since_cp, last_cp_time = 0, time.monotonic()
        if writer is not None:
            if since_cp:
                self._sign(writer)
            writer.close()

    def _sign(self, writer: AuditLog | None) -> bool:
        if writer is None:
            return False
        try:
            writer.checkpoint()
        except (NbpromoteError, OSError) as exc:
            with self._cond:
                self._stats["errors"] = int(self._stats["errors"] or 0) + 1
                self._stats["last_error"] = f"checkpoint: {exc}"
            return False
        with self._cond:
            self._stats["checkpoints"] = int(self._stats["checkpoints"] or 0) + 1
        return True

    # --- control ------------------------------------------------------------------------------------
    def flush(self, timeout: float | None = 10.0) -> int:
        """Wait until every record queued so far is committed; returns the chain's last sequence number.

        Raises :class:`~nbpromote.errors.AuditError` when that does not happen within ``timeout``.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            target = self._recorded
            if self._committed < target:
                self._urgent = True
            self._cond.notify_all()
            while self._committed < target:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise AuditError(
                        f"Prediction log {self._reader.location}: {target - self._committed} records not committed "
                        f"after {timeout} s (last error: {self._stats['last_error'] or 'none'}).",
                        hint="Check that the registry database is reachable and not locked by a long transaction.")
                self._cond.wait(0.05 if left is None else min(left, 0.05))
            return int(self._stats["last_seq"] or 0)

    def checkpoint(self) -> Checkpoint:
        """Commit what is queued, then sign the chain's head now."""
        self.flush()
        return self._reader.checkpoint()

    def verify(self, *, strict: bool | None = None) -> VerifyResult:
        """Verify the prediction chain (hash links, contiguous sequence, signed checkpoints)."""
        return self._reader.verify(strict=strict, check_state=False, other_chains=False, settle=0)

    def tail(self, n: int = 10) -> list[AuditRecord]:
        """The last ``n`` committed prediction records, oldest first."""
        return self._reader.tail(n)

    def stats(self) -> dict[str, Any]:
        """``queued``, ``written``, ``batches``, ``last_seq``, ``checkpoints``, ``errors``, ``last_error``."""
        with self._cond:
            return {"queued": len(self._queue), **self._stats}

    def close(self, timeout: float = 10.0) -> None:
        """Commit what is queued, sign the head, stop the writer."""
        if self._closing:
            return
        try:
            self.flush(timeout)
        finally:
            with self._cond:
                self._closing = True
                self._cond.notify_all()
            self._thread.join(timeout)
            self._reader.close()
            _OPEN.discard(self)

    def __enter__(self) -> PredictionLog:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_prediction_log(db: Any = None, **options: Any) -> PredictionLog:
    """Open the prediction log of the registry at ``db`` (see :class:`PredictionLog`)."""
    return PredictionLog(db, **options)
