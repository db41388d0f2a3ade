"""Drift statistics: small pure functions over aligned histograms, and the thresholds that turn
their effect sizes into a status.

Every function takes two count vectors over the *same* bins (reference first, current second) and
returns plain floats, so each can be checked against a hand computation. None of them ever looks at
raw rows, which is what lets a stored profile stand in for the training data.

Large samples: with a million rows every test rejects "no change" for trivial shifts (a 0.02 sd
shift gives a KS p-value of 1e-28 at a PSI of 0.0004). P-values are therefore only *reported*;
statuses come from effect sizes (PSI, Jensen-Shannon distance, the KS statistic), compared with
:class:`Thresholds`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from ..errors import MonitorError

__all__ = [
    "PSI_EPSILON",
    "STATUSES",
    "Thresholds",
    "psi",
    "ks",
    "chi_square",
    "jensen_shannon",
    "KSResult",
    "ChiSquareResult",
]

#: Proportion that replaces an empty bin in :func:`psi` (and only there). Without it a bin that is
#: empty on one side makes PSI infinite; 1e-4 keeps one new-but-rare bin visible (a bin holding 1%
#: of the current batch and nothing of the reference contributes 0.01·ln(100) ≈ 0.046) without
#: letting a single stray row dominate.
PSI_EPSILON = 1e-4

#: Ordered from least to most severe.
STATUSES = ("stable", "watch", "act")


def _as_counts(values: Any, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise MonitorError(f"{name} must be a 1-D vector of bin counts, got shape {arr.shape}.")
    if arr.size == 0:
        raise MonitorError(f"{name} has no bins; pass at least one bin count.")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise MonitorError(
            f"{name} must hold finite, non-negative counts, got {arr.tolist()[:10]}."
        )
    return arr


def _pair(reference: Any, current: Any) -> tuple[np.ndarray, np.ndarray]:
    ref = _as_counts(reference, "reference counts")
    cur = _as_counts(current, "current counts")
    if ref.shape != cur.shape:
        raise MonitorError(
            f"reference and current counts cover different bins ({ref.size} vs {cur.size}); "
            "count both sides over the same bin edges."
        )
    if ref.sum() == 0 or cur.sum() == 0:
        side = "reference" if ref.sum() == 0 else "current"
        raise MonitorError(f"{side} counts are all zero: there is no distribution to compare.")
    return ref, cur


def psi(reference: Any, current: Any, *, epsilon: float = PSI_EPSILON) -> float:
    """Population stability index of two histograms over the same bins.

    ``PSI = Σ (c_i − r_i) · ln(c_i / r_i)`` over bin proportions, where a proportion of 0 is
    replaced by ``epsilon`` (see :data:`PSI_EPSILON`).

    Parameters
    ----------
    reference, current : array-like of float
        Counts (or proportions) per bin, same length, not all zero.
    epsilon : float, default=1e-4
        Proportion used in place of an empty bin.

    Returns
    -------
    float
        0 for identical distributions; < 0.1 is usually read as stable, ≥ 0.25 as a real shift.

    Examples
    --------
    >>> round(psi([50, 50], [40, 60]), 4)
    0.0405
    """
    ref, cur = _pair(reference, current)
    p = np.maximum(ref / ref.sum(), epsilon)
    q = np.maximum(cur / cur.sum(), epsilon)
    return float(np.sum((q - p) * np.log(q / p)))


@dataclass(frozen=True)
class KSResult:
    """Two-sample Kolmogorov-Smirnov statistic and its asymptotic p-value."""

    statistic: float
    pvalue: float

    def to_dict(self) -> dict[str, float]:
        return {"statistic": self.statistic, "pvalue": self.pvalue}


def ks(reference: Any, current: Any) -> KSResult:
    """Kolmogorov-Smirnov statistic of two histograms over the same ordered bins.

    The statistic is the largest gap between the two empirical CDFs evaluated at the bin edges.
    Over a profile's percentile grid (101 edges) it equals the exact two-sample statistic up to
    the mass of one grid bin (about 1% of the reference). The p-value is the asymptotic one
    (Kolmogorov distribution with effective size ``n·m/(n+m)``): exact p-values cost seconds on
    millions of rows and are ~0 there anyway, so use the statistic for decisions.

    Parameters
    ----------
    reference, current : array-like of float
        Counts per bin in ascending bin order, same length.

    Returns
    -------
    KSResult
        ``statistic`` in [0, 1] and ``pvalue``.

    Examples
    --------
    >>> ks([5, 5], [10, 0]).statistic
    0.5
    """
    ref, cur = _pair(reference, current)
    n, m = ref.sum(), cur.sum()
    gap = np.abs(np.cumsum(ref) / n - np.cumsum(cur) / m)
    statistic = float(min(1.0, gap.max()))
    from scipy.special import kolmogorov

    effective = n * m / (n + m)
    pvalue = float(kolmogorov(math.sqrt(effective) * statistic)) if statistic > 0 else 1.0
    return KSResult(statistic, min(1.0, max(0.0, pvalue)))


@dataclass(frozen=True)
class ChiSquareResult:
    """Chi-square test of homogeneity of two histograms, with Cramér's V as the effect size."""

    statistic: float
    pvalue: float
    dof: int
    cramers_v: float

    def to_dict(self) -> dict[str, float | int]:
        return {"statistic": self.statistic, "pvalue": self.pvalue, "dof": self.dof,
                "cramers_v": self.cramers_v}


def chi_square(reference: Any, current: Any) -> ChiSquareResult:
    """Chi-square test that two count vectors come from the same categorical distribution.

    The 2×k contingency table's expected counts are ``row total · column total / N``; bins empty
    on both sides are dropped. Cramér's V (``sqrt(χ² / N)`` for two rows) is the effect size that
    does not grow with N; the p-value is reported beside it.

    Parameters
    ----------
    reference, current : array-like of float
        Counts per category, same length and order (not proportions: the test needs counts).

    Returns
    -------
    ChiSquareResult
        ``statistic``, ``pvalue``, ``dof`` (non-empty bins − 1) and ``cramers_v`` in [0, 1].

    Examples
    --------
    >>> r = chi_square([10, 10], [20, 0])
    >>> round(r.statistic, 4), round(r.cramers_v, 4)
    (13.3333, 0.5774)
    """
    ref, cur = _pair(reference, current)
    keep = (ref + cur) > 0
    table = np.vstack([ref[keep], cur[keep]])
    total = table.sum()
    dof = int(table.shape[1] - 1)
    if dof == 0:
        return ChiSquareResult(0.0, 1.0, 0, 0.0)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / total
    statistic = float(np.sum((table - expected) ** 2 / expected))
    from scipy.special import chdtrc

    pvalue = float(chdtrc(dof, statistic))
    cramers_v = float(min(1.0, math.sqrt(statistic / total)))
    return ChiSquareResult(statistic, pvalue, dof, cramers_v)


def jensen_shannon(reference: Any, current: Any) -> float:
    """Jensen-Shannon *distance* (base 2) between two histograms over the same bins.

    ``sqrt(½ KL(p‖m) + ½ KL(q‖m))`` with ``m = (p + q) / 2`` and logarithms in base 2, so the
    result lies in [0, 1]: 0 identical, 1 disjoint supports. Empty bins need no epsilon.

    Parameters
    ----------
    reference, current : array-like of float
        Counts (or proportions) per bin, same length.

    Returns
    -------
    float
        The distance in [0, 1].

    Examples
    --------
    >>> jensen_shannon([1, 0], [0, 1])
    1.0
    """
    ref, cur = _pair(reference, current)
    p = ref / ref.sum()
    q = cur / cur.sum()
    m = (p + q) / 2

    def _kl(a: np.ndarray) -> float:
        mask = a > 0
        return float(np.sum(a[mask] * np.log2(a[mask] / m[mask])))

    divergence = max(0.0, 0.5 * _kl(p) + 0.5 * _kl(q))
    return float(min(1.0, math.sqrt(divergence)))


@dataclass(frozen=True)
class Thresholds:
    """Effect-size thresholds that map a feature's statistics to ``stable``/``watch``/``act``.

    A feature's status is the most severe level any of its effect sizes reaches: PSI (the
    headline), the KS statistic (numeric) and the Jensen-Shannon distance (both). The KS and JS
    defaults sit a little above the values a PSI of 0.1/0.25 implies for a normal mean shift
    (KS ≈ 0.13/0.20, JS ≈ 0.13/0.21), so PSI usually decides and they catch what ten bins hide.
    P-values never set a status.

    Parameters
    ----------
    psi_watch, psi_act : float, default=0.1, 0.25
    ks_watch, ks_act : float, default=0.15, 0.25
    js_watch, js_act : float, default=0.15, 0.25
    """

    psi_watch: float = 0.1
    psi_act: float = 0.25
    ks_watch: float = 0.15
    ks_act: float = 0.25
    js_watch: float = 0.15
    js_act: float = 0.25

    def __post_init__(self) -> None:
        for stat in ("psi", "ks", "js"):
            watch, act = getattr(self, f"{stat}_watch"), getattr(self, f"{stat}_act")
            for name, value in ((f"{stat}_watch", watch), (f"{stat}_act", act)):
                if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                    raise MonitorError(f"threshold {name}={value!r} must be a finite number ≥ 0.")
            if watch > act:
                raise MonitorError(
                    f"threshold {stat}_watch={watch} is above {stat}_act={act}; "
                    "the watch level must not exceed the act level."
                )

    @classmethod
    def coerce(cls, value: Thresholds | dict[str, float] | None) -> Thresholds:
        """Thresholds from ``None`` (defaults), a dict of overrides, or a Thresholds."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            known = {f.name for f in fields(cls)}
            unknown = sorted(set(value) - known)
            if unknown:
                raise MonitorError(
                    f"unknown threshold(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}."
                )
            return replace(cls(), **{k: float(v) for k, v in value.items()})
        raise MonitorError(
            f"thresholds must be a Thresholds, a dict or None, got {type(value).__name__}."
        )

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    def level(self, stat: str, value: float | None) -> str:
        """``stable``/``watch``/``act`` for one statistic (``None`` → stable: nothing measured)."""
        if value is None:
            return "stable"
        if value >= getattr(self, f"{stat}_act"):
            return "act"
        if value >= getattr(self, f"{stat}_watch"):
            return "watch"
        return "stable"


def worst(statuses: list[str]) -> str:
    """The most severe of several statuses (``stable`` for none)."""
    return max(statuses, key=STATUSES.index, default="stable")
