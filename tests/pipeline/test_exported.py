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
    env = dict(os.environ, NBPROMOTE_HOME=str(home),  # the nbpromote under test, not another copy
               PYTHONPATH=os.pathsep.join([str(package_dir / "src"), *sys.path]))
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


def test_exported_credit_model_scores_raw_batches_and_validates_its_own_reference(exported, tmp_path):
    """The notebook's ratio features live in the model (a `functions` cell applied by its Pipeline),
    so the package's profile holds raw columns: a raw batch validates, monitors and scores as it is,
    with the Production model loaded from the registry in a fresh process."""
    home = tmp_path / "home"
    data = NOTEBOOK.parent / "data"
    assert cli(exported, home, "run").returncode == 0
    review = tmp_path / "review.json"
    review.write_text(json.dumps({"summary": "reviewed"}))
    assert cli(exported, home, "register").returncode == 0
    kindless = cli(exported, home, "promote", "1", "--reason", "first", "--approve", "--evidence", str(review))
    assert kindless.returncode == 2 and "review.json" in kindless.stderr and '"kind"' in kindless.stderr
    review.write_text(json.dumps({"kind": "manual_review", "reviewer": "bob", "summary": "reviewed"}))
    done = cli(exported, home, "promote", "1", "--reason", "first", "--approve", "--evidence", str(review), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["evidence"]["attached"] == {"kind": "manual_review", "reviewer": "bob",
                                                               "summary": "reviewed"}

    reference = cli(exported, home, "validate", "--input", str(exported / "data" / "credit.csv"), "--json")
    assert reference.returncode == 0, reference.stdout
    assert {v["severity"] for v in json.loads(reference.stdout)["violations"]} <= {"warning"}

    drifted = cli(exported, home, "validate", "--input", str(data / "credit_drifted.csv"), "--json")
    errors = {(v["check"], v["column"]) for v in json.loads(drifted.stdout)["violations"] if v["severity"] == "error"}
    assert drifted.returncode == 1 and ("unseen_category", "loan_purpose") in errors
    assert {check for check, _ in errors} <= {"unseen_category", "out_of_range"}

    monitored = json.loads(cli(exported, home, "monitor", "--current", str(data / "credit_drifted.csv"),
                               "--format", "json").stdout)
    assert monitored["skipped"] == {} and monitored["prediction"] is not None
    assert monitored["features"]["loan_purpose"]["status"] == "act"
    assert "loan_to_income" not in monitored["features"]

    scored = tmp_path / "scored.csv"
    predicted = cli(exported, home, "predict", "--input", str(data / "credit_drifted.csv"), "--output", str(scored))
    assert predicted.returncode == 0, predicted.stderr
    import pandas as pd

    frame = pd.read_csv(scored)
    assert len(frame) == 2000 and frame["score"].between(0, 1).all()
    assert frame["customer_id"].iloc[0] == "C1000001"  # scores stay joined to their ids
    common = (exported / "src" / "credit_risk_e2e" / "common.py").read_text()
    assert "def add_ratio_features(frame: pd.DataFrame) -> pd.DataFrame:\n    \"\"\"" in common
