"""The audit log as a specification: a hash chain, signed checkpoints, and a verifier naming the first bad record.

Every test taking ``db_url`` runs on SQLite and on PostgreSQL. The attacker of the "tamper" tests has
write access to the database (and to the checkpoint directory) but not the key: they can edit any
row, drop the guard triggers, recompute the whole chain and delete files, but cannot sign.
"""

from __future__ import annotations

import json
import shutil
import stat

import numpy as np
import pandas as pd
import pytest

from nbpromote.errors import AuditError, AuditTamperedError
from nbpromote.registry.audit import GENESIS_HASH, AuditLog, CheckpointStore, chain_hash


@pytest.fixture
def log(db_url):
    audit = AuditLog(db_url, checkpoint_every=None, signer="hmac")  # Ed25519 has tests of its own
    yield audit
    audit.close()


def fill(log, n, *, checkpoint_at=()):
    for i in range(1, n + 1):
        log.append("test", {"i": i})
        if i in checkpoint_at:
            log.checkpoint()


def recompute_chain(sql, *, edit=None, start=GENESIS_HASH):
    """What an attacker without the key does: rewrite records, then recompute every hash after them."""
    prev = start
    for seq, payload in sql("SELECT seq, payload FROM audit_log ORDER BY seq"):
        if edit is not None:
            payload = edit(seq, payload)
        digest = chain_hash(prev, seq, payload)
        sql("UPDATE audit_log SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?", (payload, prev, digest, seq))
        prev = digest
    return prev


def forge_append(sql, kind, data, *, table="audit_log"):
    """Append a record with a correct chain hash (no key needed for that)."""
    seq, prev = sql(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1")[0]
    payload = json.dumps({"at": "2026-12-01T00:00:00.000000Z", "data": data, "kind": kind}, sort_keys=True,
                         separators=(",", ":"))
    sql(f"INSERT INTO {table}(seq, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
        (seq + 1, kind, payload, prev, chain_hash(prev, seq + 1, payload)))
    return seq + 1


# --- the chain ------------------------------------------------------------------------------------
def test_chain_links_every_record(log, raw):
    fill(log, 3)
    rows = raw(log.location)("SELECT seq, payload, prev_hash, hash FROM audit_log ORDER BY seq")
    prev = GENESIS_HASH
    for seq, payload, prev_hash, digest in rows:
        assert prev_hash == prev and digest == chain_hash(prev, seq, payload)
        prev = digest
    assert [r[0] for r in rows] == [1, 2, 3]
    result = log.verify()
    assert result.ok and result.size == 3 and result.first_bad_seq is None and result.exit_code == 0


def test_triggers_refuse_update_and_delete(log, raw):
    fill(log, 2)
    sql = raw(log.location, guarded=True)
    with pytest.raises(Exception, match="append-only"):
        sql("UPDATE audit_log SET payload = 'x' WHERE seq = 1")
    with pytest.raises(Exception, match="append-only"):
        sql("DELETE FROM audit_log WHERE seq = 2")


def test_altered_record_is_named(log, raw):
    fill(log, 10, checkpoint_at=(10,))
    sql = raw(log.location)
    payload = sql("SELECT payload FROM audit_log WHERE seq = 4")[0][0]
    sql("UPDATE audit_log SET payload = ? WHERE seq = 4", (payload.replace('"i":4', '"i":40'),))
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 4 and "altered" in result.reason
    assert result.size == 3  # the trusted prefix
    with pytest.raises(AuditTamperedError) as info:
        result.raise_for_tamper()
    assert info.value.seq == 4 and info.value.exit_code == 1


def test_altered_kind_column_is_named(log, raw):
    fill(log, 3)
    raw(log.location)("UPDATE audit_log SET kind = 'other' WHERE seq = 2")
    result = log.verify()
    assert (result.ok, result.first_bad_seq) == (False, 2) and "kind" in result.reason


def test_removed_record_is_named(log, raw):
    fill(log, 6)
    raw(log.location)("DELETE FROM audit_log WHERE seq = 3")
    result = log.verify()
    assert (result.ok, result.first_bad_seq) == (False, 3) and "missing" in result.reason


def test_inserted_record_is_named(log, raw):
    fill(log, 5)
    sql = raw(log.location)
    # Make room at seq 3 by shifting 3..5 up, then forge a record there with a correctly computed hash.
    for seq in (5, 4, 3):
        sql("UPDATE audit_log SET seq = ? WHERE seq = ?", (seq + 1, seq))
    prev = sql("SELECT hash FROM audit_log WHERE seq = 2")[0][0]
    payload = json.dumps({"at": "2026-01-01T00:00:00.000000Z", "data": {"forged": True}, "kind": "test"},
                         separators=(",", ":"), sort_keys=True)
    sql("INSERT INTO audit_log VALUES (3, 'test', ?, ?, ?)", (payload, prev, chain_hash(prev, 3, payload)))
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 4  # record 3 is forged well; 4 no longer links to it
    assert "does not link" in result.reason


def test_reordered_records_are_named(log, raw):
    fill(log, 5)
    sql = raw(log.location)
    a = sql("SELECT payload, hash FROM audit_log WHERE seq = 2")[0]
    b = sql("SELECT payload, hash FROM audit_log WHERE seq = 3")[0]
    sql("UPDATE audit_log SET payload = ?, hash = ? WHERE seq = 2", b)
    sql("UPDATE audit_log SET payload = ?, hash = ? WHERE seq = 3", a)
    result = log.verify()
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_tail_bad_input_and_corrupt_payload(log, raw):
    fill(log, 3)
    with pytest.raises(AuditError, match="n >= 0"):
        log.tail(-1)
    raw(log.location)("UPDATE audit_log SET payload = 'not json' WHERE seq = 2")
    records = log.tail(3)
    assert records[1].data == {"unreadable_payload": "not json"}
    assert log.verify().first_bad_seq == 2


# --- checkpoints: truncation, recomputed chains, forged checkpoints ------------------------------------
def test_first_record_is_signed_and_then_every_n(db_url):
    log = AuditLog(db_url, checkpoint_every=5)
    fill(log, 12)
    assert [c.size for c in log.checkpoints()] == [1, 6, 11]
    assert log.verify().unsigned_tail == 1


def test_truncated_tail_is_caught_by_the_checkpoint(log, raw):
    fill(log, 8, checkpoint_at=(8,))
    raw(log.location)("DELETE FROM audit_log WHERE seq > 5")
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 6 and "tail truncated" in result.reason


def test_truncating_the_unsigned_tail_leaves_a_signed_prefix(log, raw):
    """What a checkpoint cannot see: records cut from the unsigned tail. The tail is reported, and
    ``strict`` turns an unsigned tail into a failure."""
    fill(log, 8)  # signed at 1 only
    assert (log.verify().unsigned_tail, log.verify().signed_size) == (7, 1)
    raw(log.location)("DELETE FROM audit_log WHERE seq > 5")
    result = log.verify()
    assert result.ok and result.unsigned_tail == 4
    strict = log.verify(strict=True)
    assert not strict.ok and strict.first_bad_seq == 2 and "unsigned tail of 4 records" in strict.reason


def test_recomputed_chain_is_caught_by_the_checkpoint(log, raw):
    fill(log, 10, checkpoint_at=(3, 10))
    recompute_chain(raw(log.location), edit=lambda seq, p: p.replace('"i":6', '"i":600') if seq == 6 else p)
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


def test_checkpoint_from_another_key_is_caught(log, monkeypatch):
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


# --- issue 16 item 2: the log cannot be rewritten quietly ------------------------------------------------
def _log_id(sql):
    return sql("SELECT value FROM meta WHERE key = 'audit_log_id'")[0][0]


@pytest.mark.parametrize("identity", ["changed", "deleted"])
def test_recomputed_chain_with_a_new_or_no_log_id_fails(log, raw, identity):
    fill(log, 6, checkpoint_at=(6,))
    sql = raw(log.location)
    recompute_chain(sql, edit=lambda seq, p: p.replace('"i":2', '"i":200') if seq == 2 else p)
    if identity == "changed":
        sql("UPDATE meta SET value = ? WHERE key = 'audit_log_id'", ("f" * 32,))
    else:
        sql("DELETE FROM meta WHERE key = 'audit_log_id'")
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 1 and result.checkpoints_checked == 0
    assert ("unknown log id" in result.reason) if identity == "changed" else ("no log id" in result.reason)


def test_a_changed_log_id_names_the_logs_that_do_have_checkpoints(log, raw):
    fill(log, 2)
    sql = raw(log.location)
    real = _log_id(sql)
    sql("UPDATE meta SET value = 'bogus' WHERE key = 'audit_log_id'")
    result = log.verify()
    assert not result.ok and real in result.reason


def test_deleted_checkpoint_directory_fails(log):
    fill(log, 5, checkpoint_at=(5,))
    shutil.rmtree(log.checkpoint_dir)
    result = log.verify()
    assert not result.ok and result.checkpoints_checked == 0
    assert "no signed checkpoint" in result.reason or "missing" in result.reason


def test_deleted_checkpoint_directory_and_meta_record_still_fail(log, raw):
    """Even after also erasing the database's note of its newest checkpoint: no checkpoint, no pass."""
    fill(log, 5, checkpoint_at=(5,))
    shutil.rmtree(log.checkpoint_dir)
    raw(log.location)("DELETE FROM meta WHERE key = 'audit_checkpoint'")
    result = log.verify()
    assert not result.ok and "no signed checkpoint" in result.reason


def test_a_deleted_intermediate_checkpoint_is_missed_by_its_successor(log):
    fill(log, 9, checkpoint_at=(3, 6, 9))
    middle = [c for c in log.checkpoints() if c.size == 6][0]
    import os

    os.unlink(middle.path)
    result = log.verify()
    assert not result.ok and "size 6" in result.reason and "missing" in result.reason


def test_deleting_the_newest_checkpoint_and_the_tail_it_signed_fails(log, raw):
    fill(log, 9, checkpoint_at=(5, 9))
    import os

    os.unlink([c for c in log.checkpoints() if c.size == 9][0].path)
    raw(log.location)("DELETE FROM audit_log WHERE seq > 5")
    result = log.verify()
    assert not result.ok and "size 9" in result.reason


def test_checkpoint_of_another_log_copied_in_does_not_count(db_url, raw, tmp_path):
    """The log id is inside the signed document: renaming another log's checkpoint does not help."""
    log = AuditLog(db_url, checkpoint_every=None)
    fill(log, 3)
    other = AuditLog(tmp_path / "other.db", checkpoint_every=None, checkpoint_dir=log.checkpoint_dir)
    fill(other, 3)
    foreign = other.checkpoints()[-1]
    mine = log.checkpoints()[0]
    shutil.copy(foreign.path, mine.path)
    result = log.verify()
    assert not result.ok and "not signed with this log's key" in result.reason


def test_a_forged_record_appended_after_the_last_checkpoint_is_an_unsigned_tail(log, raw):
    fill(log, 4, checkpoint_at=(4,))
    seq = forge_append(raw(log.location), "test", {"i": 5, "forged": True})
    result = log.verify()
    assert result.ok and (result.unsigned_tail, result.signed_size) == (1, 4)
    assert "unsigned tail of 1 records" in result.summary()
    strict = log.verify(strict=True)
    assert not strict.ok and strict.first_bad_seq == seq and "unsigned tail of 1 records" in strict.reason


def test_a_forged_registry_event_in_the_unsigned_tail_fails_by_default(log, raw):
    fill(log, 2)
    log.checkpoint()
    forge_append(raw(log.location), "registry.promote", {"model": "m", "version": 9, "to_stage": "Production"})
    result = log.verify(settle=0)
    assert not result.ok and result.first_bad_seq == 3 and result.unsigned_registry_events == 1
    assert "unsigned tail of 1 records (1 registry events)" in result.reason
    assert log.verify(strict=False, check_state=False).ok  # explicitly lenient


def test_empty_log_verifies(log):
    result = log.verify()
    assert result.ok and result.size == 0 and result.unsigned_tail == 0


def test_checkpoints_in_an_fsspec_store(db_url):
    url = "memory://nbpromote-test-checkpoints/" + __import__("uuid").uuid4().hex
    log = AuditLog(db_url, checkpoint_every=None, checkpoint_dir=url)
    fill(log, 3, checkpoint_at=(3,))
    assert [c.size for c in log.checkpoints()] == [1, 3] and log.verify().ok
    store = CheckpointStore(url)
    (log_id,) = store.log_ids()
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.rm(f"{url[len('memory://'):]}/{log_id}", recursive=True)
    assert not log.verify().ok


# --- retention ------------------------------------------------------------------------------------------
def test_prune_keeps_verification_passing(log):
    fill(log, 20)
    result = log.prune(before=11, reason="retention 10")
    assert (result.pruned_through, result.removed) == (10, 10)
    after = log.verify()
    assert after.ok and after.first_kept_seq == 11 and after.size == 21  # + the audit.prune record
    assert log.tail(1)[0].kind == "audit.prune"
    log.append("test", {"i": 22})
    assert log.verify().ok


def test_prune_anchor_cannot_be_forged(log, raw):
    fill(log, 10)
    log.prune(keep_last=3)
    raw(log.location)("UPDATE audit_anchor SET hash = ?", ("ab" * 32,))
    result = log.verify()
    assert not result.ok and "anchor" in result.reason


def test_prune_refuses_a_tampered_log(log, raw):
    fill(log, 6)
    sql = raw(log.location)
    sql("DELETE FROM audit_log WHERE seq = 2")
    with pytest.raises(AuditTamperedError, match="record 2"):
        log.prune(before=4)
    assert sql("SELECT COUNT(*) FROM audit_log")[0][0] == 5


@pytest.mark.parametrize("kwargs", [{}, {"before": 3, "keep_last": 1}])
def test_prune_needs_exactly_one_bound(log, kwargs):
    fill(log, 3)
    with pytest.raises(AuditError, match="exactly one"):
        log.prune(**kwargs)


# --- appends ---------------------------------------------------------------------------------------------
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


def test_concurrent_writers_never_fork_the_chain(db_url):
    import multiprocessing

    from ._workers import append_records

    AuditLog(db_url).close()  # create the schema once
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=append_records, args=(db_url, 40)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    log = AuditLog(db_url)
    result = log.verify()
    assert result.ok and result.size == 160
    assert len({r.data["pid"] for r in log.tail(160)}) == 4


# --- Ed25519 (verifiers hold only the public key) ------------------------------------------------------
HAS_CRYPTOGRAPHY = __import__("importlib").util.find_spec("cryptography") is not None
needs_crypto = pytest.mark.skipif(not HAS_CRYPTOGRAPHY, reason="Ed25519 checkpoints need the 'cryptography' package")


@needs_crypto
def test_ed25519_checkpoints_verify_with_the_public_key_only(db_url, raw, isolated):
    log = AuditLog(db_url, checkpoint_every=None, signer="ed25519")
    fill(log, 5, checkpoint_at=(5,))
    assert json.loads(open(log.checkpoints()[0].path).read())["algorithm"] == "ed25519"
    assert stat.S_IMODE((isolated / "audit.ed25519").stat().st_mode) == 0o600
    (isolated / "audit.ed25519").unlink()  # a verifier holds only the public key
    assert AuditLog(db_url).verify().ok
    raw(db_url)("DELETE FROM audit_log WHERE seq > 3")
    assert AuditLog(db_url).verify().first_bad_seq == 4


@needs_crypto
def test_ed25519_public_key_from_the_environment(db_url, isolated, monkeypatch):
    log = AuditLog(db_url, checkpoint_every=None, signer="ed25519")
    fill(log, 2, checkpoint_at=(2,))
    public = (isolated / "audit.ed25519.pub").read_text().strip()
    for name in ("audit.ed25519", "audit.ed25519.pub"):
        (isolated / name).unlink()
    monkeypatch.setenv("NBPROMOTE_AUDIT_PUBLIC_KEY", public)
    assert AuditLog(db_url).verify().ok
    monkeypatch.setenv("NBPROMOTE_AUDIT_PUBLIC_KEY", "00" * 32)
    assert not AuditLog(db_url).verify().ok


@needs_crypto
def test_ed25519_checkpoint_signed_by_another_key_is_caught(db_url, tmp_path, isolated):
    log = AuditLog(db_url, checkpoint_every=None, signer="ed25519")
    fill(log, 2, checkpoint_at=(2,))
    for name in ("audit.ed25519", "audit.ed25519.pub"):
        (isolated / name).unlink()
    AuditLog(tmp_path / "other.db", checkpoint_every=None, signer="ed25519").checkpoint()  # new key pair
    assert not log.verify().ok


@needs_crypto
def test_a_shared_postgresql_registry_signs_with_ed25519_by_default(db_url, backend):
    log = AuditLog(db_url, checkpoint_every=None)
    fill(log, 1)
    assert log.checkpoints()[0].algorithm == ("ed25519" if backend == "postgresql" else "hmac-sha256")


def test_unknown_signer_is_refused(tmp_path):
    with pytest.raises(AuditError, match="Unknown checkpoint signer"):
        AuditLog(tmp_path / "x.db", signer="rsa")


def test_version_1_checkpoints_still_verify(tmp_path):
    """Checkpoints written before schema 2 (no chain, no predecessor) keep verifying."""
    import hashlib
    import hmac

    from nbpromote._io import canonical_json

    log = AuditLog(tmp_path / "v1.db", checkpoint_every=None, key="k")
    log.append("test", {"i": 1})
    size, head = log.head()
    body = {"schema_version": 1, "log_id": log.checkpoints()[0].log_id, "size": size, "head_hash": head,
            "time": "2026-01-01T00:00:00.000000Z", "algorithm": "hmac-sha256"}
    signature = hmac.new(b"k", canonical_json(body).encode(), hashlib.sha256).hexdigest()
    path = log.checkpoints()[0].path
    open(path, "w").write(json.dumps({**body, "signature": signature}))
    assert log.verify().ok
