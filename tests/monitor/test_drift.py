"""Drift report: statuses from effect sizes, degenerate inputs, stored profile == raw frame."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nbpromote.errors import MonitorError
from nbpromote.monitor import Profile, Thresholds, drift_report, profile


def test_same_population_is_stable_everywhere(reference, same_population):
    report = drift_report(reference, same_population)
    assert {f.status for f in report.features.values()} == {"stable"}
    assert report.policy.retrain is False and report.policy.action == "none"


def test_a_real_shift_is_act_and_fires_the_retrain_policy(reference, same_population):
    shifted = same_population.assign(x=same_population["x"] + 1.0)
    report = drift_report(reference, shifted)
    x = report.features["x"]
    assert x.status == "act" and x.psi > 0.25 and any(r.startswith("psi") for r in x.reasons)
    assert report.policy.retrain and report.policy.triggers == ("drift",)
    assert report.policy.action == "retrain and propose a challenger"
    assert report.features["amount"].status == "stable"


def test_large_sample_trivial_shift_is_stable_even_though_the_pvalue_is_tiny(rng):
    ref = pd.DataFrame({"x": rng.normal(0, 1, 400_000)})
    cur = pd.DataFrame({"x": rng.normal(0.03, 1, 400_000)})
    x = drift_report(ref, cur).features["x"]
    assert x.ks.pvalue < 1e-6  # "significant"…
    assert x.psi < 0.01 and x.status == "stable"  # …but negligible, and the status says so


def test_categorical_drift_has_an_unseen_bin_and_chi_square(reference, same_population):
    cur = same_population.copy()
    cur.loc[: len(cur) // 2, "colour"] = "purple"
    c = drift_report(reference, cur).features["colour"]
    assert c.kind == "categorical" and c.ks is None and c.chi2.cramers_v > 0.3
    assert c.histogram["bins"][-1] == "(unseen)" and c.histogram["reference"][-1] == 0.0
    assert c.status == "act"


def test_an_all_null_current_column_is_act_not_stable(reference, same_population):
    cur = same_population.assign(amount=np.nan)
    amount = drift_report(reference, cur).features["amount"]
    assert amount.status == "act"
    assert amount.histogram["bins"][-1] == "(missing)" and amount.histogram["current"][-1] == 1.0
    assert amount.ks is None and "no finite values" in " ".join(amount.notes)


def test_all_null_on_both_sides_is_stable_and_documented():
    ref = pd.DataFrame({"a": [np.nan] * 10, "b": range(10)})
    cur = pd.DataFrame({"a": [np.nan] * 5, "b": range(5)})
    a = drift_report(ref, cur).features["a"]
    assert a.psi == 0.0 and a.status == "stable" and "no finite values" in a.notes[0]


def test_values_appearing_in_a_reference_all_null_column_are_drift():
    ref = pd.DataFrame({"a": [np.nan] * 10, "b": range(10)})
    cur = pd.DataFrame({"a": [1.0] * 10, "b": range(10)})
    assert drift_report(ref, cur).features["a"].status == "act"


def test_constant_reference_column_detects_a_change():
    ref = pd.DataFrame({"c": [1.0] * 500})
    same = drift_report(ref, pd.DataFrame({"c": [1.0] * 300})).features["c"]
    assert same.status == "stable" and same.histogram["bins"] == ["< 1", "= 1", "> 1"]
    moved = drift_report(ref, pd.DataFrame({"c": [1.0] * 150 + [2.0] * 150})).features["c"]
    assert moved.status == "act"


def test_one_row_reference_gives_a_result_with_a_note_not_a_crash():
    report = drift_report(pd.DataFrame({"x": [1.0]}), pd.DataFrame({"x": [1.0, 2.0, 3.0]}))
    x = report.features["x"]
    assert x.status == "act" and np.isfinite(x.psi)
    assert any("noisy" in note for note in x.notes)


def test_infinities_count_as_missing():
    ref = pd.DataFrame({"x": np.arange(100.0)})
    cur = pd.DataFrame({"x": np.r_[np.arange(50.0), [np.inf] * 50]})
    x = drift_report(ref, cur).features["x"]
    assert x.current_missing == 0.5 and x.status == "act"


def test_mixed_type_object_column_is_compared_by_text():
    ref = pd.DataFrame({"m": pd.Series(["a", 1, "b", 2] * 25, dtype=object)})
    cur = pd.DataFrame({"m": pd.Series(["a", "1", "b", 2.0] * 25, dtype=object)})
    m = drift_report(ref, cur).features["m"]
    assert m.psi == 0.0 and any("mixed" in note for note in m.notes)


def test_mismatched_columns_are_skipped_and_reported(reference, same_population):
    report = drift_report(reference, same_population.drop(columns=["x"]).assign(extra=1))
    assert report.skipped == {"x": "missing from the current batch"}
    assert "x" not in report.features
    assert {("missing_column", "x"), ("extra_column", "extra")} <= {
        (v.check, v.column) for v in report.validation.violations}


def test_no_common_column_is_an_error(reference):
    with pytest.raises(MonitorError, match="shares no column"):
        drift_report(reference, pd.DataFrame({"other": [1, 2]}))


def test_empty_frames_are_errors(reference):
    with pytest.raises(MonitorError, match="no rows"):
        drift_report(reference, reference.iloc[0:0])
    with pytest.raises(MonitorError, match="no rows"):
        drift_report(reference.iloc[0:0], reference)


def test_stored_profile_and_raw_frame_give_identical_reports(tmp_path, reference, same_population):
    cur = same_population.assign(x=same_population["x"] * 1.3)
    prof = profile(reference)
    prof.save(tmp_path / "p.json")
    from_json = drift_report(Profile.load(tmp_path / "p.json"), cur).to_dict()
    from_frame = drift_report(reference, cur).to_dict()
    assert from_json["features"] == from_frame["features"]
    assert from_json["policy"] == from_frame["policy"]


def test_prediction_drift_is_reported_separately(reference, same_population):
    cur = same_population.assign(score=np.clip(same_population["score"] + 0.4, 0, 1))
    report = drift_report(reference, cur, prediction="score")
    assert "score" not in report.features
    assert report.prediction.status == "act" and report.prediction.role == "prediction"
    assert report.policy.retrain and "prediction:score" in report.policy.reasons[0]


def test_target_name_must_agree_with_a_stored_profile(reference, same_population):
    prof = profile(reference, target="flag")
    with pytest.raises(MonitorError, match="profile's target column is 'flag'"):
        drift_report(prof, same_population, target="count")
    with pytest.raises(MonitorError, match="has no prediction column"):
        drift_report(prof, same_population, prediction="score")


def test_rethreshold_recolours_without_recomputing(reference, same_population):
    cur = same_population.assign(x=same_population["x"] + 0.5)
    report = drift_report(reference, cur)
    psi_x = report.features["x"].psi
    lenient = report.rethreshold({"psi_watch": 1.0, "psi_act": 2.0, "ks_act": 1.0, "js_act": 1.0,
                                  "ks_watch": 1.0, "js_watch": 1.0})
    assert lenient.features["x"].psi == psi_x and lenient.features["x"].status == "stable"
    assert not lenient.policy.retrain
    strict = report.rethreshold(Thresholds(psi_watch=0.0001, psi_act=0.001))
    assert strict.features["x"].status == "act" and strict.policy.retrain


def test_thresholds_change_statuses(reference, same_population):
    cur = same_population.assign(x=same_population["x"] + 0.5)
    assert drift_report(reference, cur).features["x"].status != "stable"
    relaxed = drift_report(reference, cur, thresholds={"psi_watch": 5, "psi_act": 9, "ks_watch": 5,
                                                       "ks_act": 9, "js_watch": 5, "js_act": 9})
    assert relaxed.features["x"].status == "stable"


def test_to_dict_follows_the_json_contract(reference, same_population):
    document = json.loads(json.dumps(drift_report(reference, same_population,
                                                  prediction="score").to_dict()))
    assert document["schema_version"] == 1
    assert set(document) >= {"features", "prediction", "policy"}
    for feature in document["features"].values():
        assert set(feature) >= {"kind", "psi", "ks", "chi2", "js", "status"}
        assert feature["status"] in ("stable", "watch", "act")
    assert document["features"]["x"]["ks"]["statistic"] >= 0
    assert document["features"]["colour"]["chi2"]["dof"] == 2
    assert set(document["policy"]) >= {"retrain", "triggers"}
    assert document["prediction"]["column"] == "score"


def test_report_is_deterministic(reference, same_population):
    a = drift_report(reference, same_population).to_dict()
    b = drift_report(reference.copy(), same_population.copy()).to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_performance_and_staleness_reach_the_policy(reference, same_population):
    report = drift_report(reference, same_population, model_age=400, max_age=365,
                          performance=True)
    assert report.policy.triggers == ("performance", "staleness")


def test_credit_drifted_batch(credit_paths):
    report = drift_report(credit_paths["credit"], credit_paths["credit_drifted"], target="default")
    statuses = {name: f.status for name, f in report.features.items()}
    assert statuses["loan_purpose"] == "act" and statuses["debt_to_income"] == "act"
    assert statuses["region"] in ("watch", "act")
    assert statuses["age"] == statuses["sex"] == "stable"
    assert set(report.skipped) == {"customer_id", "application_date"}
    assert report.policy.retrain
    assert ("unseen_category", "loan_purpose") in {(v.check, v.column)
                                                   for v in report.validation.errors}


def test_credit_reference_against_itself_is_stable(credit_paths):
    report = drift_report(credit_paths["credit"], credit_paths["credit"])
    assert all(f.psi == 0.0 for f in report.features.values())
    assert not report.policy.retrain and report.validation.ok


def test_drift_on_a_batch_that_failed_validation_says_fix_the_data_first(credit_paths):
    report = drift_report(credit_paths["credit"], credit_paths["credit_corrupted"])
    assert not report.validation.ok
    assert "fix the data before acting on its drift" in report.policy.reasons[-1]
    assert "num_open_accounts" in report.skipped


def test_psi_noise_floor_matches_psi_between_two_samples_of_one_distribution():
    from nbpromote.monitor._drift import psi_noise_floor
    from nbpromote.monitor._stats import psi

    rng = np.random.default_rng(7)
    probabilities = np.full(10, 0.1)
    observed = [psi(rng.multinomial(200, probabilities), rng.multinomial(2000, probabilities))
                for _ in range(400)]
    floor = psi_noise_floor(np.full(10, 20), np.full(10, 200))
    assert floor == pytest.approx(9 * (1 / 200 + 1 / 2000))
    assert np.mean(observed) == pytest.approx(floor, rel=0.15)


def test_a_small_reference_gets_a_noise_note_and_a_large_one_does_not(rng):
    population = pd.DataFrame({"x": rng.normal(size=6000)})
    small = drift_report(population.iloc[:80], population.iloc[1000:])
    large = drift_report(population.iloc[:4000], population.iloc[4000:])
    assert any("with no drift at all" in note for note in small.features["x"].notes)
    assert not any("with no drift at all" in note for note in large.features["x"].notes)
