"""Score ``nbpromote lint`` on the hand-labelled third-party corpus, per rule and per family.

The corpus (``tests/corpus/lint_manifest.tsv``, fetched by ``scripts/corpus/fetch_corpus.py``)
lives outside git; its labels are ``tests/corpus/lint_labels.csv``: one row per notebook, one
column per leakage family (``pre``, ``overlap``, ``multi``, ``temporal``, ``target``) and per
notebook hazard judged (``absolute_path``, ``unpinned_install``; a missing column counts as ``?``) holding
``Y`` / ``N`` / ``?`` (``?`` = doubtful, left out of that family's figures), and for each ``Y`` the
labelled places ``<family>_at`` (``cell:line;cell:line``, cell = index among all cells, 0-based,
line 1-based, as the linter reports) and a reason ``<family>_why``.

It runs ``nbpromote lint --format json`` once over every labelled notebook (the ``nbpromote``
on PATH, or ``python -m nbpromote`` with ``--python``), then times each notebook in a child
process (``nbpromote.lint.lint_notebook``, same interpreter and PYTHONPATH), and prints:

* per family, at file level: TP / FP / FN, precision, recall (a family is *found* in a notebook
  when a finding of the rule that names it is there, as in the shared ``score_leakage.py``;
  ``fit-on-test`` is scored as a rule of the overlap family but not counted in the family);
* per family, at cell level: a finding is a cell-level hit when its cell is one the label names;
  precision over the distinct (notebook, cell) findings in notebooks labelled Y or N, recall over
  the labelled (notebook, cell) places; and *located recall*, the share of Y notebooks with at
  least one finding in a labelled cell;
* per rule: how many notebooks it fired in, and its precision / recall for its family;
* timing: median, 95th percentile and maximum milliseconds of ``lint_notebook`` per notebook.

``--json OUT`` writes every figure and the per-notebook misses (false negatives with the labelled
places, false positives with the finding) for a report; ``--misses OUT.md`` writes them as
Markdown with a short code excerpt per place (for the engineer's eyes: the excerpts are
third-party code, never commit that file).

usage: python scripts/corpus/score_lint.py [--corpus DIR] [--labels CSV] [--python PY]
                                            [--json OUT] [--misses OUT.md] [--markdown OUT.md]
                                            [--no-timing]
Exit code 0 when it scored, 2 when the corpus or labels are missing or lint gave no JSON.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
DEFAULT_LABELS = REPO / "tests" / "corpus" / "lint_labels.csv"
DEFAULT_CORPUS = Path(os.environ.get("NBPROMOTE_CORPUS", "/work/corpus")) / "lint"

FAMILIES = ("pre", "overlap", "multi", "temporal", "target", "absolute_path", "unpinned_install")
RULE_FAMILY = {
    "preprocessing-before-split": "pre",
    "overlap": "overlap",
    "fit-on-test": "overlap",
    "multi-test": "multi",
    "temporal": "temporal",
    "target-leakage": "target",
    "absolute-path": "absolute_path",
    "unpinned-install": "unpinned_install",
}

# rules reported per rule but not counted in their family's file-level figures (as in the shared
# score_leakage.py, a family is found by the rule whose id names it); no recall of their own
SECONDARY = {"fit-on-test"}

_TIMER = r"""
import json, sys, time
from nbpromote.lint import lint_notebook
out = {}
for p in sys.argv[1:]:
    t = time.perf_counter()
    try:
        lint_notebook(p)
    except Exception as exc:  # a crash is reported, not fatal to the timing of the others
        out[p] = {"ms": None, "error": f"{type(exc).__name__}: {exc}"[:300]}
        continue
    out[p] = {"ms": (time.perf_counter() - t) * 1000}
print(json.dumps(out))
"""


def parse_places(text: str) -> list[tuple[int, int | None]]:
    """``"12:3;14:1"`` → ``[(12, 3), (14, 1)]`` (a bare cell index has line None)."""
    places = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        cell, _, line = part.partition(":")
        places.append((int(cell), int(line) if line else None))
    return places


def read_labels(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for fam in FAMILIES:
            if r.setdefault(fam, "?") not in ("Y", "N", "?"):
                raise ValueError(f"{path}: {r['path']}: column {fam} must be Y, N or ?")
    return rows


def run_lint(paths: list[Path], python: str | None) -> dict[str, list[dict[str, Any]]]:
    """Findings per notebook path (as given), from ``nbpromote lint --format json``."""
    cmd = [python, "-m", "nbpromote"] if python else ["nbpromote"]
    found: dict[str, list[dict[str, Any]]] = {}
    for i in range(0, len(paths), 100):
        chunk = [str(p) for p in paths[i : i + 100]]
        r = subprocess.run([*cmd, "lint", *chunk, "--format", "json"], capture_output=True, text=True)
        try:
            doc = json.loads(r.stdout)
        except json.JSONDecodeError as exc:
            tail = (r.stderr or r.stdout)[-500:]
            raise RuntimeError(f"no JSON from {' '.join(cmd)} lint: {tail}") from exc
        for entry in doc.get("notebooks", []):
            found[str(Path(entry["notebook"]).resolve())] = entry.get("findings", [])
    return found


def time_notebooks(paths: list[Path], python: str | None) -> dict[str, dict[str, Any]]:
    """Milliseconds of ``lint_notebook`` per notebook, measured in one child process."""
    r = subprocess.run([python or sys.executable, "-c", _TIMER, *map(str, paths)],
                       capture_output=True, text=True)
    try:
        raw = json.loads(r.stdout)
    except json.JSONDecodeError:
        print(f"timing failed: {r.stderr[-300:]}", file=sys.stderr)
        return {}
    return {str(Path(p).resolve()): v for p, v in raw.items()}


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def score(rows: list[dict[str, str]], corpus: Path, found: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    fam_counts = {f: {"tp": 0, "fp": 0, "fn": 0, "tn": 0} for f in FAMILIES}
    cell = {f: {"hit": 0, "findings": 0, "places": 0, "placed": 0, "located": 0, "y": 0} for f in FAMILIES}
    rule_counts: dict[str, dict[str, int]] = defaultdict(lambda: {"fired": 0, "tp": 0, "fp": 0, "fn": 0})
    misses: list[dict[str, Any]] = []
    for r in rows:
        key = str((corpus / r["path"]).resolve())
        if key not in found:
            continue
        findings = found[key]
        by_fam: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for f in findings:
            rule_id = str(f.get("rule"))
            fam = RULE_FAMILY.get(rule_id)
            if fam and rule_id not in SECONDARY:
                by_fam[fam].append(f)
        for rule, fam in RULE_FAMILY.items():
            lab = r.get(fam, "?")
            fired = any(f.get("rule") == rule for f in findings)
            rc = rule_counts[rule]
            rc["fired"] += fired
            if lab == "Y" and (fired or rule not in SECONDARY):
                rc["tp" if fired else "fn"] += 1
            elif lab == "N" and fired:
                rc["fp"] += 1
        for fam in FAMILIES:
            lab = r.get(fam, "?")
            if lab not in ("Y", "N"):
                continue
            got = by_fam.get(fam, [])
            places = parse_places(r.get(f"{fam}_at", "")) if lab == "Y" else []
            labelled_cells = {c for c, _ in places}
            found_cells = {f.get("cell") for f in got}
            c = cell[fam]
            c["findings"] += len(found_cells)
            c["hit"] += len(found_cells & labelled_cells)
            c["places"] += len(labelled_cells)
            c["placed"] += len(labelled_cells & found_cells)
            fc = fam_counts[fam]
            if lab == "Y":
                c["y"] += 1
                c["located"] += bool(labelled_cells & found_cells)
                if got:
                    fc["tp"] += 1
                else:
                    fc["fn"] += 1
                    misses.append({"kind": "FN", "family": fam, "path": r["path"], "places": places,
                                   "why": r.get(f"{fam}_why", "")})
            else:
                if got:
                    fc["fp"] += 1
                    misses.append({"kind": "FP", "family": fam, "path": r["path"],
                                   "findings": [{k: f.get(k) for k in ("rule", "cell", "line", "message")}
                                                for f in got],
                                   "note": r.get("notes", "")})
                else:
                    fc["tn"] += 1
    families = {}
    for fam in FAMILIES:
        fc, c = fam_counts[fam], cell[fam]
        families[fam] = {**fc,
                         "precision": _ratio(fc["tp"], fc["tp"] + fc["fp"]),
                         "recall": _ratio(fc["tp"], fc["tp"] + fc["fn"]),
                         "cell_precision": _ratio(c["hit"], c["findings"]),
                         "cell_recall": _ratio(c["placed"], c["places"]),
                         "located_recall": _ratio(c["located"], c["y"])}
    rules = {rule: {**rc, "family": RULE_FAMILY[rule],
                    "precision": _ratio(rc["tp"], rc["tp"] + rc["fp"]),
                    "recall": _ratio(rc["tp"], rc["tp"] + rc["fn"])}
             for rule, rc in sorted(rule_counts.items())}
    return {"families": families, "rules": rules, "misses": misses}


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:5.2f}"


def excerpt(nb_path: Path, cell: int | None, line: int | None, context: int = 1) -> str:
    """Up to ``2*context+1`` source lines around (cell, line) of a notebook."""
    if cell is None:
        return ""
    try:
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        src = nb["cells"][cell]["source"]
    except (OSError, ValueError, KeyError, IndexError):
        return ""
    lines = ("".join(src) if isinstance(src, list) else src).split("\n")
    ln = line or 1
    lo, hi = max(0, ln - 1 - context), min(len(lines), ln + context)
    return "\n".join(f"{'>' if i + 1 == ln else ' '}{i + 1:3d}| {lines[i][:150]}" for i in range(lo, hi))


def write_misses(out: Path, result: dict[str, Any], corpus: Path, header: str) -> None:
    parts = [header]
    for m in sorted(result["misses"], key=lambda m: (m["family"], m["kind"], m["path"])):
        nb = corpus / m["path"]
        if m["kind"] == "FN":
            at = ", ".join(f"{c}:{ln}" for c, ln in m["places"])
            parts.append(f"### FN {m['family']} · {m['path']} · labelled at {at}\nlabel: {m['why']}\n")
            for c, ln in m["places"][:2]:
                parts.append(f"```\ncell {c}\n{excerpt(nb, c, ln)}\n```")
        else:
            parts.append(f"### FP {m['family']} · {m['path']}\nlabel note: {m.get('note') or '-'}\n")
            for f in m["findings"][:2]:
                parts.append(f"- {f['rule']} at {f['cell']}:{f['line']}: {str(f['message'])[:200]}")
                parts.append(f"```\n{excerpt(nb, f['cell'], f['line'])}\n```")
        parts.append("")
    out.write_text("\n".join(parts), encoding="utf-8")


def markdown(result: dict[str, Any]) -> str:
    """The per-family and per-rule figures as a Markdown table (for docs/lint.md)."""
    rows = ["| family / rule | TP | FP | FN | precision | recall | cell precision | cell recall |",
            "|---|---|---|---|---|---|---|---|"]
    for fam, s in result["families"].items():
        rows.append(f"| {fam} | {s['tp']} | {s['fp']} | {s['fn']} | {_fmt(s['precision']).strip()} | "
                    f"{_fmt(s['recall']).strip()} | {_fmt(s['cell_precision']).strip()} | "
                    f"{_fmt(s['cell_recall']).strip()} |")
    for rule, s in result["rules"].items():
        rows.append(f"| `{rule}` ({s['family']}) | {s['tp']} | {s['fp']} | {s['fn']} | "
                    f"{_fmt(s['precision']).strip()} | {_fmt(s['recall']).strip()} | | |")
    return "\n".join(rows)


def report(result: dict[str, Any], timing: dict[str, dict[str, Any]], n: int) -> str:
    lines = [f"{n} labelled notebooks linted", "",
             "family            tp  fp  fn  tn   P     R     cellP cellR locR"]
    for fam, s in result["families"].items():
        lines.append(f"{fam:16s} {s['tp']:3d} {s['fp']:3d} {s['fn']:3d} {s['tn']:3d} {_fmt(s['precision'])} "
                     f"{_fmt(s['recall'])} {_fmt(s['cell_precision'])} {_fmt(s['cell_recall'])} "
                     f"{_fmt(s['located_recall'])}")
    lines += ["", "rule                        family           fired  tp  fp  fn   P     R"]
    for rule, s in result["rules"].items():
        lines.append(f"{rule:27s} {s['family']:16s} {s['fired']:5d} {s['tp']:3d} {s['fp']:3d} {s['fn']:3d} "
                     f"{_fmt(s['precision'])} {_fmt(s['recall'])}")
    ms = sorted(v["ms"] for v in timing.values() if v.get("ms") is not None)
    errors = {p: v["error"] for p, v in timing.items() if v.get("error")}
    if ms:
        p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
        lines += ["", f"lint_notebook per notebook: median {statistics.median(ms):.1f} ms, "
                      f"p95 {p95:.1f} ms, max {ms[-1]:.1f} ms, total {sum(ms) / 1000:.2f} s"]
    for p, e in sorted(errors.items()):
        lines.append(f"CRASH {p}: {e}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    ap.add_argument("--python", default=None, help="run `PY -m nbpromote` instead of `nbpromote`")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--misses", type=Path, default=None)
    ap.add_argument("--markdown", type=Path, default=None, help="write the table as Markdown")
    ap.add_argument("--no-timing", action="store_true")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"error: corpus {args.corpus} is absent (fetch it with scripts/corpus/fetch_corpus.py)",
              file=sys.stderr)
        return 2
    try:
        rows = read_labels(args.labels)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    paths = [args.corpus / r["path"] for r in rows if (args.corpus / r["path"]).is_file()]
    if not paths:
        print(f"error: none of the labelled notebooks is under {args.corpus}", file=sys.stderr)
        return 2
    t = time.perf_counter()
    try:
        found = run_lint(paths, args.python)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    wall = time.perf_counter() - t
    timing = {} if args.no_timing else time_notebooks(paths, args.python)
    result = score(rows, args.corpus, found)
    text = report(result, timing, len(found))
    print(text)
    print(f"(nbpromote lint CLI over all: {wall:.1f} s wall)")
    if args.json:
        args.json.write_text(json.dumps({**result, "timing_ms": timing}, indent=1, default=str))
    if args.markdown:
        args.markdown.write_text(markdown(result) + "\n", encoding="utf-8")
    if args.misses:
        write_misses(args.misses, result, args.corpus, "```\n" + text + "\n```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
