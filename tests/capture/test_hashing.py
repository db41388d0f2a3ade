"""hash_value / hash_file: content hashes that name their algorithm and are stable everywhere."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from nbpromote.capture import hashing
from nbpromote.capture.hashing import hash_bytes, hash_file, hash_json, hash_value
from nbpromote.errors import UnsupportedTypeError


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"x": np.arange(5, dtype="int64"), "y": np.linspace(0, 1, 5), "s": list("abcde"),
         "c": pd.Categorical(list("aabba"))},
    )


def test_hash_names_its_algorithm():
    assert hash_value(frame()).startswith("xxh3_128:")
    assert len(hash_value(frame()).split(":")[1]) == 32


def test_equal_content_gives_equal_hash_and_any_change_changes_it():
    base = hash_value(frame())
    assert hash_value(frame()) == base
    changed_value = frame()
    changed_value.loc[2, "y"] = 0.51
    renamed = frame().rename(columns={"x": "z"})
    retyped = frame().astype({"x": "int32"})
    reindexed = frame().set_axis([10, 11, 12, 13, 14])
    changed_string = frame()
    changed_string.loc[0, "s"] = "A"
    reordered = frame()[["y", "x", "s", "c"]]
    for other in (changed_value, renamed, retyped, reindexed, changed_string, reordered):
        assert hash_value(other) != base


def test_hash_is_identical_in_another_process():
    # Python's str hash is salted per process; the data hash must not be.
    code = (
        "import numpy as np, pandas as pd\n"
        "from nbpromote.capture.hashing import hash_value\n"
        "df = pd.DataFrame({'x': np.arange(5, dtype='int64'), 'y': np.linspace(0, 1, 5), 's': list('abcde'),"
        " 'c': pd.Categorical(list('aabba'))})\n"
        "print(hash_value(df))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}).stdout.strip()
    assert out == hash_value(frame())


def test_series_and_index_are_hashed_by_content():
    s = pd.Series([1.0, 2.0, None], name="v")
    assert hash_value(s) == hash_value(pd.Series([1.0, 2.0, None], name="v"))
    assert hash_value(s) != hash_value(s.rename("w"))
    assert hash_value(pd.Index([1, 2])) != hash_value(pd.Index([2, 1]))


def test_ndarray_byte_order_does_not_matter_but_dtype_and_shape_do():
    little = np.arange(12, dtype="<f8")
    big = little.astype(">f8")
    assert hash_value(little) == hash_value(big)
    assert hash_value(little) != hash_value(little.astype("f4"))
    assert hash_value(little) != hash_value(little.reshape(3, 4))
    assert hash_value(np.asfortranarray(little.reshape(3, 4))) == hash_value(little.reshape(3, 4))


def test_object_array_is_hashed_by_value():
    assert hash_value(np.array(["a", "b"], dtype=object)) == hash_value(np.array(["a", "b"], dtype=object))
    assert hash_value(np.array(["a", "b"], dtype=object)) != hash_value(np.array(["b", "a"], dtype=object))


def test_string_columns_hash_the_same_whatever_the_slice_size(monkeypatch):
    df = pd.DataFrame({"s": [f"row{i}" for i in range(2500)], "n": np.arange(2500)})
    whole = hash_value(df)
    monkeypatch.setattr(hashing, "_ROWS", 7)
    assert hash_value(df) == whole


def test_numeric_column_is_not_copied(monkeypatch):
    # The memoryview fed to xxh3 must point into the DataFrame's own buffer.
    df = pd.DataFrame({"x": np.arange(100_000, dtype="float64")})
    seen = []
    original = hashing._update_array

    def spy(hasher, array):
        seen.append(np.shares_memory(array, df["x"].to_numpy(copy=False)))
        return original(hasher, array)

    monkeypatch.setattr(hashing, "_update_array", spy)
    hash_value(df)
    assert seen and all(seen)


def test_bytes_json_and_files(tmp_path):
    target = tmp_path / "d.csv"
    target.write_bytes(b"a,b\n1,2\n")
    assert hash_file(target) == hash_bytes(b"a,b\n1,2\n") == hash_value(target) == hash_value(str(target))
    assert hash_json({"a": 1, "b": 2}) == hash_json({"b": 2, "a": 1})
    assert hash_json({"a": 1}) != hash_json({"a": 2})


def test_file_hash_is_cached_per_path_size_and_mtime(tmp_path):
    import os

    target = tmp_path / "d.csv"
    target.write_bytes(b"one")
    first = hash_file(target)
    key = next(k for k in hashing._FILE_CACHE if k[0] == str(target.resolve()))
    hashing._FILE_CACHE[key] = "xxh3_128:cached"
    assert hash_file(target) == "xxh3_128:cached"  # served from the cache, not re-read
    target.write_bytes(b"two!")
    os.utime(target, ns=(key[2] + 10**9, key[2] + 10**9))
    assert hash_file(target) not in {first, "xxh3_128:cached"}


def test_unsupported_type_names_the_supported_ones():
    with pytest.raises(UnsupportedTypeError, match="model.*DataFrame/Series, NumPy ndarray"):
        hash_value(object(), name="model")
    with pytest.raises(UnsupportedTypeError, match="not an existing file"):
        hash_value("no/such/file.csv", name="path")


def test_string_columns_hash_the_same_in_arrow_or_python_storage_and_any_chunking(monkeypatch):
    import pyarrow as pa

    values = ["a", "bb", None, "ccc", ""]
    arrow = pd.Series(pd.array(values, dtype=pd.StringDtype("pyarrow")))
    python = pd.Series(pd.array(values, dtype=pd.StringDtype("python")))
    chunked = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([values[:2], values[2:]], type=pa.large_string())))
    assert hash_value(arrow) == hash_value(python) == hash_value(chunked)
    monkeypatch.setattr(hashing, "_ROWS", 2)
    assert hash_value(arrow) == hash_value(python)


def test_string_content_nulls_and_boundaries_all_matter():
    def h(values):
        return hash_value(pd.Series(values, dtype="str"))

    base = h(["ab", "c", None])
    assert h(["ab", "c", None]) == base
    assert h(["a", "bc", None]) != base  # same bytes, different boundaries
    assert h(["ab", "c", ""]) != base    # null is not the empty string
    assert h(["ab", "d", None]) != base
    assert h([None, "ab", "c"]) != base


def test_string_index_is_hashed_by_content():
    a = pd.DataFrame({"v": [1, 2]}, index=pd.Index(["x", "y"], dtype="str"))
    assert hash_value(a) == hash_value(a.copy())
    assert hash_value(a) != hash_value(a.rename(index={"x": "z"}))
