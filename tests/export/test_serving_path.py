"""The serving path: which stages a request row passes through, or which stage to split."""

from __future__ import annotations

import nbformat
import pytest

from nbpromote.export import plan_stages
from nbpromote.export._serving_path import serving_path

IMPORTS = ("import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
           "from sklearn.model_selection import train_test_split")
SPLIT = ('X = df[["a", "b", "ratio"]]\ny = df["label"]\n'
         "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)")
TRAIN = "model = LogisticRegression().fit(X_train, y_train)"


def notebook(tmp_path, *cells: tuple[str, str]):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(IMPORTS, metadata={"tags": ["imports"]}),
                nbformat.v4.new_code_cell('data_path = "data.csv"', metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(source, metadata={"tags": [tag]}) for tag, source in cells]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return plan_stages(path)


def test_row_wise_feature_stage_is_the_path_and_the_loaded_frame_is_replaced(tmp_path):
    plan = notebook(tmp_path, ("stage:ingest", "df = pd.read_csv(data_path)"),
                    ("stage:features", 'df["ratio"] = df["a"] / (df["b"] + 1)\ndf = df.rename(columns=str.lower)'),
                    ("stage:split", SPLIT), ("stage:train", TRAIN))
    path = serving_path(plan)
    assert path["mode"] == "stages" and path["stages"] == ["features"]
    assert path["steps"] == [{"stage": "features", "consumes": "df_ingest", "produces": "df"}]
    assert path["replaces"] == "df_ingest" and path["refusal"] is None


def test_a_check_stage_that_only_reads_the_frame_is_passed_through(tmp_path):
    plan = notebook(tmp_path, ("stage:ingest", "df = pd.read_csv(data_path)"),
                    ("stage:validate", 'df["a"].astype(float)\nif df.isna().mean().max() > 0.5:\n    raise ValueError("empty")'),
                    ("stage:features", 'df["ratio"] = df["a"] / df["b"]'),
                    ("stage:split", SPLIT), ("stage:train", TRAIN))
    path = serving_path(plan)
    assert path["mode"] == "stages" and path["stages"] == ["features"]


def test_no_feature_stage_serves_the_model_alone(tmp_path):
    plan = notebook(tmp_path, ("stage:ingest", "df = pd.read_csv(data_path)"),
                    ("stage:split", SPLIT.replace(', "ratio"', "")), ("stage:train", TRAIN))
    path = serving_path(plan)
    assert path["mode"] == "model" and path["stages"] == [] and path["replaces"] == "df"


@pytest.mark.parametrize(("cells", "stage", "why"), [
    ((("stage:ingest", 'df = pd.read_csv(data_path)\ndf["ratio"] = df["a"] / df["b"]'),),
     "ingest", "both reads a file"),
    ((("stage:ingest", "df = pd.read_csv(data_path)"),
      ("stage:features", 'df["a"] = df["a"].fillna(df["a"].mean())\ndf["ratio"] = df["a"] / df["b"]')),
     "features", "computes across rows (mean()"),
    ((("stage:ingest", "df = pd.read_csv(data_path)"),
      ("stage:features", 'df["ratio"] = df["a"] / df["b"]\ndf["label"] = (df["label"] > 0).astype(int)')),
     "features", "uses the target"),
    ((("stage:ingest", "df = pd.read_csv(data_path)"),
      ("stage:features", 'df = pd.get_dummies(df)\ndf["ratio"] = df["a"] / df["b"]')),
     "features", "get_dummies()"),
])
def test_no_path_names_the_stage_to_split_and_why(tmp_path, cells, stage, why):
    plan = notebook(tmp_path, *cells, ("stage:split", SPLIT), ("stage:train", TRAIN))
    path = serving_path(plan)
    assert path["mode"] == "none" and path["stage_to_split"] == stage
    assert why in path["refusal"] and f"stage '{stage}'" in path["refusal"]


def test_feature_code_fused_with_the_split_is_refused(tmp_path):
    plan = notebook(tmp_path, ("stage:ingest", "df = pd.read_csv(data_path)"),
                    ("stage:split", 'df["ratio"] = df["a"] / df["b"]\n' + SPLIT), ("stage:train", TRAIN))
    path = serving_path(plan)
    assert path["mode"] == "none" and path["stage_to_split"] == "split"
    assert "in the same stage as the split" in path["refusal"]


def test_export_writes_serving_json_beside_the_lineage(tmp_path):
    from nbpromote._io import read_json
    from nbpromote.export import export_notebook

    notebook(tmp_path, ("stage:ingest", "df = pd.read_csv(data_path)"),
             ("stage:features", 'df["ratio"] = df["a"] / df["b"]'), ("stage:split", SPLIT), ("stage:train", TRAIN))
    (tmp_path / "data.csv").write_text("a,b,label\n1,2,0\n3,4,1\n")
    result = export_notebook(tmp_path / "nb.ipynb", tmp_path / "out", name="rowwise", allow_findings=True)
    written = read_json(result.package_dir / "src" / "rowwise" / "serving.json")
    assert written["mode"] == "stages" and written["schema_version"] == 1
