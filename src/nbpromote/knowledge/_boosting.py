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
    signatures={"train": ("params", "dtrain", "num_boost_round", "evals", "obj", "feval", "maximize",
                          "early_stopping_rounds")},
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
    signatures={"train": ("params", "train_set", "num_boost_round", "valid_sets", "valid_names", "feval",
                          "init_model", "feature_name", "categorical_feature", "early_stopping_rounds")},
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
