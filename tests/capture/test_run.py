"""capture_notebook: a real papermill run in a real kernel, with capture on."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess

import nbformat
import pytest

from nbpromote.capture import capture_notebook, load_manifest, manifest_identity
from nbpromote.capture.hashing import hash_file
from nbpromote.errors import (
    CaptureError,
    NotebookFormatError,
    NotebookNotFoundError,
    OutputExistsError,
)

pytestmark = pytest.mark.slow

CELLS = [
    ("n = 3\nlabel = 'a'", ["parameters"]),
    "%promote seed 42",
    "import pandas as pd, numpy as np\ndf = pd.read_csv('data/d.csv')\nx = np.random.rand(n)",
    "%promote track df x",
    "print(label, n, x.round(6).tolist())",
]


def write_project(directory, make_notebook):
    (directory / "data").mkdir(exist_ok=True)
    (directory / "data" / "d.csv").write_text("a,b\n1,2\n3,4\n")
    return make_notebook(directory / "nb.ipynb", CELLS)


@pytest.fixture
def project(tmp_path, make_notebook):
    return write_project(tmp_path, make_notebook)


@pytest.fixture(scope="module")
def captured(tmp_path_factory):
    """One real papermill capture with parameters, shared by the tests that only read it."""
    from .conftest import make_notebook

    path = write_project(tmp_path_factory.mktemp("captured"), make_notebook)
    return path, capture_notebook(path, parameters={"n": 4, "label": "b"})


def test_capture_writes_executed_notebook_and_manifest(captured):
    project, result = captured
    assert result.notebook_path == project.with_name("nb.captured.ipynb")
    assert result.manifest_path == project.with_name("nb.captured.manifest.json")
    manifest = result.manifest
    assert manifest == load_manifest(result.notebook_path) == json.loads(result.manifest_path.read_text())
    # seeds, data, environment, git, order
    assert manifest["seeds"]["seed"] == 42 and manifest["seeds"]["unseeded_cells"] == []
    assert manifest["data"]["data/d.csv"]["hash"] == hash_file(project.parent / "data" / "d.csv")
    assert manifest["data"]["x"]["shape"] == [4]
    assert manifest["parameters"] == {"n": 4, "label": "b"}
    assert manifest["environment"]["packages"]["papermill"]
    assert manifest["git"]["commit"] is None and "not inside a git repository" in manifest["git"]["reason"]
    executed = nbformat.read(str(result.notebook_path), as_version=4)
    code_ids = [c.id for c in executed.cells if c.cell_type == "code"]
    assert [run["cell_id"] for run in manifest["execution"]] == code_ids  # incl. papermill's injected cell
    assert all(run["success"] for run in manifest["execution"])
    # papermill's parameters tag: the injected values win, our hidden cells are gone
    assert "injected-parameters" in executed.cells[1].metadata.tags
    assert executed.cells[-1].outputs[0]["text"].startswith("b 4 ")
    assert not any("nbpromote-injected" in c.metadata.get("tags", []) for c in executed.cells)
    assert executed.metadata.nbpromote["captured_from"] == str(project)
    assert manifest["data"]["data/d.csv"]["source"] == f"read by cell {code_ids[3]}"


def test_recapture_gives_the_same_hashes_and_identity(project, tmp_path, captured):
    out = tmp_path / "again.ipynb"
    first = capture_notebook(project, out)
    second = capture_notebook(project, out)  # an earlier capture is regenerated without --force
    assert first.manifest["data"] == second.manifest["data"]
    assert first.manifest["seeds"] == second.manifest["seeds"]
    assert manifest_identity(first.manifest) == manifest_identity(second.manifest)
    assert load_manifest(out) == second.manifest
    # other parameters (n=4 in the shared capture) change the data and the identity
    assert manifest_identity(captured[1].manifest) != manifest_identity(first.manifest)


def test_a_failing_cell_names_the_cell_and_keeps_the_partial_notebook(tmp_path, make_notebook):
    path = make_notebook(tmp_path / "bad.ipynb", ["a = 1", "raise ValueError('boom')", "b = 2"])
    seen = []
    with pytest.raises(CaptureError, match=r"bad.ipynb, cell 2 raised ValueError: boom.*written to .*bad.captured.ipynb") as info:
        capture_notebook(path, progress=seen.append)
    assert info.value.cell == 1 and info.value.exit_code == 2
    assert [(e["event"], e.get("cell"), e.get("status")) for e in seen][-2:] == [
        ("cell_finished", 1, "error"), ("capture_finished", None, "failed")]
    partial = nbformat.read(str(tmp_path / "bad.captured.ipynb"), as_version=4)
    assert any(o.get("ename") == "ValueError" for c in partial.cells if c.cell_type == "code" for o in c.outputs)
    assert not (tmp_path / "bad.captured.manifest.json").exists()


def test_progress_names_each_cell_as_it_runs_and_the_next_capture_has_an_eta(project):
    first, second = [], []
    capture_notebook(project, progress=first.append)
    finished = [e for e in first if e["event"] == "cell_finished"]
    assert [(e["index"], e["cell"], e["status"]) for e in finished] == [(i + 1, i, "ok") for i in range(5)]
    assert finished[2]["label"] == "import pandas as pd, numpy as…"
    assert first[0] == {"event": "capture_started", "notebook": "nb.ipynb", "total": 5, "eta_seconds": None}
    assert first[-1]["event"] == "capture_finished" and first[-1]["status"] == "ok"
    recorded = json.loads(project.with_name("nb.captured.manifest.json").read_text())["execution"]

    capture_notebook(project, progress=second.append)  # the same output: its manifest has durations
    started = [e for e in second if e["event"] == "cell_started"]
    assert [e["expected_seconds"] for e in started] == [r["duration_ms"] / 1000 for r in recorded]
    assert second[0]["eta_seconds"] == pytest.approx(sum(r["duration_ms"] for r in recorded) / 1000, abs=0.01)
    assert all(a["eta_seconds"] >= b["eta_seconds"] for a, b in itertools.pairwise(started))


def test_output_policy(project, tmp_path):
    mine = tmp_path / "mine.ipynb"
    mine.write_text("precious")
    with pytest.raises(OutputExistsError, match="not an earlier nbpromote capture"):
        capture_notebook(project, mine)
    assert mine.read_text() == "precious"
    with pytest.raises(OutputExistsError, match="is the input notebook"):
        capture_notebook(project, project)
    with pytest.raises(Exception, match="directory .* does not exist"):
        capture_notebook(project, tmp_path / "no" / "out.ipynb")
    capture_notebook(project, mine, force=True)  # --force replaces it
    assert load_manifest(mine)["seeds"]["seed"] == 42


def test_unreadable_notebooks_fail_before_any_kernel_starts(tmp_path):
    with pytest.raises(NotebookNotFoundError):
        capture_notebook(tmp_path / "none.ipynb")
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    with pytest.raises(NotebookFormatError, match="not valid JSON"):
        capture_notebook(bad)
    assert not (tmp_path / "bad.captured.ipynb").exists()


def test_a_missing_file_whose_path_differs_only_in_case_is_named(tmp_path, make_notebook):
    # Written on a case-insensitive file system: the folder is `Dataset`, the notebook reads `dataset`.
    (tmp_path / "Dataset").mkdir()
    (tmp_path / "Dataset" / "sugar.csv").write_text("a\n1\n")
    (tmp_path / "notebooks").mkdir()
    path = make_notebook(tmp_path / "notebooks" / "nb.ipynb",
                         ["import pandas as pd", "df = pd.read_csv('../dataset/sugar.csv')"])
    with pytest.raises(CaptureError, match=r"cell 2 raised FileNotFoundError.*'../Dataset/sugar.csv' exists: "
                                           r"the path differs only in letter case"):
        capture_notebook(path)


def test_a_missing_file_found_elsewhere_near_the_notebook_is_named(tmp_path, make_notebook):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "sugar.csv").write_text("a\n1\n")
    path = make_notebook(tmp_path / "nb.ipynb", ["import pandas as pd", "df = pd.read_csv('sugar.csv')"])
    with pytest.raises(CaptureError, match=r"A file named sugar.csv is at 'raw/sugar.csv'"):
        capture_notebook(path)


def test_a_missing_module_is_named_with_the_distribution_to_install(tmp_path, make_notebook):
    # the import name and the name on PyPI differ: the hint names the one pip needs
    path = make_notebook(tmp_path / "nb.ipynb", ["import pandas as pd", "from Crypto.Cipher import AES"])
    with pytest.raises(CaptureError, match=r"cell 2 raised ModuleNotFoundError: No module named 'Crypto'\. "
                                           r"Install it into the environment kernel '.+' runs in \(pip install pycryptodome\)"):
        capture_notebook(path)


def test_a_python_notebook_naming_a_kernel_this_machine_lacks_runs_in_python3(tmp_path, make_notebook):
    # Notebooks carry their author's kernel (a conda env's): a Python one runs here in python3, said once.
    path = make_notebook(tmp_path / "nb.ipynb", ["x = 1", "print(x + 1)"])
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["kernelspec"] = {"name": "conda-env-trees-py", "display_name": "Python [conda env:trees]",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    result = capture_notebook(path)
    assert result.notes == ["the notebook names kernel 'conda-env-trees-py', which is not installed here: ran "
                            "it with 'python3' (pass --kernel NAME to choose)."]
    assert len(result.manifest["execution"]) == 2


def test_unknown_kernel_is_a_capture_error(project):
    with pytest.raises(CaptureError, match="kernel 'no-such-kernel'"):
        capture_notebook(project, kernel_name="no-such-kernel")


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_missing_cell_ids_and_git_repository(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    raw = {"nbformat": 4, "nbformat_minor": 4, "metadata": {},
           "cells": [{"cell_type": "code", "metadata": {}, "source": "y = 2", "outputs": [], "execution_count": None}]}
    (tmp_path / "old.ipynb").write_text(json.dumps(raw))
    git("init", "-q")
    git("add", ".")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "x")
    result = capture_notebook(tmp_path / "old.ipynb")
    assert len(result.manifest["git"]["commit"]) == 40 and result.manifest["git"]["dirty"] is False
    assert result.manifest["execution"][0]["cell_id"] == "cell-0"


def test_the_credit_risk_example_notebook(tmp_path):
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "notebooks" / "credit_risk.ipynb"
    if not example.exists():
        pytest.skip("notebooks/credit_risk.ipynb is not there yet")
    result = capture_notebook(example, tmp_path / "credit.captured.ipynb")
    manifest = result.manifest
    assert manifest["seeds"]["seed"] == 42
    assert manifest["data"]["data/credit.csv"]["hash"] == hash_file(example.parent / "data" / "credit.csv")
    assert manifest["git"]["commit"]  # the repository's commit
    assert (tmp_path / "credit.captured.manifest.json").exists()


def test_nbdev_eval_false_cells_are_not_run_and_a_failing_skip_cell_does_not_stop_the_capture(tmp_path):
    # nbdev's `#| eval: false` example cell would exit the kernel; Kale's serving cell needs Kale
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("#| export\nimport json\nx = 1"),
        nbformat.v4.new_code_cell("#| eval: false\nraise SystemExit('an example nbdev never runs')"),
        nbformat.v4.new_code_cell("from kale.common.serveutils import serve\nkfserver = serve(x)",
                                  metadata={"tags": ["skip"]}),
        nbformat.v4.new_code_cell("y = x + 1\nprint(y)"),
    ])
    path = tmp_path / "nbdev_style.ipynb"
    nbformat.write(nb, str(path))
    seen = []
    result = capture_notebook(path, progress=seen.append)
    # the first run stops at the failing skip cell; the second leaves it (and the eval: false cell) out
    runs = [(e["event"], e.get("status"), e["total"]) for e in seen if e["event"].startswith("capture_")]
    assert runs == [("capture_started", None, 3), ("capture_finished", "restarted", 3),
                    ("capture_started", None, 2), ("capture_finished", "ok", 2)]
    assert [e["cell"] for e in seen if e["event"] == "cell_finished"] == [0, 2, 0, 3]
    executed = nbformat.read(str(result.notebook_path), as_version=4)
    assert executed.cells[1].source.startswith("#| eval: false") and not executed.cells[1].outputs
    assert executed.cells[2].source.startswith("from kale") and not executed.cells[2].outputs
    assert executed.cells[3].outputs[0]["text"] == "2\n"
    assert executed.cells[0].source.startswith("#| export")


def test_a_percent_script_is_captured_and_papermill_metadata_names_real_paths(tmp_path):
    script = tmp_path / "fit.py"
    script.write_text('# %% tags=["parameters"]\nalpha = 0.5\n\n# %%\nprint(alpha * 2)\n')
    result = capture_notebook(script, parameters={"alpha": 2})
    executed = nbformat.read(str(result.notebook_path), as_version=4)
    assert result.notebook_path == tmp_path / "fit.captured.ipynb"
    assert executed.metadata.papermill["input_path"] == str(script)
    assert executed.metadata.papermill["output_path"] == str(result.notebook_path)
    assert any(o.get("text") == "4\n" for c in executed.cells for o in c.get("outputs", []))
