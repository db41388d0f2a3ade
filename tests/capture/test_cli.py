"""``nbpromote capture``: argument parsing, one core call, text and JSON output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nbpromote.cli import _capture as capture_cli
from nbpromote.cli import cli


def test_cli_passes_its_arguments_to_capture_notebook(tmp_path, monkeypatch):
    calls = []

    class Result:
        def to_dict(self):
            return {"notebook": "out.ipynb"}

    def fake(notebook, output, parameters, **kwargs):
        calls.append((notebook, output, parameters, kwargs))
        return Result()

    monkeypatch.setattr("nbpromote.capture.capture_notebook", fake)
    result = CliRunner().invoke(
        cli, ["capture", "nb.ipynb", "-o", "o.ipynb", "-p", "n", "5", "-p", "name", "x", "--force", "--json"]
    )
    assert result.exit_code == 0, result.output
    progress = calls[0][3].pop("progress")
    assert calls == [("nb.ipynb", "o.ipynb", {"n": 5, "name": "x"},
                      {"cwd": None, "force": True, "kernel_name": None, "track_rows": True})]
    assert callable(progress) and progress.mode == "lines"  # CliRunner's stderr is no terminal
    assert json.loads(result.output) == {"notebook": "out.ipynb"}


@pytest.mark.slow
def test_capture_end_to_end_json_and_text(tmp_path, make_notebook):
    from nbpromote.capture import CaptureResult, load_manifest

    path = make_notebook(tmp_path / "nb.ipynb", [("n = 1", ["parameters"]), "%promote seed 7",
                                                 "import numpy as np\narr = np.arange(n)", "%promote track arr",
                                                 "import random\nrandom.seed(None)\nrng = np.random.default_rng()"])
    result = CliRunner().invoke(cli, ["capture", str(path), "-p", "n", "4", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)  # exactly one JSON document on stdout
    assert document["notebook"] == str(tmp_path / "nb.captured.ipynb")
    assert document["manifest"]["data"]["arr"]["shape"] == [4]
    assert document["identity"].startswith("xxh3_128:")
    captured = CaptureResult(tmp_path / "nb.captured.ipynb", tmp_path / "nb.captured.manifest.json",
                             load_manifest(tmp_path / "nb.captured.ipynb"))
    text = capture_cli.render_text(captured, str(path))
    assert "seed       7 (random, numpy" in text and "data       arr: ndarray" in text
    assert "unseeded cells: 1" in text and "np.random.default_rng" in text
    assert f"identity {document['identity']}" in text


@pytest.mark.slow
def test_a_failing_notebook_exits_non_zero_with_one_line(tmp_path, make_notebook, capsys):
    from nbpromote.cli import main

    path = make_notebook(tmp_path / "nb.ipynb", ["raise KeyError('gone')"])
    with pytest.raises(SystemExit) as exit_info:
        main(["capture", str(path), "--json"])
    captured = capsys.readouterr()
    assert exit_info.value.code == 2 and captured.out == ""
    assert captured.err.startswith(f"nbpromote: error: {path}, cell 1 raised KeyError: 'gone'.")
    assert captured.err.count("\n") == 1


def test_capture_tracks_rows_and_lint_confirms_unless_no_rows(tmp_path, make_notebook):
    pytest.importorskip("sklearn")
    path = make_notebook(tmp_path / "leaky.ipynb", [
        "import numpy as np\nfrom sklearn.preprocessing import StandardScaler\n"
        "from sklearn.model_selection import train_test_split\nfrom sklearn.linear_model import LogisticRegression",
        "rng = np.random.RandomState(0)\nX = rng.normal(size=(400, 3))\ny = (X[:, 0] > 0).astype(int)",
        "X_scaled = StandardScaler().fit_transform(X)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, random_state=0)\n"
        "model = LogisticRegression().fit(X_train, y_train)\nprint(model.score(X_test, y_test))",
    ])
    result = CliRunner().invoke(cli, ["capture", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 learned from rows later evaluated" in result.output
    manifest = json.loads((tmp_path / "leaky.captured.manifest.json").read_text())
    [record] = [e for e in manifest["rows"]["evidence"] if e["learner"] == "StandardScaler"]
    assert (record["learned_rows"], record["shared_rows"]) == (400, 100)
    assert record["learned_at"] == {"cell": 2, "cell_id": manifest["execution"][2]["cell_id"],
                                    "execution_count": manifest["execution"][2]["execution_count"], "line": 1}
    untracked = CliRunner().invoke(cli, ["capture", str(path), "-o", str(tmp_path / "plain.ipynb"), "--no-rows",
                                         "--format", "json"])
    assert untracked.exit_code == 0, untracked.output
    assert json.loads(untracked.output)["manifest"]["rows"]["observed"] is False
