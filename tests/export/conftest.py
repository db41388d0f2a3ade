"""Real notebooks for the export tests: written with nbformat, with real CSV data beside them."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def notebook(*cells: tuple[list[str] | None, str]) -> nbformat.NotebookNode:
    """A notebook of code cells given as (tags, source); ids are stable (cell-0, cell-1 …)."""
    nb = nbformat.v4.new_notebook()
    for index, (tags, source) in enumerate(cells):
        cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)} if tags else {})
        cell["id"] = f"cell-{index}"
        nb.cells.append(cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write(nb: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def credit_csv(path: Path, rows: int = 400) -> Path:
    """A small, deterministic credit table whose default rate depends on the features."""
    rng = np.random.default_rng(0)
    income = rng.normal(50_000, 12_000, rows).round(0)
    loan = rng.normal(15_000, 5_000, rows).round(0).clip(1_000)
    age = rng.integers(18, 80, rows)
    region = rng.choice(["north", "south", "east"], rows)
    logit = 2.5 * loan / income - 0.02 * (age - 40) - 0.6
    default = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["age,income,loan_amount,region,default"]
    lines += [f"{a},{i},{o},{r},{d}" for a, i, o, r, d in zip(age, income, loan, region, default, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


CREDIT_CELLS: list[tuple[list[str] | None, str]] = [
    (["imports"], "import pandas as pd\nimport matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
                  "from sklearn.linear_model import LogisticRegression\nfrom sklearn.metrics import accuracy_score"),
    (["parameters"], "data_path = 'data/credit.csv'\ntest_size = 0.25\nC = 1.0\nseed = 7"),
    (["stage:ingest"], "%matplotlib inline\ndf = pd.read_csv(data_path)\ndf.head()"),
    (["skip", "nbval-skip"], "df.describe()"),
    (["stage:validate"], "assert df['age'].between(18, 100).all(), 'bad ages'\nprint(len(df))"),
    (["stage:features"], "from sklearn.model_selection import train_test_split\n"
                         "df['loan_to_income'] = df['loan_amount'] / df['income']\n"
                         "X = pd.get_dummies(df.drop(columns='default'), columns=['region'])\ny = df['default']\n"
                         "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, random_state=seed)"),
    (None, "X_train.shape"),
    (["stage:train"], "model = LogisticRegression(C=C, max_iter=500)\nmodel.fit(X_train, y_train)\n"
                      "plt.plot([0, 1])\nplt.show()"),
    (["stage:evaluate"], "predictions = model.predict(X_test)\n"
                         "metrics = {'accuracy': float(accuracy_score(y_test, predictions))}\nmetrics"),
]


@pytest.fixture
def credit_notebook(tmp_path: Path) -> Path:
    """A tagged credit-risk notebook in tmp_path/project with its data in data/credit.csv."""
    project = tmp_path / "project"
    credit_csv(project / "data" / "credit.csv")
    return write(notebook(*CREDIT_CELLS), project / "credit.ipynb")


def run_stages(package_dir: Path, name: str, params: dict | None = None) -> dict:
    """Call the generated stage functions in DAG order, as a runtime would (no runtime needed)."""
    import importlib
    import inspect

    sys.path.insert(0, str(package_dir / "src"))
    try:
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]
        pipeline_module = importlib.import_module(f"{name}.stages")
        import json

        meta = json.loads((package_dir / "nbpromote-export.json").read_text())
        artifacts: dict = {}
        defaults = {}
        for stage in meta["stages"]:
            module = importlib.import_module(f"{name}.stages.{stage}")
            signature = inspect.signature(module.run)
            kwargs = {}
            for parameter in signature.parameters.values():
                if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
                    defaults[parameter.name] = parameter.default
                    kwargs[parameter.name] = (params or {}).get(parameter.name, parameter.default)
                else:
                    kwargs[parameter.name] = artifacts[parameter.name]
            outputs = module.run(**kwargs)
            artifacts.update(outputs)
        del pipeline_module
        return artifacts
    finally:
        sys.path.remove(str(package_dir / "src"))
