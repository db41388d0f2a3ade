"""The rule registry: a dict of rule id -> :class:`Rule`, and :func:`register`.

A rule is a small object with an id, a default severity, a one-line summary and a ``check``
function ``check(ctx) -> iterable of Finding``; it reads the dataflow facts and cells from the
:class:`Context` and builds findings with :meth:`Context.finding`, which fills in the cell id, the
excerpt and the configured severity. Adding a rule is one module in ``nbpromote/lint/rules/`` that
calls :func:`register`, plus its name in ``rules/__init__.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ._findings import SEVERITIES, Finding, cell_name

__all__ = ["Rule", "RULES", "register", "Context"]


@dataclass(frozen=True)
class Rule:
    """A lint rule.

    Parameters
    ----------
    id : str
        Stable rule id (kebab-case); what suppression comments and the config name.
    severity : {"error", "warning", "info"}
        Default severity; a finding may carry its own, and the config may override it.
    summary : str
        One line for ``--help`` and the docs.
    check : callable
        ``check(ctx: Context) -> Iterable[Finding]``.
    category : {"leakage", "hazard"}, default="hazard"
    """

    id: str
    severity: str
    summary: str
    check: Callable[[Context], Iterable[Finding]]
    category: str = "hazard"

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: severity must be one of {SEVERITIES}")


#: Every registered rule, by id (filled by ``nbpromote.lint.rules``).
RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    """Add ``rule`` to :data:`RULES` (replacing a rule of the same id) and return it."""
    RULES[rule.id] = rule
    return rule


@dataclass
class Context:
    """What a rule sees: the notebook's cells, their name summaries and the dataflow facts."""

    notebook: str
    cells: list[Any]  # CodeCell, notebook order
    facts: Any  # nbpromote.lint._dataflow.Facts
    names: dict[int, Any]  # cell index -> CellNames
    manifest: dict | None = None
    nb: Any = None  # the NotebookNode
    rule: Rule | None = None
    by_index: dict[int, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_index = {c.index: c for c in self.cells}

    def excerpt(self, cell: int | None, line: int | None) -> str:
        code = self.by_index.get(cell) if cell is not None else None
        if code is None or not line:
            return ""
        lines = code.source.splitlines()
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""

    def finding(self, cell: int | None, line: int | None, message: str, fix: str,
                severity: str | None = None, rule: str | None = None) -> Finding:
        """A finding of the current rule at ``cell``/``line`` (cell index among all cells)."""
        rule_id = rule or (self.rule.id if self.rule else "unknown")
        code = self.by_index.get(cell) if cell is not None else None
        return Finding(
            rule=rule_id,
            severity=severity or (self.rule.severity if self.rule else "warning"),
            cell=cell,
            cell_id=code.cell_id if code is not None else None,
            line=line,
            message=message,
            fix=fix,
            excerpt=self.excerpt(cell, line),
        )

    def where(self, site: tuple) -> str:
        """``cell 5, line 2`` for messages: the cell counted from 1, as the report shows it."""
        return f"{cell_name(site[0])}, line {site[1]}"

    def cell(self, index: int) -> str:
        """``cell 5`` for messages: the cell counted from 1, as the report shows it."""
        return cell_name(index)
