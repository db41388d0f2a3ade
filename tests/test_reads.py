"""The read recorder sees a file however the code names it and whichever library reads it."""

from __future__ import annotations

import os
import pickle
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbpromote._reads import changed_reads, ignore_path, record_reads


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 0.25, 0.125]}).to_csv(folder / "train.csv", index=False)
    monkeypatch.chdir(tmp_path)
    return folder


def _names(reads) -> set[str]:
    return set(reads.to_dict())


# --- every way of naming a file ------------------------------------------------------------------
def test_a_literal_relative_path_is_recorded_relative_to_the_working_directory(data: Path) -> None:
    with record_reads() as reads:
        pd.read_csv("data/train.csv")
    assert _names(reads) == {"data/train.csv"}
    info = reads.to_dict()["data/train.csv"]
    assert info["size"] == (data / "train.csv").stat().st_size
    assert info["hash"].startswith("xxh3_128:")
    assert info["path"] == str(data / "train.csv")


def test_a_path_built_by_concatenation_is_recorded(data: Path) -> None:
    path = "data/"
    with record_reads() as reads:
        pd.read_csv(path + "train.csv")
    assert _names(reads) == {"data/train.csv"}


def test_os_path_join_fstrings_and_pathlib_division_are_recorded(data: Path) -> None:
    folder, stem = "data", "train"
    with record_reads() as reads:
        pd.read_csv(os.path.join(folder, "train.csv"))
    assert _names(reads) == {"data/train.csv"}
    with record_reads() as reads:
        pd.read_csv(f"{folder}/{stem}.csv")
    assert _names(reads) == {"data/train.csv"}
    with record_reads() as reads:
        pd.read_csv(Path(folder) / "train.csv")
    assert _names(reads) == {"data/train.csv"}


def test_an_absolute_path_from_a_dict_valued_parameter_is_recorded_absolute(data: Path) -> None:
    params = {"files": {"train": str(data / "train.csv")}}
    with record_reads() as reads:
        pd.read_csv(params["files"]["train"])
    assert _names(reads) == {str(data / "train.csv")}


# --- every reader --------------------------------------------------------------------------------
def test_open_and_pathlib_reads_are_recorded_but_writes_are_not(data: Path) -> None:
    (data / "notes.txt").write_text("hello")
    with record_reads() as reads:
        with open("data/notes.txt") as handle:
            handle.read()
        Path("data/train.csv").read_bytes()
        Path("out.txt").write_text("written, not read")
    assert _names(reads) == {"data/notes.txt", "data/train.csv"}
    assert str(data.parent / "out.txt") in reads.written


def test_a_file_the_block_writes_and_then_reads_back_is_not_an_input(data: Path) -> None:
    with record_reads() as reads:
        Path("scratch.csv").write_text("x\n1\n")
        pd.read_csv("scratch.csv")
    assert _names(reads) == set()


def test_numpy_joblib_and_pickle_loads_are_recorded(data: Path) -> None:
    joblib = pytest.importorskip("joblib")
    np.save(data / "arr.npy", np.arange(5))
    joblib.dump({"w": 1}, data / "model.joblib")
    (data / "obj.pkl").write_bytes(pickle.dumps([1, 2]))
    np.savetxt(data / "arr.txt", np.arange(3))
    with record_reads() as reads:
        np.load("data/arr.npy")
        np.loadtxt("data/arr.txt")
        joblib.load("data/model.joblib")
        with open("data/obj.pkl", "rb") as handle:
            pickle.load(handle)
    assert _names(reads) == {"data/arr.npy", "data/arr.txt", "data/model.joblib", "data/obj.pkl"}


def test_parquet_read_by_pyarrow_outside_pythons_open_is_recorded(data: Path) -> None:
    pytest.importorskip("pyarrow")
    pd.read_csv(data / "train.csv").to_parquet(data / "train.parquet")
    with record_reads() as reads:
        pd.read_parquet("data/train.parquet")
    assert _names(reads) == {"data/train.parquet"}
    import pyarrow.parquet as pq

    with record_reads() as reads:
        pq.read_table(str(data / "train.parquet"))
    assert _names(reads) == {str(data / "train.parquet")}


def test_a_parquet_dataset_directory_records_each_file(data: Path) -> None:
    pytest.importorskip("pyarrow")
    folder = data / "dataset"
    folder.mkdir()
    frame = pd.read_csv(data / "train.csv")
    frame.iloc[:2].to_parquet(folder / "part-0.parquet")
    frame.iloc[2:].to_parquet(folder / "part-1.parquet")
    with record_reads() as reads:
        assert len(pd.read_parquet("data/dataset")) == 3
    assert _names(reads) == {"data/dataset/part-0.parquet", "data/dataset/part-1.parquet"}


def test_excel_reads_are_recorded(data: Path) -> None:
    pytest.importorskip("openpyxl")
    pd.read_csv(data / "train.csv").to_excel(data / "book.xlsx", index=False)
    with record_reads() as reads:
        assert len(pd.read_excel("data/book.xlsx")) == 3
    assert _names(reads) == {"data/book.xlsx"}


def test_sqlite_databases_are_recorded(data: Path) -> None:
    import sqlite3

    sqlite3.connect(data / "db.sqlite").close()
    with record_reads() as reads:
        sqlite3.connect("data/db.sqlite").close()
    assert _names(reads) == {"data/db.sqlite"}


# --- what is not recorded -------------------------------------------------------------------------
def test_imports_python_files_and_excluded_paths_are_not_reads(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (data.parent / "user_module_for_reads.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(data.parent))
    store = data.parent / "store"
    store.mkdir()
    (store / "blob.bin").write_bytes(b"x")
    (data.parent / "ignored").mkdir()
    (data.parent / "ignored" / "f.txt").write_text("y")
    ignore_path(data.parent / "ignored")
    with record_reads(exclude=[store]) as reads:
        import xml.dom.minidom  # noqa: F401

        import user_module_for_reads  # noqa: F401 - an import reads code, not data
        (store / "blob.bin").read_bytes()
        (data.parent / "ignored" / "f.txt").read_text()
        open("/proc/self/status").read()
    assert _names(reads) == set()


def test_nothing_is_recorded_outside_a_block_and_nested_blocks_both_see_inner_reads(data: Path) -> None:
    pd.read_csv("data/train.csv")
    (data / "b.txt").write_text("b")
    with record_reads() as outer:
        Path("data/b.txt").read_text()
        with record_reads() as inner:
            pd.read_csv("data/train.csv")
    assert _names(inner) == {"data/train.csv"}
    assert _names(outer) == {"data/b.txt", "data/train.csv"}


def test_reads_in_another_thread_go_to_its_own_recorder_only(data: Path) -> None:
    (data / "other.txt").write_text("o")
    seen: dict[str, set[str]] = {}

    def work() -> None:
        with record_reads() as mine:
            Path("data/other.txt").read_text()
        seen["thread"] = set(mine.to_dict())

    with record_reads() as main:
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        pd.read_csv("data/train.csv")
    assert seen["thread"] == {"data/other.txt"}
    assert _names(main) == {"data/train.csv"}


def test_all_threads_recorders_see_reads_of_threads_they_start(data: Path) -> None:
    with record_reads(all_threads=True) as reads:
        thread = threading.Thread(target=lambda: Path("data/train.csv").read_text())
        thread.start()
        thread.join()
    assert _names(reads) == {"data/train.csv"}


# --- re-checking ---------------------------------------------------------------------------------
def test_changed_reads_checks_size_and_mtime_first_then_content(data: Path) -> None:
    with record_reads() as reads:
        pd.read_csv("data/train.csv")
    recorded = reads.to_dict()
    assert changed_reads(recorded) == []
    target = data / "train.csv"
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    assert changed_reads(recorded) == []  # touched, same bytes
    target.write_text(target.read_text().replace("0.5", "0.7"))
    assert changed_reads(recorded) == ["data/train.csv changed"]
    target.unlink()
    assert changed_reads(recorded) == ["data/train.csv is missing"]


def test_relative_reads_are_rechecked_against_the_given_directory(data: Path, tmp_path: Path) -> None:
    with record_reads() as reads:
        pd.read_csv("data/train.csv")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "data").mkdir(parents=True)
    (elsewhere / "data" / "train.csv").write_text("a,b\n9,9\n")
    assert changed_reads(reads.to_dict(), cwd=elsewhere) == ["data/train.csv changed"]
