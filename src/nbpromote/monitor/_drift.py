"""Drift report: every profiled column of a current batch against the reference profile.

Numeric columns are binned on the reference's stored quantile edges (PSI, JS) and percentile
grid (KS); categorical columns over the reference's categories plus an ``(unseen)`` bin (PSI,
chi-square, JS). Missing values (and ±inf) get a ``(missing)`` bin of their own whenever either
side has any, so a column that goes all-null shows up as drift, never as "stable". The training
data is never re-read: a stored profile is enough.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MonitorError
from ._batch import Batch
from ._chunked import ChunkedBatch, is_chunked_source, iter_frames
from ._policy import PolicyDecision, retrain_policy
from ._profile import Profile
from ._profile import profile as build_profile
from ._stats import (
    ChiSquareResult,
    KSResult,
    Thresholds,
    chi_square,
    jensen_shannon,
    ks,
    psi,
    worst,
)
from ._validate import ValidationReport, _coerce_profile, validate_batch

__all__ = ["FeatureDrift", "DriftReport", "drift_report", "DRIFT_SCHEMA_VERSION"]

DRIFT_SCHEMA_VERSION = 1
#: Below this many current rows the statistics are noisy; the report says so.
SMALL_SAMPLE = 100
#: A feature's notes flag PSI's no-drift level once it reaches this (half the default "watch").
PSI_NOISE_NOTE = 0.05


def psi_noise_floor(reference_counts: np.ndarray, current_counts: np.ndarray) -> float:
    """PSI's expected value when both samples come from the same distribution.

    PSI is a symmetrised chi-square divergence, so between two samples of one distribution it is
    about ``(k − 1)·(1/n_ref + 1/n_cur)`` over ``k`` occupied bins: ~0.004 for 10 bins and
    thousands of rows, but ~0.1 — the "watch" threshold — for a 100-row reference.

    >>> round(psi_noise_floor(np.full(10, 10), np.full(10, 500)), 3)
    0.092
    """
    bins = int(np.count_nonzero(np.asarray(reference_counts) + np.asarray(current_counts)))
    n_ref, n_cur = float(np.sum(reference_counts)), float(np.sum(current_counts))
    if bins < 2 or n_ref <= 0 or n_cur <= 0:
        return 0.0
    return (bins - 1) * (1.0 / n_ref + 1.0 / n_cur)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


@dataclass
class FeatureDrift:
    """Drift statistics of one column.

    ``histogram`` holds bin labels and the two sides' *proportions* over the PSI bins — the only
    view of the data a report carries (no rows, no raw values).
    """

    column: str
    kind: str
    role: str
    psi: float | None
    js: float | None
    ks: KSResult | None
    chi2: ChiSquareResult | None
    histogram: dict[str, list]
    reference_rows: int
    current_rows: int
    reference_missing: float
    current_missing: float
    notes: list[str] = field(default_factory=list)
    status: str = "stable"
    reasons: list[str] = field(default_factory=list)

    def classify(self, thresholds: Thresholds) -> FeatureDrift:
        """A copy with ``status`` and ``reasons`` from ``thresholds`` (effect sizes only)."""
        levels = {
            "psi": thresholds.level("psi", self.psi),
            "ks": thresholds.level("ks", self.ks.statistic if self.ks else None),
            "js": thresholds.level("js", self.js),
        }
        status = worst(list(levels.values()))
        values = {"psi": self.psi, "ks": self.ks.statistic if self.ks else None, "js": self.js}
        reasons = [
            f"{stat} {_fmt(value)} ≥ {level} {getattr(thresholds, f'{stat}_{level}'):g}"
            for stat, level in levels.items()
            if level != "stable" and (value := values[stat]) is not None
        ]
        return replace(self, status=status, reasons=reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column, "kind": self.kind, "role": self.role,
            "psi": self.psi, "js": self.js,
            "ks": self.ks.to_dict() if self.ks else None,
            "chi2": self.chi2.to_dict() if self.chi2 else None,
            "status": self.status, "reasons": self.reasons, "notes": self.notes,
            "rows": {"reference": self.reference_rows, "current": self.current_rows},
            "missing": {"reference": self.reference_missing, "current": self.current_missing},
            "histogram": self.histogram,
        }


def _proportions(counts: np.ndarray) -> list[float]:
    total = counts.sum()
    return (counts / total).tolist() if total else [0.0] * len(counts)


def _with_missing(labels: list[str], ref: np.ndarray, cur: np.ndarray, ref_missing: int,
                  cur_missing: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    if ref_missing or cur_missing:
        return (labels + ["(missing)"], np.append(ref, ref_missing).astype(float),
                np.append(cur, cur_missing).astype(float))
    return labels, ref.astype(float), cur.astype(float)


def _short(value: float) -> str:
    """Compact bin-edge text: 3 significant digits, k/M/G for large magnitudes."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if magnitude >= limit:
            return f"{value / (limit if suffix != 'k' else 1e3):.3g}{suffix}"
    return f"{value:.3g}"


def _edge_labels(edges: list[float]) -> list[str]:
    if len(edges) == 1:
        c = _short(edges[0])
        return [f"< {c}", f"= {c}", f"> {c}"]
    labels = [f"< {_short(edges[1])}"]
    labels += [f"{_short(a)}–{_short(b)}" for a, b in zip(edges[1:-1], edges[2:], strict=True)]
    labels.append(f"≥ {_short(edges[-1])}")
    return labels


def _psi_bins(counts: np.ndarray, n_edges: int) -> np.ndarray:
    """Reference-edge counts → PSI bins: values below the reference minimum join the first bin
    (a standard open-ended PSI), except for a constant column, which keeps below/at/above."""
    if n_edges == 1:
        return counts
    return np.concatenate([[counts[0] + counts[1]], counts[2:]])


def _numeric_drift(name: str, col: dict, batch: Batch | ChunkedBatch) -> FeatureDrift:
    notes: list[str] = []
    ref_missing = int(col["null_count"]) + int(col.get("nonfinite_count") or 0)
    cur_missing = batch.numeric_missing(name)
    cur_finite = batch.numeric_finite_count(name)
    ks_result = None
    if col.get("bins") is None:
        notes.append("the reference column has no finite values")
        labels, ref, cur = _with_missing(["(values)"], np.array([0]), np.array([cur_finite]),
                                         ref_missing, cur_missing)
    else:
        edges = col["bins"]["edges"]
        ref_counts = _psi_bins(np.asarray(col["bins"]["counts"]), len(edges))
        cur_counts = _psi_bins(batch.numeric_counts(name, edges), len(edges))
        labels, ref, cur = _with_missing(_edge_labels(edges), ref_counts, cur_counts,
                                         ref_missing, cur_missing)
        if col.get("constant"):
            notes.append(f"constant in the reference ({_fmt(edges[0])}): bins are below/at/above it")
        if cur_finite and col.get("grid"):
            ks_result = ks(np.asarray(col["grid"]["counts"]), batch.numeric_counts(name, col["grid"]["edges"]))
        elif not cur_finite:
            notes.append("the current column has no finite values")
    return _finish(name, col, labels, ref, cur, ks_result, None, len(batch), cur_missing, notes)


def _categorical_drift(name: str, col: dict, batch: Batch | ChunkedBatch) -> FeatureDrift:
    labels_cur, cur_null, mixed = batch.categories(name)
    known: dict[str, int] = col.get("categories") or {}
    notes = []
    if mixed:
        notes.append("mixed value types in the current column; compared by their text")
    # Most frequent first, ties by label: the same order whether the profile came from a frame
    # or from key-sorted JSON, so both give bit-identical statistics.
    labels = sorted(known, key=lambda k: (-known[k], k))
    ref = np.array([known[k] for k in labels], dtype=float)
    cur = np.array([labels_cur.get(k, 0) for k in labels], dtype=float)
    rest = sum(n for k, n in labels_cur.items() if k not in known)
    if col.get("truncated"):
        labels.append("(other)")
        ref = np.append(ref, col.get("other_count", 0))
        cur = np.append(cur, rest)
    elif rest:
        labels.append("(unseen)")
        ref = np.append(ref, 0)
        cur = np.append(cur, rest)
    ref_missing = int(col["null_count"])
    if not labels and not ref_missing:
        labels, ref, cur = ["(values)"], np.array([0.0]), np.array([float(sum(labels_cur.values()))])
    labels, ref, cur = _with_missing(labels, ref, cur, ref_missing, cur_null)
    chi = chi_square(ref, cur) if ref.sum() and cur.sum() else None
    return _finish(name, col, labels, ref, cur, None, chi, len(batch), cur_null, notes)


def _finish(name: str, col: dict, labels: list[str], ref: np.ndarray, cur: np.ndarray,
            ks_result: KSResult | None, chi: ChiSquareResult | None, rows: int, cur_missing: int,
            notes: list[str]) -> FeatureDrift:
    if ref.sum() == 0 or cur.sum() == 0:
        raise MonitorError(f"column {name!r}: nothing to compare (an empty side).", column=name)
    if rows < SMALL_SAMPLE:
        notes.append(f"only {rows} current rows: statistics are noisy")
    floor = psi_noise_floor(ref, cur)
    if floor >= PSI_NOISE_NOTE:
        notes.append(f"PSI is about {floor:.2f} with no drift at all for {int(ref.sum())} reference and "
                     f"{int(cur.sum())} current rows over {int(np.count_nonzero(ref + cur))} bins: "
                     "read small values as noise (a larger reference helps)")
    return FeatureDrift(
        column=name, kind=col["kind"], role=col["role"],
        psi=psi(ref, cur), js=jensen_shannon(ref, cur), ks=ks_result, chi2=chi,
        histogram={"bins": labels, "reference": _proportions(ref), "current": _proportions(cur)},
        reference_rows=int(col["count"]), current_rows=rows,
        reference_missing=float(ref[-1] / ref.sum()) if labels[-1] == "(missing)" else 0.0,
        current_missing=float(cur_missing / rows) if rows else 0.0,
        notes=notes,
    )


@dataclass
class DriftReport:
    """Drift of a current batch against a reference, with the retrain policy's verdict.

    Attributes
    ----------
    features : dict
        Column → :class:`FeatureDrift` for feature columns, in the reference's column order.
    prediction, target : FeatureDrift or None
        Drift of the model output and (when labels arrived) of the target.
    skipped : dict
        Column → why it was not drift-tested (datetime, identifier, missing from the batch).
    policy : PolicyDecision
    validation : ValidationReport or None
    thresholds : Thresholds
    """

    features: dict[str, FeatureDrift]
    prediction: FeatureDrift | None
    target: FeatureDrift | None
    skipped: dict[str, str]
    thresholds: Thresholds
    policy: PolicyDecision
    rows: dict[str, int]
    validation: ValidationReport | None = None
    policy_inputs: dict[str, Any] = field(default_factory=dict, repr=False)
    reference_source: str | None = None
    current_source: str | None = None

    def ranked(self) -> list[FeatureDrift]:
        """Features sorted by PSI (largest first, ties by name), then the prediction and the
        target when present."""
        items = sorted(self.features.values(), key=lambda f: (-(f.psi or 0.0), f.column))
        items += [f for f in (self.prediction, self.target) if f is not None]
        return items

    def summary(self) -> dict[str, int]:
        counts = {"stable": 0, "watch": 0, "act": 0}
        for f in self.features.values():
            counts[f.status] += 1
        return counts

    def rethreshold(self, thresholds: Thresholds | dict[str, float] | None) -> DriftReport:
        """The same statistics re-classified under other thresholds (the policy is re-run).

        Statistics are not recomputed: moving a threshold slider costs microseconds.
        """
        th = Thresholds.coerce(thresholds)
        features = {k: f.classify(th) for k, f in self.features.items()}
        prediction = self.prediction.classify(th) if self.prediction else None
        target = self.target.classify(th) if self.target else None
        report = replace(self, features=features, prediction=prediction, target=target,
                         thresholds=th)
        report.policy = _decide(report)
        return report

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ``features``, ``prediction``, ``policy`` (+ schema_version and
        context)."""
        return {
            "schema_version": DRIFT_SCHEMA_VERSION,
            "kind": "nbpromote.drift_report",
            "reference": self.reference_source,
            "current": self.current_source,
            "rows": self.rows,
            "features": {k: f.to_dict() for k, f in self.features.items()},
            "prediction": self.prediction.to_dict() if self.prediction else {},
            "target": self.target.to_dict() if self.target else {},
            "skipped": self.skipped,
            "summary": self.summary(),
            "thresholds": self.thresholds.to_dict(),
            "policy": self.policy.to_dict(),
            "validation": self.validation.to_dict() if self.validation else None,
        }

    def to_text(self) -> str:
        from ._render import render_text

        return render_text(self)

    def to_html(self) -> str:
        from ._render import render_html

        return render_html(self)

    def to_prometheus(self, *, labels: dict[str, str] | None = None) -> str:
        from ._render import render_prometheus

        return render_prometheus(self, labels=labels)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.to_text())

    def __repr__(self) -> str:
        s = self.summary()
        return (f"<DriftReport {len(self.features)} features: {s['act']} act, {s['watch']} watch, "
                f"{s['stable']} stable; retrain={self.policy.retrain}>")


def _load_current(current: Any) -> tuple[Any, str | None]:
    import pandas as pd

    if isinstance(current, pd.DataFrame):
        return current, None
    if isinstance(current, (str, Path)):
        from ._data import read_frame

        return read_frame(current), str(current)
    raise MonitorError(
        f"current must be a DataFrame or a CSV/Parquet path, got {type(current).__name__}."
    )


def _load_reference(reference: Any, target: str | None, prediction: str | None,
                    bins: int) -> tuple[Profile, str | None]:
    import pandas as pd

    if isinstance(reference, pd.DataFrame):
        return build_profile(reference, target=target, prediction=prediction, bins=bins), None
    if isinstance(reference, (str, Path)):
        from ._data import read_reference

        loaded = read_reference(reference)
        if isinstance(loaded, Profile):
            return loaded, str(reference)
        return build_profile(loaded, target=target, prediction=prediction, bins=bins), str(reference)
    return _coerce_profile(reference), None


def drift_report(
    reference: Any,
    current: Any,
    *,
    thresholds: Thresholds | dict[str, float] | None = None,
    target: str | None = None,
    prediction: str | None = None,
    bins: int = 10,
    validate: bool = True,
    range_margin: float = 0.25,
    allow_extra: bool = False,
    performance: Any = None,
    model_age: Any = None,
    max_age: Any = None,
) -> DriftReport:
    """Compare a current batch with the reference and decide whether to retrain.

    Parameters
    ----------
    reference : DataFrame, Profile, dict, str or Path
        Training data (profiled here), a stored profile, or a path to either (a ``.json``
        profile, a CSV or a Parquet file).
    current : DataFrame, str, Path or dask DataFrame
        The batch to check: a frame, a CSV/Parquet file, or data larger than memory — a directory
        of Parquet files (a dataset) or a Dask DataFrame — read chunk by chunk with exact counts in
        the reference's bins (the validation gate is not run on chunked data).
    thresholds : Thresholds or dict or None, default=None
        Effect-size thresholds (default PSI 0.1 watch / 0.25 act, see :class:`Thresholds`).
    target, prediction : str or None, default=None
        Target and model-output columns when ``reference`` is raw data (a stored profile
        already names them; passing different names is an error).
    bins : int, default=10
        PSI bins when ``reference`` is raw data.
    validate : bool, default=True
        Also run the validation gate (:func:`validate_batch`, no quarantine) and attach it.
    range_margin : float, default=0.25
        Range margin of that validation.
    allow_extra : bool, default=False
        In that validation, report columns the profile does not know (an identifier, a date the
        model does not read) as warnings instead of errors.
    performance, model_age, max_age : optional
        Passed to :func:`retrain_policy` with the drift.

    Returns
    -------
    DriftReport

    Raises
    ------
    MonitorError
        Empty frames, no columns in common, conflicting target/prediction names.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> ref = pd.DataFrame({"x": rng.normal(size=2000)})
    >>> cur = pd.DataFrame({"x": rng.normal(1.0, 1.0, size=2000)})
    >>> drift_report(ref, cur).features["x"].status
    'act'
    """
    th = Thresholds.coerce(thresholds)
    ref, ref_source = _load_reference(reference, target, prediction, bins)
    for role, given, stored in (("target", target, ref.target), ("prediction", prediction,
                                                                  ref.prediction)):
        if given is not None and stored is not None and given != stored:
            raise MonitorError(
                f"the profile's {role} column is {stored!r} but {role}={given!r} was passed; "
                "drop the argument or rebuild the profile.", column=given,
            )
        if given is not None and stored is None:
            raise MonitorError(
                f"{role}={given!r} was passed but the profile has no {role} column; rebuild the "
                f"profile with {role}={given!r}.", column=given,
            )
    batch: Batch | ChunkedBatch
    if is_chunked_source(current):
        # Larger than memory: one pass, exact counts in the reference's edges; the row-level
        # validation gate is not run here (validate a sample, or each partition, instead).
        cur_source = str(current) if isinstance(current, (str, Path)) else None
        batch = ChunkedBatch(ref, iter_frames(current))
        current_columns = batch.columns
        df = None
    else:
        df, cur_source = _load_current(current)
        batch = Batch(df)
        current_columns = [str(c) for c in df.columns]
    if len(batch) == 0:
        raise MonitorError("the current batch has no rows; there is nothing to compare.")
    if not any(batch.has(name) for name in ref.columns):
        raise MonitorError(
            "the current batch shares no column with the reference (reference: "
            + ", ".join(list(ref.columns)[:8]) + "; current: "
            + ", ".join(current_columns[:8]) + "); is it the right file?"
        )
    validation = (validate_batch(ref, df, range_margin=range_margin, allow_extra=allow_extra, _batch=batch,
                                 name=Path(cur_source).stem if cur_source else None)
                  if validate and df is not None and isinstance(batch, Batch) else None)

    features: dict[str, FeatureDrift] = {}
    skipped: dict[str, str] = {}
    pred_drift = target_drift = None
    for name, col in ref.columns.items():
        if not batch.has(name):
            if col["role"] == "feature":
                skipped[name] = "missing from the current batch"
            continue
        if col["kind"] in ("datetime", "identifier"):
            skipped[name] = ("date column: validated, not drift-tested (dates move forward)"
                             if col["kind"] == "datetime" else
                             "identifier column: validated, not drift-tested (values are unique)")
            continue
        result = (_numeric_drift(name, col, batch) if col["kind"] == "numeric"
                  else _categorical_drift(name, col, batch)).classify(th)
        if col["role"] == "prediction":
            pred_drift = result
        elif col["role"] == "target":
            target_drift = result
        else:
            features[name] = result
    policy_inputs = {"performance": performance, "model_age": model_age, "max_age": max_age}
    report = DriftReport(
        features=features, prediction=pred_drift, target=target_drift, skipped=skipped,
        thresholds=th, policy=PolicyDecision(False, (), "none"),
        rows={"reference": ref.rows, "current": len(batch)}, validation=validation,
        policy_inputs=policy_inputs, reference_source=ref_source or ref.source,
        current_source=cur_source,
    )
    report.policy = _decide(report)
    return report


def _decide(report: DriftReport) -> PolicyDecision:
    """The retrain policy over the report, with a warning when the batch failed validation:
    drift measured on broken data says "fix the feed" before it says "retrain"."""
    decision = retrain_policy(drift=report, **report.policy_inputs)
    if report.validation is not None and not report.validation.ok:
        checks = sorted({v.check for v in report.validation.errors})
        decision = replace(decision, reasons=decision.reasons + (
            f"validation: the batch failed ({', '.join(checks)}); fix the data before acting on "
            "its drift.",))
    return decision
