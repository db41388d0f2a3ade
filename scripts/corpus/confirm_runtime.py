"""Runtime confirmation on runnable notebooks: capture each twice (rows tracked / not), lint, tabulate.

For every notebook given (or every ``runs_offline=yes`` row of a corpus ``MANIFEST.tsv``), in a copy
of its folder (relative data paths keep working, nothing is written beside the original):

1. ``capture_notebook(track_rows=True)``; with ``--overhead`` also ``track_rows=False``,
   alternately ``--repeat`` times: the notebook's own run time is the sum of its cells'
   ``duration_ms`` in the manifest (kernel start-up left out), best of the repeats per side;
2. ``lint`` of the tracked capture: each finding of a row-level rule is ``confirmed`` or
   ``not-observed`` at run time.

Prints one row per notebook and the totals (``--json`` for the document). Third-party notebooks are
never committed: see tests/corpus/promote_manifest.tsv and scripts/corpus/fetch_corpus.py.

    PYTHONPATH=src python scripts/corpus/confirm_runtime.py --corpus /work/corpus/promote
    PYTHONPATH=src python scripts/corpus/confirm_runtime.py notebooks/credit_risk_leaky.ipynb
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any


def _notebooks(options: argparse.Namespace) -> list[Path]:
    found = [Path(p) for p in options.notebooks]
    if options.corpus:
        corpus = Path(options.corpus)
        with open(corpus / "MANIFEST.tsv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if row["runs_offline"] == "yes" and row["file"].endswith(".ipynb"):
                    found.append(corpus / row["file"])
    return found


def _own_seconds(manifest: dict[str, Any]) -> float:
    return sum(run["duration_ms"] for run in manifest["execution"]) / 1000


def confirm(path: Path, repeat: int, overhead: bool) -> dict[str, Any]:
    from nbpromote.capture import capture_notebook
    from nbpromote.lint import lint_notebook
    from nbpromote.lint._confirm import ROW_RULES

    row: dict[str, Any] = {"notebook": str(path)}
    with tempfile.TemporaryDirectory(prefix="nbpromote-confirm-") as scratch:
        folder = Path(scratch) / path.parent.name
        shutil.copytree(path.parent, folder, ignore=shutil.ignore_patterns("*.captured.*", ".nbpromote"))
        copy = folder / path.name
        times: dict[bool, float] = {}
        result = None
        try:
            for _ in range(repeat):
                for tracked in ((False, True) if overhead else (True,)):
                    out = folder / f"run-{int(tracked)}.captured.ipynb"
                    captured = capture_notebook(copy, out, force=True, track_rows=tracked, start_timeout=120)
                    seconds = _own_seconds(captured.manifest)
                    times[tracked] = min(times.get(tracked, seconds), seconds)
                    if tracked:
                        result = captured
        except Exception as exc:  # a notebook that does not run here: reported, not fatal
            row["error"] = f"{type(exc).__name__}: {exc}"[:300]
            return row
        assert result is not None
        rows = result.manifest["rows"]
        report = lint_notebook(result.notebook_path)
    off = times.get(False)
    row.update({
        "seconds_off": round(off, 3) if off is not None else None, "seconds_on": round(times[True], 3),
        "overhead_pct": round(100 * (times[True] / off - 1), 1) if off else None,
        "calls": len(rows["calls"]),
        "evidence": sum(1 for e in rows["evidence"] if e["kind"] == "shared-rows"),
        "leaking": sum(1 for e in rows["evidence"] if e["kind"] == "shared-rows" and e["shared_rows"]),
        "reused": sum(1 for e in rows["evidence"] if e["kind"] == "reused-rows"),
        "findings": [],
    })
    for finding in report.findings:
        if finding.rule in ROW_RULES:
            row["findings"].append({"rule": finding.rule, "cell": finding.cell, "line": finding.line,
                                    "status": (finding.runtime or {}).get("status"),
                                    "evidence": (finding.runtime or {}).get("evidence")})
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument("--corpus", help="a folder with MANIFEST.tsv (file, runs_offline, …)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--overhead", action="store_true", help="also capture untracked, to time both")
    parser.add_argument("--json", action="store_true", help="one JSON object per notebook, as each finishes")
    options = parser.parse_args(argv)
    total_off = total_on = 0.0
    ran = 0
    if not options.json:
        print(f"{'notebook':58} {'off s':>7} {'on s':>7} {'ovh %':>6} {'calls':>5} {'leak':>4} {'reuse':>5}  findings")
    for path in _notebooks(options):
        row = confirm(path, options.repeat, options.overhead)
        if options.json:
            print(json.dumps(row), flush=True)
            continue
        name = row["notebook"][-58:]
        if "error" in row:
            print(f"{name:58} did not run: {row['error'][:90]}", flush=True)
            continue
        ran += 1
        total_on += row["seconds_on"]
        total_off += row["seconds_off"] or 0.0
        statuses = [f"{f['rule']}@{f['cell']}:{f['status']}" for f in row["findings"]]
        off = f"{row['seconds_off']:7.2f}" if row["seconds_off"] is not None else f"{'-':>7}"
        print(f"{name:58} {off} {row['seconds_on']:7.2f} {row['overhead_pct'] or 0:6.1f} "
              f"{row['calls']:5d} {row['leaking']:4d} {row['reused']:5d}  {', '.join(statuses) or '-'}", flush=True)
    if ran and total_off:
        print(f"{ran} notebooks ran; own run time {total_off:.2f} s untracked, {total_on:.2f} s tracked "
              f"({100 * (total_on / total_off - 1):+.1f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
