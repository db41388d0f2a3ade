"""``nbpromote promote NOTEBOOK``, the main job: capture → lint → export → run → register → promote
→ monitor, as the README's demo runs it on the credit-risk notebook."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.fixture
def project(tmp_path) -> Path:
    """A fresh project: the credit-risk notebook and its data, nothing registered yet."""
    shutil.copy2(NOTEBOOKS / "credit_risk.ipynb", tmp_path / "credit_risk.ipynb")
    shutil.copytree(NOTEBOOKS / "data", tmp_path / "data", ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return tmp_path


def nbpromote(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NBPROMOTE_HOME": str(project / "home"), "NBPROMOTE_ACTOR": "alice"}
    env.pop("NBPROMOTE_REGISTRY", None)
    return subprocess.run([sys.executable, "-m", "nbpromote", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)


def steps(completed: subprocess.CompletedProcess) -> dict[str, dict]:
    return {step["name"]: step for step in json.loads(completed.stdout)["steps"]}


@pytest.mark.slow
def test_a_pilot_goes_live_a_marginal_challenger_is_refused_and_a_clearly_better_one_replaces_it(project):
    pilot = nbpromote(project, "promote", "credit_risk.ipynb", "-p", "train_rows", "100", "--json")
    assert pilot.returncode == 0, pilot.stderr
    done = steps(pilot)
    assert [name for name, step in done.items() if step["status"] == "ok"] == [
        "capture", "lint", "export", "run", "register"]
    assert done["monitor"]["status"] == "skipped"
    assert done["run"]["summary"].endswith("rerun: 5/5 cache hits")
    assert done["register"]["summary"] == "credit_risk v1 registered; promoted to Production"

    marginal = nbpromote(project, "promote", "credit_risk.ipynb", "-p", "train_rows", "100", "-p", "C", "0.5",
                         "--force")
    assert marginal.returncode == 1
    assert "credit_risk v2 registered; kept out of Production by the gate: v2 refused by the gate: " \
           "roc_auc improvement +0." in marginal.stdout
    assert "is not greater than δ = 0.0" in marginal.stdout
    # in a log (stderr is no terminal) progress is plain lines: a line per cell, then the run's stages
    assert "\r" not in marginal.stderr
    assert "capture credit_risk.ipynb [1/" in marginal.stderr and "run: [4/5] train: ran in" in marginal.stderr
    assert marginal.stderr.index("capture credit_risk.ipynb: ok after") < marginal.stderr.index("run: [1/5]")

    better = nbpromote(project, "promote", "credit_risk.ipynb", "--current", "data/credit_drifted.csv",
                       "--force", "--json")
    assert better.returncode == 0, better.stderr
    done = steps(better)
    assert "v3 registered; promoted to Production (roc_auc +0.0" in done["register"]["summary"]
    assert "over champion v1 > δ 0.0" in done["register"]["summary"]
    assert done["monitor"]["status"] == "ok"
    assert "drifting (debt_to_income, loan_purpose)" in done["monitor"]["summary"]
    assert (project / "out" / "credit_risk-drift.html").is_file()

    live = json.loads(nbpromote(project, "registry", "show", "credit_risk", "--json").stdout)
    assert live["live"]["version"] == 3 and live["aliases"] == {"champion": 3}
    assert nbpromote(project, "audit", "verify").returncode == 0


def test_an_occupied_output_is_refused_before_the_notebook_runs(project):
    occupied = project / "out" / "credit_risk"
    occupied.mkdir(parents=True)
    (occupied / "notes.txt").write_text("mine\n")
    completed = nbpromote(project, "promote", "credit_risk.ipynb", "--force")
    assert completed.returncode == 2
    assert completed.stderr.startswith("nbpromote: error: out/credit_risk is not empty and is not an nbpromote export")
    assert "Traceback" not in completed.stderr
    assert sorted(p.name for p in (project / "out").iterdir()) == ["credit_risk"]  # nothing captured
    assert (occupied / "notes.txt").read_text() == "mine\n"


def test_a_missing_notebook_is_one_line_and_exit_2(project):
    completed = nbpromote(project, "promote", "nope.ipynb")
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1].startswith("nbpromote: error:")
    assert "nope.ipynb" in completed.stderr and "Traceback" not in completed.stderr


@pytest.mark.slow
def test_on_a_terminal_promote_shows_the_cells_and_the_stages_and_stdout_stays_one_json_document(
        project, stderr_on_pty):
    env = {**os.environ, "NBPROMOTE_HOME": str(project / "home"), "NBPROMOTE_ACTOR": "alice"}
    env.pop("NBPROMOTE_REGISTRY", None)
    code, out, terminal = stderr_on_pty(
        [sys.executable, "-m", "nbpromote", "promote", "credit_risk.ipynb", "-p", "train_rows", "100", "--json"],
        cwd=str(project), env=env)
    assert code == 0, terminal
    assert [step["status"] for step in json.loads(out)["steps"]][:5] == ["ok"] * 5
    frames = terminal.split("\r")
    assert any(f.startswith("cell ") and "cells [" in f and "%|" in f for f in frames)  # the capture's bar
    assert "run: [4/5] train: started" in terminal and "run: run succeeded in" in terminal


@pytest.mark.slow
def test_a_notebook_that_reads_from_the_repository_root_runs_there_with_cwd(project):
    # Laid out as many repositories are: the notebook in notebooks/, its data read as ./data/… from
    # the root. From its own folder it cannot find the file; with --cwd the capture and the
    # package's stages both run from the root.
    (project / "notebooks").mkdir()
    (project / "credit_risk.ipynb").rename(project / "notebooks" / "credit_risk.ipynb")
    lost = nbpromote(project, "promote", "notebooks/credit_risk.ipynb", "-p", "train_rows", "100")
    assert lost.returncode == 1
    assert "raised FileNotFoundError" in lost.stdout and "pass it with --cwd" in lost.stdout
    found = nbpromote(project, "promote", "notebooks/credit_risk.ipynb", "-p", "train_rows", "100",
                      "--cwd", ".", "--json")
    assert found.returncode == 0, found.stderr
    assert steps(found)["register"]["summary"] == "credit_risk v1 registered; promoted to Production"
    manifest = json.loads((project / "out" / "credit_risk.captured.manifest.json").read_text())
    assert manifest["working_directory"] == ".."
    # the data the notebook read from the root ships with the package, so a run from the package's
    # own folder finds it
    package = project / "out" / "credit_risk"
    assert (package / "data" / "credit.csv").read_bytes() == (project / "data" / "credit.csv").read_bytes()
    env = {**os.environ, "NBPROMOTE_HOME": str(project / "home"), "PYTHONPATH": str(package / "src")}
    alone = subprocess.run([sys.executable, "-m", "credit_risk", "run", "--force"], cwd=package, env=env,
                           capture_output=True, text=True, timeout=600)
    assert alone.returncode == 0, alone.stderr


def test_a_cwd_that_is_not_a_folder_is_refused_before_anything_runs(project):
    completed = nbpromote(project, "promote", "credit_risk.ipynb", "--cwd", "nowhere")
    assert completed.returncode == 2
    assert "--cwd nowhere: no such folder" in completed.stderr and "Traceback" not in completed.stderr
    assert not (project / "out").exists()


@pytest.mark.slow
def test_a_name_the_analysis_cannot_see_is_refuted_by_the_run_and_export_names_what_the_package_lacks(tmp_path):
    # get_ipython().push defines the name at run time: static analysis reports hidden-state, the
    # capture's top-to-bottom run shows it is there, so lint does not block (the finding stays, as
    # info). The exported modules have no IPython, though: export says which stage would lack it.
    import nbformat

    cells = [("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
              "get_ipython().push({'strength': 0.5})", "stage:train"),
             ("df = pd.DataFrame({'a': [0, 1, 2, 3, 4, 5, 6, 7], 'y': [0, 0, 0, 0, 1, 1, 1, 1]})\n"
              "model = LogisticRegression(C=strength).fit(df[['a']], df['y'])", "stage:train")]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src, metadata={"tags": [tag]})
                                         for src, tag in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "pushed.ipynb")
    done = steps(nbpromote(tmp_path, "promote", "pushed.ipynb", "--json"))
    assert (done["lint"]["status"], done["lint"]["summary"]) == ("ok", "1 info")
    (finding,) = done["lint"]["detail"]["findings"]
    assert (finding["rule"], finding["runtime"]["status"]) == ("hidden-state", "refuted")
    assert done["export"]["status"] == "failed"
    assert "stage 'train' reads `strength`, but no exported cell binds it" in done["export"]["summary"]
