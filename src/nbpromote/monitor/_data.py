"""Reading batches and references from files (CSV, Parquet, profile JSON) with clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import MonitorError

__all__ = ["read_frame", "read_reference", "DATA_SUFFIXES"]

DATA_SUFFIXES = (".csv", ".parquet", ".pq")


def read_frame(path: str | Path) -> Any:
    """Read a CSV or Parquet file into a DataFrame.

    Raises
    ------
    MonitorError
        The file is missing, has another suffix, or cannot be parsed; the message names it.
    """
    import pandas as pd

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in DATA_SUFFIXES:
        raise MonitorError(
            f"{target}: unsupported file type {suffix or '(none)'!r}; pass a .csv or .parquet "
            "file (or a profile .json where a reference is expected).", path=str(target),
        )
    if not target.is_file():
        raise MonitorError(f"{target} does not exist.", hint="Check the path.", path=str(target))
    try:
        if suffix == ".csv":
            return pd.read_csv(target)
        return pd.read_parquet(target)
    except pd.errors.EmptyDataError:
        raise MonitorError(f"{target} is empty (no header, no rows).", path=str(target)) from None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MonitorError(f"{target} cannot be read as {suffix[1:]}: {first}",
                           path=str(target)) from None


def read_reference(path: str | Path) -> Any:
    """A stored profile (``.json``) as a :class:`Profile`, or data (CSV/Parquet) as a DataFrame."""
    target = Path(path)
    if target.suffix.lower() == ".json":
        from ._profile import Profile

        if not target.is_file():
            raise MonitorError(f"{target} does not exist.", hint="Check the path.",
                               path=str(target))
        return Profile.load(target)
    return read_frame(target)
