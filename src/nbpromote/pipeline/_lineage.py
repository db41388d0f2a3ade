"""Lineage and status: from any artifact back to code, params, data and seed.

Each artifact's metadata names the stage and cache key that first produced it; the stage cache
entry under that key holds the key parts (code hashes, params, data files, input hashes,
environment, seed) and the run id. Walking the inputs recursively reaches the stages that read
data files, whose hashes end the walk. When metadata lacks a producer (an artifact written by
hand, or a store from another tool) the run records are searched instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import PipelineError, UsageError
from ._dag import Pipeline
from ._runner import plan_run
from ._store import ArtifactStore

__all__ = ["lineage", "resolve_artifact", "pipeline_status", "latest_succeeded_run", "format_lineage", "format_status"]


def latest_succeeded_run(store: ArtifactStore, pipeline: str) -> dict[str, Any] | None:
    """The newest run record of ``pipeline`` whose status is ``"succeeded"``."""
    for run_id in reversed(store.run_ids(pipeline)):
        record = store.read_run(pipeline, run_id)
        if record.get("status") == "succeeded":
            return record
    return None


def resolve_artifact(pipeline: Pipeline, target: str, store: ArtifactStore) -> tuple[str, str | None]:
    """``(hash, output name or None)`` of an output name (latest run), a full hash or a hash prefix.

    Raises
    ------
    UsageError
        Nothing matches; the message lists the pipeline's outputs.
    """
    if target in pipeline.outputs or target in pipeline.roles:
        output = pipeline.roles.get(target, target)
        record = latest_succeeded_run(store, pipeline.name)
        digest = _output_hash(record, output) if record else None
        if digest is None:
            raise UsageError(
                f"Output '{output}' has no artifact yet: pipeline '{pipeline.name}' has no successful run in {store.home}.",
                hint=f"Run it first: python -m {pipeline.name} run", output=output,
            )
        return digest, output
    digest = target if ":" in target and store.has(target) else store.find(target)
    if digest is None:
        raise UsageError(
            f"'{target}' is neither an output of pipeline '{pipeline.name}' nor an artifact hash in {store.objects}.",
            hint=f"Outputs: {', '.join(pipeline.outputs)}; or give a hash (prefix) from the run record.",
            target=target,
        )
    return digest, None


def _output_hash(record: dict[str, Any], output: str) -> str | None:
    for stage in record.get("stages", []):
        if output in stage.get("outputs", {}):
            return stage["outputs"][output]
    return None


def _producer_from_runs(store: ArtifactStore, pipeline: str, digest: str) -> dict[str, Any] | None:
    for run_id in reversed(store.run_ids(pipeline)):
        for stage in store.read_run(pipeline, run_id).get("stages", []):
            for output, value in stage.get("outputs", {}).items():
                if value == digest:
                    return {"pipeline": pipeline, "stage": stage["name"], "output": output, "key": stage["key"],
                            "key_parts": stage.get("key_parts", {}), "run_id": run_id, "reads": stage.get("reads", {})}
    return None


def _producer_by_output(pipeline: Pipeline, store: ArtifactStore, digest: str, output: str | None) -> dict[str, Any] | None:
    # Equal content is stored once, so the artifact's metadata names only its *first* producer
    # (a validate stage passing its input through has the same hash as ingest's output). When
    # the output name is known, the stage that declares it is the producer to report.
    stage = pipeline.producer(output) if output else None
    if stage is None:
        return None
    matches = [e for e in store.entries(pipeline.name, stage.name) if e.get("outputs", {}).get(output) == digest]
    if not matches:
        return None
    entry = max(matches, key=lambda e: e.get("run_id") or "")
    return {"pipeline": pipeline.name, "stage": stage.name, "output": output, "key": entry["key"],
            "key_parts": entry.get("key_parts", {}), "run_id": entry.get("run_id"), "reads": entry.get("reads") or {}}


def lineage(pipeline: Pipeline, target: str, *, store: ArtifactStore | str | Path | None = None) -> dict[str, Any]:
    """The provenance tree of one artifact.

    Parameters
    ----------
    pipeline : Pipeline
        The pipeline whose records are searched.
    target : str
        An output name (its artifact in the latest successful run), a role name (``model``), a full
        content hash or a unique hash prefix (at least 4 hex digits).
    store : ArtifactStore or str or None, default=None
        The nbpromote home.

    Returns
    -------
    dict
        ``{"artifact", "output", "serializer", "type", "size", "stage", "key", "run_id", "code",
        "params", "data", "reads", "env", "seed", "inputs": {name: <same shape>}}``; a data file
        ends the walk in ``data`` (param → ``{"path", "hash"}``) or ``reads`` (the files the stage
        read when it ran: name → ``{"path", "size", "mtime_ns", "hash"}``).
    """
    store = store if isinstance(store, ArtifactStore) else ArtifactStore(store)
    digest, output = resolve_artifact(pipeline, target, store)
    return _node(pipeline, store, digest, output, depth=0)


def _node(pipeline: Pipeline, store: ArtifactStore, digest: str, output: str | None, depth: int) -> dict[str, Any]:
    if depth > 200:
        raise PipelineError(f"Lineage of {digest} is deeper than 200 stages; the records look circular.")
    node: dict[str, Any] = {"artifact": digest, "output": output}
    meta = store.meta(digest) if store.has(digest) else {}
    node.update({k: meta.get(k) for k in ("serializer", "type", "size")})
    producer = meta.get("producer")
    info: dict[str, Any] | None = _producer_by_output(pipeline, store, digest, output)
    if info is None and producer:
        entry = store.get_entry(producer.get("pipeline", pipeline.name), producer["stage"], producer["key"])
        if entry is not None:
            info = {**producer, "key_parts": entry.get("key_parts", {}), "run_id": entry.get("run_id"),
                    "reads": entry.get("reads") or {}}
    if info is None:
        info = _producer_from_runs(store, pipeline.name, digest)
    if info is None:
        node["stage"] = None
        node["note"] = "no record of the stage that produced this artifact"
        return node
    parts = info.get("key_parts", {})
    node.update(
        output=output or info.get("output"),
        stage=info["stage"], key=info["key"], run_id=info.get("run_id"),
        code=parts.get("code", {}), params=parts.get("params", {}), data=parts.get("data", {}),
        env=parts.get("env"), seed=parts.get("seed"), reads=info.get("reads") or {},
        inputs={name: _node(pipeline, store, h, name, depth + 1) for name, h in parts.get("inputs", {}).items()},
    )
    return node


def format_lineage(node: dict[str, Any], indent: str = "", _seen: set[str] | None = None) -> str:
    """The lineage tree as indented text; an artifact reached twice is detailed once."""
    seen = set() if _seen is None else _seen
    lines = [f"{indent}{node.get('output') or '(artifact)'}  {node['artifact']}"
             + (f"  [{node['serializer']}: {node['type']}]" if node.get("serializer") else "")]
    pad = indent + "    "
    if node["artifact"] in seen:
        lines[0] += "  (see above)"
        return lines[0]
    seen.add(node["artifact"])
    if node.get("stage") is None:
        lines.append(f"{pad}{node.get('note', 'unknown producer')}")
        return "\n".join(lines)
    lines.append(f"{pad}stage {node['stage']}  key {node['key']}  run {node.get('run_id')}")
    for path, digest in node.get("code", {}).items():
        lines.append(f"{pad}code {path}  {digest}")
    if node.get("params"):
        lines.append(f"{pad}params " + ", ".join(f"{k}={v!r}" for k, v in node["params"].items()))
    for param, info in node.get("data", {}).items():
        lines.append(f"{pad}data {info['path']} ({param})  {info['hash']}")
    for name, info in node.get("reads", {}).items():
        lines.append(f"{pad}read {name}  {info['hash']}")
    lines.append(f"{pad}seed {node.get('seed')}  env {node.get('env')}")
    for child in node.get("inputs", {}).values():
        lines.append(format_lineage(child, pad, seen))
    return "\n".join(lines)


def pipeline_status(pipeline: Pipeline, *, store: ArtifactStore | str | Path | None = None) -> dict[str, Any]:
    """Last run, what a run would do now (cache state per stage), and the roles' artifacts.

    Parameters
    ----------
    pipeline : Pipeline
        The DAG.
    store : ArtifactStore or str or Path or None, default=None
        The nbpromote home.

    Returns
    -------
    dict
        ``{"pipeline", "version", "store", "last_run": {run_id, status, finished_at, stages:
        {name: status}} | None, "stages": [{name, state, key, reasons}], "roles": {role: {output,
        hash, in_cache}}}``.
    """
    store = store if isinstance(store, ArtifactStore) else ArtifactStore(store)
    last = store.latest_run(pipeline.name)
    good = latest_succeeded_run(store, pipeline.name)
    roles = {}
    for role, output in sorted(pipeline.roles.items()):
        digest = _output_hash(good, output) if good else None
        roles[role] = {"output": output, "hash": digest, "in_cache": bool(digest and store.has(digest))}
    return {
        "pipeline": pipeline.name,
        "version": pipeline.version,
        "store": str(store.home),
        "last_run": None if last is None else {
            "run_id": last["run_id"], "status": last.get("status"), "finished_at": last.get("finished_at"),
            "stages": {s["name"]: s["status"] for s in last.get("stages", [])},
            **({"failed": {k: v for k, v in last["failed"].items() if k != "traceback"}} if last.get("failed") else {}),
        },
        "stages": plan_run(pipeline, store=store),
        "roles": roles,
    }


def last_run_status(store: ArtifactStore, pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    """Stage → ``{"status", "seconds", "reasons"}`` of the newest run (for the stage graph picture).

    A stage the newest run did not reach is ``never`` run in it; the failed stage is ``failed``.
    """
    last = store.latest_run(pipeline.name)
    out: dict[str, dict[str, Any]] = {s.name: {"status": "never"} for s in pipeline.stages}
    if last is None:
        return out
    for stage in last.get("stages", []):
        out[stage["name"]] = {"status": stage["status"], "seconds": stage.get("seconds"),
                              "reasons": stage.get("reasons") or []}
    failed = last.get("failed") or {}
    if failed.get("stage") in out:
        out[failed["stage"]] = {"status": "failed", "reasons": [str(failed.get("message", ""))]}
    return out


def format_status(status: dict[str, Any]) -> str:
    """:func:`pipeline_status` as text."""
    lines = [f"pipeline {status['pipeline']} {status['version']}  (store {status['store']})"]
    last = status["last_run"]
    if last is None:
        lines.append("last run: never")
    else:
        lines.append(f"last run: {last['run_id']}  {last['status']}  finished {last['finished_at']}")
        if last.get("failed"):
            lines.append(f"  failed at stage {last['failed']['stage']}: {last['failed']['message']}")
    lines.append("stages (what `run` would do now):")
    for stage in status["stages"]:
        why = f"  ({'; '.join(stage['reasons'])})" if stage["reasons"] else ""
        lines.append(f"  {stage['name']:<16} {stage['state']}{why}")
    if status["roles"]:
        lines.append("roles:")
        for role, info in status["roles"].items():
            where = info["hash"] or "no artifact yet"
            lines.append(f"  {role:<10} {info['output']:<16} {where}{'' if info['in_cache'] or not info['hash'] else '  (missing from cache)'}")
    return "\n".join(lines)
