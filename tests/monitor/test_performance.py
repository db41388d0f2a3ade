"""Performance tracking against an SLO floor with a consecutive-breach alert."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from nbpromote.errors import MonitorError
from nbpromote.monitor import PerformanceTracker


def test_accuracy_per_window_and_breach_flags():
    tracker = PerformanceTracker(metric="accuracy", floor=0.8, consecutive=3)
    good = tracker.add([1, 0, 1, 0, 1], [1, 0, 1, 0, 1], label="mon")
    bad = tracker.add([1, 0, 1, 0], [0, 0, 1, 1], label="tue")
    assert (good.value, good.breach, good.label) == (1.0, False, "mon")
    assert (bad.value, bad.breach) == (0.5, True)
    assert tracker.consecutive_breaches == 1 and not tracker.alert


def test_alert_only_after_n_consecutive_breaches_and_a_good_window_resets():
    tracker = PerformanceTracker(floor=0.8, consecutive=2)
    tracker.add([1, 1], [0, 1])
    tracker.add([1, 1], [1, 1])
    tracker.add([1, 1], [0, 1])
    assert not tracker.alert
    tracker.add([1, 1], [0, 0])
    assert tracker.alert and tracker.consecutive_breaches == 2


def test_accuracy_on_scores_uses_the_threshold():
    tracker = PerformanceTracker(metric="accuracy", floor=0.5)
    assert tracker.add([1, 0, 1], [0.9, 0.2, 0.4]).value == pytest.approx(2 / 3)


def test_auc_of_a_real_model_matches_sklearn(rng):
    x = rng.normal(size=(600, 3))
    y = (x[:, 0] + rng.normal(0, 1, 600) > 0).astype(int)
    model = LogisticRegression().fit(x[:300], y[:300])
    scores = model.predict_proba(x[300:])[:, 1]
    tracker = PerformanceTracker(metric="auc", floor=0.99, consecutive=1)
    result = tracker.add(y[300:], scores)
    assert result.value == pytest.approx(roc_auc_score(y[300:], scores))
    assert result.breach and tracker.alert


def test_undefined_auc_window_neither_breaches_nor_resets():
    tracker = PerformanceTracker(metric="auc", floor=0.9, consecutive=2)
    tracker.add([0, 1, 0, 1], [0.9, 0.1, 0.8, 0.2])  # AUC 0: breach
    undefined = tracker.add([1, 1, 1], [0.2, 0.5, 0.9])
    assert undefined.value is None and undefined.breach is None
    tracker.add([0, 1], [0.7, 0.3])
    assert tracker.alert


def test_stream_is_split_into_windows():
    tracker = PerformanceTracker(floor=0.9, consecutive=2)
    truth = np.array([1, 0] * 5)
    pred = np.r_[truth[:4], 1 - truth[4:]]
    results = tracker.add_stream(truth, pred, window=4)
    assert [r.rows for r in results] == [4, 4, 2]
    assert [r.breach for r in results] == [False, True, True] and tracker.alert


def test_state_round_trips_through_a_dict():
    tracker = PerformanceTracker(metric="accuracy", floor=0.7, consecutive=2)
    tracker.add([1, 0], [0, 0])
    restored = PerformanceTracker.from_dict(tracker.to_dict())
    assert restored.to_dict() == tracker.to_dict()


@pytest.mark.parametrize("truth, pred, fragment", [
    ([1, 0], [1], "2 labels but 1 predictions"),
    ([], [], "empty"),
    ([1, None], [1, 0], "missing"),
    ([[1]], [[1]], "1-D"),
])
def test_bad_windows(truth, pred, fragment):
    with pytest.raises(MonitorError, match=fragment):
        PerformanceTracker().add(truth, pred)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"metric": "f1"}, "metric"),
    ({"floor": float("nan")}, "floor"),
    ({"consecutive": 0}, "consecutive"),
])
def test_bad_settings(kwargs, fragment):
    with pytest.raises(MonitorError, match=fragment):
        PerformanceTracker(**kwargs)


def test_auc_needs_binary_labels():
    with pytest.raises(MonitorError, match="binary"):
        PerformanceTracker(metric="auc").add([0, 1, 2], [0.1, 0.5, 0.9])
