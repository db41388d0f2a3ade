"""The registry's artifact store: content-addressed files, verified before they are deserialised.

An artifact is stored once under ``artifacts/sha256/<2 hex>/<64 hex>`` beside the database, named by
the SHA-256 of its bytes. Loading reads the bytes, hashes them and compares with the hash recorded at
registration *before* unpickling, and unpickles exactly the bytes it hashed (no second read of the
file), so a swapped pickle never executes.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import platform
import sys
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ArtifactIntegrityError, RegistryError, UsageError

__all__ = ["ArtifactInfo", "ingest_artifact", "read_verified", "deserialize", "artifact_environment",
           "VersionMismatchWarning"]

_FORMATS = {".pkl": "pickle", ".pickle": "pickle", ".joblib": "joblib"}
_CHUNK = 1 << 20


class VersionMismatchWarning(UserWarning):
    """A model is loaded with library versions other than the ones it was registered with."""


@dataclass(frozen=True)
class ArtifactInfo:
    uri: str  # relative to the registry's directory
    hash: str  # "sha256:<hex>"
    format: str
    size: int
    environment: dict[str, Any]


def _package_versions() -> dict[str, str]:
    versions = {}
    for name in ("sklearn", "numpy", "scipy", "pandas"):
        module = sys.modules.get(name)
        if module is None:
            continue  # not imported by the model's code: not part of its environment
        versions["scikit-learn" if name == "sklearn" else name] = str(getattr(module, "__version__", "?"))
    return versions


def artifact_environment() -> dict[str, Any]:
    """Python and the ML libraries' versions of this process (recorded when a model is saved)."""
    return {"python": platform.python_version(), "packages": _package_versions()}


def _store_path(root: Path, hexdigest: str) -> tuple[str, Path]:
    uri = f"artifacts/sha256/{hexdigest[:2]}/{hexdigest}"
    return uri, root / uri


def _write_blob(root: Path, data: bytes) -> tuple[str, str]:
    hexdigest = hashlib.sha256(data).hexdigest()
    uri, target = _store_path(root, hexdigest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".blob.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return uri, f"sha256:{hexdigest}"


def _copy_file(root: Path, source: Path) -> tuple[str, str, int]:
    staging = root / "artifacts" / "incoming"
    staging.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=staging, prefix=".copy.", suffix=".tmp")
    hasher = hashlib.sha256()
    size = 0
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(_CHUNK):
                hasher.update(chunk)
                dst.write(chunk)
                size += len(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        uri, target = _store_path(root, hasher.hexdigest())
        if target.exists():
            Path(tmp).unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return uri, f"sha256:{hasher.hexdigest()}", size


def ingest_artifact(root: Path, artifact: Any) -> ArtifactInfo:
    """Store ``artifact`` (a model file path or an in-memory estimator) under ``root``."""
    if isinstance(artifact, (str, os.PathLike)):
        source = Path(artifact)
        if not source.exists():
            raise UsageError(f"Artifact {source} does not exist.",
                             hint="Pass the path of the saved model file (e.g. model.pkl) or the estimator itself.",
                             path=str(source))
        if source.is_dir():
            raise UsageError(f"Artifact {source} is a directory; the registry stores one model file.",
                             hint="Save the model to one file (pickle or joblib) and register that.", path=str(source))
        try:
            uri, digest, size = _copy_file(root, source)
        except PermissionError as exc:
            raise RegistryError(f"Cannot copy artifact {source} into the registry: {exc.strerror}.",
                                hint="Check read access to the file and write access to the registry directory.",
                                path=str(source)) from None
        fmt = _FORMATS.get(source.suffix.lower(), "file")
        return ArtifactInfo(uri=uri, hash=digest, format=fmt, size=size,
                            environment={**artifact_environment(), "source": str(source)})
    try:
        data = pickle.dumps(artifact, protocol=5)
    except Exception as exc:  # pickling runs user code (__reduce__), so any error can surface
        raise UsageError(f"The model ({type(artifact).__name__}) cannot be pickled: {exc}.",
                         hint="Register a saved model file instead, or make the object picklable.") from None
    uri, digest = _write_blob(root, data)
    return ArtifactInfo(uri=uri, hash=digest, format="pickle", size=len(data),
                        environment={**artifact_environment(), "class": f"{type(artifact).__module__}."
                                                                        f"{type(artifact).__qualname__}"})


def read_verified(root: Path, uri: str, expected: str, *, label: str) -> bytes:
    """The artifact's bytes, after checking they hash to ``expected``."""
    path = Path(uri) if Path(uri).is_absolute() else root / uri
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArtifactIntegrityError(
            f"{label}: artifact file {path} is missing from the registry's store.",
            hint="Restore it from a backup of the store, or register the model again.", path=str(path),
            expected=expected, actual=None,
        ) from None
    algorithm, _, hexdigest = expected.partition(":")
    if algorithm != "sha256":
        raise ArtifactIntegrityError(f"{label}: unsupported artifact hash algorithm {algorithm!r}.",
                                     path=str(path), expected=expected, actual=None)
    actual = hashlib.sha256(data).hexdigest()
    if actual != hexdigest:
        raise ArtifactIntegrityError(
            f"{label}: artifact {path} has content hash sha256:{actual[:16]}…, but sha256:{hexdigest[:16]}… was "
            "registered; refusing to load it (the file was altered or swapped).",
            hint="Restore the original file or register the new model as a new version.", path=str(path),
            expected=expected, actual=f"sha256:{actual}",
        )
    return data


def deserialize(data: bytes, fmt: str, *, environment: dict[str, Any], label: str) -> Any:
    """Turn verified bytes into the model; warns when library versions differ from registration."""
    recorded = environment.get("packages", {}) if isinstance(environment, dict) else {}
    if fmt == "pickle":
        model = pickle.loads(data)
    elif fmt == "joblib":
        import joblib

        model = joblib.load(io.BytesIO(data))
    else:
        raise RegistryError(f"{label}: artifact format {fmt!r} cannot be loaded as a Python object.",
                            hint="Use Registry.artifact_path(name, version) to get the verified file.")
    current = _package_versions()
    mismatched = {name: (version, current[name]) for name, version in recorded.items()
                  if name in current and current[name] != version}
    if mismatched:
        detail = ", ".join(f"{n} {old} → {new}" for n, (old, new) in sorted(mismatched.items()))
        warnings.warn(f"{label} was registered with {detail}; results may differ.", VersionMismatchWarning,
                      stacklevel=3)
    return model
