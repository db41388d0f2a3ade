"""The validation gate: check an incoming batch against the reference profile.

Checks, per profiled column (``level`` says whether dropping rows can fix it):

================  =====  ========  ====================================================================
check             level  severity  fires when
================  =====  ========  ====================================================================
empty_batch       batch  error     the batch has no rows
missing_column    batch  error     a feature column of the profile is absent (target/prediction may be)
extra_column      batch  error     a column the profile does not know (``allow_extra=True``: warning)
type              row    error     a value does not parse as the reference kind ("forty" in ``age``)
non_finite        row    error     ±inf in a numeric column whose reference had none
out_of_range      row    error     a number outside [min − m·span, max + m·span], m = ``range_margin``
unseen_category   row    error     a category the reference never had
null_fraction     batch  error     null fraction rose by more than ``null_margin`` (absolute)
unexpected_null   row    warning   nulls in a column that had none in the reference
================  =====  ========  ====================================================================

A failed batch is never dropped silently: with ``quarantine=DIR`` it is written to
``DIR/<name>-<hash>.csv`` with ``<…>.reason.json`` beside it (the report). Policy ``"batch"``
quarantines the whole batch on any error; ``"rows"`` quarantines only the rows with row-level
errors (the clean rows stay in :attr:`ValidationReport.clean`) — unless a batch-level error makes
the whole batch suspect, in which case the whole batch is quarantined anyway and the reason says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_write_text, write_json
from ..errors import MonitorError
from ._batch import Batch
from ._columns import label_of, parse_dates
from ._profile import Profile

__all__ = ["Violation", "ValidationReport", "validate_batch", "VALIDATION_SCHEMA_VERSION"]

VALIDATION_SCHEMA_VERSION = 1
_EXAMPLES = 5
POLICIES = ("batch", "rows")


def _plain(value: Any) -> Any:
    """A JSON-safe example value."""
    if value is None:
        return None
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (bool, int, str)):
        return value
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    return str(value)


@dataclass
class Violation:
    """One failed check on one column."""

    check: str
    column: str | None
    message: str
    count: int = 0
    fraction: float = 0.0
    severity: str = "error"
    level: str = "row"
    examples: list[dict[str, Any]] = field(default_factory=list)
    rows: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check, "column": self.column, "message": self.message,
            "count": self.count, "fraction": self.fraction, "severity": self.severity,
            "level": self.level, "examples": self.examples,
        }


@dataclass
class ValidationReport:
    """Outcome of :func:`validate_batch`.

    Attributes
    ----------
    ok : bool
        No error-severity violation.
    violations : list of Violation
        Per column, with counts and examples.
    rows, accepted_rows : int
        Rows in the batch and rows that passed (``rows`` policy) — 0 when the batch is rejected.
    quarantine : dict or None
        ``{"path", "reason_path", "rows", "reason", "policy"}`` when something was quarantined.
    clean : pandas.DataFrame or None
        The rows that may go on (not serialised).
    """

    ok: bool
    policy: str
    rows: int
    accepted_rows: int
    violations: list[Violation]
    quarantine: dict[str, Any] | None = None
    source: str | None = None
    clean: Any = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "error"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": VALIDATION_SCHEMA_VERSION,
            "ok": self.ok,
            "policy": self.policy,
            "source": self.source,
            "rows": self.rows,
            "accepted_rows": self.accepted_rows,
            "violations": [v.to_dict() for v in self.violations],
            "quarantine": self.quarantine,
        }

    def to_text(self) -> str:
        """A short, readable summary (one line per violation)."""
        head = f"validation of {self.source or 'batch'} ({self.rows} rows): "
        head += "ok" if self.ok else f"FAILED ({len(self.errors)} error(s))"
        lines = [head]
        for v in self.violations:
            where = v.column if v.column is not None else "(batch)"
            lines.append(f"  {v.severity:<7} {v.check:<16} {where}: {v.message}")
            for ex in v.examples[:3]:
                lines.append(f"          e.g. row {ex.get('row')!s}: {ex.get('value')!r}")
        if self.quarantine:
            q = self.quarantine
            lines.append(f"  quarantined {q['rows']} row(s) to {q['path']} ({q['reason']})")
        elif not self.ok:
            lines.append("  not quarantined (pass --quarantine DIR to keep the rejected rows)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ValidationReport ok={self.ok} violations={len(self.violations)} rows={self.rows}>"


def _row_examples(df: Any, mask: np.ndarray, column: str | None) -> list[dict[str, Any]]:
    positions = np.flatnonzero(mask)[:_EXAMPLES]
    out = []
    for pos in positions.tolist():
        label = df.index[pos]
        row = label if isinstance(label, (int, str)) else _plain(label)
        if isinstance(label, np.integer):
            row = int(label)
        value = df.iat[pos, df.columns.get_loc(column)] if column is not None else None
        out.append({"row": row, "value": _plain(value)})
    return out


def _row_violation(df: Any, batch_col: Any, check: str, column: str, mask: np.ndarray,
                   message: str, severity: str = "error") -> Violation:
    count = int(mask.sum())
    return Violation(
        check=check, column=column, message=message, count=count,
        fraction=count / len(df) if len(df) else 0.0, severity=severity, level="row",
        examples=_row_examples(df, mask, batch_col), rows=mask,
    )


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _check_nulls(violations: list[Violation], batch: Batch, df: Any, name: str, col: dict,
                 null_count: int, null_mask_fn: Any, null_margin: float) -> None:
    rows = len(df)
    fraction = null_count / rows if rows else 0.0
    ref_fraction = float(col.get("null_fraction") or 0.0)
    if fraction - ref_fraction > null_margin:
        violations.append(Violation(
            check="null_fraction", column=name, level="batch", count=null_count, fraction=fraction,
            message=(f"{fraction:.1%} of values are missing, reference {ref_fraction:.1%} "
                     f"(allowed rise {null_margin:.0%}); check the upstream join or extract."),
        ))
    elif null_count and col.get("null_count", 0) == 0:
        violations.append(_row_violation(
            df, batch.series(name).name, "unexpected_null", name, null_mask_fn(),
            f"{null_count} missing value(s); the reference had none.", severity="warning",
        ))


def _check_numeric(violations: list[Violation], batch: Batch, df: Any, name: str, col: dict,
                   range_margin: float, null_margin: float) -> None:
    current = batch.numeric(name)
    values, info = current.values, current.column
    original = batch.series(name).name
    if current.uncoercible is not None and current.uncoercible.any():
        bad = current.uncoercible
        violations.append(_row_violation(
            df, original, "type", name, bad,
            f"{int(bad.sum())} value(s) are not numbers but the reference column is numeric "
            f"({col.get('dtype')}); fix the source or cast the column.",
        ))
    if info.nonfinite_count and not col.get("nonfinite_count"):
        bad = np.isinf(values)
        violations.append(_row_violation(
            df, original, "non_finite", name, bad,
            f"{int(bad.sum())} infinite value(s); the reference had none.",
        ))
    if col.get("min") is not None and info.finite.size:
        low, high = float(col["min"]), float(col["max"])
        span = high - low
        margin = range_margin * (span if span > 0 else max(abs(low), 1.0))
        lo, hi = low - margin, high + margin
        finite = info.finite
        outside = int(np.searchsorted(finite, lo, "left")) + int(
            finite.size - np.searchsorted(finite, hi, "right"))
        if outside:
            with np.errstate(invalid="ignore"):
                bad = np.isfinite(values) & ((values < lo) | (values > hi))
            violations.append(_row_violation(
                df, original, "out_of_range", name, bad,
                f"{outside} value(s) outside [{_fmt(lo)}, {_fmt(hi)}] (reference range "
                f"[{_fmt(low)}, {_fmt(high)}] ± {range_margin:.0%}); observed "
                f"[{_fmt(float(finite[0]))}, {_fmt(float(finite[-1]))}].",
            ))
    null_count = info.null_count - (int(current.uncoercible.sum()) if current.uncoercible is not None else 0)
    _check_nulls(violations, batch, df, name, col, null_count,
                 lambda: batch.series(name).isna().to_numpy(), null_margin)


def _check_categorical(violations: list[Violation], batch: Batch, df: Any, name: str, col: dict,
                       null_margin: float) -> None:
    labels, null_count, _mixed = batch.categories(name)
    series = batch.series(name)
    if not col.get("truncated"):
        known = col.get("categories") or {}
        unseen = {label: n for label, n in labels.items() if label not in known}
        if unseen:
            # Label the distinct values, not the rows: no per-row Python.
            raw = [v for v in series.dropna().unique().tolist() if label_of(v) in unseen]
            mask = series.isin(raw).to_numpy(dtype=bool, na_value=False)
            top = sorted(unseen.items(), key=lambda kv: (-kv[1], kv[0]))[:_EXAMPLES]
            shown = ", ".join(f"{label!r} ({n})" for label, n in top)
            violations.append(_row_violation(
                df, series.name, "unseen_category", name, mask,
                f"{int(sum(unseen.values()))} value(s) in {len(unseen)} categor"
                f"{'y' if len(unseen) == 1 else 'ies'} the reference never had: {shown}.",
            ))
    _check_nulls(violations, batch, df, name, col, null_count,
                 lambda: series.isna().to_numpy(), null_margin)


def _check_datetime(violations: list[Violation], batch: Batch, df: Any, name: str, col: dict,
                    null_margin: float) -> None:
    import pandas as pd

    series = batch.series(name)
    null_count = int(series.isna().sum())
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        parsed = parse_dates(series)
        bad = (parsed.isna() & series.notna()).to_numpy()
        if bad.any():
            violations.append(_row_violation(
                df, series.name, "type", name, bad,
                f"{int(bad.sum())} value(s) are not ISO dates (YYYY-MM-DD…) but the reference "
                "column is a date.",
            ))
    _check_nulls(violations, batch, df, name, col, null_count,
                 lambda: series.isna().to_numpy(), null_margin)


def _quarantine(df: Any, report_violations: list[Violation], *, directory: Path, name: str,
                policy: str, whole: bool, bad_rows: np.ndarray, why_whole: str) -> dict[str, Any]:
    from ..capture.hashing import hash_bytes

    if whole:
        rejected = df
        reason = why_whole
    else:
        rejected = df[bad_rows].copy()
        reasons = np.full(len(df), "", dtype=object)
        for v in report_violations:
            if v.rows is not None and v.severity == "error":
                tag = f"{v.check}:{v.column}"
                reasons[v.rows] = [f"{r};{tag}" if r else tag for r in reasons[v.rows]]
        rejected["_nbpromote_reasons"] = reasons[bad_rows]
        reason = f"{int(bad_rows.sum())} row(s) with row-level violations"
    text = rejected.to_csv(lineterminator="\n")
    digest = hash_bytes(text.encode("utf-8")).split(":", 1)[1][:12]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{digest}.csv"
    reason_path = directory / f"{name}-{digest}.reason.json"
    atomic_write_text(path, text)
    write_json(reason_path, {
        "schema_version": VALIDATION_SCHEMA_VERSION,
        "kind": "nbpromote.quarantine",
        "source": name,
        "policy": policy,
        "reason": reason,
        "rows": len(rejected),
        "violations": [v.to_dict() for v in report_violations if v.severity == "error"],
    })
    return {"path": str(path), "reason_path": str(reason_path), "rows": len(rejected),
            "reason": reason, "policy": policy}


def _coerce_profile(reference: Any) -> Profile:
    import pandas as pd

    if isinstance(reference, Profile):
        return reference
    if isinstance(reference, dict):
        return Profile.from_dict(reference)
    if isinstance(reference, (str, Path)):
        return Profile.load(reference)
    if isinstance(reference, pd.DataFrame):
        from ._profile import profile as build

        return build(reference)
    raise MonitorError(
        f"reference must be a Profile, a profile dict, a profile path or a DataFrame, got "
        f"{type(reference).__name__}."
    )


def validate_batch(
    profile: Any,
    df: Any,
    *,
    quarantine: str | Path | None = None,
    policy: str = "batch",
    range_margin: float = 0.25,
    null_margin: float = 0.1,
    allow_extra: bool = False,
    name: str | None = None,
    _batch: Batch | None = None,
) -> ValidationReport:
    """Check an incoming batch against a reference profile (see the module docstring's table).

    Parameters
    ----------
    profile : Profile, dict, str or Path
        The reference profile (or its JSON path; a DataFrame is profiled first).
    df : pandas.DataFrame
        The incoming batch.
    quarantine : str or Path or None, default=None
        Directory for rejected data. Without it nothing is written and the report says so.
    policy : {"batch", "rows"}, default="batch"
        Quarantine the whole batch on any error, or only the rows with row-level errors.
    range_margin : float, default=0.25
        Allowed overshoot of the reference range, as a fraction of the range's span. Not
        smaller by default because a fresh sample's extremes routinely pass the training
        extremes (a new normal sample of 2,000 rows beats the old maximum by ~10% of the span
        about once in ten batches); 0.25 still catches unit errors and sentinels (-1, 999).
    null_margin : float, default=0.1
        Allowed absolute rise of a column's null fraction.
    allow_extra : bool, default=False
        Report columns the profile does not know as warnings instead of errors.
    name : str or None, default=None
        Name of the batch in the report and the quarantine file (e.g. the file stem).

    Returns
    -------
    ValidationReport

    Raises
    ------
    MonitorError
        ``df`` is not a DataFrame, or an argument is out of range.

    Examples
    --------
    >>> import pandas as pd
    >>> from nbpromote.monitor import profile
    >>> p = profile(pd.DataFrame({"age": [20, 30, 40, 50]}))
    >>> validate_batch(p, pd.DataFrame({"age": [25, 200]})).violations[0].check
    'out_of_range'
    """
    import pandas as pd

    if policy not in POLICIES:
        raise MonitorError(f"policy={policy!r}; choose 'batch' or 'rows'.")
    for label, value in (("range_margin", range_margin), ("null_margin", null_margin)):
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise MonitorError(f"{label}={value!r} must be a finite number ≥ 0.")
    if not isinstance(df, pd.DataFrame):
        raise MonitorError(f"the batch must be a pandas DataFrame, got {type(df).__name__}.")
    ref = _coerce_profile(profile)
    batch = _batch if _batch is not None else Batch(df)
    name = name or "batch"
    violations: list[Violation] = []

    if len(df) == 0:
        violations.append(Violation(check="empty_batch", column=None, level="batch",
                                    message="the batch has no rows; nothing to score or monitor."))
    for column, col in ref.columns.items():
        if not batch.has(column):
            if col["role"] == "feature":
                violations.append(Violation(
                    check="missing_column", column=column, level="batch", count=len(df),
                    fraction=1.0,
                    message=f"column {column!r} ({col['kind']}) is missing from the batch.",
                ))
            continue
        if len(df) == 0:
            continue
        if col["kind"] == "numeric":
            _check_numeric(violations, batch, df, column, col, range_margin, null_margin)
        elif col["kind"] == "categorical":
            _check_categorical(violations, batch, df, column, col, null_margin)
        elif col["kind"] == "datetime":
            _check_datetime(violations, batch, df, column, col, null_margin)
        else:
            series = batch.series(column)
            _check_nulls(violations, batch, df, column, col, int(series.isna().sum()),
                         lambda s=series: s.isna().to_numpy(), null_margin)
    known = set(ref.columns)
    for column in df.columns:
        if str(column) not in known:
            violations.append(Violation(
                check="extra_column", column=str(column), level="batch",
                severity="warning" if allow_extra else "error",
                message=(f"column {str(column)!r} is not in the reference profile; drop it, or "
                         "re-profile if the model now uses it."),
            ))

    errors = [v for v in violations if v.severity == "error"]
    ok = not errors
    batch_level = [v for v in errors if v.level == "batch"]
    bad_rows = np.zeros(len(df), dtype=bool)
    for v in errors:
        if v.rows is not None:
            bad_rows |= v.rows
    whole = bool(errors) and (policy == "batch" or bool(batch_level))
    if whole:
        why = ", ".join(sorted({f"{v.check}:{v.column}" if v.column else v.check for v in
                                (batch_level or errors)}))
        why_whole = (f"batch rejected ({why})" if policy == "batch" else
                     f"batch rejected although policy is 'rows': batch-level problem(s) {why}")
        clean = df.iloc[0:0]
    else:
        why_whole = ""
        clean = df[~bad_rows] if bad_rows.any() else df
    quarantined = None
    if errors and quarantine is not None:
        quarantined = _quarantine(df, violations, directory=Path(quarantine), name=name,
                                  policy=policy, whole=whole, bad_rows=bad_rows,
                                  why_whole=why_whole)
    return ValidationReport(
        ok=ok, policy=policy, rows=len(df), accepted_rows=len(clean), violations=violations,
        quarantine=quarantined, source=name, clean=clean,
    )
