"""Runtime confirmation on runnable notebooks: capture each twice (rows tracked / not), lint, tabulate.

For every notebook given (or every ``runs_offline=yes`` row of a corpus ``MANIFEST.tsv``), in a copy
of its folder (relative data paths keep working, nothing is written beside the original):

1. ``capture_notebook(track_rows=False)`` and ``capture_notebook(track_rows=True)``, alternately
   ``--repeat`` times; the notebook's own run time is the sum of its cells' ``duration_ms`` in the
   manifest (kernel start-up left out), best of the repeats per side;
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


def confirm(path: Path, repeat: int) -> dict[str, Any]:
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
                for tracked in (False, True):
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
    row.update({
        "seconds_off": round(times[False], 3), "seconds_on": round(times[True], 3),
        "overhead_pct": round(100 * (times[True] / times[False] - 1), 1) if times[False] else None,
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
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    results = [confirm(path, options.repeat) for path in _notebooks(options)]
    if options.json:
        print(json.dumps(results, indent=1))
        return 0
    total_off = total_on = 0.0
    print(f"{'notebook':58} {'off s':>7} {'on s':>7} {'ovh %':>6} {'calls':>5} {'leak':>4} {'reuse':>5}  findings")
    for row in results:
        name = row["notebook"][-58:]
        if "error" in row:
            print(f"{name:58} did not run: {row['error'][:90]}")
            continue
        total_off += row["seconds_off"]
        total_on += row["seconds_on"]
        statuses = [f"{f['rule']}@{f['cell']}:{f['status']}" for f in row["findings"]]
        print(f"{name:58} {row['seconds_off']:7.2f} {row['seconds_on']:7.2f} {row['overhead_pct'] or 0:6.1f} "
              f"{row['calls']:5d} {row['leaking']:4d} {row['reused']:5d}  {', '.join(statuses) or '-'}")
    ran = [r for r in results if "error" not in r]
    if ran and total_off:
        print(f"{len(ran)} notebooks ran; own run time {total_off:.2f} s untracked, {total_on:.2f} s tracked "
              f"({100 * (total_on / total_off - 1):+.1f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
