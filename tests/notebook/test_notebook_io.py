"""read_notebook / write_notebook / notebook_hash: clear errors, upgrades, atomic writes."""

from __future__ import annotations

import json

import nbformat
import pytest

from nbpromote.errors import (
    NotebookFormatError,
    NotebookNotFoundError,
    NotebookWriteError,
    OutputExistsError,
)
from nbpromote.notebook import notebook_from_dict, notebook_hash, read_notebook, write_notebook


def v4(cells=("x = 1",), minor=5):
    nb = nbformat.v4.new_notebook()
    nb.nbformat_minor = minor
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    return nb


def test_reads_a_valid_notebook(tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(v4(["a = 1", "b = 2"]), str(path))
    nb = read_notebook(path)
    assert [c.source for c in nb.cells] == ["a = 1", "b = 2"]


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(NotebookNotFoundError, match="missing.ipynb does not exist"):
        read_notebook(tmp_path / "missing.ipynb")
    with pytest.raises(NotebookFormatError, match="is a directory"):
        read_notebook(tmp_path)


@pytest.mark.parametrize("content, message", [
    ('{"cells": [', "is not valid JSON \\(line 1"),
    ("[1, 2]", "JSON but not a notebook"),
    ('{"nbformat": 2, "cells": []}', "declares nbformat 2"),
    ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}', "does not match the nbformat 4 schema"),
])
def test_malformed_notebooks_name_the_file_and_the_problem(tmp_path, content, message):
    path = tmp_path / "bad.ipynb"
    path.write_text(content)
    with pytest.raises(NotebookFormatError, match=message) as info:
        read_notebook(path)
    assert str(path) in str(info.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "bin.ipynb"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(NotebookFormatError, match="not UTF-8"):
        read_notebook(path)


def test_nbformat_3_is_upgraded_in_memory_only(tmp_path):
    v3 = nbformat.v3.new_notebook(worksheets=[nbformat.v3.new_worksheet(cells=[nbformat.v3.new_code_cell(input="y = 2")])])
    path = tmp_path / "old.ipynb"
    path.write_text(nbformat.writes(v3, version=3))
    before = path.read_text()
    nb = read_notebook(path)
    assert nb.nbformat == 4 and nb.cells[0].source == "y = 2" and nb.cells[0].id
    assert path.read_text() == before


def test_missing_and_duplicate_cell_ids_are_filled_in_stably():
    raw = json.loads(nbformat.writes(v4(["a", "b", "c"], minor=4)))
    for cell in raw["cells"]:
        cell.pop("id", None)
    nb = notebook_from_dict(raw)
    assert [c.id for c in nb.cells] == ["cell-0", "cell-1", "cell-2"]
    raw5 = json.loads(nbformat.writes(v4(["a", "b"])))
    raw5["cells"][1]["id"] = raw5["cells"][0]["id"]
    ids = [c.id for c in notebook_from_dict(raw5).cells]
    assert len(set(ids)) == 2


def test_write_is_atomic_and_respects_overwrite(tmp_path):
    path = tmp_path / "out.ipynb"
    write_notebook(v4(["a = 1"]), path)
    assert read_notebook(path).cells[0].source == "a = 1"
    with pytest.raises(OutputExistsError, match="--force"):
        write_notebook(v4(["b = 1"]), path, overwrite=False)
    assert read_notebook(path).cells[0].source == "a = 1"
    assert [p.name for p in tmp_path.iterdir()] == ["out.ipynb"]  # no temp files left


def test_invalid_notebook_is_not_written(tmp_path):
    nb = v4()
    nb.cells[0]["cell_type"] = "bogus"
    path = tmp_path / "x.ipynb"
    with pytest.raises(NotebookFormatError, match="Refusing to write"):
        write_notebook(nb, path)
    assert not path.exists()


def test_read_only_notebook_and_missing_directory(tmp_path):
    path = tmp_path / "ro.ipynb"
    write_notebook(v4(["a = 1"]), path)
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        with pytest.raises(NotebookWriteError, match="read-only"):
            write_notebook(v4(["b = 2"]), path)
        assert path.read_bytes() == before
    finally:
        path.chmod(0o644)
    with pytest.raises(NotebookWriteError, match="does not exist"):
        write_notebook(v4(), tmp_path / "no" / "x.ipynb")


def test_notebook_hash_covers_code_and_tags_not_outputs():
    a = v4(["x = 1"])
    b = v4(["x = 1"])
    b.cells[0].outputs = [nbformat.v4.new_output("stream", text="hi")]
    b.cells[0].execution_count = 7
    b.cells[0].id = "other"
    assert notebook_hash(a) == notebook_hash(b)
    assert notebook_hash(a).startswith("sha256:")
    c = v4(["x = 2"])
    d = v4(["x = 1"])
    d.cells[0].metadata["tags"] = ["stage:train"]
    assert len({notebook_hash(a), notebook_hash(c), notebook_hash(d)}) == 3
