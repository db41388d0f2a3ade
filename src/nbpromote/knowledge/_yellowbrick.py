"""yellowbrick: visualisers that wrap a model (``ConfusionMatrix(model)``), not models of their own."""

from __future__ import annotations

from ._model import Library, names

YELLOWBRICK = Library(
    name="yellowbrick",
    roots=frozenset({"yellowbrick"}),
    wrappers=names("""
        ConfusionMatrix ClassificationReport ROCAUC PrecisionRecallCurve ClassPredictionError
        DiscriminationThreshold ResidualsPlot PredictionError AlphaSelection CooksDistance
        LearningCurve ValidationCurve CVScores FeatureImportances RFECV DroppingCurve
        confusion_matrix classification_report roc_auc precision_recall_curve class_prediction_error
        residuals_plot prediction_error learning_curve validation_curve cv_scores feature_importances
    """),
    clusterers=names("KElbowVisualizer SilhouetteVisualizer InterclusterDistance"),
    score_methods=names("score"),
)
