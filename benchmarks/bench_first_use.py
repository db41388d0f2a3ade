"""First use in a fresh process and a fresh kernel (issue 14 speed goals).

Usage: .venv/bin/python benchmarks/bench_first_use.py [--quick]

1. ``Profile.load()`` in a fresh Python process (goal ≤ 0.2 s): the time from the start of the
   process's script to the loaded profile, imports included. Baseline: the same process importing
   only NumPy (which a profile needs) — the ratio says what nbpromote adds.
2. The first ``%promote lint NOTEBOOK`` in a fresh IPython kernel (goal ≤ 1 s), after
   ``%load_ext nbpromote``, measured as the execute round trip; then the second one. Baseline: the
   round trip of ``pass`` in the same kernel.

Each figure is the median of several fresh processes/kernels.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "credit_risk_leaky.ipynb"

PROFILE_SCRIPT = """
import time, sys
t = time.perf_counter()
from nbpromote.monitor import Profile
p = Profile.load(sys.argv[1])
print(time.perf_counter() - t, 'jsonschema' in sys.modules, 'pandas' in sys.modules)
"""
BASELINE_SCRIPT = """
import time
t = time.perf_counter()
import numpy
print(time.perf_counter() - t)
"""


def fresh(script: str, *args: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True)
    return out.stdout.split()


def profile_file(directory: Path) -> Path:
    import pandas as pd

    from nbpromote.monitor import profile

    df = pd.read_csv(REPO / "notebooks" / "data" / "credit.csv")
    path = directory / "profile.json"
    profile(df).save(path)
    return path


def bench_profile(repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = profile_file(Path(tmp))
        loads, heavy = [], []
        for _ in range(repeat):
            seconds, jsonschema, pandas = fresh(PROFILE_SCRIPT, str(path))
            loads.append(float(seconds))
            heavy.append(jsonschema == "True" or pandas == "True")
        base = [float(fresh(BASELINE_SCRIPT)[0]) for _ in range(repeat)]
    load, numpy = statistics.median(loads), statistics.median(base)
    return {"profile_load_s": load, "numpy_import_s": numpy, "ratio": load / numpy,
            "imports_jsonschema_or_pandas": any(heavy)}


def bench_kernel(repeat: int) -> dict[str, float]:
    from jupyter_client.manager import start_new_kernel

    firsts, seconds, passes, loads = [], [], [], []
    outputs: list[str] = []

    def keep(message: dict) -> None:
        data = message.get("content", {}).get("data", {})
        outputs.append(str(data.get("text/plain", message.get("content", {}).get("text", ""))))

    for _ in range(repeat):
        km, kc = start_new_kernel(kernel_name="python3", cwd=str(NOTEBOOK.parent))
        try:
            t = time.perf_counter()
            kc.execute_interactive("%load_ext nbpromote", timeout=120)
            loads.append(time.perf_counter() - t)
            t = time.perf_counter()
            kc.execute_interactive("pass", timeout=60)
            passes.append(time.perf_counter() - t)
            t = time.perf_counter()
            kc.execute_interactive(f"%promote lint {NOTEBOOK.name}", timeout=120, output_hook=keep)
            firsts.append(time.perf_counter() - t)
            t = time.perf_counter()
            kc.execute_interactive(f"%promote lint {NOTEBOOK.name}", timeout=120, output_hook=lambda m: None)
            seconds.append(time.perf_counter() - t)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    first, second, base, load = (statistics.median(x) for x in (firsts, seconds, passes, loads))
    shown = " ".join(outputs)
    assert "absolute-path" in shown or "finding" in shown, f"the lint showed no findings: {shown[:300]}"
    return {"first_lint_s": first, "second_lint_s": second, "pass_roundtrip_s": base,
            "load_ext_s": load, "first_over_second": first / second}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeat = 2 if args.quick else 5
    profile = bench_profile(repeat)
    print(f"Profile.load in a fresh process: {profile['profile_load_s']:.3f} s "
          f"(goal ≤ 0.2 s; import numpy alone {profile['numpy_import_s']:.3f} s, "
          f"ratio {profile['ratio']:.1f}×; jsonschema or pandas imported: "
          f"{profile['imports_jsonschema_or_pandas']})")
    kernel = bench_kernel(max(1, repeat // 2))
    print(f"first %promote lint in a fresh kernel: {kernel['first_lint_s']:.2f} s (goal ≤ 1 s); "
          f"second {kernel['second_lint_s']:.2f} s (first/second {kernel['first_over_second']:.1f}×); "
          f"`pass` round trip {kernel['pass_roundtrip_s']:.3f} s; %load_ext nbpromote {kernel['load_ext_s']:.2f} s "
          f"and the two together {kernel['load_ext_s'] + kernel['first_lint_s']:.2f} s")
    print(json.dumps({"profile": profile, "kernel": kernel}))


if __name__ == "__main__":
    main()
