"""Registry and audit-log benchmarks, each against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_registry.py [--quick] [--verify-records N]

1. Audit-log append throughput, single writer (records/s), one transaction per record and batched,
   against a plain SQLite insert loop with the same durability settings (WAL, synchronous=FULL).
2. Verification speed (records/s) of ``AuditLog.verify`` over N records (1,000,000 by default,
   50,000 with --quick), against a plain scan of the same table.
3. "What is live" latency with 10,000 versions of one model (``Registry.live`` and ``live_at``),
   against the bare indexed SQL query on a plain connection.
4. ``Registry.load`` with the artifact hash taken from the verified, signed log (issue 16 item 3),
   against the bare verified load (read the bytes, SHA-256 them, unpickle), for a registry of N
   events (50 versions with promotions; 10 with --quick).
5. The prediction log's hot path: ``PredictionLog.record`` (queue + inputs hash) per call, against a
   synchronous ``AuditLog.append_prediction`` (one transaction per record), and its batched
   throughput end to end (record + flush).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def bench_append(root: Path, n: int) -> dict:
    from nbpromote.registry.audit import AuditLog

    payload = {"model": "credit_risk", "version": 3, "artifact_hash": "sha256:" + "ab" * 32,
               "inputs_hash": "xxh3_128:" + "cd" * 16, "outputs": [0.12, 0.88], "request_id": "req-000000",
               "latency_ms": 3.2}
    text = json.dumps(payload)
    base = sqlite3.connect(root / "plain.db", isolation_level=None)
    base.execute("PRAGMA journal_mode=WAL")
    base.execute("PRAGMA synchronous=FULL")
    base.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, payload TEXT)")
    start = time.perf_counter()
    for _ in range(n):
        base.execute("BEGIN IMMEDIATE")
        base.execute("INSERT INTO t(payload) VALUES (?)", (text,))
        base.execute("COMMIT")
    plain = time.perf_counter() - start
    start = time.perf_counter()
    base.execute("BEGIN")
    base.executemany("INSERT INTO t(payload) VALUES (?)", ((text,) for _ in range(n)))
    base.execute("COMMIT")
    plain_batch = time.perf_counter() - start

    log = AuditLog(root / "audit.db", checkpoint_every=None, key=b"bench")
    start = time.perf_counter()
    for i in range(n):
        log.append("prediction", {**payload, "request_id": f"req-{i:06d}"})
    single = time.perf_counter() - start
    start = time.perf_counter()
    log.append_many(("prediction", {**payload, "request_id": f"req-{i:06d}"}) for i in range(n))
    batch = time.perf_counter() - start
    return {
        "records": n,
        "plain_sqlite_insert_per_txn_rps": _rate(n, plain),
        "audit_append_per_txn_rps": _rate(n, single),
        "ratio_per_txn": plain / single,
        "plain_sqlite_executemany_rps": _rate(n, plain_batch),
        "audit_append_many_rps": _rate(n, batch),
        "ratio_batched": plain_batch / batch,
    }


def bench_verify(root: Path, n: int) -> dict:
    from nbpromote.registry.audit import AuditLog

    log = AuditLog(root / "verify.db", checkpoint_every=None, key=b"bench")
    chunk = 50_000
    start = time.perf_counter()
    done = 0
    while done < n:
        size = min(chunk, n - done)
        log.append_many(("prediction", {"model": "credit_risk", "version": 3, "request_id": f"r{done + i}",
                                        "outputs": [i % 2], "latency_ms": 1.5}) for i in range(size))
        done += size
    build = time.perf_counter() - start
    log.checkpoint()
    conn = sqlite3.connect(root / "verify.db")
    start = time.perf_counter()
    count = 0
    for _row in conn.execute("SELECT seq, kind, payload, prev_hash, hash FROM audit_log ORDER BY seq"):
        count += 1
    scan = time.perf_counter() - start
    start = time.perf_counter()
    result = log.verify()
    verify = time.perf_counter() - start
    assert result.ok and result.size == n == count, result
    return {"records": n, "build_seconds": build, "plain_scan_seconds": scan, "verify_seconds": verify,
            "verify_rps": _rate(n, verify), "verify_over_scan": verify / scan,
            "db_mb": os.path.getsize(root / "verify.db") / 1e6}


def bench_live(root: Path, versions: int, queries: int) -> dict:
    from nbpromote.registry import open_registry

    db = root / "live.db"
    reg = open_registry(db, checkpoint_every=None, audit_key=b"bench")
    reg.register("credit_risk", {"weights": [1, 2, 3]}, metrics={"accuracy": 0.8}, lineage={})
    # Bulk-load 10k versions and their promotion history straight into the schema (the API would
    # spend the benchmark's time on fsyncs; the point here is the read path).
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    template = conn.execute("SELECT * FROM versions WHERE version = 1").fetchone()
    cols = [d[0] for d in conn.execute("SELECT * FROM versions LIMIT 0").description]
    rows = []
    for v in range(2, versions + 1):
        row = dict(zip(cols, template, strict=True))
        row.update(id=None, version=v, stage="Archived", created_at=f"2026-01-01T00:00:{v % 60:02d}.{v:06d}Z")
        rows.append(tuple(row[c] for c in cols))
    conn.executemany(f"INSERT INTO versions VALUES ({', '.join('?' * len(cols))})", rows)
    ids = [r[0] for r in conn.execute("SELECT id FROM versions ORDER BY version")]
    trans = []
    for i, vid in enumerate(ids):
        at = f"2026-01-{1 + i * 28 // len(ids):02d}T00:00:00.{i:06d}Z"
        if i:
            trans.append((1, ids[i - 1], "promote", "Production", "Archived", None, "bench", at, "bench", "{}", None))
        trans.append((1, vid, "promote", "Archived", "Production", None, "bench", at, "bench", "{}", None))
    conn.executemany("INSERT INTO transitions(model_id, version_id, kind, from_stage, to_stage, alias, actor, at, "
                     "reason, evidence, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", trans)
    conn.execute("UPDATE versions SET stage = 'Production' WHERE id = ?", (ids[-1],))
    conn.execute("COMMIT")

    def timed(func, n):
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            func()
            samples.append((time.perf_counter() - t) * 1e6)
        samples.sort()
        return {"mean_us": statistics.fmean(samples), "p50_us": samples[len(samples) // 2],
                "p99_us": samples[int(len(samples) * 0.99) - 1]}

    assert reg.live("credit_risk").version == versions
    raw = sqlite3.connect(db)
    baseline = timed(lambda: raw.execute(
        "SELECT v.* FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ? AND v.stage = 'Production'",
        ("credit_risk",)).fetchone(), queries)
    live = timed(lambda: reg.live("credit_risk"), queries)
    live_at = timed(lambda: reg.live_at("credit_risk", "2026-01-15T00:00:00Z"), queries)
    history = timed(lambda: reg.history("credit_risk"), max(3, queries // 100))
    return {"versions": versions, "transitions": len(trans), "raw_sql_live": baseline, "registry_live": live,
            "registry_live_at": live_at, "registry_history_all": history,
            "live_over_raw_p50": live["p50_us"] / baseline["p50_us"]}


def bench_load(root: Path, versions: int, loads: int) -> dict:
    import hashlib
    import pickle

    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from nbpromote.registry import open_registry

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(500, 20)), rng.integers(0, 2, 500)
    reg = open_registry(root / "load.db", audit_key=b"bench")
    for v in range(1, versions + 1):
        reg.register("credit_risk", LogisticRegression(C=v / 10).fit(X, y), metrics={"accuracy": 0.5 + v / 1000},
                     lineage={}, holdout={"hash": "xxh3_128:00", "rows": 1000})
        if v == 1:
            reg.promote("credit_risk", 1, reason="first", approve=True)
        elif v % 5 == 0:
            reg.promote("credit_risk", v, reason="bench", delta=0.0)
    mv = reg.live("credit_risk")
    path = reg.root / mv.artifact_uri
    events = reg.audit.head()[0]

    def bare() -> object:
        data = path.read_bytes()
        assert "sha256:" + hashlib.sha256(data).hexdigest() == mv.artifact_hash
        return pickle.loads(data)

    def timed(func) -> float:
        func()
        start = time.perf_counter()
        for _ in range(loads):
            func()
        return (time.perf_counter() - start) / loads * 1e3

    base_ms, load_ms = timed(bare), timed(lambda: reg.load("credit_risk"))
    return {"versions": versions, "audit_records": events, "checkpoints": len(reg.audit.checkpoints()),
            "bare_verified_load_ms": base_ms, "registry_load_ms": load_ms, "load_over_bare": load_ms / base_ms}


def bench_prediction_log(root: Path, n: int) -> dict:
    from nbpromote.registry.audit import AuditLog
    from nbpromote.registry.predictions import PredictionLog

    inputs = {"income": 52000.0, "age": 41, "debt_ratio": 0.31}
    sync = AuditLog(root / "pred-sync.db", checkpoint_every=None, key=b"bench")
    start = time.perf_counter()
    for i in range(n):
        sync.append_prediction("credit_risk", 3, "sha256:" + "ab" * 32, inputs, [0.12], f"r{i}", 1.0)
    sync_s = time.perf_counter() - start
    log = PredictionLog(root / "pred-batched.db", key=b"bench", checkpoint_every=None)
    start = time.perf_counter()
    for i in range(n):
        log.record(model="credit_risk", version=3, artifact_hash="sha256:" + "ab" * 32, inputs=inputs, outputs=[0.12],
                   request_id=f"r{i}", latency_ms=1.0)
    record_s = time.perf_counter() - start
    log.flush(60)
    total_s = time.perf_counter() - start
    stats = log.stats()
    log.close()
    return {"records": n, "sync_append_us": sync_s / n * 1e6, "record_us": record_s / n * 1e6,
            "record_over_sync": record_s / sync_s, "batched_end_to_end_rps": _rate(n, total_s),
            "sync_rps": _rate(n, sync_s), "batches": stats["batches"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, a few seconds")
    parser.add_argument("--verify-records", type=int, default=None, help="records for the verification benchmark")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON document")
    args = parser.parse_args(argv)
    appends = 300 if args.quick else 3000
    verify_n = args.verify_records or (50_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory(prefix="nbpromote-bench-") as tmp:
        root = Path(tmp)
        os.environ.setdefault("NBPROMOTE_HOME", str(root))
        results = {"append": bench_append(root, appends), "verify": bench_verify(root, verify_n),
                   "live": bench_live(root, 10_000, 300 if args.quick else 2000),
                   "load": bench_load(root, 10 if args.quick else 50, 20 if args.quick else 100),
                   "predictions": bench_prediction_log(root, 500 if args.quick else 5000)}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    a, v, lv = results["append"], results["verify"], results["live"]
    print(f"audit append, single writer, {a['records']} records:")
    print(f"  one txn per record: {a['audit_append_per_txn_rps']:,.0f} rec/s vs plain SQLite insert "
          f"{a['plain_sqlite_insert_per_txn_rps']:,.0f} rec/s  (audit/plain = {1 / a['ratio_per_txn']:.2f}x time)")
    print(f"  batched (append_many): {a['audit_append_many_rps']:,.0f} rec/s vs plain executemany "
          f"{a['plain_sqlite_executemany_rps']:,.0f} rec/s  (audit/plain = {1 / a['ratio_batched']:.2f}x time)")
    print(f"audit verify, {v['records']:,} records ({v['db_mb']:.0f} MB): {v['verify_seconds']:.2f} s = "
          f"{v['verify_rps']:,.0f} rec/s; plain scan {v['plain_scan_seconds']:.2f} s "
          f"(verify/scan = {v['verify_over_scan']:.1f}x)")
    print(f"what is live, {lv['versions']:,} versions / {lv['transitions']:,} transitions:")
    for key in ("raw_sql_live", "registry_live", "registry_live_at", "registry_history_all"):
        s = lv[key]
        print(f"  {key:<22} p50 {s['p50_us']:9.1f} us  p99 {s['p99_us']:9.1f} us  mean {s['mean_us']:9.1f} us")
    print(f"  Registry.live / raw SQL (p50): {lv['live_over_raw_p50']:.1f}x")
    ld, pr = results["load"], results["predictions"]
    print(f"Registry.load against the signed log ({ld['audit_records']} audit records, {ld['checkpoints']} "
          f"checkpoints): {ld['registry_load_ms']:.2f} ms vs bare read+sha256+unpickle {ld['bare_verified_load_ms']:.2f} ms "
          f"(load/bare = {ld['load_over_bare']:.1f}x)")
    print(f"prediction log, {pr['records']} records: record() {pr['record_us']:.1f} us/call vs synchronous append "
          f"{pr['sync_append_us']:.1f} us ({pr['record_over_sync']:.3f}x); end to end {pr['batched_end_to_end_rps']:,.0f} "
          f"rec/s in {pr['batches']} batches vs {pr['sync_rps']:,.0f} rec/s synchronous")
    return 0


if __name__ == "__main__":
    sys.exit(main())
