"""Lint throughput and corpus accuracy.

    .venv/bin/python benchmarks/bench_lint.py [--quick] [--accuracy]

Throughput: a generated 200-cell notebook (unique cells, caches cleared before each run so nothing
is reused), and every notebook under notebooks/ and tests/. Figures are CPU time of this process
(best of several runs; the machine is shared, so wall-clock mostly measures the queue): cells/second,
ms per 100 cells, and the ratio to a baseline measured in the same run: reading the notebook with nbformat
and ``ast.parse`` of every cell (the least any static analysis must do). The live mode's cost is the
time to re-lint a growing history after one more cell (parse caches warm, as in a kernel).

Accuracy (``--accuracy``): precision and recall per rule over the labelled corpus in
tests/lint/corpus (label: ``metadata.nbpromote.corpus.expected``), counted per notebook and rule.
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]

TEMPLATES = [
    "import pandas as pd\nimport numpy as np\nfrom sklearn.model_selection import train_test_split\n"
    "from sklearn.preprocessing import StandardScaler\nfrom sklearn.linear_model import LogisticRegression\n"
    "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.pipeline import make_pipeline",
    "df{i} = pd.read_csv('data/part{i}.csv', parse_dates=['when'])\nprint(df{i}.shape)",
    "df{i}['ratio{i}'] = df{i}['a'] / (df{i}['b'] + 1)\ndf{i}['log{i}'] = np.log1p(df{i}['c'])",
    "df{i} = df{i}.dropna(subset=['a']).reset_index(drop=True)\ndf{i}.describe()",
    "X{i} = df{i}.drop(columns=['target'])\ny{i} = df{i}['target']\n"
    "X_train{i}, X_test{i}, y_train{i}, y_test{i} = train_test_split(X{i}, y{i}, test_size=0.2, random_state={i})",
    "model{i} = make_pipeline(StandardScaler(), LogisticRegression(C={i}.0, max_iter=500))\n"
    "model{i}.fit(X_train{i}, y_train{i})",
    "pred{i} = model{i}.predict(X_test{i})\nprint('accuracy', (pred{i} == y_test{i}).mean())",
    "%matplotlib inline\ndf{i}.groupby('grp')['a'].mean().plot(kind='bar')",
    "def feature{i}(frame):\n    out = frame.copy()\n    out['z{i}'] = out['a'] * {i}\n    return out\n"
    "df{i} = feature{i}(df{i})",
    "rf{i} = RandomForestClassifier(n_estimators=50, random_state={i}).fit(X_train{i}, y_train{i})\n"
    "print(rf{i}.score(X_test{i}, y_test{i}))",
]


def generated_notebook(n_cells: int) -> nbformat.NotebookNode:
    cells = []
    for index in range(n_cells):
        template = TEMPLATES[index % len(TEMPLATES)]
        group = index // len(TEMPLATES)
        cell = nbformat.v4.new_code_cell(template.format(i=group) + f"\n# cell {index}")
        cell["id"] = f"gen-{index}"
        cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells)


def _clear_caches() -> None:
    from nbpromote.notebook import _cells

    _cells._transform.cache_clear()
    _cells._parse.cache_clear()


# CPU time of this process: the machine is shared, and wall-clock time mostly measures the queue.
_clock = time.process_time


def _best(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        _clear_caches()
        started = _clock()
        func()
        times.append(_clock() - started)
    return min(times)


def bench_generated(n_cells: int, repeats: int) -> dict:
    from nbpromote.lint import lint_notebook

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.ipynb"
        nbformat.write(generated_notebook(n_cells), path)

        def baseline() -> None:
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                ast.parse(cell.source.replace("%matplotlib inline", "pass"))

        base = _best(baseline, repeats)
        lint = _best(lambda: lint_notebook(path), repeats)
        findings = len(lint_notebook(path).findings)
    return {"cells": n_cells, "lint_s": lint, "baseline_s": base, "findings": findings}


def bench_live(n_cells: int) -> dict:
    from nbpromote.lint import lint_cells
    from nbpromote.notebook import make_cell

    nb = generated_notebook(n_cells)
    _clear_caches()
    history = []
    last = []
    for index, cell in enumerate(nb.cells, start=1):
        history.append(make_cell(index, cell.source))
        started = _clock()
        lint_cells(history, notebook="<kernel history>")
        last.append(_clock() - started)
    return {"cells": n_cells, "last_s": last[-1], "median_s": statistics.median(last)}


def bench_files(repeats: int) -> dict:
    from nbpromote.lint import lint_notebook

    paths = sorted(p for folder in ("notebooks", "tests") for p in (REPO / folder).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
    cells = 0
    readable = []
    for path in paths:
        try:
            cells += sum(1 for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
            readable.append(path)
        except Exception:
            continue

    def run_all() -> None:
        for path in readable:
            try:
                lint_notebook(path)
            except Exception:
                pass

    def baseline() -> None:
        for path in readable:
            for cell in nbformat.read(path, as_version=4).cells:
                if cell.cell_type == "code":
                    try:
                        ast.parse(cell.source)
                    except SyntaxError:
                        pass

    return {"notebooks": len(readable), "cells": cells, "lint_s": _best(run_all, repeats),
            "baseline_s": _best(baseline, repeats)}


def accuracy() -> dict:
    from nbpromote.lint import RULES, lint_notebook

    corpus = sorted((REPO / "tests" / "lint" / "corpus").glob("*.ipynb"))
    counts = {rule: {"tp": 0, "fp": 0, "fn": 0} for rule in RULES}
    for path in corpus:
        label = json.loads(path.read_text())["metadata"]["nbpromote"]["corpus"]["expected"]
        found = lint_notebook(path).rules
        for rule in RULES:
            if rule in found and rule in label:
                counts[rule]["tp"] += 1
            elif rule in found:
                counts[rule]["fp"] += 1
            elif rule in label:
                counts[rule]["fn"] += 1
    out = {}
    for rule, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        out[rule] = {**c, "precision": precision, "recall": recall}
    return {"notebooks": len(corpus), "rules": out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, runs in seconds")
    parser.add_argument("--accuracy", action="store_true", help="corpus precision/recall per rule")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO / "src"))
    from nbpromote.lint import lint_notebook

    lint_notebook(generated_notebook(10))  # import and warm the interpreter, not the caches
    results: dict = {}
    n_cells, repeats = (40, 2) if args.quick else (200, 5)
    gen = results["generated"] = bench_generated(n_cells, repeats)
    print(f"generated notebook, {gen['cells']} cells ({gen['findings']} findings), caches cleared, best of {repeats}:")
    print(f"  lint {gen['lint_s'] * 1000:.1f} ms = {gen['cells'] / gen['lint_s']:,.0f} cells/s = "
          f"{gen['lint_s'] * 1000 * 100 / gen['cells']:.1f} ms per 100 cells (goal < 50)")
    print(f"  baseline nbformat.read + ast.parse {gen['baseline_s'] * 1000:.1f} ms; "
          f"lint / baseline = {gen['lint_s'] / gen['baseline_s']:.1f}x")
    print(f"  vs. Yang et al. (ASE 2022), 2-7 s per notebook: {2.0 / gen['lint_s']:,.0f}x-"
          f"{7.0 / gen['lint_s']:,.0f}x faster on this {gen['cells']}-cell notebook")
    live = results["live"] = bench_live(n_cells)
    print(f"live mode (re-lint the history after each cell, {live['cells']} cells): last "
          f"{live['last_s'] * 1000:.1f} ms, median {live['median_s'] * 1000:.1f} ms per cell run")
    files = results["files"] = bench_files(1 if args.quick else 3)
    if files["cells"]:
        print(f"all notebooks under notebooks/ and tests/: {files['notebooks']} notebooks, {files['cells']} code cells, "
              f"lint {files['lint_s'] * 1000:.0f} ms = {files['cells'] / files['lint_s']:,.0f} cells/s = "
              f"{files['lint_s'] * 1000 * 100 / files['cells']:.1f} ms per 100 cells; "
              f"lint / baseline = {files['lint_s'] / files['baseline_s']:.1f}x; "
              f"{files['lint_s'] * 1000 / files['notebooks']:.1f} ms per notebook")
        per_notebook = files["lint_s"] / files["notebooks"]
        print(f"  vs. Yang et al. (ASE 2022), 2-7 s per notebook: {2.0 / per_notebook:,.0f}x-"
              f"{7.0 / per_notebook:,.0f}x faster per notebook")
    if args.accuracy:
        acc = results["accuracy"] = accuracy()
        print(f"corpus accuracy ({acc['notebooks']} labelled notebooks; per notebook and rule):")
        print(f"  {'rule':28} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}")
        for rule, row in sorted(acc["rules"].items()):
            print(f"  {rule:28} {row['tp']:>4} {row['fp']:>4} {row['fn']:>4} {row['precision']:>10.2f} "
                  f"{row['recall']:>8.2f}")
    if args.json:
        print(json.dumps(results, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
