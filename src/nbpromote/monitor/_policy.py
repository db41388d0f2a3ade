"""The retrain policy: the OR of drift, a sustained SLO breach and staleness.

It *decides*; it never acts. A positive decision carries the action "retrain and propose a
challenger" — the registry's champion/challenger gate decides whether the challenger ever serves.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from ..errors import MonitorError
from ._stats import STATUSES

__all__ = ["PolicyDecision", "retrain_policy", "RETRAIN_ACTION", "NO_ACTION"]

RETRAIN_ACTION = "retrain and propose a challenger"
NO_ACTION = "none"
TRIGGERS = ("drift", "performance", "staleness")


@dataclass(frozen=True)
class PolicyDecision:
    """What the policy decided.

    Attributes
    ----------
    retrain : bool
        True when any trigger fired.
    triggers : tuple of str
        The triggers that fired, from ``("drift", "performance", "staleness")``.
    action : str
        ``"retrain and propose a challenger"`` or ``"none"`` — never a deployment.
    reasons : tuple of str
        One sentence per trigger evaluated (fired or not), for people.
    """

    retrain: bool
    triggers: tuple[str, ...]
    action: str
    reasons: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"retrain": self.retrain, "triggers": list(self.triggers), "action": self.action,
                "reasons": list(self.reasons)}


def _days(value: Any, what: str) -> float:
    if isinstance(value, _dt.timedelta):
        return value.total_seconds() / 86400.0
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    raise MonitorError(
        f"{what}={value!r}: pass a datetime.timedelta or a number of days ≥ 0"
        + (" (or the model's training datetime)" if what == "model_age" else "") + "."
    )


def _drifting(drift: Any, level: str) -> list[str]:
    """Names of columns (features and the prediction) at ``level`` or worse."""
    floor = STATUSES.index(level)
    if hasattr(drift, "to_dict"):
        drift = drift.to_dict()
    if not isinstance(drift, dict):
        raise MonitorError(
            f"drift must be a DriftReport or its to_dict(), got {type(drift).__name__}."
        )
    names = []
    for name, feature in (drift.get("features") or {}).items():
        if STATUSES.index(feature.get("status", "stable")) >= floor:
            names.append(name)
    prediction = drift.get("prediction") or {}
    if prediction and STATUSES.index(prediction.get("status", "stable")) >= floor:
        names.append(f"prediction:{prediction.get('column', 'prediction')}")
    return names


def retrain_policy(
    *,
    drift: Any = None,
    performance: Any = None,
    model_age: Any = None,
    max_age: Any = None,
    drift_level: str = "act",
    min_drifting: int = 1,
    now: _dt.datetime | None = None,
) -> PolicyDecision:
    """Decide whether to retrain: drift OR sustained SLO breach OR staleness.

    Parameters
    ----------
    drift : DriftReport or dict or None, default=None
        A drift report (or its ``to_dict()``); fires when at least ``min_drifting`` features (or
        the prediction) reach ``drift_level``.
    performance : PerformanceTracker, dict, bool or None, default=None
        Fires when the tracker alerts (N consecutive windows below the SLO floor).
    model_age : timedelta, float (days), datetime or None, default=None
        Age of the live model, or the datetime it was trained (age = ``now`` − it).
    max_age : timedelta or float (days) or None, default=None
        Staleness limit; fires when ``model_age`` exceeds it.
    drift_level : {"watch", "act"}, default="act"
        Status that counts as drift.
    min_drifting : int, default=1
        How many drifting columns fire the drift trigger.
    now : datetime or None, default=None
        Clock for a datetime ``model_age`` (default: the current UTC time).

    Returns
    -------
    PolicyDecision

    Examples
    --------
    >>> retrain_policy(model_age=200, max_age=180).triggers
    ('staleness',)
    >>> retrain_policy().retrain
    False
    """
    if drift_level not in ("watch", "act"):
        raise MonitorError(f"drift_level={drift_level!r}; choose 'watch' or 'act'.")
    if not isinstance(min_drifting, int) or min_drifting < 1:
        raise MonitorError(f"min_drifting={min_drifting!r} must be an integer ≥ 1.")
    fired: list[str] = []
    reasons: list[str] = []

    if drift is not None:
        names = _drifting(drift, drift_level)
        if len(names) >= min_drifting:
            fired.append("drift")
            reasons.append(f"drift: {len(names)} column(s) at '{drift_level}' or worse: "
                           + ", ".join(names[:10]) + ("…" if len(names) > 10 else "") + ".")
        else:
            reasons.append(f"drift: no column at '{drift_level}'" if not names else
                           f"drift: {len(names)} column(s) drifting, fewer than {min_drifting}.")

    if performance is not None:
        if isinstance(performance, bool):
            alert, detail = performance, "performance alert given by the caller"
        else:
            state = performance.to_dict() if hasattr(performance, "to_dict") else performance
            if not isinstance(state, dict) or "alert" not in state:
                raise MonitorError(
                    "performance must be a PerformanceTracker, its to_dict() or a bool, got "
                    f"{type(performance).__name__}."
                )
            alert = bool(state["alert"])
            detail = (f"{state.get('metric')} below the floor {state.get('floor')} in "
                      f"{state.get('consecutive_breaches')} consecutive window(s) "
                      f"(alert after {state.get('consecutive')})")
        if alert:
            fired.append("performance")
        reasons.append(f"performance: {detail}" + ("" if alert else " — no sustained breach") + ".")

    if max_age is not None:
        limit = _days(max_age, "max_age")
        if model_age is None:
            reasons.append("staleness: model age unknown; pass model_age to check it.")
        else:
            if isinstance(model_age, _dt.datetime):
                clock = now or _dt.datetime.now(_dt.timezone.utc)
                trained = model_age if model_age.tzinfo else model_age.replace(tzinfo=_dt.timezone.utc)
                clock = clock if clock.tzinfo else clock.replace(tzinfo=_dt.timezone.utc)
                age = (clock - trained).total_seconds() / 86400.0
            else:
                age = _days(model_age, "model_age")
            if age > limit:
                fired.append("staleness")
                reasons.append(f"staleness: model is {age:.1f} days old, limit {limit:g}.")
            else:
                reasons.append(f"staleness: model is {age:.1f} days old, within {limit:g}.")

    retrain = bool(fired)
    return PolicyDecision(retrain=retrain, triggers=tuple(fired),
                          action=RETRAIN_ACTION if retrain else NO_ACTION, reasons=tuple(reasons))
