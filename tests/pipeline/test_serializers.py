"""Artifact serializers: formats, determinism, version records, and what cannot be stored."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from nbpromote.capture.hashing import hash_value
from nbpromote.errors import SerializationError
from nbpromote.pipeline import (
    SERIALIZERS,
    ArtifactVersionWarning,
    Serializer,
    deserialize,
    register_serializer,
    serialize,
)


def roundtrip(value):
    serializer, data, digest, meta = serialize(value, stage="s", output="o")
    return serializer.name, deserialize(data, {**meta, "serializer": serializer.name, "hash": digest}), digest, data


def frame():
    return pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, np.nan], "c": ["x", "y", "z"],
                         "d": pd.Categorical(["u", "v", "u"])}, index=pd.Index([10, 20, 30], name="id"))


def test_dataframe_is_parquet_and_round_trips_with_content_hash():
    name, back, digest, _ = roundtrip(frame())
    assert name == "parquet"
    pd.testing.assert_frame_equal(back, frame())
    assert digest == hash_value(frame()) == hash_value(back)


def test_parquet_bytes_are_identical_across_writes():
    first = serialize(frame())[1]
    second = serialize(frame().copy())[1]
    assert first == second
    assert b"created_at" not in first


def test_series_keeps_its_name_and_values():
    series = pd.Series([1.0, 2.0], name="target", index=[5, 7])
    name, back, digest, _ = roundtrip(series)
    assert name == "parquet"
    assert back.name == "target"
    pd.testing.assert_series_equal(back, series)
    unnamed = roundtrip(pd.Series([1, 2]))[1]
    assert unnamed.name is None


def test_frame_parquet_cannot_roundtrip_falls_back_to_pickle():
    mixed = pd.DataFrame({"a": [1, "two", 3.0]}, dtype=object)
    name, back, _, _ = roundtrip(mixed)
    assert name == "pickle"
    pd.testing.assert_frame_equal(back, mixed)
    non_str_columns = pd.DataFrame({0: [1, 2]})
    assert roundtrip(non_str_columns)[0] == "pickle"


def test_arrays_are_npy_and_object_arrays_are_pickled():
    array = np.arange(12, dtype="float32").reshape(3, 4)
    name, back, digest, data = roundtrip(array)
    assert name == "npy" and data.startswith(b"\x93NUMPY")
    np.testing.assert_array_equal(back, array)
    assert digest == hash_value(array)
    assert roundtrip(np.array([{"a": 1}], dtype=object))[0] == "pickle"


def test_plain_values_are_canonical_json_numpy_scalars_included():
    metrics = {"b": np.float64(0.5), "a": 3, "nested": [True, None, "x"]}
    name, back, digest, data = roundtrip(metrics)
    assert name == "json"
    assert data == b'{"a":3,"b":0.5,"nested":[true,null,"x"]}'
    assert back == {"a": 3, "b": 0.5, "nested": [True, None, "x"]}
    assert serialize({"a": 3, "b": 0.5, "nested": [True, None, "x"]})[2] == digest


def test_values_json_would_change_are_not_json():
    # tuples would come back as lists, NaN as null, int keys as str: pickle keeps them exact
    for value in [(1, 2), {"x": float("nan")}, {1: "a"}]:
        name, back, _, _ = roundtrip(value)
        assert name == "pickle"
        assert back == value or (isinstance(back, dict) and np.isnan(back["x"]))


def test_sklearn_estimator_is_stored_in_skops_secure_format_with_library_versions():
    model = LogisticRegression().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    serializer, data, digest, meta = serialize(model)
    assert serializer.name == "skops" and meta["format"] == "skops"
    assert all(name.startswith(("sklearn.", "numpy.", "scipy.")) for name in meta["trusted"])
    import sklearn

    assert meta["versions"]["scikit-learn"] == sklearn.__version__
    assert "numpy" in meta["versions"]
    assert serialize(model)[2] == digest  # the id is deterministic
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = deserialize(data, {**meta, "serializer": serializer.name, "hash": digest})
    assert back.predict([[3.0]])[0] == 1


def test_an_estimator_holding_a_user_function_falls_back_to_pickle():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    model = make_pipeline(FunctionTransformer(_double), LogisticRegression())
    model.fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    serializer, data, digest, meta = serialize(model)
    assert serializer.name == "pickle" and meta["format"] == "pickle"
    import sklearn

    assert meta["versions"]["scikit-learn"] == sklearn.__version__
    assert serialize(model)[1] == data  # deterministic bytes
    back = deserialize(data, {**meta, "serializer": serializer.name, "hash": digest})
    assert list(back.predict([[0.0], [3.0]])) == list(model.predict([[0.0], [3.0]]))


def _double(x):
    return x * 2


def test_version_mismatch_warns_when_loading():
    model = LogisticRegression()
    serializer, data, digest, meta = serialize(model)
    assert serializer.name == "skops"
    meta["versions"]["scikit-learn"] = "0.0.1"
    with pytest.warns(ArtifactVersionWarning, match=r"scikit-learn 0\.0\.1.*is installed"):
        deserialize(data, {**meta, "serializer": serializer.name, "hash": digest})


@pytest.mark.parametrize("value, kind", [
    ((i for i in range(3)), "generator"),
    (threading.Lock(), "lock"),
])
def test_unserializable_value_names_stage_output_type_and_fix(value, kind):
    with pytest.raises(SerializationError) as info:
        serialize(value, stage="train", output="batches")
    message = str(info.value)
    assert "Stage 'train', output 'batches'" in message
    assert kind in message
    assert "register a serializer" in message
    assert info.value.stage == "train" and info.value.output == "batches"


class Point:
    def __init__(self, x):
        self.x = x


def test_register_a_serializer_before_pickle():
    def dump(value):
        data = str(value.x).encode()
        return data, f"xxh3_128:{'0' * 31}{value.x}", {}

    register_serializer(Serializer("point", ".pt", lambda v: isinstance(v, Point), dump,
                                   lambda data, meta: Point(int(data))), before="pickle")
    try:
        assert list(SERIALIZERS)[-3:] == ["point", "pickle", "cloudpickle"]
        name, back, _, _ = roundtrip(Point(7))
        assert name == "point" and back.x == 7
    finally:
        SERIALIZERS.pop("point")
    assert roundtrip(Point(7))[0] == "pickle"


def test_unknown_serializer_name_on_load_is_clear():
    with pytest.raises(SerializationError, match="No artifact serializer called 'feather'"):
        deserialize(b"", {"serializer": "feather"})


# --- artifact ids over a canonical form (DESIGN decision 1) ---------------------------------------
def _search_and_ensemble_estimators():
    from sklearn import ensemble, linear_model, model_selection, tree
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401 - registers Halving*

    def base():
        return tree.DecisionTreeClassifier(random_state=0)

    grid = {"max_depth": [2, 3]}
    return {
        "GridSearchCV": lambda: model_selection.GridSearchCV(base(), grid, cv=3),
        "RandomizedSearchCV": lambda: model_selection.RandomizedSearchCV(base(), grid, n_iter=2, cv=3, random_state=0),
        "HalvingGridSearchCV": lambda: model_selection.HalvingGridSearchCV(base(), grid, cv=3, random_state=0),
        "HalvingRandomSearchCV": lambda: model_selection.HalvingRandomSearchCV(
            base(), grid, n_candidates=2, cv=3, random_state=0),
        "RandomForestClassifier": lambda: ensemble.RandomForestClassifier(n_estimators=5, random_state=0),
        "ExtraTreesClassifier": lambda: ensemble.ExtraTreesClassifier(n_estimators=5, random_state=0),
        "GradientBoostingClassifier": lambda: ensemble.GradientBoostingClassifier(n_estimators=5, random_state=0),
        "HistGradientBoostingClassifier": lambda: ensemble.HistGradientBoostingClassifier(max_iter=5, random_state=0),
        "AdaBoostClassifier": lambda: ensemble.AdaBoostClassifier(n_estimators=5, random_state=0),
        "BaggingClassifier": lambda: ensemble.BaggingClassifier(n_estimators=5, random_state=0),
        "VotingClassifier": lambda: ensemble.VotingClassifier(
            [("tree", base()), ("lr", linear_model.LogisticRegression())]),
        "StackingClassifier": lambda: ensemble.StackingClassifier(
            [("tree", base())], final_estimator=linear_model.LogisticRegression()),
        "IsolationForest": lambda: ensemble.IsolationForest(n_estimators=5, random_state=0),
        "RandomTreesEmbedding": lambda: ensemble.RandomTreesEmbedding(n_estimators=5, random_state=0),
        "GridSearchCV(RandomForest)": lambda: model_selection.GridSearchCV(
            ensemble.RandomForestClassifier(n_estimators=3, random_state=0), {"max_depth": [2, 3]}, cv=2),
    }


@pytest.mark.parametrize("name", sorted(_search_and_ensemble_estimators()))
def test_two_fits_with_the_same_seed_give_the_same_artifact_id(name):
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    make = _search_and_ensemble_estimators()[name]
    first = serialize(make().fit(X, y))
    second = serialize(make().fit(X, y))
    assert first[2] == second[2], name
    if "Search" in name:
        # the stored bytes hold the wall-clock timings as they were: only the id leaves them out
        assert first[0].name == "pickle" or first[1] != second[1]


def test_the_timing_rule_is_documented_by_its_predicates():
    from nbpromote.pipeline._serializers import canonical_state, is_timing_field

    assert is_timing_field("refit_time_") and is_timing_field("fit_times_") and is_timing_field("elapsed_seconds_")
    assert not is_timing_field("max_time") and not is_timing_field("n_iter_") and not is_timing_field("timeout")
    state, changed = canonical_state({"refit_time_": 0.1, "cv_results_": {"mean_fit_time": [1], "params": [{}]},
                                      "classes_": [0, 1]})
    assert changed and state == {"cv_results_": {"params": [{}]}, "classes_": [0, 1]}


def test_a_cross_validate_result_has_an_id_without_its_timings():
    from sklearn.datasets import make_classification
    from sklearn.model_selection import cross_validate

    X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    first = cross_validate(LogisticRegression(), X, y, cv=3)
    second = cross_validate(LogisticRegression(), X, y, cv=3)
    second["fit_time"] = second["fit_time"] + 1.0
    assert serialize(first)[2] == serialize(second)[2]


@pytest.mark.parametrize("make", ["CountVectorizer", "TfidfVectorizer", "Pipeline(CountVectorizer, NB)"])
def test_text_vectorizers_have_one_id_whatever_address_their_stop_words_live_at(make):
    # Each vectorizer caches id(self.stop_words); two identical fits (here, two lists at two addresses)
    # must still give one id, as two processes fitting the same notebook do.
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.pipeline import make_pipeline

    texts, labels = ["free money now", "meeting at noon", "win money", "lunch at noon"], [1, 0, 1, 0]
    build = {"CountVectorizer": lambda: CountVectorizer(stop_words=["at"]),
             "TfidfVectorizer": lambda: TfidfVectorizer(stop_words=["at"]),
             "Pipeline(CountVectorizer, NB)": lambda: make_pipeline(CountVectorizer(stop_words=["at"]),
                                                                    MultinomialNB())}[make]
    first, second = build(), build()
    for model in (first, second):
        model.fit(texts, labels) if make.startswith("Pipeline") else model.fit(texts)
    assert serialize(first)[2] == serialize(second)[2]


def test_an_xgboost_dmatrix_is_stored_in_xgboosts_binary_buffer_and_round_trips():
    xgboost = pytest.importorskip("xgboost")
    X = np.arange(24, dtype=float).reshape(8, 3)
    matrix = xgboost.DMatrix(X, label=np.arange(8) % 2, feature_names=["a", "b", "c"])
    name, back, digest, data = roundtrip(matrix)
    assert name == "xgboost-dmatrix" and isinstance(back, xgboost.DMatrix)
    assert back.num_row() == 8 and back.feature_names == ["a", "b", "c"]
    assert list(back.get_label()) == [0, 1, 0, 1, 0, 1, 0, 1]
    again = xgboost.DMatrix(X, label=np.arange(8) % 2, feature_names=["a", "b", "c"])
    assert serialize(again)[2] == digest
