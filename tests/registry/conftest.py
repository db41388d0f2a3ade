"""Fixtures for the registry tests: an isolated NBPROMOTE_HOME, real sklearn models, a holdout hash."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Every test gets its own NBPROMOTE_HOME and no registry/actor/key from the environment."""
    home = tmp_path / "home"
    monkeypatch.setenv("NBPROMOTE_HOME", str(home))
    for var in ("NBPROMOTE_REGISTRY", "NBPROMOTE_ACTOR", "NBPROMOTE_AUDIT_KEY"):
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
def reg(tmp_path):
    from nbpromote.registry import open_registry

    registry = open_registry(tmp_path / "home" / "registry.db")
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
