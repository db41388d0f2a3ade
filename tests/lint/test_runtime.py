"""Runtime companions: duplicated rows across a split, too-good-to-be-true single features."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nbpromote.lint._runtime import duplicate_rows, proxy_features, runtime_findings


def frames(seed=0, n=400):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 5, n).astype(float)})
    y = pd.Series((X["a"] + rng.normal(scale=1.0, size=n) > 0).astype(int), name="y")
    return X, y


def test_duplicates_across_the_split_are_counted_and_reported():
    X, y = frames()
    X_train, X_test = X.iloc[:300], pd.concat([X.iloc[300:], X.iloc[:50]])
    assert duplicate_rows(X_train, X_test) == 50
    (finding,) = runtime_findings({"X_train": X_train, "X_test": X_test})
    assert finding.rule == "overlap" and finding.severity == "error" and finding.cell is None
    assert "50 of 150 rows of X_test" in finding.message and "X_train" in finding.message


def test_disjoint_split_has_no_overlap_finding():
    X, _ = frames()
    assert runtime_findings({"X_train": X.iloc[:300], "X_test": X.iloc[300:]}) == []
    assert duplicate_rows(X.iloc[:300], X.iloc[300:][["b", "a"]]) == 0  # other columns: no verdict


def test_a_feature_that_is_the_target_is_too_good_to_be_true():
    X, y = frames()
    X = X.assign(leak=y * 3.0 + 1.0)
    assert [c for c, _m, _v in proxy_features(X, y)] == ["leak"]
    (finding,) = runtime_findings({"X_train": X, "y_train": y})
    assert finding.rule == "target-leakage" and "'leak'" in finding.message and "ROC AUC" in finding.message


def test_honest_features_pass_for_binary_multiclass_and_regression():
    X, y = frames()
    assert proxy_features(X, y) == []
    multi = pd.Series(np.arange(len(X)) % 3)
    assert proxy_features(X, multi) == []
    assert [c for c, m, _ in proxy_features(X.assign(code=multi * 10), multi)] == ["code"]
    reg = pd.Series(np.random.default_rng(1).normal(size=len(X)) * 100)
    assert proxy_features(X, reg) == []
    assert [c for c, m, _ in proxy_features(X.assign(twice=reg * 2), reg)] == ["twice"]


def test_numpy_arrays_and_unrelated_names_are_handled():
    X, y = frames()
    arr = X.to_numpy()
    assert runtime_findings({"Xtr": arr[:300], "Xte": np.vstack([arr[300:], arr[:10]])})[0].message.startswith("10 of")
    assert runtime_findings({"data": X, "model": object(), "X_test": X}) == []
