"""Findings and reports: the linter's results and their stable JSON contract.

``LintReport.to_dict()`` is the document ``nbpromote lint --format json`` prints, which CI tools and
the JupyterLab extension read::

    {"schema_version": 1,
     "notebooks": [{"notebook": PATH, "findings": [
         {"rule": ID, "severity": "error"|"warning"|"info", "cell": INDEX, "cell_id": ID,
          "line": LINE, "message": WHY, "fix": HOW, "excerpt": CODE, "runtime": EVIDENCE|null}]}],
     "summary": {"notebooks": N, "findings": N, "errors": N, "warnings": N, "infos": N,
                 "by_rule": {ID: N}}}

``cell`` is the 0-based index among *all* cells (text for people shows it 1-based, as JupyterLab's
status bar does) and ``line`` is 1-based
within the cell's source; both are null for a finding about the whole file (a malformed notebook).
``runtime`` is null unless the notebook ran under capture with row tracking and the rule is about
rows; then ``{"status": "confirmed"|"not-observed"|"refuted", "evidence": TEXT, …counts}``
(:mod:`nbpromote.lint._confirm`). Adding keys is backwards compatible; removing or renaming one bumps ``schema_version``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Finding", "LintResult", "LintReport", "SEVERITIES", "SCHEMA_VERSION", "cell_name", "severity_rank"]

#: Version of the JSON document produced by :meth:`LintReport.to_dict`.
SCHEMA_VERSION = 1
SEVERITIES = ("info", "warning", "error")


def severity_rank(severity: str) -> int:
    """0 for info, 1 for warning, 2 for error."""
    return SEVERITIES.index(severity)


def cell_name(index: int) -> str:
    """How a message names a cell: counted from 1, as the text report and the JupyterLab panel show
    its location (the JSON ``cell`` field stays the 0-based index among all cells)."""
    return f"cell {index + 1}"


@dataclass(frozen=True)
class Finding:
    """One problem the linter found.

    Attributes
    ----------
    rule : str
        Rule id, e.g. ``"preprocessing-before-split"``.
    severity : {"error", "warning", "info"}
    cell : int or None
        Index of the cell among all cells of the notebook (0-based); None for the whole file.
    cell_id : str or None
        The nbformat cell id.
    line : int or None
        1-based line within the cell's source.
    message : str
        One sentence: why this is a problem.
    fix : str
        A concrete change that removes it.
    excerpt : str
        The source line the finding points at.
    runtime : dict or None
        Run-time evidence (``status`` "confirmed", "not-observed" or — for a hidden-state finding a top-to-bottom capture ran
        through — "refuted"; ``evidence`` text, row counts),
        or None when no tracked run of this code is known (:mod:`nbpromote.lint._confirm`).
    """

    rule: str
    severity: str
    cell: int | None
    cell_id: str | None
    line: int | None
    message: str
    fix: str
    excerpt: str = ""
    runtime: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The finding as the JSON contract's dict (all keys always present)."""
        return asdict(self)

    def sort_key(self) -> tuple:
        return (self.cell if self.cell is not None else -1, self.line or 0, self.rule, self.message)


@dataclass
class LintResult:
    """The findings of one notebook, sorted by cell, line and rule."""

    notebook: str
    findings: list[Finding] = field(default_factory=list)
    #: Internal problems (a rule or statement the analysis gave up on); not part of the JSON.
    errors: list[str] = field(default_factory=list, repr=False)
    #: The dataflow facts (for reuse by export and the live mode); not part of the JSON.
    facts: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"notebook": self.notebook, "findings": [f.to_dict() for f in self.findings]}

    def at_least(self, severity: str) -> list[Finding]:
        """Findings of ``severity`` or worse."""
        rank = severity_rank(severity)
        return [f for f in self.findings if severity_rank(f.severity) >= rank]

    @property
    def rules(self) -> set[str]:
        return {f.rule for f in self.findings}


@dataclass
class LintReport:
    """Findings of several notebooks (what ``nbpromote lint`` prints)."""

    results: list[LintResult] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        findings = [f for r in self.results for f in r.findings]
        by_rule: dict[str, int] = {}
        for finding in findings:
            by_rule[finding.rule] = by_rule.get(finding.rule, 0) + 1
        return {
            "notebooks": len(self.results),
            "findings": len(findings),
            "errors": sum(f.severity == "error" for f in findings),
            "warnings": sum(f.severity == "warning" for f in findings),
            "infos": sum(f.severity == "info" for f in findings),
            "by_rule": dict(sorted(by_rule.items())),
        }

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON contract (see the module docstring)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "notebooks": [r.to_dict() for r in self.results],
            "summary": self.summary(),
        }

    def exit_code(self, fail_on: str = "error") -> int:
        """1 when any finding is at or above ``fail_on`` ("error", "warning", "info"), else 0."""
        if fail_on not in SEVERITIES:
            from ..errors import UsageError

            raise UsageError(f"--fail-on {fail_on!r} is not a severity.", hint="Use error, warning or info.")
        return 1 if any(r.at_least(fail_on) for r in self.results) else 0
