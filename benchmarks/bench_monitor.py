"""Benchmark of monitoring: a stored profile vs a batch, and the full report from two raw frames.

Data: a reference of N rows × (20 numeric + 5 categorical) columns and a current batch of the
same size with a few shifted columns (default N = 1,000,000; ``--quick``: 100,000).

Figures, each as a ratio to the baseline measured in the same run — one streaming pass that reads
every numeric array once (``arr.sum()`` per column) and every categorical column's codes:

(a) monitor a batch against a stored profile: load the profile JSON + validation + all statistics
    (goal: < 0.5 s at 1M rows);
(b) the full report from two raw frames: profile + validation + all statistics (goal: < 1.5 s).

Peak memory is the peak of Python-tracked allocations (tracemalloc; NumPy and pandas report to
it) during the call, compared with the size of the data (both frames, ``memory_usage(deep=True)``).

Run: ``.venv/bin/python benchmarks/bench_monitor.py [--quick] [--rows N] [--repeat K]``
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from nbpromote.monitor import Profile, drift_report, profile

CATEGORIES = [["north", "south", "east", "west", "central"],
              ["salaried", "self_employed", "contract", "unemployed", "retired"],
              ["mortgage", "rent", "own", "other"],
              [f"purpose_{i}" for i in range(12)],
              [f"segment_{i}" for i in range(40)]]


def make_frames(rows: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def frame(shift: bool) -> pd.DataFrame:
        data: dict[str, object] = {}
        for i in range(20):
            loc = {1: 0.6, 2: 0.3, 3: 0.02}.get(i, 0.0) if shift else 0.0
            scale = 1.5 if (shift and i == 5) else 1.0
            if i % 4 == 0:
                data[f"num_{i}"] = rng.integers(0, 50, rows).astype(np.int64)
            else:
                data[f"num_{i}"] = rng.normal(loc, scale, rows)
        for j, cats in enumerate(CATEGORIES):
            p = np.ones(len(cats)) / len(cats)
            if shift and j == 0:
                p = np.linspace(1, 3, len(cats))
                p /= p.sum()
            data[f"cat_{j}"] = pd.Series(np.asarray(cats)[rng.choice(len(cats), rows, p=p)],
                                         dtype="str")
        return pd.DataFrame(data)

    return frame(False), frame(True)


def baseline(df: pd.DataFrame) -> float:
    """One streaming read of every column's data."""
    start = time.perf_counter()
    total = 0.0
    for name in df.columns:
        series = df[name]
        if pd.api.types.is_numeric_dtype(series.dtype):
            total += float(series.to_numpy().sum())
        else:
            total += float(len(series.array))
    return time.perf_counter() - start


def timed(func, repeat: int) -> tuple[float, float, object]:
    """(best seconds, peak traced bytes of the first run, result)."""
    gc.collect()
    tracemalloc.start()
    result = func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, float(peak), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows, two repeats")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    rows = args.rows or (100_000 if args.quick else 1_000_000)
    repeat = args.repeat or (2 if args.quick else 5)

    ref, cur = make_frames(rows)
    data_bytes = float(ref.memory_usage(deep=True).sum() + cur.memory_usage(deep=True).sum())
    numeric_bytes = float(sum(ref[c].to_numpy().nbytes for c in ref.columns[:20]))
    base = min(baseline(cur) for _ in range(10))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profile.json"
        prof = profile(ref)
        prof.save(path)
        size_kb = path.stat().st_size / 1024

        def stored() -> object:
            return drift_report(Profile.load(path), cur)

        def full() -> object:
            return drift_report(ref, cur)

        t_prof, m_prof, _ = timed(lambda: profile(ref), repeat)
        t_a, m_a, report_a = timed(stored, repeat)
        t_b, m_b, report_b = timed(full, repeat)

    summary = report_b.summary()
    print(f"data: {rows:,} rows x 25 columns per frame; both frames {data_bytes / 2**20:.0f} MiB "
          f"(numeric arrays of one frame {numeric_bytes / 2**20:.0f} MiB); profile JSON "
          f"{size_kb:.1f} KiB")
    print(f"baseline: one read of the current batch's arrays        {base * 1000:8.1f} ms   1.0x")
    print(f"profile(reference)                                      {t_prof * 1000:8.1f} ms "
          f"{t_prof / base:6.1f}x   peak {m_prof / 2**20:6.1f} MiB")
    print(f"(a) stored profile vs batch (load+validate+statistics)  {t_a * 1000:8.1f} ms "
          f"{t_a / base:6.1f}x   peak {m_a / 2**20:6.1f} MiB = {m_a / data_bytes:.2f}x data"
          f"   goal < 500 ms: {'met' if t_a < 0.5 else 'MISSED'}")
    print(f"(b) two raw frames (profile+validate+statistics)        {t_b * 1000:8.1f} ms "
          f"{t_b / base:6.1f}x   peak {m_b / 2**20:6.1f} MiB = {m_b / data_bytes:.2f}x data"
          f"   goal < 1500 ms: {'met' if t_b < 1.5 else 'MISSED'}")
    print(f"verdict: {summary['act']} act, {summary['watch']} watch, {summary['stable']} stable; "
          f"retrain={report_b.policy.retrain}; (a) and (b) agree: "
          f"{report_a.to_dict()['features'] == report_b.to_dict()['features']}")


if __name__ == "__main__":
    main()
