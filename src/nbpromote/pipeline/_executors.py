"""Executors: where a stage's function actually runs.

The runner decides *what* runs (cache keys, order, reasons); an executor only runs one stage:
it gets a :class:`StageTask` — the function's import path, the input artifacts *by content hash*,
the param values, the seed — and returns a future of a :class:`StageResult` holding the output
artifacts' references. Artifacts travel through the :class:`~nbpromote.pipeline.ArtifactStore`,
never as Python objects, so an executor can run the stage anywhere that sees the store.

Registered executors (:data:`EXECUTORS`, extend with :func:`register_executor`):

``inprocess`` (default)
    Calls the function in this interpreter; outputs produced in this run are handed to
    downstream stages from memory, cached ones are loaded from the store on first use.
``process``
    A fresh interpreter per stage (``python -m nbpromote.pipeline._worker TASK``) that loads its
    inputs from the store by hash and writes its outputs back: isolation from state left by
    other stages, a clean ``PYTHONHASHSEED``, and memory returned to the OS after each stage.

Plugging in a distributed engine (Dask, later): a ``DaskExecutor(Executor)`` whose ``submit``
calls ``client.submit(execute_task, task, store_home, key=task.key, pure=False)`` and returns the
Dask future (it has ``.result()``); the store must then live on storage every worker sees (a
shared filesystem or an fsspec URL), and since each task is addressed by its cache key and each
artifact by its content hash, resubmission and retries are idempotent. The runner already only
talks to ``submit(...).result()``; running independent stages concurrently means submitting
every ready stage before waiting, a change confined to ``_runner.py``.
"""

from __future__ import annotations

import os
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._io import read_json, write_json
from ..errors import PipelineError, StageFailedError, UsageError
from ._store import ArtifactRef, ArtifactStore

if TYPE_CHECKING:  # concurrent.futures imports logging and threading: only when a stage runs
    from concurrent.futures import Future

__all__ = [
    "StageTask",
    "StageResult",
    "Executor",
    "InProcessExecutor",
    "ProcessExecutor",
    "EXECUTORS",
    "register_executor",
    "get_executor",
    "execute_task",
    "task_payload",
    "result_from_payload",
]


@dataclass
class StageTask:
    """One stage to run: everything an executor needs, addressable without Python objects."""

    pipeline: str
    stage: str
    func_ref: str
    key: str
    inputs: dict[str, str]
    params: dict[str, Any]
    outputs: tuple[str, ...]
    seed: int | None = None
    sys_path: list[str] = field(default_factory=list)
    cwd: str = ""
    #: The function itself, for in-process execution; never sent to another process.
    func: Callable[..., Any] | None = field(default=None, repr=False, compare=False)


@dataclass
class StageResult:
    """What a stage produced: output name → artifact reference, the seconds the function took."""

    outputs: dict[str, ArtifactRef]
    seconds: float
    seeds: dict[str, Any] | None = None
    #: Files the stage read while it ran: name → {path, size, mtime_ns, hash} (:mod:`nbpromote._reads`).
    reads: dict[str, dict[str, Any]] = field(default_factory=dict)


class Executor(ABC):
    """Runs stages. Subclasses implement :meth:`submit`; :meth:`close` frees resources."""

    name = "abstract"

    @abstractmethod
    def submit(self, task: StageTask, store: ArtifactStore) -> Future[StageResult]:
        """Start ``task``; the future's ``result()`` is a :class:`StageResult` or raises
        :class:`~nbpromote.errors.StageFailedError`."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release workers, memory, connections."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _import_func(func_ref: str) -> Callable[..., Any]:
    import importlib
    import importlib.util

    module_name, _, qualname = func_ref.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        package = module_name.split(".")[0]
        missing = (getattr(exc, "name", None) or "").split(".")[0]
        if missing and missing != package:
            requirement = _requirement_for(package, missing)
            what = (f"it imports `{exc.name}`, which the installed {missing} does not have"
                    if exc.name != missing and importlib.util.find_spec(missing) is not None
                    else f"it imports `{missing}`, which is not installed")
            raise PipelineError(
                f"Cannot import stage module '{module_name}': {what} (distribution {requirement.split('==')[0]}).",
                hint=f"Install the package with its pinned dependencies (pip install -e .), or just that one: "
                f"pip install '{requirement}'.",
            ) from None
        raise PipelineError(
            f"Cannot import stage module '{module_name}' ({exc}).",
            hint="Install the package (pip install -e .) or run from the directory holding it.",
        ) from None
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def _requirement_for(package: str, module: str) -> str:
    """The pinned requirement of the exported package that provides ``module`` (from its
    requirements.lock, where each pin names the import that needs it), else the module's name."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
        roots = list(spec.submodule_search_locations or []) if spec else []
    except (ImportError, ValueError):
        roots = []
    for root in roots:
        lock = Path(root) / "requirements.lock"
        try:
            lines = lock.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        for line in lines:
            requirement, _, comment = line.partition("#")
            note = comment.strip()
            if requirement.strip() and (note.startswith(f"import {module} ") or note == f"import {module}"
                                        or requirement.strip().startswith(f"{module}==")):
                return requirement.strip()
    return module


def _apply_seed(seed: int | None) -> dict[str, Any] | None:
    if seed is None:
        return None
    from ..capture._seeds import set_seeds

    return set_seeds(seed).to_dict()


def _user_traceback(exc: BaseException) -> str:
    import traceback

    # Drop the runtime's own frame so the traceback starts in the stage's code.
    tb = exc.__traceback__
    if tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def execute_task(task: StageTask, store: ArtifactStore, memory: dict[str, Any] | None = None) -> StageResult:
    """Run one stage: load inputs by hash, seed, call, check and store the outputs.

    Parameters
    ----------
    task : StageTask
        The stage to run.
    store : ArtifactStore
        Where inputs are read from and outputs written to.
    memory : dict or None, default=None
        hash → value of artifacts already in memory (the in-process executor's hand-over); new
        outputs are added to it.

    Raises
    ------
    StageFailedError
        The function raised or returned something other than its declared outputs; carries
        ``stage``, ``traceback`` (text) and ``inputs`` (name → hash).
    SerializationError
        An output cannot be stored.
    """
    memory = {} if memory is None else memory
    func = task.func or _import_func(task.func_ref)
    arguments: dict[str, Any] = {}
    for name, digest in task.inputs.items():
        if digest not in memory:
            memory[digest] = store.get(digest)
        arguments[name] = memory[digest]
    seeds = _apply_seed(task.seed)
    from .._reads import record_reads

    started = time.perf_counter()
    recorder = record_reads(exclude=[store.home])
    try:
        with recorder:
            returned = func(**arguments, **task.params)
    except Exception as exc:
        text = _user_traceback(exc)
        raise StageFailedError(
            f"Stage '{task.stage}' failed: {type(exc).__name__}: {exc}",
            hint="Fix the stage and rerun; the stages that completed stay cached.",
            stage=task.stage, traceback=text, inputs=dict(task.inputs),
        ) from exc
    seconds = time.perf_counter() - started
    if returned is None and not task.outputs:
        returned = {}
    if not isinstance(returned, Mapping):
        raise StageFailedError(
            f"Stage '{task.stage}' returned a {type(returned).__name__}, not a dict of its outputs "
            f"({', '.join(task.outputs) or 'none declared'}).",
            hint="End the stage function with: return {" + ", ".join(f"'{o}': {o}" for o in task.outputs) + "}.",
            stage=task.stage, traceback="", inputs=dict(task.inputs),
        )
    missing = [o for o in task.outputs if o not in returned]
    extra = [o for o in returned if o not in task.outputs]
    if missing or extra:
        problem = "; ".join(
            part for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"undeclared {', '.join(map(str, extra))}" if extra else "",
            ) if part
        )
        raise StageFailedError(
            f"Stage '{task.stage}' returned outputs that do not match its declaration ({problem}).",
            hint=f"Return exactly: {', '.join(task.outputs) or '(nothing)'}, or fix outputs= in pipeline.py.",
            stage=task.stage, traceback="", inputs=dict(task.inputs),
        )
    refs: dict[str, ArtifactRef] = {}
    for name in task.outputs:
        value = returned[name]
        ref = store.put(value, stage=task.stage, output=name,
                        producer={"pipeline": task.pipeline, "stage": task.stage, "output": name, "key": task.key})
        memory[ref.hash] = value
        refs[name] = ref
    return StageResult(outputs=refs, seconds=seconds, seeds=seeds, reads=recorder.to_dict())


def _done(result: StageResult | None = None, error: BaseException | None = None) -> Future[StageResult]:
    from concurrent.futures import Future

    future: Future[StageResult] = Future()
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]
    return future


class InProcessExecutor(Executor):
    """Run each stage in this interpreter (the default)."""

    name = "inprocess"

    def __init__(self) -> None:
        self.memory: dict[str, Any] = {}

    def submit(self, task: StageTask, store: ArtifactStore) -> Future[StageResult]:
        try:
            return _done(execute_task(task, store, self.memory))
        except Exception as error:  # handed to the caller through the future, like a pool would
            return _done(error=error)

    def close(self) -> None:
        self.memory.clear()


class ProcessExecutor(Executor):
    """Run each stage in a fresh interpreter that talks to the store only.

    Parameters
    ----------
    python : str or None, default=None
        Interpreter to use; None means this one (``sys.executable``).
    """

    name = "process"

    def __init__(self, python: str | None = None) -> None:
        self.python = python or sys.executable

    def submit(self, task: StageTask, store: ArtifactStore) -> Future[StageResult]:
        import pickle
        import subprocess
        import tempfile

        # The task and result files are private hand-over files: the system temp dir, not the store.
        with tempfile.TemporaryDirectory(prefix="nbpromote-stage-") as folder:
            task_path = Path(folder) / "task.pkl"
            result_path = Path(folder) / "result.json"
            shipped = StageTask(**{**task.__dict__, "func": None})
            task_path.write_bytes(pickle.dumps((shipped, store.location), protocol=5))
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (task.sys_path or sys.path) if p)
            if task.seed is not None:
                env["PYTHONHASHSEED"] = str(task.seed)  # only a fresh process can honour it
            completed = subprocess.run(
                [self.python, "-m", "nbpromote.pipeline._worker", str(task_path), str(result_path)],
                env=env, cwd=task.cwd or None, capture_output=True, text=True,
            )
            if completed.stdout:
                sys.stdout.write(completed.stdout)
            if not result_path.exists():
                return _done(error=StageFailedError(
                    f"Stage '{task.stage}' crashed its worker process (exit {completed.returncode}).",
                    hint="Run it with --executor inprocess to see the error in this process.",
                    stage=task.stage, traceback=completed.stderr[-4000:], inputs=dict(task.inputs),
                ))
            if completed.stderr:
                sys.stderr.write(completed.stderr)
            payload = read_json(result_path)
        return _done(**result_from_payload(payload))


def task_payload(task: StageTask, home: str) -> dict[str, Any]:
    """Run ``task`` against the store at ``home`` and describe the outcome as plain JSON data.

    What a worker in another process (``process``) or on another machine (``dask``) sends back:
    output references by hash, never the values; a failure as the error's class name and fields.
    """
    from ..errors import NbpromoteError

    for entry in reversed(task.sys_path):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    try:
        result = execute_task(task, ArtifactStore(home))
    except NbpromoteError as error:
        return {"error": {**error.to_dict(), "message": error.message, "hint": error.hint}}
    return {
        "outputs": {name: ref.to_dict() for name, ref in result.outputs.items()},
        "seconds": result.seconds,
        "seeds": result.seeds,
        "reads": result.reads,
    }


def result_from_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``{"result": StageResult}`` or ``{"error": NbpromoteError}`` from :func:`task_payload`'s data."""
    if "error" in payload:
        error = payload["error"]
        from .. import errors

        fields = {k: v for k, v in error.items() if k not in ("error", "message", "hint")}
        kind = getattr(errors, error["error"], PipelineError)
        try:
            exc = kind(error["message"], hint=error.get("hint"), **fields)
        except TypeError:  # a subclass with its own signature: keep the text
            exc = PipelineError(error["message"], hint=error.get("hint"), **fields)
        return {"error": exc}
    outputs = {name: ArtifactRef(**ref) for name, ref in payload["outputs"].items()}
    return {"result": StageResult(outputs=outputs, seconds=payload["seconds"], seeds=payload.get("seeds"),
                                  reads=payload.get("reads", {}))}


def worker_main(task_path: str, result_path: str) -> int:
    """Body of the worker process: run the pickled task, write the result (or error) as JSON."""
    import pickle

    task, home = pickle.loads(Path(task_path).read_bytes())
    payload = task_payload(task, home)
    write_json(result_path, payload)
    return 1 if "error" in payload else 0


def _dask_executor(**options: Any) -> Executor:
    from ._dask import DaskExecutor  # distributed is imported only when asked for

    return DaskExecutor(**options)


#: name -> executor class (or factory).
EXECUTORS: dict[str, Callable[..., Executor]] = {
    "inprocess": InProcessExecutor, "process": ProcessExecutor, "dask": _dask_executor,
}


def register_executor(name: str, cls: Callable[..., Executor]) -> Callable[..., Executor]:
    """Make ``--executor NAME`` use ``cls`` (e.g. a Dask executor from a plug-in).

    Parameters
    ----------
    name : str
        The name ``--executor`` takes.
    cls : callable
        An :class:`Executor` subclass (or a factory returning one), called with the executor's
        options as keyword arguments (none for most).
    """
    EXECUTORS[name] = cls
    return cls


def get_executor(executor: str | Executor | None, **options: Any) -> Executor:
    """An executor instance from a name (``"inprocess"``, ``"process"``, ``"dask"``), an instance, or None.

    Parameters
    ----------
    executor : str or Executor or None
        None means in-process.
    **options
        Passed to the executor's constructor (``scheduler=`` for ``dask``); options that are None
        are left out.
    """
    options = {k: v for k, v in options.items() if v is not None}
    if executor is None:
        return InProcessExecutor()
    if isinstance(executor, Executor):
        return executor
    try:
        factory = EXECUTORS[executor]
    except KeyError:
        raise UsageError(
            f"Unknown executor '{executor}'.", hint=f"Choose one of: {', '.join(EXECUTORS)}.", executor=executor,
        ) from None
    return factory(**options)
