"""The content-addressed artifact store, the stage cache index and the run records on disk.

Layout under ``NBPROMOTE_HOME`` (default ``./.nbpromote``)::

    cache/objects/<h[:2]>/<h>.<suffix>        artifact bytes (h = hex of the content hash)
    cache/objects/<h[:2]>/<h>.meta.json       serializer, type, size, library versions, producer
    cache/stages/<pipeline>/<stage>/<k>.json  stage cache entry for key k: output hashes + key parts
    runs/<pipeline>/<run_id>.json             run records

Every file is written atomically (temporary file + rename). An artifact's bytes are written before
its ``.meta.json``, and only an artifact with metadata counts as present, so a crash mid-write
never leaves a half artifact that a later run would trust; the orphaned bytes are simply
overwritten by the next write of that artifact.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._io import atomic_write_bytes, read_json, write_json
from ..errors import ManifestError, PipelineError

__all__ = ["ArtifactStore", "ArtifactRef", "default_home", "ENTRY_SCHEMA_VERSION"]

ENTRY_SCHEMA_VERSION = 1
META_SCHEMA_VERSION = 1


def default_home() -> Path:
    """``$NBPROMOTE_HOME`` or ``./.nbpromote``."""
    return Path(os.environ.get("NBPROMOTE_HOME") or ".nbpromote")


def _hex(digest: str) -> str:
    algorithm, _, hexpart = digest.partition(":")
    if not hexpart or not hexpart.isalnum():
        raise PipelineError(f"{digest!r} is not a content hash (expected 'xxh3_128:<hex>').", hash=digest)
    return hexpart


@dataclass(frozen=True)
class ArtifactRef:
    """A stored artifact: its content hash, serializer, Python type and size in bytes."""

    hash: str
    serializer: str
    type: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {"hash": self.hash, "serializer": self.serializer, "type": self.type, "size": self.size}


class ArtifactStore:
    """Content-addressed artifacts plus the stage-cache index and run records of one home.

    Parameters
    ----------
    home : str or Path or None, default=None
        The nbpromote home; None means :func:`default_home`. Directories are created on first write.
    """

    def __init__(self, home: str | Path | None = None) -> None:
        self.home = Path(home) if home is not None else default_home()
        self.objects = self.home / "cache" / "objects"
        self.stages = self.home / "cache" / "stages"
        self.runs = self.home / "runs"

    def __repr__(self) -> str:
        return f"ArtifactStore({str(self.home)!r})"

    # -- artifacts ------------------------------------------------------------------------------
    def _paths(self, digest: str) -> tuple[Path, Path]:
        hexpart = _hex(digest)
        folder = self.objects / hexpart[:2]
        return folder, folder / f"{hexpart}.meta.json"

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
                return ArtifactRef(known, meta["serializer"], kind, meta["size"])
        serializer, data, digest, extra = serialize(value, stage=stage, output=output)
        ref = ArtifactRef(digest, serializer.name, kind, len(data))
        folder, meta_path = self._paths(digest)
        if meta_path.exists() and (folder / f"{_hex(digest)}{serializer.suffix}").exists():
            return ref
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(folder / f"{_hex(digest)}{serializer.suffix}", data)
        meta = {"schema_version": META_SCHEMA_VERSION, **ref.to_dict(), "suffix": serializer.suffix, **extra}
        if producer:
            meta["producer"] = producer
        write_json(meta_path, meta)
        return ref

    def meta(self, digest: str) -> dict[str, Any]:
        """The metadata of a stored artifact; :class:`PipelineError` if it is not in the store."""
        _folder, meta_path = self._paths(digest)
        if not meta_path.exists():
            raise PipelineError(
                f"Artifact {digest} is not in the cache at {self.objects}.",
                hint="Run the pipeline (python -m <package> run) to produce it, or pass --store to the right home.",
                hash=digest,
            )
        try:
            return read_json(meta_path)
        except ManifestError as exc:
            raise PipelineError(f"Artifact metadata {meta_path} is corrupt: {exc}", hint="Delete it and rerun the pipeline.", hash=digest) from None

    def path(self, digest: str) -> Path:
        """File holding the artifact's bytes."""
        meta = self.meta(digest)
        folder, _ = self._paths(digest)
        return folder / f"{_hex(digest)}{meta['suffix']}"

    def has(self, digest: str) -> bool:
        """True when the artifact's bytes and metadata are both complete on disk."""
        folder, meta_path = self._paths(digest)
        if not meta_path.exists():
            return False
        try:
            meta = read_json(meta_path)
            return (folder / f"{_hex(digest)}{meta['suffix']}").stat().st_size == meta["size"]
        except (ManifestError, OSError, KeyError):
            return False

    def get(self, digest: str) -> Any:
        """Load the artifact with its serializer (pickles warn on library version mismatch)."""
        from ._serializers import deserialize

        meta = self.meta(digest)
        data = self.path(digest).read_bytes()
        if len(data) != meta["size"]:
            raise PipelineError(
                f"Artifact {digest} in {self.objects} is truncated ({len(data)} of {meta['size']} bytes).",
                hint="Delete it and rerun the pipeline; the stage that produces it will run again.", hash=digest,
            )
        return deserialize(data, meta)

    def find(self, prefix: str) -> str | None:
        """The full hash of the one stored artifact whose hex starts with ``prefix`` (or None)."""
        hexprefix = prefix.split(":", 1)[-1].lower()
        if len(hexprefix) < 4 or not self.objects.exists():
            return None
        folder = self.objects / hexprefix[:2]
        matches = sorted(p.name[: -len(".meta.json")] for p in folder.glob(f"{hexprefix}*.meta.json")) if folder.exists() else []
        if len(matches) > 1:
            raise PipelineError(f"Hash prefix {prefix!r} is ambiguous: {', '.join(matches[:5])}.", hint="Give more digits.")
        return f"xxh3_128:{matches[0]}" if matches else None

    # -- stage cache index ----------------------------------------------------------------------
    def _entry_path(self, pipeline: str, stage: str, key: str) -> Path:
        return self.stages / pipeline / stage / f"{_hex(key)}.json"

    def get_entry(self, pipeline: str, stage: str, key: str) -> dict[str, Any] | None:
        """The cache entry of ``stage`` under ``key`` if it and all its outputs are stored."""
        path = self._entry_path(pipeline, stage, key)
        if not path.exists():
            return None
        try:
            entry = read_json(path)
        except ManifestError:
            return None  # a corrupt entry is a cache miss, the stage reruns and rewrites it
        if entry.get("schema_version") != ENTRY_SCHEMA_VERSION:
            return None
        if not all(self.has(h) for h in entry.get("outputs", {}).values()):
            return None
        return entry

    def put_entry(self, pipeline: str, stage: str, key: str, entry: dict[str, Any]) -> Path:
        path = self._entry_path(pipeline, stage, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_json(path, {"schema_version": ENTRY_SCHEMA_VERSION, "key": key, **entry})

    def entries(self, pipeline: str, stage: str | None = None) -> list[dict[str, Any]]:
        """All cache entries of a pipeline (or one stage)."""
        base = self.stages / pipeline
        if not base.exists():
            return []
        out = []
        for path in sorted(base.glob(f"{stage or '*'}/*.json")):
            try:
                out.append(read_json(path))
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
        return read_json(path)

    def latest_run(self, pipeline: str) -> dict[str, Any] | None:
        """The newest run record of ``pipeline``, or None if it never ran with this home."""
        for run_id in reversed(self.run_ids(pipeline)):
            try:
                return self.read_run(pipeline, run_id)
            except ManifestError:
                continue
        return None
