"""Profiles and drift of data larger than memory: Parquet datasets by record batches, Dask DataFrames
by partitions, in bounded memory.

Everything a profile holds is mergeable across chunks: row, null and non-finite counts, min and max,
mean and variance (Chan's parallel update), exact category counts, and for numeric columns a KLL
quantile sketch (Apache DataSketches) that fixes the bin edges. Building a profile takes two passes:

1. reduce every chunk into per-column accumulators; the sketch gives the PSI bin edges and the
   percentile grid of each numeric column;
2. count every chunk's values exactly into those fixed edges.

So the *edges* are approximate (a KLL sketch with ``k = SKETCH_K`` has a normalised rank error of
at most :data:`RANK_ERROR` with 99 % confidence: an edge meant as the q-quantile is a value whose rank
is within ``q ± RANK_ERROR``) while every *count* is exact, and PSI, chi-square and Jensen–Shannon of
any batch against the profile are computed on exactly the same bins as in memory. A drift report of
a chunked current batch needs one pass: the edges come from the reference profile, and its counts,
hence its PSI, chi-square, JS and KS, equal the in-memory report's for the same profile. The KS
statistic of a profile built in chunks differs from one built in memory by at most about twice the
rank error plus the grid's 1 % resolution (its grid edges sit at slightly different ranks).

Text columns keep exact category counts up to :data:`MAX_EXACT_DISTINCT` distinct values; past that
they are identifiers (ids, free text) and only an HLL estimate of their distinct count is kept.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MonitorError
from ._batch import Batch
from ._columns import (
    category_counts,
    cut_counts,
    detect_kind,
    is_text_like,
    looks_like_dates,
    parse_dates,
)

__all__ = ["iter_frames", "is_chunked_source", "profile_chunks", "ChunkedBatch",
           "SKETCH_K", "RANK_ERROR", "DEFAULT_BATCH_ROWS"]

#: KLL sketch size: memory of a few kilobytes per column.
SKETCH_K = 400
#: Normalised rank error of that sketch (single quantile, 99 % confidence), from DataSketches.
RANK_ERROR = 0.0068
#: Rows per record batch read from a Parquet dataset.
DEFAULT_BATCH_ROWS = 500_000
#: Distinct values counted exactly per text column before it is treated as an identifier.
MAX_EXACT_DISTINCT = 100_000


def is_chunked_source(source: Any) -> bool:
    """A Dask DataFrame, a Parquet dataset directory, or an iterator of DataFrames."""
    if _is_dask_frame(source):
        return True
    if isinstance(source, (str, Path)):
        return Path(source).is_dir()
    return isinstance(source, Iterator)


def _is_dask_frame(source: Any) -> bool:
    module = type(source).__module__ or ""
    return module.startswith("dask") and hasattr(source, "npartitions")


def iter_frames(source: Any, *, batch_rows: int = DEFAULT_BATCH_ROWS) -> Iterator[Any]:
    """pandas DataFrames of at most ``batch_rows`` rows (Parquet) or one partition each (Dask).

    Parameters
    ----------
    source : str, Path, dask DataFrame or iterator of DataFrames
        A Parquet file or a directory of Parquet files (a dataset), a Dask DataFrame (its
        partitions are computed one at a time), or DataFrames already chunked.
    batch_rows : int, default=500_000
        Rows per Parquet record batch.

    Raises
    ------
    MonitorError
        A path that does not exist or is not Parquet.
    """
    if _is_dask_frame(source):
        for index in range(source.npartitions):
            yield source.get_partition(index).compute()
        return
    if isinstance(source, Iterator):
        yield from source
        return
    import pyarrow.dataset as ds

    path = Path(source)
    if not path.exists():
        raise MonitorError(f"{path} does not exist.", hint="Check the path.", path=str(path))
    try:
        dataset = ds.dataset(str(path), format="parquet")
        # No read-ahead: memory stays at about one record batch, whatever the dataset's size.
        batches = dataset.to_batches(batch_size=batch_rows, batch_readahead=0, fragment_readahead=1)
        for record_batch in batches:
            yield record_batch.to_pandas()
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MonitorError(f"{path} cannot be read as a Parquet dataset: {first}",
                           hint="Pass a Parquet file or a directory of Parquet files.", path=str(path)) from None


def _sketches() -> Any:
    try:
        import datasketches
    except ImportError:
        raise MonitorError("Profiling data larger than memory needs the quantile sketches of the "
                           "datasketches package.", hint="pip install 'nbpromote[large]'") from None
    return datasketches


@dataclass
class _Numeric:
    count: int = 0
    null_count: int = 0
    nonfinite_count: int = 0
    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    sketch: Any = None

    def add(self, finite: np.ndarray, count: int, nulls: int, nonfinite: int) -> None:
        self.count += count
        self.null_count += nulls
        self.nonfinite_count += nonfinite
        if finite.size == 0:
            return
        if self.sketch is None:
            self.sketch = _sketches().kll_doubles_sketch(SKETCH_K)
        self.sketch.update(finite)
        # Chan et al.'s pairwise update of mean and sum of squared deviations.
        n_b, mean_b = finite.size, float(np.mean(finite))
        m2_b = float(np.sum((finite - mean_b) ** 2))
        total = self.n + n_b
        delta = mean_b - self.mean
        self.mean += delta * n_b / total
        self.m2 += m2_b + delta * delta * self.n * n_b / total
        self.n = total

    def edges(self, intervals: int) -> np.ndarray:
        ranks = np.linspace(0.0, 1.0, intervals + 1)
        return np.unique(np.asarray(self.sketch.get_quantiles(ranks), dtype=np.float64))


@dataclass
class _Text:
    count: int = 0
    null_count: int = 0
    labels: dict[str, int] | None = field(default_factory=dict)
    types_mixed: bool = False
    distinct: Any = None  # an HLL sketch once the exact counts are dropped

    def add(self, series: Any) -> None:
        labels, nulls, mixed = category_counts(series)
        self.count += len(series)
        self.null_count += nulls
        self.types_mixed = self.types_mixed or mixed
        if self.labels is not None:
            for key, value in labels.items():
                self.labels[key] = self.labels.get(key, 0) + value
            if len(self.labels) <= MAX_EXACT_DISTINCT:
                return
            keys = list(self.labels)
            self.labels = None
        else:
            keys = list(labels)
        if self.distinct is None:
            self.distinct = _sketches().hll_sketch(14)
        for key in keys:
            self.distinct.update(key)


@dataclass
class _Dates:
    count: int = 0
    null_count: int = 0
    low: Any = None
    high: Any = None
    text: bool = False

    def add(self, series: Any) -> None:
        import pandas as pd

        parsed = series if pd.api.types.is_datetime64_any_dtype(series.dtype) else parse_dates(series)
        self.count += len(series)
        self.null_count += int(parsed.isna().sum())
        valid = parsed.dropna()
        if len(valid):
            low, high = valid.min(), valid.max()
            self.low = low if self.low is None else min(self.low, low)
            self.high = high if self.high is None else max(self.high, high)


def _float(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def profile_chunks(frames: Iterator[Any] | Any, *, reopen: Any = None, target: str | None = None,
                   prediction: str | None = None, bins: int = 10, max_categories: int = 100,
                   kinds: dict[str, str] | None = None) -> dict[str, Any]:
    """The column profiles and row count of chunked data (see the module docstring).

    ``frames`` is iterated once; ``reopen()`` must give the same chunks again for the exact
    counting pass. Returns ``{"rows": n, "columns": {name: column profile}}`` in the shape of
    :func:`~nbpromote.monitor.profile`'s columns.
    """
    overrides = dict(kinds or {})
    accumulators: dict[str, Any] = {}
    first_dtype: dict[str, str] = {}
    rows = 0
    for frame in frames:
        if len(frame) == 0:
            continue
        rows += len(frame)
        batch = Batch(frame)
        for name in map(str, frame.columns):
            series = batch.series(name)
            if name not in accumulators:
                first_dtype[name] = str(series.dtype)
                accumulators[name] = _new_accumulator(series, overrides.get(name), max_categories)
            acc = accumulators[name]
            if isinstance(acc, _Numeric):
                column = batch.numeric(name).column
                acc.add(column.finite, column.count, column.null_count, column.nonfinite_count)
            else:
                acc.add(series)
    if rows == 0:
        raise MonitorError("the reference data has no rows; a profile needs at least one row of data.")
    columns: dict[str, dict[str, Any]] = {}
    numeric_edges: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, acc in accumulators.items():
        role = "target" if name == target else "prediction" if name == prediction else "feature"
        head = {"role": role, "dtype": first_dtype[name]}
        if isinstance(acc, _Numeric):
            body: dict[str, Any] = {
                "count": acc.count, "null_count": acc.null_count, "nonfinite_count": acc.nonfinite_count,
                "null_fraction": acc.null_count / acc.count if acc.count else 0.0,
            }
            if acc.n == 0:
                body.update({"min": None, "max": None, "mean": None, "std": None, "bins": None,
                             "grid": None, "constant": False})
            else:
                from ._profile import GRID_SIZE

                coarse, grid = acc.edges(bins), acc.edges(GRID_SIZE)
                numeric_edges[name] = (coarse, grid)
                body.update({
                    "min": float(acc.sketch.get_min_value()), "max": float(acc.sketch.get_max_value()),
                    "mean": _float(acc.mean),
                    "std": _float(math.sqrt(acc.m2 / (acc.n - 1))) if acc.n > 1 else 0.0,
                    "constant": bool(acc.sketch.get_min_value() == acc.sketch.get_max_value()),
                })
            columns[name] = {"kind": "numeric", **head, **body}
        elif isinstance(acc, _Dates):
            columns[name] = {"kind": "datetime", **head, "count": acc.count, "null_count": acc.null_count,
                             "null_fraction": acc.null_count / acc.count if acc.count else 0.0,
                             "min": acc.low.isoformat() if acc.low is not None else None,
                             "max": acc.high.isoformat() if acc.high is not None else None, "text": acc.text}
        else:
            columns[name] = {**head, **_text_profile(acc, overrides.get(name), max_categories)}
    if numeric_edges:
        counts = {name: [np.zeros(e.size + (2 if e.size == 1 else 1), dtype=np.int64) for e in pair]
                  for name, pair in numeric_edges.items()}
        for frame in (reopen() if reopen is not None else ()):
            batch = Batch(frame)
            for name, pair in numeric_edges.items():
                finite = batch.numeric(name).column.finite
                for slot, edges in enumerate(pair):
                    counts[name][slot] += cut_counts(finite, edges)
        for name, (coarse, grid) in numeric_edges.items():
            columns[name]["bins"] = {"edges": coarse.tolist(), "counts": counts[name][0].tolist()}
            columns[name]["grid"] = {"edges": grid.tolist(), "counts": counts[name][1].tolist()}
    ordered = {name: {"kind": col["kind"], "role": col["role"], "dtype": col["dtype"],
                      **{k: v for k, v in col.items() if k not in ("kind", "role", "dtype")}}
               for name, col in columns.items()}
    return {"rows": rows, "columns": ordered}


def _new_accumulator(series: Any, override: str | None, max_categories: int) -> Any:
    import pandas as pd

    if override == "numeric":
        return _Numeric()
    if override == "datetime":
        return _Dates(text=not pd.api.types.is_datetime64_any_dtype(series.dtype))
    if override in ("categorical", "identifier"):
        return _Text()
    if is_text_like(series):
        if looks_like_dates(series):
            return _Dates(text=True)
        return _Text()
    kind = detect_kind(series, max_categories=max_categories)
    if kind == "numeric":
        return _Numeric()
    if kind == "datetime":
        return _Dates()
    return _Text()


def _text_profile(acc: _Text, override: str | None, max_categories: int) -> dict[str, Any]:
    non_null = acc.count - acc.null_count
    unique = len(acc.labels) if acc.labels is not None else int(round(acc.distinct.get_estimate()))
    kind = override or ("identifier" if acc.labels is None or (unique > max_categories and unique >= 0.5 * non_null)
                        else "categorical")
    common = {"count": acc.count, "null_count": acc.null_count,
              "null_fraction": acc.null_count / acc.count if acc.count else 0.0}
    if kind == "identifier":
        return {"kind": "identifier", **common, "unique_count": unique}
    if acc.labels is None:
        raise MonitorError("a column with more than 100,000 distinct values cannot be profiled as categorical.")
    ranked = sorted(acc.labels.items(), key=lambda item: (-item[1], item[0]))
    return {"kind": "categorical", **common, "categories": dict(ranked[:max_categories]),
            "other_count": int(sum(c for _, c in ranked[max_categories:])),
            "truncated": len(ranked) > max_categories, "mixed_types": acc.types_mixed}


class ChunkedBatch:
    """What the drift statistics need of a current batch, reduced chunk by chunk against a profile.

    Numeric columns keep exact counts in the profile's bin and grid edges, categorical columns exact
    category counts: the same numbers the in-memory :class:`~nbpromote.monitor._batch.Batch` gives.
    """

    def __init__(self, profile: Any, frames: Iterator[Any]) -> None:
        self.rows = 0
        self.columns: list[str] = []
        self._numeric: dict[str, dict[str, Any]] = {}
        self._categorical: dict[str, list[Any]] = {}
        for frame in frames:
            if len(frame) == 0:
                continue
            self.rows += len(frame)
            batch = Batch(frame)
            if not self.columns:
                self.columns = [str(c) for c in frame.columns]
            for name, col in profile.columns.items():
                if not batch.has(name) or col["kind"] not in ("numeric", "categorical"):
                    continue
                if col["kind"] == "numeric":
                    column = batch.numeric(name).column
                    acc = self._numeric.setdefault(name, {"missing": 0, "finite": 0, "counts": {}})
                    acc["missing"] += column.missing
                    acc["finite"] += column.finite.size
                    for key in ("bins", "grid"):
                        if col.get(key):
                            edges = tuple(col[key]["edges"])
                            got = cut_counts(column.finite, np.asarray(edges))
                            acc["counts"][edges] = acc["counts"].get(edges, 0) + got
                else:
                    labels, nulls, mixed = batch.categories(name)
                    seen = self._categorical.setdefault(name, [{}, 0, False])
                    for key, value in labels.items():
                        seen[0][key] = seen[0].get(key, 0) + value
                    seen[1] += nulls
                    seen[2] = seen[2] or mixed

    def __len__(self) -> int:
        return self.rows

    def has(self, name: str) -> bool:
        return name in self._numeric or name in self._categorical or name in self.columns

    def numeric_missing(self, name: str) -> int:
        return int(self._numeric[name]["missing"])

    def numeric_finite_count(self, name: str) -> int:
        return int(self._numeric[name]["finite"])

    def numeric_counts(self, name: str, edges: Any) -> np.ndarray:
        return np.asarray(self._numeric[name]["counts"][tuple(edges)])

    def categories(self, name: str) -> tuple[dict[str, int], int, bool]:
        labels, nulls, mixed = self._categorical[name]
        return labels, nulls, mixed
