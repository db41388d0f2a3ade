"""The MLflow registry backend (optional extra ``nbpromote[mlflow]``).

The same hooks as the SQLite registry, targeting MLflow's model registry (MLflow ≥ 2.9 aliases, no
deprecated stages): ``register`` logs the artifact to a run (params, metrics, the lineage as
``nbpromote.*`` tags and ``lineage.json``) and creates a model version tagged with the artifact's
SHA-256; ``promote`` runs nbpromote's gate and moves the ``champion`` alias; ``live`` reads the
``champion`` alias back. What MLflow lacks is kept in tags: who promoted, why, the gate evidence,
and the alias history (``nbpromote.alias_history`` on the registered model), so rollback works;
``configure`` keeps the model's default gate and second-approver policy (``nbpromote.config``).
Not here: the tamper-evident audit log, which lives in nbpromote's SQLite registry — MLflow's own
database can be edited behind its back.

Open it with ``open_registry("mlflow:sqlite:///path/mlflow.db")`` (any tracking URI works).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._io import canonical_json
from ..errors import (
    ApprovalError,
    ArtifactIntegrityError,
    GateRejectedError,
    IllegalTransitionError,
    MissingDependencyError,
    ModelNotFoundError,
    UsageError,
    VersionNotFoundError,
)
from ._backend import RegistryBackend
from ._config import resolve_actor
from ._db import utcnow
from ._gate import evaluate_gate, normalize_guardrails
from ._models import ModelVersion, Transition

__all__ = ["MlflowRegistry"]

_EXPERIMENT = "nbpromote"
_TAG = "nbpromote."
_MAX_TAG = 5000  # MLflow caps tag values (5000–8000 chars depending on the store); longer goes to lineage.json


def _mlflow() -> Any:
    try:
        import mlflow  # noqa: F401
        from mlflow import MlflowClient
    except ImportError:
        raise MissingDependencyError("mlflow", "mlflow", "The MLflow registry backend") from None
    return MlflowClient


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    else:
        text = value if isinstance(value, str) else canonical_json(value)
        if len(text) <= _MAX_TAG:
            out[prefix] = text


def _transition(name: str, number: int, entry: Mapping[str, Any]) -> Transition:
    champion = entry["alias"] == "champion"
    return Transition(id=number, name=name, version=entry["version"], kind=entry["kind"], from_stage=None,
                      to_stage="Production" if champion else None, alias=entry["alias"], actor=entry["actor"],
                      at=entry["at"], reason=entry["reason"], evidence=dict(entry.get("evidence") or {}))


class MlflowRegistry(RegistryBackend):
    """A registry backed by MLflow's model registry.

    Parameters
    ----------
    tracking_uri : str
        e.g. ``sqlite:///mlflow.db`` (no server needed) or ``http://mlflow:5000``.
    registry_uri : str or None, default=None
        Defaults to ``tracking_uri``.
    artifact_location : str or None, default=None
        Where the ``nbpromote`` experiment stores artifacts (default: MLflow's default; for a
        ``sqlite:///…`` URI, ``mlartifacts/`` beside the database).
    """

    backend = "mlflow"

    def __init__(self, tracking_uri: str, *, registry_uri: str | None = None,
                 artifact_location: str | None = None, **_ignored: Any) -> None:
        client_cls = _mlflow()
        if not tracking_uri:
            raise UsageError("The MLflow backend needs a tracking URI, e.g. mlflow:sqlite:///mlflow.db.")
        self.tracking_uri = tracking_uri
        self.path = tracking_uri
        self.client = client_cls(tracking_uri=tracking_uri, registry_uri=registry_uri or tracking_uri)
        if artifact_location is None and tracking_uri.startswith("sqlite:///"):
            artifact_location = (Path(tracking_uri[len("sqlite:///"):]).resolve().parent / "mlartifacts").as_uri()
        self._artifact_location = artifact_location
        self._experiment_id: str | None = None

    # --- helpers -------------------------------------------------------------------------------------
    def _experiment(self) -> str:
        if self._experiment_id is None:
            found = self.client.get_experiment_by_name(_EXPERIMENT)
            self._experiment_id = found.experiment_id if found is not None else \
                self.client.create_experiment(_EXPERIMENT, artifact_location=self._artifact_location)
        return self._experiment_id

    def _registered(self, name: str) -> Any:
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_registered_model(name)
        except MlflowException:
            raise ModelNotFoundError(f"No model named '{name}' in MLflow registry {self.tracking_uri}.",
                                     model=name) from None

    def _version(self, name: str, version: Any) -> Any:
        from mlflow.exceptions import MlflowException

        self._registered(name)
        text = str(version).lstrip("vV")
        try:
            if text.isdigit():
                return self.client.get_model_version(name, text)
            return self.client.get_model_version_by_alias(name, str(version))
        except MlflowException:
            raise VersionNotFoundError(f"Model '{name}' has no version {version!r} in {self.tracking_uri}.",
                                       model=name, version=str(version)) from None

    def _to_mv(self, name: str, mv: Any, aliases: Mapping[str, Any]) -> ModelVersion:
        tags = dict(mv.tags or {})
        run = self.client.get_run(mv.run_id) if mv.run_id else None
        metrics = dict(run.data.metrics) if run else {}
        params = dict(run.data.params) if run else {}
        lineage = json.loads(tags.get(_TAG + "lineage", "{}")) if tags.get(_TAG + "lineage") else {
            k[len(_TAG + "lineage."):]: v for k, v in tags.items() if k.startswith(_TAG + "lineage.")}
        mine = tuple(sorted(a for a, v in aliases.items() if str(v) == str(mv.version)))
        approvals = tuple(json.loads(tags.get(_TAG + "approvals", "[]")))
        rows = tags.get(_TAG + "holdout_rows")
        return ModelVersion(
            name=name, version=int(mv.version), stage="Production" if "champion" in mine else
            tags.get(_TAG + "stage", "None"), artifact_uri=mv.source, artifact_hash=tags.get(_TAG + "artifact_hash", ""),
            artifact_format=tags.get(_TAG + "artifact_format", "file"), artifact_size=int(tags.get(_TAG + "artifact_size", 0)),
            metrics=metrics, lineage=lineage, params=params,
            tags={k: v for k, v in tags.items() if not k.startswith(_TAG)},
            holdout_hash=tags.get(_TAG + "holdout_hash") or None, holdout_rows=int(rows) if rows else None,
            environment=json.loads(tags.get(_TAG + "environment", "{}")), created_by=tags.get(_TAG + "created_by", "?"),
            created_at=tags.get(_TAG + "created_at", ""), aliases=mine, approvals=approvals)

    def _alias_history(self, name: str) -> list[dict[str, Any]]:
        return json.loads(self._registered(name).tags.get(_TAG + "alias_history", "[]"))

    def _move_alias(self, name: str, alias: str, version: int, *, actor: str, reason: str, kind: str,
                    evidence: Mapping[str, Any] | None = None) -> Transition:
        history = self._alias_history(name)
        entry = {"alias": alias, "version": version, "actor": actor, "at": utcnow(), "reason": reason,
                 "kind": kind, "evidence": dict(evidence or {})}
        history.append(entry)
        self.client.set_registered_model_alias(name, alias, str(version))
        # MLflow keeps no alias history (mlflow#2169); we keep it, most recent entries if it grows.
        text = json.dumps(history, sort_keys=True)
        while len(text) > _MAX_TAG and len(history) > 1:
            history.pop(0)
            text = json.dumps(history, sort_keys=True)
        self.client.set_registered_model_tag(name, _TAG + "alias_history", text)
        return _transition(name, len(history), entry)

    # --- API ----------------------------------------------------------------------------------------
    def register(self, name: str, artifact: Any, *, metrics: Mapping[str, Any], lineage: Any,
                 params: Mapping[str, Any] | None = None, tags: Mapping[str, Any] | None = None,
                 holdout: Mapping[str, Any] | None = None, actor: str | None = None) -> ModelVersion:
        """Log ``artifact`` to a run and create a model version with the lineage as tags."""
        from mlflow.exceptions import MlflowException

        from . import _registry as core
        from . import _store

        core._check_name(name)
        metrics_ = core._check_metrics(metrics)
        lineage_ = core._check_mapping(lineage, "lineage")
        params_, tags_ = core._check_mapping(params, "params"), core._check_mapping(tags, "tags")
        holdout_hash, holdout_rows = core._check_holdout(holdout, lineage_, metrics_)
        who = resolve_actor(actor)
        with tempfile.TemporaryDirectory(prefix="nbpromote-mlflow-") as tmp:
            info = _store.ingest_artifact(Path(tmp), artifact)
            blob = Path(tmp) / info.uri
            filename = "model.joblib" if info.format == "joblib" else "model.pkl" if info.format == "pickle" else \
                (Path(str(artifact)).name if isinstance(artifact, (str, Path)) else "model.bin")
            staged = Path(tmp) / "upload" / filename
            staged.parent.mkdir()
            staged.write_bytes(blob.read_bytes())
            (Path(tmp) / "upload" / "lineage.json").write_text(canonical_json(lineage_), encoding="utf-8")
            run = self.client.create_run(self._experiment(), tags={"mlflow.user": who, _TAG + "model": name})
            run_id = run.info.run_id
            for key, value in params_.items():
                self.client.log_param(run_id, key, value if isinstance(value, str) else canonical_json(value))
            for key, value in metrics_.items():
                self.client.log_metric(run_id, key, float(value))
            self.client.log_artifacts(run_id, str(staged.parent), artifact_path="model")
            self.client.set_terminated(run_id)
        version_tags: dict[str, str] = {str(k): v if isinstance(v, str) else canonical_json(v) for k, v in tags_.items()}
        lineage_tags: dict[str, str] = {}
        _flatten(_TAG + "lineage", lineage_, lineage_tags)
        full = canonical_json(lineage_)
        if len(full) <= _MAX_TAG:
            lineage_tags[_TAG + "lineage"] = full
        version_tags.update(lineage_tags)
        version_tags.update({
            _TAG + "artifact_hash": info.hash, _TAG + "artifact_format": info.format,
            _TAG + "artifact_size": str(info.size), _TAG + "artifact_file": filename,
            _TAG + "holdout_hash": holdout_hash or "", _TAG + "holdout_rows": str(holdout_rows or ""),
            _TAG + "environment": canonical_json(info.environment), _TAG + "created_by": who,
            _TAG + "created_at": utcnow(),
        })
        try:
            self.client.create_registered_model(name)
        except MlflowException:
            pass  # already exists
        mv = self.client.create_model_version(name, source=f"{run.info.artifact_uri}/model", run_id=run_id,
                                              tags=version_tags)
        return self._to_mv(name, mv, self._registered(name).aliases)

    def versions(self, name: str) -> list[ModelVersion]:
        aliases = self._registered(name).aliases
        found = self.client.search_model_versions(f"name='{name}'")
        return sorted((self._to_mv(name, mv, aliases) for mv in found), key=lambda v: v.version)

    def get(self, name: str, version: Any) -> ModelVersion:
        return self._to_mv(name, self._version(name, version), self._registered(name).aliases)

    def live(self, name: str) -> ModelVersion | None:
        """The version the ``champion`` alias points to (None if unset)."""
        aliases = self._registered(name).aliases
        if "champion" not in aliases:
            return None
        return self._to_mv(name, self.client.get_model_version(name, str(aliases["champion"])), aliases)

    def aliases(self, name: str) -> dict[str, int]:
        return {a: int(v) for a, v in sorted(self._registered(name).aliases.items())}

    def alias_history(self, name: str) -> list[dict[str, Any]]:
        """Every alias move nbpromote made (MLflow itself keeps none)."""
        return self._alias_history(name)

    def set_alias(self, name: str, alias: str, version: Any, *, reason: str = "alias set",
                  actor: str | None = None) -> Transition:
        if alias == "champion":
            raise IllegalTransitionError("The 'champion' alias moves only with promote/rollback.", alias=alias)
        mv = self._version(name, version)
        return self._move_alias(name, alias, int(mv.version), actor=resolve_actor(actor), reason=reason, kind="alias")

    def _config(self, name: str) -> dict[str, Any]:
        return json.loads(self._registered(name).tags.get(_TAG + "config", "{}"))

    def configure(self, name: str, *, metric: str | None = None, higher_is_better: bool | None = None,
                  delta: float | None = None, guardrails: Any = None, require_second_approver: bool | None = None,
                  actor: str | None = None, reason: str = "gate configured") -> dict[str, Any]:
        """Set the model's default gate and approval policy (kept as a registered-model tag)."""
        if delta is not None and (not isinstance(delta, (int, float)) or delta < 0):
            raise UsageError(f"delta must be a number >= 0, got {delta!r}.")
        updates = {"metric": metric, "higher_is_better": higher_is_better, "delta": delta,
                   "guardrails": normalize_guardrails(guardrails) if guardrails is not None else None,
                   "require_second_approver": require_second_approver}
        config = {**self._config(name), **{k: v for k, v in updates.items() if v is not None}}
        self.client.set_registered_model_tag(name, _TAG + "config", json.dumps(config, sort_keys=True))
        self.client.set_registered_model_tag(
            name, _TAG + "configured", json.dumps({"actor": resolve_actor(actor), "at": utcnow(), "reason": reason}))
        return config

    def approve(self, name: str, version: Any, *, actor: str | None = None, reason: str) -> None:
        """Approve ``version``; with a second-approver policy its registrant may not (separation of duties)."""
        who = resolve_actor(actor)
        mv = self._version(name, version)
        registrant = (mv.tags or {}).get(_TAG + "created_by")
        if self._config(name).get("require_second_approver") and who == registrant:
            raise ApprovalError(
                f"Model '{name}' requires a second approver: {who} registered v{mv.version} and cannot also "
                "approve it.", hint="Ask another person to approve (--actor / NBPROMOTE_ACTOR).",
                model=name, version=int(mv.version), actor=who)
        approvals = json.loads((mv.tags or {}).get(_TAG + "approvals", "[]"))
        if any(a["actor"] == who for a in approvals):
            raise ApprovalError(f"{who} has already approved '{name}' v{mv.version}.", model=name)
        approvals.append({"actor": who, "at": utcnow(), "reason": reason})
        self.client.set_model_version_tag(name, mv.version, _TAG + "approvals", json.dumps(approvals))

    def promote(self, name: str, version: Any, *, metric: str | None = None, delta: float | None = None,
                guardrails: Any = None, reason: str, actor: str | None = None, approve: bool = False,
                higher_is_better: bool | None = None, evidence: Mapping[str, Any] | None = None) -> Transition:
        """Gate ``version`` against the ``champion`` and move the alias when it passes."""
        if not reason:
            raise UsageError("A promotion needs a reason.")
        from ._registry import check_evidence

        attached = check_evidence(evidence)
        who = resolve_actor(actor)
        challenger = self.get(name, version)
        champion = self.live(name)
        if champion is not None and champion.version == challenger.version:
            raise IllegalTransitionError(f"'{name}' v{challenger.version} is already the champion.", model=name)
        config = self._config(name)
        gate = evaluate_gate(
            {"version": challenger.version, "metrics": challenger.metrics, "holdout_hash": challenger.holdout_hash,
             "holdout_rows": challenger.holdout_rows},
            None if champion is None else {"version": champion.version, "metrics": champion.metrics,
                                           "holdout_hash": champion.holdout_hash,
                                           "holdout_rows": champion.holdout_rows},
            metric=metric or config.get("metric"), delta=delta if delta is not None else config.get("delta"),
            higher_is_better=higher_is_better if higher_is_better is not None else config.get("higher_is_better"),
            guardrails=list(config.get("guardrails") or []) + normalize_guardrails(guardrails))
        approvers = [a["actor"] for a in challenger.approvals] + ([who] if approve else [])
        needs_second = bool(config.get("require_second_approver"))
        gate.approval = {"required": champion is None or needs_second, "approvers": approvers,
                         "second_approver_required": needs_second, "registrant": challenger.created_by}
        if champion is None and not approvers:
            gate.failures.append(f"'{name}' has no champion yet, so its first model needs an explicit approval")
            gate.passed = False
        if needs_second and not [a for a in approvers if a != challenger.created_by]:
            problem = (f"'{name}' requires a second approver other than the registrant ({challenger.created_by}); "
                       f"v{challenger.version} has none")
            gate.failures.append(problem)
            gate.passed = False
            if len(gate.failures) == 1:
                raise ApprovalError(problem + ".", hint="Approve it as another person (nbpromote registry approve).",
                                    model=name, version=challenger.version, gate=gate)
        if not gate.passed:
            raise GateRejectedError(gate.summary(), model=name, version=challenger.version, gate=gate)
        if approve and who not in [a["actor"] for a in challenger.approvals]:
            self.approve(name, challenger.version, actor=who, reason=reason)
        recorded: dict[str, Any] = {"gate": gate.to_dict(), "from_version": champion.version if champion else None}
        if attached is not None:
            recorded["attached"] = attached
        self.client.set_model_version_tag(name, str(challenger.version), _TAG + "promoted",
                                          json.dumps({"actor": who, "at": utcnow(), "reason": reason})[:_MAX_TAG])
        result = self._move_alias(name, "champion", challenger.version, actor=who, reason=reason, kind="promote",
                                  evidence={"from_version": recorded["from_version"]})
        if str(self._registered(name).aliases.get("challenger")) == str(challenger.version):
            self.client.delete_registered_model_alias(name, "challenger")
        # The full gate evidence is in the version's tag; the history keeps the decision's numbers.
        return Transition(**{**result.to_dict(), "evidence": recorded})

    def rollback(self, name: str, *, reason: str, actor: str | None = None, to: Any = None) -> Transition:
        """Move ``champion`` back to the previous champion recorded in the alias history."""
        who = resolve_actor(actor)
        history = [h for h in self._alias_history(name) if h["alias"] == "champion"]
        current = self._registered(name).aliases.get("champion")
        rolled_back: set[int] = set()
        live_versions: list[int] = []
        for h in history:
            live_versions.append(int(h["version"]))
            if h["kind"] == "rollback" and h["evidence"].get("from_version") is not None:
                rolled_back.add(int(h["evidence"]["from_version"]))
            rolled_back.discard(int(h["version"]))
        candidates = [v for v in reversed(live_versions)
                      if str(v) != str(current) and v not in rolled_back]
        if to is not None:
            wanted = int(str(to).lstrip("vV"))
            if wanted not in live_versions or str(wanted) == str(current):
                raise IllegalTransitionError(f"'{name}' v{wanted} is not an earlier champion.", model=name)
            candidates = [wanted]
        if not candidates:
            raise IllegalTransitionError(f"'{name}' has no earlier champion to roll back to.", model=name)
        return self._move_alias(name, "champion", candidates[0], actor=who, reason=reason, kind="rollback",
                                evidence={"from_version": int(current) if current is not None else None,
                                          "to_version": candidates[0]})

    def load(self, name: str, version: Any = None) -> Any:
        """Download, verify the SHA-256 recorded at registration, then unpickle."""
        from . import _store

        mv = self.live(name) if version is None else self.get(name, version)
        if mv is None:
            raise VersionNotFoundError(f"Model '{name}' has no champion to load.", model=name, version="champion")
        raw = self._version(name, mv.version)
        filename = (raw.tags or {}).get(_TAG + "artifact_file", "model.pkl")
        with tempfile.TemporaryDirectory(prefix="nbpromote-mlflow-") as tmp:
            try:
                local = self.client.download_artifacts(raw.run_id, f"model/{filename}", tmp)
            except Exception as exc:  # MLflow raises several types for a missing artifact
                raise ArtifactIntegrityError(f"'{name}' v{mv.version}: artifact cannot be downloaded ({exc}).",
                                             model=name) from None
            data = Path(local).read_bytes()
        actual = "sha256:" + hashlib.sha256(data).hexdigest()
        if actual != mv.artifact_hash:
            raise ArtifactIntegrityError(
                f"'{name}' v{mv.version}: artifact hash {actual[:23]}… differs from the registered "
                f"{mv.artifact_hash[:23]}…; refusing to load it.", model=name, expected=mv.artifact_hash, actual=actual)
        return _store.deserialize(data, mv.artifact_format, environment=mv.environment, label=f"'{name}' v{mv.version}")

    def models(self) -> list[dict[str, Any]]:
        out = []
        for rm in self.client.search_registered_models():
            out.append({"name": rm.name, "live": int(rm.aliases["champion"]) if "champion" in rm.aliases else None,
                        "versions": len(self.client.search_model_versions(f"name='{rm.name}'")),
                        "updated_at": None})
        return out

    def history(self, name: str, *, kinds: tuple[str, ...] | None = None) -> list[Transition]:
        """The alias moves nbpromote recorded (promotions, rollbacks, alias changes), oldest first."""
        events = [_transition(name, i, h) for i, h in enumerate(self._alias_history(name), start=1)]
        return [t for t in events if kinds is None or t.kind in kinds]

    def live_at(self, name: str, when: Any) -> ModelVersion | None:
        """The champion at time ``when``, from the recorded alias history."""
        from ._registry import _iso

        moment = _iso(when)
        moves = [h for h in self._alias_history(name) if h["alias"] == "champion" and h["at"] <= moment]
        return self.get(name, moves[-1]["version"]) if moves else None

    def close(self) -> None:
        pass


