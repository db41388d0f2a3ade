"""Run every benchmark in this folder, one after another, and print their reports.

    python benchmarks/run_all.py --quick      # small sizes, seconds each
    python benchmarks/run_all.py              # the sizes the issues name (minutes, GBs of RAM)

Each benchmark measures its own baseline in the same run (a NumPy copy, a bare shell, a direct
function call, one read of the data …) and reports ratios against it, because these machines are
noisy; absolute seconds are printed beside the ratios for reference.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    scripts = sorted(p for p in here.glob("bench_*.py"))
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} {' '.join(argv)}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script), *argv])
        print(f"--- {script.name}: exit {code}, {time.perf_counter() - started:.1f}s wall", flush=True)
        if code:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
