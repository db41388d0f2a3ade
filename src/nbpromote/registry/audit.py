"""The tamper-evident audit log: predictions and registry transitions, hash-chained and checkpointed.

Designed like the transparency logs (Certificate Transparency, sigstore's Rekor), scaled down to one
SQLite table beside the registry:

* records have contiguous sequence numbers starting at 1 (a gap is a deletion);
* ``hash(n) = SHA-256(hash(n-1) ‖ n as 8 bytes big-endian ‖ canonical JSON payload(n))`` with
  ``hash(0)`` = 32 zero bytes, so altering, removing, inserting or reordering any record breaks the
  chain from that record on;
* appends run inside one ``BEGIN IMMEDIATE`` transaction (read head, insert), so concurrent writers
  serialise and never fork the chain; a registry transition appends its record in the same
  transaction as the transition itself;
* triggers refuse UPDATE and DELETE on the table (a guardrail against accidents, not a defence);
* signed checkpoints ``(log id, size, head hash, time)`` are written *outside* the database, to
  ``audit-checkpoints/<log id>/``, signed with HMAC-SHA256 under a key kept outside the log
  (``$NBPROMOTE_AUDIT_KEY``, else ``$NBPROMOTE_HOME/audit.key``, else ``audit.key`` beside the
  database; created with mode 0600). They catch what the chain alone cannot: a truncated tail and a
  chain recomputed from scratch;
* retention prunes a prefix; the first kept record is anchored by a checkpoint at the pruned size,
  so verification still starts from a signed head.

:meth:`AuditLog.verify` recomputes everything and names the first bad sequence number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .._io import _json_default, atomic_write_text, canonical_json
from ..errors import AuditError, AuditTamperedError, RegistryUnavailableError
from ._config import ENV_HOME, resolve_db_path
from ._db import Database, utcnow

__all__ = [
    "AuditLog",
    "AuditRecord",
    "Checkpoint",
    "VerifyResult",
    "PruneResult",
    "open_audit_log",
    "chain_hash",
    "GENESIS_HASH",
]

GENESIS_HASH = "0" * 64
CHECKPOINT_SCHEMA_VERSION = 1
ENV_AUDIT_KEY = "NBPROMOTE_AUDIT_KEY"
ENV_AUDIT_SIGNER = "NBPROMOTE_AUDIT_SIGNER"
_HASH_PREFIXES = ("xxh3_128:", "sha256:", "md5:", "sha1:", "xxh64:")


def _ed25519_module() -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        from ..errors import MissingDependencyError

        raise MissingDependencyError("cryptography", "ed25519", "Ed25519 audit checkpoints") from None
    return ed25519


def chain_hash(prev_hash: str, seq: int, payload: str) -> str:
    """``SHA-256(prev ‖ seq (8 bytes, big-endian) ‖ payload UTF-8)`` as hex."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + seq.to_bytes(8, "big") + payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    """One record of the log."""

    seq: int
    kind: str
    at: str
    data: dict[str, Any]
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement "the log had ``size`` records and head ``head_hash`` at ``time``"."""

    log_id: str
    size: int
    head_hash: str
    time: str
    algorithm: str
    signature: str
    path: str | None = None

    def body(self) -> dict[str, Any]:
        return {"schema_version": CHECKPOINT_SCHEMA_VERSION, "log_id": self.log_id, "size": self.size,
                "head_hash": self.head_hash, "time": self.time, "algorithm": self.algorithm}

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "signature": self.signature, "path": self.path}


@dataclass
class VerifyResult:
    """The outcome of :meth:`AuditLog.verify`; ``ok`` False names ``first_bad_seq`` and ``reason``."""

    ok: bool
    size: int
    records_checked: int
    first_kept_seq: int
    head_hash: str
    checkpoints_checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    log_id: str | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def raise_for_tamper(self) -> None:
        """Raise :class:`~nbpromote.errors.AuditTamperedError` when verification failed."""
        if not self.ok:
            raise AuditTamperedError(
                f"Audit log verification failed at record {self.first_bad_seq}: {self.reason}",
                seq=self.first_bad_seq, reason=self.reason,
            )


@dataclass
class PruneResult:
    """What :meth:`AuditLog.prune` removed and the checkpoint anchoring what is left."""

    pruned_through: int
    removed: int
    anchor: Checkpoint
    kept: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"pruned_through": self.pruned_through, "removed": self.removed, "kept": self.kept,
                "anchor": self.anchor.to_dict()}


# --- low-level append, shared with the registry (same transaction) -------------------------------
def _head(conn: sqlite3.Connection) -> tuple[int, str]:
    row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    if row is not None:
        return int(row[0]), str(row[1])
    anchor = conn.execute("SELECT seq, hash FROM audit_anchor WHERE id = 1").fetchone()
    if anchor is not None:
        return int(anchor[0]), str(anchor[1])
    return 0, GENESIS_HASH


def _payload(kind: str, at: str, data: Any) -> str:
    document = {"at": at, "data": data, "kind": kind}
    try:
        # Fast path: one dumps; identical to canonical_json for string keys and finite floats.
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                          default=_json_default)
    except (TypeError, ValueError):
        return canonical_json(document)  # NaN/inf → null, mixed key types


def append_in_transaction(conn: sqlite3.Connection, kind: str, data: dict[str, Any],
                          *, at: str | None = None) -> tuple[int, str]:
    """Append one record inside the caller's open write transaction; returns ``(seq, hash)``."""
    seq, prev = _head(conn)
    seq += 1
    payload = _payload(kind, at or utcnow(), data)
    digest = chain_hash(prev, seq, payload)
    conn.execute(
        "INSERT INTO audit_log(seq, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
        (seq, kind, payload, prev, digest),
    )
    return seq, digest


def _log_id(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'audit_log_id'").fetchone()
    return str(row[0]) if row else None


def ensure_log_id(conn: sqlite3.Connection) -> str:
    """The log's id (created in the caller's write transaction on first use)."""
    existing = _log_id(conn)
    if existing:
        return existing
    new = uuid.uuid4().hex
    conn.execute("INSERT INTO meta(key, value) VALUES ('audit_log_id', ?)", (new,))
    return new


def _inputs_digest(inputs: Any) -> str:
    if isinstance(inputs, str) and inputs.startswith(_HASH_PREFIXES):
        return inputs
    if isinstance(inputs, (bytes, bytearray, memoryview)):
        from ..capture.hashing import hash_bytes

        return hash_bytes(bytes(inputs))
    if isinstance(inputs, (dict, list, tuple, str, int, float)) or inputs is None:
        from ..capture.hashing import hash_json

        return hash_json(inputs)
    from ..capture.hashing import hash_value

    return hash_value(inputs)


def _plain(value: Any) -> Any:
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame
        return value.to_dict(orient="split")
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


# --- the log --------------------------------------------------------------------------------
class AuditLog:
    """The append-only, hash-chained audit log stored in the registry database.

    Parameters
    ----------
    db : str, Path, Database or None, default=None
        The registry database (resolved like the registry: ``NBPROMOTE_REGISTRY``, pyproject,
        ``$NBPROMOTE_HOME/registry.db``) or an open :class:`Database` to share.
    checkpoint_dir : str or Path or None, default=None
        Where signed checkpoints go; default ``audit-checkpoints/`` beside the database.
    key : bytes or str or None, default=None
        The HMAC key; default ``$NBPROMOTE_AUDIT_KEY``, else the key file (created 0600).
    checkpoint_every : int or None, default=1000
        Write a checkpoint automatically once this many records were appended since the last one
        (``None``: only on :meth:`checkpoint`).
    timeout : float, default=10.0
        Busy timeout in seconds for a database locked by another writer.
    read_only : bool, default=False
        Open the database without write access (verify and tail only).
    signer : {"hmac", "ed25519"} or None, default=None
        How checkpoints are signed (default ``$NBPROMOTE_AUDIT_SIGNER`` or ``hmac``). ``ed25519``
        needs the ``cryptography`` package; its private key ``audit.ed25519`` (0600) sits beside
        ``audit.key`` and verifiers need only ``audit.ed25519.pub``.

    Examples
    --------
    >>> log = AuditLog("registry.db")                                   # doctest: +SKIP
    >>> log.append_prediction("credit_risk", 3, "sha256:…", df, [0, 1], "req-1", 4.2)  # doctest: +SKIP
    >>> log.verify().ok                                                 # doctest: +SKIP
    True
    """

    def __init__(self, db: str | os.PathLike[str] | Database | None = None, *,
                 checkpoint_dir: str | os.PathLike[str] | None = None, key: bytes | str | None = None,
                 checkpoint_every: int | None = 1000, timeout: float = 10.0, read_only: bool = False,
                 signer: str | None = None) -> None:
        if isinstance(db, Database):
            self._db = db
            self._owns_db = False
        else:
            self._db = Database(resolve_db_path(db), timeout=timeout, read_only=read_only)
            self._owns_db = True
        self.path = self._db.path
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir else self.path.resolve().parent / "audit-checkpoints"
        self._key = key.encode("utf-8") if isinstance(key, str) else key
        self.checkpoint_every = checkpoint_every
        self.signer = (signer or os.environ.get(ENV_AUDIT_SIGNER) or "hmac").lower()
        if self.signer not in ("hmac", "ed25519"):
            raise AuditError(f"Unknown checkpoint signer {self.signer!r}.", hint="Use 'hmac' (default) or 'ed25519'.")
        self._last_checkpoint_size: int | None = None

    # --- key and checkpoints ------------------------------------------------------------------
    def key_path(self) -> Path:
        """The key file used when neither ``key=`` nor ``$NBPROMOTE_AUDIT_KEY`` is given."""
        home = os.environ.get(ENV_HOME)
        return (Path(home) if home else self.path.resolve().parent) / "audit.key"

    def _signing_key(self, *, create: bool) -> bytes:
        if self._key is not None:
            return self._key
        env = os.environ.get(ENV_AUDIT_KEY)
        if env:
            return env.encode("utf-8")
        path = self.key_path()
        if path.exists():
            try:
                return path.read_bytes().strip()
            except OSError as exc:
                raise AuditError(f"Cannot read the audit key {path}: {exc.strerror}.",
                                 hint="Fix its permissions or set NBPROMOTE_AUDIT_KEY.", path=str(path)) from None
        if not create:
            raise AuditError(
                f"No audit key: {path} does not exist and NBPROMOTE_AUDIT_KEY is not set, so the "
                "checkpoints cannot be checked.",
                hint="Restore the key file the checkpoints were signed with, or set NBPROMOTE_AUDIT_KEY.",
                path=str(path),
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_hex(32).encode("ascii")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as handle:
            handle.write(secret + b"\n")
        return secret

    def _sign(self, body: dict[str, Any], *, create: bool) -> str:
        message = canonical_json(body).encode("utf-8")
        if body["algorithm"] == "ed25519":
            return self._ed25519_private().sign(message).hex()
        key = self._signing_key(create=create)
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    # Ed25519 (optional, needs `cryptography`): verifiers need only the public key file.
    def _ed25519_paths(self) -> tuple[Path, Path]:
        private = self.key_path().with_name("audit.ed25519")
        return private, private.with_name("audit.ed25519.pub")

    def _ed25519_private(self) -> Any:
        ed25519 = _ed25519_module()
        private_path, public_path = self._ed25519_paths()
        if private_path.exists():
            return ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_path.read_text().strip()))
        key = ed25519.Ed25519PrivateKey.generate()
        from cryptography.hazmat.primitives import serialization as ser

        raw = key.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw, ser.NoEncryption())
        private_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(raw.hex() + "\n")
        public = key.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
        atomic_write_text(public_path, public.hex() + "\n")
        return key

    def _ed25519_public(self) -> Any:
        ed25519 = _ed25519_module()
        _private, public_path = self._ed25519_paths()
        try:
            return ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_path.read_text().strip()))
        except (OSError, ValueError) as exc:
            raise AuditError(f"Cannot read the audit public key {public_path}: {exc}.",
                             hint="Restore the public key the checkpoints were signed for.", path=str(public_path)) from None

    def checkpoint(self, *, size: int | None = None) -> Checkpoint:
        """Sign the current head (or the head at ``size``) and write it to ``checkpoint_dir``."""
        with self._db.write("write an audit checkpoint") as conn:
            log_id = ensure_log_id(conn)
            if size is None:
                size, head = _head(conn)
            else:
                row = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (size,)).fetchone()
                if row is None:
                    raise AuditError(f"Audit log {self.path} has no record {size} to checkpoint.", seq=size)
                head = str(row[0])
        cp = Checkpoint(log_id=log_id, size=size, head_hash=head, time=utcnow(),
                        algorithm="ed25519" if self.signer == "ed25519" else "hmac-sha256", signature="")
        signature = self._sign(cp.body(), create=True)
        directory = self.checkpoint_dir / log_id
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / f"{size:012d}.json"
        document = {**cp.body(), "signature": signature}
        atomic_write_text(target, json.dumps(document, indent=2, sort_keys=True) + "\n")
        self._last_checkpoint_size = size
        return Checkpoint(**{**asdict(cp), "signature": signature, "path": str(target)})

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint file of this log, in size order (signatures not checked here)."""
        with self._db.read("read the audit log") as conn:
            log_id = _log_id(conn)
        if log_id is None:
            return []
        directory = self.checkpoint_dir / log_id
        found = []
        for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                found.append(Checkpoint(log_id=doc["log_id"], size=int(doc["size"]), head_hash=doc["head_hash"],
                                        time=doc["time"], algorithm=doc["algorithm"], signature=doc["signature"],
                                        path=str(path)))
            except (OSError, ValueError, KeyError, TypeError):
                found.append(Checkpoint(log_id=log_id, size=-1, head_hash="", time="", algorithm="?",
                                        signature="", path=str(path)))
        return sorted(found, key=lambda c: c.size)

    def _maybe_checkpoint(self, size: int) -> None:
        if not self.checkpoint_every:
            return
        if self._last_checkpoint_size is None:
            sizes = [c.size for c in self.checkpoints()]
            self._last_checkpoint_size = max(sizes) if sizes else 0
        if size - self._last_checkpoint_size >= self.checkpoint_every:
            try:
                self.checkpoint()
            except (AuditError, OSError) as exc:  # the records are committed; say so, do not fail the append
                import warnings

                warnings.warn(f"Audit log {self.path}: automatic checkpoint failed ({exc}).", RuntimeWarning,
                              stacklevel=3)

    # --- appends -----------------------------------------------------------------------------
    def append(self, kind: str, data: dict[str, Any]) -> AuditRecord:
        """Append one record of ``kind`` with a JSON-able ``data`` dict."""
        if not isinstance(kind, str) or not kind:
            raise AuditError(f"Audit record kind must be a non-empty string, got {kind!r}.")
        at = utcnow()
        with self._db.write("append to the audit log") as conn:
            ensure_log_id(conn)
            seq, digest = append_in_transaction(conn, kind, data, at=at)
        self._maybe_checkpoint(seq)
        return AuditRecord(seq=seq, kind=kind, at=at, data=json.loads(canonical_json(data)), hash=digest)

    def append_many(self, records: Iterable[tuple[str, dict[str, Any]]]) -> tuple[int, int]:
        """Append many records in ONE transaction; returns ``(first_seq, last_seq)``."""
        first = last = 0
        with self._db.write("append to the audit log") as conn:
            ensure_log_id(conn)
            seq, prev = _head(conn)
            first = seq + 1
            rows = []
            for kind, data in records:
                seq += 1
                payload = _payload(kind, utcnow(), data)
                digest = chain_hash(prev, seq, payload)
                rows.append((seq, kind, payload, prev, digest))
                prev = digest
            conn.executemany("INSERT INTO audit_log(seq, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
                             rows)
            last = seq
        self._maybe_checkpoint(last)
        return first, last

    def append_prediction(self, model: str, version: int | str, digest: str, inputs: Any = None,
                          outputs: Any = None, request_id: str | None = None, latency_ms: float | None = None,
                          *, inputs_hash: str | None = None, store_inputs: bool = False) -> AuditRecord:
        """Record one prediction.

        Parameters
        ----------
        model, version : str, int
            The registered model that answered.
        digest : str
            The artifact's content hash (``sha256:…``), so the record names the exact bytes served.
        inputs : object, default=None
            The request: a DataFrame/array/dict/list (hashed, ``xxh3_128:…``), or an already computed
            hash string. Stored verbatim only when ``store_inputs=True`` (the inputs policy).
        outputs : object, default=None
            The predictions (array, list or scalar); stored.
        request_id : str or None, default=None
        latency_ms : float or None, default=None
        inputs_hash : str or None, default=None
            Give the inputs' hash directly instead of ``inputs``.
        store_inputs : bool, default=False
            Keep the canonical inputs in the record, not only their hash.
        """
        data: dict[str, Any] = {
            "model": model, "version": version, "artifact_hash": digest,
            "inputs_hash": inputs_hash or _inputs_digest(inputs),
            "outputs": _plain(outputs), "request_id": request_id, "latency_ms": latency_ms,
        }
        if store_inputs:
            data["inputs"] = _plain(inputs)
        return self.append("prediction", data)

    # --- reading -------------------------------------------------------------------------------
    def head(self) -> tuple[int, str]:
        """``(size, head hash)`` of the log."""
        with self._db.read("read the audit log") as conn:
            return _head(conn)

    def tail(self, n: int = 10, *, kind: str | None = None) -> list[AuditRecord]:
        """The last ``n`` records (oldest first), optionally only of one ``kind``."""
        if n < 0:
            raise AuditError(f"tail needs n >= 0, got {n}.")
        query = "SELECT seq, kind, payload, hash FROM audit_log"
        args: tuple[Any, ...] = ()
        if kind:
            query += " WHERE kind = ?"
            args = (kind,)
        query += " ORDER BY seq DESC LIMIT ?"
        with self._db.read("read the audit log") as conn:
            rows = conn.execute(query, (*args, n)).fetchall()
        records = []
        for seq, kind_, payload, digest in reversed(rows):
            try:
                doc = json.loads(payload)
                records.append(AuditRecord(seq=seq, kind=kind_, at=doc.get("at", ""), data=doc.get("data", {}),
                                           hash=digest))
            except (ValueError, AttributeError):
                records.append(AuditRecord(seq=seq, kind=kind_, at="", data={"unreadable_payload": str(payload)[:200]},
                                           hash=str(digest)))
        return records

    # --- verification -------------------------------------------------------------------------
    def verify(self) -> VerifyResult:
        """Recompute the chain and check every checkpoint; names the first bad record.

        Detects: an altered record (its hash no longer matches), a removed record (a gap in the
        sequence), an inserted or reordered record (a broken link), a truncated tail (a checkpoint
        larger than the log), a recomputed chain (a checkpoint whose head differs) and a forged or
        foreign checkpoint (bad signature).
        """
        try:
            with self._db.read("verify the audit log") as conn:
                log_id = _log_id(conn)
                anchor = conn.execute("SELECT seq, hash FROM audit_anchor WHERE id = 1").fetchone()
                cursor = conn.cursor()
                cursor.row_factory = None
                cursor.execute("SELECT seq, kind, payload, prev_hash, hash FROM audit_log ORDER BY seq")
                return self._verify_rows(log_id, anchor, cursor)
        except RegistryUnavailableError as exc:
            raise AuditError(f"Audit log in {self.path} cannot be read: {exc}", path=str(self.path)) from None

    def _verify_rows(self, log_id: str | None, anchor: Any, rows: Iterable[tuple[Any, ...]]) -> VerifyResult:
        start_seq, running = (int(anchor[0]), str(anchor[1])) if anchor else (0, GENESIS_HASH)
        checkpoints = self._checked_checkpoints(log_id) if log_id else []
        result = VerifyResult(ok=True, size=start_seq, records_checked=0, first_kept_seq=start_seq + 1,
                              head_hash=running, checkpoints_checked=len(checkpoints), log_id=log_id)

        expected = start_seq + 1

        def fail(seq: int, reason: str) -> VerifyResult:
            # size/head_hash report the verified prefix, i.e. what can still be trusted.
            result.ok, result.first_bad_seq, result.reason = False, seq, reason
            result.size, result.head_hash = max(min(seq, expected) - 1, start_seq), running
            return result

        for cp in checkpoints:
            if cp.signature == "":
                return fail(start_seq + 1, f"checkpoint {cp.path} is unreadable or not signed with this log's key "
                                           "(forged, foreign or the key changed)")
        by_size = {cp.size: cp for cp in checkpoints}
        if start_seq:
            anchor_cp = by_size.get(start_seq)
            if anchor_cp is None or anchor_cp.head_hash != running:
                return fail(start_seq + 1, f"the log starts after a pruned prefix ending at record {start_seq}, but "
                                           "no signed checkpoint vouches for that anchor (anchor forged or altered)")
        last_good_checkpoint = start_seq
        sha = hashlib.sha256
        prev_bytes = bytes.fromhex(running)
        suffixes: dict[Any, str] = {}
        for seq, kind, payload, prev_hash, digest in rows:
            if seq != expected:
                return fail(expected, f"record {expected} is missing: the log jumps from record {expected - 1} to "
                                      f"{seq} (deleted)")
            if prev_hash != running:
                return fail(seq, f"record {seq} does not link to record {seq - 1} (prev_hash differs): a record was "
                                 "inserted, removed or reordered here")
            if not isinstance(payload, str):
                return fail(seq, f"record {seq} has a corrupt payload (not text)")
            recomputed = sha(prev_bytes + seq.to_bytes(8, "big") + payload.encode("utf-8")).hexdigest()
            if recomputed != digest:
                return fail(seq, f"record {seq} was altered: its content no longer matches its hash")
            # kind is the one unhashed column; canonical JSON sorts "kind" last, so this is cheap.
            suffix = suffixes.get(kind)
            if suffix is None:
                suffix = suffixes[kind] = f'"kind":{json.dumps(kind, ensure_ascii=False)}}}' if isinstance(kind, str) \
                    else "\x00never"
            if not payload.endswith(suffix):
                return fail(seq, f"record {seq}'s kind column ({kind!r}) was altered or its payload is malformed")
            running = digest
            prev_bytes = bytes.fromhex(digest)
            at_size = by_size.get(seq)
            if at_size is not None:
                if at_size.head_hash != running:
                    return fail(last_good_checkpoint + 1,
                                f"the chain through record {seq} differs from the signed checkpoint of {at_size.time} "
                                f"(size {seq}): records {last_good_checkpoint + 1}..{seq} were rewritten and the "
                                "chain recomputed")
                last_good_checkpoint = seq
            result.records_checked += 1
            expected += 1
        size = expected - 1
        result.size, result.head_hash = size, running
        beyond = [cp for cp in checkpoints if cp.size > size]
        if beyond:
            top = beyond[-1]
            return fail(size + 1, f"the log ends at record {size} but a signed checkpoint of {top.time} recorded "
                                  f"{top.size} records: records {size + 1}..{top.size} were removed (tail truncated)")
        return result

    def _checked_checkpoints(self, log_id: str) -> list[Checkpoint]:
        directory = self.checkpoint_dir / log_id
        if not directory.is_dir():
            return []
        files = sorted(directory.glob("*.json"))
        if not files:
            return []
        keys: dict[str, Any] = {}
        checked = []
        for path in files:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                cp = Checkpoint(log_id=doc["log_id"], size=int(doc["size"]), head_hash=str(doc["head_hash"]),
                                time=str(doc["time"]), algorithm=str(doc["algorithm"]),
                                signature=str(doc["signature"]), path=str(path))
            except (OSError, ValueError, KeyError, TypeError):
                checked.append(Checkpoint(log_id=log_id, size=-1, head_hash="", time="", algorithm="?", signature="",
                                          path=str(path)))
                continue
            if not (cp.log_id == log_id and self._signature_ok(cp, keys)):
                cp = Checkpoint(**{**asdict(cp), "signature": ""})
            checked.append(cp)
        return sorted(checked, key=lambda c: c.size)

    def _signature_ok(self, cp: Checkpoint, keys: dict[str, Any]) -> bool:
        message = canonical_json(cp.body()).encode("utf-8")
        if cp.algorithm == "hmac-sha256":
            if "hmac" not in keys:
                keys["hmac"] = self._signing_key(create=False)
            expected = hmac.new(keys["hmac"], message, hashlib.sha256).hexdigest()
            return hmac.compare_digest(expected, cp.signature)
        if cp.algorithm == "ed25519":
            if "ed25519" not in keys:
                keys["ed25519"] = self._ed25519_public()
            from cryptography.exceptions import InvalidSignature

            try:
                keys["ed25519"].verify(bytes.fromhex(cp.signature), message)
            except (InvalidSignature, ValueError):
                return False
            return True
        return False

    # --- retention ------------------------------------------------------------------------------
    def prune(self, *, before: int | None = None, keep_last: int | None = None, reason: str = "retention",
              actor: str | None = None) -> PruneResult:
        """Remove a prefix of the log (records with ``seq < before``, or all but the last ``keep_last``).

        The log is verified first (a tampered log is never pruned: the evidence would go), a signed
        checkpoint at the pruned size anchors what remains, and a ``audit.prune`` record is appended.
        """
        from ._config import resolve_actor

        if (before is None) == (keep_last is None):
            raise AuditError("prune needs exactly one of before=SEQ or keep_last=N.")
        result = self.verify()
        if not result.ok:
            result.raise_for_tamper()
        size = result.size
        through = (before - 1) if before is not None else size - int(keep_last or 0)
        through = min(through, size)
        if through <= result.first_kept_seq - 1:
            raise AuditError(
                f"Nothing to prune: records up to {result.first_kept_seq - 1} are already pruned and "
                f"the log has {size} records.", seq=through,
            )
        anchor = self.checkpoint(size=through)
        with self._db.write("prune the audit log") as conn:
            row = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (through,)).fetchone()
            if row is None or str(row[0]) != anchor.head_hash:
                raise AuditError(f"Audit log changed while pruning (record {through}); nothing was pruned.")
            # Retention is the one sanctioned delete: lift the guardrail inside this transaction only.
            conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
            removed = conn.execute("DELETE FROM audit_log WHERE seq <= ?", (through,)).rowcount
            conn.execute(
                "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END"
            )
            conn.execute("INSERT OR REPLACE INTO audit_anchor(id, seq, hash, pruned_at) VALUES (1, ?, ?, ?)",
                         (through, anchor.head_hash, utcnow()))
            append_in_transaction(conn, "audit.prune", {"through": through, "removed": removed, "reason": reason,
                                                        "actor": resolve_actor(actor)})
            kept = conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        self.checkpoint()
        return PruneResult(pruned_through=through, removed=removed, anchor=anchor, kept=kept)

    def close(self) -> None:
        if self._owns_db:
            self._db.close()

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_audit_log(db: str | os.PathLike[str] | None = None, **options: Any) -> AuditLog:
    """Open the audit log of the registry at ``db`` (resolved like :func:`open_registry`)."""
    return AuditLog(db, **options)
