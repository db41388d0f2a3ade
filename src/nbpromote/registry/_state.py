"""The registry's state recomputed from its audit log, and the rows that disagree with it.

The tables are a cache of the log (DESIGN: "the registry's tables are a cache of the signed log,
which is the truth"). :func:`replay` folds the ``registry.*`` records into, per model: each
version's artifact hash (and uri, format, size, metrics, holdout when recorded), stage and
approvers; the aliases; the gate configuration. :func:`compare` reads the tables and names every
row that differs, with the sequence number of the log record that says otherwise. Retention keeps
this working: ``audit.prune`` records carry the state as of the pruned prefix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ModelState", "replay", "compare", "Mismatch", "snapshot"]

_STAGE_KINDS = ("register", "promote", "rollback", "transition")


@dataclass
class ModelState:
    """What the log says about one model."""

    seq: int = 0  # the record that created it
    versions: dict[int, dict[str, Any]] = field(default_factory=dict)
    aliases: dict[str, tuple[int, int]] = field(default_factory=dict)  # alias -> (version, seq)
    config: dict[str, Any] = field(default_factory=dict)
    config_seq: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "versions": {str(k): v for k, v in self.versions.items()},
                "aliases": {k: list(v) for k, v in self.aliases.items()}, "config": self.config,
                "config_seq": self.config_seq}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> ModelState:
        versions = {}
        for key, value in doc.get("versions", {}).items():
            value = dict(value)
            value["approvers"] = list(value.get("approvers", []))
            versions[int(key)] = value
        return cls(seq=int(doc.get("seq", 0)), versions=versions,
                   aliases={k: (int(v[0]), int(v[1])) for k, v in doc.get("aliases", {}).items()},
                   config=dict(doc.get("config", {})), config_seq=int(doc.get("config_seq", 0)))


@dataclass(frozen=True)
class Mismatch:
    """One registry row that disagrees with the log."""

    model: str
    what: str
    row: Any
    log: Any
    seq: int | None

    def text(self) -> str:
        where = f" (audit record {self.seq})" if self.seq else ""
        return f"model '{self.model}': {self.what} is {self.row!r} in the table but {self.log!r} in the log{where}"

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "what": self.what, "row": self.row, "log": self.log, "seq": self.seq}


def replay(records: list[tuple[int, str, dict[str, Any]]], *, start: dict[str, Any] | None = None) -> dict[str, ModelState]:
    """Fold ``(seq, kind, data)`` registry records (in seq order) into the state per model."""
    state = {name: ModelState.from_dict(doc) for name, doc in (start or {}).items()}
    for seq, kind, data in records:
        if not kind.startswith("registry."):
            continue
        event = kind[len("registry."):]
        name = data.get("model")
        if not isinstance(name, str):
            continue
        model = state.setdefault(name, ModelState(seq=seq))
        version = data.get("version")
        evidence = data.get("evidence") or {}
        if event == "register" and isinstance(version, int):
            entry: dict[str, Any] = {"artifact_hash": data.get("artifact_hash"), "stage": "None", "seq": seq,
                                     "stage_seq": seq,
                     "approvers": []}
            for key in ("artifact_uri", "artifact_format", "artifact_size", "metrics", "holdout_hash"):
                if key in evidence:
                    entry[key] = evidence[key]
            model.versions[version] = entry
        elif event in _STAGE_KINDS and isinstance(version, int) and data.get("to_stage"):
            entry = model.versions.setdefault(version, {"seq": None, "approvers": []})
            entry["stage"], entry["stage_seq"] = data["to_stage"], seq
        elif event == "approve" and isinstance(version, int):
            entry = model.versions.setdefault(version, {"seq": None, "approvers": []})
            if data.get("actor") not in entry["approvers"]:
                entry["approvers"].append(data.get("actor"))
        elif event == "alias" and isinstance(data.get("alias"), str):
            target = evidence.get("version")
            if target is None:
                model.aliases.pop(data["alias"], None)
            else:
                model.aliases[data["alias"]] = (int(target), seq)
        elif event == "configure" and isinstance(evidence.get("config"), dict):
            model.config, model.config_seq = evidence["config"], seq
    return state


def snapshot(state: dict[str, ModelState]) -> dict[str, Any]:
    """A JSON-able copy of ``state`` (kept in ``audit.prune`` records)."""
    return {name: model.to_dict() for name, model in sorted(state.items())}


def _json(text: Any) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text


def compare(conn: Any, state: dict[str, ModelState], *, only: str | None = None) -> list[Mismatch]:
    """Every table row that disagrees with ``state`` (empty when the tables match the log).

    ``only`` restricts the comparison to one model.
    """
    out: list[Mismatch] = []
    models = {r[1]: r for r in conn.execute("SELECT id, name, config FROM models")}
    names = set(models) | set(state)
    for name in sorted(names if only is None else names & {only}):
        model = state.get(name)
        if model is None:
            out.append(Mismatch(name, "model", "present", "never registered", None))
            continue
        if name not in models:
            out.append(Mismatch(name, "model", "missing", "registered", model.seq))
            continue
        model_id, _name, config = models[name]
        if (_json(config) or {}) != model.config:
            out.append(Mismatch(name, "gate configuration", _json(config), model.config, model.config_seq or None))
        rows = {int(r[0]): r for r in conn.execute(
            "SELECT version, stage, artifact_hash, artifact_uri, artifact_format, artifact_size, metrics, "
            "holdout_hash, id FROM versions WHERE model_id = ?", (model_id,))}
        for number in sorted(set(rows) | set(model.versions)):
            logged = model.versions.get(number)
            row = rows.get(number)
            label = f"v{number}"
            if logged is None or logged.get("seq") is None:
                out.append(Mismatch(name, f"{label}", "present", "never registered", None))
                continue
            if row is None:
                out.append(Mismatch(name, f"{label}", "missing", "registered", logged["seq"]))
                continue
            if row[2] != logged.get("artifact_hash"):
                out.append(Mismatch(name, f"{label} artifact_hash", row[2], logged.get("artifact_hash"), logged["seq"]))
            if row[1] != logged.get("stage"):
                out.append(Mismatch(name, f"{label} stage", row[1], logged.get("stage"), logged.get("stage_seq")))
            for column, index in (("artifact_uri", 3), ("artifact_format", 4), ("artifact_size", 5),
                                  ("holdout_hash", 7)):
                if column in logged and row[index] != logged[column]:
                    out.append(Mismatch(name, f"{label} {column}", row[index], logged[column], logged["seq"]))
            if "metrics" in logged and _json(row[6]) != logged["metrics"]:
                out.append(Mismatch(name, f"{label} metrics", _json(row[6]), logged["metrics"], logged["seq"]))
            approvers = sorted(str(r[0]) for r in conn.execute("SELECT actor FROM approvals WHERE version_id = ?",
                                                                (row[8],)))
            if approvers != sorted(str(a) for a in logged.get("approvers", [])):
                out.append(Mismatch(name, f"{label} approvals", approvers, sorted(logged.get("approvers", [])),
                                    logged["seq"]))
        aliases = {str(r[0]): int(r[1]) for r in conn.execute(
            "SELECT a.alias, v.version FROM aliases a JOIN versions v ON v.id = a.version_id WHERE a.model_id = ?",
            (model_id,))}
        logged_aliases = {k: v[0] for k, v in model.aliases.items()}
        if aliases != logged_aliases:
            seqs = [v[1] for k, v in model.aliases.items() if aliases.get(k) != v[0]]
            out.append(Mismatch(name, "aliases", aliases, logged_aliases, max(seqs) if seqs else None))
    return out
