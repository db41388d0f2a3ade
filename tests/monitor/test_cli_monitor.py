"""`nbpromote monitor | profile | validate`: exit codes, JSON on stdout, files written."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nbpromote.cli import main


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.fixture
def files(tmp_path, reference, same_population):
    ref = tmp_path / "ref.csv"
    same = tmp_path / "same.parquet"
    shifted = tmp_path / "shifted.csv"
    reference.to_csv(ref, index=False)
    same_population.to_parquet(same)
    same_population.assign(x=same_population["x"] + 1.0).to_csv(shifted, index=False)
    return {"ref": ref, "same": same, "shifted": shifted, "dir": tmp_path}


def test_monitor_exit_0_when_stable_and_1_when_the_policy_says_retrain(files, capsys):
    code, out, _ = run(["monitor", str(files["ref"]), str(files["same"])], capsys)
    assert code == 0 and "policy: no retrain" in out
    code, out, _ = run(["monitor", str(files["ref"]), str(files["shifted"])], capsys)
    assert code == 1 and "policy: RETRAIN" in out


def test_monitor_json_is_one_document_matching_the_python_api(files, capsys):
    from nbpromote.monitor import drift_report

    code, out, _ = run(["monitor", str(files["ref"]), str(files["shifted"]), "--format", "json"],
                       capsys)
    document = json.loads(out)
    expected = json.loads(json.dumps(drift_report(files["ref"], files["shifted"]).to_dict()))
    assert code == 1 and document["features"] == expected["features"]
    assert document["policy"]["retrain"] is True and document["policy"]["triggers"] == ["drift"]
    code2, out2, _ = run(["monitor", str(files["ref"]), str(files["shifted"]), "--json"], capsys)
    assert json.loads(out2) == document


def test_monitor_against_a_stored_profile_agrees_with_raw_reference(files, capsys):
    profile_path = files["dir"] / "ref.profile.json"
    code, _, _ = run(["profile", str(files["ref"]), "-o", str(profile_path)], capsys)
    assert code == 0 and profile_path.is_file()
    _, from_profile, _ = run(["monitor", str(profile_path), str(files["shifted"]), "--json"], capsys)
    _, from_data, _ = run(["monitor", str(files["ref"]), str(files["shifted"]), "--json"], capsys)
    assert json.loads(from_profile)["features"] == json.loads(from_data)["features"]


def test_monitor_html_to_a_file_and_no_overwrite_without_force(files, capsys):
    page = files["dir"] / "report.html"
    code, out, err = run(["monitor", str(files["ref"]), str(files["shifted"]), "--format", "html",
                          "-o", str(page)], capsys)
    assert code == 1 and out == "" and "wrote HTML report" in err
    assert page.read_text().startswith("<!DOCTYPE html>")
    code, _, err = run(["monitor", str(files["ref"]), str(files["shifted"]), "--format", "html",
                        "-o", str(page)], capsys)
    assert code == 2 and "--force" in err
    code, _, _ = run(["monitor", str(files["ref"]), str(files["shifted"]), "--format", "html",
                      "-o", str(page), "--force"], capsys)
    assert code == 1


def test_monitor_prometheus_and_thresholds(files, capsys):
    code, out, _ = run(["monitor", str(files["ref"]), str(files["shifted"]), "--format",
                        "prometheus", "--psi-watch", "5", "--psi-act", "9"], capsys)
    assert "# TYPE nbpromote_drift_psi gauge" in out


def test_monitor_staleness_option(files, capsys):
    code, out, _ = run(["monitor", str(files["ref"]), str(files["same"]), "--model-age-days", "400",
                        "--max-age-days", "365"], capsys)
    assert code == 1 and "staleness" in out


@pytest.mark.parametrize("make_args, fragment", [
    (lambda f: ["monitor", str(f["dir"] / "nope.csv"), str(f["same"])], "does not exist"),
    (lambda f: ["monitor", str(f["ref"]), str(f["dir"] / "data.xlsx")], "unsupported file type"),
    (lambda f: ["monitor", str(f["ref"]), str(f["ref"]), "--format", "xml"], "xml"),
    (lambda f: ["validate", str(f["dir"] / "broken.json"), str(f["same"])], "not valid JSON"),
])
def test_bad_input_exits_2_with_one_line(files, capsys, make_args, fragment):
    (files["dir"] / "broken.json").write_text("{")
    code, _, err = run(make_args(files), capsys)
    assert code == 2 and fragment in err and "Traceback" not in err


def test_empty_csv_is_a_clear_error(files, capsys):
    empty = files["dir"] / "empty.csv"
    empty.write_text("")
    code, _, err = run(["monitor", str(files["ref"]), str(empty)], capsys)
    assert code == 2 and "empty" in err


def test_profile_defaults_beside_the_data_and_json_output(files, capsys):
    code, out, _ = run(["profile", str(files["ref"]), "--target", "flag", "--json"], capsys)
    document = json.loads(out)
    assert code == 0 and document["columns"]["flag"] == "numeric"
    assert document["profile"].endswith("ref.profile.json") and document["bytes"] < 30_000


def test_validate_exit_codes_and_quarantine(files, capsys, same_population):
    bad = files["dir"] / "bad.csv"
    frame = same_population.copy()
    frame.loc[0, "colour"] = "purple"
    frame.to_csv(bad, index=False)
    code, out, _ = run(["validate", str(files["ref"]), str(files["same"])], capsys)
    assert code == 0 and ": ok" in out
    qdir = files["dir"] / "quarantine"
    code, out, _ = run(["validate", str(files["ref"]), str(bad), "--quarantine", str(qdir),
                        "--policy", "rows", "--json"], capsys)
    document = json.loads(out)
    assert code == 1 and document["violations"][0]["check"] == "unseen_category"
    assert document["quarantine"]["rows"] == 1
    assert len(list(qdir.glob("bad-*.csv"))) == 1 and len(list(qdir.glob("bad-*.reason.json"))) == 1


def test_validate_the_corrupted_credit_batch(credit_paths, tmp_path, capsys):
    profile_path = tmp_path / "credit.profile.json"
    run(["profile", str(credit_paths["credit"]), "--target", "default", "-o", str(profile_path)],
        capsys)
    code, out, _ = run(["validate", str(profile_path), str(credit_paths["credit_corrupted"]),
                        "--quarantine", str(tmp_path / "q")], capsys)
    assert code == 1
    for fragment in ("missing_column   num_open_accounts", "type             loan_term_months",
                     "out_of_range     age", "null_fraction    income", "quarantined 1000 row(s)"):
        assert fragment in out


def test_monitor_the_drifted_credit_batch(credit_paths, capsys):
    code, out, _ = run(["monitor", str(credit_paths["credit"]), str(credit_paths["credit_drifted"]),
                        "--target", "default", "--json"], capsys)
    document = json.loads(out)
    assert code == 1 and document["features"]["loan_purpose"]["status"] == "act"
    assert np.isclose(sum(document["features"]["income"]["histogram"]["current"]), 1.0)
    assert document["target"]["column"] == "default"
