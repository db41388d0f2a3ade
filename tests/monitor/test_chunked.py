"""Monitoring larger than memory: profiles and drift from Parquet datasets and Dask DataFrames, chunk
by chunk, agreeing with the in-memory path (exactly on the same bins; within the sketch's error for
edges a sketch fixed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbpromote.errors import MonitorError
from nbpromote.monitor import Profile, drift_report, profile, profile_dataset
from nbpromote.monitor._chunked import RANK_ERROR

pytest.importorskip("datasketches", reason="the dask extra (datasketches) is not installed")


def frame(rows: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10 + shift, 0.5, rows)
    income[rng.random(rows) < 0.03] = np.nan
    return pd.DataFrame({
        "income": income,
        "age": rng.integers(18, 90, rows),
        "score": rng.normal(shift, 1.0, rows),
        "region": rng.choice(["north", "south", "east", "west"], rows, p=[0.4, 0.3, 0.2, 0.1] if not shift
                             else [0.1, 0.2, 0.3, 0.4]),
        "customer_id": [f"c{seed}-{i}" for i in range(rows)],
    })


def write_dataset(df: pd.DataFrame, folder, parts: int = 4):
    folder.mkdir(parents=True)
    for index, chunk in enumerate(np.array_split(np.arange(len(df)), parts)):
        df.iloc[chunk].reset_index(drop=True).to_parquet(folder / f"part-{index}.parquet", index=False)
    return folder


@pytest.fixture(scope="module")
def reference():
    return frame(40_000, seed=1)


@pytest.fixture(scope="module")
def current():
    return frame(20_000, seed=2, shift=0.3)


def _stats(report):
    out = {}
    for name, f in report.features.items():
        out[name] = (f.psi, f.js, f.ks.statistic if f.ks else None, f.chi2.statistic if f.chi2 else None)
    return out


def test_drift_of_a_parquet_dataset_equals_the_in_memory_report_on_the_same_profile(reference, current, tmp_path):
    prof = profile(reference)
    in_memory = drift_report(prof, current, validate=False)
    chunked = drift_report(prof, write_dataset(current, tmp_path / "current"))
    assert _stats(chunked) == _stats(in_memory)
    assert chunked.rows == {"reference": 40_000, "current": 20_000}
    assert chunked.validation is None and set(chunked.skipped) == set(in_memory.skipped)
    assert chunked.policy.retrain == in_memory.policy.retrain


def test_drift_of_a_dask_dataframe_equals_the_in_memory_report(reference, current):
    dd = pytest.importorskip("dask.dataframe")
    prof = profile(reference)
    chunked = drift_report(prof, dd.from_pandas(current, npartitions=5))
    assert _stats(chunked) == _stats(drift_report(prof, current, validate=False))


def test_a_profile_built_in_chunks_has_exact_counts_and_sketched_edges(reference, tmp_path):
    chunked = profile_dataset(write_dataset(reference, tmp_path / "ref", parts=5), batch_rows=3_000)
    exact = profile(reference)
    assert chunked.rows == exact.rows and list(chunked.columns) == list(exact.columns)
    for name in ("region", "customer_id"):
        assert chunked.columns[name] == exact.columns[name]
    for name in ("income", "age", "score"):
        got, want = chunked.columns[name], exact.columns[name]
        for key in ("count", "null_count", "nonfinite_count", "min", "max", "kind", "role", "dtype"):
            assert got[key] == want[key], (name, key)
        assert got["mean"] == pytest.approx(want["mean"], rel=1e-9)
        assert got["std"] == pytest.approx(want["std"], rel=1e-9)
        values = np.sort(reference[name].dropna().to_numpy(dtype=float))
        for key, intervals in (("bins", 10), ("grid", 100)):
            edges = np.asarray(got[key]["edges"])
            # every count is exact for the edges the sketch chose
            from nbpromote.monitor._columns import cut_counts

            assert got[key]["counts"] == cut_counts(values, edges).tolist()
            # and each edge is a value whose ranks (a range, for tied values) reach within the
            # sketch's rank error of one of the quantiles the edges stand for
            low = np.searchsorted(values, edges, "left") / values.size
            high = np.searchsorted(values, edges, "right") / values.size
            slack = RANK_ERROR + 2 / values.size
            for q in np.linspace(0, 1, intervals + 1):
                chosen = np.searchsorted(edges, values[min(int(q * (values.size - 1)), values.size - 1)])
                near = [i for i in (chosen - 1, chosen, chosen + 1) if 0 <= i < edges.size]
                assert any(low[i] - slack <= q <= high[i] + slack for i in near), (name, key, q)


def test_ks_of_a_chunk_built_profile_is_within_the_stated_error_of_the_in_memory_one(reference, current, tmp_path):
    chunked = profile_dataset(write_dataset(reference, tmp_path / "ref"))
    a = drift_report(chunked, current, validate=False)
    b = drift_report(profile(reference), current, validate=False)
    for name in ("income", "age", "score"):
        assert abs(a.features[name].ks.statistic - b.features[name].ks.statistic) <= 2 * RANK_ERROR + 0.01
    assert a.features["region"].chi2.statistic == b.features["region"].chi2.statistic


def test_a_chunk_built_profile_saves_and_loads_like_any_other(reference, tmp_path):
    built = profile_dataset(write_dataset(reference, tmp_path / "ref"), target="age")
    path = built.save(tmp_path / "profile.json")
    loaded = Profile.load(path)
    assert loaded == built and loaded.target == "age"


def test_dates_and_identifiers_are_recognised_in_chunks(tmp_path):
    df = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=3_000, freq="h"),
                       "iso": [f"2024-02-{1 + i % 28:02d}" for i in range(3_000)],
                       "ref": [f"r{i}" for i in range(3_000)]})
    built = profile_dataset(write_dataset(df, tmp_path / "d", parts=3))
    assert {k: c["kind"] for k, c in built.columns.items()} == {"when": "datetime", "iso": "datetime",
                                                                "ref": "identifier"}
    assert built.columns["when"]["min"] == "2024-01-01T00:00:00"
    assert built.columns["ref"]["unique_count"] == 3_000


def test_unreadable_sources_name_the_path(tmp_path):
    with pytest.raises(MonitorError, match="does not exist"):
        profile_dataset(tmp_path / "nope")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.parquet").write_text("not parquet")
    with pytest.raises(MonitorError, match="cannot be read as a Parquet dataset"):
        profile_dataset(tmp_path / "bad")
    with pytest.raises(MonitorError, match="target column 'nope'"):
        profile_dataset(write_dataset(frame(100, 3), tmp_path / "ok", parts=1), target="nope")
