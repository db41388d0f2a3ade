"""What the package subcommands hand over to :mod:`nbpromote.monitor` and :mod:`nbpromote.registry`.

Each function is one call into those packages with the artifacts of the latest successful run,
found through the pipeline's ``roles`` (``model``, ``metrics``, ``reference``, ``target``,
``holdout_X``, ``holdout_y``). They are imported only when a subcommand needs them.

The reference profile is built after a run from the ``reference`` output (+ ``target``, + the
``model``'s predictions on the reference), stored as a JSON artifact and named in the run record
(``"profile"``). It is cached like a stage, keyed by the hashes it is built from, so a fully
cached run neither loads nor profiles anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import NbpromoteError, PipelineError, UsageError
from ._dag import Pipeline
from ._store import ArtifactStore

__all__ = [
    "build_profile",
    "reference_frame",
    "load_profile",
    "validate_input",
    "monitor_current",
    "register_latest",
    "model_for_prediction",
    "predict_file",
    "run_lineage",
]

PROFILE_STAGE = "__profile__"
PREDICTION_COLUMN = "prediction"


def _unavailable(what: str, module: str) -> NbpromoteError:
    return NbpromoteError(
        f"{what} needs {module}, which is not available in this nbpromote installation.",
        hint="Upgrade nbpromote (pip install -U nbpromote) to a version that ships it.",
    )


def _predictions(model: Any, frame: Any) -> Any:
    """Scores (positive-class probability) for a binary classifier, else ``predict``."""
    proba = getattr(model, "predict_proba", None)
    classes = getattr(model, "classes_", None)
    if proba is not None and classes is not None and len(classes) == 2:
        return proba(frame)[:, 1]
    return model.predict(frame)


def reference_frame(pipeline: Pipeline, store: ArtifactStore, refs: Mapping[str, str]) -> tuple[Any, str | None, str | None]:
    """``(frame, target column, prediction column)`` for the profile: reference (+ target, + predictions)."""
    import pandas as pd

    reference = store.get(refs[pipeline.roles["reference"]])
    target_output, model_output = pipeline.roles.get("target"), pipeline.roles.get("model")
    if isinstance(reference, pd.Series):
        reference = reference.to_frame()
    if not isinstance(reference, pd.DataFrame):
        raise PipelineError(
            f"The reference role output '{pipeline.roles['reference']}' is a {type(reference).__name__}, not a DataFrame.",
            hint="Point roles['reference'] in pipeline.py at the training features (a DataFrame).",
        )
    frame = reference.copy()
    target_name = prediction_name = None
    if target_output is not None and target_output in refs:
        target = store.get(refs[target_output])
        if hasattr(target, "__len__") and len(target) == len(frame):
            target_name = str(getattr(target, "name", None) or "target")
            if target_name in frame.columns:
                target_name = f"{target_name}_target"
            frame[target_name] = getattr(target, "values", target)
    if model_output is not None and model_output in refs:
        model = store.get(refs[model_output])
        try:
            frame[PREDICTION_COLUMN] = _predictions(model, reference)
            prediction_name = PREDICTION_COLUMN
        except Exception:  # a model that cannot score its own training features: profile without
            prediction_name = None
    return frame, target_name, prediction_name


def build_profile(pipeline: Pipeline, store: ArtifactStore, refs: Mapping[str, str],
                  log: Callable[[str], None] | None = None) -> str | None:
    """Build (or reuse) the reference profile of a run; returns its artifact hash or None.

    None when the pipeline has no ``reference`` role output or :mod:`nbpromote.monitor` is not
    installed; a profile that cannot be built is reported through ``log`` and does not fail the run.
    """
    reference = pipeline.roles.get("reference")
    if reference not in refs:
        return None
    sources = {role: refs[output] for role, output in sorted(pipeline.roles.items())
               if role in ("reference", "target", "model") and output in refs}
    from ._keys import _hash_json

    key = _hash_json({"profile": sources, "schema": 1})
    entry = store.get_entry(pipeline.name, PROFILE_STAGE, key)
    if entry is not None:
        return entry["outputs"]["profile"]
    try:
        from ..monitor import profile as make_profile
    except ImportError:
        return None
    try:
        frame, target, prediction = reference_frame(pipeline, store, refs)
        document = make_profile(frame, target=target, prediction=prediction).to_dict()
    except NbpromoteError as error:
        if log:
            log(f"profile: not built ({error})")
        return None
    ref = store.put(document, stage=PROFILE_STAGE, output="profile",
                    producer={"pipeline": pipeline.name, "stage": PROFILE_STAGE, "output": "profile", "key": key})
    store.put_entry(pipeline.name, PROFILE_STAGE, key, {
        "pipeline": pipeline.name, "stage": PROFILE_STAGE, "outputs": {"profile": ref.hash},
        "key_parts": {"stage": PROFILE_STAGE, "inputs": sources}, "run_id": None,
    })
    if log:
        log(f"profile: built from {', '.join(sources)}")
    return ref.hash


def _latest(pipeline: Pipeline, store: ArtifactStore) -> dict[str, Any]:
    from ._lineage import latest_succeeded_run

    record = latest_succeeded_run(store, pipeline.name)
    if record is None:
        raise UsageError(
            f"Pipeline '{pipeline.name}' has no successful run in {store.home}.",
            hint=f"Run it first: python -m {pipeline.name} run (or pass --store).",
        )
    return record


def _role_hash(pipeline: Pipeline, record: Mapping[str, Any], role: str) -> str | None:
    info = record.get("roles", {}).get(role)
    return info.get("hash") if info else None


def load_profile(pipeline: Pipeline, store: ArtifactStore) -> Any:
    """The reference :class:`~nbpromote.monitor.Profile` of the latest successful run."""
    try:
        from ..monitor import Profile
    except ImportError:
        raise _unavailable("Monitoring", "nbpromote.monitor") from None
    record = _latest(pipeline, store)
    digest = record.get("profile")
    if not digest:
        raise UsageError(
            f"The latest run of '{pipeline.name}' ({record['run_id']}) has no reference profile.",
            hint="Declare roles={'reference': <training features output>, …} in pipeline.py and run again.",
        )
    return Profile.from_dict(store.get(digest), source=f"{pipeline.name} run {record['run_id']}")


def validate_input(pipeline: Pipeline, store: ArtifactStore, path: str | Path, *, quarantine: str | Path | None = None,
                   policy: str = "batch", allow_extra: bool = True) -> Any:
    """:func:`nbpromote.monitor.validate_batch` of a CSV/Parquet file against the latest profile.

    A raw batch usually carries columns the model does not read (an identifier, a date, the target
    once it is known); ``predict`` ignores them, so by default they are warnings, not errors.
    """
    from ..monitor import read_frame, validate_batch

    return validate_batch(load_profile(pipeline, store), read_frame(path), quarantine=quarantine, policy=policy,
                          allow_extra=allow_extra, name=Path(path).name)


def monitor_current(pipeline: Pipeline, store: ArtifactStore, path: str | Path) -> Any:
    """Drift report of a current batch against the latest run's profile (with the model's predictions)."""
    from ..monitor import drift_report, read_frame

    reference = load_profile(pipeline, store)
    current = read_frame(path)
    if reference.prediction and reference.prediction not in current.columns:
        record = _latest(pipeline, store)
        model_hash = _role_hash(pipeline, record, "model")
        features = [c for c in reference.features if c in current.columns]
        if model_hash and features:
            model = store.get(model_hash)  # verified before it is loaded: a tampered model fails here
            try:
                current = current.copy()
                current[reference.prediction] = _predictions(model, current[features])
            except Exception:  # a batch the model cannot score still gets its feature drift
                pass
    # Columns the model does not read (ids, dates) are warnings here too, as in validate_input.
    return drift_report(reference, current, allow_extra=True)


def run_lineage(pipeline: Pipeline, record: Mapping[str, Any]) -> dict[str, Any]:
    """Lineage for the registry: the package's ``lineage.json`` manifest + the run's keys and hashes."""
    from .._io import read_json

    manifest: Any = None
    root = pipeline.root
    if root is not None and (root / "lineage.json").is_file():
        manifest = read_json(root / "lineage.json")
    stages = {
        s["name"]: {
            "key": s["key"], "code": s.get("key_parts", {}).get("code", {}),
            "params": s.get("key_parts", {}).get("params", {}), "data": s.get("key_parts", {}).get("data", {}),
            "inputs": s.get("inputs", {}), "outputs": s.get("outputs", {}),
        }
        for s in record.get("stages", [])
    }
    data = {f"{name}:{param}": info for name, stage in stages.items() for param, info in stage["data"].items()}
    out: dict[str, Any] = {
        "pipeline": pipeline.name, "version": pipeline.version, "run_id": record["run_id"],
        "seed": record.get("seed"), "params": record.get("params", {}), "environment": record.get("environment"),
        "stages": stages, "data": data, "profile": record.get("profile"),
    }
    if manifest is not None:
        out["manifest"] = manifest
    return out


def register_latest(pipeline: Pipeline, store: ArtifactStore, *, db: str | None = None, actor: str | None = None,
                    tags: Mapping[str, Any] | None = None) -> Any:
    """Register the latest run's ``model`` with its ``metrics``, lineage and holdout; a ModelVersion."""
    try:
        from ..registry import open_registry
    except ImportError:
        raise _unavailable("Registering a model", "nbpromote.registry") from None
    record = _latest(pipeline, store)
    model_hash = _role_hash(pipeline, record, "model")
    if model_hash is None:
        raise UsageError(
            f"The latest run of '{pipeline.name}' has no model artifact to register.",
            hint="Declare roles={'model': <output name>, …} in pipeline.py.",
        )
    metrics_hash = _role_hash(pipeline, record, "metrics")
    metrics = store.get(metrics_hash) if metrics_hash else {}
    if not isinstance(metrics, Mapping):
        raise UsageError(f"The metrics artifact of run {record['run_id']} is a {type(metrics).__name__}, not a dict.",
                         hint="The evaluate stage should return a flat dict of metric name → number.")
    holdout = None
    x_hash = _role_hash(pipeline, record, "holdout_X")
    if x_hash:
        meta = store.meta(x_hash)
        rows = meta.get("rows")
        if rows is None:
            value = store.get(x_hash)
            rows = len(value) if hasattr(value, "__len__") else None
        holdout = {"hash": x_hash, "rows": rows}
    lineage = run_lineage(pipeline, record)
    lineage["holdout"] = {"X": x_hash, "y": _role_hash(pipeline, record, "holdout_y"),
                          "rows": holdout["rows"] if holdout else None}
    lineage["model_artifact"] = model_hash
    if record.get("metrics"):
        # where each metric came from (stage, output, artifact, run; function and data when export knew)
        lineage["metrics"] = record["metrics"].get("provenance", {})
    all_tags = {"run_id": record["run_id"], "pipeline_version": pipeline.version, **(tags or {})}
    registry = open_registry(db)
    try:
        return registry.register(pipeline.name, store.get(model_hash), metrics=dict(metrics), lineage=lineage,
                                 params=record.get("params", {}), tags=all_tags, holdout=holdout, actor=actor)
    finally:
        registry.close()


def model_for_prediction(pipeline: Pipeline, store: ArtifactStore, *, latest: bool = False, version: str | None = None,
                         db: str | None = None) -> tuple[Any, dict[str, Any]]:
    """The model to score with: the registry's Production (or ``version``), or the latest run's."""
    if latest:
        record = _latest(pipeline, store)
        digest = _role_hash(pipeline, record, "model")
        if digest is None:
            raise UsageError(f"The latest run of '{pipeline.name}' has no model artifact.",
                             hint="Declare roles={'model': …} in pipeline.py.")
        return store.get(digest), {"source": "run", "run_id": record["run_id"], "hash": digest}
    try:
        from ..registry import open_registry
    except ImportError:
        raise _unavailable("Predicting with the registered model", "nbpromote.registry") from None
    from ..errors import VersionNotFoundError

    registry = open_registry(db)
    try:
        if version is None:
            live = registry.live(pipeline.name)
            if live is None:
                raise VersionNotFoundError(
                    f"Model '{pipeline.name}' has no Production version.",
                    hint=f"Promote one (python -m {pipeline.name} promote N --reason …), pass --version N, or use --latest.",
                    model=pipeline.name,
                )
            version = live.version
        model = registry.load(pipeline.name, version)
        chosen = next((v for v in registry.versions(pipeline.name) if str(v.version) == str(version).lstrip("v")), None)
        digest = getattr(chosen, "artifact_hash", None)
        run_id = (getattr(chosen, "lineage", None) or {}).get("run_id")
        return model, {"source": "registry", "version": getattr(chosen, "version", version), "hash": digest,
                       "run_id": run_id}
    finally:
        registry.close()


def predict_file(pipeline: Pipeline, store: ArtifactStore, path: str | Path, *, output: str | Path | None = None,
                 latest: bool = False, version: str | None = None, db: str | None = None,
                 force: bool = False) -> tuple[Any, dict[str, Any]]:
    """Score a CSV/Parquet batch; returns ``(frame with a prediction column, info)``.

    The batch's columns are reduced to the model's training features (``feature_names_in_``,
    else the reference profile's features) when it has them all.
    """
    try:
        from ..monitor import read_frame
    except ImportError:
        raise _unavailable("Reading a batch", "nbpromote.monitor") from None
    batch = read_frame(path)
    model, info = model_for_prediction(pipeline, store, latest=latest, version=version, db=db)
    # The serving path: the package's own row-wise stages, then the model's columns.
    from ..serving._path import feature_path_for

    features = feature_path_for(pipeline, store, model=model, run_id=info.get("run_id"))
    batch = batch.reset_index(drop=True)
    try:
        X, dropped = features(batch)
    except NbpromoteError as exc:
        raise UsageError(f"{path}: {exc.message}", hint=exc.hint, path=str(path)) from None
    if dropped:
        batch = batch.drop(index=dropped).reset_index(drop=True)
    result = batch.copy()
    try:
        result[PREDICTION_COLUMN] = model.predict(X)
        proba = getattr(model, "predict_proba", None)
        if proba is not None and len(getattr(model, "classes_", [])) == 2:
            result["score"] = proba(X)[:, 1]
    except (ValueError, TypeError, KeyError) as exc:
        raise UsageError(f"{path}: the model cannot score this batch: {exc}",
                         hint="Check the columns and dtypes against the training data.", path=str(path)) from None
    info = {**info, "rows": int(len(result)), "input": str(path)}
    if output is not None:
        target = Path(output)
        if target.exists() and not force:
            from ..errors import OutputExistsError

            raise OutputExistsError(f"{target} already exists.", hint="Pass --force to overwrite it.", path=str(target))
        from .._io import atomic_write_bytes

        if target.suffix.lower() == ".parquet":
            import io

            sink = io.BytesIO()
            result.to_parquet(sink, index=False)
            atomic_write_bytes(target, sink.getvalue())
        else:
            atomic_write_bytes(target, result.to_csv(index=False).encode("utf-8"))
        info["output"] = str(target)
    return result, info

