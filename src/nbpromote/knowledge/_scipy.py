"""SciPy: statistics over rows, readers."""

from __future__ import annotations

from ._model import Library, names

SCIPY = Library(
    name="scipy",
    roots=frozenset({"scipy"}),
    readers=names("loadmat loadarff mmread"),
    row_statistics=names("mean median std var iqr sem skew kurtosis mode trim_mean describe percentileofscore"),
    rowwise_statistics=names("zscore boxcox yeojohnson rankdata minmax_scale"),
    random_draws=names("rvs"),
)
