"""Leakage and notebook-hazard linter: static dataflow over cells, findings a person can act on.

>>> from nbpromote.lint import lint_notebook
>>> result = lint_notebook("notebooks/credit_risk_leaky.ipynb")      # doctest: +SKIP
>>> [(f.rule, f.cell, f.line) for f in result.findings]              # doctest: +SKIP

Rules live in :mod:`nbpromote.lint.rules` (one module each) and are found through :data:`RULES`;
the dataflow they query is :func:`analyze` (reusable by export).
"""

from ._api import lint_cells, lint_notebook, lint_paths
from ._config import LintConfig, suppressions
from ._dataflow import Facts, analyze
from ._findings import SCHEMA_VERSION, SEVERITIES, Finding, LintReport, LintResult
from ._registry import RULES, Context, Rule, register
from ._report import to_sarif, to_text
from ._runtime import runtime_findings

__all__ = [
    "Context",
    "Facts",
    "Finding",
    "LintConfig",
    "LintReport",
    "LintResult",
    "RULES",
    "Rule",
    "SCHEMA_VERSION",
    "SEVERITIES",
    "analyze",
    "lint_cells",
    "lint_notebook",
    "lint_paths",
    "register",
    "runtime_findings",
    "suppressions",
    "to_sarif",
    "to_text",
]
