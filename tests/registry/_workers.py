"""Functions run in child processes (spawned, never forked: SQLite connections must not cross a fork)."""

from __future__ import annotations

import os
import time


def append_records(db: str, n: int) -> None:
    from nbpromote.registry.audit import AuditLog

    log = AuditLog(db, checkpoint_every=None)
    for i in range(n):
        log.append("concurrent", {"pid": os.getpid(), "i": i})


def promote_racing(db: str, name: str, version: int, gated, results) -> None:
    """Promote ``version``; signal ``gated`` once the gate has passed against the champion it read,
    just before asking for the write lock. Reports the outcome by error class name."""
    from nbpromote.errors import NbpromoteError
    from nbpromote.registry import Registry

    class Signalling(Registry):
        def _before_write(self, operation):
            gated.release()

    reg = Signalling(db, timeout=60)
    try:
        reg.promote(name, version, reason=f"race {version}", actor=f"proc{version}")
        results.put((version, "won"))
    except NbpromoteError as error:
        results.put((version, type(error).__name__))


def promote_and_hang(db: str, name: str, version: int, ready) -> None:
    """Promote, but stall inside the transaction (after the stage writes, before COMMIT)."""
    from nbpromote.registry import Registry

    class Stalling(Registry):
        def _before_commit(self, conn, operation):
            ready.set()
            time.sleep(60)

    Stalling(db).promote(name, version, reason="will be killed", actor="doomed")


def log_predictions(db: str, n: int) -> None:
    from nbpromote.registry.predictions import open_prediction_log

    with open_prediction_log(db, batch_size=20, flush_ms=5) as log:
        for i in range(n):
            log.record(model="m", version=1, artifact_hash="sha256:00", outputs=[i], inputs_hash="xxh3_128:00",
                       extra={"pid": os.getpid()})
