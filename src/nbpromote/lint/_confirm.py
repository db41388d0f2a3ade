"""Runtime confirmation: static leakage findings checked against the rows a real run recorded.

When a notebook ran under capture (``nbpromote capture``, or a kernel with ``%promote lint --live
on``), its manifest's ``rows`` section says which rows each learning and scoring call received
(:mod:`nbpromote.capture._evidence`). :func:`confirm_findings` gives each finding of a row-level rule
a ``runtime`` field:

``{"status": "confirmed", "evidence": TEXT, "learned_rows": N, "evaluated_rows": M, "shared_rows": K,
"matched_by": "row ids"|"content"}``
    The run shows the leak: the thing the finding names learned from rows that an evaluation was
    later given (or, for ``multi-test``, the same held-out rows were scored for several models).
``{"status": "not-observed", "evidence": TEXT}``
    The run did not exercise it (the call did not run, is not tracked, or ran without sharing rows
    with an evaluation). The finding stays: another input or path may still leak.

``hidden-state`` findings are checked against the run itself (:func:`refute_hidden_state`): a
captured top-to-bottom run that executed the cell shows the name existed there, so the finding
becomes ``{"status": "refuted", …}`` at ``info`` severity (a star import, a magic or a startup file
defined it where static analysis cannot see).

Findings of other rules keep ``runtime`` null, as do all findings when the run was not tracked or
the manifest belongs to other code (``notebook_hash`` differs). Static analysis alone never needs a
run; this only adds evidence.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ._findings import Finding, cell_name

__all__ = ["confirm_findings", "refute_hidden_state", "ROW_RULES"]

#: Rule -> which evidence confirms it: the learner a transformer, the evaluated model, either, or reuse.
ROW_RULES: dict[str, str] = {
    "preprocessing-before-split": "transformer",
    "overlap": "any",
    "fit-on-test": "any",
    "temporal": "any",
    "multi-test": "reused",
}


def _where(site: Mapping[str, Any]) -> str:
    cell = site.get("cell")
    if cell is None and site.get("execution_count") is not None:
        label = f"In [{site['execution_count']}]"
    else:
        label = cell_name(cell) if cell is not None else "an unknown cell"
    return f"{label}, line {site['line']}" if site.get("line") else label


def _at(site: Mapping[str, Any], cell: int | None, line: int | None, *, exact: bool) -> bool:
    if site.get("cell") != cell or cell is None:
        return False
    return not exact or line is None or site.get("line") == line


def _shared_text(record: Mapping[str, Any]) -> str:
    learner = record["learner"]
    if "@" in learner:  # a pandas statistic: "DataFrame.mean@3" -> "DataFrame.mean()"
        learner = learner.split("@")[0] + "()"
    shared = record["shared_rows"]
    what = "the rows" if record["matched_by"] == "row ids" else "identical in content to rows"
    verb = "evaluated" if record.get("cross_validation") else "was given"
    head = (f"{learner} learned from {record['learned_rows']:,} rows ({_where(record['learned_at'])}); ")
    if shared:
        tail = (f"{shared:,} of them are {what} {record['evaluation']} {verb} "
                f"({record['evaluated_rows']:,} rows, {_where(record['evaluated_at'])})")
        if record["matched_by"] != "row ids":
            tail += "; matched by content only, so some may be duplicate records rather than the same rows"
    else:
        tail = (f"none of the {record['evaluated_rows']:,} rows {record['evaluation']} {verb} "
                f"({_where(record['evaluated_at'])}) are among them")
    return head + tail + "."


def _reused_text(record: Mapping[str, Any]) -> str:
    models = record["models"]
    sites = "; ".join(list(dict.fromkeys(_where(item["at"]) for item in record["evaluations"]))[:4])
    return (f"the same {record['evaluated_rows']:,} held-out rows were scored for {len(models)} models "
            f"({', '.join(models[:5])}{'…' if len(models) > 5 else ''}) at {sites}.")


def _runtime_for(finding: Finding, kind: str, rows: Mapping[str, Any]) -> dict[str, Any]:
    evidence = rows.get("evidence") or []
    for exact in (True, False):
        if kind == "reused":
            matches = [r for r in evidence if r.get("kind") == "reused-rows"
                       and any(_at(e["at"], finding.cell, finding.line, exact=exact) for e in r["evaluations"])]
            if matches:
                record = max(matches, key=lambda r: len(r["models"]))
                return {"status": "confirmed", "evidence": "Confirmed at run time: " + _reused_text(record),
                        "evaluated_rows": record["evaluated_rows"], "models": len(record["models"])}
            continue
        matches = [r for r in evidence if r.get("kind") == "shared-rows"
                   and (kind == "any" or r.get("learner_kind") == kind)
                   and (_at(r["learned_at"], finding.cell, finding.line, exact=exact)
                        or _at(r["evaluated_at"], finding.cell, finding.line, exact=exact))]
        if not matches:
            continue
        record = max(matches, key=lambda r: (r["shared_rows"], r["matched_by"] == "row ids"))
        numbers = {k: record[k] for k in ("learned_rows", "evaluated_rows", "shared_rows", "matched_by")}
        if record["shared_rows"]:
            return {"status": "confirmed", "evidence": "Confirmed at run time: " + _shared_text(record), **numbers}
        return {"status": "not-observed",
                "evidence": "Not observed at run time: " + _shared_text(record)
                + " Another input or code path may still leak.", **numbers}
    ran = [c for c in rows.get("calls") or [] if _at(c["site"], finding.cell, finding.line, exact=True)]
    if ran:
        names = ", ".join(dict.fromkeys(c["call"] for c in ran))
        text = f"Not observed at run time: {names} ran here, but no later evaluation of its rows was recorded."
    else:
        text = ("Not observed at run time: the run reached no tracked call at this line (pandas/NumPy "
                "statistics, and libraries outside scikit-learn's estimator API, are not tracked).")
    return {"status": "not-observed", "evidence": text}


def confirm_findings(findings: list[Finding], manifest: Mapping[str, Any] | None, *,
                     notebook_hash: str | None = None) -> list[Finding]:
    """``findings`` with ``runtime`` filled from ``manifest['rows']`` (unchanged when there is none).

    Parameters
    ----------
    findings : list of Finding
    manifest : mapping or None
        A capture manifest (schema 2), or any mapping with a ``rows`` section.
    notebook_hash : str or None
        The linted notebook's code hash; evidence from a manifest of other code is not used.
    """
    rows = (manifest or {}).get("rows") if isinstance(manifest, Mapping) else None
    if not isinstance(rows, Mapping) or not rows.get("observed"):
        return findings
    recorded = (manifest or {}).get("notebook_hash")
    if notebook_hash and recorded and recorded != notebook_hash:
        return findings
    out = []
    for finding in findings:
        kind = ROW_RULES.get(finding.rule)
        if kind is None or finding.cell is None:
            out.append(finding)
            continue
        try:
            runtime = _runtime_for(finding, kind, rows)
        except (KeyError, TypeError):  # a malformed section: no verdict
            out.append(finding)
            continue
        out.append(dataclasses.replace(finding, runtime=runtime))
    return out


def refute_hidden_state(findings: list[Finding], manifest: Mapping[str, Any] | None, *,
                        positions: Mapping[str, int], notebook_hash: str | None = None) -> list[Finding]:
    """``hidden-state`` findings a captured top-to-bottom run contradicts, turned to ``info``.

    The finding says a restart-and-run-all fails with a NameError in that cell; a capture ran this
    very code (same ``notebook_hash``) in a fresh kernel, cell after cell in notebook order, and the
    cell succeeded (a manifest is only written when every cell did). ``positions`` maps cell ids to
    their index in the notebook. A run that is not top to bottom, or whose cells cannot all be
    placed, refutes nothing.
    """
    if not isinstance(manifest, Mapping) or not any(f.rule == "hidden-state" for f in findings):
        return findings
    recorded = manifest.get("notebook_hash")
    if not notebook_hash or recorded != notebook_hash:
        return findings
    runs = [positions.get(str(run.get("cell_id"))) if isinstance(run, Mapping) else None
            for run in manifest.get("execution") or []]
    if not runs or any(index is None for index in runs):
        return findings
    order = [index for index in runs if index is not None]
    if order != sorted(set(order)):
        return findings  # re-runs or out of order: not the fresh top-to-bottom run the finding doubts
    ran = set(order)
    evidence = ("The captured run executed this notebook top to bottom in a fresh kernel and this cell "
                "succeeded, so the name existed there (defined where the analysis cannot see: a magic, a "
                "star import, a startup file).")
    return [dataclasses.replace(f, severity="info", runtime={"status": "refuted", "evidence": evidence})
            if f.rule == "hidden-state" and f.cell in ran else f for f in findings]
