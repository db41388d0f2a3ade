"""``nbpromote capture``: argument parsing, one core call, text and JSON output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

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
    assert callable(progress) and progress.mode == "off"  # --json in a log (CliRunner's stderr is no terminal)
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


@pytest.fixture
def slow_notebook(tmp_path, make_notebook):
    return make_notebook(tmp_path / "slow.ipynb", ["import time\nn = 2", "# train\ntime.sleep(1.5)\nx = n * 21",
                                                   "print(x)"])


@pytest.mark.slow
def test_on_a_terminal_capture_draws_a_cell_bar_on_stderr_and_stdout_stays_one_json_document(
        slow_notebook, stderr_on_pty):
    command = [sys.executable, "-m", "nbpromote", "capture", str(slow_notebook), "--json"]
    code, out, terminal = stderr_on_pty(command, cwd=str(slow_notebook.parent))
    assert code == 0, terminal
    assert json.loads(out)["manifest"]["notebook"] == str(slow_notebook)
    frames = terminal.split("\r")
    assert any("cell 2: time.sleep(1.5)" in f and "1/3 cells [00:0" in f for f in frames)
    assert any(f.startswith("capture slow.ipynb") and "100%" in f and "3/3 cells" in f for f in frames)
    assert "ETA" not in terminal  # the first capture has nothing to estimate from

    code, out, terminal = stderr_on_pty(command, cwd=str(slow_notebook.parent))  # now the last capture's durations
    assert code == 0 and json.loads(out)["notebook"].endswith("slow.captured.ipynb")
    assert any("cell 2: time.sleep(1.5)" in f and re.search(r"ETA 00:0[2-9]\]", f) for f in terminal.split("\r"))


@pytest.mark.slow
def test_in_a_log_capture_prints_a_plain_line_per_cell_and_nothing_under_json(slow_notebook):
    command = [sys.executable, "-m", "nbpromote", "capture", str(slow_notebook)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    text = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert text.returncode == 0, text.stderr
    lines = [line for line in text.stderr.splitlines() if line.startswith("capture slow.ipynb")]
    assert "\r" not in text.stderr
    assert lines[0] == "capture slow.ipynb: 3 code cells"
    assert lines[2].startswith("capture slow.ipynb [2/3] cell 2 done in 1.") and lines[2].endswith(": time.sleep(1.5)")
    assert lines[-1].startswith("capture slow.ipynb: ok after ") and lines[-1].endswith("(3/3 cells)")
    assert text.stdout.startswith("Executed ")  # the summary on stdout, progress on stderr

    machine = subprocess.run(command + ["--json"], capture_output=True, text=True, env=env, timeout=300)
    assert machine.returncode == 0 and json.loads(machine.stdout)["identity"].startswith("xxh3_128:")
    assert "capture slow.ipynb" not in machine.stderr
