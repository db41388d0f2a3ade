"""Monitoring larger than memory: a reference profile and a drift report from a Parquet dataset.

Writes a dataset of ``--rows`` rows × 25 columns (20 numeric, 5 categorical) as Parquet files of
1 M rows each, then measures, each in a fresh process (so each peak RSS is its own):

1. the baseline: the in-memory path on the first 1 M rows (``pd.read_parquet`` + ``profile`` +
   ``drift_report``);
2. ``profile_dataset`` over the whole dataset (two passes of record batches);
3. ``drift_report`` of the whole dataset (one pass) against that profile.

Reported: seconds, seconds per million rows as a ratio to the baseline's, and peak RSS, which must
stay flat as the data grows (bounded memory), against the size of the data in memory.

Usage: ``.venv/bin/python benchmarks/bench_monitor_large.py [--quick] [--rows N] [--keep DIR]``
(default 20 M rows, the issue's figure: ~5 GB of Parquet, minutes; ``--quick``: 3 M rows).
Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r'''
import json, resource, sys, time
from pathlib import Path
mode, folder = sys.argv[1], Path(sys.argv[2])
started = time.perf_counter()
if mode == "memory":
    import pandas as pd
    from nbpromote.monitor import drift_report, profile
    df = pd.read_parquet(sorted(folder.glob("part-*.parquet"))[0])
    prof = profile(df)
    drift_report(prof, df, validate=False)
    rows = len(df)
elif mode == "profile":
    from nbpromote.monitor import profile_dataset
    prof = profile_dataset(folder)
    prof.save(folder.parent / "profile.json", force=True)
    rows = prof.rows
else:
    from nbpromote.monitor import Profile, drift_report
    report = drift_report(Profile.load(folder.parent / "profile.json"), folder)
    rows = report.rows["current"]
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def write_dataset(folder: Path, rows: int) -> None:
    import numpy as np
    import pandas as pd

    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    per_file = 1_000_000
    for index, start in enumerate(range(0, rows, per_file)):
        n = min(per_file, rows - start)
        data = {f"num_{i}": rng.normal(i, 1 + i / 10, n) for i in range(20)}
        data.update({f"cat_{i}": rng.choice([f"level_{k}" for k in range(5 + 5 * i)], n) for i in range(5)})
        pd.DataFrame(data).to_parquet(folder / f"part-{index:03d}.parquet", index=False)


def child(mode: str, folder: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(folder)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="Write (or reuse) the dataset here.")
    args = parser.parse_args(argv)
    rows = args.rows or (3_000_000 if args.quick else 20_000_000)
    with tempfile.TemporaryDirectory(prefix="nbpromote-bench-large-") as tmp:
        folder = (args.keep or Path(tmp)) / f"data-{rows}"
        if not folder.exists():
            started = time.perf_counter()
            write_dataset(folder, rows)
            print(f"wrote {rows:,} rows × 25 columns in {time.perf_counter() - started:.0f} s "
                  f"({sum(p.stat().st_size for p in folder.iterdir()) / 2**30:.2f} GiB of Parquet)")
        base = child("memory", folder)
        prof = child("profile", folder)
        drift = child("drift", folder)
    per_m = base["seconds"] / (base["rows"] / 1e6)
    in_memory_gib = rows * 25 * 8 / 2**30
    print(f"{'step':<34}{'seconds':>9}{'s per M rows':>14}{'ratio':>8}{'peak RSS':>11}")
    for label, r in (("in memory, 1 M rows (baseline)", base), (f"profile_dataset, {rows / 1e6:g} M rows", prof),
                     (f"drift_report, {rows / 1e6:g} M rows", drift)):
        spm = r["seconds"] / (r["rows"] / 1e6)
        print(f"{label:<34}{r['seconds']:9.1f}{spm:14.2f}{spm / per_m:8.2f}{r['peak_mib']:9.0f} MiB")
    print(f"the data in memory as float64 would be {in_memory_gib:.1f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
