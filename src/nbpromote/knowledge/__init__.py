"""What library calls do to rows of data: one declarative table per library, read by every layer.

The linter (static analysis), capture (which files a cell read, where it drew random numbers) and
the exported pipelines' runtime (which reads to record) all ask the same questions of a call — does
it learn from rows, transform, predict, score, split, read a file, draw random numbers, return
several values? — and answer them from these tables, so a new library is data, not code.

This package sits at the bottom of nbpromote: it imports only the standard library (no nbformat,
no pandas), so a kernel or an exported pipeline can read it for free.

>>> from nbpromote import knowledge as K
>>> "StandardScaler" in K.TRANSFORMERS, "accuracy_score" in K.METRICS
(True, True)
>>> K.returns_count("make_regression", {"coef"})
3
>>> K.library_of("xgboost").name
'xgboost'
"""

from __future__ import annotations

import re

from ._boosting import CATBOOST, LIGHTGBM, XGBOOST
from ._gensim import GENSIM
from ._h2o import H2O
from ._imblearn import IMBLEARN
from ._keras import KERAS
from ._lazypredict import LAZYPREDICT
from ._model import Library, Returns
from ._numpy import NUMPY, PY_RANDOM
from ._others import (
    CATEGORY_ENCODERS,
    GENERIC_READERS,
    LOAD_MODULES,
    OBJECTIVE_RUNNERS,
    SEABORN,
    UMAP,
)
from ._pandas import DATA_ATTRIBUTES, PANDAS, ROW_SUBSET_METHODS
from ._scipy import SCIPY
from ._sklearn import SKLEARN
from ._statsmodels import FORMULA_FUNCTIONS, FORMULA_MODELS, STATSMODELS
from ._torch import ROW_CONTAINERS, TORCH
from ._yellowbrick import YELLOWBRICK

__all__ = [
    "Library", "Returns", "LIBRARIES", "library_of", "returns_count", "signature",
    "MODELS", "TRANSFORMERS", "STATELESS", "VOCABULARY", "COLUMN_CHANGING", "OVERSAMPLERS", "UNDERSAMPLERS", "CLUSTERERS",
    "SPLITTERS", "SHUFFLING_SPLITTERS", "SEARCHES", "PIPELINES", "WRAPPERS", "INCREMENTAL",
    "FIT_METHODS", "TRANSFORM_METHODS", "PREDICT_METHODS", "SCORE_METHODS", "EVAL_METHODS", "FIT_FUNCTIONS",
    "METRICS", "CLUSTER_METRICS", "SCORERS", "CV_FUNCTIONS", "SPLIT_FUNCTIONS",
    "READERS", "FILE_READERS", "LOAD_MODULES",
    "RANDOM_DRAWS", "NUMPY_DRAWS", "PY_RANDOM_DRAWS", "RNG_FACTORIES", "RANDOM_STATE_CLASSES",
    "RANDOM_STATE_FUNCTIONS", "SEEDERS", "ROW_STATISTICS", "ROWWISE_STATISTICS", "DATASETS", "FRAME_DATASETS", "CONSTRUCT_FITS", "OBJECTIVE_RUNNERS", "RETURNS",
    "MONITOR_KEYWORDS", "EARLY_STOPPING_KEYWORDS", "EARLY_STOPPING_CALLBACKS", "SPLIT_METHODS", "DATA_KEYWORDS",
    "ROW_SUBSET_METHODS", "DATA_ATTRIBUTES", "COMPARATORS", "TARGET_ENCODERS", "ROW_CONTAINERS", "FORMULA_FUNCTIONS", "FORMULA_MODELS",
    "ML_ROOTS", "MODEL_NAME", "DATE_NAME",
    # names kept from nbpromote.lint._knowledge
    "STAT_TRANSFORMERS", "STAT_FUNCTIONS_AGG", "STAT_FUNCTIONS_ROWWISE", "STAT_METHODS",
    "IMPORT_DISTRIBUTIONS",
]

#: Import names whose PyPI distribution is named differently (``import cv2`` needs
#: ``pip install opencv-python``): export pins them, capture names them when a kernel lacks one.
IMPORT_DISTRIBUTIONS = {
    "sklearn": "scikit-learn", "PIL": "pillow", "yaml": "PyYAML", "cv2": "opencv-python",
    "bs4": "beautifulsoup4", "skimage": "scikit-image", "dateutil": "python-dateutil",
    "google": "protobuf", "attr": "attrs", "jwt": "PyJWT", "Crypto": "pycryptodome",
}

#: Every library table, by name.
LIBRARIES: dict[str, Library] = {lib.name: lib for lib in (
    SKLEARN, PANDAS, NUMPY, PY_RANDOM, SCIPY, IMBLEARN, KERAS, TORCH, XGBOOST, LIGHTGBM, CATBOOST,
    STATSMODELS, YELLOWBRICK, CATEGORY_ENCODERS, UMAP, SEABORN, GENSIM, H2O, LAZYPREDICT,
)}
_BY_ROOT = {root: lib for lib in LIBRARIES.values() for root in lib.roots}


def library_of(root: str) -> Library | None:
    """The table of the library imported as ``root`` (``"sklearn"``, ``"tensorflow"``), or None."""
    return _BY_ROOT.get(root)


def _union(attr: str, *only: str) -> frozenset[str]:
    libs = [LIBRARIES[n] for n in only] if only else list(LIBRARIES.values())
    return frozenset().union(*(getattr(lib, attr) for lib in libs))


MODELS = _union("models")
TRANSFORMERS = _union("transformers")
STATELESS = _union("stateless")
VOCABULARY = _union("vocabulary")
TARGET_ENCODERS = _union("target_encoders")
COLUMN_CHANGING = _union("column_changing")
OVERSAMPLERS = _union("oversamplers")
UNDERSAMPLERS = _union("undersamplers")
CLUSTERERS = _union("clusterers") - {"KElbowVisualizer", "SilhouetteVisualizer", "InterclusterDistance"}
SPLITTERS = _union("splitters")
SHUFFLING_SPLITTERS = _union("shuffling_splitters")
SEARCHES = _union("searches") | {"BayesSearchCV", "TuneSearchCV", "TuneGridSearchCV"}
PIPELINES = _union("pipelines")
WRAPPERS = _union("wrappers")
INCREMENTAL = _union("incremental")
FIT_METHODS = _union("fit_methods") - {"backward", "step"}
TRANSFORM_METHODS = _union("transform_methods")
PREDICT_METHODS = _union("predict_methods") - {"__call__", "forward"}
SCORE_METHODS = _union("score_methods") - {"validate", "test"}
#: Methods that apply a fitted model to data (predictions or a score): the evaluation methods.
EVAL_METHODS = PREDICT_METHODS | SCORE_METHODS
FIT_FUNCTIONS = _union("fit_functions")
METRICS = _union("metrics")
CLUSTER_METRICS = _union("cluster_metrics")
#: Everything that turns predictions (or a model and data) into a number: metrics, ``.score``-like
#: methods, cross-validation functions.
SCORERS = METRICS | SCORE_METHODS | _union("cv_functions")
CV_FUNCTIONS = _union("cv_functions")
SPLIT_FUNCTIONS = _union("split_functions")
#: Functions and classes that read data rows from a file or database.
READERS = _union("readers") - {"load"} | GENERIC_READERS
#: Everything that reads a file (data or a model): what capture and the pipeline runtime record.
FILE_READERS = READERS | {"load", "load_model", "open", "read_image"}
RANDOM_DRAWS = _union("random_draws")
NUMPY_DRAWS = NUMPY.random_draws
PY_RANDOM_DRAWS = PY_RANDOM.random_draws
RNG_FACTORIES = _union("rng_factories")
RANDOM_STATE_CLASSES = _union("random_state_classes")
RANDOM_STATE_FUNCTIONS = _union("random_state_functions") - {"train_test_split", "shuffle", "resample"} | {
    "resample"}
SEEDERS = _union("seeders")
ROW_STATISTICS = _union("row_statistics")
ROWWISE_STATISTICS = _union("rowwise_statistics")
DATASETS = _union("datasets")
#: Classes that train on the rows given to their constructor (gensim's ``Word2Vec(sentences)``).
CONSTRUCT_FITS = _union("construct_fits")
#: Frame methods returning disjoint random parts of the rows (``split_frame``).
SPLIT_METHODS = _union("split_methods")
#: Keywords naming a method's data when it is not the first argument (``training_frame=``).
DATA_KEYWORDS = _union("data_keywords")
#: Classes whose one ``fit(X_train, X_test, y_train, y_test)`` trains many models and scores each on the test pair.
COMPARATORS = _union("comparators")
#: Dataset loaders that return the frame itself (not a Bunch with ``.data``/``.target``).
FRAME_DATASETS = SEABORN.datasets
MONITOR_KEYWORDS = _union("monitor_keywords") | {"eval_data"}
EARLY_STOPPING_KEYWORDS = _union("early_stopping_keywords")
EARLY_STOPPING_CALLBACKS = _union("early_stopping_callbacks")
#: Calls returning several values, by name (the first table that names a call wins).
RETURNS: dict[str, Returns] = {}
for _lib in LIBRARIES.values():
    for _name, _returns in _lib.returns.items():
        RETURNS.setdefault(_name, _returns)


def signature(root: str, function: str) -> tuple[str, ...]:
    """Positional parameter names of ``root``'s ``function`` when the tables know them, else ()."""
    lib = _BY_ROOT.get(root)
    return lib.signatures.get(function, ()) if lib is not None else ()


def returns_count(name: str, true_keywords: set[str] | frozenset[str] = frozenset(), inputs: int = 1) -> int | None:
    """How many values ``name(...)`` returns when unpacked, or None when it is not a known multi-return."""
    returns = RETURNS.get(name)
    return None if returns is None else returns.count(set(true_keywords), inputs)


ML_ROOTS = frozenset(_BY_ROOT) - {"pandas", "numpy", "random", "scipy", "patsy", "seaborn"}
#: Class names that are models even when the tables do not list them (third-party estimators).
MODEL_NAME = re.compile(
    r"(Classifier|Regressor|Regression|SVC|SVR|NB|Forest|Boost|Tree|Lasso|Ridge|ElasticNet|Perceptron"
    r"|KNeighbors|Sequential|Booster|Estimator|Model)$"
)
DATE_NAME = re.compile(r"(^|_)(date|time|timestamp|datetime|dt|ts|day|month|year|week)s?($|_)", re.I)

# --- the names nbpromote.lint._knowledge had (stable for readers of the old module) -------------
STAT_TRANSFORMERS = TRANSFORMERS - {"ImageDataGenerator"}
STAT_FUNCTIONS_AGG = NUMPY.row_statistics | SCIPY.row_statistics - {"describe", "mode"}
STAT_FUNCTIONS_ROWWISE = SKLEARN.rowwise_statistics - {"normalize"} | SCIPY.rowwise_statistics | {"qcut"}
#: ``corr``/``corrwith`` count: a frame indexed by what a correlation chose (feature selection by
#: correlation with the target) has learned from every row the correlation saw.
STAT_METHODS = PANDAS.row_statistics - {"sum", "prod", "cov"} | {"corrwith"}
