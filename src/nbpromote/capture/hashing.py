"""Content hashes of data: DataFrames, Series, arrays, bytes and files.

A hash names its algorithm (``xxh3_128:<32 hex>``) and covers *content*, never object identity:
for a DataFrame the column names, dtypes, index and values. The same content gives the same hash in
every process and on every machine (byte order is normalised to little-endian; string hashing uses
pandas' fixed-key SipHash, not Python's salted ``hash``).

Numeric columns are fed to xxh3 straight from their memory (a ``memoryview`` of the column: no copy),
so hashing runs near memory bandwidth. String columns (pandas ``str``/``string`` dtypes) are fed
as Arrow buffers — element lengths, the UTF-8 bytes in place, null positions — so they hash near
memory bandwidth too, and Arrow or Python storage and any chunking give the same hash. Object and
other extension columns are reduced to one 64-bit hash per element by pandas' vectorised
``hash_pandas_object``, a slice of rows at a time, so memory stays bounded for huge frames.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xxhash

from .._io import canonical_json
from ..errors import UnsupportedTypeError

if TYPE_CHECKING:  # numpy is imported where arrays are hashed: hashing files and JSON stays light
    import numpy as np
__all__ = ["ALGORITHM", "hash_bytes", "hash_file", "hash_value", "hash_json", "supported_types"]

ALGORITHM = "xxh3_128"
_CHUNK = 1 << 24  # 16 MiB slices keep the hasher streaming over huge arrays
_ROWS = 1 << 20  # rows per slice when object/string columns are hashed element by element
_FILE_CACHE: dict[tuple[str, int, int], str] = {}


def _digest(hasher: Any) -> str:
    return f"{ALGORITHM}:{hasher.hexdigest()}"


def hash_bytes(data: bytes | memoryview) -> str:
    """Hash raw bytes: ``xxh3_128:<hex>``."""
    return _digest(xxhash.xxh3_128(data))


def hash_json(value: Any) -> str:
    """Hash a JSON-able value through its canonical JSON text (key order does not matter)."""
    return hash_bytes(canonical_json(value).encode("utf-8"))


def hash_file(path: str | Path) -> str:
    """Hash a file's bytes, streaming; cached per (absolute path, size, mtime).

    Raises
    ------
    FileNotFoundError
        The file does not exist (as an :class:`~nbpromote.errors.UnsupportedTypeError` subclass is
        not right here: a missing file is a missing file).
    """
    target = Path(path)
    stat = target.stat()
    key = (str(target.resolve()), stat.st_size, stat.st_mtime_ns)
    cached = _FILE_CACHE.get(key)
    if cached is not None:
        return cached
    hasher = xxhash.xxh3_128()
    with open(target, "rb") as handle:
        while True:
            block = handle.read(_CHUNK)
            if not block:
                break
            hasher.update(block)
    digest = _digest(hasher)
    _FILE_CACHE[key] = digest
    return digest


def _update_array(hasher: Any, array: np.ndarray) -> None:
    """Feed a NumPy array of a fixed-width dtype into ``hasher`` without copying when possible."""
    import numpy as np
    if array.dtype.byteorder == ">" or (array.dtype.byteorder == "=" and not _LITTLE):
        array = array.astype(array.dtype.newbyteorder("<"))
    array = np.ascontiguousarray(array)
    hasher.update(canonical_json({"dtype": array.dtype.str, "shape": list(array.shape)}).encode())
    flat = memoryview(array.reshape(-1).view(np.uint8)) if array.size else memoryview(b"")  # type: ignore[arg-type]
    for start in range(0, len(flat), _CHUNK):
        hasher.update(flat[start : start + _CHUNK])


_LITTLE = sys.byteorder == "little"


def _is_plain_numpy(dtype: Any) -> bool:
    import numpy as np
    return isinstance(dtype, np.dtype) and dtype.kind in "biufcmM?"


def _update_series_values(hasher: Any, values: Any, dtype: Any) -> None:
    import numpy as np
    import pandas as pd

    if _is_plain_numpy(dtype):
        _update_array(hasher, np.asarray(values))
        return
    if isinstance(dtype, pd.CategoricalDtype):
        categorical = pd.Categorical(values)
        _update_series_values(hasher, categorical.categories, categorical.categories.dtype)
        _update_array(hasher, np.asarray(categorical.codes))
        return
    if isinstance(dtype, pd.StringDtype) and _update_strings(hasher, values):
        return
    # Objects, nullable and other extension dtypes: one fixed-key 64-bit hash per element,
    # computed a slice of rows at a time so a huge column never needs a second full-size buffer.
    length = len(values)
    hasher.update(canonical_json({"dtype": "<u8", "shape": [length]}).encode())
    for start in range(0, length, _ROWS):
        chunk = pd.Series(values[start : start + _ROWS], copy=False)
        element_hashes = pd.util.hash_pandas_object(chunk, index=False, categorize=True).to_numpy()
        if not _LITTLE:
            element_hashes = element_hashes.astype("<u8")
        hasher.update(memoryview(np.ascontiguousarray(element_hashes)).cast("B"))  # type: ignore[arg-type]


def _arrow_chunks(values: Any) -> Any:
    """The values as Arrow string arrays, zero-copy for Arrow storage, else converted per slice."""
    import pyarrow as pa

    if getattr(values.dtype, "storage", None) == "pyarrow":
        arrow = values.__arrow_array__()
        chunks = arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]
        for chunk in chunks:
            for start in range(0, len(chunk), _ROWS):
                yield chunk.slice(start, _ROWS)
        return
    for start in range(0, len(values), _ROWS):
        arrow = values[start : start + _ROWS].__arrow_array__()
        yield from (arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow])


def _update_strings(hasher: Any, values: Any) -> bool:
    """Feed a pandas string array as Arrow buffers: lengths, UTF-8 bytes and null positions.

    This runs near memory bandwidth (the UTF-8 data is hashed in place) and does not depend on how
    the values are chunked or stored (Arrow or Python storage give the same hash). Returns False
    when the layout is unusual (a null slot holding bytes), so the caller falls back to per-element
    hashing.
    """
    import numpy as np
    import pyarrow as pa

    values = getattr(values, "array", values)  # an Index or Series -> its extension array
    if not hasattr(values, "__arrow_array__"):
        return False
    lengths_h, data_h, nulls_h = xxhash.xxh3_128(), xxhash.xxh3_128(), xxhash.xxh3_128()
    position = 0
    for chunk in _arrow_chunks(values):
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return False
        count = len(chunk)
        if count == 0:
            continue
        _validity, offsets_buffer, data_buffer = chunk.buffers()
        width = np.int32 if pa.types.is_string(chunk.type) else np.int64
        offsets = np.frombuffer(offsets_buffer, dtype=width, count=chunk.offset + count + 1)[chunk.offset :]
        lengths = np.diff(offsets).astype("<i8", copy=False)
        if chunk.null_count:
            nulls = np.flatnonzero(chunk.is_null().to_numpy(zero_copy_only=False))
            if lengths[nulls].any():
                return False
            nulls_h.update(memoryview((nulls + position).astype("<i8")).cast("B"))  # type: ignore[arg-type]
        lengths_h.update(memoryview(np.ascontiguousarray(lengths)).cast("B"))  # type: ignore[arg-type]
        if data_buffer is not None and offsets[-1] > offsets[0]:
            data = memoryview(data_buffer)[int(offsets[0]) : int(offsets[-1])]
            for start in range(0, len(data), _CHUNK):
                data_h.update(data[start : start + _CHUNK])
        position += count
    hasher.update(canonical_json({"strings": "arrow-utf8", "length": position}).encode())
    for part in (lengths_h, data_h, nulls_h):
        hasher.update(part.digest())
    return True


def _update_index(hasher: Any, index: Any) -> None:
    import pandas as pd

    if isinstance(index, pd.RangeIndex):
        # A RangeIndex is three numbers; hashing them is exact and O(1).
        hasher.update(canonical_json({"range": [index.start, index.stop, index.step], "name": str(index.name)}).encode())
        return
    hasher.update(canonical_json({"index": [str(n) for n in index.names], "dtype": str(index.dtype)}).encode())
    if isinstance(index, pd.MultiIndex):
        for level in range(index.nlevels):
            values = index.get_level_values(level)
            _update_series_values(hasher, values, values.dtype)
    else:
        _update_series_values(hasher, index, index.dtype)


def _hash_frame(frame: Any) -> str:
    hasher = xxhash.xxh3_128()
    header = {
        "kind": "DataFrame",
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(t) for t in frame.dtypes],
        "shape": list(frame.shape),
    }
    hasher.update(canonical_json(header).encode())
    _update_index(hasher, frame.index)
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        _update_series_values(hasher, column.array if not _is_plain_numpy(column.dtype) else column.to_numpy(copy=False), column.dtype)
    return _digest(hasher)


def _hash_series(series: Any) -> str:
    hasher = xxhash.xxh3_128()
    header = {"kind": "Series", "name": str(series.name), "dtype": str(series.dtype), "length": len(series)}
    hasher.update(canonical_json(header).encode())
    _update_index(hasher, series.index)
    _update_series_values(
        hasher, series.to_numpy(copy=False) if _is_plain_numpy(series.dtype) else series.array, series.dtype
    )
    return _digest(hasher)


def _hash_ndarray(array: np.ndarray) -> str:
    hasher = xxhash.xxh3_128()
    if _is_plain_numpy(array.dtype):
        _update_array(hasher, array)
    else:
        import pandas as pd

        hasher.update(canonical_json({"kind": "ndarray", "dtype": str(array.dtype), "shape": list(array.shape)}).encode())
        _update_array(hasher, pd.util.hash_array(array.reshape(-1).astype(object)))
    return _digest(hasher)


def supported_types() -> str:
    """Human-readable list of what :func:`hash_value` accepts (used in error messages)."""
    return "pandas DataFrame/Series, NumPy ndarray, bytes, or a str/pathlib.Path naming an existing file"


def hash_value(value: Any, *, name: str | None = None) -> str:
    """Content hash of a data value.

    Parameters
    ----------
    value : DataFrame, Series, ndarray, bytes, str or Path
        The data. A str or Path must name an existing file, whose bytes are hashed.
    name : str or None, default=None
        Variable name, only used in error messages.

    Returns
    -------
    str
        ``"xxh3_128:<32 hex digits>"``.

    Raises
    ------
    UnsupportedTypeError
        For any other type; the message lists the supported ones.

    Examples
    --------
    >>> import pandas as pd
    >>> a = hash_value(pd.DataFrame({"x": [1, 2]}))
    >>> a == hash_value(pd.DataFrame({"x": [1, 2]})) and a.startswith("xxh3_128:")
    True
    """
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return _hash_frame(value)
    if isinstance(value, pd.Series):
        return _hash_series(value)
    if isinstance(value, pd.Index):
        return _hash_series(value.to_series(index=pd.RangeIndex(len(value))))
    if isinstance(value, np.ndarray):
        return _hash_ndarray(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return hash_bytes(bytes(value))
    if isinstance(value, (str, os.PathLike)):
        target = Path(value)
        if target.is_file():
            return hash_file(target)
        raise UnsupportedTypeError(
            f"{name or 'the value'} is the path {str(value)!r}, which is not an existing file.",
            hint=f"Supported: {supported_types()}.", variable=name,
        )
    raise UnsupportedTypeError(
        f"{name or 'the value'} is a {type(value).__module__}.{type(value).__qualname__}, which nbpromote cannot hash.",
        hint=f"Supported: {supported_types()}.", variable=name,
    )
