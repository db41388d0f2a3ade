"""Data entries of the manifest: a content hash plus what the data is and where it came from."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import CaptureError, UnsupportedTypeError
from .hashing import hash_file, hash_value, supported_types

__all__ = ["describe_value", "describe_file", "track_names", "LARGE_BYTES"]

#: Above this many bytes a tracked value's entry notes the size and the time hashing took.
LARGE_BYTES = 1 << 30


def _kind_and_shape(value: Any) -> tuple[str, dict[str, Any]]:
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return "DataFrame", {"shape": list(value.shape), "nbytes": int(value.memory_usage(index=True, deep=False).sum())}
    if isinstance(value, pd.Series):
        return "Series", {"shape": [len(value)], "nbytes": int(value.memory_usage(index=True, deep=False))}
    if isinstance(value, pd.Index):
        return "Index", {"shape": [len(value)], "nbytes": int(value.memory_usage(deep=False))}
    if isinstance(value, np.ndarray):
        return "ndarray", {"shape": list(value.shape), "nbytes": int(value.nbytes)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "bytes", {"size": len(value)}
    return "", {}


def describe_file(path: str | Path, *, source: str = "file") -> dict[str, Any]:
    """Manifest entry of a file: ``{"hash", "kind": "file", "size", "source", "path"}``.

    The hash is cached per (path, size, mtime), so a file read in many cells is hashed once.
    """
    target = Path(path)
    return {
        "hash": hash_file(target),
        "kind": "file",
        "size": target.stat().st_size,
        "path": str(path),
        "source": source,
    }


def describe_value(value: Any, *, name: str = "value", source: str = "variable") -> dict[str, Any]:
    """Manifest entry of a DataFrame, Series, array, bytes or file path held in a variable.

    Parameters
    ----------
    value : object
        The data.
    name : str, default="value"
        The variable name, for messages.
    source : str, default="variable"
        How it was captured (``"variable"``, ``"file"``, ``"read in cell <id>"``).

    Raises
    ------
    UnsupportedTypeError
        The value is of a type that cannot be hashed; the message lists the supported types.
    CaptureError
        The value is too large to hash in the memory available.
    """
    if isinstance(value, (str, os.PathLike)):
        target = Path(value)
        if not target.is_file():
            raise UnsupportedTypeError(
                f"'{name}' holds the path {str(value)!r}, which is not an existing file.",
                hint=f"Track a variable holding one of: {supported_types()}.", variable=name,
            )
        return describe_file(target, source=source)
    kind, extra = _kind_and_shape(value)
    if not kind:
        raise UnsupportedTypeError(
            f"'{name}' is a {type(value).__module__}.{type(value).__qualname__}, which nbpromote cannot hash.",
            hint=f"Supported: {supported_types()}.", variable=name,
        )
    started = time.perf_counter()
    try:
        digest = hash_value(value, name=name)
    except MemoryError:
        size = extra.get("nbytes", 0) / 2**30
        raise CaptureError(
            f"'{name}' ({size:.1f} GiB) could not be hashed: out of memory.",
            hint="Track the file it was read from instead (%promote track PATH_VARIABLE), or free memory.",
            variable=name,
        ) from None
    entry: dict[str, Any] = {"hash": digest, "kind": kind, "source": source, **extra}
    if extra.get("nbytes", 0) >= LARGE_BYTES:
        entry["note"] = (
            f"large value: {extra['nbytes'] / 2**30:.1f} GiB hashed in "
            f"{time.perf_counter() - started:.1f} s"
        )
    return entry


def track_names(namespace: Mapping[str, Any], names: list[str]) -> dict[str, dict[str, Any]]:
    """Describe the variables ``names`` of ``namespace``; all-or-nothing.

    Raises
    ------
    CaptureError
        A name is not defined (the message lists every missing one).
    UnsupportedTypeError
        A value cannot be hashed.
    """
    missing = [name for name in names if name not in namespace]
    if missing:
        listed = ", ".join(repr(n) for n in missing)
        raise CaptureError(
            f"%promote track: {listed} {'is' if len(missing) == 1 else 'are'} not defined.",
            hint="Run the cell that creates it first, or check the spelling.", variable=missing[0],
        )
    return {name: describe_value(namespace[name], name=name) for name in names}
