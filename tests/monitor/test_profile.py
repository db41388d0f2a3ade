"""The reference profile: content, size, determinism, persistence and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nbpromote.errors import ManifestError, MonitorError, OutputExistsError
from nbpromote.monitor import PROFILE_SCHEMA_VERSION, Profile, profile


def test_numeric_column_holds_range_moments_and_both_histograms(reference):
    col = profile(reference).columns["x"]
    assert col["kind"] == "numeric" and col["role"] == "feature" and col["dtype"] == "float64"
    assert col["min"] == reference["x"].min() and col["max"] == reference["x"].max()
    assert col["mean"] == pytest.approx(reference["x"].mean())
    assert col["std"] == pytest.approx(reference["x"].std())
    assert len(col["bins"]["edges"]) == 11 and sum(col["bins"]["counts"]) == 2000
    assert col["bins"]["counts"][0] == 0  # nothing below the reference's own minimum
    assert len(col["grid"]["edges"]) == 101 and sum(col["grid"]["counts"]) == 2000
    deciles = np.quantile(reference["x"], np.linspace(0, 1, 11), method="lower")
    assert np.allclose(col["bins"]["edges"], deciles)


def test_categorical_column_holds_category_counts_most_frequent_first(reference):
    col = profile(reference).columns["colour"]
    assert col["kind"] == "categorical"
    assert col["categories"] == reference["colour"].value_counts().to_dict()
    assert col["truncated"] is False and col["other_count"] == 0


def test_roles_for_target_and_prediction(reference):
    prof = profile(reference, target="flag", prediction="score")
    assert prof.columns["flag"]["role"] == "target"
    assert prof.columns["score"]["role"] == "prediction"
    assert "flag" not in prof.features and "x" in prof.features


def test_profile_is_kilobytes_whatever_the_row_count(rng):
    big = pd.DataFrame({f"x{i}": rng.normal(size=200_000) for i in range(5)})
    text = profile(big).to_json()
    assert len(text) < 40_000  # 5 numeric columns, 200k rows each


def test_same_data_gives_byte_identical_json(reference):
    assert profile(reference).to_json() == profile(reference.copy()).to_json()


def test_save_load_round_trip(tmp_path, reference):
    prof = profile(reference, target="flag")
    path = prof.save(tmp_path / "profile.json")
    loaded = Profile.load(path)
    assert loaded == prof
    assert json.loads(path.read_text())["schema_version"] == PROFILE_SCHEMA_VERSION


def test_save_never_overwrites_other_content_without_force(tmp_path, reference):
    path = tmp_path / "profile.json"
    profile(reference).save(path)
    profile(reference).save(path)  # identical content: a no-op, no error
    other = profile(reference.head(100))
    with pytest.raises(OutputExistsError, match="force"):
        other.save(path)
    other.save(path, force=True)
    assert Profile.load(path).rows == 100


@pytest.mark.parametrize("document, fragment", [
    ({"kind": "something else"}, "not an nbpromote profile"),
    ({"kind": "nbpromote.profile", "schema_version": 99}, "Upgrade nbpromote"),
    ({"kind": "nbpromote.profile", "schema_version": 1, "columns": {"a": {}},
      "column_order": ["a"], "rows": 1, "bins": 10}, r"must contain \['grid_size'\]"),
    ({"kind": "nbpromote.profile", "schema_version": 1, "columns": {}, "column_order": ["a"],
      "rows": 1, "bins": 10, "grid_size": 100}, "do not match"),
])
def test_load_rejects_documents_that_are_not_profiles(tmp_path, document, fragment):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ManifestError, match=fragment):
        Profile.load(path)


def test_load_names_the_bad_field_of_a_damaged_profile(tmp_path, reference):
    document = profile(reference).to_dict()
    document["columns"]["x"]["bins"]["counts"][3] = -1
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ManifestError, match="columns/x/bins"):
        Profile.load(path)


def test_load_of_invalid_json_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ManifestError, match="broken.json"):
        Profile.load(path)


@pytest.mark.parametrize("frame, fragment", [
    (pd.DataFrame(), "no columns"),
    (pd.DataFrame({"a": []}), "no rows"),
    (pd.DataFrame([[1, 2]], columns=["a", "a"]), "duplicate column"),
])
def test_unusable_frames_are_refused(frame, fragment):
    with pytest.raises(MonitorError, match=fragment):
        profile(frame)


def test_not_a_frame_is_refused():
    with pytest.raises(MonitorError, match="DataFrame"):
        profile([1, 2, 3])


@pytest.mark.parametrize("kwargs, fragment", [
    ({"bins": 1}, "bins"),
    ({"bins": 101}, "bins"),
    ({"bins": 2.5}, "bins"),
    ({"target": "nope"}, "target column 'nope'"),
    ({"prediction": "nope"}, "prediction column 'nope'"),
    ({"kinds": {"x": "vector"}}, "kinds"),
])
def test_bad_arguments_are_refused(reference, kwargs, fragment):
    with pytest.raises(MonitorError, match=fragment):
        profile(reference, **kwargs)


def test_all_null_column_is_profiled_without_bins():
    prof = profile(pd.DataFrame({"a": [np.nan] * 4, "b": [None] * 4, "c": [1, 2, 3, 4]}))
    a = prof.columns["a"]
    assert a["null_fraction"] == 1.0 and a["bins"] is None and a["min"] is None
    assert prof.columns["b"]["null_fraction"] == 1.0


def test_constant_column_has_a_single_edge_and_is_flagged():
    col = profile(pd.DataFrame({"c": [5.0] * 50})).columns["c"]
    assert col["constant"] is True
    assert col["bins"]["edges"] == [5.0] and col["bins"]["counts"] == [0, 50, 0]


def test_one_row_reference_is_a_documented_degenerate_profile():
    col = profile(pd.DataFrame({"x": [3.5], "c": ["a"]})).columns["x"]
    assert col["constant"] is True and col["std"] == 0.0 and col["bins"]["edges"] == [3.5]


def test_infinities_are_counted_not_profiled():
    col = profile(pd.DataFrame({"x": [1.0, np.inf, 2.0, -np.inf]})).columns["x"]
    assert col["nonfinite_count"] == 2 and col["max"] == 2.0 and col["mean"] == 1.5


def test_mixed_type_object_column_is_categorical_and_flagged():
    col = profile(pd.DataFrame({"m": pd.Series([1, "a", 2.5, "a"], dtype=object)})).columns["m"]
    assert col["kind"] == "categorical" and col["mixed_types"] is True
    assert col["categories"] == {"a": 2, "1": 1, "2.5": 1}


def test_high_cardinality_categories_are_truncated_with_the_rest_summed():
    values = [f"c{i % 30}" for i in range(600)]
    col = profile(pd.DataFrame({"c": values}), max_categories=10).columns["c"]
    assert len(col["categories"]) == 10 and col["truncated"] is True
    assert col["other_count"] == 600 - sum(col["categories"].values())


def test_kinds_override_treats_integer_codes_as_categories():
    prof = profile(pd.DataFrame({"zip": [1000, 2000, 1000]}), kinds={"zip": "categorical"})
    assert prof.columns["zip"]["categories"] == {"1000": 2, "2000": 1}


def test_credit_data_profile(credit_paths):
    df = pd.read_csv(credit_paths["credit"])
    prof = profile(df, target="default")
    kinds = {name: col["kind"] for name, col in prof.columns.items()}
    assert kinds["customer_id"] == "identifier"
    assert kinds["application_date"] == "datetime"
    assert kinds["income"] == "numeric" and kinds["region"] == "categorical"
    assert prof.columns["income"]["null_fraction"] == pytest.approx(0.03)
    assert len(prof.to_json()) < 20_000
