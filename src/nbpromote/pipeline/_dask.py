"""The Dask executor: stages as tasks of a ``distributed`` cluster (the ``dask`` extra).

``python -m <package> run --executor dask [--scheduler tcp://HOST:PORT]``. Without a scheduler a
:class:`distributed.LocalCluster` sized to the machine (one single-threaded worker process per
core) is started for the run and closed after it. Each stage is one Dask task that runs
:func:`~nbpromote.pipeline._executors.task_payload` on a worker: inputs are loaded from the store by
content hash and outputs written back to it, so only references (a few hundred bytes) travel
through the scheduler, never frames or models. The store must therefore be visible to every worker:
the local directory for a LocalCluster, shared storage for a remote cluster.

A task's Dask key is ``<stage>-<cache key>``: resubmitting the same stage with the same inputs is
the same task, and a retry writes the same content-addressed objects, so both are idempotent.
A failure on a worker comes back as the same :class:`~nbpromote.errors.StageFailedError` (stage,
traceback, input hashes) as in process.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from ..errors import PipelineError
from ._executors import Executor, StageTask, result_from_payload, task_payload
from ._store import ArtifactStore

if TYPE_CHECKING:
    from concurrent.futures import Future

    from ._executors import StageResult

__all__ = ["DaskExecutor"]


def _run_on_worker(task: StageTask, home: str) -> dict[str, Any]:
    # Runs on a worker: the stage's working directory makes relative data paths resolve as they do
    # in process (workers run one task at a time: threads_per_worker=1 for local clusters).
    if task.cwd and os.path.isdir(task.cwd):
        os.chdir(task.cwd)
    return task_payload(task, home)


class DaskExecutor(Executor):
    """Run stages as tasks on a Dask ``distributed`` cluster.

    Parameters
    ----------
    scheduler : str or None, default=None
        Address of a running scheduler (``tcp://HOST:PORT``); None starts a LocalCluster with one
        single-threaded worker process per core for the duration of the run.
    n_workers : int or None, default=None
        Workers of the local cluster (default: the machine's cores).

    Attributes
    ----------
    startup_seconds : float
        Time taken to start (or connect to) the cluster, reported apart from the stages' time.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, n_workers: int | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise PipelineError("The Dask executor needs the dask extra.",
                                hint="pip install 'nbpromote[dask]'") from None
        started = time.perf_counter()
        self._cluster = None
        if scheduler:
            self.client = Client(scheduler, timeout="30s")
        else:
            self._cluster = LocalCluster(n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=1,
                                         processes=True, dashboard_address="127.0.0.1:0")
            self.client = Client(self._cluster)
        self.scheduler = scheduler or self._cluster.scheduler_address  # type: ignore[union-attr]
        self.startup_seconds = time.perf_counter() - started

    def submit(self, task: StageTask, store: ArtifactStore) -> Future[StageResult]:
        from concurrent.futures import Future

        shipped = StageTask(**{**task.__dict__, "func": None})  # functions travel by import path
        remote = self.client.submit(_run_on_worker, shipped, store.location,
                                    key=f"{task.stage}-{task.key}", pure=False)
        future: Future[StageResult] = Future()

        def settle(done: Any) -> None:
            try:
                outcome = result_from_payload(done.result())
            except Exception as error:  # the worker died or the task could not be sent
                from ..errors import StageFailedError

                outcome = {"error": StageFailedError(
                    f"Stage '{task.stage}' could not run on the Dask cluster: {type(error).__name__}: {error}",
                    hint="Check the workers' logs, or run with --executor inprocess.",
                    stage=task.stage, traceback="", inputs=dict(task.inputs))}
            if "error" in outcome:
                future.set_exception(outcome["error"])
            else:
                future.set_result(outcome["result"])

        remote.add_done_callback(settle)
        return future

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
