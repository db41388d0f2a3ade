"""scikit-learn: estimators, transformers, splitters, metrics, datasets."""

from __future__ import annotations

from ._model import Library, Returns, names

_TRANSFORMERS = names("""
    StandardScaler MinMaxScaler RobustScaler MaxAbsScaler QuantileTransformer PowerTransformer
    SimpleImputer KNNImputer IterativeImputer MissingIndicator OneHotEncoder OrdinalEncoder TargetEncoder
    KBinsDiscretizer SplineTransformer PCA IncrementalPCA KernelPCA SparsePCA MiniBatchSparsePCA
    TruncatedSVD NMF MiniBatchNMF FactorAnalysis FastICA LatentDirichletAllocation DictionaryLearning
    TSNE Isomap LocallyLinearEmbedding MDS SpectralEmbedding LinearDiscriminantAnalysis
    SelectKBest SelectPercentile SelectFpr SelectFdr SelectFwe GenericUnivariateSelect VarianceThreshold
    RFE RFECV SelectFromModel SequentialFeatureSelector CountVectorizer TfidfVectorizer TfidfTransformer
    DictVectorizer RandomTreesEmbedding Nystroem RBFSampler GaussianRandomProjection
    SparseRandomProjection NeighborhoodComponentsAnalysis BernoulliRBM
""")
_COLUMN_CHANGING = names("""
    PCA IncrementalPCA KernelPCA SparsePCA MiniBatchSparsePCA TruncatedSVD NMF MiniBatchNMF FactorAnalysis
    FastICA LatentDirichletAllocation DictionaryLearning TSNE Isomap LocallyLinearEmbedding MDS
    SpectralEmbedding SelectKBest SelectPercentile SelectFpr SelectFdr SelectFwe GenericUnivariateSelect
    VarianceThreshold RFE RFECV SelectFromModel SequentialFeatureSelector CountVectorizer TfidfVectorizer
    TfidfTransformer DictVectorizer OneHotEncoder LinearDiscriminantAnalysis PolynomialFeatures
    ColumnTransformer SplineTransformer KBinsDiscretizer RandomTreesEmbedding Nystroem RBFSampler
    GaussianRandomProjection SparseRandomProjection HashingVectorizer FeatureHasher
    NeighborhoodComponentsAnalysis BernoulliRBM
""")
_STATELESS = names("""
    Normalizer Binarizer FunctionTransformer PolynomialFeatures HashingVectorizer LabelEncoder
    LabelBinarizer MultiLabelBinarizer FeatureHasher
""")
#: Encoders that learn only the set of categories (no statistic of the rows' values).
_VOCABULARY = names("OneHotEncoder OrdinalEncoder LabelEncoder LabelBinarizer MultiLabelBinarizer DictVectorizer")
_CLUSTERERS = names("""
    KMeans MiniBatchKMeans BisectingKMeans DBSCAN HDBSCAN OPTICS AgglomerativeClustering GaussianMixture
    BayesianGaussianMixture Birch MeanShift SpectralClustering AffinityPropagation FeatureAgglomeration
    SpectralBiclustering SpectralCoclustering
""")
_MODELS = names("""
    LogisticRegression LogisticRegressionCV LinearRegression Ridge RidgeCV RidgeClassifier RidgeClassifierCV
    Lasso LassoCV LassoLars LassoLarsCV LassoLarsIC ElasticNet ElasticNetCV Lars LarsCV
    OrthogonalMatchingPursuit BayesianRidge ARDRegression HuberRegressor RANSACRegressor TheilSenRegressor
    QuantileRegressor PoissonRegressor GammaRegressor TweedieRegressor SGDClassifier SGDRegressor
    SGDOneClassSVM Perceptron PassiveAggressiveClassifier PassiveAggressiveRegressor
    SVC SVR NuSVC NuSVR LinearSVC LinearSVR OneClassSVM KNeighborsClassifier KNeighborsRegressor
    RadiusNeighborsClassifier RadiusNeighborsRegressor NearestCentroid NearestNeighbors LocalOutlierFactor
    GaussianNB MultinomialNB BernoulliNB ComplementNB CategoricalNB DecisionTreeClassifier
    DecisionTreeRegressor ExtraTreeClassifier ExtraTreeRegressor RandomForestClassifier RandomForestRegressor
    ExtraTreesClassifier ExtraTreesRegressor GradientBoostingClassifier GradientBoostingRegressor
    HistGradientBoostingClassifier HistGradientBoostingRegressor AdaBoostClassifier AdaBoostRegressor
    BaggingClassifier BaggingRegressor VotingClassifier VotingRegressor StackingClassifier StackingRegressor
    IsolationForest MLPClassifier MLPRegressor GaussianProcessClassifier GaussianProcessRegressor
    KernelRidge QuadraticDiscriminantAnalysis CalibratedClassifierCV OneVsRestClassifier
    OneVsOneClassifier OutputCodeClassifier MultiOutputClassifier MultiOutputRegressor ClassifierChain
    RegressorChain TransformedTargetRegressor DummyClassifier DummyRegressor IsotonicRegression
    LabelPropagation LabelSpreading SelfTrainingClassifier EllipticEnvelope
""")
_SPLITTERS = names("""
    KFold StratifiedKFold GroupKFold StratifiedGroupKFold RepeatedKFold RepeatedStratifiedKFold ShuffleSplit
    StratifiedShuffleSplit GroupShuffleSplit TimeSeriesSplit LeaveOneOut LeavePOut LeaveOneGroupOut
    LeavePGroupsOut PredefinedSplit
""")
_SHUFFLING = names("ShuffleSplit StratifiedShuffleSplit GroupShuffleSplit RepeatedKFold RepeatedStratifiedKFold")
_METRICS = names("""
    accuracy_score balanced_accuracy_score f1_score fbeta_score precision_score recall_score jaccard_score
    roc_auc_score average_precision_score log_loss brier_score_loss hamming_loss zero_one_loss
    matthews_corrcoef cohen_kappa_score hinge_loss top_k_accuracy_score classification_report
    confusion_matrix multilabel_confusion_matrix precision_recall_fscore_support precision_recall_curve
    roc_curve det_curve mean_squared_error root_mean_squared_error mean_absolute_error
    mean_absolute_percentage_error median_absolute_error mean_squared_log_error
    root_mean_squared_log_error r2_score explained_variance_score max_error mean_poisson_deviance
    mean_gamma_deviance mean_tweedie_deviance d2_absolute_error_score mean_pinball_loss ndcg_score
    dcg_score label_ranking_average_precision_score coverage_error
""")
_CLUSTER_METRICS = names("""
    silhouette_score silhouette_samples calinski_harabasz_score davies_bouldin_score
    adjusted_rand_score rand_score adjusted_mutual_info_score normalized_mutual_info_score
    mutual_info_score homogeneity_score completeness_score v_measure_score fowlkes_mallows_score
    homogeneity_completeness_v_measure
""")
_RANDOM_CLASSES = names("""
    RandomForestClassifier RandomForestRegressor ExtraTreesClassifier ExtraTreesRegressor
    GradientBoostingClassifier GradientBoostingRegressor HistGradientBoostingClassifier
    HistGradientBoostingRegressor DecisionTreeClassifier DecisionTreeRegressor ExtraTreeClassifier
    ExtraTreeRegressor AdaBoostClassifier AdaBoostRegressor BaggingClassifier BaggingRegressor IsolationForest
    RandomTreesEmbedding SGDClassifier SGDRegressor MLPClassifier MLPRegressor Perceptron
    PassiveAggressiveClassifier PassiveAggressiveRegressor KMeans MiniBatchKMeans BisectingKMeans
    GaussianMixture BayesianGaussianMixture SpectralClustering TSNE TruncatedSVD RandomizedSearchCV
    HalvingRandomSearchCV ShuffleSplit StratifiedShuffleSplit GroupShuffleSplit RepeatedKFold
    RepeatedStratifiedKFold
""")

SKLEARN = Library(
    name="sklearn",
    roots=frozenset({"sklearn"}),
    models=_MODELS,
    transformers=_TRANSFORMERS,
    stateless=_STATELESS,
    vocabulary=_VOCABULARY,
    # TargetEncoder.fit_transform cross-fits (each row encoded without its own label); fit().transform()
    # does not: the engine tells the two apart.
    target_encoders=names("TargetEncoder"),
    column_changing=_COLUMN_CHANGING,
    clusterers=_CLUSTERERS,
    splitters=_SPLITTERS,
    shuffling_splitters=_SHUFFLING,
    searches=names("GridSearchCV RandomizedSearchCV HalvingGridSearchCV HalvingRandomSearchCV"),
    pipelines=names("Pipeline make_pipeline ColumnTransformer make_column_transformer FeatureUnion make_union"),
    fit_methods=names("fit fit_transform fit_predict partial_fit"),
    transform_methods=names("transform inverse_transform"),
    predict_methods=names("predict predict_proba predict_log_proba decision_function score_samples"),
    score_methods=names("score"),
    metrics=_METRICS,
    cluster_metrics=_CLUSTER_METRICS,
    cv_functions=names("cross_val_score cross_validate cross_val_predict learning_curve validation_curve "
                       "permutation_test_score"),
    split_functions=names("train_test_split"),
    readers=names("load_svmlight_file load_svmlight_files"),
    random_state_classes=_RANDOM_CLASSES,
    random_state_functions=names("permutation_importance make_classification make_regression make_blobs "
                                 "make_moons make_circles make_friedman1 make_s_curve make_swiss_roll "
                                 "resample shuffle train_test_split"),
    rowwise_statistics=names("scale minmax_scale robust_scale maxabs_scale quantile_transform power_transform "
                             "normalize"),
    datasets=names("""
        load_iris load_digits load_wine load_breast_cancer load_diabetes load_linnerud fetch_california_housing
        fetch_openml fetch_covtype fetch_20newsgroups fetch_20newsgroups_vectorized fetch_lfw_people
        fetch_olivetti_faces fetch_kddcup99 fetch_rcv1 make_classification make_regression make_blobs
        make_moons make_circles make_friedman1 make_friedman2 make_friedman3 make_s_curve make_swiss_roll
        make_multilabel_classification make_sparse_uncorrelated make_low_rank_matrix make_hastie_10_2
        make_gaussian_quantiles
    """),
    returns={
        "train_test_split": Returns(2, per_input=True),
        "make_regression": Returns(2, when=(("coef", 3),), names=("X", "y", "coef")),
        "make_classification": Returns(2, names=("X", "y")),
        "make_blobs": Returns(2, when=(("return_centers", 3),), names=("X", "y", "centers")),
        "make_moons": Returns(2, names=("X", "y")),
        "make_circles": Returns(2, names=("X", "y")),
        "make_friedman1": Returns(2, names=("X", "y")),
        "make_s_curve": Returns(2, names=("X", "t")),
        "make_swiss_roll": Returns(2, names=("X", "t")),
        "precision_recall_curve": Returns(3),
        "roc_curve": Returns(3),
        "precision_recall_fscore_support": Returns(4),
        "learning_curve": Returns(3),
        "validation_curve": Returns(2),
        "shuffle": Returns(1, per_input=True),
        "resample": Returns(1, per_input=True),
        "fit_resample": Returns(2),
    },
)
