"""Column primitives: binning on stored edges, quantiles, missing/inf accounting, kind detection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbpromote.monitor._columns import (
    category_counts,
    cut_counts,
    detect_kind,
    label_of,
    numeric_column,
    quantile_edges,
)


def test_quantile_edges_match_numpy_quantiles_without_interpolation(rng):
    values = np.sort(rng.normal(size=1001))
    expected = np.unique(np.quantile(values, np.linspace(0, 1, 11), method="lower"))
    assert np.allclose(quantile_edges(values, 10), expected, rtol=0, atol=1e-12)


def test_quantile_edges_collapse_repeated_values():
    assert quantile_edges(np.array([0.0, 0, 0, 1, 1]), 10).tolist() == [0.0, 1.0]
    assert quantile_edges(np.array([7.0]), 10).tolist() == [7.0]


def test_cut_counts_puts_each_value_in_one_bin():
    edges = np.array([0.0, 10.0, 20.0])
    data = np.sort(np.array([-5, 0, 5, 10, 15, 20, 25.0]))
    # (-inf,0) [0,10) [10,20) [20,inf)
    assert cut_counts(data, edges).tolist() == [1, 2, 2, 2]


def test_cut_counts_keeps_the_top_value_of_a_binary_column_apart():
    values = np.sort(np.array([0.0] * 6 + [1.0] * 4))
    edges = quantile_edges(values, 10)
    assert cut_counts(values, edges).tolist() == [0, 6, 4]


def test_cut_counts_of_a_constant_column_are_below_at_above():
    assert cut_counts(np.array([1.0, 3.0, 3.0, 9.0]), np.array([3.0])).tolist() == [1, 2, 1]


def test_numeric_column_counts_nulls_and_infinities_separately():
    col = numeric_column(pd.Series([1.0, np.nan, np.inf, -np.inf, 2.0, None]))
    assert col.count == 6
    assert col.null_count == 2
    assert col.nonfinite_count == 2
    assert col.finite.tolist() == [1.0, 2.0]


def test_numeric_column_reads_nullable_integers():
    col = numeric_column(pd.Series([3, None, 1], dtype="Int64"))
    assert col.finite.tolist() == [1.0, 3.0] and col.null_count == 1


@pytest.mark.parametrize("values, kind", [
    ([1, 2, 3], "numeric"),
    ([1.5, None], "numeric"),
    ([True, False], "categorical"),
    (["a", "b", "a"], "categorical"),
    (["2024-01-02", "2024-03-04"], "datetime"),
    (pd.to_datetime(["2024-01-02", "2024-03-04"]), "datetime"),
    ([f"C{i:05d}" for i in range(300)], "identifier"),
    ([1, "a", 2.5], "categorical"),
])
def test_detect_kind(values, kind):
    assert detect_kind(pd.Series(values), max_categories=100) == kind


def test_many_repeated_categories_are_not_identifiers():
    values = [f"c{i % 150}" for i in range(3000)]
    assert detect_kind(pd.Series(values), max_categories=100) == "categorical"


def test_category_counts_merge_csv_equivalent_labels_and_flag_mixed_types():
    labels, nulls, mixed = category_counts(pd.Series([1, 1.0, "1", "a", None, float("nan")],
                                                     dtype=object))
    assert labels == {"1": 3, "a": 1}
    assert nulls == 2
    assert mixed is True
    assert category_counts(pd.Series(["x", "y"]))[2] is False


def test_label_of():
    assert [label_of(v) for v in (True, 2.0, 2.5, "s", 7)] == ["True", "2", "2.5", "s", "7"]


def test_unused_levels_of_a_pandas_categorical_are_not_categories():
    series = pd.Series(pd.Categorical(["a", "a"], categories=["a", "b"]))
    assert category_counts(series)[0] == {"a": 2}


def test_parse_dates_of_a_column_with_only_missing_values_is_all_nat():
    from nbpromote.monitor._columns import parse_dates

    for missing in ([None], [float("nan"), None]):
        parsed = parse_dates(pd.Series(missing, dtype=object))
        assert parsed.isna().all() and pd.api.types.is_datetime64_any_dtype(parsed.dtype)
