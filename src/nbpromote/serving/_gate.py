"""The validation gate in front of the model, per row: :func:`nbpromote.monitor.validate_batch`'s
checks, reported as ``{row, field, rule, message, value}`` so a client can mend each row.

Differences from the batch gate, and why:

* ``null_fraction`` (the share of nulls in a column rose) is a statement about a batch; a request
  of one row with one null would always fail it. A null stays a warning, as in the batch gate (the
  model's own imputer decides), and the drift window (``/metrics``) watches the share across live
  traffic.
* Columns the profile does not know (ids, dates, the target once known) are ignored, as in batch
  ``predict``: the model only reads its own columns.
* A missing column fails every row (each row lacks the field), except the columns the serving
  path's own stages create (``derived``: the request carries raw columns; the stages add these).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["GateResult", "check_rows"]

_BATCH_ONLY = frozenset({"null_fraction", "extra_column", "empty_batch"})


@dataclass
class GateResult:
    """Per-row outcome: ``errors`` maps a row position to its problems; ``valid`` lists the others."""

    rows: int
    errors: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def valid(self) -> list[int]:
        return [i for i in range(self.rows) if i not in self.errors]

    def rules(self) -> list[str]:
        """Every failed rule, once per row and field (for the metrics)."""
        return [problem["rule"] for problems in self.errors.values() for problem in problems]

    def to_list(self) -> list[dict[str, Any]]:
        return [{"row": row, "errors": problems} for row, problems in sorted(self.errors.items())]


def _value(frame: Any, row: int, column: str) -> Any:
    from ..monitor._validate import _plain

    try:
        return _plain(frame[column].iat[row])
    except (KeyError, IndexError):
        return None


def check_rows(profile: Any, frame: Any, derived: Any = ()) -> GateResult:
    """Validate each row of ``frame`` (a DataFrame with a 0..n-1 index) against ``profile``."""
    from ..monitor import validate_batch

    result = GateResult(rows=len(frame))
    report = validate_batch(profile, frame, allow_extra=True, policy="rows", name="request")

    def add(row: int, problem: dict[str, Any]) -> None:
        result.errors.setdefault(row, []).append(problem)

    for violation in report.violations:
        rule, column = violation.check, violation.column
        if rule in _BATCH_ONLY:
            continue
        if violation.severity != "error":  # e.g. a null where the reference had none: the model's
            continue                          # imputer decides; the drift window watches the share
        if rule == "missing_column":
            if column in derived:
                continue
            for row in range(len(frame)):
                add(row, {"field": column, "rule": rule, "message": f"the field {column!r} is missing."})
            continue
        if violation.rows is None:
            continue
        message = violation.message
        for row in violation.rows.nonzero()[0].tolist():
            add(row, {"field": column, "rule": rule, "message": message, "value": _value(frame, row, str(column))})
    # A null where the reference allowed some is fine; a rising share of nulls is drift (/metrics).
    return result
