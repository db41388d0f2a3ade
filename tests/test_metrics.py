"""nbpromote._metrics.record: numbers a metric computation returned, named after function and data."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression

from nbpromote._metrics import metric_name, record


def test_the_value_passes_through_and_only_numbers_are_metrics():
    metrics = {}
    assert record(metrics, np.float64(0.75), "accuracy_score") == 0.75
    assert record(metrics, "              precision ...", "classification_report").startswith(" ")
    record(metrics, np.array([[3, 1], [0, 4]]), "confusion_matrix")
    record(metrics, float("nan"), "f1_score")
    assert metrics == {"accuracy": 0.75} and isinstance(metrics["accuracy"], float)


@pytest.mark.parametrize(("function", "sqrt", "name"), [
    ("roc_auc_score", False, "roc_auc"), ("mean_squared_error", True, "rmse"), ("mean_squared_error", False, "mse"),
    ("r2_score", False, "r2"), ("mean_absolute_error", False, "mae"), ("matthews_corrcoef", False, "mcc"),
    ("log_loss", False, "log_loss"),
])
def test_names_come_from_the_function(function, sqrt, name):
    assert metric_name(function, sqrt=sqrt) == name


def test_score_is_accuracy_for_a_classifier_and_r2_for_a_regressor():
    X, y = make_classification(60, 4, random_state=0)
    clf = LogisticRegression().fit(X, y)
    Xr, yr = make_regression(60, 3, random_state=0)
    reg = LinearRegression().fit(Xr, yr)
    metrics = {}
    record(metrics, clf.score(X, y), "score", model=clf, qualifier="X_train")
    record(metrics, reg.score(Xr, yr), "score", model=reg, qualifier="reg")
    assert set(metrics) == {"accuracy[X_train]", "r2[reg]"}


def test_cross_validation_is_a_mean_named_cv_and_negated_scorers_turn_positive():
    metrics = {}
    record(metrics, np.array([0.8, 0.9]), "cross_val_score", scoring="roc_auc")
    record(metrics, np.array([-2.0, -4.0]), "cross_val_score", scoring="neg_mean_squared_error")
    record(metrics, {"test_score": [0.5, 0.7], "fit_time": [1, 2]}, "cross_validate", model=LogisticRegression())
    assert metrics == pytest.approx({"cv_roc_auc_mean": 0.85, "cv_mse_mean": 3.0, "cv_accuracy_mean": 0.6})


def test_a_kale_pipeline_metrics_variable_keeps_its_name():
    metrics = {}
    record(metrics, 0.93, "name", name="precision")
    assert metrics == {"precision": 0.93}
