"""Running pipelines: cache hits, reruns with reasons, --from/--only, failures, determinism."""

from __future__ import annotations

import json

import pytest

from nbpromote.errors import PipelineError, SerializationError, StageFailedError, UsageError
from nbpromote.pipeline import ArtifactStore, run_pipeline

from .conftest import STAGES, make_package


def statuses(record):
    return {s["name"]: s["status"] for s in record["stages"]}


def test_cold_run_runs_every_stage_and_writes_the_record(package, store):
    record = run_pipeline(package.load(), store=store)
    assert statuses(record) == dict.fromkeys(["ingest", "split", "train", "evaluate"], "ran")
    assert record["status"] == "succeeded" and record["schema_version"] == 2
    for key in ("run_id", "pipeline", "version", "params", "seed", "started_at", "finished_at"):
        assert record[key] is not None
    on_disk = json.loads((store / "runs" / package.name / f"{record['run_id']}.json").read_text())
    assert on_disk == json.loads(json.dumps(record))
    train = record["stages"][2]
    assert set(train["inputs"]) == {"X_train", "y_train"}
    assert train["outputs"]["model"].startswith("xxh3_128:")
    assert train["reason"] == "first run (no earlier result for this stage)"
    assert record["roles"]["model"]["hash"] == train["outputs"]["model"]
    metrics = ArtifactStore(store).get(record["roles"]["metrics"]["hash"])
    assert 0.5 < metrics["roc_auc"] <= 1.0


def test_rerun_is_all_cache_hits_and_loads_nothing(package, store, monkeypatch):
    pipeline = package.load()
    first = run_pipeline(pipeline, store=store)
    loads = []
    monkeypatch.setattr(ArtifactStore, "get", lambda self, digest: loads.append(digest))
    second = run_pipeline(pipeline, store=store)
    assert set(statuses(second).values()) == {"cached"}
    assert loads == []
    assert [s["outputs"] for s in second["stages"]] == [s["outputs"] for s in first["stages"]]
    assert second["run_id"] > first["run_id"]  # sortable


def test_editing_a_stage_reruns_it_and_downstream_only(package, store):
    run_pipeline(package.load(), store=store)
    package.edit("stages/train.py", "max_depth=4", "max_depth=3")
    lines = []
    record = run_pipeline(package.load(), store=store, log=lines.append)
    assert statuses(record) == {"ingest": "cached", "split": "cached", "train": "ran", "evaluate": "ran"}
    assert record["stages"][2]["reason"] == "code changed (stages/train.py)"
    assert record["stages"][3]["reason"] == "input model changed"
    assert "train: ran in" in lines[2] and "code changed (stages/train.py)" in lines[2]


def test_cosmetic_edit_reruns_the_stage_but_identical_output_keeps_downstream_cached(package, store):
    run_pipeline(package.load(), store=store)
    package.edit("stages/split.py", "# random_state=None", "# NOTE random_state=None")
    record = run_pipeline(package.load(), store=store)
    assert statuses(record) == {"ingest": "cached", "split": "ran", "train": "cached", "evaluate": "cached"}


def test_editing_common_reruns_every_stage(package, store):
    run_pipeline(package.load(), store=store)
    package.edit("common.py", 'TARGET = "default"', 'TARGET = "default"  # the label')
    record = run_pipeline(package.load(), store=store)
    assert record["stages"][0]["reason"] == "code changed (common.py)"
    assert statuses(record)["ingest"] == "ran"


def test_param_change_reruns_the_stages_using_it(package, store):
    pipeline = package.load()
    run_pipeline(pipeline, store=store)
    record = run_pipeline(pipeline, store=store, params={"n_estimators": "30"})
    assert statuses(record) == {"ingest": "cached", "split": "cached", "train": "ran", "evaluate": "ran"}
    assert record["stages"][2]["reason"] == "param n_estimators changed (20 → 30)"
    assert record["params"]["n_estimators"] == 30
    back = run_pipeline(pipeline, store=store)  # back to the defaults: the first results are still cached
    assert set(statuses(back).values()) == {"cached"}


def test_data_file_change_reruns_ingest(package, store):
    pipeline = package.load()
    run_pipeline(pipeline, store=store)
    package.data.write_text(package.data.read_text() + "40.0,10.0,30,1\n")
    record = run_pipeline(pipeline, store=store)
    assert statuses(record)["ingest"] == "ran"
    assert record["stages"][0]["reason"] == f"data file {package.data} changed"


def test_from_reruns_the_stage_and_downstream(package, store):
    pipeline = package.load()
    run_pipeline(pipeline, store=store)
    record = run_pipeline(pipeline, store=store, from_stage="train")
    assert statuses(record) == {"ingest": "cached", "split": "cached", "train": "ran", "evaluate": "ran"}
    assert record["stages"][2]["reason"] == "forced by --from train"


def test_only_runs_one_stage_from_cached_inputs(package, store):
    pipeline = package.load()
    run_pipeline(pipeline, store=store)
    record = run_pipeline(pipeline, store=store, only="train")
    assert statuses(record) == {"ingest": "cached", "split": "cached", "train": "ran"}


def test_only_refuses_when_upstream_is_not_cached(package, store):
    with pytest.raises(PipelineError, match="--only train needs the result of stage 'ingest'.*--from ingest"):
        run_pipeline(package.load(), store=store, only="train")


def test_until_brings_a_stage_and_its_upstream_up_to_date_and_reruns_are_cache_hits(package, store):
    pipeline = package.load()
    first = run_pipeline(pipeline, store=store, until="split")
    assert statuses(first) == {"ingest": "ran", "split": "ran"}
    again = run_pipeline(pipeline, store=store, until="train")
    assert statuses(again) == {"ingest": "cached", "split": "cached", "train": "ran"}
    assert set(statuses(run_pipeline(pipeline, store=store, until="train")).values()) == {"cached"}


def test_until_with_from_or_only_is_a_usage_error(package, store):
    with pytest.raises(UsageError, match="cannot be combined"):
        run_pipeline(package.load(), store=store, until="train", only="train")


def test_from_and_only_together_and_unknown_stage_are_usage_errors(package, store):
    pipeline = package.load()
    with pytest.raises(UsageError, match="cannot be combined"):
        run_pipeline(pipeline, store=store, from_stage="train", only="train")
    with pytest.raises(UsageError, match="no stage 'trian'"):
        run_pipeline(pipeline, store=store, from_stage="trian")


def test_force_reruns_everything(package, store):
    pipeline = package.load()
    run_pipeline(pipeline, store=store)
    assert set(statuses(run_pipeline(pipeline, store=store, force=True)).values()) == {"ran"}


def test_two_empty_stores_give_identical_hashes_and_bytes(package, tmp_path):
    pipeline = package.load()
    one = run_pipeline(pipeline, store=tmp_path / "a")
    two = run_pipeline(pipeline, store=tmp_path / "b")
    assert [s["outputs"] for s in one["stages"]] == [s["outputs"] for s in two["stages"]]
    assert [s["key"] for s in one["stages"]] == [s["key"] for s in two["stages"]]
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a" / "cache" / "objects").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b" / "cache" / "objects").rglob("*") if p.is_file())
    assert files_a == files_b
    for relative in files_a:
        a, b = (tmp_path / "a" / relative), (tmp_path / "b" / relative)
        if relative.name.endswith(".meta.json"):
            meta_a, meta_b = json.loads(a.read_text()), json.loads(b.read_text())
            # each home signs with its own audit key; skops archives are not byte-stable, their ids are
            unstable = {"signature"} | ({"sha256", "size"} if meta_a["format"] == "skops" else set())
            assert {k: v for k, v in meta_a.items() if k not in unstable} == \
                {k: v for k, v in meta_b.items() if k not in unstable}
        elif relative.suffix != ".skops":
            assert a.read_bytes() == b.read_bytes()


def test_without_seed_the_split_differs_so_the_seed_matters(package, tmp_path):
    pipeline = package.load()
    pipeline.seed = None
    one = run_pipeline(pipeline, store=tmp_path / "a")
    two = run_pipeline(pipeline, store=tmp_path / "b")
    assert one["stages"][1]["outputs"] != two["stages"][1]["outputs"]


FAILING_TRAIN = '''
    def run(X_train, y_train, *, n_estimators):
        ratio = n_estimators / 0
        return {"model": ratio}
'''


def test_failing_stage_stops_the_run_with_traceback_and_inputs(package, store):
    run_pipeline(package.load(), store=store)
    package.write("stages/train.py", FAILING_TRAIN)
    with pytest.raises(StageFailedError) as info:
        run_pipeline(package.load(), store=store)
    error = info.value
    assert error.stage == "train"
    assert "ZeroDivisionError" in error.traceback and "stages/train.py" in error.traceback
    assert "ratio = n_estimators / 0" in error.traceback
    assert "_executors.py" not in error.traceback  # starts in the user's code
    assert set(error.inputs) == {"X_train", "y_train"} and all(h.startswith("xxh3_128:") for h in error.inputs.values())
    assert error.exit_code == 1
    record = ArtifactStore(store).read_run(package.name, error.run_id)
    assert record["status"] == "failed" and record["failed"]["stage"] == "train"
    assert statuses(record) == {"ingest": "cached", "split": "cached"}


def test_completed_stages_stay_cached_after_a_failure(package, store):
    package.write("stages/train.py", FAILING_TRAIN)
    with pytest.raises(StageFailedError):
        run_pipeline(package.load(), store=store)
    package.write("stages/train.py", STAGES["train"])
    record = run_pipeline(package.load(), store=store)
    assert statuses(record) == {"ingest": "cached", "split": "cached", "train": "ran", "evaluate": "ran"}
    assert record["stages"][2]["reason"] == "code changed (stages/train.py)"


@pytest.mark.parametrize("body, message", [
    ('return model', "returned a RandomForestClassifier, not a dict"),
    ('return {"model": model, "extra": 1}', "undeclared extra"),
    ('return {}', "missing model"),
])
def test_stage_must_return_exactly_its_outputs(package, store, body, message):
    package.edit("stages/train.py", 'return {"model": model}', body)
    with pytest.raises(StageFailedError, match=message):
        run_pipeline(package.load(), store=store)


def test_unserializable_output_names_stage_and_output(package, store):
    # Functions travel by value (cloudpickle); a live generator cannot be stored by any format.
    package.edit("stages/train.py", 'return {"model": model}', 'return {"model": (m for m in [model])}')
    with pytest.raises(SerializationError, match="Stage 'train', output 'model' is a builtins.generator"):
        run_pipeline(package.load(), store=store)


def test_requirements_lock_is_the_environment_and_changing_it_reruns(package, store):
    from nbpromote.pipeline._keys import _ENV_CACHE

    _ENV_CACHE.clear()
    (package.pkg / "requirements.lock").write_text("scikit-learn==1.9.1\n")
    pipeline = package.load()
    first = run_pipeline(pipeline, store=store)
    assert first["environment"]["source"] == "requirements.lock"
    (package.pkg / "requirements.lock").write_text("scikit-learn==1.9.2\n")
    _ENV_CACHE.clear()
    record = run_pipeline(pipeline, store=store)
    assert set(statuses(record).values()) == {"ran"}
    assert record["stages"][0]["reason"] == "environment changed"
    _ENV_CACHE.clear()


def test_stage_prints_can_be_sent_elsewhere(tmp_path, capsys):
    package = make_package(tmp_path, stages=None)
    package.edit("stages/ingest.py", "raw = pd.read_csv(data_path)", "raw = pd.read_csv(data_path)\n    print('loaded')")
    import io

    sink = io.StringIO()
    run_pipeline(package.load(), store=tmp_path / "h", stage_stdout=sink)
    assert "loaded" in sink.getvalue()
    assert "loaded" not in capsys.readouterr().out


def test_what_a_stage_s_child_processes_print_goes_where_the_stage_prints_go(tmp_path, capfd):
    # joblib workers (GridSearchCV(verbose=2, n_jobs=-1)) and subprocesses write to descriptor 1 itself:
    # under `run --json` they must not land inside the one JSON document on stdout.
    package = make_package(tmp_path, stages=None)
    package.edit("stages/ingest.py", "raw = pd.read_csv(data_path)",
                 "raw = pd.read_csv(data_path)\n    import subprocess, sys\n"
                 "    subprocess.run([sys.executable, '-c', 'print(\"from a child process\")'], check=True)")
    with open(tmp_path / "stages.log", "w", encoding="utf-8") as sink:
        run_pipeline(package.load(), store=tmp_path / "h", stage_stdout=sink)
    assert "from a child process" in (tmp_path / "stages.log").read_text(encoding="utf-8")
    assert "from a child process" not in capfd.readouterr().out
    print("stdout is back")
    assert "stdout is back" in capfd.readouterr().out



def test_lazy_stages_make_a_cached_run_import_no_stage_module(tmp_path):
    import subprocess
    import sys

    from .conftest import PIPELINE

    lazy = PIPELINE.replace("from .stages import evaluate, ingest, split, train\n", "")
    for stage in ("ingest", "split", "train", "evaluate"):
        lazy = lazy.replace(f"{stage}.run,", f'"{{name}}.stages.{stage}:run",')
    package = make_package(tmp_path, pipeline=lazy)
    pipeline = package.load()
    first = run_pipeline(pipeline, store=tmp_path / "h")
    assert {s["status"] for s in first["stages"]} == {"ran"}
    script = (
        "import sys, json\n"
        f"from {package.name}.pipeline import PIPELINE\n"
        "from nbpromote.pipeline import run_pipeline\n"
        f"record = run_pipeline(PIPELINE, store={str(tmp_path / 'h')!r})\n"
        "heavy = sorted(m for m in ('pandas', 'sklearn', 'numpy', 'pyarrow') if m in sys.modules)\n"
        "print(json.dumps({'statuses': [s['status'] for s in record['stages']], 'heavy': heavy}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                         env={**__import__("os").environ, "PYTHONPATH": str(package.src)})
    assert out.returncode == 0, out.stderr
    result = __import__("json").loads(out.stdout)
    assert result == {"statuses": ["cached"] * 4, "heavy": []}


def test_run_records_match_the_published_schema(package, store):
    import jsonschema

    from nbpromote.pipeline import RUN_RECORD_SCHEMA

    schema = json.loads(RUN_RECORD_SCHEMA.read_text())
    pipeline = package.load()
    jsonschema.validate(run_pipeline(pipeline, store=store), schema)  # cold
    jsonschema.validate(run_pipeline(pipeline, store=store), schema)  # cached
    package.write("stages/train.py", FAILING_TRAIN)
    with pytest.raises(StageFailedError) as info:
        run_pipeline(package.load(), store=store)
    failed = ArtifactStore(store).read_run(package.name, info.value.run_id)
    jsonschema.validate(failed, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**failed, "stages": [{**failed["stages"][0], "status": "skipped"}]}, schema)


def test_reasons_after_an_only_run_compare_with_each_stage_last_attempt(package, store):
    pipeline = package.load()
    run_pipeline(pipeline, store=store)
    run_pipeline(pipeline, store=store, only="split")  # a record without train/evaluate
    package.edit("stages/evaluate.py", "proba > 0.5", "proba >= 0.5")
    record = run_pipeline(package.load(), store=store)
    assert record["stages"][3]["reason"] == "code changed (stages/evaluate.py)"


def test_run_record_v2_carries_metrics_with_their_provenance(package, store):
    record = run_pipeline(package.load(), store=store)
    metrics = record["metrics"]
    assert set(metrics["values"]) == {"accuracy", "roc_auc"}
    evaluate = record["stages"][3]
    for name in ("accuracy", "roc_auc"):
        assert metrics["provenance"][name] == {"stage": "evaluate", "output": "metrics",
                                               "artifact": evaluate["outputs"]["metrics"],
                                               "run_id": record["run_id"]}
    cached = run_pipeline(package.load(), store=store)
    assert cached["metrics"]["values"] == metrics["values"]
    assert cached["metrics"]["provenance"]["accuracy"]["run_id"] == record["run_id"]  # computed then


def test_a_v1_run_record_is_read_upgraded_without_mutating_the_file(package, store):
    from nbpromote.pipeline._records import upgrade_run_record

    record = run_pipeline(package.load(), store=store)
    path = store / "runs" / package.name / f"{record['run_id']}.json"
    v1 = json.loads(path.read_text())
    v1["schema_version"] = 1
    for key in ("metrics", "events"):
        v1.pop(key)
    for stage in v1["stages"]:
        stage.pop("reads")
    path.write_text(json.dumps(v1))
    upgraded = ArtifactStore(store).read_run(package.name, record["run_id"])
    assert upgraded["schema_version"] == 2 and upgraded["upgraded_from"] == 1
    assert upgraded["metrics"] is None and upgraded["events"] == []
    assert all(stage["reads"] == {} for stage in upgraded["stages"])
    assert json.loads(path.read_text())["schema_version"] == 1
    again, changes = upgrade_run_record(upgraded)
    assert again is upgraded and changes == []
    with pytest.raises(Exception, match="schema_version 99"):
        upgrade_run_record({**v1, "schema_version": 99})
