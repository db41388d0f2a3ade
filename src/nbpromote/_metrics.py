"""Metrics of an exported pipeline, recorded where the notebook computed them.

Export rewrites every metric computation of a stage (a ``sklearn.metrics`` function, ``.score``,
``cross_val_score``, Keras ``evaluate``; assigned, printed or a cell's last expression) into a call of
:func:`record`, which returns the value unchanged and files it under a name made of the function
and, when a notebook scores several sets or models, the data or model (``accuracy``,
``roc_auc``, ``cv_accuracy_mean``, ``accuracy[X_train]``). Only numbers are kept: a
``classification_report`` string or a confusion matrix is not a metric.

This module sits at the bottom of nbpromote (standard library only, NumPy and scikit-learn used
when present) so exported packages import it at no cost.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["record", "metric_name"]

#: Function name → metric name where stripping ``_score`` is not the usual name.
_NAMES = {
    "mean_squared_error": "mse", "root_mean_squared_error": "rmse", "mean_absolute_error": "mae",
    "mean_absolute_percentage_error": "mape", "median_absolute_error": "median_ae",
    "mean_squared_log_error": "msle", "root_mean_squared_log_error": "rmsle", "matthews_corrcoef": "mcc",
    "brier_score_loss": "brier", "explained_variance_score": "explained_variance",
}
_SQRT_OF = {"mse": "rmse", "msle": "rmsle"}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
            value = value.item()
    except (TypeError, ValueError):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _kind_of(model: Any) -> str | None:
    """"classifier", "regressor" or None, as scikit-learn (or Keras) says."""
    if model is None:
        return None
    try:
        from sklearn.base import is_classifier, is_regressor

        if is_classifier(model):
            return "classifier"
        if is_regressor(model):
            return "regressor"
    except Exception:  # not an estimator, or scikit-learn missing
        pass
    kind = getattr(model, "_estimator_type", None)
    return kind if kind in ("classifier", "regressor") else None


def metric_name(function: str, *, model: Any = None, scoring: Any = None, sqrt: bool = False) -> str:
    """The name of a metric computed by ``function`` (a metric function or ``score``).

    Examples
    --------
    >>> metric_name("roc_auc_score"), metric_name("mean_squared_error", sqrt=True), metric_name("r2_score")
    ('roc_auc', 'rmse', 'r2')
    """
    if function in ("score", "cross_val_score", "best_score_"):
        if isinstance(scoring, str):
            base = scoring.removeprefix("neg_")
            base = _NAMES.get(base, base.removesuffix("_score"))
        else:
            base = {"classifier": "accuracy", "regressor": "r2"}.get(_kind_of(model) or "", "score")
        return base
    base = _NAMES.get(function, function.removesuffix("_score"))
    return _SQRT_OF.get(base, base) if sqrt else base


def _store(metrics: dict[str, float], name: str, qualifier: str, value: Any) -> None:
    number = _number(value)
    if number is not None:
        metrics[f"{name}[{qualifier}]" if qualifier else name] = number


def record(metrics: dict[str, float], value: Any, function: str, *, qualifier: str = "", model: Any = None,
           scoring: Any = None, sqrt: bool = False, name: str | None = None) -> Any:
    """File ``value`` in ``metrics`` under its metric name and return ``value`` unchanged.

    Parameters
    ----------
    metrics : dict
        The stage's metrics (the ``metrics`` output).
    value : object
        What the computation returned.
    function : str
        The metric function (``accuracy_score``), ``score``, ``cross_val_score``, ``cross_validate``,
        ``evaluate`` (Keras), ``best_score_`` (a search's CV score) or ``name`` (a Kale
        ``pipeline-metrics`` variable, named by ``name``).
    qualifier : str, default=""
        The data set or model, when the notebook scores several (``X_train``).
    model : object or None
        The estimator, to name ``score`` (accuracy for classifiers, r2 for regressors).
    scoring : str or None
        ``scoring=`` of a cross-validation.
    sqrt : bool, default=False
        The value is the square root of the function's (RMSE from MSE).
    name : str or None
        An explicit name (Kale's ``pipeline-metrics``).

    Examples
    --------
    >>> m = {}
    >>> record(m, 0.5, "accuracy_score"), record(m, "text", "classification_report"), m
    (0.5, 'text', {'accuracy': 0.5})
    >>> _ = record(m, [0.8, 0.9], "cross_val_score", scoring="roc_auc"); m["cv_roc_auc_mean"]
    0.85
    """
    if name is not None:
        _store(metrics, name, qualifier, value)
    elif function == "cross_val_score":
        try:
            values = [float(v) for v in value]
        except (TypeError, ValueError):
            values = []
        if values:
            base = metric_name(function, model=model, scoring=scoring)
            sign = -1.0 if isinstance(scoring, str) and scoring.startswith("neg_") else 1.0
            _store(metrics, f"cv_{base}_mean", qualifier, sign * sum(values) / len(values))
    elif function == "cross_validate":
        if isinstance(value, dict):
            for key, scores in value.items():
                if key.startswith("test_"):
                    try:
                        values = [float(v) for v in scores]
                    except (TypeError, ValueError):
                        continue
                    base = key[len("test_"):]
                    base = metric_name("score", model=model) if base == "score" else base.removeprefix("neg_")
                    sign = -1.0 if key.startswith("test_neg_") else 1.0
                    if values:
                        _store(metrics, f"cv_{base}_mean", qualifier, sign * sum(values) / len(values))
    elif function == "best_score_":
        _store(metrics, f"cv_{metric_name(function, model=model, scoring=scoring)}_best", qualifier, value)
    elif function == "evaluate":
        names = list(getattr(model, "metrics_names", None) or [])
        if isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                label = names[index] if index < len(names) else ("loss" if index == 0 else f"metric_{index}")
                _store(metrics, "accuracy" if label in ("acc", "compile_metrics") else label, qualifier, item)
        else:
            _store(metrics, "loss", qualifier, value)
    else:
        _store(metrics, metric_name(function, model=model, scoring=scoring, sqrt=sqrt), qualifier, value)
    return value
