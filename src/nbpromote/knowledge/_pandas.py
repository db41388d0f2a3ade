"""pandas: readers, row statistics, row subsets."""

from __future__ import annotations

from ._model import Library, names

PANDAS = Library(
    name="pandas",
    roots=frozenset({"pandas"}),
    readers=names("""
        read_csv read_table read_excel read_parquet read_json read_feather read_pickle read_hdf read_fwf
        read_orc read_stata read_sas read_spss read_xml read_sql read_sql_query read_sql_table read_html
        read_clipboard read_gbq ExcelFile HDFStore
    """),
    row_statistics=names("""
        mean median std var quantile describe mode min max sem skew kurt kurtosis agg aggregate
        value_counts nunique idxmax idxmin sum prod cov corr
    """),
    rowwise_statistics=names("qcut cut rank"),
)

#: DataFrame/Series methods that keep a subset of the rows.
ROW_SUBSET_METHODS = names("head tail sample query nlargest nsmallest take truncate")
#: Attributes of a frame/array that are not columns.
DATA_ATTRIBUTES = names("""
    values index columns shape dtypes dtype T iloc loc at iat str dt cat size ndim empty name plot array
    axes attrs flags style sparse data target frame feature_names target_names DESCR isna
""")
