"""%promote seed|track|env|status|save, run through a real IPython shell."""

from __future__ import annotations

import json
import os

import nbformat
import pytest

from nbpromote.capture import kernel, load_manifest
from nbpromote.magics import _capture


def run(sh, source):
    return sh.run_cell(source, store_history=True)


def test_seed_says_which_libraries_were_seeded(shell, capsys):
    result = run(shell, "%promote seed 42")
    assert result.success
    assert str(result.result).startswith("Seeded random, numpy")
    assert "PYTHONHASHSEED" in str(result.result) and os.environ["PYTHONHASHSEED"] == "42"
    assert kernel.get_session(shell).seeds.seed == 42


@pytest.mark.parametrize("line, message", [
    ("%promote seed", "exactly one integer"),
    ("%promote seed abc", "'abc' is not an integer"),
    ("%promote seed -5", "out of range"),
    ("%promote track", "at least one variable"),
    ("%promote track nope", "'nope' is not defined"),
    ("%promote track np", "builtins.module.*Supported: pandas DataFrame/Series"),
    ("%promote env --bogus", "unrecognized arguments: --bogus"),
    ("%promote status now", "takes no arguments"),
    ("%promote save a.ipynb b.ipynb", "at most one"),
])
def test_bad_input_is_one_line_on_stderr_and_the_kernel_lives(shell, capsys, line, message):
    run(shell, "import numpy as np")
    result = run(shell, line)
    err = capsys.readouterr().err
    assert result.success and result.result is None
    assert err.startswith("nbpromote: ") and err.count("\n") == 1
    assert "Traceback" not in err
    import re

    assert re.search(message, err), err
    assert run(shell, "1 + 1").result == 2


def test_track_records_hashes_of_data_variables(shell, tmp_path):
    (tmp_path / "d.csv").write_text("a\n1\n")
    run(shell, "import pandas as pd, numpy as np\ndf = pd.DataFrame({'a': [1, 2]})\narr = np.ones(3)\np = 'd.csv'")
    result = run(shell, "%promote track df arr p")
    text = str(result.result)
    assert "df: DataFrame [2, 1] xxh3_128:" in text and "arr: ndarray [3]" in text and "p: file 4" in text
    data = kernel.get_session(shell).data
    assert set(data) >= {"df", "arr", "p"}


def test_env_records_the_environment_and_writes_the_lock(shell, tmp_path):
    result = run(shell, "%promote env")
    assert "distributions; lock xxh3_128:" in str(result.result)
    assert "no git commit" in str(result.result)  # tmp_path is outside any repository
    lock = (tmp_path / "requirements.lock").read_text()
    assert "numpy==" in lock
    (tmp_path / "mine.txt").write_text("keep me\n")
    run(shell, "%promote env --lock mine.txt")
    assert (tmp_path / "mine.txt").read_text() == "keep me\n"
    run(shell, "%promote env --lock mine.txt --force")
    assert "numpy==" in (tmp_path / "mine.txt").read_text()
    run(shell, "%promote env --no-lock")
    assert kernel.get_session(shell).environment is not None


def test_status_is_html_in_jupyter_and_text_elsewhere(shell):
    run(shell, "%promote seed 1")
    run(shell, "import numpy as np\narr = np.zeros(2)")
    run(shell, "%promote track arr")
    view = run(shell, "%promote status").result
    assert "Seed" in repr(view) and "1 (random, numpy" in repr(view)
    assert "arr" in repr(view) and "Cells run" in repr(view)
    html = view._repr_html_()
    assert html.startswith("<div") and "<table>" in html and "arr" in html
    assert "not recorded yet" in repr(view)


def test_save_writes_manifest_into_the_notebook_and_beside_it(shell, tmp_path, make_notebook):
    path = make_notebook(tmp_path / "nb.ipynb", ["x = 1"], custom={"keep": 1})
    run(shell, "%promote seed 9")
    run(shell, "import numpy as np\narr = np.arange(3)")
    run(shell, "%promote track arr")
    result = run(shell, f"%promote save {path}")
    assert "metadata.nbpromote.manifest" in str(result.result)
    manifest = load_manifest(path)
    assert manifest["seeds"]["seed"] == 9 and "arr" in manifest["data"]
    assert manifest["notebook_hash"].startswith("sha256:")
    assert [r["execution_count"] for r in manifest["execution"]][:2] == [2, 3]
    saved = nbformat.read(str(path), as_version=4)
    assert saved.metadata["custom"] == {"keep": 1} and saved.cells[0].source == "x = 1"
    assert json.loads((tmp_path / "nb.manifest.json").read_text())["seeds"]["seed"] == 9


def test_save_finds_the_notebook_from_jupyter_server(shell, tmp_path, make_notebook, monkeypatch):
    path = make_notebook(tmp_path / "server.ipynb", ["x = 1"])
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    run(shell, "%promote save")
    assert load_manifest(path)["notebook"] == str(path)


def test_save_without_a_known_notebook_asks_for_the_path(shell, capsys):
    run(shell, "%promote save")
    assert "Pass its path: %promote save my_notebook.ipynb" in capsys.readouterr().err
    with pytest.raises(Exception, match="cannot tell which notebook"):
        _capture.notebook_path(shell, None)


def test_save_refuses_a_read_only_or_malformed_notebook(shell, tmp_path, make_notebook, capsys):
    path = make_notebook(tmp_path / "ro.ipynb", ["x = 1"])
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        run(shell, f"%promote save {path}")
        assert "read-only" in capsys.readouterr().err
        assert path.read_bytes() == before and not (tmp_path / "ro.manifest.json").exists()
    finally:
        path.chmod(0o644)
    bad = tmp_path / "v3.ipynb"
    bad.write_text(json.dumps({"nbformat": 2, "cells": []}))
    run(shell, f"%promote save {bad}")
    assert "nbformat 2" in capsys.readouterr().err
