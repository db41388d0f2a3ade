"""The tamper-evident audit log: registry transitions (and, in a chain of their own, predictions).

Designed like the transparency logs (Certificate Transparency, sigstore's Rekor), scaled down to one
table of the registry database (SQLite or PostgreSQL):

* records have contiguous sequence numbers starting at 1 (a gap is a deletion);
* ``hash(n) = SHA-256(hash(n-1) ‖ n as 8 bytes big-endian ‖ canonical JSON payload(n))`` with
  ``hash(0)`` = 32 zero bytes, so altering, removing, inserting or reordering any record breaks the
  chain from that record on;
* appends run inside one write transaction holding the chain's lock (SQLite's ``BEGIN IMMEDIATE``,
  a PostgreSQL advisory lock), so concurrent writers serialise and never fork the chain; a registry
  transition appends its record in the same transaction as the transition itself;
* triggers refuse UPDATE and DELETE on the table (a guardrail against accidents, not a defence);
* signed checkpoints ``(chain, log id, size, head hash, time, previous checkpoint)`` are written
  *outside* the database (``audit-checkpoints/<log id>/`` beside it, or a configured directory or
  fsspec URL), signed with HMAC-SHA256 under a key kept outside the log or with Ed25519 (verifiers
  need only the public key). They catch what the chain alone cannot: a truncated tail, a chain
  recomputed from scratch, a changed or deleted log id (a log with records and no signed checkpoint
  for its id never verifies), deleted checkpoints (each names its predecessor), and records appended
  by someone without the key (reported as an unsigned tail, a failure with ``strict=True``);
* the registry's tables are checked against the log: :mod:`._state` recomputes every model's
  stages, aliases, approvals, gate configuration and each version's artifact hash from the records;
* retention prunes a prefix; the first kept record is anchored by a checkpoint at the pruned size,
  and the ``audit.prune`` record keeps the registry state as of the pruned prefix.

:meth:`AuditLog.verify` recomputes everything and names the first bad sequence number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .._io import _json_default, atomic_write_text, canonical_json
from ..errors import AuditError, AuditTamperedError, RegistryUnavailableError
from ._config import ENV_HOME, nbpromote_home, resolve_db_path
from ._db import get_meta, open_database, set_meta, utcnow

__all__ = [
    "AuditLog",
    "AuditRecord",
    "Checkpoint",
    "CheckpointStore",
    "VerifyResult",
    "PruneResult",
    "open_audit_log",
    "chain_hash",
    "GENESIS_HASH",
]

GENESIS_HASH = "0" * 64
CHECKPOINT_SCHEMA_VERSION = 2
ENV_AUDIT_KEY = "NBPROMOTE_AUDIT_KEY"
ENV_AUDIT_SIGNER = "NBPROMOTE_AUDIT_SIGNER"
ENV_AUDIT_CHECKPOINTS = "NBPROMOTE_AUDIT_CHECKPOINTS"
ENV_AUDIT_PUBLIC_KEY = "NBPROMOTE_AUDIT_PUBLIC_KEY"
_HASH_PREFIXES = ("xxh3_128:", "sha256:", "md5:", "sha1:", "xxh64:")

#: chain name -> (table prefix, meta key of its log id)
CHAINS = {"audit": ("audit", "audit_log_id"), "prediction": ("prediction", "prediction_log_id")}


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
    """A signed statement "log ``log_id`` had ``size`` records and head ``head_hash`` at ``time``".

    Schema 2 adds ``chain`` (which of a registry's logs) and ``previous`` (the checkpoint before this
    one, ``{"size", "head_hash"}``), so a deleted checkpoint is missed by its successor. The
    signature covers every other field of the stored document (schema 1 documents still verify).
    """

    log_id: str
    size: int
    head_hash: str
    time: str
    algorithm: str
    signature: str
    path: str | None = None
    chain: str | None = None
    previous: dict[str, Any] | None = None
    schema_version: int = CHECKPOINT_SCHEMA_VERSION

    def body(self) -> dict[str, Any]:
        body = {"schema_version": self.schema_version, "log_id": self.log_id, "size": self.size,
                "head_hash": self.head_hash, "time": self.time, "algorithm": self.algorithm}
        if self.schema_version >= 2:
            body.update({"chain": self.chain, "previous": self.previous})
        return body

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "signature": self.signature, "path": self.path}

    @classmethod
    def from_document(cls, doc: dict[str, Any], path: str | None) -> Checkpoint:
        return cls(log_id=str(doc["log_id"]), size=int(doc["size"]), head_hash=str(doc["head_hash"]),
                   time=str(doc["time"]), algorithm=str(doc["algorithm"]), signature=str(doc["signature"]),
                   path=path, chain=doc.get("chain"), previous=doc.get("previous"),
                   schema_version=int(doc.get("schema_version", 1)))


@dataclass
class VerifyResult:
    """The outcome of :meth:`AuditLog.verify`; ``ok`` False names ``first_bad_seq`` and ``reason``.

    ``unsigned_tail`` counts the records after the newest signed checkpoint (anyone with write
    access to the database could have appended them); ``unsigned_registry_events`` how many of
    them are registry transitions. ``mismatches`` lists registry rows that disagree with the log.
    ``chains`` holds the other chains' results (the prediction log) when they were verified too.
    """

    ok: bool
    size: int
    records_checked: int
    first_kept_seq: int
    head_hash: str
    checkpoints_checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    log_id: str | None = None
    chain: str = "audit"
    signed_size: int = 0
    unsigned_tail: int = 0
    unsigned_registry_events: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    chains: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line (plus one per other chain) for humans."""
        if not self.ok:
            where = f" of the {self.chain} chain" if self.chain != "audit" else ""
            lines = [f"TAMPERED: first bad record {self.first_bad_seq}{where}: {self.reason}"]
        else:
            lines = [f"ok: {self.records_checked} records (through {self.size}) verified, {self.checkpoints_checked} "
                     f"signed checkpoints checked; head {self.head_hash[:16]}…"]
            if self.unsigned_tail:
                lines.append(f"warning: unsigned tail of {self.unsigned_tail} records after the newest signed "
                             f"checkpoint (size {self.signed_size}), {self.unsigned_registry_events} of them registry "
                             "events: run `nbpromote audit checkpoint` if you trust them, `--strict` to fail on them")
        for name, other in self.chains.items():
            if other.get("ok"):
                tail = f", unsigned tail of {other['unsigned_tail']} records" if other.get("unsigned_tail") else ""
                lines.append(f"{name} chain ok: {other['records_checked']} records, "
                             f"{other['checkpoints_checked']} signed checkpoints{tail}")
            else:
                lines.append(f"{name} chain TAMPERED: first bad record {other.get('first_bad_seq')}: {other.get('reason')}")
        return "\n".join(lines)

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


# --- where checkpoints live: a local directory or an fsspec URL ----------------------------------
class CheckpointStore:
    """Checkpoint documents under ``<location>/<log id>/<size>.json``.

    ``location`` is a directory or an fsspec URL (``s3://bucket/audit``, ``memory://…``): writes are
    atomic (a temporary name carrying host, pid and a random part, then a rename).
    """

    def __init__(self, location: str | os.PathLike[str]) -> None:
        text = str(location)
        self.location = text
        self._fs: Any = None
        if "://" in text and not text.startswith("file://"):
            import fsspec

            self._fs, self._root = fsspec.core.url_to_fs(text)
        else:
            self._dir = Path(text[len("file://"):] if text.startswith("file://") else text)

    def __str__(self) -> str:
        return self.location

    def log_ids(self) -> list[str]:
        """Every log id with a checkpoint directory here."""
        if self._fs is None:
            return sorted(p.name for p in self._dir.iterdir() if p.is_dir()) if self._dir.is_dir() else []
        try:
            return sorted(Path(p).name for p in self._fs.ls(self._root, detail=False) if self._fs.isdir(p))
        except FileNotFoundError:
            return []

    def documents(self, log_id: str) -> list[tuple[str, str | None]]:
        """``(path, text or None when unreadable)`` of every checkpoint of ``log_id``."""
        out: list[tuple[str, str | None]] = []
        if self._fs is None:
            directory = self._dir / log_id
            for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
                try:
                    out.append((str(path), path.read_text(encoding="utf-8")))
                except (OSError, UnicodeDecodeError):
                    out.append((str(path), None))
            return out
        base = f"{self._root.rstrip('/')}/{log_id}"
        try:
            names = sorted(p for p in self._fs.ls(base, detail=False) if str(p).endswith(".json"))
        except FileNotFoundError:
            return []
        for name in names:
            try:
                out.append((str(name), self._fs.cat_file(name).decode("utf-8")))
            except (OSError, UnicodeDecodeError):
                out.append((str(name), None))
        return out

    def write(self, log_id: str, name: str, text: str) -> str:
        if self._fs is None:
            target = self._dir / log_id / name
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(target, text)
            return str(target)
        import socket

        base = f"{self._root.rstrip('/')}/{log_id}"
        self._fs.makedirs(base, exist_ok=True)
        tmp = f"{base}/.{name}.{socket.gethostname()}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        self._fs.pipe_file(tmp, text.encode("utf-8"))
        self._fs.mv(tmp, f"{base}/{name}")
        return f"{base}/{name}"


# --- low-level append, shared with the registry (same transaction) -------------------------------
def _tables(chain: str) -> tuple[str, str, str]:
    prefix, meta_key = CHAINS[chain]
    return f"{prefix}_log", f"{prefix}_anchor", meta_key


def _head(conn: Any, chain: str = "audit") -> tuple[int, str]:
    table, anchor_table, _key = _tables(chain)
    row = conn.execute(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1").fetchone()
    if row is not None:
        return int(row[0]), str(row[1])
    anchor = conn.execute(f"SELECT seq, hash FROM {anchor_table} WHERE id = 1").fetchone()
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


def append_in_transaction(conn: Any, kind: str, data: dict[str, Any], *, at: str | None = None,
                          chain: str = "audit") -> tuple[int, str]:
    """Append one record inside the caller's open write transaction; returns ``(seq, hash)``."""
    seq, prev = _head(conn, chain)
    seq += 1
    payload = _payload(kind, at or utcnow(), data)
    digest = chain_hash(prev, seq, payload)
    conn.execute(
        f"INSERT INTO {_tables(chain)[0]}(seq, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
        (seq, kind, payload, prev, digest),
    )
    return seq, digest


def _log_id(conn: Any, chain: str = "audit") -> str | None:
    return get_meta(conn, _tables(chain)[2])


def ensure_log_id(conn: Any, chain: str = "audit") -> str:
    """The log's id (created in the caller's write transaction on first use)."""
    existing = _log_id(conn, chain)
    if existing:
        return existing
    new = uuid.uuid4().hex
    set_meta(conn, _tables(chain)[2], new, replace=False)
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
        ``$NBPROMOTE_HOME/registry.db``; a ``postgresql://`` URL) or an open database to share.
    checkpoint_dir : str or Path or None, default=None
        Where signed checkpoints go: a directory or an fsspec URL. Default
        ``$NBPROMOTE_AUDIT_CHECKPOINTS``, else ``audit-checkpoints/`` beside a SQLite database, else
        ``$NBPROMOTE_HOME/audit-checkpoints``.
    key : bytes or str or None, default=None
        The HMAC key; default ``$NBPROMOTE_AUDIT_KEY``, else the key file (created 0600).
    checkpoint_every : int or None, default=1000
        Write a checkpoint automatically once this many records were appended since the last one
        (``None``: only on :meth:`checkpoint`). The first record of a log is always checkpointed.
    timeout : float, default=10.0
        Busy timeout in seconds for a database locked by another writer.
    read_only : bool, default=False
        Open the database without write access (verify and tail only).
    signer : {"hmac", "ed25519"} or None, default=None
        How checkpoints are signed (default ``$NBPROMOTE_AUDIT_SIGNER``, else ``ed25519`` on
        PostgreSQL and ``hmac`` on SQLite). ``ed25519`` needs the ``cryptography`` package; its
        private key ``audit.ed25519`` (0600) sits beside ``audit.key`` and verifiers need only
        ``audit.ed25519.pub`` (or ``$NBPROMOTE_AUDIT_PUBLIC_KEY``: the hex key or a file).
    chain : {"audit", "prediction"}, default="audit"
        Which of the database's chains: registry events, or the prediction log (its own tables).

    Examples
    --------
    >>> log = AuditLog("registry.db")                                   # doctest: +SKIP
    >>> log.append("note", {"text": "backfilled"})                      # doctest: +SKIP
    >>> log.verify().ok                                                 # doctest: +SKIP
    True
    """

    def __init__(self, db: Any = None, *, checkpoint_dir: str | os.PathLike[str] | None = None,
                 key: bytes | str | None = None, checkpoint_every: int | None = 1000, timeout: float = 10.0,
                 read_only: bool = False, signer: str | None = None, chain: str = "audit") -> None:
        if chain not in CHAINS:
            raise AuditError(f"Unknown audit chain {chain!r}.", hint=f"Chains: {', '.join(CHAINS)}.")
        if db is None or isinstance(db, (str, os.PathLike)):
            self._db = open_database(resolve_db_path(db), timeout=timeout, read_only=read_only)
            self._owns_db = True
        else:
            self._db = db
            self._owns_db = False
        self.chain = chain
        self._table, self._anchor_table, _meta = _tables(chain)
        self.path = self._db.path
        self.location = self._db.location
        local = self._db.local_dir
        default_dir = os.environ.get(ENV_AUDIT_CHECKPOINTS) or (
            local / "audit-checkpoints" if local is not None else nbpromote_home().resolve() / "audit-checkpoints")
        self.checkpoint_dir: Any = checkpoint_dir if checkpoint_dir is not None else default_dir
        if isinstance(self.checkpoint_dir, str) and "://" not in self.checkpoint_dir:
            self.checkpoint_dir = Path(self.checkpoint_dir)
        self._store = CheckpointStore(self.checkpoint_dir)
        self._key = key.encode("utf-8") if isinstance(key, str) else key
        self.checkpoint_every = checkpoint_every
        default_signer = "ed25519" if self._db.dialect == "postgresql" else "hmac"
        self.signer = (signer or os.environ.get(ENV_AUDIT_SIGNER) or default_signer).lower()
        if self.signer not in ("hmac", "ed25519"):
            raise AuditError(f"Unknown checkpoint signer {self.signer!r}.", hint="Use 'hmac' (default) or 'ed25519'.")
        self._last_checkpoint_size: int | None = None
        #: the registry state replayed by the last :meth:`verify` (model name -> ``_state.ModelState``)
        self.last_state: dict[str, Any] = {}

    @property
    def database(self) -> Any:
        """The open database (shared with the registry)."""
        return self._db

    # --- key and checkpoints ------------------------------------------------------------------
    def key_path(self) -> Path:
        """The key file used when neither ``key=`` nor ``$NBPROMOTE_AUDIT_KEY`` is given."""
        home = os.environ.get(ENV_HOME)
        local = self._db.local_dir
        base = Path(home) if home else (local if local is not None else nbpromote_home())
        return base / "audit.key"

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

    # Ed25519 (optional, needs `cryptography`): verifiers need only the public key.
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
        try:
            fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process generated it first: use theirs
            return ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_path.read_text().strip()))
        with os.fdopen(fd, "w") as handle:
            handle.write(raw.hex() + "\n")
        public = key.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
        atomic_write_text(public_path, public.hex() + "\n")
        return key

    def _ed25519_public(self) -> Any:
        ed25519 = _ed25519_module()
        configured = os.environ.get(ENV_AUDIT_PUBLIC_KEY)
        _private, public_path = self._ed25519_paths()
        source = str(public_path)
        try:
            if configured and len(configured.strip()) == 64 and all(c in "0123456789abcdefABCDEF" for c in configured.strip()):
                text = configured.strip()
            else:
                if configured:
                    public_path = Path(configured)
                    source = configured
                text = public_path.read_text().strip()
            return ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
        except (OSError, ValueError) as exc:
            raise AuditError(f"Cannot read the audit public key {source}: {exc}.",
                             hint="Restore the public key the checkpoints were signed for, or set "
                                  "NBPROMOTE_AUDIT_PUBLIC_KEY.", path=source) from None

    def checkpoint(self, *, size: int | None = None) -> Checkpoint:
        """Sign the current head (or the head at ``size``) and write it to the checkpoint store.

        Runs under the chain's write lock, so checkpoints are written one at a time and each names
        its predecessor; the newest one is also remembered in the database.
        """
        algorithm = "ed25519" if self.signer == "ed25519" else "hmac-sha256"
        meta_key = f"{self.chain}_checkpoint"
        with self._db.write("write an audit checkpoint", chain=self.chain) as conn:
            log_id = ensure_log_id(conn, self.chain)
            if size is None:
                size, head = _head(conn, self.chain)
            else:
                row = conn.execute(f"SELECT hash FROM {self._table} WHERE seq = ?", (size,)).fetchone()
                if row is None:
                    raise AuditError(f"Audit log {self.location} has no record {size} to checkpoint.", seq=size)
                head = str(row[0])
            previous_text = get_meta(conn, meta_key)
            previous = json.loads(previous_text) if previous_text else None
            cp = Checkpoint(log_id=log_id, size=size, head_hash=head, time=utcnow(), algorithm=algorithm,
                            signature="", chain=self.chain, previous=previous)
            signature = self._sign(cp.body(), create=True)
            document = {**cp.body(), "signature": signature}
            path = self._store.write(log_id, f"{size:012d}.json", json.dumps(document, indent=2, sort_keys=True) + "\n")
            if previous is None or size >= int(previous.get("size", 0)):
                set_meta(conn, meta_key, canonical_json({"size": size, "head_hash": head}))
        self._last_checkpoint_size = max(size, self._last_checkpoint_size or 0)
        return Checkpoint(**{**asdict(cp), "signature": signature, "path": path})

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint file of this log, in size order (signatures not checked here)."""
        with self._db.read("read the audit log") as conn:
            log_id = _log_id(conn, self.chain)
        if log_id is None:
            return []
        found = []
        for path, text in self._store.documents(log_id):
            try:
                found.append(Checkpoint.from_document(json.loads(text or ""), path))
            except (ValueError, KeyError, TypeError):
                found.append(Checkpoint(log_id=log_id, size=-1, head_hash="", time="", algorithm="?",
                                        signature="", path=path))
        return sorted(found, key=lambda c: c.size)

    def _maybe_checkpoint(self, size: int) -> None:
        if self._last_checkpoint_size is None:
            sizes = [c.size for c in self.checkpoints()]
            self._last_checkpoint_size = max(sizes) if sizes else -1
        first = self._last_checkpoint_size < 0  # a log is signed from its first record on
        if not first and not (self.checkpoint_every and size - self._last_checkpoint_size >= self.checkpoint_every):
            return
        try:
            self.checkpoint()
        except (AuditError, OSError) as exc:  # the records are committed; say so, do not fail the append
            import warnings

            warnings.warn(f"Audit log {self.location}: automatic checkpoint failed ({exc}).", RuntimeWarning,
                          stacklevel=3)

    # --- appends -----------------------------------------------------------------------------
    def append(self, kind: str, data: dict[str, Any]) -> AuditRecord:
        """Append one record of ``kind`` with a JSON-able ``data`` dict."""
        if not isinstance(kind, str) or not kind:
            raise AuditError(f"Audit record kind must be a non-empty string, got {kind!r}.")
        at = utcnow()
        with self._db.write("append to the audit log", chain=self.chain) as conn:
            ensure_log_id(conn, self.chain)
            seq, digest = append_in_transaction(conn, kind, data, at=at, chain=self.chain)
        self._maybe_checkpoint(seq)
        return AuditRecord(seq=seq, kind=kind, at=at, data=json.loads(canonical_json(data)), hash=digest)

    def append_many(self, records: Iterable[tuple[str, dict[str, Any]]]) -> tuple[int, int]:
        """Append many records in ONE transaction; returns ``(first_seq, last_seq)``."""
        first, last = self._append_rows([(kind, utcnow(), data) for kind, data in records])
        self._maybe_checkpoint(last)
        return first, last

    def _append_rows(self, records: list[tuple[str, str, Any]]) -> tuple[int, int]:
        with self._db.write("append to the audit log", chain=self.chain) as conn:
            ensure_log_id(conn, self.chain)
            seq, prev = _head(conn, self.chain)
            first = seq + 1
            rows = []
            for kind, at, data in records:
                seq += 1
                payload = _payload(kind, at, data)
                digest = chain_hash(prev, seq, payload)
                rows.append((seq, kind, payload, prev, digest))
                prev = digest
            conn.executemany(f"INSERT INTO {self._table}(seq, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
                             rows)
        return first, seq

    def append_prediction(self, model: str, version: int | str, digest: str, inputs: Any = None,
                          outputs: Any = None, request_id: str | None = None, latency_ms: float | None = None,
                          *, inputs_hash: str | None = None, store_inputs: bool = False) -> AuditRecord:
        """Record one prediction (synchronously; serving uses :class:`~.predictions.PredictionLog`).

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
            return _head(conn, self.chain)

    def tail(self, n: int = 10, *, kind: str | None = None) -> list[AuditRecord]:
        """The last ``n`` records (oldest first), optionally only of one ``kind``."""
        if n < 0:
            raise AuditError(f"tail needs n >= 0, got {n}.")
        query = f"SELECT seq, kind, payload, hash FROM {self._table}"
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
    def verify(self, *, strict: bool | None = None, check_state: bool = True, other_chains: bool = True,
               settle: float = 2.0) -> VerifyResult:
        """Recompute the chain, check every checkpoint and the registry's rows; names the first bad record.

        Detects: an altered record (its hash no longer matches), a removed record (a gap in the
        sequence), an inserted or reordered record (a broken link), a truncated tail (a checkpoint
        larger than the log), a recomputed chain (a checkpoint whose head differs), a forged or
        foreign checkpoint (bad signature), a changed or deleted log id and deleted checkpoints (a
        log with records but no signed checkpoint of its id; a checkpoint whose predecessor is
        gone), and registry rows that disagree with the log (``check_state``).

        Records after the newest signed checkpoint form the *unsigned tail* (``unsigned_tail``):
        with ``strict=None`` (default) registry events there fail (the registry signs every
        transition, so only a failed checkpoint or a forgery leaves them unsigned) and other records
        are reported; ``strict=True`` fails on any unsigned record, ``strict=False`` on none. A
        writer signs right after its commit, so a failure of that kind is re-checked for up to
        ``settle`` seconds. ``other_chains`` also verifies the prediction chain (``result.chains``).
        """
        import time

        deadline = time.monotonic() + settle
        while True:
            result = self._verify_once(strict=strict, check_state=check_state)
            if result.ok or not result.unsigned_registry_events or time.monotonic() >= deadline:
                break
            time.sleep(0.1)
        if other_chains and self.chain == "audit":
            other = AuditLog(self._db, checkpoint_dir=self.checkpoint_dir, key=self._key, chain="prediction",
                             signer=self.signer)
            sub = other.verify(strict=strict, check_state=False, other_chains=False, settle=0)
            if sub.size or sub.log_id or not sub.ok:
                result.chains["prediction"] = sub.to_dict()
                if not sub.ok and result.ok:
                    result.ok, result.first_bad_seq = False, sub.first_bad_seq
                    result.reason = f"prediction chain: {sub.reason}"
        return result

    def _verify_once(self, *, strict: bool | None, check_state: bool) -> VerifyResult:
        try:
            with self._db.read("verify the audit log") as conn:
                log_id = _log_id(conn, self.chain)
                anchor = conn.execute(f"SELECT seq, hash FROM {self._anchor_table} WHERE id = 1").fetchone()
                latest_text = get_meta(conn, f"{self.chain}_checkpoint")
                cursor = conn.cursor()
                if self._db.dialect == "sqlite":
                    cursor.row_factory = None
                cursor.execute(f"SELECT seq, kind, payload, prev_hash, hash FROM {self._table} ORDER BY seq")
                events: list[tuple[int, str, str]] = []
                result = self._verify_rows(log_id, anchor, cursor, latest_text, strict=strict, events=events)
                if result.ok and check_state and self.chain == "audit":
                    self._check_state(conn, result, events, anchor)
        except RegistryUnavailableError as exc:
            raise AuditError(f"Audit log in {self.location} cannot be read: {exc}", path=str(self.location)) from None
        return result

    def _check_state(self, conn: Any, result: VerifyResult, events: list[tuple[int, str, str]], anchor: Any) -> None:
        from . import _state

        has_tables = True
        try:
            conn.execute("SELECT 1 FROM versions LIMIT 1").fetchone()
        except Exception:  # a bare audit database without registry tables
            has_tables = False
        self.last_state = {}
        if not has_tables:
            return
        parsed: list[tuple[int, str, dict[str, Any]]] = []
        start = None
        for seq, kind, payload in events:
            data = json.loads(payload).get("data", {})
            if kind == "audit.prune":
                if anchor is not None and data.get("through") == int(anchor[0]) and isinstance(data.get("state"), dict):
                    start = data["state"]
                continue
            parsed.append((seq, kind, data))
        if anchor is not None and start is None and any(k.startswith("registry.") for _s, k, _d in parsed):
            # Pruned before the state was kept in prune records: the older versions cannot be checked.
            return
        self.last_state = _state.replay(parsed, start=start)
        mismatches = _state.compare(conn, self.last_state)
        if mismatches:
            seqs = [m.seq for m in mismatches if m.seq]
            result.ok = False
            result.first_bad_seq = min(seqs) if seqs else None
            result.mismatches = [m.to_dict() for m in mismatches]
            more = f" (and {len(mismatches) - 1} more)" if len(mismatches) > 1 else ""
            result.reason = ("the registry's tables disagree with the signed log: " + mismatches[0].text() + more
                             + "; the rows were edited behind the registry's back")

    def _verify_rows(self, log_id: str | None, anchor: Any, rows: Iterable[tuple[Any, ...]], latest_text: str | None,
                     *, strict: bool | None = None, events: list[tuple[int, str, str]] | None = None) -> VerifyResult:
        start_seq, running = (int(anchor[0]), str(anchor[1])) if anchor else (0, GENESIS_HASH)
        checkpoints = self._checked_checkpoints(log_id) if log_id else []
        valid = [cp for cp in checkpoints if cp.signature]
        result = VerifyResult(ok=True, size=start_seq, records_checked=0, first_kept_seq=start_seq + 1,
                              head_hash=running, checkpoints_checked=len(checkpoints), log_id=log_id,
                              chain=self.chain)
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
        known = {(cp.size, cp.head_hash) for cp in valid}
        for cp in valid:
            prev = cp.previous
            if isinstance(prev, dict) and (int(prev.get("size", -1)), str(prev.get("head_hash"))) not in known:
                return fail(min(int(prev.get("size", 0)), start_seq) + 1 if int(prev.get("size", 0)) <= start_seq
                            else int(prev.get("size", 0)) + 1,
                            f"the signed checkpoint of size {cp.size} names a checkpoint of size {prev.get('size')} "
                            f"before it, which is missing from {self._store}: checkpoints were deleted")
        if latest_text and log_id and valid:
            try:
                latest = json.loads(latest_text)
                latest_size = int(latest["size"])
            except (ValueError, KeyError, TypeError):
                latest, latest_size = None, -1
            if latest is not None and (latest_size, str(latest.get("head_hash"))) not in known:
                return fail(latest_size + 1 if latest_size >= start_seq else start_seq + 1,
                            f"the database records a signed checkpoint of size {latest_size}, but it is missing "
                            f"from {self._store}: checkpoints were deleted or moved")
        by_size = {cp.size: cp for cp in valid}
        if start_seq:
            anchor_cp = by_size.get(start_seq)
            if anchor_cp is None or anchor_cp.head_hash != running:
                return fail(start_seq + 1, f"the log starts after a pruned prefix ending at record {start_seq}, but "
                                           "no signed checkpoint vouches for that anchor (anchor forged or altered)")
        last_good_checkpoint = start_seq if start_seq else (0 if 0 in by_size else -1)
        tail_registry = 0
        sha = hashlib.sha256
        prev_bytes = bytes.fromhex(running)
        suffixes: dict[Any, str] = {}
        keep = events is not None
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
            if keep and (kind.startswith("registry.") or kind == "audit.prune"):
                events.append((seq, kind, payload))  # type: ignore[union-attr]
            if kind.startswith("registry."):
                tail_registry += 1
            at_size = by_size.get(seq)
            if at_size is not None:
                if at_size.head_hash != running:
                    first = max(last_good_checkpoint, start_seq) + 1
                    return fail(first,
                                f"the chain through record {seq} differs from the signed checkpoint of {at_size.time} "
                                f"(size {seq}): records {first}..{seq} were rewritten and the chain recomputed")
                last_good_checkpoint = seq
                tail_registry = 0
            result.records_checked += 1
            expected += 1
        size = expected - 1
        result.size, result.head_hash = size, running
        beyond = [cp for cp in valid if cp.size > size]
        if beyond:
            top = beyond[-1]
            return fail(size + 1, f"the log ends at record {size} but a signed checkpoint of {top.time} recorded "
                                  f"{top.size} records: records {size + 1}..{top.size} were removed (tail truncated)")
        if log_id is None:
            if size > 0:
                return fail(start_seq + 1, "the log has records but no log id (meta." + _tables(self.chain)[2]
                                           + " was deleted), so none of its signed checkpoints can be found")
            return result
        if (size > 0 or latest_text) and last_good_checkpoint < 0:
            others = [i for i in self._store.log_ids() if i != log_id]
            note = (f"; {self._store} holds checkpoints of other log ids ({', '.join(others[:3])}"
                    f"{'…' if len(others) > 3 else ''})") if others else ""
            return fail(start_seq + 1, f"no signed checkpoint of log {log_id} in {self._store}: the checkpoints were "
                                       "deleted or moved, or the log id was changed (unknown log id)" + note)
        result.signed_size = max(last_good_checkpoint, 0)
        result.unsigned_tail = size - result.signed_size
        result.unsigned_registry_events = tail_registry if result.unsigned_tail else 0
        if result.unsigned_tail and (strict or (strict is None and result.unsigned_registry_events)):
            return fail(result.signed_size + 1,
                        f"unsigned tail of {result.unsigned_tail} records ({result.unsigned_registry_events} registry "
                        f"events) after the newest signed checkpoint (size {result.signed_size}): anyone with write "
                        "access to the database could have appended them (the registry signs every transition; if "
                        "a checkpoint failed and these records are genuine, sign them: `nbpromote audit checkpoint`)")
        return result

    def _checked_checkpoints(self, log_id: str) -> list[Checkpoint]:
        documents = self._store.documents(log_id)
        keys: dict[str, Any] = {}
        checked = []
        for path, text in documents:
            try:
                doc = json.loads(text or "")
                cp = Checkpoint.from_document(doc, path)
                signed = {k: v for k, v in doc.items() if k != "signature"}
            except (ValueError, KeyError, TypeError):
                checked.append(Checkpoint(log_id=log_id, size=-1, head_hash="", time="", algorithm="?", signature="",
                                          path=path))
                continue
            chain_ok = cp.chain in (None, self.chain) if cp.schema_version >= 2 else self.chain == "audit"
            if not (cp.log_id == log_id and chain_ok and self._signature_ok(cp, signed, keys)):
                cp = Checkpoint(**{**asdict(cp), "signature": ""})
            checked.append(cp)
        return sorted(checked, key=lambda c: c.size)

    def _signature_ok(self, cp: Checkpoint, signed: dict[str, Any], keys: dict[str, Any]) -> bool:
        message = canonical_json(signed).encode("utf-8")
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
        checkpoint at the pruned size anchors what remains, and a ``audit.prune`` record is appended
        (on the registry chain it keeps the registry state as of the pruned prefix).
        """
        from . import _state
        from ._config import resolve_actor

        if (before is None) == (keep_last is None):
            raise AuditError("prune needs exactly one of before=SEQ or keep_last=N.")
        result = self.verify(other_chains=False)
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
        with self._db.write("prune the audit log", chain=self.chain) as conn:
            row = conn.execute(f"SELECT hash FROM {self._table} WHERE seq = ?", (through,)).fetchone()
            if row is None or str(row[0]) != anchor.head_hash:
                raise AuditError(f"Audit log changed while pruning (record {through}); nothing was pruned.")
            record: dict[str, Any] = {"through": through, "reason": reason, "actor": resolve_actor(actor)}
            if self.chain == "audit":
                record["state"] = _state.snapshot(self._state_through(conn, through))
            # Retention is the one sanctioned delete: lift the guardrail inside this transaction only.
            self._db.allow_prune(conn, self._table)
            removed = conn.execute(f"DELETE FROM {self._table} WHERE seq <= ?", (through,)).rowcount
            self._db.restore_guard(conn, self._table)
            conn.execute(f"INSERT INTO {self._anchor_table}(id, seq, hash, pruned_at) VALUES (1, ?, ?, ?) "
                         "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
                         "pruned_at = excluded.pruned_at", (through, anchor.head_hash, utcnow()))
            record["removed"] = removed
            append_in_transaction(conn, "audit.prune", record, chain=self.chain)
            kept = conn.execute(f"SELECT COUNT(*) FROM {self._table}").fetchone()[0]
        self.checkpoint()
        return PruneResult(pruned_through=through, removed=removed, anchor=anchor, kept=kept)

    def _state_through(self, conn: Any, through: int) -> dict[str, Any]:
        """The registry state replayed from the current anchor through record ``through``."""
        from . import _state

        anchor = conn.execute(f"SELECT seq FROM {self._anchor_table} WHERE id = 1").fetchone()
        start = None
        parsed = []
        for seq, kind, payload in conn.execute(
                f"SELECT seq, kind, payload FROM {self._table} WHERE seq <= ? AND (kind LIKE 'registry.%%' OR "
                "kind = 'audit.prune') ORDER BY seq".replace("%%", "%" if self._db.dialect == "sqlite" else "%%"),
                (through,)):
            data = json.loads(payload).get("data", {})
            if kind == "audit.prune":
                if anchor is not None and data.get("through") == int(anchor[0]):
                    start = data.get("state")
                continue
            parsed.append((seq, kind, data))
        return _state.replay(parsed, start=start)

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
