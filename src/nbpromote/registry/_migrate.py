"""Move a registry between databases (SQLite → PostgreSQL, or back) with its whole history.

``migrate_registry(source, destination)`` verifies the source first (a tampered registry is not
moved: the move would launder it), copies every table row for row in one destination transaction
(ids, transitions, approvals, aliases, both audit chains with their sequence numbers and hashes,
the log ids), copies the artifacts and the signed checkpoints when the destination keeps them
elsewhere, appends an ``audit.migrate`` record, signs the new head, and verifies the destination
(chains, checkpoints, rows against the log). The log ids survive, so the old checkpoints keep
vouching for the moved records (DESIGN decision 4).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..errors import AuditTamperedError, UsageError
from .audit import AuditLog, CheckpointStore

__all__ = ["migrate_registry"]

#: tables in foreign-key order, with the identity column to re-seed on PostgreSQL
_TABLES = (("models", "id"), ("versions", "id"), ("transitions", "id"), ("approvals", "id"), ("aliases", None),
           ("audit_log", None), ("audit_anchor", None), ("prediction_log", None), ("prediction_anchor", None))
_META = ("audit_log_id", "prediction_log_id", "audit_checkpoint", "prediction_checkpoint", "created_at",
         "created_schema_version")


def _rows(conn: Any, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor = conn.execute(f"SELECT * FROM {table}")
    names = [d[0] for d in cursor.description]
    return names, [tuple(r) for r in cursor.fetchall()]


def migrate_registry(source: str, destination: str, *, source_options: dict[str, Any] | None = None,
                     destination_options: dict[str, Any] | None = None, actor: str | None = None) -> dict[str, Any]:
    """Copy the registry at ``source`` into the empty registry at ``destination``; returns a summary.

    Parameters
    ----------
    source, destination : str
        Registry locations (a SQLite path or ``sqlite:///path``, or a ``postgresql://`` URL).
    source_options, destination_options : dict or None, default=None
        Passed to :class:`~nbpromote.registry.Registry` (``checkpoint_dir``, ``artifact_root`` …).
    actor : str or None, default=None
        Recorded in the ``audit.migrate`` record.

    Raises
    ------
    AuditTamperedError
        The source does not verify, or (after the copy) the destination does not.
    UsageError
        The destination already holds a registry (or is the source).
    """
    from ._config import resolve_actor
    from ._pg import redact
    from ._registry import Registry

    src_location, dst_location = _plain(source), _plain(destination)
    if src_location == dst_location:
        raise UsageError("migrate: --from and --to name the same registry.")
    src = Registry(src_location, **(source_options or {}))  # a version-1 file is upgraded first
    try:
        with Registry(dst_location, **(destination_options or {})) as probe:
            _require_empty(probe)
        before = src.verify(strict=False)
        if not before.ok:
            raise AuditTamperedError(
                f"Refusing to migrate {src.path}: it does not verify (record {before.first_bad_seq}: {before.reason}).",
                hint="Moving a tampered registry would launder it; restore it from a backup first.",
                seq=before.first_bad_seq, reason=before.reason)
        dst = Registry(dst_location, **(destination_options or {}))
        try:
            return _copy(src, dst, before, actor=resolve_actor(actor), source_label=redact(src_location))
        finally:
            dst.close()
    finally:
        src.close()


def _plain(location: str) -> str:
    return location[len("sqlite:///"):] if location.startswith("sqlite:///") else location


def _require_empty(dst: Any) -> None:
    with dst._db.read("check the destination") as conn:
        if conn.execute("SELECT COUNT(*) FROM models").fetchone()[0] or \
                conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]:
            raise UsageError(f"migrate: the destination {dst.path} already holds a registry; refusing to merge.",
                                hint="Migrate into an empty database (or schema).")


def _copy(src: Any, dst: Any, before: Any, *, actor: str, source_label: str) -> dict[str, Any]:
    counts: dict[str, int] = {}
    _require_empty(dst)
    with src._db.read("read the source registry") as sconn:
        tables = {table: _rows(sconn, table) for table, _id in _TABLES}
        meta = {key: value for key, value in sconn.execute("SELECT key, value FROM meta") if key in _META}
    from ._db import set_meta

    with dst._db.write("migrate the registry") as conn:
        for key, value in meta.items():
            set_meta(conn, key, value)
        for table, identity in _TABLES:
            names, rows = tables[table]
            if rows:
                columns = ", ".join(names)
                marks = ", ".join("?" for _ in names)
                conn.executemany(f"INSERT INTO {table}({columns}) VALUES ({marks})", rows)
            counts[table] = len(rows)
            if identity and rows and dst._db.dialect == "postgresql":
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{identity}'), "
                             f"(SELECT MAX({identity}) FROM {table}))")
    artifacts = _copy_artifacts(src, dst, tables)
    checkpoints = _copy_checkpoints(src.audit, dst.audit, meta)
    dst.audit.append("audit.migrate", {"from": source_label, "records": counts.get("audit_log", 0),
                                       "head_hash": before.head_hash, "actor": actor})
    dst.audit.checkpoint()
    after = dst.verify(strict=False)
    if not after.ok:
        raise AuditTamperedError(f"The migrated registry {dst.path} does not verify (record {after.first_bad_seq}: "
                                 f"{after.reason}).", seq=after.first_bad_seq, reason=after.reason)
    return {"from": source_label, "to": str(dst.path), "rows": counts, "artifacts_copied": artifacts,
            "checkpoints_copied": checkpoints, "log_id": after.log_id, "verify": after.to_dict()}


def _copy_artifacts(src: Any, dst: Any, tables: dict[str, Any]) -> int:
    if Path(src.root).resolve() == Path(dst.root).resolve():
        return 0
    names, rows = tables["versions"]
    index = names.index("artifact_uri")
    copied = 0
    for uri in sorted({row[index] for row in rows}):
        source, target = Path(src.root) / uri, Path(dst.root) / uri
        if target.exists() or not source.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied += 1
    return copied


def _copy_checkpoints(src: AuditLog, dst: AuditLog, meta: dict[str, str]) -> int:
    if str(src.checkpoint_dir) == str(dst.checkpoint_dir):
        return 0
    source, target = CheckpointStore(src.checkpoint_dir), CheckpointStore(dst.checkpoint_dir)
    copied = 0
    for key in ("audit_log_id", "prediction_log_id"):
        log_id = meta.get(key)
        if not log_id:
            continue
        for path, text in source.documents(log_id):
            if text is not None:
                target.write(log_id, Path(path).name, text)
                copied += 1
    return copied
