"""The content-addressed artifact store, the stage cache index and the run records on disk.

Layout under ``NBPROMOTE_HOME`` (default ``./.nbpromote``)::

    cache/objects/<h[:2]>/<h>.<suffix>        artifact bytes (h = hex of the content hash)
    cache/objects/<h[:2]>/<h>.meta.json       serializer, format, type, size, sha256 + its signature,
                                              library versions, producer
    cache/stages/<pipeline>/<stage>/<k>.json  stage cache entry for key k: output hashes + key parts
    runs/<pipeline>/<run_id>.json             run records

Every file is written atomically (temporary file + rename). An artifact's bytes are written before
its ``.meta.json``, and only an artifact with metadata counts as present, so a crash mid-write
never leaves a half artifact that a later run would trust; the orphaned bytes are simply
overwritten by the next write of that artifact.

The objects and the stage index may live on shared storage instead (DESIGN decision 5): a home given
as an fsspec URL (``memory://team``, ``s3://bucket/nbpromote``, ``gcs://…``, any filesystem fsspec
knows) keeps ``cache/`` there, so Dask workers on other machines share one cache, while run records and
the audit key stay in the local home (``./.nbpromote``). Writes there go to a temporary name carrying
host, pid and a random part, then move into place; two workers writing the same object write the same
bytes, so the race is harmless. Temporaries left by a crash are removed by age (a pid means nothing on
another machine). Verifying workers need the audit key: ``NBPROMOTE_AUDIT_KEY`` on every worker.

Two hashes per artifact (DESIGN decision 1): ``h``, the *artifact id*, is taken over a canonical
form (content for frames and arrays, the pickle without wall-clock fields for models); the
metadata also holds the *sha256* of the bytes as stored, signed with the audit key
(:mod:`._integrity`). :meth:`ArtifactStore.get` checks both before it deserialises anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._io import atomic_write_bytes, read_json, write_json
from ..errors import ManifestError, PipelineError
from ._integrity import sha256_of, sign_meta, signing_key, verify_bytes

__all__ = ["ArtifactStore", "ArtifactRef", "default_home", "is_store_url", "ENTRY_SCHEMA_VERSION"]

ENTRY_SCHEMA_VERSION = 1
#: 2: sha256 of the stored bytes + HMAC signature, ``format``; v1 metadata is not trusted (rerun).
META_SCHEMA_VERSION = 2


#: Temporaries older than this on a shared store belonged to a writer that is gone.
STALE_TEMPORARY_SECONDS = 3600


def is_store_url(home: object) -> bool:
    """True for an fsspec URL (``memory://…``, ``s3://…``); ``file://`` URLs are local paths."""
    return isinstance(home, str) and "://" in home and not home.startswith("file://")


def default_home() -> Path:
    """The local home: ``$NBPROMOTE_HOME`` or ``./.nbpromote`` (also when the former is a store URL)."""
    value = os.environ.get("NBPROMOTE_HOME")
    return Path(value) if value and not is_store_url(value) else Path(".nbpromote")


def _hex(digest: str) -> str:
    algorithm, _, hexpart = digest.partition(":")
    if not hexpart or not hexpart.isalnum():
        raise PipelineError(f"{digest!r} is not a content hash (expected 'xxh3_128:<hex>').", hash=digest)
    return hexpart


class _LocalFiles:
    """The store's file access on a local disk: pathlib, and atomic writes from :mod:`nbpromote._io`."""

    def join(self, *parts: str | Path) -> str:
        return os.path.join(*(os.fspath(part) for part in parts))

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def read_bytes(self, path: str) -> bytes:
        return Path(path).read_bytes()

    def size(self, path: str) -> int:
        return os.stat(path).st_size

    def write(self, path: str, data: bytes) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write_bytes(path, data)

    def glob(self, pattern: str) -> list[str]:
        import glob

        return sorted(glob.glob(pattern))

    def read_json(self, path: str) -> Any:
        return read_json(path)

    def write_json(self, path: str, value: Any) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_json(path, value)


class _SharedFiles(_LocalFiles):
    """The same operations on an fsspec filesystem (object storage, a shared filesystem, memory)."""

    def __init__(self, fs: Any) -> None:
        self.fs = fs

    def join(self, *parts: str | Path) -> str:
        text = [os.fspath(part) for part in parts]
        return "/".join(part.strip("/") if i else part.rstrip("/") for i, part in enumerate(text))

    def exists(self, path: str) -> bool:
        return bool(self.fs.exists(path))

    def read_bytes(self, path: str) -> bytes:
        try:
            return bytes(self.fs.cat_file(path))
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise OSError(f"{path}: {exc}") from exc

    def size(self, path: str) -> int:
        return int(self.fs.size(path))

    def write(self, path: str, data: bytes) -> None:
        import secrets
        import time

        from .._io import _HOST

        folder, name = path.rsplit("/", 1)
        self.fs.makedirs(folder, exist_ok=True)
        for stale in self.fs.glob(f"{folder}/.{name}.*.tmp"):
            try:
                modified = self.fs.modified(stale).timestamp()
            except (OSError, NotImplementedError, AttributeError):
                continue
            if time.time() - modified > STALE_TEMPORARY_SECONDS:
                self.fs.rm_file(stale)
        temporary = f"{folder}/.{name}.{_HOST}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        self.fs.pipe_file(temporary, data)
        self.fs.mv(temporary, path)

    def glob(self, pattern: str) -> list[str]:
        return sorted(self.fs.glob(pattern))

    def read_json(self, path: str) -> Any:
        import json

        try:
            return json.loads(self.read_bytes(path))
        except FileNotFoundError:
            raise ManifestError(f"{path} does not exist.", path=path) from None
        except ValueError as exc:
            raise ManifestError(f"{path} is not valid JSON ({exc}).", path=path) from None

    def write_json(self, path: str, value: Any) -> None:
        from .._io import canonical_json

        self.write(path, (canonical_json(value) + "\n").encode("utf-8"))


@dataclass(frozen=True)
class ArtifactRef:
    """A stored artifact: its content hash, serializer, Python type and size in bytes."""

    hash: str
    serializer: str
    type: str
    size: int
    sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"hash": self.hash, "serializer": self.serializer, "type": self.type, "size": self.size}
        if self.sha256 is not None:
            out["sha256"] = self.sha256
        return out


class ArtifactStore:
    """Content-addressed artifacts plus the stage-cache index and run records of one home.

    Parameters
    ----------
    home : str or Path or None, default=None
        The nbpromote home; None means :func:`default_home`. Directories are created on first write.
        An fsspec URL (``memory://team``, ``s3://bucket/prefix``) keeps the objects and the stage
        index there and the run records and audit key in ``./.nbpromote``.

    Attributes
    ----------
    location : str
        What reopens this store in another process or on a worker: the URL, or the absolute path.
    """

    def __init__(self, home: str | Path | None = None) -> None:
        if home is None:
            home = os.environ.get("NBPROMOTE_HOME") or ".nbpromote"
        if is_store_url(home):
            import fsspec

            self.url: str | None = str(home).rstrip("/")
            try:
                fs, root = fsspec.core.url_to_fs(self.url)
            except (ImportError, ValueError) as exc:
                raise PipelineError(f"Cannot open the artifact store {self.url}: {exc}",
                                    hint="Install the fsspec implementation of that protocol (e.g. s3fs, gcsfs, "
                                         "adlfs), or give a local directory.", store=self.url) from None
            self._files: _LocalFiles = _SharedFiles(fs)
            self.home = Path(".nbpromote")  # run records and the audit key stay local
            cache = self._files.join(root, "cache")
            self.objects: Path | str = self._files.join(cache, "objects")
            self.stages: Path | str = self._files.join(cache, "stages")
        else:
            text = str(home)
            self.url = None
            self._files = _LocalFiles()
            self.home = Path(text[len("file://"):] if text.startswith("file://") else text)
            self.objects = self.home / "cache" / "objects"
            self.stages = self.home / "cache" / "stages"
        self.runs = self.home / "runs"

    @property
    def location(self) -> str:
        return self.url or str(self.home.resolve())

    def __repr__(self) -> str:
        return f"ArtifactStore({self.url or str(self.home)!r})"

    # -- artifacts ------------------------------------------------------------------------------
    def _paths(self, digest: str) -> tuple[str, str]:
        hexpart = _hex(digest)
        folder = self._files.join(self.objects, hexpart[:2])
        return folder, self._files.join(folder, f"{hexpart}.meta.json")

    def put(self, value: Any, *, stage: str | None = None, output: str | None = None,
            producer: dict[str, Any] | None = None) -> ArtifactRef:
        """Serialize and store ``value``; returns its reference. Storing equal content twice is free.

        Parameters
        ----------
        value : object
            The artifact.
        stage, output : str or None, default=None
            Names for error messages.
        producer : dict or None, default=None
            Recorded in the metadata (pipeline, stage, output, key) for lineage.

        Raises
        ------
        SerializationError
            No serializer can store ``value`` (names the stage, output and type).
        """
        from ._serializers import quick_digest, serialize

        kind = f"{type(value).__module__}.{type(value).__qualname__}"
        known = quick_digest(value)
        if known is not None and self.has(known):
            # Same content already stored (a pass-through stage, a rerun with equal output): the
            # frame's hash is cheap, its Parquet encoding is not.
            meta = self.meta(known)
            if meta.get("type") == kind:
                return ArtifactRef(known, meta["serializer"], kind, meta["size"], meta.get("sha256"))
        serializer, data, digest, extra = serialize(value, stage=stage, output=output)
        sha256 = sha256_of(data)
        ref = ArtifactRef(digest, serializer.name, kind, len(data), sha256)
        folder, meta_path = self._paths(digest)
        blob = self._files.join(folder, f"{_hex(digest)}{serializer.suffix}")
        if self.has(digest) and self._holds(blob, sha256):
            return ref
        self._files.write(blob, data)
        meta = {"schema_version": META_SCHEMA_VERSION, **ref.to_dict(), "suffix": serializer.suffix,
                "format": serializer.name, **extra}
        key = signing_key(self.home, create=True)
        assert key is not None  # created above when missing
        meta["signature"] = sign_meta(meta, key)
        if producer:
            meta["producer"] = producer
        self._files.write_json(meta_path, meta)
        return ref

    def _holds(self, blob: str, sha256: str) -> bool:
        """True when ``blob`` exists with exactly the bytes of ``sha256`` (so a rewrite is not needed)."""
        try:
            return sha256_of(self._files.read_bytes(blob)) == sha256
        except OSError:
            return False

    def meta(self, digest: str) -> dict[str, Any]:
        """The metadata of a stored artifact; :class:`PipelineError` if it is not in the store."""
        _folder, meta_path = self._paths(digest)
        if not self._files.exists(meta_path):
            raise PipelineError(
                f"Artifact {digest} is not in the cache at {self.objects}.",
                hint="Run the pipeline (python -m <package> run) to produce it, or pass --store to the right home.",
                hash=digest,
            )
        try:
            return self._files.read_json(meta_path)
        except ManifestError as exc:
            raise PipelineError(f"Artifact metadata {meta_path} is corrupt: {exc}", hint="Delete it and rerun the pipeline.", hash=digest) from None

    def _blob(self, digest: str) -> str:
        meta = self.meta(digest)
        folder, _ = self._paths(digest)
        return self._files.join(folder, f"{_hex(digest)}{meta['suffix']}")

    def path(self, digest: str) -> Path:
        """Local file holding the artifact's bytes (a store on shared storage has none: use :meth:`get`)."""
        if self.url is not None:
            raise PipelineError(f"Artifact {digest} lives in the shared store {self.url}, not in a local file.",
                                hint="Load it with ArtifactStore.get, or copy the store locally.", hash=digest)
        return Path(self._blob(digest))

    def has(self, digest: str) -> bool:
        """True when the artifact's bytes and metadata are both complete on disk."""
        folder, meta_path = self._paths(digest)
        if not self._files.exists(meta_path):
            return False
        try:
            meta = self._files.read_json(meta_path)
            if meta.get("schema_version", 1) < META_SCHEMA_VERSION:
                return False  # unsigned: the stage reruns and stores it again, signed
            return self._files.size(self._files.join(folder, f"{_hex(digest)}{meta['suffix']}")) == meta["size"]
        except (ManifestError, OSError, KeyError):
            return False

    def read_verified(self, digest: str) -> tuple[bytes, dict[str, Any]]:
        """The artifact's bytes and metadata, after checking them against the signed sha256.

        Raises
        ------
        ArtifactIntegrityError
            The bytes or the metadata were changed since they were stored (or are unsigned).
        """
        meta = self.meta(digest)
        path = self._blob(digest)
        data = self._files.read_bytes(path)
        verify_bytes(digest, meta, data, key=signing_key(self.home, create=False), where=str(path))
        return data, meta

    def get(self, digest: str) -> Any:
        """Load the artifact with its serializer, verified first (:meth:`read_verified`).

        Pickles warn on a library version mismatch; nothing is deserialised before its sha256
        matches the signed record.
        """
        from ._serializers import deserialize

        data, meta = self.read_verified(digest)
        return deserialize(data, meta)

    def find(self, prefix: str) -> str | None:
        """The full hash of the one stored artifact whose hex starts with ``prefix`` (or None)."""
        hexprefix = prefix.split(":", 1)[-1].lower()
        if len(hexprefix) < 4 or not hexprefix.isalnum():
            return None
        pattern = self._files.join(self.objects, hexprefix[:2], f"{hexprefix}*.meta.json")
        matches = sorted(path.rsplit("/", 1)[-1].rsplit(os.sep, 1)[-1][: -len(".meta.json")]
                         for path in self._files.glob(pattern))
        if len(matches) > 1:
            raise PipelineError(f"Hash prefix {prefix!r} is ambiguous: {', '.join(matches[:5])}.", hint="Give more digits.")
        return f"xxh3_128:{matches[0]}" if matches else None

    # -- stage cache index ----------------------------------------------------------------------
    def _entry_path(self, pipeline: str, stage: str, key: str) -> str:
        return self._files.join(self.stages, pipeline, stage, f"{_hex(key)}.json")

    def get_entry(self, pipeline: str, stage: str, key: str) -> dict[str, Any] | None:
        """The cache entry of ``stage`` under ``key`` if it and all its outputs are stored."""
        path = self._entry_path(pipeline, stage, key)
        if not self._files.exists(path):
            return None
        try:
            entry = self._files.read_json(path)
        except ManifestError:
            return None  # a corrupt entry is a cache miss, the stage reruns and rewrites it
        if entry.get("schema_version") != ENTRY_SCHEMA_VERSION:
            return None
        if not all(self.has(h) for h in entry.get("outputs", {}).values()):
            return None
        return entry

    def put_entry(self, pipeline: str, stage: str, key: str, entry: dict[str, Any]) -> Path | str:
        path = self._entry_path(pipeline, stage, key)
        self._files.write_json(path, {"schema_version": ENTRY_SCHEMA_VERSION, "key": key, **entry})
        return path if self.url is not None else Path(path)

    def entries(self, pipeline: str, stage: str | None = None) -> list[dict[str, Any]]:
        """All cache entries of a pipeline (or one stage)."""
        out = []
        for path in self._files.glob(self._files.join(self.stages, pipeline, stage or "*", "*.json")):
            try:
                out.append(self._files.read_json(path))
            except ManifestError:
                continue
        return out

    # -- run records ----------------------------------------------------------------------------
    def write_run(self, record: dict[str, Any]) -> Path:
        folder = self.runs / record["pipeline"]
        folder.mkdir(parents=True, exist_ok=True)
        return write_json(folder / f"{record['run_id']}.json", record)

    def run_ids(self, pipeline: str) -> list[str]:
        """Run ids of ``pipeline``, oldest first (run ids sort by time)."""
        folder = self.runs / pipeline
        return sorted(p.stem for p in folder.glob("*.json")) if folder.exists() else []

    def read_run(self, pipeline: str, run_id: str) -> dict[str, Any]:
        path = self.runs / pipeline / f"{run_id}.json"
        if not path.exists():
            raise PipelineError(f"No run record {run_id} for pipeline '{pipeline}' in {self.runs}.", run_id=run_id)
        from ._records import upgrade_run_record

        return upgrade_run_record(read_json(path))[0]

    def latest_run(self, pipeline: str) -> dict[str, Any] | None:
        """The newest run record of ``pipeline``, or None if it never ran with this home."""
        for run_id in reversed(self.run_ids(pipeline)):
            try:
                return self.read_run(pipeline, run_id)
            except ManifestError:
                continue
        return None
