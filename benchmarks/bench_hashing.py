"""Hashing throughput of DataFrames, as a ratio against copying the same bytes with NumPy.

Copying memory with NumPy is the memory-bandwidth limit of this machine, measured in the same run;
``ratio = hash time / copy time`` for the same number of bytes (1.0 = as fast as a memcpy). Goal:
numeric data within 2x of the copy.

    .venv/bin/python benchmarks/bench_hashing.py           # 1 GiB frames
    .venv/bin/python benchmarks/bench_hashing.py --quick   # 64 MiB frames, a few seconds
"""

from __future__ import annotations

import argparse
import functools
import gc
import time

import numpy as np
import pandas as pd

from nbpromote.capture.hashing import hash_value


def best_of(repeats: int, func) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def copy_seconds(nbytes: int, repeats: int) -> float:
    """Time to copy ``nbytes`` with NumPy (source and destination preallocated, pages touched)."""
    source = np.ones(nbytes // 8, dtype="float64")
    target = np.empty_like(source)
    np.copyto(target, source)
    return best_of(repeats, functools.partial(np.copyto, target, source))


def numeric_frame(nbytes: int) -> pd.DataFrame:
    rows = nbytes // (8 * 8)
    rng = np.random.default_rng(0)
    data = {f"f{i}": rng.random(rows) for i in range(6)}
    data["i0"] = rng.integers(0, 1_000_000, rows)
    data["i1"] = rng.integers(0, 10, rows).astype("int64")
    return pd.DataFrame(data)


def mixed_frame(nbytes: int) -> pd.DataFrame:
    # Half the bytes numeric, half strings (ids and a low-cardinality label), as a feature table is.
    rng = np.random.default_rng(1)
    rows = nbytes // 64
    pool = np.array([f"customer-{i:08d}" for i in range(200_000)], dtype=object)
    frame = pd.DataFrame({
        "amount": rng.random(rows), "age": rng.integers(18, 90, rows), "score": rng.random(rows),
        "customer": pd.array(pool[rng.integers(0, len(pool), rows)], dtype="str"),
        "segment": pd.array(np.array(["retail", "sme", "corporate"], dtype=object)[rng.integers(0, 3, rows)], dtype="str"),
    })
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="64 MiB instead of 1 GiB")
    options = parser.parse_args()
    size = (64 if options.quick else 1024) * 2**20
    repeats = 3 if options.quick else 2

    print(f"nbpromote hashing benchmark: frames of ~{size / 2**20:.0f} MiB, best of {repeats}")
    print(f"{'data':<28}{'bytes':>10}{'hash s':>9}{'copy s':>9}{'hash GB/s':>11}{'ratio':>8}")
    for label, build in (("numeric (8 x float/int64)", numeric_frame), ("mixed (3 numeric, 2 str)", mixed_frame)):
        frame = build(size)
        nbytes = int(frame.memory_usage(index=True, deep=True).sum())
        first = hash_value(frame)
        hashed = best_of(repeats, functools.partial(hash_value, frame))
        assert hash_value(frame) == first  # deterministic
        copied = copy_seconds(nbytes, repeats)
        print(f"{label:<28}{nbytes / 2**20:>8.0f}Mi{hashed:>9.3f}{copied:>9.3f}{nbytes / hashed / 1e9:>11.2f}{hashed / copied:>8.2f}")
        frame = None  # free the 1 GiB before building the next frame
        gc.collect()
    print("ratio = hash time / NumPy copy time of the same bytes (goal for numeric: <= 2.0)")


if __name__ == "__main__":
    main()
