"""imbalanced-learn: resamplers (``fit_resample``), resampling pipelines, balanced ensembles."""

from __future__ import annotations

from ._model import Library, Returns, names

_OVER = names("""
    SMOTE ADASYN BorderlineSMOTE SVMSMOTE KMeansSMOTE SMOTENC SMOTEN RandomOverSampler SMOTETomek SMOTEENN
""")
_UNDER = names("""
    RandomUnderSampler NearMiss TomekLinks EditedNearestNeighbours RepeatedEditedNearestNeighbours AllKNN
    ClusterCentroids CondensedNearestNeighbour OneSidedSelection InstanceHardnessThreshold
    NeighbourhoodCleaningRule
""")

IMBLEARN = Library(
    name="imblearn",
    roots=frozenset({"imblearn"}),
    oversamplers=_OVER,
    undersamplers=_UNDER,
    models=names("BalancedRandomForestClassifier BalancedBaggingClassifier EasyEnsembleClassifier "
                 "RUSBoostClassifier"),
    pipelines=names("Pipeline make_pipeline"),
    fit_methods=names("fit_resample fit_sample"),
    metrics=names("geometric_mean_score classification_report_imbalanced sensitivity_score specificity_score "
                  "sensitivity_specificity_support macro_averaged_mean_absolute_error"),
    random_state_classes=names("RandomOverSampler RandomUnderSampler SMOTE ADASYN BorderlineSMOTE SVMSMOTE "
                               "SMOTENC KMeansSMOTE ClusterCentroids BalancedRandomForestClassifier "
                               "EasyEnsembleClassifier RUSBoostClassifier BalancedBaggingClassifier"),
    returns={"fit_resample": Returns(2, names=("X", "y")), "fit_sample": Returns(2, names=("X", "y"))},
)
