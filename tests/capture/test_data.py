"""describe_value / track_names: the manifest's data entries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbpromote.capture import _data, describe_value, hash_value, track_names
from nbpromote.errors import CaptureError, UnsupportedTypeError


def test_entries_carry_hash_kind_shape_and_source(tmp_path):
    df = pd.DataFrame({"a": [1, 2, 3]})
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    entries = track_names({"df": df, "arr": np.zeros((2, 3)), "p": str(path), "s": df["a"]}, ["df", "arr", "p", "s"])
    assert entries["df"] == {"hash": hash_value(df), "kind": "DataFrame", "source": "variable", "shape": [3, 1],
                             "nbytes": entries["df"]["nbytes"]}
    assert entries["arr"]["shape"] == [2, 3] and entries["arr"]["kind"] == "ndarray"
    assert entries["p"]["kind"] == "file" and entries["p"]["size"] == 4
    assert entries["s"]["kind"] == "Series"


def test_missing_variables_are_all_named():
    with pytest.raises(CaptureError, match="'b', 'c' are not defined"):
        track_names({"a": np.zeros(1)}, ["a", "b", "c"])


def test_unsupported_type_says_which_types_are_supported():
    with pytest.raises(UnsupportedTypeError, match="'m' is a .*LinearRegression.*Supported: pandas"):
        from sklearn.linear_model import LinearRegression

        describe_value(LinearRegression(), name="m")
    with pytest.raises(UnsupportedTypeError, match="not an existing file"):
        describe_value("missing.csv", name="p")


def test_large_values_get_a_note_with_size_and_time(monkeypatch):
    monkeypatch.setattr(_data, "LARGE_BYTES", 1000)
    entry = describe_value(np.zeros(10_000), name="big")
    assert "large value" in entry["note"] and "GiB hashed in" in entry["note"]
    assert "note" not in describe_value(np.zeros(10), name="small")


def test_out_of_memory_while_hashing_is_a_clear_capture_error(monkeypatch):
    # Fault injection: a value too large for the memory left must not surface as a MemoryError
    # traceback from deep inside pandas.
    def exhausted(value, *, name=None):
        raise MemoryError

    monkeypatch.setattr(_data, "hash_value", exhausted)
    with pytest.raises(CaptureError, match="'df' .*could not be hashed: out of memory.*Track the file"):
        describe_value(pd.DataFrame({"a": np.zeros(10)}), name="df")
