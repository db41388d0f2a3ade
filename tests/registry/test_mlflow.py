"""The MLflow backend against a real MLflow (sqlite tracking URI, no server)."""

from __future__ import annotations

import builtins
import importlib.util
import json

import pytest

from nbpromote.errors import (
    ArtifactIntegrityError,
    GateRejectedError,
    MissingDependencyError,
    UsageError,
)
from nbpromote.registry import open_registry

from .conftest import LINEAGE

HAS_MLFLOW = importlib.util.find_spec("mlflow") is not None
# MLflow's own SQLAlchemy store emits deprecation warnings that are not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
needs_mlflow = pytest.mark.skipif(not HAS_MLFLOW, reason="mlflow is not installed (pip install 'nbpromote[mlflow]')")


@pytest.fixture(scope="module")
def mlreg(tmp_path_factory):
    if not HAS_MLFLOW:
        pytest.skip("mlflow is not installed (pip install 'nbpromote[mlflow]')")
    root = tmp_path_factory.mktemp("mlflow")
    return open_registry(f"mlflow:sqlite:///{root / 'mlflow.db'}")


@pytest.mark.mlflow
@needs_mlflow
def test_register_promote_live_rollback(mlreg, trained):
    name = "credit_risk"
    v1 = mlreg.register(name, trained["models"]["v1"], metrics=trained["metrics"]["v1"], lineage=LINEAGE,
                        holdout=trained["holdout"], params={"C": 1.0}, tags={"team": "risk"}, actor="alice")
    assert v1.version == 1 and v1.artifact_hash.startswith("sha256:") and v1.created_by == "alice"
    raw = mlreg.client.get_model_version(name, "1")
    assert raw.tags["nbpromote.lineage.git.commit"] == "abc123" and raw.tags["team"] == "risk"
    assert json.loads(raw.tags["nbpromote.lineage"]) == LINEAGE
    assert mlreg.client.get_run(raw.run_id).data.params == {"C": "1.0"}
    assert mlreg.live(name) is None

    with pytest.raises(GateRejectedError, match="explicit approval"):
        mlreg.promote(name, 1, reason="first")
    mlreg.promote(name, 1, reason="first", approve=True, actor="bob")
    assert mlreg.live(name).version == 1 and mlreg.aliases(name) == {"champion": 1}

    mlreg.register(name, trained["models"]["v2"], metrics=trained["metrics"]["v2"], lineage=LINEAGE,
                   holdout=trained["holdout"])
    mlreg.set_alias(name, "challenger", 2)
    with pytest.raises(GateRejectedError, match="not greater than δ"):
        mlreg.promote(name, 2, reason="retrained")
    mlreg.register(name, trained["models"]["v3"], metrics=trained["metrics"]["v3"], lineage=LINEAGE,
                   holdout=trained["holdout"])
    mlreg.promote(name, 3, reason="better")
    assert mlreg.live(name).version == 3
    assert mlreg.aliases(name) == {"champion": 3, "challenger": 2}

    assert mlreg.rollback(name, reason="canary").version == 1
    assert mlreg.live(name).version == 1
    moves = [(h["kind"], h["version"]) for h in mlreg.alias_history(name) if h["alias"] == "champion"]
    assert moves == [("promote", 1), ("promote", 3), ("rollback", 1)]
    assert mlreg.load(name).predict(trained["X_test"][:4, :2]).shape == (4,)


@pytest.mark.mlflow
@needs_mlflow
def test_load_refuses_a_swapped_artifact(mlreg, trained, tmp_path):
    import pickle
    from pathlib import Path
    from urllib.parse import urlparse

    mv = mlreg.register("swap", trained["models"]["v1"], metrics={"accuracy": 0.7}, lineage={})
    raw = mlreg.client.get_model_version("swap", str(mv.version))
    stored = Path(urlparse(raw.source).path) / "model.pkl"
    stored.write_bytes(pickle.dumps({"not": "the model"}))
    with pytest.raises(ArtifactIntegrityError, match="refusing to load"):
        mlreg.load("swap", mv.version)


@pytest.mark.mlflow
@needs_mlflow
def test_bad_input_is_checked_before_mlflow(mlreg):
    with pytest.raises(UsageError, match="not a number"):
        mlreg.register("bad", "nope.pkl", metrics={"a": "x"}, lineage={})


def test_without_mlflow_the_backend_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_mlflow(name, *args, **kwargs):
        if name == "mlflow" or name.startswith("mlflow."):
            raise ImportError("No module named 'mlflow'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mlflow)
    with pytest.raises(MissingDependencyError, match=r"pip install 'nbpromote\[mlflow\]'"):
        open_registry("mlflow:sqlite:///x.db")


@pytest.mark.mlflow
@needs_mlflow
def test_cli_front_door_works_on_mlflow(mlreg, trained, tmp_path, capsys):
    import pickle

    from nbpromote.cli import main

    db = f"mlflow:{mlreg.tracking_uri}"
    model = tmp_path / "m.pkl"
    model.write_bytes(pickle.dumps(trained["models"]["v1"]))

    def run(*args):
        with pytest.raises(SystemExit) as exited:
            main([*args, "--db", db])
        return exited.value.code, capsys.readouterr()

    code, _ = run("registry", "register", "cli_model", str(model), "--metrics", json.dumps(trained["metrics"]["v1"]),
                  "--holdout-hash", trained["holdout"]["hash"], "--holdout-rows", "1000")
    assert code == 0
    code, _ = run("registry", "promote", "cli_model", "1", "-m", "first", "--approve")
    assert code == 0
    code, (out, _) = run("registry", "show", "cli_model", "--json")
    assert json.loads(out)["live"]["version"] == 1
    code, (out, _) = run("registry", "history", "cli_model", "--json")
    assert [e["kind"] for e in json.loads(out)["history"]] == ["promote"]
    assert mlreg.live_at("cli_model", "2000-01-01T00:00:00Z") is None


@pytest.mark.mlflow
@needs_mlflow
def test_second_approver_and_configured_gate_apply_in_mlflow_too(mlreg, trained):
    from nbpromote.errors import ApprovalError

    name = "four_eyes"
    mlreg.register(name, trained["models"]["v1"], metrics=trained["metrics"]["v1"], lineage=LINEAGE,
                   holdout=trained["holdout"], actor="alice")
    config = mlreg.configure(name, require_second_approver=True, delta=0.5, actor="lead")
    assert config == {"delta": 0.5, "require_second_approver": True}
    with pytest.raises(ApprovalError, match="alice registered v1 and cannot also approve"):
        mlreg.approve(name, 1, actor="alice", reason="mine")
    with pytest.raises(ApprovalError, match="second approver other than the registrant \\(alice\\)"):
        mlreg.promote(name, 1, reason="go", actor="alice", approve=True)
    assert mlreg.live(name) is None
    mlreg.approve(name, 1, actor="bob", reason="four eyes")
    assert mlreg.promote(name, 1, reason="go", actor="alice").version == 1

    mlreg.register(name, trained["models"]["v3"], metrics=trained["metrics"]["v3"], lineage=LINEAGE,
                   holdout=trained["holdout"], actor="alice")
    mlreg.approve(name, 2, actor="bob", reason="looks right")
    with pytest.raises(GateRejectedError, match="δ = 0.5000"):  # the configured δ, not the holdout noise
        mlreg.promote(name, 2, reason="better", actor="alice")
    assert mlreg.live(name).version == 1
