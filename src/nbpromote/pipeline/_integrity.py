"""Integrity of stored artifacts: the sha256 of the stored bytes, signed with the audit key.

DESIGN decision 1: an artifact has two hashes. Its *id* (``xxh3_128:…`` over a canonical form) is
what cache keys and run records compare; its *sha256* over the bytes as stored is what integrity
checks. Whoever can write the cache can rewrite an artifact's bytes *and* its metadata, so the
sha256 is trusted only under an HMAC-SHA256 signature made with a key kept outside the cache's
files: the registry's audit key (``$NBPROMOTE_AUDIT_KEY``, else ``audit.key`` in the nbpromote home,
created with mode 0600 — the file :mod:`nbpromote.registry.audit` uses for a registry in that home).

Every load verifies before it deserialises (:meth:`ArtifactStore.get`): signature first, then the
sha256 of the bytes read; a mismatch raises :class:`~nbpromote.errors.ArtifactIntegrityError`
naming the artifact and both hashes, and nothing is unpickled.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._io import canonical_json
from ..errors import ArtifactIntegrityError

__all__ = ["sha256_of", "signing_key", "sign_meta", "verify_bytes", "SIGNED_FIELDS"]

ENV_AUDIT_KEY = "NBPROMOTE_AUDIT_KEY"
#: The metadata fields the signature covers (the id, the stored bytes, how to read them).
SIGNED_FIELDS = ("hash", "sha256", "size", "serializer", "suffix", "format", "trusted")
_KEYS: dict[str, bytes] = {}


def sha256_of(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


def signing_key(home: str | os.PathLike[str], *, create: bool) -> bytes | None:
    """The audit key: ``$NBPROMOTE_AUDIT_KEY``, else ``<home>/audit.key`` (created when ``create``).

    Parameters
    ----------
    home : str or PathLike
        The nbpromote home holding ``audit.key``.
    create : bool
        Create the key file (0600) when it does not exist; otherwise return None.
    """
    env = os.environ.get(ENV_AUDIT_KEY)
    if env:
        return env.encode("utf-8")
    path = Path(home) / "audit.key"
    cached = _KEYS.get(str(path.resolve()))
    if cached is not None:
        return cached
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_hex(32).encode("ascii") + b"\n")
    key = path.read_bytes().strip()
    _KEYS[str(path.resolve())] = key
    return key


def _message(meta: Mapping[str, Any]) -> bytes:
    return canonical_json({field: meta.get(field) for field in SIGNED_FIELDS}).encode("utf-8")


def sign_meta(meta: Mapping[str, Any], key: bytes) -> str:
    """``hmac-sha256:<hex>`` over the :data:`SIGNED_FIELDS` of an artifact's metadata."""
    return "hmac-sha256:" + hmac.new(key, _message(meta), hashlib.sha256).hexdigest()


def verify_bytes(digest: str, meta: Mapping[str, Any], data: bytes, *, key: bytes | None, where: str) -> None:
    """Refuse bytes whose signed sha256 does not hold; returns quietly when all is well.

    Parameters
    ----------
    digest : str
        The artifact id asked for.
    meta : mapping
        Its metadata as read from the store.
    data : bytes
        The bytes read, not yet deserialised.
    key : bytes or None
        The audit key (None: it is missing).
    where : str
        The file, for messages.

    Raises
    ------
    ArtifactIntegrityError
        Unsigned (written by an older nbpromote), signature wrong (metadata edited or another
        key), id in the metadata not the one asked for, or sha256 of the bytes not the signed one.
    """
    rerun = "Delete it and rerun the stage that produces it (python -m <package> run --force)."
    recorded = meta.get("sha256")
    if not recorded or not meta.get("signature"):
        raise ArtifactIntegrityError(
            f"Artifact {digest} ({where}) has no signed sha256 (written by an older nbpromote); it is not loaded.",
            hint=rerun, artifact=digest, expected=recorded, actual=sha256_of(data), path=where,
        )
    if key is None:
        raise ArtifactIntegrityError(
            f"Artifact {digest} ({where}) cannot be verified: no audit key ({ENV_AUDIT_KEY} is unset and "
            "audit.key is missing from the nbpromote home).",
            hint="Restore the audit key the cache was written with, or delete the cache and rerun.",
            artifact=digest, expected=recorded, actual=None, path=where,
        )
    if not hmac.compare_digest(str(meta.get("signature")), sign_meta(meta, key)) or meta.get("hash") != digest:
        raise ArtifactIntegrityError(
            f"Artifact {digest} ({where}): its metadata is not signed with this home's audit key "
            "(edited, copied from another store, or the key changed); it is not loaded.",
            hint=rerun, artifact=digest, expected=recorded, actual=sha256_of(data), path=where,
        )
    actual = sha256_of(data)
    if not hmac.compare_digest(actual, str(recorded)):
        size = meta.get("size")
        how = f"truncated ({len(data)} of {size} bytes)" if isinstance(size, int) and len(data) < size else "modified"
        raise ArtifactIntegrityError(
            f"Artifact {digest} ({where}) was {how} after it was stored: sha256 recorded {recorded}, "
            f"found {actual}; it is not loaded.",
            hint=rerun, artifact=digest, expected=recorded, actual=actual, path=where,
        )
