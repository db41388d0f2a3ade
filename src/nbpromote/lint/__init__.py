"""Leakage and notebook-hazard linter: static dataflow over cells, findings a person can act on.

>>> from nbpromote.lint import lint_notebook
>>> result = lint_notebook("notebooks/credit_risk_leaky.ipynb")      # doctest: +SKIP
>>> [(f.rule, f.cell, f.line) for f in result.findings]              # doctest: +SKIP

Rules live in :mod:`nbpromote.lint.rules` (one module each) and are found through :data:`RULES`;
the dataflow they query is :func:`analyze` (reusable by export).
"""

from .._fastimport import import_jsonschema_quickly

import_jsonschema_quickly()  # before nbformat (see nbpromote._fastimport)


from importlib import import_module  # noqa: E402
from typing import Any  # noqa: E402

# Public name -> private module. Imported on first use, so the knowledge tables
# (`nbpromote.knowledge`) stay importable without nbformat.
_EXPORTS = {
    "lint_cells": "_api", "lint_notebook": "_api", "lint_paths": "_api",
    "LintConfig": "_config", "suppressions": "_config",
    "Facts": "_dataflow", "analyze": "_dataflow",
    "SCHEMA_VERSION": "_findings", "SEVERITIES": "_findings", "Finding": "_findings",
    "LintReport": "_findings", "LintResult": "_findings",
    "RULES": "_registry", "Context": "_registry", "Rule": "_registry", "register": "_registry",
    "to_sarif": "_report", "to_text": "_report",
    "runtime_findings": "_runtime",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nbpromote.lint' has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))

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
