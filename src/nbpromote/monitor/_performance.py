"""Performance tracking once delayed labels arrive: a metric per window against an SLO floor.

One bad window is noise; the alert fires only after ``consecutive`` breaching windows in a row.
A window whose metric is undefined (AUC with a single class) neither counts as a breach nor
breaks the run. The tracker's state is a small JSON dict (``to_dict``/``from_dict``), so an
exported pipeline can keep it between runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import MonitorError

__all__ = ["PerformanceTracker", "WindowResult", "METRICS"]

METRICS = ("accuracy", "auc")


@dataclass(frozen=True)
class WindowResult:
    """The metric of one window and whether it breached the floor (None: undefined)."""

    label: str
    rows: int
    value: float | None
    breach: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "rows": self.rows, "value": self.value, "breach": self.breach}


def _arrays(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    truth = np.asarray(y_true.to_numpy() if isinstance(y_true, pd.Series) else y_true)
    pred = np.asarray(y_pred.to_numpy() if isinstance(y_pred, pd.Series) else y_pred)
    if truth.ndim != 1 or pred.ndim != 1:
        raise MonitorError("labels and predictions must be 1-D (one value per row).")
    if truth.size != pred.size:
        raise MonitorError(
            f"{truth.size} labels but {pred.size} predictions; pass one prediction per label."
        )
    if truth.size == 0:
        raise MonitorError("the window is empty; pass at least one labelled row.")
    if pd.isna(truth).any() or pd.isna(pred).any():
        raise MonitorError("labels or predictions contain missing values; drop unlabelled rows first.")
    return truth, pred


def _metric(metric: str, truth: np.ndarray, pred: np.ndarray, threshold: float) -> float | None:
    if metric == "accuracy":
        if np.issubdtype(pred.dtype, np.floating) and not np.all(np.mod(pred, 1) == 0):
            pred = (pred >= threshold).astype(truth.dtype if truth.dtype.kind in "iub" else int)
        return float(np.mean(truth == pred))
    classes = np.unique(truth)
    if classes.size < 2:
        return None  # AUC is undefined with one class
    if classes.size > 2:
        raise MonitorError(f"AUC needs binary labels; got {classes.size} classes.")
    if not np.issubdtype(pred.dtype, np.number):
        raise MonitorError("AUC needs numeric scores (probabilities), not labels of another type.")
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(truth, pred))


@dataclass
class PerformanceTracker:
    """Metric per window against an SLO floor; alerts after N consecutive breaches.

    Parameters
    ----------
    metric : {"accuracy", "auc"}, default="accuracy"
        ``accuracy`` compares labels (float scores are cut at ``threshold``); ``auc`` is the ROC
        AUC of scores against binary labels.
    floor : float, default=0.8
        The SLO: a window below it breaches.
    consecutive : int, default=3
        Breaching windows in a row before :attr:`alert` is True.
    threshold : float, default=0.5
        Score cut-off for ``accuracy`` on scores.
    windows : list of WindowResult, default=empty
        Windows seen so far (:meth:`from_dict` restores them to resume tracking).

    Examples
    --------
    >>> t = PerformanceTracker(metric="accuracy", floor=0.9, consecutive=2)
    >>> _ = t.add([1, 0, 1, 1], [1, 0, 0, 0]); _ = t.add([1, 1], [0, 1])
    >>> t.alert
    True
    """

    metric: str = "accuracy"
    floor: float = 0.8
    consecutive: int = 3
    threshold: float = 0.5
    windows: list[WindowResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.metric == "roc_auc":
            self.metric = "auc"
        if self.metric not in METRICS:
            raise MonitorError(f"metric={self.metric!r}; choose one of {', '.join(METRICS)}.")
        if not isinstance(self.floor, (int, float)) or not math.isfinite(self.floor):
            raise MonitorError(f"floor={self.floor!r} must be a finite number (the SLO).")
        if not isinstance(self.consecutive, int) or self.consecutive < 1:
            raise MonitorError(f"consecutive={self.consecutive!r} must be an integer ≥ 1.")

    def add(self, y_true: Any, y_pred: Any, *, label: str | None = None) -> WindowResult:
        """Score one window of labelled predictions and record it.

        Parameters
        ----------
        y_true : array-like
            True labels of the window.
        y_pred : array-like
            Predicted labels (accuracy) or scores (accuracy with threshold, AUC).
        label : str or None, default=None
            Name of the window (a date, a batch id); default ``window-<n>``.

        Returns
        -------
        WindowResult
        """
        truth, pred = _arrays(y_true, y_pred)
        value = _metric(self.metric, truth, pred, self.threshold)
        breach = None if value is None else bool(value < self.floor)
        result = WindowResult(label or f"window-{len(self.windows) + 1}", int(truth.size), value,
                              breach)
        self.windows.append(result)
        return result

    def add_stream(self, y_true: Any, y_pred: Any, *, window: int) -> list[WindowResult]:
        """Split a labelled stream into consecutive windows of ``window`` rows and add each
        (a shorter last window is kept)."""
        truth, pred = _arrays(y_true, y_pred)
        if not isinstance(window, int) or window < 1:
            raise MonitorError(f"window={window!r} must be a positive number of rows.")
        return [self.add(truth[i:i + window], pred[i:i + window]) for i in range(0, truth.size, window)]

    @property
    def consecutive_breaches(self) -> int:
        """Breaching windows at the end of the history (undefined windows are skipped)."""
        run = 0
        for result in reversed(self.windows):
            if result.breach is None:
                continue
            if not result.breach:
                break
            run += 1
        return run

    @property
    def alert(self) -> bool:
        """True after ``consecutive`` breaching windows in a row."""
        return self.consecutive_breaches >= self.consecutive

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1, "metric": self.metric, "floor": self.floor,
            "consecutive": self.consecutive, "threshold": self.threshold,
            "windows": [w.to_dict() for w in self.windows],
            "consecutive_breaches": self.consecutive_breaches, "alert": self.alert,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PerformanceTracker:
        """Restore a tracker saved with :meth:`to_dict`."""
        if not isinstance(data, dict) or data.get("schema_version") != 1:
            raise MonitorError("not a performance-tracker state (schema_version 1 expected).")
        tracker = cls(metric=data["metric"], floor=data["floor"], consecutive=data["consecutive"],
                      threshold=data.get("threshold", 0.5))
        tracker.windows = [WindowResult(w["label"], w["rows"], w["value"], w["breach"])
                           for w in data.get("windows", [])]
        return tracker
