"""The prediction log: its own chain, batched off the hot path, checkpointed, covered by `audit verify`."""

from __future__ import annotations

import json
import multiprocessing
import time

import numpy as np
import pandas as pd
import pytest

from nbpromote.errors import AuditError
from nbpromote.registry import open_registry
from nbpromote.registry.predictions import open_prediction_log

from . import _workers

DIGEST = "sha256:" + "ab" * 32


def record(log, i, **extra):
    return log.record(model="credit_risk", version=3, artifact_hash=DIGEST, outputs=[i / 100],
                      inputs={"income": float(i)}, latency_ms=1.5, **extra)


def test_records_are_chained_batched_and_readable(db_url):
    with open_prediction_log(db_url, batch_size=50, flush_ms=50) as log:
        ids = [record(log, i) for i in range(200)]
        assert log.flush() == 200
        stats = log.stats()
        assert stats["written"] == 200 and stats["batches"] <= 8 and stats["queued"] == 0  # batches, not 200 commits
        tail = log.tail(2)
        assert [r.data["request_id"] for r in tail] == ids[-2:] and tail[-1].seq == 200
        assert tail[-1].kind == "prediction" and tail[-1].data["inputs_hash"].startswith("xxh3_128:")
        assert "inputs" not in tail[-1].data and tail[-1].data["extra"] == {}
        assert log.verify().ok


def test_the_chain_is_its_own_and_registry_verify_covers_it(db_url, trained, raw):
    from .conftest import LINEAGE

    with open_registry(db_url) as reg:
        reg.register("credit_risk", trained["models"]["v1"], metrics=trained["metrics"]["v1"], lineage=LINEAGE)
        with open_prediction_log(db_url) as log:
            record(log, 1)
            record(log, 2)
        result = reg.verify(strict=True)
        assert result.ok and result.size == 1  # the registry chain holds only the registration
        chain = result.chains["prediction"]
        assert chain["ok"] and chain["size"] == 2 and chain["log_id"] != result.log_id
        # Rewrite a prediction and recompute that chain: the signed checkpoints catch it.
        sql = raw(db_url)
        rows = sql("SELECT seq, payload FROM prediction_log ORDER BY seq")
        prev = "0" * 64
        from nbpromote.registry.audit import chain_hash

        for seq, payload in rows:
            payload = payload.replace('"outputs":[0.02]', '"outputs":[0.99]')
            digest = chain_hash(prev, seq, payload)
            sql("UPDATE prediction_log SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?", (payload, prev, digest, seq))
            prev = digest
        result = reg.verify()
        assert not result.ok and result.first_bad_seq == 1 and result.reason.startswith("prediction chain:")
        assert "rewritten" in result.reason  # records 1..2 were one batch, signed together
    from nbpromote.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["audit", "verify", "--db", db_url])
    assert exited.value.code == 1


def test_inputs_policy_and_extra_fields(db_url):
    frame = pd.DataFrame({"income": [1.0, 2.0], "age": [30, 40]})
    with open_prediction_log(db_url, store_inputs=True) as log:
        rid = log.record(model="m", version=1, artifact_hash=DIGEST, inputs=frame, outputs=np.array([0.1, 0.9]),
                         request_id="req-7", extra={"role": "shadow", "fallback": False})
        log.flush()
        (rec,) = log.tail(1)
    assert rid == "req-7" and rec.data["inputs"]["columns"] == ["income", "age"]
    assert rec.data["outputs"] == [0.1, 0.9] and rec.data["extra"] == {"role": "shadow", "fallback": False}


def test_periodic_and_final_checkpoints(db_url):
    log = open_prediction_log(db_url, batch_size=10, flush_ms=10, checkpoint_every=25, checkpoint_seconds=None)
    for i in range(60):
        record(log, i)
    log.flush()
    time.sleep(0.2)
    sizes = [c.size for c in log._reader.checkpoints()]
    assert sizes[0] <= 10 and any(s >= 25 for s in sizes)  # first batch signed at once, then every ≥ 25
    log.close()
    assert log._reader is not None
    again = open_prediction_log(db_url)
    assert again.verify(strict=True).ok  # close() signed the head: no unsigned tail
    again.close()


def test_record_never_waits_for_the_database(db_url, raw, backend):
    log = open_prediction_log(db_url, batch_size=1000, flush_ms=20)
    record(log, 0)
    log.flush()
    holder = raw(db_url)
    holder.hold_write_lock()  # a long registry transaction (the registry's lock)
    try:
        started = time.monotonic()
        for i in range(1, 201):
            record(log, i)
        assert time.monotonic() - started < 1.0
        if backend == "postgresql":
            assert log.flush(5) == 201  # its own advisory lock: promotions never stall prediction logging
        else:
            with pytest.raises(AuditError, match="not committed"):
                log.flush(0.5)  # SQLite has one write lock per file: the batch waits, record() did not
    finally:
        holder.release()
    assert log.flush(30) == 201
    log.close()
    assert log.stats()["written"] == 201


def test_concurrent_processes_keep_one_contiguous_chain(db_url):
    open_prediction_log(db_url).close()  # schema + chain id once
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_workers.log_predictions, args=(db_url, 150)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0
    with open_prediction_log(db_url) as log:
        result = log.verify()
        assert result.ok and result.size == 450
        assert len({r.data["extra"]["pid"] for r in log.tail(450)}) == 3


def test_closed_log_refuses_records(db_url):
    log = open_prediction_log(db_url)
    log.close()
    with pytest.raises(AuditError, match="closed"):
        record(log, 1)


def test_bad_settings_are_refused(db_url):
    with pytest.raises(AuditError, match="batch_size"):
        open_prediction_log(db_url, batch_size=0)


def test_records_are_json_in_the_chain(db_url, raw):
    with open_prediction_log(db_url) as log:
        record(log, 5)
    payload = raw(db_url).one("SELECT payload FROM prediction_log WHERE seq = 1")
    doc = json.loads(payload)
    assert doc["kind"] == "prediction" and doc["data"]["model"] == "credit_risk" and doc["data"]["latency_ms"] == 1.5
