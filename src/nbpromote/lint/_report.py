"""Rendering a :class:`LintReport` for people (text) and for code-review tools (SARIF 2.1.0)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .._version import __version__
from ._findings import LintReport
from ._registry import RULES

__all__ = ["to_text", "to_sarif"]

_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> str:
    """A SARIF ``artifactLocation.uri``: a relative URI reference, percent-encoded (RFC 3986), so a
    notebook named ``my analysis #2.ipynb`` is ``my%20analysis%20%232.ipynb`` and viewers resolve it."""
    posix = path.replace("\\", "/")
    drive = ""
    if len(posix) > 1 and posix[1] == ":" and posix[0].isalpha():  # C:/… on Windows: file:///C:/…
        drive, posix = "file:///" + posix[:2], posix[2:]
    elif posix.startswith("/"):
        drive = "file://"
    return drive + quote(posix, safe="/-._~")


def to_text(report: LintReport) -> str:
    """Findings grouped by notebook, each with its location, code excerpt and fix."""
    lines: list[str] = []
    for result in report.results:
        if not result.findings:
            lines.append(f"{result.notebook}: no findings")
            continue
        lines.append(f"{result.notebook}:")
        for f in result.findings:
            # People read cell numbers 1-based, as JupyterLab's status bar shows them; the JSON keeps
            # the 0-based index (architecture.md, decision 8).
            where = "file" if f.cell is None else f"cell {f.cell + 1}" + (f", line {f.line}" if f.line else "")
            lines.append(f"  {where}: {f.severity} [{f.rule}] {f.message}")
            if f.excerpt:
                lines.append(f"      > {f.excerpt}")
            lines.append(f"      fix: {f.fix}")
            if f.runtime:
                lines.append(f"      run: {f.runtime['evidence']}")
    s = report.summary()
    lines.append(
        f"{s['findings']} finding(s): {s['errors']} error(s), {s['warnings']} warning(s), "
        f"{s['infos']} info in {s['notebooks']} notebook(s)."
    )
    return "\n".join(lines)


def to_sarif(report: LintReport) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (one run; cells become logical locations)."""
    rule_ids = sorted(RULES)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules = [
        {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": RULES[rule_id].summary},
            "defaultConfiguration": {"level": _SARIF_LEVEL[RULES[rule_id].severity]},
            "properties": {"category": RULES[rule_id].category},
        }
        for rule_id in rule_ids
    ]
    results = []
    for result in report.results:
        for f in result.findings:
            location: dict[str, Any] = {
                "physicalLocation": {"artifactLocation": {"uri": _uri(result.notebook)}},
            }
            if f.line:
                region: dict[str, Any] = {"startLine": f.line}
                if f.excerpt:
                    region["snippet"] = {"text": f.excerpt}
                location["physicalLocation"]["region"] = region
            if f.cell is not None:
                location["logicalLocations"] = [{"name": f"cell {f.cell + 1}", "kind": "module",
                                                 "fullyQualifiedName": f"{result.notebook}#cell={f.cell}"}]
            entry: dict[str, Any] = {
                "ruleId": f.rule,
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f"{f.message} Fix: {f.fix}"},
                "locations": [location],
                "properties": {"cell": f.cell, "cell_id": f.cell_id, "fix": f.fix},
            }
            if f.rule in index:
                entry["ruleIndex"] = index[f.rule]
            results.append(entry)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "nbpromote", "version": __version__,
                                "informationUri": "https://github.com/nbpromote/nbpromote", "rules": rules}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
