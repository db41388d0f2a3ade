"""Executors: in-process and one fresh process per stage, behind the same interface."""

from __future__ import annotations

import os

import pytest

from nbpromote.errors import StageFailedError, UsageError
from nbpromote.pipeline import (
    EXECUTORS,
    ArtifactStore,
    Executor,
    InProcessExecutor,
    ProcessExecutor,
    StageTask,
    get_executor,
    register_executor,
    run_pipeline,
)

PID_STAGES = {
    "ingest": '''
        import os


        def run(*, data_path):
            return {"raw": {"pid": os.getpid(), "hashseed": os.environ.get("PYTHONHASHSEED")}}
    ''',
    "split": '''
        import os


        def run(raw, *, test_size):
            return {"X_train": {"pid": os.getpid(), "upstream": raw["pid"]}}
    ''',
}

PID_PIPELINE = '''
from nbpromote.pipeline import Pipeline, Stage

from .stages import ingest, split

PIPELINE = Pipeline(
    name="{name}", version="1.0.0", params={{"data_path": "{data}", "test_size": 0.2}}, seed=3,
    stages=[Stage("ingest", ingest.run, outputs=("raw",), params=("data_path",)),
            Stage("split", split.run, inputs=("raw",), outputs=("X_train",), params=("test_size",))],
)
'''


@pytest.mark.slow
def test_process_executor_gives_the_same_artifacts_as_in_process(package, tmp_path):
    pipeline = package.load()
    inproc = run_pipeline(pipeline, store=tmp_path / "a")
    isolated = run_pipeline(pipeline, store=tmp_path / "b", executor="process")
    assert isolated["executor"] == "process"
    assert [s["outputs"] for s in inproc["stages"]] == [s["outputs"] for s in isolated["stages"]]
    rerun = run_pipeline(pipeline, store=tmp_path / "b", executor="process")
    assert {s["status"] for s in rerun["stages"]} == {"cached"}


def test_process_executor_runs_each_stage_in_a_fresh_process_with_hash_seed(tmp_path):
    from .conftest import make_package

    package = make_package(tmp_path, stages=PID_STAGES, pipeline=PID_PIPELINE)
    pipeline = package.load()
    store = ArtifactStore(tmp_path / "h")
    record = run_pipeline(pipeline, store=store, executor="process")
    raw = store.get(record["stages"][0]["outputs"]["raw"])
    split = store.get(record["stages"][1]["outputs"]["X_train"])
    assert raw["pid"] != os.getpid() and split["pid"] not in (os.getpid(), raw["pid"])
    assert split["upstream"] == raw["pid"]  # the input came through the store
    assert raw["hashseed"] == "3"
    inproc = run_pipeline(pipeline, store=tmp_path / "h2")
    assert ArtifactStore(tmp_path / "h2").get(inproc["stages"][0]["outputs"]["raw"])["pid"] == os.getpid()


def test_process_executor_failure_carries_the_traceback(tmp_path):
    from .conftest import make_package

    stages = dict(PID_STAGES, split='''
        def run(raw, *, test_size):
            raise KeyError("no column 'income'")
    ''')
    package = make_package(tmp_path, stages=stages, pipeline=PID_PIPELINE)
    with pytest.raises(StageFailedError) as info:
        run_pipeline(package.load(), store=tmp_path / "h", executor="process")
    assert info.value.stage == "split"
    assert "KeyError" in info.value.traceback and "no column 'income'" in info.value.traceback
    assert set(info.value.inputs) == {"raw"}


def test_process_executor_reports_a_crashed_worker(tmp_path):
    from .conftest import make_package

    stages = dict(PID_STAGES, split='''
        import os


        def run(raw, *, test_size):
            os._exit(3)
    ''')
    package = make_package(tmp_path, stages=stages, pipeline=PID_PIPELINE)
    with pytest.raises(StageFailedError, match="crashed its worker process \\(exit 3\\)"):
        run_pipeline(package.load(), store=tmp_path / "h", executor="process")


def test_executor_registry_and_custom_executor(package, tmp_path):
    submitted = []

    class Recording(InProcessExecutor):
        name = "recording"

        def submit(self, task: StageTask, store):
            submitted.append((task.stage, dict(task.inputs)))
            return super().submit(task, store)

    register_executor("recording", Recording)
    try:
        record = run_pipeline(package.load(), store=tmp_path / "h", executor="recording")
    finally:
        EXECUTORS.pop("recording")
    assert [name for name, _ in submitted] == ["ingest", "split", "train", "evaluate"]
    assert submitted[2][1] == record["stages"][2]["inputs"]  # inputs travel as hashes
    assert record["executor"] == "recording"


def test_unknown_executor_lists_the_known_ones():
    with pytest.raises(UsageError, match="Unknown executor 'ray'.*inprocess, process, dask"):
        get_executor("ray")
    assert isinstance(get_executor(None), InProcessExecutor)
    assert isinstance(get_executor("process"), ProcessExecutor)
    with pytest.raises(TypeError):
        Executor()  # abstract: submit must be implemented


def test_a_stage_importing_a_missing_module_names_the_distribution_to_install(tmp_path, monkeypatch):
    from nbpromote.errors import PipelineError
    from nbpromote.pipeline._executors import _import_func

    package = tmp_path / "src" / "churn"
    (package / "stages").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "stages" / "__init__.py").write_text("")
    (package / "stages" / "train.py").write_text("import xgboost_not_here_xyz\n\ndef run():\n    return {}\n")
    (package / "requirements.lock").write_text(
        "nbpromote==0.1.0  # runtime of the exported package\n"
        "xgboost-not-here-xyz==2.1.0  # import xgboost_not_here_xyz (manifest)\n")
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    with pytest.raises(PipelineError) as caught:
        _import_func("churn.stages.train:run")
    assert "it imports `xgboost_not_here_xyz`, which is not installed" in str(caught.value)
    assert "pip install 'xgboost-not-here-xyz==2.1.0'" in caught.value.hint
