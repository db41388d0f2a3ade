"""End to end: export notebooks/credit_risk.ipynb with nbpromote.export, run the package's CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "credit_risk.ipynb"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    export = pytest.importorskip("nbpromote.export")
    if not NOTEBOOK.is_file() or not hasattr(export, "export_notebook"):
        pytest.skip("the credit-risk notebook or the exporter is not available")
    out = tmp_path_factory.mktemp("exp") / "credit_risk_pkg"
    result = export.export_notebook(NOTEBOOK, out, name="credit_risk_e2e", allow_findings=True)
    return Path(result.package_dir)


def cli(package_dir: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NBPROMOTE_HOME=str(home), PYTHONPATH=str(package_dir / "src"))
    return subprocess.run([sys.executable, "-m", "credit_risk_e2e", *args], cwd=package_dir, env=env,
                          capture_output=True, text=True)


def test_exported_package_runs_caches_reruns_downstream_and_reproduces(exported, tmp_path):
    home = tmp_path / "home"
    first = cli(exported, home, "run", "--json")
    assert first.returncode == 0, first.stderr
    cold = json.loads(first.stdout)
    names = [s["name"] for s in cold["stages"]]
    assert {s["status"] for s in cold["stages"]} == {"ran"}
    assert cold["roles"]["model"]["hash"] and cold["profile"]

    second = json.loads(cli(exported, home, "run", "--json").stdout)
    assert {s["status"] for s in second["stages"]} == {"cached"}

    other = json.loads(cli(exported, tmp_path / "other", "run", "--json").stdout)
    assert [s["outputs"] for s in other["stages"]] == [s["outputs"] for s in cold["stages"]]

    train = exported / "src" / "credit_risk_e2e" / "stages" / "train.py"
    train.write_text(train.read_text().replace("max_iter=1000", "max_iter=2000"))
    edited = json.loads(cli(exported, home, "run", "--json").stdout)
    statuses = {s["name"]: s["status"] for s in edited["stages"]}
    position = names.index("train")
    assert all(statuses[n] == "cached" for n in names[:position])
    assert statuses["train"] == "ran" and edited["stages"][position]["reason"] == "code changed (stages/train.py)"

    lineage = cli(exported, home, "lineage", "model", "--json")
    assert lineage.returncode == 0, lineage.stderr
    text = lineage.stdout
    assert "data/credit.csv" in text and '"seed": 42' in text
