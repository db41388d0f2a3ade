"""set_seeds: seed every generator available and say which ones."""

from __future__ import annotations

import importlib.util
import os
import random

import numpy as np
import pytest

from nbpromote.capture import parse_seed, set_seeds
from nbpromote.errors import UsageError


@pytest.fixture(autouse=True)
def _restore_hashseed(monkeypatch):
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)


def test_same_seed_gives_same_draws_in_random_and_numpy():
    set_seeds(42)
    first = (random.random(), np.random.rand(3).tolist())
    set_seeds(42)
    assert (random.random(), np.random.rand(3).tolist()) == first
    set_seeds(43)
    assert (random.random(), np.random.rand(3).tolist()) != first


def test_record_names_the_libraries_and_the_hash_seed_caveat():
    record = set_seeds("7")
    assert record.seed == 7
    assert record.libraries[:2] == ["random", "numpy"]
    assert ("torch" in record.libraries) == (importlib.util.find_spec("torch") is not None)
    assert os.environ["PYTHONHASHSEED"] == "7" and record.pythonhashseed == "7"
    assert any("started from now on" in note and "PYTHONHASHSEED" in note for note in record.notes)
    assert any("random_state" in note for note in record.notes)
    assert record.to_dict()["seed"] == 7


def test_sklearn_estimator_without_random_state_follows_the_seed():
    from sklearn.ensemble import RandomForestClassifier

    X = np.random.RandomState(0).rand(40, 3)
    y = (X[:, 0] > 0.5).astype(int)
    set_seeds(5)
    a = RandomForestClassifier(n_estimators=3).fit(X, y).predict_proba(X)
    set_seeds(5)
    b = RandomForestClassifier(n_estimators=3).fit(X, y).predict_proba(X)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("bad", ["abc", "1.5", "-1", str(2**32), "", None, True])
def test_bad_seeds_are_refused_with_the_range(bad):
    with pytest.raises(UsageError, match="4294967295|integer"):
        parse_seed(bad)


def test_boundaries_are_accepted():
    assert parse_seed("0") == 0 and parse_seed(2**32 - 1) == 2**32 - 1
