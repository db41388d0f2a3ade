"""The validation gate: each check fires on bad data and stays quiet on good data; quarantine."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nbpromote.errors import MonitorError
from nbpromote.monitor import profile, validate_batch


@pytest.fixture
def prof(reference):
    return profile(reference, prediction="score")


def checks(report):
    return {(v.check, v.column) for v in report.violations}


def test_a_batch_from_the_same_population_passes(prof, same_population):
    report = validate_batch(prof, same_population)
    assert report.ok and report.violations == [] and report.accepted_rows == len(same_population)
    assert report.quarantine is None


def test_missing_feature_column_is_a_batch_error_but_missing_prediction_is_not(prof, same_population):
    report = validate_batch(prof, same_population.drop(columns=["x", "score"]))
    assert checks(report) == {("missing_column", "x")}
    assert not report.ok and report.violations[0].level == "batch"


def test_extra_column_is_an_error_unless_allowed(prof, same_population):
    batch = same_population.assign(new_feature=1)
    assert ("extra_column", "new_feature") in checks(validate_batch(prof, batch))
    relaxed = validate_batch(prof, batch, allow_extra=True)
    assert relaxed.ok and relaxed.violations[0].severity == "warning"


def test_text_in_a_numeric_column_is_a_type_error_with_examples(prof, same_population):
    batch = same_population.astype({"count": object})
    batch.loc[[3, 7], "count"] = ["three", "7 items"]
    report = validate_batch(prof, batch)
    (v,) = [v for v in report.violations if v.check == "type"]
    assert v.column == "count" and v.count == 2
    assert v.examples == [{"row": 3, "value": "three"}, {"row": 7, "value": "7 items"}]


def test_numeric_strings_in_a_numeric_column_are_accepted(prof, same_population):
    batch = same_population.astype({"count": str})
    assert validate_batch(prof, batch).ok


def test_out_of_range_respects_the_margin(prof, reference, same_population):
    top, span = reference["x"].max(), reference["x"].max() - reference["x"].min()
    inside = same_population.copy()
    inside.loc[0, "x"] = top + 0.24 * span
    assert validate_batch(prof, inside).ok
    outside = same_population.copy()
    outside.loc[0, "x"] = top + 0.26 * span
    report = validate_batch(prof, outside)
    (v,) = report.violations
    assert (v.check, v.column, v.count, v.examples[0]["row"]) == ("out_of_range", "x", 1, 0)
    assert validate_batch(prof, outside, range_margin=0.3).ok


def test_unseen_category_names_the_values(prof, same_population):
    batch = same_population.copy()
    batch.loc[[1, 2, 5], "colour"] = ["purple", "purple", "teal"]
    (v,) = validate_batch(prof, batch).violations
    assert v.check == "unseen_category" and v.count == 3
    assert "'purple' (2)" in v.message and "'teal' (1)" in v.message
    assert [e["row"] for e in v.examples] == [1, 2, 5]


def test_null_fraction_jump_is_a_batch_error_small_rise_a_warning(prof, same_population):
    jump = same_population.copy()
    jump.loc[: int(len(jump) * 0.3), "amount"] = np.nan
    (v,) = validate_batch(prof, jump).violations
    assert v.check == "null_fraction" and v.level == "batch" and v.severity == "error"
    few = same_population.copy()
    few.loc[:9, "amount"] = np.nan
    (w,) = validate_batch(prof, few).violations
    assert w.check == "unexpected_null" and w.severity == "warning"
    assert validate_batch(prof, few).ok


def test_infinity_where_the_reference_had_none(prof, same_population):
    batch = same_population.copy()
    batch.loc[4, "amount"] = np.inf
    assert checks(validate_batch(prof, batch)) == {("non_finite", "amount")}


def test_empty_batch_is_reported_not_crashed(prof, same_population):
    report = validate_batch(prof, same_population.iloc[0:0])
    assert checks(report) == {("empty_batch", None)} and not report.ok


def test_unparseable_dates_are_type_errors():
    ref = pd.DataFrame({"day": ["2024-01-01", "2024-02-01", "2024-03-01"]})
    batch = pd.DataFrame({"day": ["2025-01-01", "01/02/2025", "soon"]})
    (v,) = validate_batch(profile(ref), batch).violations
    assert v.check == "type" and v.count == 2


def test_batch_policy_quarantines_the_whole_batch_with_the_reason(tmp_path, prof, same_population):
    batch = same_population.copy()
    batch.loc[0, "colour"] = "purple"
    report = validate_batch(prof, batch, quarantine=tmp_path / "q", name="jan")
    q = report.quarantine
    assert q["rows"] == len(batch) and q["policy"] == "batch"
    assert len(pd.read_csv(q["path"], index_col=0)) == len(batch)
    reason = json.loads(open(q["reason_path"]).read())
    assert reason["violations"][0]["check"] == "unseen_category" and reason["source"] == "jan"
    assert report.accepted_rows == 0 and len(report.clean) == 0


def test_rows_policy_quarantines_only_the_bad_rows(tmp_path, prof, same_population):
    batch = same_population.copy()
    batch.loc[[10, 20], "colour"] = "purple"
    batch.loc[30, "x"] = 1e6
    report = validate_batch(prof, batch, quarantine=tmp_path, policy="rows")
    rejected = pd.read_csv(report.quarantine["path"], index_col=0)
    assert rejected.index.tolist() == [10, 20, 30]
    assert rejected.loc[30, "_nbpromote_reasons"] == "out_of_range:x"
    assert rejected.loc[10, "_nbpromote_reasons"] == "unseen_category:colour"
    assert report.accepted_rows == len(batch) - 3
    assert 10 not in report.clean.index and 11 in report.clean.index


def test_rows_policy_still_rejects_the_batch_on_a_batch_level_problem(tmp_path, prof, same_population):
    batch = same_population.drop(columns=["x"])
    batch.loc[0, "colour"] = "purple"
    report = validate_batch(prof, batch, quarantine=tmp_path, policy="rows")
    assert report.quarantine["rows"] == len(batch)
    assert "batch-level" in report.quarantine["reason"] and "missing_column:x" in report.quarantine["reason"]


def test_quarantine_file_name_is_deterministic(tmp_path, prof, same_population):
    batch = same_population.copy()
    batch.loc[0, "colour"] = "purple"
    first = validate_batch(prof, batch, quarantine=tmp_path)
    second = validate_batch(prof, batch, quarantine=tmp_path)
    assert first.quarantine["path"] == second.quarantine["path"]


def test_nothing_is_written_for_a_clean_batch(tmp_path, prof, same_population):
    validate_batch(prof, same_population, quarantine=tmp_path / "q")
    assert not (tmp_path / "q").exists()


def test_report_dict_is_json_and_versioned(prof, same_population):
    batch = same_population.copy()
    batch.loc[0, "x"] = np.inf
    document = json.loads(json.dumps(validate_batch(prof, batch).to_dict()))
    assert document["schema_version"] == 1 and document["ok"] is False
    assert document["violations"][0]["examples"] == [{"row": 0, "value": "inf"}]


@pytest.mark.parametrize("kwargs, fragment", [
    ({"policy": "some"}, "policy"),
    ({"range_margin": -1}, "range_margin"),
    ({"null_margin": float("nan")}, "null_margin"),
])
def test_bad_arguments(prof, same_population, kwargs, fragment):
    with pytest.raises(MonitorError, match=fragment):
        validate_batch(prof, same_population, **kwargs)


def test_duplicate_columns_in_the_batch_are_refused(prof, same_population):
    batch = pd.concat([same_population, same_population[["x"]]], axis=1)
    with pytest.raises(MonitorError, match="duplicate column names: x"):
        validate_batch(prof, batch)


def test_batch_must_be_a_frame(prof):
    with pytest.raises(MonitorError, match="DataFrame"):
        validate_batch(prof, [[1, 2]])


def test_profile_may_be_a_path(tmp_path, prof, same_population):
    prof.save(tmp_path / "p.json")
    assert validate_batch(tmp_path / "p.json", same_population).ok


def test_corrupted_credit_batch_fails_on_every_planted_problem(tmp_path, credit_paths):
    prof = profile(pd.read_csv(credit_paths["credit"]), target="default")
    batch = pd.read_csv(credit_paths["credit_corrupted"])
    report = validate_batch(prof, batch, quarantine=tmp_path, name="credit_corrupted")
    found = checks(report)
    assert {("missing_column", "num_open_accounts"), ("type", "loan_term_months"),
            ("out_of_range", "age"), ("null_fraction", "income")} <= found
    assert report.quarantine["rows"] == len(batch)


def test_clean_credit_sample_passes(credit_paths):
    df = pd.read_csv(credit_paths["credit"])
    prof = profile(df.iloc[:4000], target="default")
    report = validate_batch(prof, df.iloc[4000:])
    assert report.errors == [] or {v.check for v in report.errors} <= {"out_of_range"}
