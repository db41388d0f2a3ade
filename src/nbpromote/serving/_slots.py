"""A loaded model version, ready to answer: the verified model, its profile and its feature path."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import ServingError

__all__ = ["ModelSlot", "load_slot", "load_fallback_rule"]


@dataclass
class ModelSlot:
    """One registered version, loaded (its artifact's sha256 verified before unpickling)."""

    name: str
    version: int
    artifact_hash: str
    model: Any
    features: Any
    profile: Any
    lineage: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    loaded_at: float = field(default_factory=time.time)
    gate: Any = None  # the validation gate compiled from ``profile`` (a RowGate), built once at load

    def __post_init__(self) -> None:
        if self.gate is None:
            from ._gate import RowGate

            self.gate = RowGate(self.profile, self.features.path.creates)

    def lineage_summary(self) -> dict[str, Any]:
        lineage = self.lineage or {}
        manifest = lineage.get("manifest") or {}
        return {
            "run_id": lineage.get("run_id"), "pipeline_version": lineage.get("version"),
            "notebook": manifest.get("notebook"), "notebook_hash": manifest.get("notebook_hash"),
            "seed": lineage.get("seed"), "params": lineage.get("params", {}),
            "data": {key: (info.get("hash") if isinstance(info, dict) else info)
                     for key, info in (lineage.get("data") or {}).items()},
            "profile": lineage.get("profile"), "holdout": lineage.get("holdout"),
        }


def _profile(pipeline: Any, store: Any, digest: str | None) -> Any:
    from ..monitor import Profile

    if digest and store.has(digest):
        return Profile.from_dict(store.get(digest), source=f"{pipeline.name} profile {digest[:19]}")
    from ..pipeline._integrations import load_profile

    return load_profile(pipeline, store)


def _version(registry: Any, name: str, version: Any) -> Any:
    """The registry's ModelVersion of ``version`` (default: Production), through the backend interface."""
    from ..errors import VersionNotFoundError

    if version is None:
        live = registry.live(name)
        if live is None:
            raise VersionNotFoundError(f"Model '{name}' has no Production version to serve.",
                                       hint=f"Promote one (python -m {name} promote N --reason …) or pass --version N.",
                                       model=name)
        return live
    wanted = str(version).lower().lstrip("v")
    for mv in registry.versions(name):
        if str(mv.version) == wanted:
            return mv
    raise VersionNotFoundError(f"Model '{name}' has no version {version}.",
                               hint=f"See python -m {name} registry versions, or nbpromote registry show {name}.",
                               model=name, version=str(version))


def load_slot(pipeline: Any, store: Any, db: str | None, version: Any = None) -> ModelSlot:
    """Load ``version`` (default: Production) of the pipeline's model from the registry."""
    from ..registry import open_registry
    from ._path import feature_path_for

    registry = open_registry(db)
    try:
        mv = _version(registry, pipeline.name, version)
        model = registry.load(pipeline.name, mv.version)  # sha256 checked before deserialising
    finally:
        registry.close()
    lineage = dict(mv.lineage or {})
    profile = _profile(pipeline, store, lineage.get("profile"))
    features = feature_path_for(pipeline, store, model=model, run_id=lineage.get("run_id"), profile=profile)
    return ModelSlot(name=pipeline.name, version=int(mv.version), artifact_hash=mv.artifact_hash, model=model,
                     features=features, profile=profile, lineage=lineage, metrics=dict(mv.metrics or {}))


def load_fallback_rule(spec: str) -> Any:
    """``module:function`` → the function (a small rule in the package: ``f(frame) -> predictions``)."""
    import importlib

    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ServingError(f"Fallback rule {spec!r} is not 'module:function'.",
                           hint="E.g. --fallback rule:credit_risk.fallback:predict")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ServingError(f"Cannot import the fallback rule {spec!r}: {exc}.",
                           hint="Put the function in the package (src/<pkg>/…) and name it module:function.") from None
