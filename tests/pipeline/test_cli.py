"""The package CLI: ``python -m <package> run|lineage|status|…``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nbpromote.pipeline.cli import main

from .test_runner import FAILING_TRAIN


def call(pipeline, capsys, *argv):
    with pytest.raises(SystemExit) as info:
        main(pipeline, list(argv))
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_run_json_prints_exactly_the_run_record(package, store, capsys):
    pipeline = package.load()
    code, out, err = call(pipeline, capsys, "run", "--json", "--store", str(store))
    assert code == 0
    record = json.loads(out)  # one document, nothing else on stdout
    assert [s["status"] for s in record["stages"]] == ["ran"] * 4
    for stage in record["stages"]:
        assert {"name", "status", "key", "seconds", "inputs", "outputs", "reason"} <= set(stage)
    code, out, err = call(pipeline, capsys, "run", "--json", "--store", str(store))
    assert [s["status"] for s in json.loads(out)["stages"]] == ["cached"] * 4


def test_run_text_shows_progress_reasons_and_summary(package, store, capsys):
    pipeline = package.load()
    call(pipeline, capsys, "run", "--store", str(store))
    code, out, err = call(pipeline, capsys, "run", "--store", str(store), "--param", "n_estimators=5")
    assert code == 0
    assert "[1/4] ingest: started" in err and "[1/4] ingest: cached" in err
    assert "[3/4] train: ran in" in err and "reran: param n_estimators changed (20 → 5)" in err
    assert "ETA" in err  # from the first run's durations
    assert out.strip().startswith("run ") and "2 ran, 2 cached" in out  # stdout: the summary only


def test_run_events_are_json_lines_on_stderr_and_stdout_stays_one_document(package, store, capsys):
    pipeline = package.load()
    code, out, err = call(pipeline, capsys, "run", "--json", "--events", "--store", str(store))
    assert code == 0
    record = json.loads(out)
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.count("stage_started") == kinds.count("stage_finished") == 4
    finished = [e for e in events if e["event"] == "stage_finished"]
    assert [e["status"] for e in finished] == ["ran"] * 4
    assert all(e["seconds"] >= 0 and e["reasons"] for e in finished)
    assert [e["event"] for e in record["events"]] == kinds  # the record keeps the same events


def test_params_file_from_and_only_options(package, store, tmp_path, capsys):
    pipeline = package.load()
    params = tmp_path / "params.toml"
    params.write_text("test_size = 0.4\n")
    code, out, _ = call(pipeline, capsys, "run", "--json", "--store", str(store), "--params-file", str(params))
    assert json.loads(out)["params"]["test_size"] == 0.4
    code, out, _ = call(pipeline, capsys, "run", "--json", "--store", str(store), "--params-file", str(params), "--from", "evaluate")
    assert [s["status"] for s in json.loads(out)["stages"]] == ["cached", "cached", "cached", "ran"]
    code, out, _ = call(pipeline, capsys, "run", "--json", "--store", str(store), "--params-file", str(params), "--only", "split")
    assert [s["name"] for s in json.loads(out)["stages"]] == ["ingest", "split"]


@pytest.mark.parametrize("argv, message", [
    (["run", "--param", "n_estimators=many"], "Parameter n_estimators='many' is not a valid int"),
    (["run", "--param", "nope=1"], "Unknown parameter 'nope'"),
    (["run", "--only", "nope"], "no stage 'nope'"),
    (["run", "--executor", "ray"], "Unknown executor 'ray'"),
    (["lineage", "nonsense"], "neither an output"),
])
def test_bad_usage_exits_2_with_one_line(package, store, capsys, argv, message):
    code, out, err = call(package.load(), capsys, *argv, "--store", str(store))
    assert code == 2
    assert err.startswith(f"{package.name}: error: ") and message in err
    assert "Traceback" not in err


def test_failing_stage_exits_1_with_traceback_and_input_hashes(package, store, capsys):
    package.write("stages/train.py", FAILING_TRAIN)
    code, out, err = call(package.load(), capsys, "run", "--store", str(store))
    assert code == 1
    assert f"{package.name}: error: Stage 'train' failed: ZeroDivisionError: division by zero" in err
    assert "  X_train  xxh3_128:" in err
    assert "ratio = n_estimators / 0" in err
    assert "stages that completed stay cached" in err and "(status failed)" in err


def test_failing_stage_in_json_mode_prints_the_error_document(package, store, capsys):
    package.write("stages/train.py", FAILING_TRAIN)
    code, out, err = call(package.load(), capsys, "run", "--json", "--store", str(store))
    assert code == 1
    document = json.loads(out)
    assert document["error"] == "StageFailedError" and document["stage"] == "train"
    assert "ZeroDivisionError" in document["traceback"]


def test_lineage_and_status_commands(package, store, capsys):
    pipeline = package.load()
    call(pipeline, capsys, "run", "--store", str(store))
    code, out, _ = call(pipeline, capsys, "lineage", "model", "--store", str(store))
    assert code == 0 and out.startswith("model  xxh3_128:") and "stage train" in out and "stage ingest" in out
    code, out, _ = call(pipeline, capsys, "lineage", "model", "--json", "--store", str(store))
    assert json.loads(out)["stage"] == "train"
    code, out, _ = call(pipeline, capsys, "status", "--store", str(store))
    assert "last run:" in out and "succeeded" in out and "model" in out
    code, out, _ = call(pipeline, capsys, "status", "--json", "--store", str(store))
    assert json.loads(out)["roles"]["model"]["in_cache"] is True


def test_help_and_version(package, capsys):
    code, out, _ = call(package.load(), capsys, "--help")
    assert code == 0 and "ingest → split → train → evaluate" in out
    for command in ("run", "lineage", "status", "validate", "monitor", "register", "promote", "rollback", "predict", "audit"):
        assert command in out
    code, out, _ = call(package.load(), capsys, "--version")
    assert "0.1.0" in out


@pytest.mark.slow
def test_python_dash_m_entry_point_uses_nbpromote_home(package, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(package.src), NBPROMOTE_HOME=str(tmp_path / "home"))
    first = subprocess.run([sys.executable, "-m", package.name, "run", "--json"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    record = json.loads(first.stdout)
    assert (tmp_path / "home" / "runs" / package.name / f"{record['run_id']}.json").is_file()
    second = subprocess.run([sys.executable, "-m", package.name, "run"], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert second.returncode == 0 and "0 ran, 4 cached" in second.stdout
