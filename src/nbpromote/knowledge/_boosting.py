"""XGBoost, LightGBM and CatBoost: sklearn-style and native APIs, watch lists, early stopping."""

from __future__ import annotations

from ._model import Library, names

XGBOOST = Library(
    name="xgboost",
    roots=frozenset({"xgboost"}),
    models=names("XGBClassifier XGBRegressor XGBRanker XGBRFClassifier XGBRFRegressor Booster"),
    fit_functions=names("train cv"),
    predict_methods=names("predict predict_proba inplace_predict"),
    random_state_classes=names("XGBClassifier XGBRegressor XGBRFClassifier XGBRFRegressor"),
    datasets=names("DMatrix QuantileDMatrix"),
    monitor_keywords=names("eval_set evals"),
    early_stopping_keywords=names("early_stopping_rounds"),
    early_stopping_callbacks=names("EarlyStopping"),
)

LIGHTGBM = Library(
    name="lightgbm",
    roots=frozenset({"lightgbm"}),
    models=names("LGBMClassifier LGBMRegressor LGBMRanker LGBMModel Booster"),
    fit_functions=names("train cv"),
    random_state_classes=names("LGBMClassifier LGBMRegressor LGBMRanker"),
    datasets=names("Dataset"),
    monitor_keywords=names("eval_set valid_sets"),
    early_stopping_keywords=names("early_stopping_rounds early_stopping_round"),
    early_stopping_callbacks=names("early_stopping EarlyStopping"),
)

CATBOOST = Library(
    name="catboost",
    roots=frozenset({"catboost"}),
    models=names("CatBoostClassifier CatBoostRegressor CatBoostRanker CatBoost"),
    fit_functions=names("cv"),
    random_state_classes=names("CatBoostClassifier CatBoostRegressor"),
    datasets=names("Pool"),
    monitor_keywords=names("eval_set"),
    early_stopping_keywords=names("early_stopping_rounds use_best_model od_type"),
)
