"""H2O: estimators trained on an H2OFrame named by keyword, frames split by ``split_frame``.

``model.train(x=features, y='label', training_frame=train, validation_frame=valid)`` learns from
``training_frame`` (``x``/``y`` are column names); ``validation_frame`` is watched while training and,
with ``stopping_rounds``, stops it. ``frame.split_frame([0.6, 0.2], seed=1)`` returns disjoint random
parts of the rows; ``predict(frame)`` returns a frame whose ``'predict'`` column holds the predictions;
``model_performance(test_data=frame)`` scores.
"""

from __future__ import annotations

from ._model import Library, names

H2O = Library(
    name="h2o",
    roots=frozenset({"h2o"}),
    models=names("""
        H2ODeepLearningEstimator H2ORandomForestEstimator H2OGradientBoostingEstimator
        H2OGeneralizedLinearEstimator H2OXGBoostEstimator H2ONaiveBayesEstimator H2OStackedEnsembleEstimator
        H2OSupportVectorMachineEstimator H2OExtendedIsolationForestEstimator H2OAutoML
    """),
    transformers=names("H2OPrincipalComponentAnalysisEstimator H2OGeneralizedLowRankEstimator H2OTargetEncoderEstimator"),
    target_encoders=names("H2OTargetEncoderEstimator"),
    column_changing=names("H2OPrincipalComponentAnalysisEstimator H2OGeneralizedLowRankEstimator"),
    clusterers=names("H2OKMeansEstimator"),
    searches=names("H2OGridSearch"),
    fit_methods=names("train"),
    predict_methods=names("predict"),
    score_methods=names("model_performance"),
    readers=names("import_file upload_file"),
    monitor_keywords=names("validation_frame"),
    early_stopping_keywords=names("stopping_rounds"),
    split_methods=names("split_frame"),
    data_keywords=names("training_frame test_data"),
    random_state_classes=names("H2ORandomForestEstimator H2OGradientBoostingEstimator H2ODeepLearningEstimator"),
)
