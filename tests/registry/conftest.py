"""Fixtures for the registry tests: an isolated NBPROMOTE_HOME, real sklearn models, a holdout hash,
and the database backends: every test that takes ``db_url`` (or ``reg``) runs on SQLite and on a real
PostgreSQL server (``$NBPROMOTE_TEST_POSTGRES``, started by scripts/test; a fresh schema per test).
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import uuid
from pathlib import Path

import pytest

ENV_POSTGRES = "NBPROMOTE_TEST_POSTGRES"
POSTGRES_SKIP = (f"PostgreSQL registry tests need a server: ${ENV_POSTGRES} is not set "
                 "(scripts/test starts a throwaway one; see scripts/pg-test-cluster.sh)")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    """The registry's database backend (PostgreSQL skips when no test server is configured)."""
    if request.param == "postgresql" and not os.environ.get(ENV_POSTGRES):
        pytest.skip(POSTGRES_SKIP)
    return request.param


def _with_options(dsn: str, schema: str) -> str:
    return f"{dsn}{'&' if '?' in dsn else '?'}options=-csearch_path%3D{schema}"


@pytest.fixture
def db_url(backend, tmp_path):
    """A fresh, empty registry location on ``backend``: a SQLite path or a PostgreSQL URL (own schema)."""
    if backend == "sqlite":
        yield str(tmp_path / "home" / "registry.db")
        return
    import psycopg

    base = os.environ[ENV_POSTGRES]
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield _with_options(base, schema)
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


class Raw:
    """SQL behind the registry's back, as an attacker with write access to the database would run it.

    ``guarded=False`` (default) first lifts the append-only triggers (the attacker can: they are
    guardrails); ``guarded=True`` keeps them (to test them).
    """

    def __init__(self, location: str, *, guarded: bool = False) -> None:
        self.location = str(location)
        self.postgres = self.location.startswith("postgresql://")
        if self.postgres:
            import psycopg

            self.conn = psycopg.connect(self.location, autocommit=True)
            if not guarded:
                self.conn.execute("SET session_replication_role = replica")  # triggers off for this session
        else:
            self.conn = sqlite3.connect(self.location, isolation_level=None)
            if not guarded:
                for table in ("audit_log", "prediction_log"):
                    for op in ("update", "delete"):
                        self.conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")

    def hold_write_lock(self) -> None:
        """Take the lock every registry writer needs (SQLite's write lock; the advisory lock on PostgreSQL)."""
        if self.postgres:
            from nbpromote.registry._pg import _LOCKS

            self.conn.execute("BEGIN")
            key = _LOCKS["audit"]
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (key - (1 << 64) if key >= 1 << 63 else key,))
        else:
            self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")

    def __call__(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.postgres:
            sql = sql.replace("?", "%s")
        cursor = self.conn.execute(sql, params)
        try:
            return [tuple(r) for r in cursor.fetchall()]
        except Exception:  # statements without a result
            return []

    def one(self, sql: str, params: tuple = ()):
        rows = self(sql, params)
        return rows[0][0] if rows else None

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def raw():
    """``raw(location)`` -> a :class:`Raw` connection (closed after the test)."""
    opened = []

    def connect(location, *, guarded=False):
        conn = Raw(location, guarded=guarded)
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Every test gets its own NBPROMOTE_HOME and no registry/actor/key from the environment."""
    home = tmp_path / "home"
    monkeypatch.setenv("NBPROMOTE_HOME", str(home))
    for var in ("NBPROMOTE_REGISTRY", "NBPROMOTE_ACTOR", "NBPROMOTE_AUDIT_KEY", "NBPROMOTE_AUDIT_SIGNER",
                "NBPROMOTE_AUDIT_CHECKPOINTS", "NBPROMOTE_AUDIT_PUBLIC_KEY", "NBPROMOTE_REGISTRY_ARTIFACTS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture(scope="session")
def trained():
    """Real logistic regressions on a seeded synthetic credit-like dataset, and the frozen holdout.

    ``v1`` sees two informative features; ``v2`` adds a nearly useless one (marginally better on the
    holdout, well inside its noise); ``v3`` adds a strong one (clearly better).
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score

    from nbpromote.capture.hashing import hash_value

    rng = np.random.default_rng(7)
    X = rng.normal(size=(4000, 5))
    logit = 1.0 * X[:, 0] + 0.7 * X[:, 1] + 1.2 * X[:, 2] + 0.08 * X[:, 3]
    y = (rng.random(4000) < 1 / (1 + np.exp(-logit))).astype(int)
    X_train, y_train, X_test, y_test = X[:3000], y[:3000], X[3000:], y[3000:]
    columns = {"v1": [0, 1], "v2": [0, 1, 3], "v3": [0, 1, 2, 3]}
    models, metrics = {}, {}
    for key, cols in columns.items():
        model = LogisticRegression().fit(X_train[:, cols], y_train)
        proba = model.predict_proba(X_test[:, cols])[:, 1]
        models[key] = model
        metrics[key] = {"roc_auc": float(roc_auc_score(y_test, proba)),
                        "accuracy": float(accuracy_score(y_test, proba > 0.5)),
                        "n_holdout": int(len(y_test)), "n_pos": int(y_test.sum()), "n_neg": int((1 - y_test).sum())}
    return {"models": models, "metrics": metrics, "columns": columns,
            "holdout": {"hash": hash_value(np.ascontiguousarray(X_test)), "rows": int(len(y_test))},
            "X_test": X_test}


@pytest.fixture
def reg(db_url):
    from nbpromote.registry import open_registry

    registry = open_registry(db_url)
    yield registry
    registry.close()


@pytest.fixture
def model_file(tmp_path, trained) -> Path:
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(trained["models"]["v1"], protocol=5))
    return path


LINEAGE = {"code_hash": "xxh3_128:00", "git": {"commit": "abc123"}, "seed": 42,
           "data": {"raw": "xxh3_128:11"}, "notebook_hash": "xxh3_128:22"}


@pytest.fixture(autouse=True)
def _workers_importable_in_spawned_children(monkeypatch):
    # Under --import-mode=importlib the tests folder is not on sys.path, but processes started with
    # the "spawn" method re-import their target (`registry._workers.…`) from the parent's sys.path.
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
