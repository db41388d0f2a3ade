"""What the dataflow knows about libraries: which classes learn statistics, which calls draw random
numbers, which read files. Plain sets of names, so teaching the linter a new library is one line.

Names are matched on the last dotted component (``sklearn.preprocessing.StandardScaler`` and a bare
``StandardScaler`` are the same class), which is what notebooks' import styles make reliable.
"""

from __future__ import annotations

import re

# --- estimators --------------------------------------------------------------------------------
#: Fitted transformers and selectors: they learn statistics over the rows they are fit on.
STAT_TRANSFORMERS = frozenset({
    "StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler", "QuantileTransformer",
    "PowerTransformer", "SimpleImputer", "KNNImputer", "IterativeImputer", "MissingIndicator",
    "OneHotEncoder", "OrdinalEncoder", "TargetEncoder", "KBinsDiscretizer", "SplineTransformer",
    "PCA", "IncrementalPCA", "KernelPCA", "SparsePCA", "TruncatedSVD", "NMF", "FactorAnalysis",
    "FastICA", "LatentDirichletAllocation", "TSNE", "Isomap", "LocallyLinearEmbedding", "UMAP",
    "LinearDiscriminantAnalysis",
    "SelectKBest", "SelectPercentile", "SelectFpr", "SelectFdr", "SelectFwe", "GenericUnivariateSelect",
    "VarianceThreshold", "RFE", "RFECV", "SelectFromModel", "SequentialFeatureSelector",
    "CountVectorizer", "TfidfVectorizer", "TfidfTransformer", "DictVectorizer",
    "CatBoostEncoder", "WOEEncoder", "MEstimateEncoder", "LeaveOneOutEncoder", "JamesSteinEncoder",
})
#: Transformers that change the column set (their output's columns are unknown to the analysis).
COLUMN_CHANGING = frozenset({
    "PCA", "IncrementalPCA", "KernelPCA", "SparsePCA", "TruncatedSVD", "NMF", "FactorAnalysis",
    "FastICA", "LatentDirichletAllocation", "TSNE", "Isomap", "LocallyLinearEmbedding", "UMAP",
    "SelectKBest", "SelectPercentile", "SelectFpr", "SelectFdr", "SelectFwe", "GenericUnivariateSelect",
    "VarianceThreshold", "RFE", "RFECV", "SelectFromModel", "SequentialFeatureSelector",
    "CountVectorizer", "TfidfVectorizer", "TfidfTransformer", "DictVectorizer", "OneHotEncoder",
    "LinearDiscriminantAnalysis", "PolynomialFeatures", "ColumnTransformer",
})
#: Transformers that learn nothing from the rows (or only the label space).
STATELESS = frozenset({
    "Normalizer", "Binarizer", "FunctionTransformer", "PolynomialFeatures", "HashingVectorizer",
    "LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer", "FeatureHasher",
})
OVERSAMPLERS = frozenset({
    "SMOTE", "ADASYN", "BorderlineSMOTE", "SVMSMOTE", "KMeansSMOTE", "SMOTENC", "SMOTEN",
    "RandomOverSampler", "SMOTETomek", "SMOTEENN",
})
UNDERSAMPLERS = frozenset({
    "RandomUnderSampler", "NearMiss", "TomekLinks", "EditedNearestNeighbours", "ClusterCentroids",
    "CondensedNearestNeighbour", "OneSidedSelection", "InstanceHardnessThreshold",
})
CLUSTERERS = frozenset({
    "KMeans", "MiniBatchKMeans", "DBSCAN", "HDBSCAN", "OPTICS", "AgglomerativeClustering",
    "GaussianMixture", "BayesianGaussianMixture", "Birch", "MeanShift", "SpectralClustering",
})
SPLITTERS = frozenset({
    "KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold", "RepeatedKFold",
    "RepeatedStratifiedKFold", "ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit",
    "TimeSeriesSplit", "LeaveOneOut", "LeavePOut", "LeaveOneGroupOut", "PredefinedSplit",
})
#: Splitters that always shuffle.
SHUFFLING_SPLITTERS = frozenset({"ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit",
                                 "RepeatedKFold", "RepeatedStratifiedKFold"})
SEARCHES = frozenset({
    "GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV",
    "BayesSearchCV",
})
PIPELINES = frozenset({"Pipeline", "make_pipeline", "ColumnTransformer", "make_column_transformer",
                       "FeatureUnion", "make_union"})
ML_ROOTS = frozenset({"sklearn", "xgboost", "lightgbm", "catboost", "imblearn", "keras",
                      "tensorflow", "torch", "statsmodels", "category_encoders", "umap"})
MODEL_NAME = re.compile(
    r"(Classifier|Regressor|Regression|SVC|SVR|NB|Forest|Boost|Tree|Lasso|Ridge|ElasticNet|Perceptron"
    r"|KNeighbors|Sequential|Booster|Estimator|Model)$"
)
#: Classes whose results depend on ``random_state`` (unseeded when it is not given).
RANDOM_STATE_CLASSES = frozenset({
    "RandomForestClassifier", "RandomForestRegressor", "ExtraTreesClassifier", "ExtraTreesRegressor",
    "GradientBoostingClassifier", "GradientBoostingRegressor", "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor", "DecisionTreeClassifier", "DecisionTreeRegressor",
    "ExtraTreeClassifier", "ExtraTreeRegressor", "AdaBoostClassifier", "AdaBoostRegressor",
    "BaggingClassifier", "BaggingRegressor", "IsolationForest", "RandomTreesEmbedding",
    "SGDClassifier", "SGDRegressor", "MLPClassifier", "MLPRegressor", "Perceptron",
    "PassiveAggressiveClassifier", "PassiveAggressiveRegressor",
    "KMeans", "MiniBatchKMeans", "GaussianMixture", "BayesianGaussianMixture", "SpectralClustering",
    "TSNE", "TruncatedSVD", "RandomizedSearchCV", "HalvingRandomSearchCV",
    "ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit", "RepeatedKFold",
    "RepeatedStratifiedKFold", "XGBClassifier", "XGBRegressor", "LGBMClassifier", "LGBMRegressor",
    "CatBoostClassifier", "CatBoostRegressor", "RandomOverSampler", "RandomUnderSampler",
    "SMOTE", "ADASYN", "BorderlineSMOTE", "SVMSMOTE", "SMOTENC",
})

# --- functions ---------------------------------------------------------------------------------
READERS = frozenset({
    "read_csv", "read_table", "read_excel", "read_parquet", "read_json", "read_feather",
    "read_pickle", "read_hdf", "read_fwf", "read_orc", "read_stata", "read_sas", "read_spss",
    "read_xml", "read_sql", "read_sql_query", "read_sql_table", "loadtxt", "genfromtxt", "fromfile",
    "load_workbook", "loadmat", "imread", "ExcelFile", "read_text", "read_bytes",
})
#: ``load``/``open`` count as reads only from these modules (``json.load(f)`` reads a handle).
LOAD_MODULES = frozenset({"numpy", "joblib", "torch", "pickle", "dill", "h5py", "builtins"})
SPLIT_FUNCTIONS = frozenset({"train_test_split"})
#: sklearn functions whose result depends on ``random_state`` (unseeded when it is not given).
RANDOM_STATE_FUNCTIONS = frozenset({
    "permutation_importance", "make_classification", "make_regression", "make_blobs", "resample",
})
CV_FUNCTIONS = frozenset({"cross_val_score", "cross_validate", "cross_val_predict", "learning_curve",
                          "validation_curve", "permutation_test_score"})
#: Functions computing statistics over rows; ``elementwise`` ones return one value per row.
STAT_FUNCTIONS_AGG = frozenset({
    "mean", "median", "std", "var", "percentile", "quantile", "nanmean", "nanmedian", "nanstd",
    "nanvar", "nanpercentile", "nanquantile", "average", "ptp", "amin", "amax", "nanmin", "nanmax",
})
STAT_FUNCTIONS_ROWWISE = frozenset({
    "scale", "minmax_scale", "robust_scale", "maxabs_scale", "quantile_transform", "power_transform",
    "zscore", "qcut",
})
STAT_METHODS = frozenset({
    "mean", "median", "std", "var", "quantile", "describe", "mode", "min", "max", "sem", "skew",
    "kurt", "kurtosis", "agg", "aggregate", "value_counts", "nunique", "idxmax", "idxmin",
})
ROW_SUBSET_METHODS = frozenset({"head", "tail", "sample", "query", "nlargest", "nsmallest", "take"})
EVAL_METHODS = frozenset({"predict", "predict_proba", "predict_log_proba", "decision_function",
                          "score", "evaluate", "score_samples"})
DATA_ATTRIBUTES = frozenset({
    "values", "index", "columns", "shape", "dtypes", "dtype", "T", "iloc", "loc", "at", "iat", "str",
    "dt", "cat", "size", "ndim", "empty", "name", "plot", "array", "axes", "attrs", "flags", "style",
    "sparse", "data", "target", "frame", "feature_names", "target_names", "DESCR", "isna",
})
NUMPY_DRAWS = frozenset({
    "rand", "randn", "randint", "random", "random_sample", "ranf", "sample", "choice", "shuffle",
    "permutation", "normal", "uniform", "binomial", "poisson", "exponential", "beta", "gamma",
    "multinomial", "standard_normal", "lognormal", "laplace", "logistic", "dirichlet", "integers",
})
PY_RANDOM_DRAWS = frozenset({"random", "randint", "choice", "choices", "shuffle", "sample", "uniform",
                             "gauss", "randrange", "normalvariate", "triangular", "getrandbits",
                             "betavariate", "expovariate"})
DATE_NAME = re.compile(r"(^|_)(date|time|timestamp|datetime|dt|ts|day|month|year|week)s?($|_)", re.I)
