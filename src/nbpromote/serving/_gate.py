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

Two implementations of the same rules:

* :func:`check_rows` runs :func:`~nbpromote.monitor.validate_batch` itself (the reference);
* :class:`RowGate` is built once per loaded model version: the profile's rules compiled into
  bounds, allowed-infinity flags and category sets, checked with a few numpy operations per
  column. It answers exactly what :func:`check_rows` answers (``tests/serving/test_gate.py`` checks
  that on generated requests), in tens of microseconds instead of milliseconds for a one-row
  request. Columns whose dtype it has no cheap path for (text in a numeric column, pandas
  Categorical, dates) go through the batch gate's own per-column checks.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["GateResult", "RowGate", "check_rows"]

_BATCH_ONLY = frozenset({"null_fraction", "extra_column", "empty_batch"})
RANGE_MARGIN = 0.25  # validate_batch's default: the same allowance as batch validation


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


def _result(frame: Any, violations: list[Any], derived: Collection[str]) -> GateResult:
    """Per-row problems from the batch gate's violations (errors only; batch-level statements dropped)."""
    result = GateResult(rows=len(frame))

    def add(row: int, problem: dict[str, Any]) -> None:
        result.errors.setdefault(row, []).append(problem)

    for violation in violations:
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
        for row in np.flatnonzero(violation.rows).tolist():
            add(row, {"field": column, "rule": rule, "message": message, "value": _value(frame, row, str(column))})
    # A null where the reference allowed some is fine; a rising share of nulls is drift (/metrics).
    return result


def check_rows(profile: Any, frame: Any, derived: Collection[str] = ()) -> GateResult:
    """Validate each row of ``frame`` (a DataFrame with a 0..n-1 index) against ``profile``."""
    from ..monitor import validate_batch

    report = validate_batch(profile, frame, allow_extra=True, policy="rows", name="request",
                            range_margin=RANGE_MARGIN)
    return _result(frame, report.violations, derived)


@dataclass(frozen=True)
class _Column:
    """One profiled column's rules, computed once from the profile."""

    name: str
    kind: str
    feature: bool
    spec: dict[str, Any]
    lo: float = -np.inf  # numeric: the allowed range (reference range ± margin)
    hi: float = np.inf
    infinite_ok: bool = False
    known: frozenset[str] | None = None  # categorical: the reference's labels (None: not checked)


def _compile(name: str, col: dict[str, Any]) -> _Column:
    kind, feature = str(col.get("kind")), col.get("role") == "feature"
    if kind == "numeric":
        lo, hi = -np.inf, np.inf
        if col.get("min") is not None:  # validate_batch's allowance, computed once
            low, high = float(col["min"]), float(col["max"])
            span = high - low
            margin = RANGE_MARGIN * (span if span > 0 else max(abs(low), 1.0))
            lo, hi = low - margin, high + margin
        return _Column(name, kind, feature, col, lo=lo, hi=hi, infinite_ok=bool(col.get("nonfinite_count")))
    if kind == "categorical":
        known = None if col.get("truncated") else frozenset(str(k) for k in (col.get("categories") or {}))
        return _Column(name, kind, feature, col, known=known)
    return _Column(name, kind, feature, col)


class RowGate:
    """The validation gate of one model version, compiled from its reference profile.

    A clean column is recognised with a few numpy operations over all numeric columns at once
    (range and infinity) and one ``unique()`` per categorical column (labels against the
    reference's); a column that is not clean, or whose dtype has no cheap path (text in a numeric
    column, pandas Categorical, dates), goes through the batch gate's own check of that column, so
    every problem is reported exactly as :func:`check_rows` reports it.

    Parameters
    ----------
    profile : Profile
        The version's reference profile.
    derived : collection of str, default=()
        Feature columns the serving path's stages create (a request need not carry them).

    Examples
    --------
    >>> import pandas as pd
    >>> from nbpromote.monitor import profile
    >>> gate = RowGate(profile(pd.DataFrame({"age": [20, 30, 40, 50]})))
    >>> gate.check(pd.DataFrame({"age": [25, 200]})).to_list()[0]["errors"][0]["rule"]
    'out_of_range'
    """

    def __init__(self, profile: Any, derived: Collection[str] = ()) -> None:
        self.profile = profile
        self.derived = frozenset(derived)
        self.columns = [_compile(name, col) for name, col in profile.columns.items()]

    def check(self, frame: Any) -> GateResult:
        """Validate each row of ``frame`` (a DataFrame with a 0..n-1 index); as :func:`check_rows`."""
        columns = frame.columns
        if not columns.is_unique or not all(type(c) is str for c in columns):
            return check_rows(self.profile, frame, self.derived)  # the batch gate says what is wrong
        present = set(columns)
        thorough: set[str] = set()  # columns the batch gate's own checks must look at
        numeric: list[_Column] = []
        arrays: list[np.ndarray] = []
        for column in self.columns:
            if column.name not in present:
                continue
            if column.kind == "numeric":
                series = frame[column.name]
                if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iuf":
                    numeric.append(column)
                    arrays.append(series.to_numpy(dtype=np.float64, copy=False))
                else:
                    thorough.add(column.name)
            elif column.kind == "categorical":
                if column.known is not None and not _clean_categories(frame[column.name], column.known):
                    thorough.add(column.name)
            elif column.kind == "datetime":
                thorough.add(column.name)
            # identifiers and other kinds: only null checks, which never fail a row
        if numeric:
            values = np.column_stack(arrays)
            lo = np.array([c.lo for c in numeric])
            hi = np.array([c.hi for c in numeric])
            infinite = np.isinf(values)
            with np.errstate(invalid="ignore"):
                outside = ((values < lo) | (values > hi)) & ~infinite  # NaN compares False
            flagged = outside.any(axis=0) | (infinite.any(axis=0) & ~np.array([c.infinite_ok for c in numeric]))
            thorough.update(c.name for c, bad in zip(numeric, flagged.tolist(), strict=True) if bad)
        return _result(frame, self._violations(frame, present, thorough), self.derived)

    def clean_records(self, records: Sequence[Mapping[str, Any]]) -> bool:
        """True when every row of these JSON records certainly passes :meth:`check`.

        A cheap look at the plain values a JSON body holds, before pandas builds a frame: each
        profiled feature is present in every record (unless a stage derives it), numbers are
        numbers within the allowed range, categories are known text; nulls pass, as in
        :meth:`check`. Anything else (text in a numeric field, a date, a number as a category, a
        missing field, a nested value) answers False and the request goes through :meth:`check`,
        which says exactly what is wrong, so a True here never hides an error.
        """
        for column in self.columns:
            name, kind = column.name, column.kind
            if kind not in ("numeric", "categorical"):
                if kind == "datetime" and any(record.get(name) is not None for record in records):
                    return False
                if column.feature and name not in self.derived and any(name not in r for r in records):
                    return False
                continue
            required = column.feature and name not in self.derived
            for record in records:
                if name not in record:
                    if required:
                        return False
                    continue
                value = record[name]
                if value is None:
                    continue
                if kind == "numeric":
                    kind_of = type(value)
                    if kind_of is int:
                        if not -_EXACT_INT <= value <= _EXACT_INT or not column.lo <= value <= column.hi:
                            return False
                    elif kind_of is float:
                        if value != value:  # NaN: a null
                            continue
                        if value in (np.inf, -np.inf):
                            if not column.infinite_ok:
                                return False
                        elif not column.lo <= value <= column.hi:
                            return False
                    else:
                        return False
                elif column.known is not None and (type(value) is not str or value not in column.known):
                    return False
        return True

    def _violations(self, frame: Any, present: set[str], thorough: set[str]) -> list[Any]:
        """The batch gate's violations, in profile order, of the columns found missing or not clean."""
        from ..monitor._batch import Batch
        from ..monitor._validate import (
            Violation,
            _check_categorical,
            _check_datetime,
            _check_numeric,
        )

        violations: list[Any] = []
        batch: Any = None
        for column in self.columns:
            name = column.name
            if name not in present:
                if column.feature:
                    violations.append(Violation(check="missing_column", column=name, level="batch", message=""))
                continue
            if name not in thorough:
                continue
            batch = batch if batch is not None else Batch(frame)
            if column.kind == "numeric":
                _check_numeric(violations, batch, frame, name, column.spec, RANGE_MARGIN, _NULL_MARGIN)
            elif column.kind == "categorical":
                _check_categorical(violations, batch, frame, name, column.spec, _NULL_MARGIN)
            else:
                _check_datetime(violations, batch, frame, name, column.spec, _NULL_MARGIN)
        return violations


_NULL_MARGIN = 0.1  # validate_batch's default; null checks only warn or speak of the batch here
_EXACT_INT = 2**53  # integers a float64 holds exactly; larger ones go through the full check


def _clean_categories(series: Any, known: frozenset[str]) -> bool:
    """Every non-null value of ``series`` is a category of the reference (keyed as profiles key them)."""
    import pandas as pd

    from ..monitor._columns import label_of

    if not (series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
        return False  # numbers or booleans in a categorical column: let the batch gate label them
    uniques = series.unique()
    nulls = pd.isna(uniques)
    return all(label_of(v) in known for v, null in zip(uniques.tolist(), nulls.tolist(), strict=True) if not null)
