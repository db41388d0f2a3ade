"""End to end with the real runtime (nbpromote.pipeline): the exported package runs, caches and reproduces."""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from nbpromote.export import export_notebook

from .conftest import PYTHON

pytest.importorskip("nbpromote.pipeline.cli")


def _run(package: Path, home: Path, *args: str, python: str = PYTHON, cwd: Path | None = None,
         pythonpath: bool = True) -> dict:
    env = dict(os.environ, NBPROMOTE_HOME=str(home))
    if pythonpath:
        env["PYTHONPATH"] = str(package / "src")
    completed = subprocess.run([python, "-m", "credit", "run", "--json", *args], cwd=cwd or package, env=env,
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def _installed_in_fresh_venv(package: Path, venv: Path) -> str:
    """Install the exported package (no deps) into a new venv; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    # Dependencies come from the dev environment (no network): expose its site-packages to the venv.
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # addsitedir also processes that directory's .pth files (the editable nbpromote install).
    Path(site, "dev-env.pth").write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
                                "--prefix", str(venv), str(package)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    return python


def _status(record: dict) -> dict:
    return {s["name"]: s["status"] for s in record["stages"]}


def _hashes(record: dict) -> dict:
    return {s["name"]: s["outputs"] for s in record["stages"]}


@pytest.mark.slow
def test_exported_package_runs_reruns_cached_and_reruns_only_downstream_of_an_edit(credit_notebook, tmp_path):
    package = tmp_path / "out"
    export_notebook(credit_notebook, package)
    first = _run(package, tmp_path / "home")
    assert set(_status(first).values()) == {"ran"}
    assert [s["name"] for s in first["stages"]] == ["ingest", "validate", "features", "train", "evaluate"]
    second = _run(package, tmp_path / "home")
    assert set(_status(second).values()) == {"cached"} and _hashes(second) == _hashes(first)
    # A fresh cache reproduces byte-identical artifacts.
    assert _hashes(_run(package, tmp_path / "fresh")) == _hashes(first)
    # Edit the train stage through the notebook and re-export: only train and evaluate rerun.
    import nbformat

    nb = nbformat.read(str(credit_notebook), 4)
    nb.cells[7].source = nb.cells[7].source.replace("max_iter=500", "max_iter=900")
    nbformat.write(nb, str(credit_notebook))
    assert export_notebook(credit_notebook, package, force=True).version == "0.1.1"
    third = _run(package, tmp_path / "home")
    assert _status(third) == {"ingest": "cached", "validate": "cached", "features": "cached", "train": "ran",
                              "evaluate": "ran"}


@pytest.mark.slow
def test_generated_tests_pass_including_papermill(credit_notebook, tmp_path):
    package = tmp_path / "out"
    export_notebook(credit_notebook, package)
    completed = subprocess.run([PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=package,
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "4 passed" in completed.stdout


@pytest.mark.slow
def test_package_installs_into_a_fresh_venv_and_runs_from_elsewhere(credit_notebook, tmp_path):
    package = tmp_path / "out"
    export_notebook(credit_notebook, package)
    venv = tmp_path / "venv"
    python = _installed_in_fresh_venv(package, venv)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    data = str(package / "data" / "credit.csv")
    record = _run(package, tmp_path / "home", "--param", f"data_path={data}", python=python, cwd=elsewhere,
                  pythonpath=False)
    assert set(_status(record).values()) == {"ran"}
    shown = subprocess.run([python, "-c", "import credit; print(credit.__file__, credit.__version__)"],
                           cwd=elsewhere, capture_output=True, text=True, check=True).stdout
    assert str(venv) in shown and "0.1.0" in shown


@pytest.mark.slow
def test_captured_notebook_exports_with_its_manifest_pins_data_hashes_and_seed(tmp_path):
    """The user's path: capture (papermill) → export → the package carries the manifest as lineage."""
    import shutil

    from nbpromote.capture import capture_notebook

    from .conftest import REPO

    project = tmp_path / "project"
    shutil.copytree(REPO / "notebooks", project)
    captured = capture_notebook(project / "credit_risk.ipynb")  # default: beside the notebook
    result = export_notebook(project / "credit_risk.ipynb", tmp_path / "out")
    package = tmp_path / "out"
    lock = (package / "src/credit_risk/requirements.lock").read_text()
    assert "pandas==" in lock and "# import pandas (manifest)" in lock
    lineage = json.loads((package / "src/credit_risk/lineage.json").read_text())
    assert lineage["manifest"]["notebook_hash"] == result.notebook_hash
    assert lineage["seed"] == captured.manifest["seeds"]["seed"] == 42
    card = (package / "README.md").read_text()
    data_hash = captured.manifest["data"]["data/credit.csv"]["hash"]
    assert f"`{data_hash}`" in card
    assert '"accuracy":' in card  # metrics printed by the captured run
    assert "seed=42," in (package / "src/credit_risk/pipeline.py").read_text()
    # `nbpromote promote` captures elsewhere and hands the manifest over explicitly.
    elsewhere = tmp_path / "runs"
    elsewhere.mkdir()
    moved = shutil.move(str(captured.manifest_path), elsewhere / captured.manifest_path.name)
    shutil.move(str(captured.notebook_path), elsewhere / captured.notebook_path.name)
    bare = export_notebook(project / "credit_risk.ipynb", tmp_path / "bare")
    assert any("has no capture manifest" in w for w in bare.warnings)
    given = export_notebook(project / "credit_risk.ipynb", tmp_path / "given", manifest=moved)
    assert not any("manifest" in w for w in given.warnings)
    assert "# import pandas (manifest)" in (tmp_path / "given/src/credit_risk/requirements.lock").read_text()
    assert '"accuracy":' in (tmp_path / "given/README.md").read_text()


@pytest.mark.slow
def test_the_notebooks_own_helper_modules_ship_with_the_package(tmp_path):
    # Course notebooks import a helper beside them (`import model_utils`) or a small package of
    # their own: the exported package carries both, pins neither as a PyPI distribution, and runs
    # once installed, far from the notebook.
    import nbformat

    project = tmp_path / "project"
    (project / "featurelib").mkdir(parents=True)
    (project / "model_utils.py").write_text("def accuracy(y, p):\n    return float((y == p).mean())\n")
    (project / "featurelib" / "__init__.py").write_text("from .scale import double\n")
    (project / "featurelib" / "scale.py").write_text("def double(x):\n    return x * 2\n")
    cells = [("import numpy as np\nimport model_utils\nfrom featurelib import double", ["stage:ingest"]),
             ("x = double(np.arange(10))\ny = (x > 8).astype(int)", ["stage:ingest"]),
             ("score = model_utils.accuracy(y, (x > 9).astype(int))\nprint(score)", ["stage:evaluate"])]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src, metadata={"tags": tags})
                                         for src, tags in cells])
    nbformat.write(nb, project / "helpers.ipynb")
    package = tmp_path / "out"
    result = export_notebook(project / "helpers.ipynb", package, name="credit")
    assert (package / "src" / "model_utils.py").is_file()
    assert (package / "src" / "featurelib" / "scale.py").is_file()
    assert any("`model_utils` (model_utils.py) is shipped" in w for w in result.warnings)
    lock = (package / "src" / "credit" / "requirements.lock").read_text()
    assert "model-utils" not in lock and "featurelib" not in lock
    python = _installed_in_fresh_venv(package, tmp_path / "venv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    record = _run(package, tmp_path / "home", python=python, cwd=elsewhere, pythonpath=False)
    assert set(_status(record).values()) == {"ran"}
