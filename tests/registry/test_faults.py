"""Faults, for real: racing processes, a killed writer, a locked, read-only or corrupt database.

Tests taking ``db_url`` run on SQLite and on PostgreSQL; the others are about SQLite files.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time

import pytest

from nbpromote.errors import AuditError, RegistryUnavailableError
from nbpromote.registry import AuditLog, open_registry

from . import _workers
from .conftest import LINEAGE

NAME = "credit_risk"
CTX = multiprocessing.get_context("spawn")


def setup_champion(db, trained, challengers=1):
    with open_registry(db) as reg:
        reg.register(NAME, trained["models"]["v1"], metrics=trained["metrics"]["v1"], lineage=LINEAGE,
                     holdout=trained["holdout"])
        reg.promote(NAME, 1, reason="first", approve=True)
        for _ in range(challengers):
            reg.register(NAME, trained["models"]["v3"], metrics=trained["metrics"]["v3"], lineage=LINEAGE,
                         holdout=trained["holdout"])


@pytest.mark.slow
def test_concurrent_promotions_exactly_one_wins(db_url, trained, raw):
    db = db_url
    racers = list(range(2, 10))
    setup_champion(db, trained, challengers=len(racers))  # v2..v9, all clearly better than v1, equal to each other
    # Hold the write lock while the eight processes pass the gate against v1 (readers are not
    # blocked); once all eight wait for the lock, release it: they race for the same slot.
    holder = raw(db)
    holder.hold_write_lock()
    results, gated = CTX.Queue(), CTX.Semaphore(0)
    procs = [CTX.Process(target=_workers.promote_racing, args=(db, NAME, v, gated, results)) for v in racers]
    for p in procs:
        p.start()
    for _ in procs:
        assert gated.acquire(timeout=180), "a racer never reached the write phase"
    time.sleep(0.3)  # let the last one enter its wait
    holder.release()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    outcomes = dict(results.get(timeout=5) for _ in procs)
    winners = [v for v, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1, outcomes
    assert sorted(o for o in outcomes.values() if o != "won") == ["PromotionConflictError"] * (len(racers) - 1)
    with open_registry(db) as reg:
        assert reg.live(NAME).version == winners[0]
        assert sum(1 for v in reg.versions(NAME) if v.stage == "Production") == 1
        assert reg.verify(strict=True).ok


@pytest.mark.slow
def test_killed_mid_transition_leaves_the_database_consistent(db_url, backend, trained):
    db = db_url
    setup_champion(db, trained)
    ready = CTX.Event()
    proc = CTX.Process(target=_workers.promote_and_hang, args=(db, NAME, 2, ready))
    proc.start()
    assert ready.wait(60), "the child never reached the middle of its transaction"
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    with open_registry(db, timeout=5) as reg:
        assert reg.live(NAME).version == 1
        assert reg.get(NAME, 2).stage == "None"
        assert not [t for t in reg.history(NAME) if t.actor == "doomed"]
        assert not [r for r in reg.audit.tail(100) if r.data.get("actor") == "doomed"]  # same transaction
        assert reg.audit.verify().ok
        if backend == "sqlite":
            assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The lock died with the process: the next promotion goes through.
        assert reg.promote(NAME, 2, reason="after the crash").to_stage == "Production"
        assert reg.audit.verify().ok


def test_locked_database_times_out_with_a_clear_error(db_url, trained, raw):
    db = db_url
    setup_champion(db, trained)
    holder = raw(db)
    holder.hold_write_lock()
    try:
        with open_registry(db, timeout=0.3) as reg:
            assert reg.live(NAME).version == 1  # readers are not blocked (WAL)
            started = time.monotonic()
            with pytest.raises(RegistryUnavailableError, match="locked by another process") as info:
                reg.rollback(NAME, reason="x")
            assert 0.25 < time.monotonic() - started < 5
            assert info.value.cause == "locked"
    finally:
        holder.release()
    with open_registry(db, timeout=0.3) as reg:  # released: writes work again
        reg.set_alias(NAME, "shadow", 2)


def test_read_only_registry_reads_but_refuses_writes(db_url, trained):
    db = db_url
    setup_champion(db, trained)
    with open_registry(db, read_only=True) as reg:
        assert reg.live(NAME).version == 1 and reg.load(NAME) is not None
        with pytest.raises(RegistryUnavailableError, match="read-only"):
            reg.promote(NAME, 2, reason="no")
        with pytest.raises(RegistryUnavailableError, match="read-only"):
            reg.register(NAME, trained["models"]["v1"], metrics={}, lineage={})


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_file_is_opened_read_only(tmp_path, trained):
    db = tmp_path / "registry.db"
    setup_champion(db, trained)
    os.chmod(db, 0o444)
    with open_registry(db) as reg:
        assert reg.live(NAME).version == 1
        with pytest.raises(RegistryUnavailableError, match="read-only"):
            reg.rollback(NAME, reason="no")


def test_missing_registry_opened_read_only(tmp_path):
    with pytest.raises(RegistryUnavailableError, match="does not exist"):
        open_registry(tmp_path / "none.db", read_only=True)


def test_registry_path_that_is_a_directory(tmp_path):
    with pytest.raises(RegistryUnavailableError, match="is a directory"):
        open_registry(tmp_path)


def test_corrupt_database_file_is_a_clear_error(tmp_path):
    db = tmp_path / "registry.db"
    db.write_bytes(b"this is not sqlite" * 300)
    with pytest.raises(RegistryUnavailableError, match="not a valid SQLite database") as info:
        open_registry(db)
    assert str(db) in str(info.value) and info.value.cause == "corrupt" and "backup" in str(info.value)
    with pytest.raises(RegistryUnavailableError, match="not a valid SQLite database"):
        AuditLog(db)


def test_newer_schema_is_refused(db_url, trained, raw):
    db = db_url
    setup_champion(db, trained, challengers=0)
    raw(db)("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(RegistryUnavailableError, match="schema version 99, newer"):
        open_registry(db)


def test_dropped_audit_table_is_a_clear_error(db_url, trained, raw):
    db = db_url
    setup_champion(db, trained, challengers=0)
    raw(db)("DROP TABLE audit_log")
    with pytest.raises(AuditError, match="cannot be read"):
        AuditLog(db).verify()


def test_connection_used_after_fork_is_refused(db_url, trained):
    db = db_url
    setup_champion(db, trained, challengers=0)
    reg = open_registry(db)
    reg._db._pid = -1  # what a forked child would see: the opener's pid differs from its own
    with pytest.raises(RegistryUnavailableError, match="after a fork"):
        reg.live(NAME)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgresql_connection_lost_between_calls_is_reopened(db_url, trained, raw):
    setup_champion(db_url, trained, challengers=0)
    with open_registry(db_url) as reg:
        pid = reg._db.conn.info.backend_pid
        raw(db_url)("SELECT pg_terminate_backend(?)", (pid,))
        with pytest.raises(RegistryUnavailableError):
            reg.live(NAME)  # the call in flight fails with a clear error …
        assert reg.live(NAME).version == 1  # … and the next one reconnects
