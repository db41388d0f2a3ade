"""The library tables: their shape, a few semantics, and (where the library is installed here) that
the names they list exist. TensorFlow and PyTorch are checked statically: CI does not install them."""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys

import pytest

from nbpromote import knowledge as K
from nbpromote.knowledge import Library, Returns


def test_knowledge_imports_nothing_heavy():
    # capture's post-run hook and exported pipelines read the tables: they must cost nothing to import.
    code = ("import sys, nbpromote.knowledge; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'nbformat', 'pandas', 'numpy', 'sklearn', "
            "'IPython', 'nbpromote.lint'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("name", sorted(K.LIBRARIES))
def test_every_table_is_well_formed(name):
    lib = K.LIBRARIES[name]
    assert isinstance(lib, Library) and lib.name == name and lib.roots
    for f in dataclasses.fields(Library):
        value = getattr(lib, f.name)
        if f.name == "returns":
            assert all(isinstance(k, str) and isinstance(v, Returns) and v.arity >= 1 for k, v in value.items())
        elif f.name == "signatures":
            assert all(k in lib.fit_functions and v and all(p.isidentifier() for p in v) for k, v in value.items())
        elif f.name not in {"name", "roots"}:
            assert isinstance(value, frozenset), f.name
            assert all(isinstance(v, str) and v.isidentifier() for v in value), f.name
    # A class is either a model, a stateful transformer or stateless — never two of them.
    assert not lib.models & lib.transformers
    assert not lib.transformers & lib.stateless


def test_native_boosting_train_reads_the_watch_list_by_position():
    assert K.signature("xgboost", "train")[3] == "evals"
    assert K.signature("lightgbm", "train")[3] == "valid_sets"
    assert K.signature("sklearn", "train") == () and K.signature("nosuchlib", "train") == ()


def test_the_libraries_the_issue_names_each_have_a_table():
    for root in ["sklearn", "pandas", "numpy", "scipy", "imblearn", "keras", "tensorflow", "torch", "xgboost",
                 "lightgbm", "catboost", "statsmodels", "patsy", "yellowbrick"]:
        assert K.library_of(root) is not None, root


def test_semantics():
    assert {"StandardScaler", "SimpleImputer", "TfidfVectorizer", "Tokenizer"} <= K.TRANSFORMERS
    assert "LabelEncoder" in K.STATELESS and "LabelEncoder" not in K.TRANSFORMERS
    assert {"SMOTE", "ADASYN"} <= K.OVERSAMPLERS
    assert {"KMeans", "DBSCAN"} <= K.CLUSTERERS
    assert {"accuracy_score", "roc_auc_score", "mean_squared_error", "r2_score"} <= K.METRICS
    assert "silhouette_score" in K.CLUSTER_METRICS and "silhouette_score" not in K.METRICS
    assert {"score", "evaluate"} <= K.SCORE_METHODS and {"predict", "predict_proba"} <= K.PREDICT_METHODS
    assert {"cross_val_score", "cross_validate"} <= K.CV_FUNCTIONS <= K.SCORERS
    assert "ShuffleSplit" in K.SHUFFLING_SPLITTERS and "KFold" not in K.SHUFFLING_SPLITTERS
    assert "fit_on_texts" in K.LIBRARIES["keras"].fit_methods
    assert {"Sequential", "Model"} <= K.INCREMENTAL and "LogisticRegression" not in K.INCREMENTAL
    assert "ConfusionMatrix" in K.WRAPPERS and "ConfusionMatrix" not in K.MODELS
    assert {"eval_set", "evals", "valid_sets", "validation_data"} <= K.MONITOR_KEYWORDS
    assert "early_stopping_rounds" in K.EARLY_STOPPING_KEYWORDS and "EarlyStopping" in K.EARLY_STOPPING_CALLBACKS
    assert {"read_csv", "read_parquet", "loadtxt", "loadmat"} <= K.READERS
    assert "load" not in K.READERS and "load" in K.FILE_READERS  # json.load(f) reads a handle, not a path
    assert {"rand", "normal", "choice"} <= K.NUMPY_DRAWS and {"default_rng", "RandomState"} <= K.RNG_FACTORIES
    assert "RandomForestClassifier" in K.RANDOM_STATE_CLASSES and "LinearRegression" not in K.RANDOM_STATE_CLASSES
    assert {"ols", "OLS", "Logit"} <= K.MODELS and "dmatrices" in K.FORMULA_FUNCTIONS
    assert "train" in K.LIBRARIES["xgboost"].fit_functions


def test_multi_value_returns_have_their_arity():
    assert K.returns_count("make_regression") == 2
    assert K.returns_count("make_regression", {"coef"}) == 3
    assert K.returns_count("make_blobs", {"return_centers"}) == 3
    assert K.returns_count("train_test_split", inputs=2) == 4
    assert K.returns_count("train_test_split", inputs=3) == 6
    assert K.returns_count("dmatrices") == 2
    assert K.returns_count("fit_resample") == 2
    assert K.returns_count("unique", {"return_counts"}) == 2
    assert K.returns_count("read_csv") is None


def _installed(module: str):
    try:
        return importlib.import_module(module)
    except Exception:  # noqa: BLE001 - a missing or broken optional library only skips its check
        return None


def _exists(names: frozenset, modules: list[str]) -> list[str]:
    loaded = [m for m in (_installed(name) for name in modules) if m is not None]
    if not loaded:
        pytest.skip(f"none of {modules} installed")
    return sorted(n for n in names if not any(hasattr(m, n) for m in loaded))


def test_sklearn_names_exist():
    pytest.importorskip("sklearn")
    lib = K.LIBRARIES["sklearn"]
    modules = ["sklearn." + m for m in (
        "preprocessing", "impute", "decomposition", "manifold", "discriminant_analysis", "feature_selection",
        "feature_extraction.text", "feature_extraction", "cluster", "mixture", "linear_model", "svm",
        "neighbors", "naive_bayes", "tree", "ensemble", "neural_network", "gaussian_process", "kernel_ridge",
        "calibration", "multiclass", "multioutput", "compose", "dummy", "isotonic", "semi_supervised",
        "covariance", "model_selection", "metrics", "pipeline", "datasets", "kernel_approximation",
        "random_projection", "utils", "inspection")]
    import sklearn.experimental.enable_halving_search_cv  # noqa: F401
    import sklearn.experimental.enable_iterative_imputer  # noqa: F401
    missing = _exists(lib.models | lib.transformers | lib.stateless | lib.clusterers | lib.splitters
                      | lib.searches | lib.pipelines | lib.metrics | lib.cluster_metrics | lib.cv_functions
                      | lib.split_functions | lib.datasets | lib.rowwise_statistics, modules)
    # Names of recent releases may be absent from an older sklearn.
    assert set(missing) <= {"TargetEncoder", "HDBSCAN", "root_mean_squared_error", "root_mean_squared_log_error",
                            "d2_absolute_error_score", "BisectingKMeans", "MiniBatchNMF", "StratifiedGroupKFold"}


def test_imblearn_names_exist():
    lib = K.LIBRARIES["imblearn"]
    missing = _exists(lib.oversamplers | lib.undersamplers | lib.models | lib.pipelines | lib.metrics,
                      ["imblearn.over_sampling", "imblearn.under_sampling", "imblearn.combine",
                       "imblearn.ensemble", "imblearn.pipeline", "imblearn.metrics"])
    assert missing == []


def test_boosting_names_exist():
    for name, module in [("xgboost", "xgboost"), ("lightgbm", "lightgbm")]:
        lib = K.LIBRARIES[name]
        if _installed(module) is None:
            continue
        assert _exists(lib.models | lib.fit_functions | lib.datasets, [module]) == []


def test_statsmodels_names_exist():
    lib = K.LIBRARIES["statsmodels"]
    missing = _exists(lib.models, ["statsmodels.api", "statsmodels.formula.api", "statsmodels.tsa.api"])
    assert missing == []
    patsy = pytest.importorskip("patsy")
    assert all(hasattr(patsy, n) for n in K.FORMULA_FUNCTIONS)


def test_heavy_libraries_are_described_without_importing_them():
    keras, torch = K.LIBRARIES["keras"], K.LIBRARIES["torch"]
    assert {"fit", "fit_on_texts"} <= keras.fit_methods and "evaluate" in keras.score_methods
    assert {"tensorflow", "keras"} <= keras.roots
    assert {"backward", "step"} <= torch.fit_methods and "DataLoader" in K.ROW_CONTAINERS
    assert "manual_seed" in torch.seeders


def test_gensim_models_train_on_the_corpus_given_to_their_constructor():
    gensim = K.library_of("gensim")
    assert gensim is not None and {"Word2Vec", "Doc2Vec", "TfidfModel"} <= K.CONSTRUCT_FITS
    assert {"build_vocab", "train"} <= gensim.fit_methods and "infer_vector" in K.TRANSFORM_METHODS
    assert "Dictionary" in K.VOCABULARY  # which tokens occur: a vocabulary, not a statistic of values
    assert K.library_of("seaborn") is not None and "load_dataset" in K.FRAME_DATASETS


def test_h2o_trains_on_the_frame_named_by_keyword_and_splits_frames():
    h2o = K.library_of("h2o")
    assert h2o is not None and "H2OGradientBoostingEstimator" in K.MODELS and "train" in K.FIT_METHODS
    assert {"training_frame", "test_data"} <= K.DATA_KEYWORDS and "split_frame" in K.SPLIT_METHODS
    assert "validation_frame" in K.MONITOR_KEYWORDS and "stopping_rounds" in K.EARLY_STOPPING_KEYWORDS
    assert "import_file" in K.READERS and "model_performance" in K.SCORE_METHODS


def test_optimisers_that_run_a_notebook_objective_per_trial():
    assert {"optimize", "fmin", "gp_minimize"} <= K.OBJECTIVE_RUNNERS


def test_lazypredict_compares_many_models_in_one_fit():
    lazy = K.library_of("lazypredict")
    assert lazy is not None and {"LazyClassifier", "LazyRegressor"} <= K.COMPARATORS <= K.MODELS
    assert "lazypredict" in K.ML_ROOTS
