"""The audit log as a specification: a hash chain, signed checkpoints, and a verifier naming the first bad record."""

from __future__ import annotations

import json
import sqlite3
import stat

import numpy as np
import pandas as pd
import pytest

from nbpromote.errors import AuditError, AuditTamperedError
from nbpromote.registry.audit import GENESIS_HASH, AuditLog, chain_hash


@pytest.fixture
def log(tmp_path):
    audit = AuditLog(tmp_path / "home" / "registry.db", checkpoint_every=None)
    yield audit
    audit.close()


def fill(log, n, *, checkpoint_at=()):
    for i in range(1, n + 1):
        log.append("test", {"i": i})
        if i in checkpoint_at:
            log.checkpoint()


def raw(log):
    conn = sqlite3.connect(log.path, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    return conn


def test_chain_links_every_record(log):
    fill(log, 3)
    conn = sqlite3.connect(log.path)
    rows = conn.execute("SELECT seq, payload, prev_hash, hash FROM audit_log ORDER BY seq").fetchall()
    prev = GENESIS_HASH
    for seq, payload, prev_hash, digest in rows:
        assert prev_hash == prev and digest == chain_hash(prev, seq, payload)
        prev = digest
    assert [r[0] for r in rows] == [1, 2, 3]
    result = log.verify()
    assert result.ok and result.size == 3 and result.first_bad_seq is None and result.exit_code == 0


def test_triggers_refuse_update_and_delete(log):
    fill(log, 2)
    conn = sqlite3.connect(log.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit_log SET payload = 'x' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE seq = 2")


def test_altered_record_is_named(log):
    fill(log, 10, checkpoint_at=(10,))
    conn = raw(log)
    payload = conn.execute("SELECT payload FROM audit_log WHERE seq = 4").fetchone()[0]
    conn.execute("UPDATE audit_log SET payload = ? WHERE seq = 4", (payload.replace('"i":4', '"i":40'),))
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 4 and "altered" in result.reason
    assert result.size == 3  # the trusted prefix
    with pytest.raises(AuditTamperedError) as info:
        result.raise_for_tamper()
    assert info.value.seq == 4 and info.value.exit_code == 1


def test_altered_kind_column_is_named(log):
    fill(log, 3)
    raw(log).execute("UPDATE audit_log SET kind = 'other' WHERE seq = 2")
    result = log.verify()
    assert (result.ok, result.first_bad_seq) == (False, 2) and "kind" in result.reason


def test_removed_record_is_named(log):
    fill(log, 6)
    raw(log).execute("DELETE FROM audit_log WHERE seq = 3")
    result = log.verify()
    assert (result.ok, result.first_bad_seq) == (False, 3) and "missing" in result.reason


def test_inserted_record_is_named(log):
    fill(log, 5)
    conn = raw(log)
    # Make room at seq 3 by shifting 3..5 up, then forge a record there with a correctly computed hash.
    for seq in (5, 4, 3):
        conn.execute("UPDATE audit_log SET seq = ? WHERE seq = ?", (seq + 1, seq))
    prev = conn.execute("SELECT hash FROM audit_log WHERE seq = 2").fetchone()[0]
    payload = json.dumps({"at": "2026-01-01T00:00:00.000000Z", "data": {"forged": True}, "kind": "test"},
                         separators=(",", ":"), sort_keys=True)
    conn.execute("INSERT INTO audit_log VALUES (3, 'test', ?, ?, ?)", (payload, prev, chain_hash(prev, 3, payload)))
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 4  # record 3 is forged well; 4 no longer links to it
    assert "does not link" in result.reason


def test_reordered_records_are_named(log):
    fill(log, 5)
    conn = raw(log)
    a = conn.execute("SELECT payload, hash FROM audit_log WHERE seq = 2").fetchone()
    b = conn.execute("SELECT payload, hash FROM audit_log WHERE seq = 3").fetchone()
    conn.execute("UPDATE audit_log SET payload = ?, hash = ? WHERE seq = 2", b)
    conn.execute("UPDATE audit_log SET payload = ?, hash = ? WHERE seq = 3", a)
    result = log.verify()
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_truncated_tail_is_caught_by_the_checkpoint(log):
    fill(log, 8, checkpoint_at=(8,))
    raw(log).execute("DELETE FROM audit_log WHERE seq > 5")
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 6 and "tail truncated" in result.reason


def test_truncation_without_checkpoint_is_not_detectable(log):
    """The negative case: with no checkpoint, a clean tail cut leaves a valid shorter chain."""
    fill(log, 8)
    raw(log).execute("DELETE FROM audit_log WHERE seq > 5")
    assert log.verify().ok


def test_recomputed_chain_is_caught_by_the_checkpoint(log):
    fill(log, 10, checkpoint_at=(3, 10))
    conn = raw(log)
    rows = conn.execute("SELECT seq, kind, payload FROM audit_log ORDER BY seq").fetchall()
    prev = GENESIS_HASH
    for seq, _kind, payload in rows:
        if seq == 6:
            payload = payload.replace('"i":6', '"i":600')
        digest = chain_hash(prev, seq, payload)
        conn.execute("UPDATE audit_log SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?", (payload, prev, digest, seq))
        prev = digest
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 4  # first record after the last good checkpoint (3)
    assert "rewritten" in result.reason and "records 4..10" in result.reason


def test_forged_checkpoint_is_caught(log):
    fill(log, 4)
    cp = log.checkpoint()
    doc = json.loads(open(cp.path).read())
    doc["size"] = 3
    open(cp.path, "w").write(json.dumps(doc))
    result = log.verify()
    assert not result.ok and "not signed with this log's key" in result.reason


def test_checkpoint_from_another_key_is_caught(log, tmp_path, monkeypatch):
    fill(log, 2)
    log.checkpoint()
    monkeypatch.setenv("NBPROMOTE_AUDIT_KEY", "a different key")
    assert not log.verify().ok


def test_key_file_is_created_private(log, isolated):
    fill(log, 1)
    log.checkpoint()
    key = isolated / "audit.key"
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600


def test_missing_key_with_checkpoints_is_a_clear_error(log, isolated):
    fill(log, 1)
    log.checkpoint()
    (isolated / "audit.key").unlink()
    with pytest.raises(AuditError, match="No audit key"):
        log.verify()


def test_automatic_checkpoints(tmp_path):
    log = AuditLog(tmp_path / "a.db", checkpoint_every=5)
    fill(log, 12)
    assert [c.size for c in log.checkpoints()] == [5, 10]


def test_prune_keeps_verification_passing(log):
    fill(log, 20)
    result = log.prune(before=11, reason="retention 10")
    assert (result.pruned_through, result.removed) == (10, 10)
    after = log.verify()
    assert after.ok and after.first_kept_seq == 11 and after.size == 21  # + the audit.prune record
    assert log.tail(1)[0].kind == "audit.prune"
    log.append("test", {"i": 22})
    assert log.verify().ok


def test_prune_anchor_cannot_be_forged(log):
    fill(log, 10)
    log.prune(keep_last=3)
    raw(log).execute("UPDATE audit_anchor SET hash = ?", ("ab" * 32,))
    result = log.verify()
    assert not result.ok and "anchor" in result.reason


def test_prune_refuses_a_tampered_log(log):
    fill(log, 6)
    raw(log).execute("DELETE FROM audit_log WHERE seq = 2")
    with pytest.raises(AuditTamperedError, match="record 2"):
        log.prune(before=4)
    assert sqlite3.connect(log.path).execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == 5


@pytest.mark.parametrize("kwargs", [{}, {"before": 3, "keep_last": 1}])
def test_prune_needs_exactly_one_bound(log, kwargs):
    fill(log, 3)
    with pytest.raises(AuditError, match="exactly one"):
        log.prune(**kwargs)


def test_append_prediction_hashes_inputs_by_default(log):
    df = pd.DataFrame({"income": [1.0, 2.0], "age": [30, 40]})
    rec = log.append_prediction("credit_risk", 3, "sha256:ab", df, np.array([0, 1]), "req-1", 4.5)
    assert rec.data["inputs_hash"].startswith("xxh3_128:") and "inputs" not in rec.data
    assert rec.data["outputs"] == [0, 1] and rec.data["latency_ms"] == 4.5
    same = log.append_prediction("credit_risk", 3, "sha256:ab", df.copy(), [0, 1], "req-2", 1.0)
    assert same.data["inputs_hash"] == rec.data["inputs_hash"]
    kept = log.append_prediction("credit_risk", 3, "sha256:ab", {"income": 1.0}, [1], "req-3", 1.0, store_inputs=True)
    assert kept.data["inputs"] == {"income": 1.0}
    given = log.append_prediction("credit_risk", 3, "sha256:ab", None, [1], "req-4", 1.0, inputs_hash="xxh3_128:ff")
    assert given.data["inputs_hash"] == "xxh3_128:ff"
    assert [r.data["request_id"] for r in log.tail(2, kind="prediction")] == ["req-3", "req-4"]
    assert log.verify().ok


def test_append_many_is_one_chain(log):
    first, last = log.append_many(("test", {"i": i}) for i in range(100))
    assert (first, last) == (1, 100) and log.verify().ok


def test_tail_bad_input_and_corrupt_payload(log):
    fill(log, 3)
    with pytest.raises(AuditError, match="n >= 0"):
        log.tail(-1)
    raw(log).execute("UPDATE audit_log SET payload = 'not json' WHERE seq = 2")
    records = log.tail(3)
    assert records[1].data == {"unreadable_payload": "not json"}
    assert log.verify().first_bad_seq == 2


def test_concurrent_writers_never_fork_the_chain(tmp_path):
    import multiprocessing

    from ._workers import append_records

    db = tmp_path / "c.db"
    AuditLog(db).close()  # create the schema once
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=append_records, args=(str(db), 40)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    result = AuditLog(db).verify()
    assert result.ok and result.size == 160
    pids = {r.data["pid"] for r in AuditLog(db).tail(160)}
    assert len(pids) == 4


HAS_CRYPTOGRAPHY = __import__("importlib").util.find_spec("cryptography") is not None


@pytest.mark.skipif(not HAS_CRYPTOGRAPHY, reason="Ed25519 checkpoints need the 'cryptography' package")
def test_ed25519_checkpoints_verify_with_the_public_key_only(tmp_path, isolated):
    log = AuditLog(tmp_path / "e.db", checkpoint_every=None, signer="ed25519")
    fill(log, 5, checkpoint_at=(5,))
    assert json.loads(open(log.checkpoints()[0].path).read())["algorithm"] == "ed25519"
    assert stat.S_IMODE((isolated / "audit.ed25519").stat().st_mode) == 0o600
    (isolated / "audit.ed25519").unlink()  # a verifier holds only the public key
    assert AuditLog(tmp_path / "e.db").verify().ok
    raw(log).execute("DELETE FROM audit_log WHERE seq > 3")
    assert AuditLog(tmp_path / "e.db").verify().first_bad_seq == 4


@pytest.mark.skipif(not HAS_CRYPTOGRAPHY, reason="Ed25519 checkpoints need the 'cryptography' package")
def test_ed25519_checkpoint_signed_by_another_key_is_caught(tmp_path, isolated):
    log = AuditLog(tmp_path / "e.db", checkpoint_every=None, signer="ed25519")
    fill(log, 2, checkpoint_at=(2,))
    for name in ("audit.ed25519", "audit.ed25519.pub"):
        (isolated / name).unlink()
    AuditLog(tmp_path / "other.db", checkpoint_every=None, signer="ed25519").checkpoint()  # new key pair
    assert not log.verify().ok


def test_unknown_signer_is_refused(tmp_path):
    with pytest.raises(AuditError, match="Unknown checkpoint signer"):
        AuditLog(tmp_path / "x.db", signer="rsa")
