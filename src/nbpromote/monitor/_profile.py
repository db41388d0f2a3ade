"""The reference profile: what the model was trained on, in kilobytes.

Per column: kind, dtype, role (feature / target / prediction), row and null counts, and

* numeric — min, max, mean, std, the PSI bins (``bins``: quantile edges of the reference, 10 by
  default, with counts) and a percentile grid (``grid``: 101 quantile edges with counts) from
  which the KS statistic is computed without the training data;
* categorical — the categories with their counts (the ``max_categories`` most frequent; the rest
  summed in ``other_count``);
* datetime — min and max; identifier — the number of distinct values.

Same data → byte-identical JSON. Schema version 1 (``schema_version``); :meth:`Profile.load`
refuses a newer version with a clear message.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_write_text
from ..errors import ManifestError, MonitorError, OutputExistsError
from ._columns import (
    category_counts,
    cut_counts,
    detect_kind,
    is_text_like,
    looks_like_dates,
    numeric_column,
    parse_dates,
    quantile_edges,
)

__all__ = ["Profile", "profile", "profile_dataset", "PROFILE_SCHEMA_VERSION", "GRID_SIZE"]

PROFILE_SCHEMA_VERSION = 1
#: Intervals of the percentile grid that backs the KS statistic (1% resolution).
GRID_SIZE = 100
#: Categories kept per categorical column; the rest are summed as ``other_count``.
MAX_CATEGORIES = 100
_ROLES = ("feature", "target", "prediction")


def _float(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _profile_numeric(series: Any, bins: int) -> dict[str, Any]:
    col = numeric_column(series)
    out: dict[str, Any] = {
        "count": col.count,
        "null_count": col.null_count,
        "nonfinite_count": col.nonfinite_count,
        "null_fraction": col.null_count / col.count if col.count else 0.0,
    }
    values = col.finite
    if values.size == 0:
        out.update({"min": None, "max": None, "mean": None, "std": None, "bins": None,
                    "grid": None, "constant": False})
        return out
    coarse = quantile_edges(values, bins)
    grid = quantile_edges(values, GRID_SIZE)
    out.update({
        "min": float(values[0]),
        "max": float(values[-1]),
        "mean": _float(float(np.mean(values))),
        "std": _float(float(np.std(values, ddof=1))) if values.size > 1 else 0.0,
        "constant": bool(values[0] == values[-1]),
        "bins": {"edges": coarse.tolist(), "counts": cut_counts(values, coarse).tolist()},
        "grid": {"edges": grid.tolist(), "counts": cut_counts(values, grid).tolist()},
    })
    return out


def _profile_categorical(series: Any, max_categories: int,
                         counts: tuple[dict[str, int], int, bool] | None = None) -> dict[str, Any]:
    labels, null_count, mixed = counts if counts is not None else category_counts(series)
    ranked = sorted(labels.items(), key=lambda item: (-item[1], item[0]))
    kept = dict(ranked[:max_categories])
    count = len(series)
    return {
        "count": count,
        "null_count": null_count,
        "null_fraction": null_count / count if count else 0.0,
        "categories": kept,
        "other_count": int(sum(c for _, c in ranked[max_categories:])),
        "truncated": len(ranked) > max_categories,
        "mixed_types": mixed,
    }


def _profile_datetime(series: Any) -> dict[str, Any]:
    import pandas as pd

    parsed = series if pd.api.types.is_datetime64_any_dtype(series.dtype) else parse_dates(series)
    null_count = int(parsed.isna().sum())
    count = len(series)
    valid = parsed.dropna()
    return {
        "count": count,
        "null_count": null_count,
        "null_fraction": null_count / count if count else 0.0,
        "min": valid.min().isoformat() if len(valid) else None,
        "max": valid.max().isoformat() if len(valid) else None,
        "text": not pd.api.types.is_datetime64_any_dtype(series.dtype),
    }


def _profile_identifier(series: Any) -> dict[str, Any]:
    null_count = int(series.isna().sum())
    count = len(series)
    return {
        "count": count,
        "null_count": null_count,
        "null_fraction": null_count / count if count else 0.0,
        "unique_count": int(series.nunique(dropna=True)),
    }


_VALIDATOR: list[Any] = []  # built once per process


def _check_schema(data: dict[str, Any], where: str, source: str | None) -> None:
    """Validate against ``profile.schema.json`` (beside this module); never mutates.

    With fastjsonschema (nbformat's own validator, so always installed beside it): it imports in
    milliseconds, where ``import jsonschema`` costs seconds in a fresh process (issue 14).
    """
    import fastjsonschema

    if not _VALIDATOR:
        schema = json.loads((Path(__file__).parent / "profile.schema.json").read_text("utf-8"))
        _VALIDATOR.append(fastjsonschema.compile(schema))
    try:
        _VALIDATOR[0](data)
    except fastjsonschema.JsonSchemaValueException as error:
        at = "/".join(str(p) for p in (error.path or [])[1:]) or "(top level)"
        message = error.message.removeprefix(error.name + " ") if error.name else error.message
        raise ManifestError(
            f"{where} does not match the profile schema at {at}: {message}.",
            hint="Rebuild it with `nbpromote profile DATA -o profile.json`.", path=source,
        ) from None
    # The histograms' numbers are checked with NumPy, not item by item by jsonschema (which
    # costs ~70 ms on a 25-column profile): edges finite and increasing, counts whole and ≥ 0,
    # one more count than edges (two more for a constant column).
    for name, col in data["columns"].items():
        for key in ("bins", "grid"):
            hist = col.get(key)
            if hist is None:
                continue
            try:
                edges = np.asarray(hist["edges"], dtype=np.float64)
                counts = np.asarray(hist["counts"], dtype=np.float64)
            except (TypeError, ValueError):
                edges = counts = np.array([np.nan])
            ok = (edges.ndim == counts.ndim == 1 and bool(np.all(np.isfinite(edges)))
                  and bool(np.all(np.diff(edges) > 0)) and bool(np.all(np.isfinite(counts)))
                  and bool(np.all(counts >= 0)) and bool(np.all(counts == np.round(counts)))
                  and counts.size == edges.size + (2 if edges.size == 1 else 1))
            if not ok:
                raise ManifestError(
                    f"{where} does not match the profile schema at columns/{name}/{key}: edges "
                    "must be finite and increasing, counts whole, non-negative and one more "
                    "than the edges.",
                    hint="Rebuild it with `nbpromote profile DATA -o profile.json`.", path=source,
                    column=name,
                )


@dataclass
class Profile:
    """A reference profile (see the module docstring). Build it with :func:`profile`.

    Attributes
    ----------
    rows : int
        Rows of the reference data.
    bins : int
        Quantile intervals of the PSI bins.
    columns : dict
        Column name → column profile (a JSON-ready dict with ``kind``, ``role``, ``dtype`` …), in
        the reference's column order.
    target, prediction : str or None
        Names of the target and prediction columns, if any.
    """

    rows: int
    bins: int
    columns: dict[str, dict[str, Any]]
    target: str | None = None
    prediction: str | None = None
    schema_version: int = PROFILE_SCHEMA_VERSION
    source: str | None = field(default=None, compare=False)

    @property
    def features(self) -> list[str]:
        """Names of the feature columns (not target, not prediction)."""
        return [name for name, col in self.columns.items() if col["role"] == "feature"]

    def to_dict(self) -> dict[str, Any]:
        """The profile as the JSON document :meth:`save` writes."""
        return {
            "schema_version": self.schema_version,
            "kind": "nbpromote.profile",
            "rows": self.rows,
            "bins": self.bins,
            "grid_size": GRID_SIZE,
            "target": self.target,
            "prediction": self.prediction,
            "column_order": list(self.columns),
            "columns": self.columns,
        }

    def to_json(self) -> str:
        """Compact, key-sorted JSON (deterministic: same data → same bytes)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"),
                          allow_nan=False) + "\n"

    def save(self, path: str | Path, *, force: bool = False) -> Path:
        """Write the profile as JSON, atomically.

        Parameters
        ----------
        path : str or Path
            Destination file.
        force : bool, default=False
            Replace an existing file with different content. Without it an existing file is
            left alone (and rewriting identical content is a no-op).

        Returns
        -------
        Path
            The path written.
        """
        target = Path(path)
        text = self.to_json()
        if target.exists() and not force:
            if target.read_text(encoding="utf-8", errors="replace") == text:
                return target
            raise OutputExistsError(
                f"{target} already exists with different content.",
                hint="Pass force=True (CLI: --force) to replace it.", path=str(target),
            )
        return atomic_write_text(target, text)

    @classmethod
    def from_dict(cls, data: Any, *, source: str | None = None) -> Profile:
        """Rebuild a profile from :meth:`to_dict` output, checking its schema."""
        where = source or "profile"
        if not isinstance(data, dict) or data.get("kind") != "nbpromote.profile":
            raise ManifestError(
                f"{where} is not an nbpromote profile (no \"kind\": \"nbpromote.profile\").",
                hint="Create one with `nbpromote profile DATA -o profile.json`.", path=source,
            )
        version = data.get("schema_version")
        if version != PROFILE_SCHEMA_VERSION:
            newer = isinstance(version, int) and version > PROFILE_SCHEMA_VERSION
            raise ManifestError(
                f"{where} has profile schema_version {version!r}; this nbpromote reads version "
                f"{PROFILE_SCHEMA_VERSION}.",
                hint="Upgrade nbpromote." if newer else "Rebuild the profile from the training data.",
                path=source,
            )
        _check_schema(data, where, source)
        columns = data.get("columns")
        order = data.get("column_order")
        if not isinstance(columns, dict) or not isinstance(order, list) or set(order) != set(columns):
            raise ManifestError(f"{where}: \"columns\" and \"column_order\" do not match.",
                                path=source)
        for name, col in columns.items():
            if not isinstance(col, dict) or col.get("kind") not in (
                "numeric", "categorical", "datetime", "identifier"
            ) or col.get("role") not in _ROLES:
                raise ManifestError(f"{where}: column {name!r} has no valid kind/role.",
                                    path=source, column=name)
        return cls(
            rows=int(data["rows"]), bins=int(data["bins"]),
            columns={name: columns[name] for name in order},
            target=data.get("target"), prediction=data.get("prediction"), source=source,
        )

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        """Read a profile written by :meth:`save`; errors name the file and the fix."""
        from .._io import read_json

        return cls.from_dict(read_json(path), source=str(path))

    def __repr__(self) -> str:
        kinds: dict[str, int] = {}
        for col in self.columns.values():
            kinds[col["kind"]] = kinds.get(col["kind"], 0) + 1
        summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        return f"<Profile {self.rows} rows, {len(self.columns)} columns ({summary})>"


def _check_frame(df: Any, what: str) -> None:
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise MonitorError(f"{what} must be a pandas DataFrame, got {type(df).__name__}.")
    if len(df.columns) == 0:
        raise MonitorError(f"{what} has no columns.")
    if len(df) == 0:
        raise MonitorError(f"{what} has no rows; a profile needs at least one row of data.")
    if not df.columns.is_unique:
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise MonitorError(f"{what} has duplicate column names: {', '.join(dupes)}; rename them.")


def profile(
    df: Any,
    *,
    target: str | None = None,
    prediction: str | None = None,
    bins: int = 10,
    max_categories: int = MAX_CATEGORIES,
    kinds: dict[str, str] | None = None,
) -> Profile:
    """Build the reference profile of a training frame.

    Parameters
    ----------
    df : pandas.DataFrame
        Reference data (training features, optionally with target and predictions).
    target : str or None, default=None
        Name of the target column, profiled with role ``target``.
    prediction : str or None, default=None
        Name of the model-output column (label or score), profiled with role ``prediction``.
    bins : int, default=10
        Quantile intervals of the PSI bins (2–100). Constant or discrete columns get fewer,
        because repeated quantiles collapse into one edge.
    max_categories : int, default=100
        Categories kept per categorical column; text columns with more distinct values, mostly
        unique, are treated as identifiers.
    kinds : dict or None, default=None
        Column → kind overrides (``numeric``, ``categorical``, ``datetime``, ``identifier``),
        e.g. ``{"zip_code": "categorical"}`` for codes stored as integers.

    Returns
    -------
    Profile

    Raises
    ------
    MonitorError
        Empty frame, unknown target/prediction column, bad ``bins`` or ``kinds``.

    Examples
    --------
    >>> import pandas as pd
    >>> p = profile(pd.DataFrame({"x": range(100), "c": ["a", "b"] * 50}))
    >>> p.columns["x"]["kind"], p.columns["c"]["categories"]
    ('numeric', {'a': 50, 'b': 50})
    """
    import pandas as pd

    _check_frame(df, "reference data")
    if not isinstance(bins, int) or isinstance(bins, bool) or not 2 <= bins <= 100:
        raise MonitorError(f"bins={bins!r} must be an integer from 2 to 100 (default 10).")
    for role, name in (("target", target), ("prediction", prediction)):
        if name is not None and name not in df.columns:
            raise MonitorError(
                f"{role} column {name!r} is not in the reference data; columns: "
                f"{', '.join(map(str, df.columns))}.", column=name,
            )
    overrides = dict(kinds or {})
    for name, kind in overrides.items():
        if name not in df.columns or kind not in ("numeric", "categorical", "datetime", "identifier"):
            raise MonitorError(
                f"kinds[{name!r}]={kind!r}: the column must exist and the kind be one of numeric, "
                "categorical, datetime, identifier.", column=name,
            )
    columns: dict[str, dict[str, Any]] = {}
    for name in df.columns:
        series = df[name]
        key = str(name)
        counts = None
        if key not in overrides and is_text_like(series) and not looks_like_dates(series):
            counts = category_counts(series)  # one pass serves kind detection and the profile
        kind = overrides.get(key) or detect_kind(series, max_categories=max_categories,
                                                 counts=counts)
        if kind == "numeric" and not (pd.api.types.is_numeric_dtype(series.dtype)
                                      or pd.api.types.is_datetime64_any_dtype(series.dtype)):
            series = pd.to_numeric(series, errors="coerce")
        if kind == "numeric":
            body = _profile_numeric(series, bins)
        elif kind == "categorical":
            body = _profile_categorical(series, max_categories, counts)
        elif kind == "datetime":
            body = _profile_datetime(series)
        else:
            body = _profile_identifier(series)
        role = "target" if key == target else "prediction" if key == prediction else "feature"
        columns[key] = {"kind": kind, "role": role, "dtype": str(df[name].dtype), **body}
    return Profile(rows=len(df), bins=bins, columns=columns, target=target, prediction=prediction)


def profile_dataset(
    source: Any,
    *,
    target: str | None = None,
    prediction: str | None = None,
    bins: int = 10,
    max_categories: int = MAX_CATEGORIES,
    kinds: dict[str, str] | None = None,
    batch_rows: int | None = None,
) -> Profile:
    """Build the reference profile of data larger than memory, chunk by chunk.

    Two passes over the data in bounded memory: accumulators and quantile sketches per column,
    then exact counts in the bin edges the sketches fixed. See :mod:`nbpromote.monitor._chunked`
    for the error bounds (edges within the sketch's rank error; counts, PSI and chi-square exact on
    those edges).

    Parameters
    ----------
    source : str, Path or dask DataFrame
        A Parquet file, a directory of Parquet files, or a Dask DataFrame.
    target : str or None, default=None
        Name of the target column.
    prediction : str or None, default=None
        Name of the model-output column.
    bins : int, default=10
        Quantile intervals of the PSI bins (2–100).
    max_categories : int, default=100
        Categories kept per categorical column.
    kinds : dict or None, default=None
        Column → kind overrides, as for :func:`profile`.
    batch_rows : int or None, default=None
        Rows per Parquet record batch (default 500,000).

    Returns
    -------
    Profile

    Raises
    ------
    MonitorError
        No rows, an unreadable source, unknown target/prediction column, bad ``bins``.
    """
    from ._chunked import DEFAULT_BATCH_ROWS, iter_frames, profile_chunks

    if not isinstance(bins, int) or isinstance(bins, bool) or not 2 <= bins <= 100:
        raise MonitorError(f"bins={bins!r} must be an integer from 2 to 100 (default 10).")
    rows_per_batch = batch_rows or DEFAULT_BATCH_ROWS
    result = profile_chunks(iter_frames(source, batch_rows=rows_per_batch),
                            reopen=lambda: iter_frames(source, batch_rows=rows_per_batch),
                            target=target, prediction=prediction, bins=bins,
                            max_categories=max_categories, kinds=kinds)
    for role, name in (("target", target), ("prediction", prediction)):
        if name is not None and name not in result["columns"]:
            raise MonitorError(f"{role} column {name!r} is not in the reference data; columns: "
                               f"{', '.join(result['columns'])}.", column=name)
    return Profile(rows=result["rows"], bins=bins, columns=result["columns"], target=target,
                   prediction=prediction)
