"""Shared fixtures of the monitoring tests: seeded synthetic frames and the example credit data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[2] / "notebooks" / "data"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def reference(rng: np.random.Generator) -> pd.DataFrame:
    """2,000 rows: a normal, a skewed, an int count, a 0/1 flag, a category and a prediction."""
    n = 2000
    return pd.DataFrame({
        "x": rng.normal(0.0, 1.0, n),
        "amount": rng.lognormal(8.0, 0.5, n),
        "count": rng.poisson(3.0, n),
        "flag": rng.integers(0, 2, n),
        "colour": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]),
        "score": rng.uniform(0, 1, n),
    })


@pytest.fixture
def same_population(rng: np.random.Generator, reference: pd.DataFrame) -> pd.DataFrame:
    """A fresh draw from the reference's population."""
    n = 2000
    return pd.DataFrame({
        "x": rng.normal(0.0, 1.0, n),
        "amount": rng.lognormal(8.0, 0.5, n),
        "count": rng.poisson(3.0, n),
        "flag": rng.integers(0, 2, n),
        "colour": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]),
        "score": rng.uniform(0, 1, n),
    })


@pytest.fixture
def credit_paths() -> dict[str, Path]:
    paths = {name: DATA / f"{name}.csv" for name in ("credit", "credit_drifted", "credit_corrupted")}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    assert not missing, f"example data missing: {missing}; run notebooks/data/make_*.py"
    return paths
