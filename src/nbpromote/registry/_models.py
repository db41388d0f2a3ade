"""Plain records the registry returns: a model version and a transition."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ModelVersion", "Transition", "STAGES"]

STAGES = ("None", "Staging", "Production", "Archived")


@dataclass(frozen=True)
class ModelVersion:
    """One registered version of a model (a slot)."""

    name: str
    version: int
    stage: str
    artifact_uri: str
    artifact_hash: str
    artifact_format: str
    artifact_size: int
    metrics: dict[str, Any]
    lineage: dict[str, Any]
    params: dict[str, Any]
    tags: dict[str, Any]
    holdout_hash: str | None
    holdout_rows: int | None
    environment: dict[str, Any]
    created_by: str
    created_at: str
    aliases: tuple[str, ...] = ()
    approvals: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["aliases"] = list(self.aliases)
        out["approvals"] = list(self.approvals)
        return out

    @classmethod
    def from_row(cls, row: Any, name: str, aliases: tuple[str, ...] = (),
                 approvals: tuple[dict[str, Any], ...] = ()) -> ModelVersion:
        return cls(
            name=name, version=int(row["version"]), stage=row["stage"], artifact_uri=row["artifact_uri"],
            artifact_hash=row["artifact_hash"], artifact_format=row["artifact_format"],
            artifact_size=int(row["artifact_size"]), metrics=json.loads(row["metrics"]),
            lineage=json.loads(row["lineage"]), params=json.loads(row["params"]), tags=json.loads(row["tags"]),
            holdout_hash=row["holdout_hash"], holdout_rows=row["holdout_rows"],
            environment=json.loads(row["environment"]), created_by=row["created_by"], created_at=row["created_at"],
            aliases=aliases, approvals=approvals,
        )


@dataclass(frozen=True)
class Transition:
    """One event in a model's history: a registration, stage change, approval, alias move or refusal."""

    id: int
    name: str
    version: int | None
    kind: str
    from_stage: str | None
    to_stage: str | None
    alias: str | None
    actor: str
    at: str
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    audit_seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
