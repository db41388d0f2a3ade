"""Batch ``predict`` and ``serve`` run the notebook's own row-wise stages on raw rows, or refuse."""

from __future__ import annotations

import importlib
import json
import sys

import nbformat
import numpy as np
import pytest

from nbpromote.serving import ServeConfig, ServerThread

from .conftest import call

pytestmark = pytest.mark.slow

IMPORTS = ("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
           "from sklearn.model_selection import train_test_split")
FEATURES = 'df["ratio"] = df["a"] / (df["b"] + 1.0)\ndf["a_sq"] = df["a"] ** 2'
SPLIT = ('X = df[["a", "b", "ratio", "a_sq"]]\ny = df["label"]\n'
         "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)")
TRAIN = "model = LogisticRegression(max_iter=1000).fit(X_train, y_train)"
EVALUATE = "metrics = {'accuracy': float(model.score(X_test, y_test)), 'n_holdout': float(len(y_test))}"


def make_notebook(root, features: str, name: str):
    import pandas as pd

    rng = np.random.default_rng(0)
    a, b = rng.normal(5, 2, 400), rng.uniform(0, 10, 400)
    frame = pd.DataFrame({"a": a.round(3), "b": b.round(3), "label": (a / (b + 1) + rng.normal(0, .3, 400) > 1).astype(int)})
    root.mkdir(parents=True, exist_ok=True)
    frame.to_csv(root / "data.csv", index=False)
    nb = nbformat.v4.new_notebook()
    cells = [("imports", IMPORTS), ("parameters", 'data_path = "data.csv"'),
             ("stage:ingest", "df = pd.read_csv(data_path)"), ("stage:features", features),
             ("stage:split", SPLIT), ("stage:train", TRAIN), ("stage:evaluate", EVALUATE)]
    nb.cells = [nbformat.v4.new_code_cell(src, metadata={"tags": [tag]}) for tag, src in cells]
    nbformat.write(nb, root / f"{name}.ipynb")
    return root / f"{name}.ipynb", frame


@pytest.fixture(scope="module")
def rowwise(tmp_path_factory):
    from nbpromote.export import export_notebook

    root = tmp_path_factory.mktemp("rowwise")
    path, frame = make_notebook(root / "nb", FEATURES, "rowwise")
    package = export_notebook(path, root / "pkg", name="rowwise_srv", allow_findings=True).package_dir
    home = root / "home"
    for args in (("run",), ("register",), ("promote", "1", "--reason", "first", "--approve")):
        done = _cli(package, home, "rowwise_srv", *args)
        assert done.returncode == 0, done.stderr
    return {"package": package, "home": home, "frame": frame}


def _cli(package, home, name, *args):
    import os
    import subprocess

    env = dict(os.environ, NBPROMOTE_HOME=str(home), PYTHONPATH=os.pathsep.join([str(package / "src"), *sys.path]))
    return subprocess.run([sys.executable, "-m", name, *args], cwd=package, env=env, capture_output=True, text=True,
                          timeout=300)


def expected_scores(package, home, raw):
    from nbpromote.registry import open_registry

    registry = open_registry(str(home / "registry.db"))
    try:
        model = registry.load("rowwise_srv")
    finally:
        registry.close()
    features = raw.assign(ratio=raw["a"] / (raw["b"] + 1.0), a_sq=raw["a"] ** 2)[["a", "b", "ratio", "a_sq"]]
    return model.predict_proba(features)[:, 1]


def test_batch_predict_runs_the_feature_stage_on_raw_rows(rowwise, tmp_path):
    import pandas as pd

    raw = rowwise["frame"].drop(columns="label").head(25)
    raw.to_csv(tmp_path / "raw.csv", index=False)
    done = _cli(rowwise["package"], rowwise["home"], "rowwise_srv", "predict", "--input",
                str(tmp_path / "raw.csv"), "--output", str(tmp_path / "scored.csv"))
    assert done.returncode == 0, done.stderr
    scored = pd.read_csv(tmp_path / "scored.csv")
    assert scored["score"].to_numpy() == pytest.approx(expected_scores(rowwise["package"], rowwise["home"], raw))


def test_serve_runs_the_same_stage_code_and_validates_the_raw_columns(rowwise, monkeypatch):
    monkeypatch.setenv("NBPROMOTE_HOME", str(rowwise["home"]))
    monkeypatch.chdir(rowwise["package"])
    monkeypatch.syspath_prepend(str(rowwise["package"] / "src"))
    pipeline = importlib.import_module("rowwise_srv.pipeline").PIPELINE
    raw = rowwise["frame"].drop(columns="label").head(10)
    with ServerThread(pipeline, ServeConfig(reload_interval=0)) as server:
        status, body, _ = call(server.url + "/predict", "POST", json.loads(raw.to_json(orient="records")))
        bad_status, bad, _ = call(server.url + "/predict", "POST", [{"a": 1.0}])
        _s, meta, _ = call(server.url + "/metadata")
    assert status == 200, body
    assert [r["score"] for r in body["predictions"]] == pytest.approx(
        expected_scores(rowwise["package"], rowwise["home"], raw).tolist())
    assert meta["serving_path"]["stages"] == ["features"] and set(meta["serving_path"]["creates"]) == {"ratio", "a_sq"}
    assert bad_status == 422
    assert [e["field"] for e in bad["rows"][0]["errors"]] == ["b"]  # 'ratio', 'a_sq' come from the stage


def test_predict_and_serve_refuse_a_notebook_whose_features_need_other_rows(tmp_path):
    from nbpromote.export import export_notebook

    path, frame = make_notebook(tmp_path / "nb", 'df["a"] = df["a"] - df["a"].mean()\n' + FEATURES, "centred")
    package = export_notebook(path, tmp_path / "pkg", name="centred_srv", allow_findings=True).package_dir
    home = tmp_path / "home"
    for args in (("run",), ("register",), ("promote", "1", "--reason", "first", "--approve")):
        assert _cli(package, home, "centred_srv", *args).returncode == 0
    frame.drop(columns="label").to_csv(tmp_path / "raw.csv", index=False)
    done = _cli(package, home, "centred_srv", "predict", "--input", str(tmp_path / "raw.csv"))
    assert done.returncode == 2
    assert "stage 'features' computes across rows (mean()" in done.stderr and "Split that stage" in done.stderr
    served = _cli(package, home, "centred_srv", "serve", "--port", "0", "--stop-after", "1")
    assert served.returncode == 2 and "stage 'features'" in served.stderr


def test_the_serve_command_announces_its_port_answers_and_stops_by_itself(rowwise):
    import os
    import re
    import subprocess
    import time

    env = dict(os.environ, NBPROMOTE_HOME=str(rowwise["home"]),
               PYTHONPATH=os.pathsep.join([str(rowwise["package"] / "src"), *sys.path]))
    process = subprocess.Popen([sys.executable, "-m", "rowwise_srv", "serve", "--port", "0", "--stop-after", "60"],
                               cwd=rowwise["package"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match, line
        url = f"http://127.0.0.1:{match.group(1)}"
        deadline = time.monotonic() + 60
        while call(url + "/ready")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        status, body, _ = call(url + "/predict", "POST", [{"a": 5.0, "b": 2.0}])
        assert status == 200 and body["version"] == 1 and len(body["predictions"]) == 1
    finally:
        process.send_signal(2)
        assert process.wait(timeout=60) == 0
        process.stderr.close()


def _plain_records(frame):
    """Rows as JSON-ready records carrying the exact values (``to_json`` rounds floats to 10 digits)."""
    import math

    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")]


def _served_and_batch(package, home, pipeline, raw, tmp_path, name):
    import pandas as pd

    raw.to_csv(tmp_path / "raw.csv", index=False)
    done = _cli(package, home, name, "predict", "--input", str(tmp_path / "raw.csv"), "--output",
                str(tmp_path / "scored.csv"))
    assert done.returncode == 0, done.stderr
    batch = pd.read_csv(tmp_path / "scored.csv")
    with ServerThread(pipeline, ServeConfig(reload_interval=0)) as server:
        answers = [call(server.url + "/predict", "POST", _plain_records(raw.iloc[i:i + 1]))[1] for i in range(5)]
        status, whole, _ = call(server.url + "/predict", "POST", _plain_records(raw))
    assert status == 200, whole
    return batch, [a["predictions"][0] for a in answers], whole["predictions"]


def test_serve_answers_exactly_what_batch_predict_answers_for_the_same_rows(home_env, tmp_path):
    """The credit-risk model (its Pipeline holds the features): the same rows in one request get
    batch ``predict``'s predictions and scores to the last bit, including rows with missing values
    and a column the model does not use. One row at a time, the scores may differ in the last bit
    only: the model's own arithmetic (BLAS) sums a one-row batch in another order."""
    import pandas as pd

    raw = pd.read_csv(home_env["data"]).drop(columns=["default"]).head(60)
    assert raw.isna().any().any() and "sex" in raw.columns
    batch, singles, whole = _served_and_batch(home_env["package"], home_env["home"], home_env["pipeline"], raw,
                                              tmp_path, "credit_srv")
    assert [r["prediction"] for r in whole] == batch["prediction"].tolist()
    assert [r["score"] for r in whole] == batch["score"].tolist()
    assert [r["prediction"] for r in singles] == batch["prediction"].tolist()[:5]
    assert [r["score"] for r in singles] == pytest.approx(batch["score"].tolist()[:5], rel=1e-12, abs=0)


def test_serve_and_batch_predict_agree_through_the_notebooks_own_feature_stage(rowwise, monkeypatch, tmp_path):
    monkeypatch.setenv("NBPROMOTE_HOME", str(rowwise["home"]))
    monkeypatch.chdir(rowwise["package"])
    monkeypatch.syspath_prepend(str(rowwise["package"] / "src"))
    pipeline = importlib.import_module("rowwise_srv.pipeline").PIPELINE
    raw = rowwise["frame"].drop(columns="label").head(30)
    batch, singles, whole = _served_and_batch(rowwise["package"], rowwise["home"], pipeline, raw, tmp_path,
                                              "rowwise_srv")
    assert [r["prediction"] for r in whole] == batch["prediction"].tolist()
    assert [r["score"] for r in whole] == batch["score"].tolist()
    assert [r["prediction"] for r in singles] == batch["prediction"].tolist()[:5]
    assert [r["score"] for r in singles] == pytest.approx(batch["score"].tolist()[:5], rel=1e-12, abs=0)
