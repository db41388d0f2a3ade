"""The Dask executor: stages as tasks of a real ``distributed`` cluster, same results as in process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nbpromote.errors import StageFailedError
from nbpromote.pipeline import ArtifactStore, get_executor, run_pipeline

from .test_executors import PID_PIPELINE, PID_STAGES

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")


@pytest.fixture(scope="module")
def scheduler():
    """One local cluster of two worker processes for the module (start-up is paid once)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address="127.0.0.1:0") as cluster:
        yield cluster.scheduler_address


@pytest.mark.slow
def test_dask_gives_the_same_artifacts_and_records_as_in_process(package, tmp_path, scheduler):
    pipeline = package.load()
    inproc = run_pipeline(pipeline, store=tmp_path / "a")
    on_dask = run_pipeline(pipeline, store=tmp_path / "b", executor="dask", scheduler=scheduler)
    assert on_dask["executor"] == "dask" and on_dask["status"] == "succeeded"
    assert [s["outputs"] for s in inproc["stages"]] == [s["outputs"] for s in on_dask["stages"]]
    assert [s["key"] for s in inproc["stages"]] == [s["key"] for s in on_dask["stages"]]
    rerun = run_pipeline(pipeline, store=tmp_path / "b", executor="dask", scheduler=scheduler)
    assert {s["status"] for s in rerun["stages"]} == {"cached"}


def test_stages_run_on_the_workers_and_inputs_come_through_the_store(tmp_path, scheduler):
    from .conftest import make_package

    package = make_package(tmp_path, stages=PID_STAGES, pipeline=PID_PIPELINE)
    store = ArtifactStore(tmp_path / "h")
    record = run_pipeline(package.load(), store=store, executor="dask", scheduler=scheduler)
    raw = store.get(record["stages"][0]["outputs"]["raw"])
    split = store.get(record["stages"][1]["outputs"]["X_train"])
    assert raw["pid"] != os.getpid() and split["pid"] != os.getpid()
    assert split["upstream"] == raw["pid"]


def test_a_failing_stage_on_a_worker_reports_stage_traceback_and_input_hashes(tmp_path, scheduler):
    from .conftest import make_package

    stages = dict(PID_STAGES, split='''
        def run(raw, *, test_size):
            raise KeyError("no column 'income'")
    ''')
    package = make_package(tmp_path, stages=stages, pipeline=PID_PIPELINE)
    with pytest.raises(StageFailedError) as info:
        run_pipeline(package.load(), store=tmp_path / "h", executor="dask", scheduler=scheduler)
    assert info.value.stage == "split"
    assert "KeyError" in info.value.traceback and "no column 'income'" in info.value.traceback
    assert set(info.value.inputs) == {"raw"} and info.value.inputs["raw"].startswith("xxh3_128:")


def test_the_executor_reports_its_start_up_apart_from_the_stages(scheduler):
    executor = get_executor("dask", scheduler=scheduler)
    try:
        assert executor.name == "dask" and executor.startup_seconds >= 0
    finally:
        executor.close()


@pytest.mark.slow
def test_the_package_command_line_runs_on_a_local_cluster(package, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(package.src), *sys.path])}
    done = subprocess.run([sys.executable, "-m", package.name, "run", "--executor", "dask", "--json",
                           "--store", str(tmp_path / "h")], cwd=package.root, capture_output=True, text=True,
                          timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    record = json.loads(done.stdout)
    assert record["executor"] == "dask" and record["executor_startup_seconds"] > 0
    assert {s["status"] for s in record["stages"]} == {"ran"}


PARALLEL_STAGES = {
    "left": '''
        import time


        def run(*, pause):
            started = time.time()
            time.sleep(pause)
            return {"left_span": (started, time.time())}
    ''',
    "right": '''
        import time


        def run(*, pause):
            started = time.time()
            time.sleep(pause)
            return {"right_span": (started, time.time())}
    ''',
}

PARALLEL_PIPELINE = '''
from nbpromote.pipeline import Pipeline, Stage

from .stages import left, right

PIPELINE = Pipeline(
    name="{name}", version="1.0.0", params={{"pause": 1.0, "data": "{data}"}}, seed=None,
    stages=[Stage("left", left.run, outputs=("left_span",), params=("pause",)),
            Stage("right", right.run, outputs=("right_span",), params=("pause",))],
)
'''


def test_independent_stages_run_at_the_same_time(tmp_path, scheduler):
    from .conftest import make_package

    package = make_package(tmp_path, stages=PARALLEL_STAGES, pipeline=PARALLEL_PIPELINE, with_common=False)
    store = ArtifactStore(tmp_path / "h")
    record = run_pipeline(package.load(), store=store, executor="dask", scheduler=scheduler)
    left = store.get(record["stages"][0]["outputs"]["left_span"])
    right = store.get(record["stages"][1]["outputs"]["right_span"])
    assert left[0] < right[1] and right[0] < left[1]  # the two sleeps overlapped
    assert [s["name"] for s in record["stages"]] == ["left", "right"]
