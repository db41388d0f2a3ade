"""The SQLite model registry: versions, stages, the promotion gate, rollback, aliases, history.

Every write is one ``BEGIN IMMEDIATE`` transaction that also appends the matching audit record, so a
transition and its audit record commit (or vanish) together. The database enforces the invariant
"at most one Production version per model" with a unique partial index; the code checks it too, to
give a readable error instead of an IntegrityError.
"""

from __future__ import annotations

import json
import math
import os
import re
import warnings
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._io import canonical_json, read_json
from ..errors import (
    ApprovalError,
    ArtifactIntegrityError,
    GateRejectedError,
    IllegalTransitionError,
    ModelNotFoundError,
    NbpromoteError,
    PromotionConflictError,
    RegistryUnavailableError,
    UsageError,
    VersionNotFoundError,
)
from . import _store
from ._backend import RegistryBackend
from ._config import resolve_actor, resolve_db_path
from ._db import DEFAULT_TIMEOUT, is_postgres, open_database, utcnow
from ._gate import GateResult, evaluate_gate, normalize_guardrails
from ._models import STAGES, ModelVersion, Transition
from .audit import AuditLog, VerifyResult, append_in_transaction, ensure_log_id

__all__ = ["Registry", "open_registry", "ALLOWED_TRANSITIONS", "check_evidence", "load_evidence"]

ENV_ARTIFACTS = "NBPROMOTE_REGISTRY_ARTIFACTS"

#: Manual stage changes the state machine allows (Production is reached only through promote/rollback).
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "None": ("Staging", "Archived"),
    "Staging": ("None", "Archived"),
    "Production": ("Staging", "Archived"),
    "Archived": ("Staging",),
}
_PROMOTABLE = ("None", "Staging")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_ALIAS = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_MANAGED_ALIASES = ("champion",)


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise UsageError(
            f"Model name {name!r} is not valid.",
            hint="Use letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. credit_risk).",
        )
    return name


def _check_reason(reason: Any, what: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise UsageError(f"{what} needs a reason (who reads the history later needs the why).",
                         hint="Pass reason='…' (CLI: --reason '…').")
    return reason.strip()


_EVIDENCE_MAX_BYTES = 64 * 1024


def check_evidence(evidence: Any) -> dict[str, Any] | None:
    """Validate extra gate evidence attached to a promotion (None passes through).

    It must be a JSON-able dict naming its ``kind`` (e.g. ``nbpromote.shadow_evidence``), at most
    64 KiB as canonical JSON; the stored copy is that canonical form.
    """
    if evidence is None:
        return None
    hint = ('Pass a JSON object with a "kind", e.g. the service\'s GET /admin/shadow document '
            '{"kind": "nbpromote.shadow_evidence", …}.')
    if not isinstance(evidence, Mapping):
        raise UsageError(f"Promotion evidence must be a JSON object, got {type(evidence).__name__}.", hint=hint)
    kind = evidence.get("kind")
    if not isinstance(kind, str) or not kind.strip():
        raise UsageError("Promotion evidence needs a non-empty string \"kind\" naming what it is.", hint=hint)
    try:
        text = canonical_json(dict(evidence))
    except (TypeError, ValueError) as exc:
        raise UsageError(f"Promotion evidence of kind {kind!r} is not JSON-able: {exc}.", hint=hint) from None
    size = len(text.encode("utf-8"))
    if size > _EVIDENCE_MAX_BYTES:
        raise UsageError(f"Promotion evidence of kind {kind!r} is {size} bytes; the limit is "
                         f"{_EVIDENCE_MAX_BYTES} bytes.", hint="Attach a summary, and keep the raw data elsewhere.")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def load_evidence(path: str | Path) -> dict[str, Any]:
    """Read and validate a promotion evidence file (``--evidence FILE.json``); errors name the file."""
    from ..errors import ManifestError

    try:
        doc = read_json(path)
    except ManifestError as exc:
        raise UsageError(f"--evidence: {exc.message}", hint="Give a JSON file, e.g. saved from "
                         "curl http://127.0.0.1:8000/admin/shadow > shadow.json") from None
    try:
        checked = check_evidence(doc if doc is not None else [])  # `null` is not an object either
    except UsageError as exc:
        raise UsageError(f"--evidence {path}: {exc.message}", hint=exc.hint) from None
    return checked or {}


def _with_attached(evidence: dict[str, Any], attached: dict[str, Any] | None) -> dict[str, Any]:
    return evidence if attached is None else {**evidence, "attached": attached}


def _check_metrics(metrics: Any) -> dict[str, float | int]:
    if not isinstance(metrics, Mapping):
        raise UsageError(f"metrics must be a dict of name -> number, got {type(metrics).__name__}.",
                         hint='e.g. {"roc_auc": 0.91, "accuracy": 0.85, "n_holdout": 2000}')
    out: dict[str, float | int] = {}
    for key, value in metrics.items():
        if not isinstance(key, str) or not key:
            raise UsageError(f"metric name {key!r} is not a non-empty string.")
        if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
            raise UsageError(f"metric {key!r} = {value!r} is not a number.",
                             hint="metrics are a flat dict of floats; put other facts in tags or lineage.")
        number = value if isinstance(value, int) else float(value)
        if isinstance(number, float) and not math.isfinite(number):
            raise UsageError(f"metric {key!r} = {number} is not finite.", hint="Fix the evaluation that produced it.")
        out[key] = number
    return out


def _check_mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, (str, os.PathLike)) and what == "lineage":
        loaded = read_json(Path(value))
        if not isinstance(loaded, dict):
            raise UsageError(f"lineage file {value} does not hold a JSON object.")
        return loaded
    if not isinstance(value, Mapping):
        raise UsageError(f"{what} must be a dict, got {type(value).__name__}.")
    try:
        return json.loads(canonical_json(dict(value)))
    except TypeError as exc:
        raise UsageError(f"{what} is not JSON-serialisable: {exc}.") from None


def _check_holdout(holdout: Any, lineage: Mapping[str, Any], metrics: Mapping[str, Any]) -> tuple[str | None, int | None]:
    if holdout is None:
        from_lineage = lineage.get("holdout")
        # Lineage may describe the holdout without a hash (e.g. it was not captured): then it is unknown.
        holdout = from_lineage if isinstance(from_lineage, Mapping) and from_lineage.get("hash") else None
    if holdout is None:
        rows = metrics.get("n_holdout")
        return None, int(rows) if isinstance(rows, (int, float)) and rows > 0 else None
    if not isinstance(holdout, Mapping) or not isinstance(holdout.get("hash"), str) or not holdout.get("hash"):
        raise UsageError(f"holdout must be {{'hash': str, 'rows': int}}, got {holdout!r}.",
                         hint="Hash the frozen holdout with nbpromote.capture.hashing.hash_value(X_test).")
    rows = holdout.get("rows")
    if rows is None:
        rows = metrics.get("n_holdout")
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, (int, float)) or rows <= 0):
        raise UsageError(f"holdout rows must be a positive integer, got {rows!r}.")
    return str(holdout["hash"]), int(rows) if rows is not None else None


def _iso(when: Any) -> str:
    if isinstance(when, datetime):
        moment = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    elif isinstance(when, str):
        try:
            moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"Time {when!r} is not ISO-8601.", hint="e.g. 2026-11-17T09:00:00Z") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
    else:
        raise UsageError(f"Time must be a datetime or an ISO-8601 string, got {type(when).__name__}.")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Registry(RegistryBackend):
    """A model registry in one SQLite file or PostgreSQL database, plus a content-addressed artifact store.

    Use :func:`open_registry` rather than the constructor; see the package docstring for an example.

    Parameters
    ----------
    db : str or Path
        The database file (created with its directory on first write), or a ``postgresql://`` URL.
    timeout : float, default=10.0
        Seconds to wait on a lock before :class:`~nbpromote.errors.RegistryUnavailableError`.
    read_only : bool, default=False
        Open for reading only.
    checkpoint_dir, audit_key, checkpoint_every, signer : optional
        Passed to :class:`~nbpromote.registry.audit.AuditLog` (``checkpoint_dir``, ``key``,
        ``checkpoint_every``, ``signer``).
    checkpoint_on_write : bool, default=True
        Sign a checkpoint after every registry write (so registry events never sit in an unsigned
        tail, and :meth:`load` never has to refuse a version whose registration is unsigned). With
        False, writes are signed only every ``checkpoint_every`` records; until then ``verify``
        reports the unsigned registry events as a failure and ``load`` refuses the versions they
        concern (sign with ``nbpromote audit checkpoint``).
    artifact_root : str or Path or None, default=None
        Where artifacts are stored: default beside a SQLite database; for PostgreSQL
        ``$NBPROMOTE_REGISTRY_ARTIFACTS``, else ``$NBPROMOTE_HOME`` (use a shared filesystem).
    """

    backend = "sqlite"

    def __init__(self, db: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT, read_only: bool = False,
                 checkpoint_dir: str | os.PathLike[str] | None = None, audit_key: bytes | str | None = None,
                 checkpoint_every: int | None = 1000, signer: str | None = None, checkpoint_on_write: bool = True,
                 artifact_root: str | os.PathLike[str] | None = None) -> None:
        self._db = open_database(db, timeout=timeout, read_only=read_only)
        self.backend = self._db.dialect
        self.path = self._db.path
        if artifact_root is not None:
            self.root = Path(artifact_root).resolve()
        elif self._db.local_dir is not None:
            self.root = self._db.local_dir  # absolute: a later chdir must not lose the artifact store
        else:
            from ._config import nbpromote_home

            self.root = Path(os.environ.get(ENV_ARTIFACTS) or nbpromote_home()).resolve()
        self.checkpoint_on_write = checkpoint_on_write
        self._verified: tuple[Any, VerifyResult, dict[str, Any]] | None = None  # (head, result, state)
        self.audit = AuditLog(self._db, checkpoint_dir=checkpoint_dir, key=audit_key,
                              checkpoint_every=checkpoint_every, signer=signer)

    def verify(self, *, strict: bool = False) -> VerifyResult:
        """Verify the audit chains, their signed checkpoints and every registry row against the log."""
        return self.audit.verify(strict=strict)

    def _verified_state(self, name: str, *, what: str, rows_must_match: bool = True) -> tuple[Any, VerifyResult]:
        """The log's state of model ``name`` after a full verification.

        Raises :class:`~nbpromote.errors.AuditTamperedError` when the chain or its checkpoints do not
        verify, or (``rows_must_match``) when one of this model's rows disagrees with the log.
        """
        from . import _state
        from .audit import _head

        with self._db.read("read the audit log") as conn:
            head = _head(conn)
            cached = self._verified if self._verified is not None and self._verified[0] == head else None
            if cached is not None:
                # The chain's head is the one verified last time: its records (hence the state replayed
                # from them) are unchanged; the rows are compared again, they may have been edited since.
                result, state = cached[1], cached[2]
                mine = [m.to_dict() for m in _state.compare(conn, state, only=name)]
        if cached is None:
            result = self.audit.verify(other_chains=False)
            state = self.audit.last_state
            mine = [m for m in result.mismatches if m.get("model") == name]
        chain_ok = result.ok or bool(result.mismatches and result.reason is not None
                                     and result.reason.startswith("the registry's tables"))
        if cached is None and chain_ok:
            self._verified = ((result.size, result.head_hash), result, state)
        if not chain_ok or (rows_must_match and mine):
            from ..errors import AuditTamperedError

            if chain_ok:
                from ._state import Mismatch

                first = Mismatch(**mine[0])
                raise AuditTamperedError(
                    f"Registry {self.path}: refusing to {what}: {first.text()}; the rows were edited behind the "
                    "registry's back.", hint="Run `nbpromote audit verify`; restore the database from a backup.",
                    seq=first.seq, reason=first.text())
            raise AuditTamperedError(
                f"Registry {self.path}: refusing to {what}: the audit log does not verify (record "
                f"{result.first_bad_seq}: {result.reason}).",
                hint="Run `nbpromote audit verify` for the details; restore the database from a backup.",
                seq=result.first_bad_seq, reason=result.reason)
        return state.get(name), result

    # --- lookups --------------------------------------------------------------------------------
    def _model(self, conn: Any, name: str) -> Any:
        row = conn.execute("SELECT * FROM models WHERE name = ?", (name,)).fetchone()
        if row is None:
            known = [r[0] for r in conn.execute("SELECT name FROM models ORDER BY name LIMIT 20")]
            raise ModelNotFoundError(
                f"No model named '{name}' in registry {self.path}.",
                hint=(f"Registered models: {', '.join(known)}." if known else
                      "The registry is empty: register a model first (nbpromote registry register)."),
                model=name,
            )
        return row

    def _version_row(self, conn: Any, model: Any, ref: Any) -> Any:
        name = model["name"]
        text = str(ref).strip() if ref is not None else ""
        number: int | None = None
        if isinstance(ref, int) and not isinstance(ref, bool):
            number = ref
        elif re.fullmatch(r"[vV]?\d+", text):
            number = int(text.lstrip("vV"))
        elif text.lower() in ("production", "live"):
            row = conn.execute("SELECT * FROM versions WHERE model_id = ? AND stage = 'Production'",
                               (model["id"],)).fetchone()
            if row is None:
                raise VersionNotFoundError(f"Model '{name}' has no Production version.",
                                           hint="Promote one first (nbpromote registry promote).", model=name,
                                           version=text)
            return row
        elif text.lower() == "latest":
            row = conn.execute("SELECT * FROM versions WHERE model_id = ? ORDER BY version DESC LIMIT 1",
                               (model["id"],)).fetchone()
            if row is not None:
                return row
        elif _ALIAS.match(text):
            row = conn.execute(
                "SELECT v.* FROM aliases a JOIN versions v ON v.id = a.version_id WHERE a.model_id = ? AND a.alias = ?",
                (model["id"], text)).fetchone()
            if row is not None:
                return row
        if number is not None:
            row = conn.execute("SELECT * FROM versions WHERE model_id = ? AND version = ?",
                               (model["id"], number)).fetchone()
            if row is not None:
                return row
        known = [str(r[0]) for r in conn.execute(
            "SELECT version FROM versions WHERE model_id = ? ORDER BY version", (model["id"],))]
        aliases = [r[0] for r in conn.execute("SELECT alias FROM aliases WHERE model_id = ? ORDER BY alias",
                                              (model["id"],))]
        raise VersionNotFoundError(
            f"Model '{name}' has no version {ref!r}.",
            hint=f"Versions: {', '.join(known) or 'none'}" + (f"; aliases: {', '.join(aliases)}" if aliases else "")
                 + ".", model=name, version=str(ref),
        )

    def _mv(self, conn: Any, row: Any, name: str) -> ModelVersion:
        aliases = tuple(r[0] for r in conn.execute(
            "SELECT alias FROM aliases WHERE version_id = ? ORDER BY alias", (row["id"],)))
        approvals = tuple({"actor": r["actor"], "at": r["at"], "reason": r["reason"]} for r in conn.execute(
            "SELECT actor, at, reason FROM approvals WHERE version_id = ? ORDER BY id", (row["id"],)))
        return ModelVersion.from_row(row, name, aliases, approvals)

    @staticmethod
    def _config(model: Any) -> dict[str, Any]:
        return json.loads(model["config"] or "{}")

    # --- history records ----------------------------------------------------------------------------
    def _record(self, conn: Any, model: Any, version: Any, kind: str, *,
                actor: str, reason: str, from_stage: str | None = None, to_stage: str | None = None,
                alias: str | None = None, evidence: Mapping[str, Any] | None = None, at: str | None = None) -> Transition:
        at = at or utcnow()
        evidence_json = canonical_json(dict(evidence or {}))
        version_number = int(version["version"]) if version is not None else None
        tid = int(conn.execute(
            "INSERT INTO transitions(model_id, version_id, kind, from_stage, to_stage, alias, actor, at, reason, "
            "evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (model["id"], version["id"] if version is not None else None, kind, from_stage, to_stage, alias, actor,
             at, reason, evidence_json)).fetchone()[0])
        ensure_log_id(conn)
        seq, _digest = append_in_transaction(conn, f"registry.{kind}", {
            "model": model["name"], "version": version_number, "from_stage": from_stage, "to_stage": to_stage,
            "alias": alias, "actor": actor, "reason": reason, "transition_id": tid,
            "artifact_hash": version["artifact_hash"] if version is not None else None,
            "evidence": json.loads(evidence_json),
        }, at=at)
        conn.execute("UPDATE transitions SET audit_seq = ? WHERE id = ?", (seq, tid))
        return Transition(id=tid, name=model["name"], version=version_number, kind=kind, from_stage=from_stage,
                          to_stage=to_stage, alias=alias, actor=actor, at=at, reason=reason,
                          evidence=json.loads(evidence_json), audit_seq=seq)

    def _set_stage(self, conn: Any, model: Any, version: Any, stage: str, kind: str,
                   *, actor: str, reason: str, evidence: Mapping[str, Any] | None = None) -> Transition:
        winner = conn.execute("SELECT version FROM versions WHERE model_id = ? AND stage = 'Production' AND id <> ?",
                              (model["id"], version["id"])).fetchone() if stage == "Production" else None
        conflict = winner is not None
        if not conflict:
            try:
                conn.execute("UPDATE versions SET stage = ? WHERE id = ?", (stage, version["id"]))
            except Exception as exc:  # the database's unique index: the last word on the invariant
                if not self._db.is_integrity_error(exc):
                    raise
                conflict = True
        if conflict:
            raise PromotionConflictError(
                f"Model '{model['name']}': v{version['version']} cannot enter Production because "
                f"v{winner[0] if winner else '?'} is already there (one Production version per model).",
                hint="Re-run the promotion to be gated against the new champion.", model=model["name"],
                version=int(version["version"]),
            ) from None
        if version["stage"] == "Production" and stage != "Production" and kind == "transition":
            # A manual demotion empties the slot; promote/rollback re-point the alias themselves.
            self._move_alias(conn, model, "champion", None, actor=actor, reason=reason)
        return self._record(conn, model, version, kind, actor=actor, reason=reason, from_stage=version["stage"],
                            to_stage=stage, evidence=evidence)

    def _move_alias(self, conn: Any, model: Any, alias: str, version: Any, *,
                    actor: str, reason: str) -> Transition | None:
        current = conn.execute("SELECT version_id FROM aliases WHERE model_id = ? AND alias = ?",
                               (model["id"], alias)).fetchone()
        if version is None:
            if current is None:
                return None
            conn.execute("DELETE FROM aliases WHERE model_id = ? AND alias = ?", (model["id"], alias))
        else:
            if current is not None and current[0] == version["id"]:
                return None
            conn.execute("INSERT INTO aliases(model_id, alias, version_id) VALUES (?, ?, ?) ON CONFLICT (model_id, alias) "
                         "DO UPDATE SET version_id = excluded.version_id", (model["id"], alias, version["id"]))
        # Alias moves are kept in the history, so "what did `champion` point to on Tuesday" is answerable.
        previous = conn.execute("SELECT version FROM versions WHERE id = ?", (current[0],)).fetchone() \
            if current is not None else None
        return self._record(conn, model, version, "alias", actor=actor, reason=reason, alias=alias,
                            evidence={"previous_version": int(previous[0]) if previous else None,
                                      "version": int(version["version"]) if version is not None else None})

    def _before_commit(self, conn: Any, operation: str) -> None:
        """Hook run inside promote/rollback transactions just before COMMIT (no-op; for subclasses)."""

    def _before_write(self, operation: str) -> None:
        """Hook run after promote's gate check, before it asks for the write lock (no-op; for subclasses)."""

    def _checkpoint(self) -> None:
        # A signed checkpoint after each registry write pins the log's head outside the database.
        # The transition is already committed: a failed checkpoint is a warning, not a failure.
        if not self.checkpoint_on_write:
            self.audit._maybe_checkpoint(self.audit.head()[0])
            return
        try:
            self.audit.checkpoint()
        except (NbpromoteError, OSError) as exc:
            warnings.warn(f"Registry {self.path}: the audit checkpoint could not be written ({exc}); the "
                          "transition is recorded, run `nbpromote audit checkpoint` once fixed.", RuntimeWarning,
                          stacklevel=3)

    # --- writes -----------------------------------------------------------------------------------
    def register(self, name: str, artifact: Any, *, metrics: Mapping[str, Any], lineage: Any,
                 params: Mapping[str, Any] | None = None, tags: Mapping[str, Any] | None = None,
                 holdout: Mapping[str, Any] | None = None, actor: str | None = None) -> ModelVersion:
        """Register a new version of model ``name``.

        Parameters
        ----------
        name : str
            The model (slot) name.
        artifact : str, Path or estimator
            A serialised model file (copied into the store, content-addressed by SHA-256) or an
            in-memory estimator (pickled, protocol 5; library versions recorded).
        metrics : dict
            Flat ``name -> number``; slice metrics as ``metric[attr=value]``.
        lineage : dict or path
            The lineage manifest (data hashes, code hash, params, environment, seed, git commit,
            notebook hash), or the path of a ``lineage.json``.
        params, tags : dict or None, default=None
        holdout : dict or None, default=None
            ``{"hash": …, "rows": m}`` of the frozen holdout the metrics were computed on
            (default: ``lineage["holdout"]``; rows default ``metrics["n_holdout"]``).
        actor : str or None, default=None
            Who registers (default ``$NBPROMOTE_ACTOR`` or the OS user).

        Returns
        -------
        ModelVersion
            The new version, stage ``None``.
        """
        _check_name(name)
        metrics_ = _check_metrics(metrics)
        lineage_ = _check_mapping(lineage, "lineage")
        params_, tags_ = _check_mapping(params, "params"), _check_mapping(tags, "tags")
        holdout_hash, holdout_rows = _check_holdout(holdout, lineage_, metrics_)
        who = resolve_actor(actor)
        self._db.require_writable("register a model")
        info = _store.ingest_artifact(self.root, artifact)
        with self._db.write("register a model") as conn:
            now = utcnow()
            conn.execute("INSERT INTO models(name, created_at, created_by) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                         (name, now, who))
            model = self._model(conn, name)
            number = conn.execute("SELECT COALESCE(MAX(version), 0) + 1 FROM versions WHERE model_id = ?",
                                  (model["id"],)).fetchone()[0]
            version = conn.execute(
                "INSERT INTO versions(model_id, version, stage, artifact_uri, artifact_hash, artifact_format, "
                "artifact_size, metrics, lineage, params, tags, holdout_hash, holdout_rows, environment, created_by, "
                "created_at) VALUES (?, ?, 'None', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (model["id"], number, info.uri, info.hash, info.format, info.size, canonical_json(metrics_),
                 canonical_json(lineage_), canonical_json(params_), canonical_json(tags_), holdout_hash, holdout_rows,
                 canonical_json(info.environment), who, now)).fetchone()
            self._record(conn, model, version, "register", actor=who, reason="registered", to_stage="None",
                         evidence={"artifact_hash": info.hash, "metrics": metrics_, "holdout_hash": holdout_hash,
                                   "artifact_uri": info.uri, "artifact_format": info.format,
                                   "artifact_size": info.size},
                         at=now)
            result = self._mv(conn, version, name)
        self._checkpoint()
        return result

    def configure(self, name: str, *, metric: str | None = None, higher_is_better: bool | None = None,
                  delta: float | None = None, guardrails: Any = None, require_second_approver: bool | None = None,
                  actor: str | None = None, reason: str = "gate configured") -> dict[str, Any]:
        """Set the model's default gate (metric, direction, δ, guardrails) and approval policy."""
        _check_name(name)
        who = resolve_actor(actor)
        if delta is not None and (not isinstance(delta, (int, float)) or delta < 0):
            raise UsageError(f"delta must be a number >= 0, got {delta!r}.")
        updates = {"metric": metric, "higher_is_better": higher_is_better, "delta": delta,
                   "guardrails": normalize_guardrails(guardrails) if guardrails is not None else None,
                   "require_second_approver": require_second_approver}
        with self._db.write("configure a model") as conn:
            model = self._model(conn, name)
            config = {**self._config(model), **{k: v for k, v in updates.items() if v is not None}}
            conn.execute("UPDATE models SET config = ? WHERE id = ?", (canonical_json(config), model["id"]))
            self._record(conn, model, None, "configure", actor=who, reason=reason, evidence={"config": config})
        self._checkpoint()
        return config

    def approve(self, name: str, version: Any, *, actor: str | None = None, reason: str) -> Transition:
        """Approve ``version`` for Production (needed for a slot's first model and for second-approver models).

        Raises :class:`~nbpromote.errors.ApprovalError` when the model requires a second approver and
        ``actor`` is the version's registrant (separation of duties), or ``actor`` already approved it.
        """
        reason = _check_reason(reason, "An approval")
        who = resolve_actor(actor)
        with self._db.write("approve a version") as conn:
            model = self._model(conn, name)
            row = self._version_row(conn, model, version)
            if self._config(model).get("require_second_approver") and who == row["created_by"]:
                raise ApprovalError(
                    f"Model '{name}' requires a second approver: {who} registered v{row['version']} and cannot "
                    "also approve it.", hint="Ask another person to approve (--actor / NBPROMOTE_ACTOR).",
                    model=name, version=int(row["version"]), actor=who)
            if conn.execute("SELECT 1 FROM approvals WHERE version_id = ? AND actor = ?", (row["id"], who)).fetchone():
                raise ApprovalError(f"{who} has already approved '{name}' v{row['version']}.", model=name,
                                    version=int(row["version"]), actor=who)
            at = utcnow()
            conn.execute("INSERT INTO approvals(version_id, actor, at, reason) VALUES (?, ?, ?, ?)",
                         (row["id"], who, at, reason))
            result = self._record(conn, model, row, "approve", actor=who, reason=reason, at=at)
        self._checkpoint()
        return result

    def transition(self, name: str, version: Any, stage: str, *, reason: str, actor: str | None = None) -> Transition:
        """Move ``version`` to ``Staging``, ``Archived`` or ``None`` (Production only via :meth:`promote`)."""
        reason = _check_reason(reason, "A stage transition")
        who = resolve_actor(actor)
        canonical = {s.lower(): s for s in STAGES}.get(str(stage).lower())
        if canonical is None:
            raise UsageError(f"Unknown stage {stage!r}.", hint=f"Stages: {', '.join(STAGES)}.")
        with self._db.write("change a stage") as conn:
            model = self._model(conn, name)
            row = self._version_row(conn, model, version)
            current = row["stage"]
            allowed = ALLOWED_TRANSITIONS[current]
            if canonical not in allowed:
                hint = "Production is entered only through `promote` (the gate) or `rollback`." \
                    if canonical == "Production" else ""
                raise IllegalTransitionError(
                    f"'{name}' v{row['version']}: {current} → {canonical} is not allowed; from {current} the "
                    f"allowed transitions are: {', '.join(allowed)}.", hint=hint or None, model=name,
                    version=int(row["version"]), from_stage=current, to_stage=canonical, allowed=list(allowed))
            result = self._set_stage(conn, model, row, canonical, "transition", actor=who, reason=reason)
            if canonical == "Staging":
                self._move_alias(conn, model, "challenger", row, actor=who, reason=reason)
        self._checkpoint()
        return result

    def promote(self, name: str, version: Any, *, metric: str | None = None, delta: float | None = None,
                guardrails: Any = None, reason: str, actor: str | None = None, approve: bool = False,
                higher_is_better: bool | None = None, evidence: Mapping[str, Any] | None = None) -> Transition:
        """Promote ``version`` to Production through the champion/challenger gate.

        Parameters
        ----------
        name, version : str, int or str
            The model and the challenger (a number, ``vN``, or an alias).
        metric : str or None, default=None
            Primary metric (default: the model's configured one, else ``roc_auc``, else ``accuracy``).
        delta : float or None, default=None
            Required improvement (default: configured, else the holdout noise).
        guardrails : list or None, default=None
            Extra guardrails, added to the model's configured ones.
        reason : str
            Why (kept in the history and the audit log).
        actor : str or None, default=None
        approve : bool, default=False
            The promoting actor also approves (enough for a slot's first model).
        higher_is_better : bool or None, default=None
        evidence : dict or None, default=None
            Extra evidence (a JSON-able dict with a ``kind``, ≤ 64 KiB), e.g. the service's shadow
            evidence. It does not change the gate's decision (holdout metrics); it is recorded as
            ``attached`` beside the gate's numbers in the transition and its audit record, also
            when the gate refuses.

        Returns
        -------
        Transition
            The challenger's move to Production, with the gate evidence.

        Raises
        ------
        GateRejectedError
            The gate refused; ``.gate`` is the :class:`GateResult` with the numbers. The refusal is
            recorded in the history and the audit log.
        ApprovalError
            A first model (or a second-approver model) lacks its approval.
        PromotionConflictError
            Another promotion changed the champion between this one's gate check and its commit.
        """
        reason = _check_reason(reason, "A promotion")
        attached = check_evidence(evidence)
        extra_guardrails = normalize_guardrails(guardrails)  # bad input fails before any lookup
        who = resolve_actor(actor)
        with self._db.read("read the registry") as conn:
            model = self._model(conn, name)
            row = self._version_row(conn, model, version)
            champ = conn.execute("SELECT * FROM versions WHERE model_id = ? AND stage = 'Production'",
                                 (model["id"],)).fetchone()
            approvals = [dict(r) for r in conn.execute("SELECT actor, at, reason FROM approvals WHERE version_id = ?",
                                                       (row["id"],))]
        number = int(row["version"])
        # The gate reads metrics, holdout, approvals and configuration: they must be the log's.
        self._verified_state(name, what=f"promote '{name}' v{number}")
        if row["stage"] not in _PROMOTABLE:
            hint = "It is already live." if row["stage"] == "Production" else \
                "Move it to Staging first (nbpromote registry transition … Staging), or use rollback."
            raise IllegalTransitionError(
                f"'{name}' v{number} is {row['stage']}; only None or Staging versions can be promoted.", hint=hint,
                model=name, version=number, from_stage=row["stage"], to_stage="Production",
                allowed=list(ALLOWED_TRANSITIONS[row["stage"]]))
        config = self._config(model)
        specs = list(config.get("guardrails") or []) + extra_guardrails
        gate = evaluate_gate(
            {"version": number, "metrics": json.loads(row["metrics"]), "holdout_hash": row["holdout_hash"],
             "holdout_rows": row["holdout_rows"]},
            None if champ is None else {"version": int(champ["version"]), "metrics": json.loads(champ["metrics"]),
                                        "holdout_hash": champ["holdout_hash"], "holdout_rows": champ["holdout_rows"]},
            metric=metric or config.get("metric"), delta=delta if delta is not None else config.get("delta"),
            higher_is_better=higher_is_better if higher_is_better is not None else config.get("higher_is_better"),
            guardrails=specs)
        # Approvals: explicit for a slot's first model; a non-registrant for second-approver models.
        approvers = [a["actor"] for a in approvals] + ([who] if approve else [])
        needs_first = champ is None
        needs_second = bool(config.get("require_second_approver"))
        independent = [a for a in approvers if a != row["created_by"]]
        gate.approval = {"required": needs_first or needs_second, "approvers": approvers,
                         "second_approver_required": needs_second, "registrant": row["created_by"]}
        approval_problem = None
        if needs_first and not approvers:
            approval_problem = (f"'{name}' has no Production version yet, so its first model needs an explicit "
                                f"approval; v{number} has none")
        elif needs_second and not independent:
            approval_problem = (f"'{name}' requires a second approver other than the registrant "
                                f"({row['created_by']}); v{number} has none")
        if not gate.passed or approval_problem:
            if approval_problem:
                gate.failures.append(approval_problem)
                gate.passed = False
            self._record_rejection(name, number, gate, who, reason, attached)
            if approval_problem and len(gate.failures) == 1:
                raise ApprovalError(approval_problem + ".",
                                    hint="Approve it (nbpromote registry approve, or promote --approve).",
                                    model=name, version=number, gate=gate)
            raise GateRejectedError(gate.summary(), model=name, version=number, gate=gate)
        self._before_write("promote")
        with self._db.write("promote a version") as conn:
            model = self._model(conn, name)
            row = conn.execute("SELECT * FROM versions WHERE id = ?", (row["id"],)).fetchone()
            now_champ = conn.execute("SELECT * FROM versions WHERE model_id = ? AND stage = 'Production'",
                                     (model["id"],)).fetchone()
            if (now_champ["id"] if now_champ else None) != (champ["id"] if champ else None) \
                    or row["stage"] not in _PROMOTABLE:
                last = conn.execute(
                    "SELECT t.actor, t.at, v.version FROM transitions t JOIN versions v ON v.id = t.version_id "
                    "WHERE t.model_id = ? AND t.to_stage = 'Production' ORDER BY t.id DESC LIMIT 1",
                    (model["id"],)).fetchone()
                winner = f"v{last['version']} (by {last['actor']} at {last['at']})" if last else "another version"
                raise PromotionConflictError(
                    f"'{name}': promoting v{number} lost a race — {winner} entered Production after this promotion's "
                    f"gate was evaluated against {'v' + str(champ['version']) if champ else 'an empty slot'}.",
                    hint="Re-run the promotion to be gated against the current champion.", model=name,
                    version=number, winner=int(last["version"]) if last else None)
            if approve and who not in [a["actor"] for a in approvals]:
                conn.execute("INSERT INTO approvals(version_id, actor, at, reason) VALUES (?, ?, ?, ?)",
                             (row["id"], who, utcnow(), reason))
                self._record(conn, model, row, "approve", actor=who, reason=reason)
            if now_champ is not None:
                self._set_stage(conn, model, now_champ, "Archived", "promote", actor=who,
                                reason=f"replaced by v{number}: {reason}")
            result = self._set_stage(conn, model, row, "Production", "promote", actor=who, reason=reason,
                                     evidence=_with_attached({"gate": gate.to_dict()}, attached))
            self._move_alias(conn, model, "champion", row, actor=who, reason=reason)
            challenger = conn.execute("SELECT version_id FROM aliases WHERE model_id = ? AND alias = 'challenger'",
                                      (model["id"],)).fetchone()
            if challenger is not None and challenger[0] == row["id"]:
                self._move_alias(conn, model, "challenger", None, actor=who, reason=reason)
            self._before_commit(conn, "promote")
        self._checkpoint()
        return result

    def _record_rejection(self, name: str, number: int, gate: GateResult, who: str, reason: str,
                          attached: dict[str, Any] | None = None) -> None:
        if self._db.read_only:
            return
        with self._db.write("record a refused promotion") as conn:
            model = self._model(conn, name)
            row = conn.execute("SELECT * FROM versions WHERE model_id = ? AND version = ?",
                               (model["id"], number)).fetchone()
            self._record(conn, model, row, "rejected", actor=who, reason=reason,
                         evidence=_with_attached({"gate": gate.to_dict()}, attached))
        self._checkpoint()

    def rollback(self, name: str, *, reason: str, actor: str | None = None, to: Any = None) -> Transition:
        """Re-point Production to the previous Production version, in one transaction.

        The version being rolled back is Archived; versions demoted by a rollback are skipped when
        looking for "the previous one", so repeated rollbacks walk back through history (v3 → v2 →
        v1) instead of toggling. ``to`` picks an explicit earlier Production version.
        """
        reason = _check_reason(reason, "A rollback")
        who = resolve_actor(actor)
        with self._db.write("roll back") as conn:
            model = self._model(conn, name)
            current = conn.execute("SELECT * FROM versions WHERE model_id = ? AND stage = 'Production'",
                                   (model["id"],)).fetchone()
            current_id = current["id"] if current is not None else None
            was_live, candidates = self._rollback_candidates(conn, model, current_id)
            if to is not None:
                target = self._version_row(conn, model, to)
                if target["id"] not in was_live or target["id"] == current_id:
                    raise IllegalTransitionError(
                        f"'{name}' v{target['version']} {'is live now' if target['id'] == current_id else 'was never in Production'}; "
                        "rollback only returns to an earlier Production version.", model=name,
                        version=int(target["version"]))
            else:
                if not candidates:
                    raise IllegalTransitionError(
                        f"'{name}' has no earlier Production version to roll back to"
                        + (f" (v{current['version']} is the first)." if current is not None else "."),
                        hint="Promote another version, or archive the live one (registry transition … Archived).",
                        model=name)
                target = conn.execute("SELECT * FROM versions WHERE id = ?", (candidates[0],)).fetchone()
            evidence = {"from_version": int(current["version"]) if current is not None else None,
                        "to_version": int(target["version"])}
            if current is not None:
                self._set_stage(conn, model, current, "Archived", "rollback", actor=who, reason=reason, evidence=evidence)
            result = self._set_stage(conn, model, target, "Production", "rollback", actor=who, reason=reason,
                                     evidence=evidence)
            self._move_alias(conn, model, "champion", target, actor=who, reason=reason)
            self._before_commit(conn, "rollback")
        self._checkpoint()
        return result

    @staticmethod
    def _rollback_candidates(conn: Any, model: Any,
                             current_id: int | None) -> tuple[list[int], list[int]]:
        """(every version id that was ever live, rollback targets best first)."""
        history = conn.execute(
            "SELECT t.version_id, t.kind, t.from_stage, t.to_stage FROM transitions t WHERE t.model_id = ? "
            "AND (t.to_stage = 'Production' OR t.from_stage = 'Production') ORDER BY t.id", (model["id"],)).fetchall()
        rolled_back: set[int] = set()
        was_live: list[int] = []
        for vid, kind, from_stage, to_stage in history:
            if to_stage == "Production":
                rolled_back.discard(vid)
                was_live.append(vid)
            elif from_stage == "Production" and kind == "rollback":
                rolled_back.add(vid)
        seen: set[int] = set()
        candidates = []
        for vid in reversed(was_live):
            if vid != current_id and vid not in rolled_back and vid not in seen:
                seen.add(vid)
                candidates.append(vid)
        return was_live, candidates

    def rollback_target(self, name: str) -> ModelVersion | None:
        """The version :meth:`rollback` would restore now (None when there is none)."""
        with self._db.read() as conn:
            model = self._model(conn, name)
            current = conn.execute("SELECT id FROM versions WHERE model_id = ? AND stage = 'Production'",
                                   (model["id"],)).fetchone()
            _was_live, candidates = self._rollback_candidates(conn, model, current[0] if current else None)
            if not candidates:
                return None
            row = conn.execute("SELECT * FROM versions WHERE id = ?", (candidates[0],)).fetchone()
            return self._mv(conn, row, name)

    def set_alias(self, name: str, alias: str, version: Any, *, reason: str = "alias set",
                  actor: str | None = None) -> Transition | None:
        """Point ``alias`` (e.g. ``challenger``) at ``version``; the move is kept in the history."""
        if not isinstance(alias, str) or not _ALIAS.match(alias) or alias.lower() in ("production", "live", "latest"):
            raise UsageError(f"Alias {alias!r} is not valid.",
                             hint="Use a word such as challenger, shadow or candidate (not production/live/latest).")
        if alias in _MANAGED_ALIASES:
            raise IllegalTransitionError(
                f"The '{alias}' alias always names the Production version; it moves only with promote/rollback.",
                hint="Promote the version instead (nbpromote registry promote).", alias=alias)
        who = resolve_actor(actor)
        with self._db.write("set an alias") as conn:
            model = self._model(conn, name)
            row = self._version_row(conn, model, version)
            result = self._move_alias(conn, model, alias, row, actor=who, reason=reason)
        self._checkpoint()
        return result

    def delete_alias(self, name: str, alias: str, *, reason: str = "alias removed", actor: str | None = None) -> None:
        """Remove ``alias`` (kept in the history)."""
        if alias in _MANAGED_ALIASES:
            raise IllegalTransitionError(f"The '{alias}' alias is managed by promote/rollback.", alias=alias)
        who = resolve_actor(actor)
        with self._db.write("remove an alias") as conn:
            model = self._model(conn, name)
            if self._move_alias(conn, model, alias, None, actor=who, reason=reason) is None:
                raise UsageError(f"Model '{name}' has no alias '{alias}'.")
        self._checkpoint()

    # --- reads -----------------------------------------------------------------------------------
    def models(self) -> list[dict[str, Any]]:
        """Every model with its version count, live version and last change."""
        with self._db.read() as conn:
            rows = conn.execute(
                "SELECT m.name, (SELECT COUNT(*) FROM versions v WHERE v.model_id = m.id) AS versions, "
                "(SELECT v.version FROM versions v WHERE v.model_id = m.id AND v.stage = 'Production') AS live, "
                "(SELECT MAX(t.at) FROM transitions t WHERE t.model_id = m.id) AS updated_at "
                "FROM models m ORDER BY m.name").fetchall()
        return [dict(r) for r in rows]

    def versions(self, name: str) -> list[ModelVersion]:
        """All versions of ``name``, oldest first."""
        with self._db.read() as conn:
            model = self._model(conn, name)
            return [self._mv(conn, r, name) for r in conn.execute(
                "SELECT * FROM versions WHERE model_id = ? ORDER BY version", (model["id"],))]

    def get(self, name: str, version: Any) -> ModelVersion:
        """One version, by number, ``vN``, alias, ``production`` or ``latest``."""
        with self._db.read() as conn:
            model = self._model(conn, name)
            return self._mv(conn, self._version_row(conn, model, version), name)

    def live(self, name: str) -> ModelVersion | None:
        """The Production version of ``name`` (None when nothing is live)."""
        with self._db.read() as conn:
            model = self._model(conn, name)
            row = conn.execute("SELECT * FROM versions WHERE model_id = ? AND stage = 'Production'",
                               (model["id"],)).fetchone()
            return self._mv(conn, row, name) if row is not None else None

    def live_at(self, name: str, when: Any) -> ModelVersion | None:
        """The version that was in Production at time ``when`` (datetime or ISO-8601), in one query."""
        moment = _iso(when)
        with self._db.read() as conn:
            model = self._model(conn, name)
            row = conn.execute(
                "SELECT t.to_stage AS entered, v.* FROM transitions t JOIN versions v ON v.id = t.version_id "
                "WHERE t.model_id = ? AND t.at <= ? AND (t.to_stage = 'Production' OR t.from_stage = 'Production') "
                "ORDER BY t.at DESC, t.id DESC LIMIT 1", (model["id"], moment)).fetchone()
            if row is None or row["entered"] != "Production":
                return None
            return self._mv(conn, row, name)

    def alias_at(self, name: str, alias: str, when: Any) -> int | None:
        """The version number ``alias`` pointed to at time ``when`` (None if unset then)."""
        moment = _iso(when)
        with self._db.read() as conn:
            model = self._model(conn, name)
            row = conn.execute(
                "SELECT v.version FROM transitions t LEFT JOIN versions v ON v.id = t.version_id "
                "WHERE t.model_id = ? AND t.kind = 'alias' AND t.alias = ? AND t.at <= ? ORDER BY t.id DESC LIMIT 1",
                (model["id"], alias, moment)).fetchone()
            return int(row[0]) if row is not None and row[0] is not None else None

    def aliases(self, name: str) -> dict[str, int]:
        """Current aliases of ``name``: alias → version number."""
        with self._db.read() as conn:
            model = self._model(conn, name)
            return {r[0]: int(r[1]) for r in conn.execute(
                "SELECT a.alias, v.version FROM aliases a JOIN versions v ON v.id = a.version_id WHERE a.model_id = ? "
                "ORDER BY a.alias", (model["id"],))}

    def history(self, name: str, *, kinds: tuple[str, ...] | None = None) -> list[Transition]:
        """Every event of ``name`` (registrations, stage changes, approvals, alias moves, refusals), oldest first."""
        with self._db.read() as conn:
            model = self._model(conn, name)
            rows = conn.execute(
                "SELECT t.*, v.version FROM transitions t LEFT JOIN versions v ON v.id = t.version_id "
                "WHERE t.model_id = ? ORDER BY t.id", (model["id"],)).fetchall()
        out = [Transition(id=r["id"], name=name, version=r["version"], kind=r["kind"], from_stage=r["from_stage"],
                          to_stage=r["to_stage"], alias=r["alias"], actor=r["actor"], at=r["at"], reason=r["reason"],
                          evidence=json.loads(r["evidence"]), audit_seq=r["audit_seq"]) for r in rows]
        return [t for t in out if kinds is None or t.kind in kinds]

    def artifact_path(self, name: str, version: Any = None) -> Path:
        """The verified artifact file of a version (hash checked now, against the signed log)."""
        mv = self._logged_version(name, version)
        _store.read_verified(self.root, mv.artifact_uri, mv.artifact_hash, label=f"'{name}' v{mv.version}")
        return self.root / mv.artifact_uri

    def live_or_get(self, name: str, version: Any = None) -> ModelVersion:
        if version is not None:
            return self.get(name, version)
        mv = self.live(name)
        if mv is None:
            raise VersionNotFoundError(f"Model '{name}' has no Production version to load.",
                                       hint="Pass a version, or promote one first.", model=name, version="production")
        return mv

    def _logged_version(self, name: str, version: Any, *, wait: float = 2.0) -> ModelVersion:
        """The version to load, checked against the signed audit log (not only its row).

        The row must agree with the log on the artifact's hash (and uri), and the Production version
        is the one the log says is in Production. A version whose registration is not yet covered by
        a signed checkpoint is refused (after waiting ``wait`` seconds for its writer to sign it).
        """
        import time

        deadline = time.monotonic() + wait
        while True:
            mv = self.live_or_get(name, version)
            label = f"'{name}' v{mv.version}"
            logged_model, result = self._verified_state(name, what=f"load {label}", rows_must_match=False)
            logged = logged_model.versions.get(mv.version) if logged_model is not None else None
            if logged is None or logged.get("seq") is None:
                raise ArtifactIntegrityError(
                    f"{label}: the audit log has no registration of this version; refusing to load it.",
                    hint="The registry's tables were edited behind its back: run `nbpromote audit verify`.",
                    expected=None, actual=mv.artifact_hash)
            if logged.get("artifact_hash") != mv.artifact_hash or logged.get("artifact_uri", mv.artifact_uri) != mv.artifact_uri:
                raise ArtifactIntegrityError(
                    f"{label}: the registry row names artifact {mv.artifact_hash} but the signed audit log registered "
                    f"{logged.get('artifact_hash')}; refusing to load it.",
                    hint="The registry's tables were edited behind its back: run `nbpromote audit verify`.",
                    expected=logged.get("artifact_hash"), actual=mv.artifact_hash)
            if version is None and logged.get("stage") != "Production":
                raise ArtifactIntegrityError(
                    f"'{name}': the registry row says v{mv.version} is in Production, the signed audit log says it is "
                    f"{logged.get('stage')}; refusing to load it.",
                    hint="Run `nbpromote audit verify`.", expected=None, actual=mv.artifact_hash)
            newest = max(int(logged["seq"]), int(logged.get("stage_seq") or 0) if version is None else 0)
            if newest <= result.signed_size:
                return mv
            if time.monotonic() >= deadline:
                raise ArtifactIntegrityError(
                    f"{label}: its audit record {newest} is in the unsigned tail of the log (after the newest signed "
                    f"checkpoint, size {result.signed_size}); refusing to load it.",
                    hint="If you trust the tail, sign it: `nbpromote audit checkpoint` (needs the key).",
                    expected=logged.get("artifact_hash"), actual=mv.artifact_hash)
            time.sleep(0.1)

    def load(self, name: str, version: Any = None) -> Any:
        """Load a registered model (default: the Production one), verifying its content hash first.

        The hash comes from the signed audit log, not only from the registry's row: the log is
        verified, the row must agree with it, and the bytes must hash to it before they are
        deserialised.

        Raises
        ------
        ArtifactIntegrityError
            The stored bytes do not hash to the registered digest (or the file is missing), or the
            row disagrees with the log; the pickle is never executed.
        AuditTamperedError
            The audit log itself does not verify.
        """
        mv = self._logged_version(name, version)
        label = f"'{name}' v{mv.version}"
        data = _store.read_verified(self.root, mv.artifact_uri, mv.artifact_hash, label=label)
        return _store.deserialize(data, mv.artifact_format, environment=mv.environment, label=label)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Registry {self.path}>"


def open_registry(db: str | os.PathLike[str] | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                  read_only: bool = False, create: bool = True, **options: Any) -> RegistryBackend:
    """Open the model registry.

    Parameters
    ----------
    db : str or Path or None, default=None
        A SQLite file, or ``mlflow:<tracking-uri>`` for the MLflow backend. Default: env
        ``NBPROMOTE_REGISTRY``, else ``[tool.nbpromote] registry`` in the nearest pyproject.toml,
        else ``$NBPROMOTE_HOME/registry.db`` (``NBPROMOTE_HOME`` default ``./.nbpromote``).
    timeout : float, default=10.0
        Seconds to wait on a database locked by another process.
    read_only : bool, default=False
        Open for reading only (writes raise :class:`~nbpromote.errors.RegistryUnavailableError`).
    create : bool, default=True
        Create the database when it does not exist; with False a missing registry is an error
        (what read-only commands want: looking must not create ``.nbpromote/``).
    **options
        Passed to the backend (``checkpoint_dir``, ``audit_key``, ``checkpoint_every`` for SQLite).

    Returns
    -------
    Registry
        The SQLite registry (or an ``MlflowRegistry``).

    Examples
    --------
    >>> reg = open_registry("registry.db")                                     # doctest: +SKIP
    >>> v1 = reg.register("credit_risk", "model.pkl", metrics=m, lineage=lin,
    ...                   holdout={"hash": h, "rows": 2000})                   # doctest: +SKIP
    >>> reg.promote("credit_risk", 1, reason="first model", approve=True)      # doctest: +SKIP
    """
    from ._backend import backend_for

    location = resolve_db_path(db)
    factory, target = backend_for(location)
    if factory is not None:
        return factory(target, **options)
    if is_postgres(location):
        return Registry(location, timeout=timeout, read_only=read_only, **options)
    if not create and not Path(location).exists():
        raise RegistryUnavailableError(
            f"No registry at {location}.",
            hint="Register a model first (nbpromote registry register), or point --db / NBPROMOTE_REGISTRY at "
                 "an existing registry.", path=location, cause="missing")
    return Registry(location, timeout=timeout, read_only=read_only, **options)


