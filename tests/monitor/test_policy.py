"""Retrain policy: the OR of drift, a sustained SLO breach and staleness; it never deploys."""

from __future__ import annotations

import datetime as dt

import pytest

from nbpromote.errors import MonitorError
from nbpromote.monitor import NO_ACTION, RETRAIN_ACTION, PerformanceTracker, retrain_policy


def drift_doc(*statuses, prediction=None):
    doc = {"features": {f"f{i}": {"status": s} for i, s in enumerate(statuses)}, "prediction": {}}
    if prediction:
        doc["prediction"] = {"column": "score", "status": prediction}
    return doc


def test_nothing_given_means_no_retrain():
    decision = retrain_policy()
    assert (decision.retrain, decision.triggers, decision.action) == (False, (), NO_ACTION)


def test_drift_at_act_fires_watch_does_not():
    assert retrain_policy(drift=drift_doc("stable", "act")).triggers == ("drift",)
    assert not retrain_policy(drift=drift_doc("watch", "watch")).retrain
    assert retrain_policy(drift=drift_doc("watch"), drift_level="watch").retrain


def test_prediction_drift_counts():
    assert retrain_policy(drift=drift_doc("stable", prediction="act")).retrain


def test_min_drifting_requires_several_columns():
    assert not retrain_policy(drift=drift_doc("act", "stable"), min_drifting=2).retrain
    assert retrain_policy(drift=drift_doc("act", "act"), min_drifting=2).retrain


def test_sustained_breach_fires_a_single_bad_window_does_not():
    tracker = PerformanceTracker(metric="accuracy", floor=0.9, consecutive=2)
    tracker.add([1, 1, 0, 0], [1, 0, 0, 0])  # 0.75: breach 1
    assert not retrain_policy(performance=tracker).retrain
    tracker.add([1, 1], [0, 1])  # 0.5: breach 2
    decision = retrain_policy(performance=tracker)
    assert decision.triggers == ("performance",) and "2 consecutive" in decision.reasons[0]
    assert retrain_policy(performance=tracker.to_dict()).retrain


def test_staleness_in_days_timedelta_or_training_datetime():
    assert retrain_policy(model_age=181, max_age=180).triggers == ("staleness",)
    assert not retrain_policy(model_age=dt.timedelta(days=10), max_age=dt.timedelta(days=30)).retrain
    trained = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    assert retrain_policy(model_age=trained, max_age=300, now=now).retrain
    assert "unknown" in retrain_policy(max_age=30).reasons[0]


def test_triggers_combine_with_or_and_the_action_is_a_proposal():
    decision = retrain_policy(drift=drift_doc("act"), performance=True, model_age=5, max_age=1)
    assert decision.triggers == ("drift", "performance", "staleness")
    assert decision.action == RETRAIN_ACTION == "retrain and propose a challenger"
    assert decision.to_dict()["retrain"] is True


@pytest.mark.parametrize("kwargs, fragment", [
    ({"drift": 3}, "DriftReport"),
    ({"performance": "bad"}, "PerformanceTracker"),
    ({"model_age": -1, "max_age": 5}, "model_age"),
    ({"model_age": 1, "max_age": "soon"}, "max_age"),
    ({"drift_level": "stable"}, "drift_level"),
    ({"min_drifting": 0}, "min_drifting"),
])
def test_bad_inputs(kwargs, fragment):
    with pytest.raises(MonitorError, match=fragment):
        retrain_policy(**kwargs)
