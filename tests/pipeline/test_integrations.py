"""Package subcommands backed by nbpromote.monitor and nbpromote.registry, on a real run."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nbpromote.errors import UsageError
from nbpromote.pipeline import ArtifactStore, run_pipeline
from nbpromote.pipeline._integrations import (
    build_profile,
    load_profile,
    register_latest,
    run_lineage,
)

from .test_cli import call


@pytest.fixture
def ran(package, store, tmp_path, monkeypatch):
    monkeypatch.setenv("NBPROMOTE_ACTOR", "alice")
    monkeypatch.setenv("NBPROMOTE_REGISTRY", str(tmp_path / "registry.db"))
    pipeline = package.load()
    record = run_pipeline(pipeline, store=store)
    return pipeline, record


def test_run_builds_and_caches_the_reference_profile(ran, store):
    pipeline, record = ran
    assert record["profile"].startswith("xxh3_128:")
    profile = load_profile(pipeline, ArtifactStore(store))
    assert set(profile.features) == {"income", "debt", "age"}
    assert profile.target == "default" and profile.prediction == "prediction"
    assert profile.rows == 225
    again = run_pipeline(pipeline, store=store)
    assert again["profile"] == record["profile"]


def test_no_reference_role_means_no_profile(package, store):
    pipeline = package.load()
    pipeline.roles = {"model": "model"}
    record = run_pipeline(pipeline, store=store)
    assert record["profile"] is None
    with pytest.raises(UsageError, match="has no reference profile"):
        load_profile(pipeline, ArtifactStore(store))


def test_profile_of_a_non_frame_reference_is_skipped_with_a_reason(package, store):
    pipeline = package.load()
    pipeline.roles = {"reference": "metrics"}
    lines = []
    record = run_pipeline(pipeline, store=store, log=lines.append)
    assert record["profile"] is None and record["status"] == "succeeded"
    assert any(line.startswith("profile: not built") and "is a dict, not a DataFrame" in line for line in lines)
    refs = {o: h for s in record["stages"] for o, h in s["outputs"].items()}
    assert build_profile(pipeline, ArtifactStore(store), refs) is None


def test_validate_accepts_a_clean_batch_and_rejects_a_broken_one(ran, store, package, tmp_path, capsys):
    pipeline, _ = ran
    good = tmp_path / "good.csv"
    pd.read_csv(package.data).head(80).to_csv(good, index=False)
    code, out, _ = call(pipeline, capsys, "validate", "--input", str(good), "--store", str(store), "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    bad = tmp_path / "bad.csv"
    frame = pd.read_csv(package.data).head(80)
    frame["income"] = "n/a"
    frame.to_csv(bad, index=False)
    code, out, _ = call(pipeline, capsys, "validate", "--input", str(bad), "--store", str(store))
    assert code == 1 and "income" in out


def test_columns_the_model_does_not_read_are_warnings_unless_strict(ran, store, package, tmp_path, capsys):
    """A raw batch carries an identifier and a date the model never reads (``predict`` ignores
    them): validate and monitor warn about them instead of rejecting every batch."""
    pipeline, _ = ran
    raw = tmp_path / "raw.csv"
    frame = pd.read_csv(package.data)
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(frame))])
    frame["application_date"] = "2025-01-31"
    frame.to_csv(raw, index=False)
    code, out, _ = call(pipeline, capsys, "validate", "--input", str(raw), "--store", str(store), "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True
    assert {(v["check"], v["column"], v["severity"]) for v in report["violations"]} == {
        ("extra_column", "customer_id", "warning"), ("extra_column", "application_date", "warning")}
    code, out, _ = call(pipeline, capsys, "validate", "--input", str(raw), "--store", str(store), "--strict-columns")
    assert code == 1 and "error   extra_column     customer_id" in out
    code, out, _ = call(pipeline, capsys, "monitor", "--current", str(raw), "--store", str(store), "--format", "json")
    monitored = json.loads(out)
    assert code == 0 and monitored["validation"]["ok"] is True and monitored["prediction"] is not None
    scored = tmp_path / "scored.csv"
    code, _, _ = call(pipeline, capsys, "predict", "--input", str(raw), "--latest", "--output", str(scored),
                      "--store", str(store))
    assert code == 0 and list(pd.read_csv(scored).columns[:1]) == ["customer_id"]


def test_monitor_reports_drift_and_exits_1_when_retraining_is_due(ran, store, package, tmp_path, capsys):
    pipeline, _ = ran
    same = tmp_path / "same.csv"
    pd.read_csv(package.data).to_csv(same, index=False)
    code, out, _ = call(pipeline, capsys, "monitor", "--current", str(same), "--store", str(store), "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["policy"]["retrain"] is False
    assert report["features"]["income"]["status"] == "stable"
    assert report["prediction"] is not None  # the model scored the batch
    shifted = tmp_path / "shifted.csv"
    frame = pd.read_csv(package.data)
    frame["income"] = frame["income"] * 3 + 100
    frame.to_csv(shifted, index=False)
    code, out, _ = call(pipeline, capsys, "monitor", "--current", str(shifted), "--store", str(store))
    assert code == 1 and "income" in out
    html = tmp_path / "r.html"
    code, out, _ = call(pipeline, capsys, "monitor", "--current", str(shifted), "--store", str(store),
                        "--format", "html", "-o", str(html))
    assert code == 1 and out.strip() == f"report written to {html}" and html.read_text().lstrip().lower().startswith(("<!doctype", "<html"))


def test_register_promote_predict_rollback_audit(ran, store, package, tmp_path, capsys):
    pipeline, record = ran
    code, out, _ = call(pipeline, capsys, "register", "--store", str(store), "--json")
    assert code == 0
    version = json.loads(out)
    assert version["version"] == 1
    assert version["metrics"]["roc_auc"] > 0.5
    assert version["holdout_hash"] == record["roles"]["holdout_X"]["hash"] and version["holdout_rows"] == 75
    assert version["lineage"]["run_id"] == record["run_id"] and version["lineage"]["seed"] == 42
    assert version["lineage"]["stages"]["ingest"]["data"]["data_path"]["path"] == str(package.data)
    metrics_from = version["lineage"]["metrics"]  # where each registered metric came from
    assert set(metrics_from) == {"accuracy", "roc_auc"}
    assert metrics_from["roc_auc"]["stage"] == "evaluate" and metrics_from["roc_auc"]["output"] == "metrics"
    assert metrics_from["roc_auc"]["artifact"] == record["roles"]["metrics"]["hash"]
    code, out, _ = call(pipeline, capsys, "promote", "1", "--reason", "first model", "--approve")
    assert code == 0 and "to_stage=Production" in out
    batch = tmp_path / "batch.csv"
    pd.read_csv(package.data).head(5).to_csv(batch, index=False)
    predictions = tmp_path / "pred.csv"
    code, out, _ = call(pipeline, capsys, "predict", "--input", str(batch), "--output", str(predictions), "--store", str(store))
    assert code == 0 and "5 predictions written" in out
    scored = pd.read_csv(predictions)
    assert {"prediction", "score"} <= set(scored.columns) and len(scored) == 5
    code, _, err = call(pipeline, capsys, "predict", "--input", str(batch), "--output", str(predictions), "--store", str(store))
    assert code == 2 and "already exists" in err
    code, out, _ = call(pipeline, capsys, "predict", "--input", str(batch), "--latest", "--store", str(store), "--json")
    assert json.loads(out)["source"] == "run" and len(json.loads(out)["predictions"]) == 5
    # a second, different model: register it, then the gate decides
    run_pipeline(pipeline, store=store, params={"n_estimators": "5"})
    code, out, _ = call(pipeline, capsys, "register", "--store", str(store), "--json")
    assert json.loads(out)["version"] == 2
    code, out, _ = call(pipeline, capsys, "promote", "--json", "--reason", "challenger", "--delta", "0.5")
    assert code == 1  # the gate wants +0.5 AUC: rejected, with its evidence as JSON
    rejected = json.loads(out)
    assert rejected["error"] == "GateRejectedError" and rejected["message"]
    code, out, err = call(pipeline, capsys, "promote", "1", "--version", "2", "--reason", "x")
    assert code == 2 and "Two versions given" in err
    code, out, err = call(pipeline, capsys, "rollback", "--reason", "nothing to roll back to")
    assert code != 0 and "error" in err
    code, out, _ = call(pipeline, capsys, "audit", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    code, out, _ = call(pipeline, capsys, "audit", "tail", "-n", "2")
    assert code == 0 and "registry." in out


def test_register_without_a_run_or_a_model_is_a_usage_error(package, store, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NBPROMOTE_REGISTRY", str(tmp_path / "registry.db"))
    pipeline = package.load()
    code, _, err = call(pipeline, capsys, "register", "--store", str(store))
    assert code == 2 and "has no successful run" in err
    pipeline.roles = {}
    run_pipeline(pipeline, store=store)
    with pytest.raises(UsageError, match="no model artifact to register"):
        register_latest(pipeline, ArtifactStore(store))


def test_predict_names_missing_columns(ran, store, tmp_path, capsys):
    pipeline, _ = ran
    batch = tmp_path / "b.csv"
    pd.DataFrame({"income": [1.0]}).to_csv(batch, index=False)
    code, _, err = call(pipeline, capsys, "predict", "--input", str(batch), "--latest", "--store", str(store))
    assert code == 2 and "missing from the batch: debt, age" in err


def test_run_lineage_includes_the_package_manifest(ran, package):
    pipeline, record = ran
    (package.pkg / "lineage.json").write_text(json.dumps({"schema_version": 1, "seeds": {"seed": 42}}))
    lineage = run_lineage(pipeline, record)
    assert lineage["manifest"]["seeds"] == {"seed": 42}
    assert lineage["stages"]["train"]["params"] == {"n_estimators": 20}
