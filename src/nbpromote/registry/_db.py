"""The registry's SQLite database: connection settings, schema, migrations and error translation.

One file holds the registry tables and the audit log (its own table), so a registry transition and
its audit record commit in the same transaction. Settings: WAL journal (readers never block the
writer), foreign keys on, ``synchronous=FULL`` (a committed transition or audit record survives a
power cut), a busy timeout after which a locked database is reported instead of waited on forever.
Writes take the write lock up front (``BEGIN IMMEDIATE``) so two writers serialise instead of
deadlocking on a lock upgrade.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import RegistryUnavailableError

__all__ = ["Database", "SCHEMA_VERSION", "utcnow", "open_database", "set_meta", "get_meta"]

#: Version of the registry schema this code writes; older databases are migrated one step at a time.
#: 2 adds the prediction log's own chain (``prediction_log``, ``prediction_anchor``; DESIGN decision 4).
SCHEMA_VERSION = 2
DEFAULT_TIMEOUT = 10.0

_V1 = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS models (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    config      TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS versions (
    id              INTEGER PRIMARY KEY,
    model_id        INTEGER NOT NULL REFERENCES models(id),
    version         INTEGER NOT NULL,
    stage           TEXT NOT NULL DEFAULT 'None'
                    CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
    artifact_uri    TEXT NOT NULL,
    artifact_hash   TEXT NOT NULL,
    artifact_format TEXT NOT NULL,
    artifact_size   INTEGER NOT NULL,
    metrics         TEXT NOT NULL,
    lineage         TEXT NOT NULL,
    params          TEXT NOT NULL,
    tags            TEXT NOT NULL,
    holdout_hash    TEXT,
    holdout_rows    INTEGER,
    environment     TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (model_id, version)
);
-- The registry invariant, enforced by the database: at most one Production version per model.
CREATE UNIQUE INDEX IF NOT EXISTS one_production_per_model
    ON versions(model_id) WHERE stage = 'Production';
CREATE TABLE IF NOT EXISTS transitions (
    id          INTEGER PRIMARY KEY,
    model_id    INTEGER NOT NULL REFERENCES models(id),
    version_id  INTEGER REFERENCES versions(id),
    kind        TEXT NOT NULL,
    from_stage  TEXT,
    to_stage    TEXT,
    alias       TEXT,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    reason      TEXT NOT NULL,
    evidence    TEXT NOT NULL DEFAULT '{}',
    audit_seq   INTEGER
);
CREATE INDEX IF NOT EXISTS transitions_by_model ON transitions(model_id, id);
-- "What was Production at time T" reads only the Production entries/exits of one model, by time.
CREATE INDEX IF NOT EXISTS transitions_production_at ON transitions(model_id, at, id)
    WHERE to_stage = 'Production' OR from_stage = 'Production';
CREATE TABLE IF NOT EXISTS approvals (
    id          INTEGER PRIMARY KEY,
    version_id  INTEGER NOT NULL REFERENCES versions(id),
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    reason      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (
    model_id    INTEGER NOT NULL REFERENCES models(id),
    alias       TEXT NOT NULL,
    version_id  INTEGER NOT NULL REFERENCES versions(id),
    PRIMARY KEY (model_id, alias)
);
"""

# One hash-chained log: records, and the anchor left by retention. The triggers are guardrails, not
# the security boundary (anyone with the file can drop them): the hash chain and the signed
# checkpoints outside the file are what make tampering detectable.
_CHAIN = """
CREATE TABLE IF NOT EXISTS {t}_log (
    seq         INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS {t}_log_no_update BEFORE UPDATE ON {t}_log
BEGIN SELECT RAISE(ABORT, '{t}_log is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS {t}_log_no_delete BEFORE DELETE ON {t}_log
BEGIN SELECT RAISE(ABORT, '{t}_log is append-only: DELETE refused'); END;
CREATE TABLE IF NOT EXISTS {t}_anchor (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    seq         INTEGER NOT NULL,
    hash        TEXT NOT NULL,
    pruned_at   TEXT NOT NULL
);
"""
_V1 += _CHAIN.format(t="audit")
#: 2: the prediction log's own chain (DESIGN decision 4).
_V2 = _CHAIN.format(t="prediction")

#: version -> SQL that upgrades the previous version to it (0 = empty database).
MIGRATIONS: dict[int, str] = {1: _V1, 2: _V2}


def set_meta(conn: Any, key: str, value: str, *, replace: bool = True) -> None:
    """Upsert one ``meta`` row (portable SQL: SQLite >= 3.24 and PostgreSQL)."""
    action = "UPDATE SET value = excluded.value" if replace else "NOTHING"
    conn.execute(f"INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO {action}", (key, value))


def get_meta(conn: Any, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else None


def utcnow() -> str:
    """ISO-8601 UTC with microseconds; sorts lexicographically in time order."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def translate(exc: sqlite3.Error, path: str, action: str) -> RegistryUnavailableError:
    """Turn a sqlite3 error into a RegistryUnavailableError that names the file and the fix."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return RegistryUnavailableError(
            f"Registry {path} is locked by another process; {action} gave up after the busy timeout.",
            hint="Retry when the other writer has finished, or raise the timeout (open_registry(timeout=…)).",
            path=path, cause="locked",
        )
    if "readonly" in text or "read-only" in text:
        return RegistryUnavailableError(
            f"Registry {path} is read-only; cannot {action}.",
            hint="Make the file and its directory writable, or point --db / NBPROMOTE_REGISTRY at a writable copy.",
            path=path, cause="read-only",
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return RegistryUnavailableError(
            f"Registry {path} is not a valid SQLite database or is corrupt ({exc}); cannot {action}.",
            hint="Restore it from a backup (or `sqlite3 FILE .recover`), or point --db at another registry.",
            path=path, cause="corrupt",
        )
    if "unable to open" in text:
        return RegistryUnavailableError(
            f"Registry {path} cannot be opened ({exc}).",
            hint="Check that its directory exists and is readable.", path=path, cause="unavailable",
        )
    return RegistryUnavailableError(
        f"Registry {path}: {action} failed: {exc}.", path=path, cause="sqlite",
    )


class Database:
    """One SQLite connection to a registry file, with schema setup and transaction helpers.

    Parameters
    ----------
    path : str or Path
        The database file; its directory is created if missing (unless ``read_only``).
    timeout : float, default=10.0
        Seconds to wait for a lock held by another process before raising
        :class:`~nbpromote.errors.RegistryUnavailableError`.
    read_only : bool, default=False
        Open without write access (also chosen automatically when the file is not writable).
    """

    dialect = "sqlite"

    def __init__(self, path: str | Path, *, timeout: float = DEFAULT_TIMEOUT, read_only: bool = False) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.timeout = timeout
        self._pid = os.getpid()
        exists = self.path.exists()
        if exists and self.path.is_dir():
            raise RegistryUnavailableError(
                f"Registry path {self.path} is a directory, not a database file.",
                hint="Point --db at a file such as .nbpromote/registry.db.", path=str(self.path), cause="unavailable",
            )
        self.read_only = read_only or (exists and not os.access(self.path, os.W_OK))
        if not exists and self.read_only:
            raise RegistryUnavailableError(
                f"Registry {self.path} does not exist.", hint="Register a model first (nbpromote registry register).",
                path=str(self.path), cause="missing",
            )
        if not exists:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RegistryUnavailableError(
                    f"Cannot create the registry directory {self.path.parent}: {exc.strerror}.",
                    hint="Choose a writable location with --db or NBPROMOTE_REGISTRY.", path=str(self.path),
                    cause="unavailable",
                ) from None
        try:
            if self.read_only:
                uri = f"file:{self.path.resolve()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None,
                                            check_same_thread=False)
            else:
                self.conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None,
                                            check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self.conn.execute("PRAGMA foreign_keys = ON")
            if not self.read_only:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.Error as exc:
            raise translate(exc, str(self.path), "open the registry") from None

    @property
    def local_dir(self) -> Path:
        """The directory beside the database (default home of artifacts, checkpoints and keys)."""
        return self.path.resolve().parent

    @staticmethod
    def is_integrity_error(exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError)

    def lock_chain(self, conn: sqlite3.Connection, chain: str) -> None:
        """Serialise appends to one chain: SQLite's write lock (BEGIN IMMEDIATE) already does."""

    def allow_prune(self, conn: sqlite3.Connection, table: str) -> None:
        """Lift the append-only guardrail on ``table`` inside this transaction only (retention)."""
        conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")

    def restore_guard(self, conn: sqlite3.Connection, table: str) -> None:
        conn.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                     f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END")

    # --- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        has_meta = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        if not has_meta:
            return 0
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise RegistryUnavailableError(
                f"Registry {self.path} has schema version {current}, newer than this nbpromote "
                f"understands ({SCHEMA_VERSION}).",
                hint="Upgrade nbpromote (pip install -U nbpromote).", path=str(self.path), cause="schema",
            )
        if current == SCHEMA_VERSION:
            return
        if self.read_only:
            raise RegistryUnavailableError(
                f"Registry {self.path} needs a schema upgrade (version {current} → {SCHEMA_VERSION}) "
                "but is opened read-only.",
                hint="Open it once with write access to migrate it.", path=str(self.path), cause="read-only",
            )
        with self.write():
            # Re-read under the write lock: another process may have migrated meanwhile.
            current = self.schema_version()
            original = current
            while current < SCHEMA_VERSION:
                current += 1
                for statement in _split_sql(MIGRATIONS[current]):
                    self.conn.execute(statement)
            if original != SCHEMA_VERSION:
                set_meta(self.conn, "schema_version", str(current))
                set_meta(self.conn, "created_schema_version", str(original or SCHEMA_VERSION), replace=False)
                set_meta(self.conn, "created_at", utcnow(), replace=False)
                if original:
                    self.conn.execute(
                        "INSERT INTO meta(key, value) VALUES (?, ?)",
                        (f"migrated_{original}_to_{current}", utcnow()),
                    )

    # --- transactions ---------------------------------------------------------------------
    def _check_process(self) -> None:
        # A SQLite connection must not cross fork(): the child would share the parent's lock state
        # and can silently lose commits. Fail loudly instead.
        if os.getpid() != self._pid:
            raise RegistryUnavailableError(
                f"Registry {self.path} was opened in process {self._pid} and used after a fork in {os.getpid()}.",
                hint="Open the registry inside the child process (after forking), or use the 'spawn' start method.",
                path=str(self.path), cause="fork",
            )

    def require_writable(self, action: str) -> None:
        """Raise the read-only error now (before slow work such as copying an artifact)."""
        if self.read_only:
            raise RegistryUnavailableError(
                f"Registry {self.path} is opened read-only; cannot {action}.",
                hint="Make the file writable, or open it without read_only.", path=str(self.path),
                cause="read-only",
            )

    @contextmanager
    def write(self, action: str = "write to the registry", *, chain: str = "audit") -> Iterator[sqlite3.Connection]:
        """A write transaction holding the write lock from the start (``BEGIN IMMEDIATE``)."""
        self._check_process()
        if self.read_only:
            raise RegistryUnavailableError(
                f"Registry {self.path} is opened read-only; cannot {action}.",
                hint="Make the file writable, or open it without read_only.", path=str(self.path),
                cause="read-only",
            )
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise translate(exc, str(self.path), action) from None
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(self.conn)
            raise translate(exc, str(self.path), action) from None
        except BaseException:
            _rollback(self.conn)
            raise

    @contextmanager
    def read(self, action: str = "read the registry") -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees one consistent snapshot."""
        self._check_process()
        try:
            self.conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise translate(exc, str(self.path), action) from None
        try:
            yield self.conn
        except sqlite3.Error as exc:
            _rollback(self.conn)
            raise translate(exc, str(self.path), action) from None
        except BaseException:
            _rollback(self.conn)
            raise
        else:
            _rollback(self.conn)  # nothing to commit; ends the snapshot

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:
            pass


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def _split_sql(script: str) -> list[str]:
    # executescript() would COMMIT our transaction; run the statements one by one instead.
    statements, buffer = [], []
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        buffer.append(line)
        joined = "\n".join(buffer).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            buffer = []
    if "\n".join(buffer).strip():
        statements.append("\n".join(buffer).strip())
    return statements




def is_postgres(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def open_database(location: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT,
                  read_only: bool = False) -> Any:
    """A :class:`Database` (SQLite file) or a ``PgDatabase`` for ``postgresql://`` URLs."""
    text = str(location)
    if is_postgres(text):
        from ._pg import PgDatabase

        return PgDatabase(text, timeout=timeout, read_only=read_only)
    return Database(Path(text), timeout=timeout, read_only=read_only)
