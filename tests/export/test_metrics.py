"""Metrics from the notebook's own evaluation code: printed, last expression or assigned; named after
function and data; bound to a `metrics` output; the model is what the metrics score."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd

from nbpromote.export import export_notebook, plan_stages

from .conftest import notebook, write

IMPORTS = (["imports"], "import numpy as np\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
           "from sklearn.linear_model import LogisticRegression\nfrom sklearn.ensemble import RandomForestClassifier\n"
           "from sklearn.feature_selection import SelectKBest\n"
           "from sklearn.metrics import accuracy_score, roc_auc_score, mean_squared_error")


def _data(path):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(200, 4)), columns=list("abcd"))
    frame["target"] = (frame.a + frame.b + rng.normal(scale=0.5, size=200) > 0).astype(int)
    frame.to_csv(path, index=False)


def _teaching_notebook():
    # the shape of a teaching notebook: print(...) of a metric, a bare `.score` as last expression,
    # a training-set score, a feature selector fitted before the model, a param_grid dict
    return notebook(
        IMPORTS,
        (["stage:ingest"], "df = pd.read_csv('data.csv')\ndf.head()"),
        (["stage:features"], "X = df.drop('target', axis=1)\ny = df.target\n"
                             "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)\n"
                             "selector = SelectKBest(k=3).fit(X_train, y_train)\n"
                             "X_train, X_test = selector.transform(X_train), selector.transform(X_test)"),
        (["stage:train"], "param_grid = {'C': [0.1, 1.0]}\nlr = LogisticRegression()\nlr.fit(X_train, y_train)\n"
                          "rf = RandomForestClassifier(n_estimators=20, random_state=0)\nrf.fit(X_train, y_train)"),
        (["stage:evaluate"], "lr.score(X_test, y_test)"),
        (None, "print('train accuracy', rf.score(X_train, y_train))\ny_pred = rf.predict(X_test)\n"
               "print(f'accuracy: {accuracy_score(y_test, y_pred):.3f}')"),
        (None, "auc = roc_auc_score(y_test, rf.predict_proba(X_test)[:, 1])\nprint(df.shape)\nauc"),
    )


def test_printed_last_expression_and_assigned_metrics_are_recorded_with_names():
    plan = plan_stages(_teaching_notebook())
    assert plan.roles["metrics"] == "metrics" and plan.roles["model"] == "rf"
    code = "\n".join(n.python for n in plan.stage("evaluate").cells)
    assert "_nbp_metric(_nbp_metrics, lr.score(X_test, y_test), 'score', qualifier='lr', model=lr)" in code
    assert "_nbp_metric(_nbp_metrics, rf.score(X_train, y_train), 'score', qualifier='X_train', model=rf)" in code
    assert "_nbp_metric(_nbp_metrics, accuracy_score(y_test, y_pred), 'accuracy_score')" in code
    assert "auc = roc_auc_score(y_test, rf.predict_proba(X_test)[:, 1]); _nbp_metric(_nbp_metrics, auc, 'roc_auc_score')" in code
    # print(df.shape) is not a metric: neutralised like any display
    assert "# [notebook-only] print(df.shape)" in code
    assert any("the last one whose held-out predictions" in note for note in plan.model_notes)


def test_the_exported_run_registers_numeric_metrics_and_the_scored_model(tmp_path):
    nb_path = write(_teaching_notebook(), tmp_path / "teaching.ipynb")
    _data(tmp_path / "data.csv")
    result = export_notebook(nb_path, tmp_path / "pkg", name="teaching", allow_findings=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(result.package_dir / "src"), os.environ.get("PYTHONPATH", "")]),
               NBPROMOTE_HOME=str(tmp_path / "home"), NBPROMOTE_REGISTRY=str(tmp_path / "reg.db"))
    run = subprocess.run([sys.executable, "-m", "teaching", "run", "--json"], cwd=result.package_dir, env=env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    registered = subprocess.run([sys.executable, "-m", "teaching", "register", "--json"], cwd=result.package_dir,
                                env=env, capture_output=True, text=True)
    assert registered.returncode == 0, registered.stderr
    doc = json.loads(registered.stdout)
    assert set(doc["metrics"]) == {"accuracy", "accuracy[X_train]", "accuracy[lr]", "roc_auc"}
    assert doc["environment"]["class"].endswith("RandomForestClassifier")
    card = (result.package_dir / "README.md").read_text()
    assert "the model is `rf`" in card


def test_cross_validation_means_and_rmse_are_named_so_the_gate_never_compares_them_with_holdout():
    plan = plan_stages(notebook(
        (["imports"], "import numpy as np\nfrom sklearn.model_selection import cross_val_score\n"
                      "from sklearn.metrics import mean_squared_error"),
        (["stage:train"], "model = object()\nX = y = X_test = y_test = None"),
        (["stage:evaluate"], "scores = cross_val_score(model, X, y, cv=5, scoring='r2')\n"
                             "print('cv', cross_val_score(model, X, y, cv=3).mean())\n"
                             "rmse = np.sqrt(mean_squared_error(y_test, model.predict(X_test)))"),
    ))
    code = plan.stage("evaluate").cells[0].python
    assert "'cross_val_score', model=model, scoring='r2')" in code
    assert "_nbp_metric(_nbp_metrics, cross_val_score(model, X, y, cv=3).mean(), 'cv_mean', model=model)" in code
    assert "rmse = np.sqrt(mean_squared_error(y_test, model.predict(X_test))); " \
           "_nbp_metric(_nbp_metrics, rmse, 'mean_squared_error', sqrt=True)" in code


def test_kale_pipeline_metrics_cell_is_read_and_a_search_grid_is_never_the_metrics():
    plan = plan_stages(notebook(
        (["imports"], "from sklearn.metrics import precision_score"),
        (["block:train"], "param_grid = {'C': [1, 10]}\nx_tst = y_tst = None\nmodel = dict(param_grid)"),
        (["block:evaluate", "prev:train"], "preds = model.predict(x_tst)\n"
                                          "precision = precision_score(y_tst, preds, average='macro')"),
        (["pipeline-metrics"], "print(precision)"),
    ))
    assert plan.roles["metrics"] == "metrics" and plan.roles["model"] == "model"
    assert "_nbp_metric(_nbp_metrics, precision, 'name', name='precision')" in plan.stage("evaluate").cells[1].python
