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
    """The prediction log (:func:`nbpromote.registry.predictions.open_prediction_log`), configured by ``settings``."""
    from ..registry.predictions import open_prediction_log

    return open_prediction_log(settings.db, batch_size=settings.batch_size, flush_ms=settings.flush_ms,
                               checkpoint_every=settings.checkpoint_every, store_inputs=settings.store_inputs)
