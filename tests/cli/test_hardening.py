"""Inputs and faults that used to end in a traceback: one line and an exit code of 0/1/2."""

import errno
import json

import pytest

from nbpromote.cli import main


def _nb(path, cells, minor=2):
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": minor, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": meta, "execution_count": None, "outputs": [], "source": source}
        for source, meta in cells]}))
    return path


def _run(capsys, *argv):
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    return exited.value.code, out, err


@pytest.mark.parametrize("minor", [2, 4, 5])
def test_a_notebook_without_cell_ids_is_read_with_generated_ids(tmp_path, capsys, minor):
    nb = _nb(tmp_path / "old.ipynb", [("import pandas as pd", {}), ("df = pd.read_csv('d.csv')", {})], minor=minor)
    code, out, _err = _run(capsys, "suggest-tags", str(nb), "--write")
    assert code == 0 and "wrote tags" in out


@pytest.mark.parametrize("command", [["suggest-tags", "--write"], ["stages"], ["export", "--allow-findings"]])
def test_metadata_nested_500_deep_is_one_line(tmp_path, capsys, command):
    deep = {}
    node = deep
    for _ in range(500):
        node["a"] = {}
        node = node["a"]
    nb = _nb(tmp_path / "deep.ipynb", [("x = 1", {"deep": deep})])
    code, _out, err = _run(capsys, command[0], str(nb), *command[1:])
    assert code == 2 and "nested more than" in err and "Traceback" not in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("command", [["suggest-tags", "--write"], ["export", "--allow-findings"]])
def test_a_lone_surrogate_is_one_line_naming_the_cell(tmp_path, capsys, command):
    nb = tmp_path / "surrogate.ipynb"
    nb.write_text('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "id": "a", '
                  '"metadata": {}, "execution_count": null, "outputs": [], "source": "s = \'\\ud800\'"}]}')
    code, _out, err = _run(capsys, command[0], str(nb), *command[1:])
    assert code == 2 and "cell 1 contains a lone surrogate" in err


def test_lint_keeps_reporting_an_unreadable_notebook_as_a_finding(tmp_path, capsys):
    nb = tmp_path / "surrogate.ipynb"
    nb.write_text('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "id": "a", '
                  '"metadata": {}, "execution_count": null, "outputs": [], "source": "s = \'\\ud800\'"}]}')
    code, _out, _err = _run(capsys, "lint", str(nb))
    assert code == 1


def test_a_full_disk_during_suggest_tags_write_is_one_line(tmp_path, capsys, monkeypatch):
    nb = _nb(tmp_path / "nb.ipynb", [("import pandas as pd", {}), ("df = pd.read_csv('d.csv')", {})], minor=5)
    before = nb.read_bytes()

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(nb))

    monkeypatch.setattr("nbpromote.export._suggest.write_notebook", full)
    code, _out, err = _run(capsys, "suggest-tags", str(nb), "--write")
    assert code == 2 and "no space left on the device" in err and "Traceback" not in err
    assert nb.read_bytes() == before


def _disk_fills_up(monkeypatch):
    """Every atomic write (notebooks, packages, reports, registry artifacts) fails as on a full disk."""
    import nbpromote._io

    def full(fd, *_args, **_kwargs):
        import os

        os.close(fd)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(nbpromote._io.os, "fdopen", full)


def test_a_full_disk_during_export_is_one_line_and_leaves_no_package(tmp_path, capsys, monkeypatch):
    nb = _nb(tmp_path / "nb.ipynb", [("x = 1", {"tags": ["stage:a"]}), ("y = x + 1", {"tags": ["stage:b"]})])
    _disk_fills_up(monkeypatch)
    code, _out, err = _run(capsys, "export", str(nb), "-o", str(tmp_path / "pkg"), "--allow-findings")
    assert code == 2 and "no space left on the device" in err and "Traceback" not in err
    assert not (tmp_path / "pkg").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "a temporary was left behind"


def test_a_full_disk_during_monitor_output_is_one_line(tmp_path, capsys, monkeypatch):
    import pandas as pd

    frame = pd.DataFrame({"a": [float(i) for i in range(50)], "b": ["x", "y"] * 25})
    frame.to_csv(tmp_path / "ref.csv", index=False)
    frame.to_csv(tmp_path / "cur.csv", index=False)
    _disk_fills_up(monkeypatch)
    code, _out, err = _run(capsys, "monitor", str(tmp_path / "ref.csv"), str(tmp_path / "cur.csv"),
                           "--format", "html", "-o", str(tmp_path / "report.html"))
    assert code == 2 and "no space left on the device" in err and "Traceback" not in err
    assert not (tmp_path / "report.html").exists()


def test_a_full_disk_during_registry_register_is_one_line_and_registers_nothing(tmp_path, capsys, monkeypatch):
    import pickle

    from sklearn.linear_model import LogisticRegression

    model = tmp_path / "model.pkl"
    model.write_bytes(pickle.dumps(LogisticRegression().fit([[0.0], [1.0]], [0, 1])))
    db = str(tmp_path / "registry.db")
    _disk_fills_up(monkeypatch)
    code, _out, err = _run(capsys, "registry", "register", "m", str(model), "--metrics", '{"accuracy": 0.9}',
                           "--db", db)
    assert code == 2 and "no space left on the device" in err and "Traceback" not in err
    monkeypatch.undo()
    code, out, _err = _run(capsys, "registry", "list", "--db", db)
    assert code == 0 and "No models registered." in out
