"""Orchestrator targets: an exported package also becomes an Airflow DAG and a Kubeflow pipeline.

The rendering tests run everywhere. The Airflow and Kubeflow tests run the real tools, each in a
virtualenv of its own (their pins clash with ours): ``scripts/test`` makes them and names their Pythons
in ``NBPROMOTE_AIRFLOW_PYTHON`` and ``NBPROMOTE_KFP_PYTHON``; without those the tests skip, saying why.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nbpromote.cli import main as cli_main
from nbpromote.errors import UsageError
from nbpromote.export import export_notebook, orchestrator_graph, write_targets
from nbpromote.export._orchestrators import render_airflow, render_kubeflow

from .conftest import REPO

AIRFLOW_PYTHON = os.environ.get("NBPROMOTE_AIRFLOW_PYTHON")
KFP_PYTHON = os.environ.get("NBPROMOTE_KFP_PYTHON")


@pytest.fixture
def exported(credit_notebook, tmp_path):
    return export_notebook(credit_notebook, tmp_path / "pkg", name="credit")


def _literal(source: str, name: str):
    """The value of the module-level assignment ``name = <literal>`` in generated source."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in the generated file")


def test_the_graph_has_the_stages_in_dag_order_with_their_upstream_and_params(exported):
    graph = orchestrator_graph(exported)
    assert [s["name"] for s in graph.stages] == ["ingest", "validate", "features", "train", "evaluate"]
    by_name = {s["name"]: s for s in graph.stages}
    assert by_name["train"]["upstream"] == ["features"] and by_name["ingest"]["upstream"] == []
    assert by_name["features"]["params"] == ["test_size", "seed"]
    assert [p["name"] for p in graph.params] == ["data_path", "test_size", "C", "seed"]
    assert graph.lineage == {"package": "credit", "package_version": exported.version,
                             "notebook_hash": exported.notebook_hash}


def test_the_airflow_dag_file_declares_one_task_per_stage_running_the_package_until_it(exported):
    source = render_airflow(orchestrator_graph(exported))
    compile(source, "credit_dag.py", "exec")
    assert _literal(source, "PACKAGE") == "credit"
    assert _literal(source, "STAGES") == orchestrator_graph(exported).stages
    assert _literal(source, "LINEAGE")["notebook_hash"] == exported.notebook_hash
    assert '"run", "--until", stage["name"], "--json"' in source
    assert "'test_size': Param(0.25, type='number')" in source


def test_the_kubeflow_program_names_steps_as_the_stage_tags_and_chains_their_records(exported):
    source = render_kubeflow(orchestrator_graph(exported), image="registry.local/credit:1")
    tree = ast.parse(source)
    components = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.decorator_list
                  and ast.unparse(n.decorator_list[0]) == "dsl.container_component"]
    assert components == ["ingest", "validate", "features", "train", "evaluate"]
    assert "run --until train --json" in source and "features_record=steps['features'].outputs[\"record\"]" in source
    assert _literal(source, "IMAGE") == "registry.local/credit:1"


def test_a_stage_named_like_a_keyword_gets_a_component_name_of_its_own(exported):
    graph = orchestrator_graph(exported)
    graph.stages[0]["name"] = "import"
    graph.stages[1]["upstream"] = ["import"]
    source = render_kubeflow(graph, image="x")
    assert "def import_step(" in source and "steps['import'] = import_step(" in source


def test_an_unknown_target_is_a_usage_error(exported):
    with pytest.raises(UsageError, match="Unknown export target 'luigi'"):
        write_targets(exported, ["luigi"])


def test_export_cli_writes_the_targets_and_reports_them_in_json(credit_notebook, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NBPROMOTE_KFP_PYTHON", raising=False)
    monkeypatch.setattr("nbpromote.export._orchestrators._kfp_python", lambda: None)
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["export", str(credit_notebook), "-o", str(tmp_path / "pkg"), "--name", "credit",
                  "--target", "airflow", "--target", "kubeflow", "--json"])
    assert exit_info.value.code == 0
    document = json.loads(capsys.readouterr().out)
    targets = {t["target"]: t for t in document["targets"]}
    assert targets["airflow"]["files"] == ["orchestrators/airflow/credit_dag.py"]
    assert targets["kubeflow"]["files"] == ["orchestrators/kubeflow/pipeline.py", "orchestrators/kubeflow/Dockerfile"]
    assert "kfp is not installed" in targets["kubeflow"]["warnings"][0]
    assert (tmp_path / "pkg" / "orchestrators" / "airflow" / "credit_dag.py").is_file()


@pytest.mark.skipif(not KFP_PYTHON, reason="NBPROMOTE_KFP_PYTHON is not set (scripts/test makes a kfp virtualenv)")
def test_kfp_compiles_the_pipeline_and_the_ir_has_the_stage_graph(credit_notebook, tmp_path, monkeypatch):
    import yaml

    monkeypatch.setattr("nbpromote.export._orchestrators._kfp_python", lambda: KFP_PYTHON)
    result = export_notebook(credit_notebook, tmp_path / "pkg", name="credit")
    (item,) = write_targets(result, ["kubeflow"])
    assert "orchestrators/kubeflow/pipeline.yaml" in item.files
    spec = yaml.safe_load((tmp_path / "pkg" / "orchestrators" / "kubeflow" / "pipeline.yaml").read_text())
    tasks = spec["root"]["dag"]["tasks"]
    assert {t["taskInfo"]["name"] for t in tasks.values()} == {"ingest", "validate", "features", "train", "evaluate"}
    assert tasks["train"]["dependentTasks"] == ["features"]
    assert all(t["cachingOptions"] == {} or not t["cachingOptions"].get("enableCache") for t in tasks.values())
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    assert parameters["test_size"]["defaultValue"] == 0.25 and "nbpromote_store" in parameters
    train = spec["deploymentSpec"]["executors"]["exec-train"]["container"]
    assert "run --until train --json" in train["command"][-1]
    assert {"name": "NBPROMOTE_NOTEBOOK_HASH", "value": result.notebook_hash} in train["env"]


@pytest.mark.slow
@pytest.mark.skipif(not AIRFLOW_PYTHON, reason="NBPROMOTE_AIRFLOW_PYTHON is not set (scripts/test makes an Airflow virtualenv)")
def test_airflow_runs_the_dag_and_a_second_run_is_all_cache_hits(credit_notebook, tmp_path):
    result = export_notebook(credit_notebook, tmp_path / "pkg", name="credit")
    write_targets(result, ["airflow"])
    dag_file = tmp_path / "pkg" / "orchestrators" / "airflow" / "credit_dag.py"
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__DAGS_FOLDER": str(dag_file.parent), "NBPROMOTE_PIPELINE_PYTHON": sys.executable,
           "NBPROMOTE_HOME": str(tmp_path / "store"),
           "NBPROMOTE_PIPELINE_PYTHONPATH": os.pathsep.join([str(tmp_path / "pkg" / "src"), *sys.path])}
    env.pop("PYTHONPATH", None)  # Airflow's own interpreter keeps to its own virtualenv
    airflow = str(Path(AIRFLOW_PYTHON).with_name("airflow"))
    for command in ([airflow, "db", "migrate"], [airflow, "dags", "reserialize"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]

    def dag_test() -> dict[str, str]:
        done = subprocess.run([AIRFLOW_PYTHON, str(dag_file)], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0 and "state=success" in done.stdout + done.stderr, (done.stdout + done.stderr)[-3000:]
        runs = sorted((tmp_path / "store" / "runs" / "credit").glob("*.json"))
        records = [json.loads(p.read_text()) for p in runs]
        return {r["stages"][-1]["name"]: r["stages"][-1]["status"] for r in records[-5:]}

    assert dag_test() == dict.fromkeys(["ingest", "validate", "features", "train", "evaluate"], "ran")
    assert dag_test() == dict.fromkeys(["ingest", "validate", "features", "train", "evaluate"], "cached")
    # The package's own command line agrees: the orchestrator's runs filled the same cache.
    env["PYTHONPATH"] = env["NBPROMOTE_PIPELINE_PYTHONPATH"]
    done = subprocess.run([sys.executable, "-m", "credit", "run", "--json"], cwd=tmp_path / "pkg", env=env,
                          capture_output=True, text=True, timeout=300)
    assert {s["status"] for s in json.loads(done.stdout)["stages"]} == {"cached"}


def test_the_pinned_orchestrator_environments_exist_for_ci():
    for name in ("airflow", "kfp"):
        lines = (REPO / ".ci" / f"{name}-constraints.txt").read_text().split()
        assert any(line.startswith({"airflow": "apache-airflow==", "kfp": "kfp=="}[name]) for line in lines)
