"""Overhead of run-time row tracking (``nbpromote.capture._rows``) on a notebook's own run time.

The same cells run in one IPython shell with capture on, alternately with row tracking on (the
wrappers of scikit-learn and pandas installed) and off (removed), in ABBA blocks; the best block of
each side is compared. Two workloads:

* ``typical``: a tabular notebook — 200 k rows x 20 columns, pandas cleaning, one-hot encoding, a
  scaler fitted before the split (a leak), a split, logistic regression, a small random forest,
  predictions, three metrics, a 5-fold cross-validation;
* ``many small calls``: 300 fit/predict/score calls on 500 rows (the per-call cost dominates).

Goal: overhead <= 10 % of the notebook's own run time (``typical``). Printed as a ratio measured in
this run, plus the per-call cost of the small-calls workload.

    .venv/bin/python benchmarks/bench_rows.py            # 3 blocks per side
    .venv/bin/python benchmarks/bench_rows.py --quick    # 1 block per side, smaller data
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

SETUP = """
import numpy as np, pandas as pd
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import train_test_split, cross_val_score
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, roc_auc_score, f1_score
"""

TYPICAL = [
    """
rng = np.random.RandomState(0)
raw = pd.DataFrame(rng.normal(size=(ROWS, 16)), columns=[f"x{i}" for i in range(16)])
raw["city"] = rng.choice(["a", "b", "c", "d", "e"], size=ROWS)
raw["kind"] = rng.choice(["u", "v", "w"], size=ROWS)
raw.loc[rng.rand(ROWS) < 0.05, "x3"] = np.nan
raw["target"] = (raw.x0 + raw.x1 * 0.5 + rng.normal(size=ROWS) > 0).astype(int)
raw.to_csv("data.csv", index=False)
del raw
""",
    """
df = pd.read_csv("data.csv")
df["x3"] = df["x3"].fillna(df["x3"].median())
df = pd.get_dummies(df, columns=["city", "kind"], dtype=float)
X = df.drop(columns=["target"])
y = df["target"]
""",
    """
X_scaled = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, test_size=0.25, random_state=0)
""",
    """
logreg = LogisticRegression(max_iter=200).fit(X_train, y_train)
forest = RandomForestClassifier(n_estimators=20, max_depth=8, random_state=0, n_jobs=1).fit(X_train[:40000], y_train[:40000])
for model in (logreg, forest):
    predicted = model.predict(X_test)
    print(accuracy_score(y_test, predicted), f1_score(y_test, predicted),
          roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
""",
    """
print(cross_val_score(LogisticRegression(max_iter=200), X_scaled[:50000], y[:50000], cv=5).mean())
""",
]

SMALL = [
    """
rng = np.random.RandomState(1)
Xs = pd.DataFrame(rng.normal(size=(500, 5)))
ys = (Xs[0] > 0).astype(int)
Xs_train, Xs_test, ys_train, ys_test = train_test_split(Xs, ys, random_state=0)
for i in range(100):
    m = LogisticRegression().fit(Xs_train, ys_train)
    p = m.predict(Xs_test)
    s = accuracy_score(ys_test, p)
""",
]


def run_block(shell, cells: list[str]) -> float:
    # CPU time of this process: the cells are single-threaded (BLAS pinned to one thread below), and
    # on a shared machine wall time mostly measures the other processes.
    start = time.process_time()
    for source in cells:
        result = shell.run_cell(source, store_history=True, silent=True)
        if not result.success:
            raise RuntimeError(f"benchmark cell failed: {result.error_in_exec!r}")
    return time.process_time() - start


def measure(shell, session, cells: list[str], blocks: int) -> tuple[float, float]:
    best = {True: float("inf"), False: float("inf")}
    order = [False, True, True, False] * blocks
    for tracked in order:
        if tracked:
            session.track_rows(shell)
        else:
            session.stop_tracking_rows()
        best[tracked] = min(best[tracked], run_block(shell, cells))
        if session.rows is not None:
            session.rows.calls.clear()
    session.stop_tracking_rows()
    return best[False], best[True]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    rows = 50_000 if options.quick else 200_000
    blocks = 1 if options.quick else 3

    from IPython.core.interactiveshell import InteractiveShell

    from nbpromote.capture import kernel

    os.chdir(tempfile.mkdtemp(prefix="bench-rows-"))
    shell = InteractiveShell.instance()
    shell.history_manager.enabled = False
    shell.run_cell("%load_ext nbpromote")
    session = kernel.get_session(shell)
    shell.run_cell(SETUP + f"\nROWS = {rows}", store_history=True)
    typical = [TYPICAL[0]] + TYPICAL[1:]
    shell.run_cell(TYPICAL[0], store_history=True, silent=True)  # write the data once
    plain, tracked = measure(shell, session, typical[1:], blocks)
    small_plain, small_tracked = measure(shell, session, SMALL, blocks)
    calls = 300
    print(f"row tracking overhead ({rows:,} rows x 20 columns, best of {2 * blocks} blocks per side, CPU seconds)")
    print(f"  typical notebook      off {plain:8.3f} s   on {tracked:8.3f} s   "
          f"overhead {100 * (tracked / plain - 1):+6.1f} %   (goal <= 10 %)")
    print(f"  300 small calls       off {small_plain:8.3f} s   on {small_tracked:8.3f} s   "
          f"overhead {100 * (small_tracked / small_plain - 1):+6.1f} %   "
          f"{1e6 * (small_tracked - small_plain) / calls:7.1f} us per call")


if __name__ == "__main__":
    main()
