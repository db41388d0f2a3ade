"""Running a pipeline: cache keys, hits and misses, reasons, the run record.

For each stage in DAG order the runner computes the key parts (code, params, data files, input
hashes, environment, seed) *before* anything runs, looks the key up in the stage cache, and either
reuses the stored output hashes (a hit: nothing is loaded) or hands the stage to the executor
with its inputs as hashes (a miss: the reasons are recorded). Outputs of cached stages are only
read from disk when a stage that reruns needs them.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import xxhash

from ..errors import ManifestError, PipelineError, SerializationError, StageFailedError, UsageError
from ._dag import Pipeline, Stage
from ._executors import Executor, StageTask, get_executor
from ._keys import environment_lock, key_parts, rerun_reasons, stage_key
from ._params import resolve_params
from ._progress import RunEvents, previous_durations
from ._records import RUN_RECORD_SCHEMA, RUN_SCHEMA_VERSION
from ._store import ArtifactStore

__all__ = ["run_pipeline", "plan_run", "RUN_SCHEMA_VERSION", "RUN_RECORD_SCHEMA", "new_run_id"]




def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id(pipeline: str, moment: datetime | None = None) -> str:
    """Sortable run id: UTC time to the microsecond + 6 hex digits of (pipeline, pid, time)."""
    moment = moment or _now()
    stamp = moment.strftime("%Y%m%dT%H%M%S%fZ")
    suffix = xxhash.xxh64(f"{pipeline}|{os.getpid()}|{time.perf_counter_ns()}".encode()).hexdigest()[:6]
    return f"{stamp}-{suffix}"


def _lazy_previous(store: ArtifactStore, pipeline: Pipeline) -> Callable[[str], dict[str, Any] | None]:
    """``previous(stage_name)``: run records are read only when a stage misses the cache."""
    loaded: list[dict[str, dict[str, Any]]] = []

    def previous(name: str) -> dict[str, Any] | None:
        if not loaded:
            loaded.append(_previous_parts(store, pipeline))
        return loaded[0].get(name)

    return previous


def _previous_parts(store: ArtifactStore, pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    """Key parts of each stage's most recent attempt, from the newest run records holding it.

    A run with ``--only`` or one that failed holds some stages only; older records (the last 20)
    fill the gaps, so every stage is compared with its own last attempt.
    """
    found: dict[str, dict[str, Any]] = {}
    wanted = {stage.name for stage in pipeline.stages}
    for run_id in reversed(store.run_ids(pipeline.name)[-20:]):
        try:
            record = store.read_run(pipeline.name, run_id)
        except ManifestError:
            continue
        failed = record.get("failed") or {}
        if failed.get("key_parts"):
            found.setdefault(failed["stage"], failed["key_parts"])
        for stage in record.get("stages", []):
            if "key_parts" in stage:
                found.setdefault(stage["name"], stage["key_parts"])
        if wanted <= set(found):
            break
    return found


def _lookup(store: ArtifactStore, pipeline: Pipeline, stage: Stage, key: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The cache entry of ``stage`` under ``key`` if it still holds, else ``(None, why not)``.

    An entry holds when every file the stage read when it ran still has the same content (size
    and mtime checked first, the content hash only when they differ): the key is computed before a
    stage runs, the files it reads are only known after, so they are re-checked here.
    """
    from .._reads import changed_reads

    entry = store.get_entry(pipeline.name, stage.name, key)
    if entry is None:
        return None, []
    changed = changed_reads(entry.get("reads") or {})
    return (None, changed) if changed else (entry, [])


@contextlib.contextmanager
def _stdout_to(stream: Any) -> Iterator[None]:
    if stream is None:
        yield
        return
    with contextlib.redirect_stdout(stream), _descriptor_1_to(stream):
        yield


@contextlib.contextmanager
def _descriptor_1_to(stream: Any) -> Iterator[None]:
    """Point file descriptor 1 at ``stream``'s descriptor too, while stages run.

    ``redirect_stdout`` moves Python's ``print``; a process a stage starts (joblib's loky workers of
    ``GridSearchCV(n_jobs=-1, verbose=2)``, ``subprocess.run``) writes to descriptor 1 directly, and
    would put its lines in the middle of ``run --json``'s one document.
    """
    try:
        target = stream.fileno()
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError):  # a StringIO, a closed or detached stream
        yield
        return
    if target == 1:
        yield
        return
    saved = os.dup(1)
    try:
        os.dup2(target, 1)
        yield
    finally:
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
        os.dup2(saved, 1)
        os.close(saved)


def _selection(pipeline: Pipeline, from_stage: str | None, only: str | None, force: bool,
               until: str | None = None) -> tuple[list[Stage], set[str], str]:
    if sum(bool(x) for x in (from_stage, only, until)) > 1:
        raise UsageError("--from, --only and --until cannot be combined.",
                         hint="Use --from STAGE to rerun STAGE and downstream, --only STAGE for one stage, "
                              "--until STAGE to bring STAGE and its upstream up to date.")
    if until:
        # What an orchestrator's task runs: STAGE and its upstream, each a cache hit when unchanged.
        names = set(pipeline.upstream(until)) | {until}
        forced = set(names) if force else set()
        return [s for s in pipeline.stages if s.name in names], forced, "--force"
    if only:
        names = set(pipeline.upstream(only)) | {only}
        return [s for s in pipeline.stages if s.name in names], {only}, f"--only {only}"
    if from_stage:
        return list(pipeline.stages), set(pipeline.downstream(from_stage)), f"--from {from_stage}"
    forced = {s.name for s in pipeline.stages} if force else set()
    return list(pipeline.stages), forced, "--force"


def plan_run(
    pipeline: Pipeline, *, params: Mapping[str, Any] | None = None, store: ArtifactStore | str | Path | None = None,
) -> list[dict[str, Any]]:
    """What ``run`` would do now, without running anything (used by ``status``).

    Parameters
    ----------
    pipeline : Pipeline
        The DAG.
    params : mapping or None, default=None
        Resolved parameter values; None means the pipeline's defaults.
    store : ArtifactStore or str or Path or None, default=None
        The nbpromote home.

    Returns
    -------
    list of dict
        Per stage: ``name``, ``key`` (None when an upstream stage must run first), ``state``
        (``"cached"``, ``"will run"``, ``"blocked"``), ``reasons``.
    """
    store = store if isinstance(store, ArtifactStore) else ArtifactStore(store)
    resolved = dict(pipeline.params) if params is None else dict(params)
    previous = _lazy_previous(store, pipeline)
    refs: dict[str, str] = {}
    stale: set[str] = set()
    out = []
    for stage in pipeline.stages:
        parents = [p for i in stage.inputs if (p := pipeline.producer(i)) is not None and p.name in stale]
        if parents:
            stale.add(stage.name)
            out.append({"name": stage.name, "key": None, "state": "will run",
                        "reasons": [f"upstream stage {', '.join(sorted({p.name for p in parents}))} will run"]})
            continue
        parts = key_parts(pipeline, stage, resolved, refs)
        key = stage_key(parts)
        entry, changed = _lookup(store, pipeline, stage, key)
        if entry is not None:
            refs.update(entry["outputs"])
            out.append({"name": stage.name, "key": key, "state": "cached", "reasons": []})
        else:
            stale.add(stage.name)
            out.append({"name": stage.name, "key": key, "state": "will run",
                        "reasons": changed or rerun_reasons(parts, previous(stage.name))})
    return out


def run_pipeline(
    pipeline: Pipeline,
    *,
    params: Mapping[str, Any] | None = None,
    params_file: str | Path | None = None,
    from_stage: str | None = None,
    only: str | None = None,
    until: str | None = None,
    executor: str | Executor | None = None,
    scheduler: str | None = None,
    store: ArtifactStore | str | Path | None = None,
    force: bool = False,
    log: Callable[[str], None] | None = None,
    stage_stdout: Any = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run the pipeline's DAG with caching and write the run record.

    Parameters
    ----------
    pipeline : Pipeline
        The DAG to run.
    params : mapping or None, default=None
        Parameter overrides (text values are converted to the defaults' types).
    params_file : str or Path or None, default=None
        JSON/YAML/TOML file of parameter overrides, applied before ``params``.
    from_stage : str or None, default=None
        Rerun this stage and everything downstream even if cached; upstream stages come from the
        cache (and run only if they are out of date).
    only : str or None, default=None
        Run just this stage (even if cached); its upstream stages must be cached and up to date.
    until : str or None, default=None
        Bring this stage and its upstream stages up to date, each a cache hit when nothing it
        depends on changed (what an orchestrator's task for one stage runs).
    executor : {"inprocess", "process", "dask"} or Executor or None, default=None
        Where stages run; None is in-process.
    scheduler : str or None, default=None
        The Dask scheduler's address for ``executor="dask"`` (default: a local cluster).
    store : ArtifactStore or str or Path or None, default=None
        The nbpromote home (``$NBPROMOTE_HOME`` or ``./.nbpromote`` when None).
    force : bool, default=False
        Rerun every stage regardless of the cache.
    log : callable or None, default=None
        Called with one line of progress per stage (``"train: ran in 1.20 s (code changed …)"``).
    stage_stdout : file-like or None, default=None
        Where the stages' own prints go (the CLI sends them to stderr under ``--json``).
    on_event : callable or None, default=None
        Called with each progress event as it happens (run and stage started/finished, with the
        ETA from earlier runs; see :mod:`nbpromote.pipeline._progress`); the record keeps them.

    Returns
    -------
    dict
        The run record (also written to ``runs/<pipeline>/<run_id>.json``).

    Raises
    ------
    StageFailedError
        A stage raised; the record (status ``"failed"``) is written first and its ``run_id`` is on
        the error. Stages that completed stay cached.
    PipelineError
        ``only`` was given but an upstream result is not cached.
    UsageError
        Unknown stage or parameter, bad parameter value.
    """
    store = store if isinstance(store, ArtifactStore) else ArtifactStore(store)
    resolved = resolve_params(pipeline.params, params, params_file)
    stages, forced, forced_by = _selection(pipeline, from_stage, only, force, until)
    runner = get_executor(executor, scheduler=scheduler)
    started = _now()
    run_id = new_run_id(pipeline.name, started)
    previous = _lazy_previous(store, pipeline)
    env = environment_lock(pipeline.root)
    events = RunEvents([s.name for s in stages], previous_durations(_recent_records(store, pipeline)), on_event)
    record: dict[str, Any] = {
        "schema_version": RUN_SCHEMA_VERSION,
        "run_id": run_id,
        "pipeline": pipeline.name,
        "version": pipeline.version,
        "params": resolved,
        "seed": pipeline.seed,
        "executor": runner.name,
        **({"executor_startup_seconds": round(runner.startup_seconds, 3)}
           if hasattr(runner, "startup_seconds") else {}),
        "status": "running",
        "stages": [],
        "environment": {**env, "python": platform.python_version(), "platform": sys.platform},
        "package": _package_info(pipeline),
        "started_at": _iso(started),
        "finished_at": None,
        "metrics": None,
        "events": events.events,
    }
    refs: dict[str, str] = {}
    say = log or (lambda line: None)
    # Stages are submitted as soon as their inputs are known and waited for only when a later stage
    # needs their outputs (or at the end), so independent stages run at the same time on executors
    # that run in parallel (dask); in process, submit() runs the stage and nothing changes.
    pending: dict[str, tuple[Any, dict[str, Any], list[str], float]] = {}
    current: dict[str, Any] = {}  # the stage a failure is charged to

    def finish(name: str) -> None:
        future, item, reasons, submitted = pending.pop(name)
        current.update(stage=name, key=item["key"], parts=item["key_parts"])
        try:
            with _stdout_to(stage_stdout):
                result = future.result()
        except (StageFailedError, SerializationError):
            events.stage_finished(name, "failed", time.perf_counter() - submitted, reasons)
            raise
        wall = time.perf_counter() - submitted
        outputs = {out: ref.hash for out, ref in result.outputs.items()}
        artifacts = {out: ref.to_dict() for out, ref in result.outputs.items()}
        refs.update(outputs)
        store.put_entry(pipeline.name, name, item["key"], {
            "pipeline": pipeline.name, "stage": name, "outputs": outputs, "artifacts": artifacts,
            "key_parts": item["key_parts"], "seconds": result.seconds, "run_id": run_id, "reads": result.reads,
        })
        item.update(status="ran", seconds=round(wall, 6), outputs=outputs, reason="; ".join(reasons),
                    reasons=reasons, artifacts=artifacts, reads=result.reads)
        if result.seeds:
            item["seeds"] = result.seeds
        say(f"{name}: ran in {wall:.2f} s (reran: {'; '.join(reasons)})")
        events.stage_finished(name, "ran", wall, reasons)

    events.run_started(run_id, pipeline.name, runner.name)
    try:
        for stage in stages:
            for producer in {p.name for i in stage.inputs if (p := pipeline.producer(i)) is not None}:
                if producer in pending:
                    finish(producer)
            events.stage_started(stage.name)
            inputs = {name: refs[name] for name in stage.inputs}
            parts = key_parts(pipeline, stage, resolved, inputs)
            key = stage_key(parts)
            current.update(stage=stage.name, key=key, parts=parts)
            entry, changed = _lookup(store, pipeline, stage, key)
            item: dict[str, Any] = {"name": stage.name, "key": key, "inputs": inputs}
            if entry is not None and stage.name not in forced:
                refs.update(entry["outputs"])
                item.update(status="cached", seconds=0.0, outputs=dict(entry["outputs"]), reason=None,
                            reasons=[], artifacts=entry.get("artifacts", {}), original_run=entry.get("run_id"),
                            key_parts=parts, reads=entry.get("reads") or {})
                record["stages"].append(item)
                say(f"{stage.name}: cached")
                events.stage_finished(stage.name, "cached", 0.0)
                continue
            if only and stage.name != only:
                raise PipelineError(
                    f"--only {only} needs the result of stage '{stage.name}', which is not cached for the "
                    f"current code, params and data ({'; '.join(changed or rerun_reasons(parts, previous(stage.name)))}).",
                    hint=f"Run the pipeline without --only, or use --from {stage.name}.", stage=stage.name,
                )
            reasons = ([f"forced by {forced_by}"] if stage.name in forced
                       else changed or rerun_reasons(parts, previous(stage.name)))
            task = StageTask(
                pipeline=pipeline.name, stage=stage.name, func_ref=stage.func_ref, key=key, inputs=inputs,
                params={name: resolved[name] for name in stage.params}, outputs=stage.outputs,
                seed=pipeline.seed, sys_path=list(sys.path), cwd=os.getcwd(),
                func=None if isinstance(stage.func, str) else stage.func,
            )
            item["key_parts"] = parts
            record["stages"].append(item)  # in DAG order; completed by finish()
            submitted = time.perf_counter()
            with _stdout_to(stage_stdout):
                future = runner.submit(task, store)
            pending[stage.name] = (future, item, reasons, submitted)
        for name in list(pending):
            finish(name)
    except (StageFailedError, SerializationError) as error:
        # The record of a failed run says where and why; the stages before it stay cached.
        record["stages"] = [item for item in record["stages"] if "status" in item]
        record.update(status="failed", finished_at=_iso(_now()), failed={
            "stage": getattr(error, "stage", None) or current["stage"], "message": error.message,
            "traceback": getattr(error, "traceback", ""), "inputs": getattr(error, "inputs", {}),
            "key": current["key"], "key_parts": current["parts"],
        })
        events.run_finished("failed")
        store.write_run(record)
        error.fields["run_id"] = run_id
        setattr(error, "run_id", run_id)  # noqa: B010 - the CLI names the failed run's record
        raise
    finally:
        runner.close()
    record["roles"] = {
        role: {"output": output, "hash": refs[output]}
        for role, output in sorted(pipeline.roles.items()) if output in refs
    }
    from ._integrations import build_profile

    record["profile"] = build_profile(pipeline, store, refs, log=say)
    record["metrics"] = run_metrics(pipeline, store, record)
    record.update(status="succeeded", finished_at=_iso(_now()))
    events.run_finished("succeeded")
    store.write_run(record)
    return record


def _recent_records(store: ArtifactStore, pipeline: Pipeline, count: int = 5) -> list[dict[str, Any]]:
    """The newest run records (newest first), for the ETA."""
    out = []
    for run_id in reversed(store.run_ids(pipeline.name)[-count:]):
        try:
            out.append(store.read_run(pipeline.name, run_id))
        except ManifestError:
            continue
    return out


def run_metrics(pipeline: Pipeline, store: ArtifactStore, record: dict[str, Any]) -> dict[str, Any] | None:
    """The run's metrics and where each came from: ``{"values", "provenance"}`` or None.

    ``values`` are the numbers of the ``metrics`` role's output (a flat dict name → number, as
    export's metric recording writes it); ``provenance[name]`` names the stage, output, artifact id
    and the run that computed it, plus what the package's ``lineage.json`` says about that metric
    (``metrics``: name → function, data, cell), so ``register`` can carry both into the registry.
    The artifact is read verified, as JSON, without deserialising anything else.
    """
    import json

    output = pipeline.roles.get("metrics")
    producer = next((s for s in record["stages"] if output in s.get("outputs", {})), None)
    if output is None or producer is None:
        return None
    digest = producer["outputs"][output]
    try:
        if store.meta(digest).get("serializer") != "json":
            return None
        data, _meta = store.read_verified(digest)
    except PipelineError:
        return None
    document = json.loads(data.decode("utf-8"))
    if not isinstance(document, dict):
        return None
    values = {name: value for name, value in document.items()
              if isinstance(value, (int, float)) and not isinstance(value, bool)}
    sites = _lineage_metrics(pipeline)
    provenance = {
        name: {"stage": producer["name"], "output": output, "artifact": digest,
               "run_id": producer.get("original_run") or record["run_id"], **sites.get(name, {})}
        for name in values
    }
    return {"values": values, "provenance": provenance}


def _lineage_metrics(pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    from .._io import read_json

    root = pipeline.root
    if root is None or not (root / "lineage.json").is_file():
        return {}
    try:
        found = read_json(root / "lineage.json").get("metrics") or {}
    except (ManifestError, AttributeError):
        return {}
    return {str(k): dict(v) for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}


def _package_info(pipeline: Pipeline) -> dict[str, Any]:
    from ..capture.hashing import hash_file

    root = pipeline.root
    info: dict[str, Any] = {"root": str(root) if root else None}
    if root is not None:
        for name in ("lineage.json", "requirements.lock"):
            path = root / name
            if path.is_file():
                info[name] = hash_file(path)
    return info
