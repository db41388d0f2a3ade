"""Lineage walks and the status report."""

from __future__ import annotations

import pytest

from nbpromote.capture.hashing import hash_file
from nbpromote.errors import UsageError
from nbpromote.pipeline import lineage, pipeline_status, run_pipeline
from nbpromote.pipeline._lineage import format_lineage, format_status


def test_lineage_from_an_output_name_reaches_data_code_and_seed(package, store):
    pipeline = package.load()
    record = run_pipeline(pipeline, store=store)
    tree = lineage(pipeline, "metrics", store=store)
    assert tree["artifact"] == record["stages"][3]["outputs"]["metrics"]
    assert tree["stage"] == "evaluate" and tree["seed"] == 42 and tree["run_id"] == record["run_id"]
    model = tree["inputs"]["model"]
    assert model["stage"] == "train" and model["params"] == {"n_estimators": 20}
    assert model["type"] == "sklearn.ensemble._forest.RandomForestClassifier"
    raw = model["inputs"]["X_train"]["inputs"]["raw"]
    assert raw["stage"] == "ingest" and raw["inputs"] == {}
    assert raw["data"]["data_path"] == {"path": str(package.data), "hash": hash_file(package.data)}
    assert set(raw["code"]) == {"stages/ingest.py", "common.py"}
    text = format_lineage(tree)
    assert "stage ingest" in text and str(package.data) in text and "(see above)" in text


def test_lineage_by_hash_prefix_and_role(package, store):
    pipeline = package.load()
    record = run_pipeline(pipeline, store=store)
    digest = record["stages"][2]["outputs"]["model"]
    assert lineage(pipeline, digest, store=store)["stage"] == "train"
    assert lineage(pipeline, digest.split(":")[1][:10], store=store)["artifact"] == digest
    assert lineage(pipeline, "model", store=store)["artifact"] == digest  # role == output name here
    by_role = lineage(pipeline, "reference", store=store)
    assert by_role["output"] == "X_train"


def test_lineage_follows_the_latest_successful_run(package, store):
    pipeline = package.load()
    run_pipeline(pipeline, store=store)
    second = run_pipeline(pipeline, store=store, params={"n_estimators": "10"})
    tree = lineage(pipeline, "model", store=store)
    assert tree["artifact"] == second["stages"][2]["outputs"]["model"]
    assert tree["params"] == {"n_estimators": 10}


def test_lineage_errors(package, store):
    pipeline = package.load()
    with pytest.raises(UsageError, match="has no successful run"):
        lineage(pipeline, "model", store=store)
    run_pipeline(pipeline, store=store)
    with pytest.raises(UsageError, match="neither an output.*Outputs: raw, X_train"):
        lineage(pipeline, "nonsense", store=store)


def test_status_before_and_after_runs_and_after_an_edit(package, store):
    pipeline = package.load()
    before = pipeline_status(pipeline, store=store)
    assert before["last_run"] is None
    assert {s["state"] for s in before["stages"]} == {"will run"}
    assert before["roles"]["model"] == {"output": "model", "hash": None, "in_cache": False}
    record = run_pipeline(pipeline, store=store)
    after = pipeline_status(pipeline, store=store)
    assert after["last_run"]["run_id"] == record["run_id"]
    assert {s["state"] for s in after["stages"]} == {"cached"}
    assert after["roles"]["model"]["in_cache"] is True
    package.edit("stages/train.py", "max_depth=4", "max_depth=2")
    edited = pipeline_status(package.load(), store=store)
    states = {s["name"]: (s["state"], s["reasons"]) for s in edited["stages"]}
    assert states["split"] == ("cached", [])
    assert states["train"] == ("will run", ["code changed (stages/train.py)"])
    assert states["evaluate"] == ("will run", ["upstream stage train will run"])
    text = format_status(edited)
    assert "train            will run  (code changed (stages/train.py))" in text


PASS_STAGES = {
    "ingest": '''
        import pandas as pd


        def run(*, data_path):
            return {"raw": pd.read_csv(data_path)}
    ''',
    "check": '''
        def run(raw):
            assert len(raw) > 0
            return {"clean": raw}
    ''',
    "count": '''
        def run(clean):
            return {"rows": len(clean)}
    ''',
}

PASS_PIPELINE = '''
from nbpromote.pipeline import Pipeline, Stage

PIPELINE = Pipeline(
    name="{name}", version="0.1.0", params={{"data_path": "{data}"}}, seed=None,
    stages=[Stage("ingest", "{name}.stages.ingest:run", outputs=("raw",), params=("data_path",)),
            Stage("check", "{name}.stages.check:run", inputs=("raw",), outputs=("clean",)),
            Stage("count", "{name}.stages.count:run", inputs=("clean",), outputs=("rows",))],
)
'''


def test_lineage_names_the_declaring_stage_when_content_passes_through(tmp_path):
    from .conftest import make_package

    package = make_package(tmp_path, stages=PASS_STAGES, pipeline=PASS_PIPELINE)
    pipeline = package.load()
    record = run_pipeline(pipeline, store=tmp_path / "h")
    outputs = {o: h for s in record["stages"] for o, h in s["outputs"].items()}
    assert outputs["raw"] == outputs["clean"]  # same content, stored once
    tree = lineage(pipeline, "rows", store=tmp_path / "h")
    clean = tree["inputs"]["clean"]
    assert clean["stage"] == "check" and clean["output"] == "clean"
    assert clean["inputs"]["raw"]["stage"] == "ingest"
    assert lineage(pipeline, outputs["raw"], store=tmp_path / "h")["stage"] == "ingest"  # by hash: first producer
