"""One pass over an incoming batch, shared by the validation gate and the drift statistics.

Each column is reduced at most once (numeric: coerced to float and sorted; categorical: one
``value_counts``), so validating and drift-testing the same batch costs one reduction, not two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._columns import NumericColumn, category_counts, cut_counts, numeric_column

__all__ = ["Batch", "CoercedNumeric"]


@dataclass
class CoercedNumeric:
    """A current column read as numbers for a numeric reference column.

    ``column`` holds the statistics view; ``values`` the float values in row order (NaN where
    missing); ``uncoercible`` marks values that were present but are not numbers (text in an
    int column), or is None when the column already had a numeric dtype.
    """

    column: NumericColumn
    values: np.ndarray
    uncoercible: np.ndarray | None


class Batch:
    """Lazily reduced view of a current DataFrame, keyed by column name."""

    def __init__(self, df: Any) -> None:
        from ..errors import MonitorError

        if not df.columns.is_unique:
            dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
            raise MonitorError(f"the batch has duplicate column names: {', '.join(dupes)}; "
                               "rename or drop them.")
        self.df = df
        self._numeric: dict[str, CoercedNumeric] = {}
        self._categorical: dict[str, tuple[dict[str, int], int, bool]] = {}

    def __len__(self) -> int:
        return len(self.df)

    def has(self, name: str) -> bool:
        return name in self._names()

    def _names(self) -> dict[str, Any]:
        if not hasattr(self, "_name_map"):
            self._name_map = {str(c): c for c in self.df.columns}
        return self._name_map

    def series(self, name: str) -> Any:
        return self.df[self._names()[name]]

    def numeric(self, name: str) -> CoercedNumeric:
        """The column as numbers (text that is not a number becomes NaN and is marked)."""
        if name not in self._numeric:
            import pandas as pd

            series = self.series(name)
            uncoercible = None
            if pd.api.types.is_bool_dtype(series.dtype):
                series = series.astype("float64")
            elif not (pd.api.types.is_numeric_dtype(series.dtype)
                      or pd.api.types.is_datetime64_any_dtype(series.dtype)):
                coerced = pd.to_numeric(series, errors="coerce")
                uncoercible = (coerced.isna() & series.notna()).to_numpy()
                series = coerced
            if pd.api.types.is_datetime64_any_dtype(series.dtype):
                values = series.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
                values[series.isna().to_numpy()] = np.nan
            elif series.dtype == np.float64:
                values = series.to_numpy()  # no copy: NaN already marks missing values
            else:
                values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            self._numeric[name] = CoercedNumeric(numeric_column(values), values, uncoercible)
        return self._numeric[name]

    def numeric_missing(self, name: str) -> int:
        """Missing and non-finite values of the column read as numbers."""
        return self.numeric(name).column.missing

    def numeric_finite_count(self, name: str) -> int:
        """Finite values of the column read as numbers."""
        return int(self.numeric(name).column.finite.size)

    def numeric_counts(self, name: str, edges: Any) -> np.ndarray:
        """Counts of the column's finite values in the bins ``edges`` define (see ``cut_counts``)."""
        return cut_counts(self.numeric(name).column.finite, np.asarray(edges, dtype=np.float64))

    def categories(self, name: str) -> tuple[dict[str, int], int, bool]:
        """``({label: count}, null_count, mixed_types)`` of the column."""
        if name not in self._categorical:
            self._categorical[name] = category_counts(self.series(name))
        return self._categorical[name]
