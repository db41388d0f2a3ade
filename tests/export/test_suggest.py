"""suggest_tags proposes stage tags from what cells do; --write keeps every tag nbpromote does not own."""

import nbformat
import pytest

from nbpromote.errors import UsageError
from nbpromote.export import apply_suggestions, plan_stages, suggest_tags

from .conftest import notebook, write

UNTAGGED = [
    (None, "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import train_test_split"),
    (None, "data_path = 'data/credit.csv'\ntest_size = 0.25"),
    (None, "def clean(frame):\n    return frame.dropna()"),
    (None, "df = clean(pd.read_csv(data_path))"),
    (None, "df.head()"),
    (None, "assert df['age'].min() >= 18"),
    (None, "df['ratio'] = df['loan_amount'] / df['income']"),
    (None, "X_train, X_test, y_train, y_test = train_test_split(df[['ratio']], df['default'], test_size=test_size)"),
    (None, "model = LogisticRegression()\nmodel.fit(X_train, y_train)"),
    (None, "accuracy = model.score(X_test, y_test)"),
    (None, "metrics = {'accuracy': accuracy}"),
    (None, "%matplotlib inline"),
]


def test_suggestions_follow_what_each_cell_does():
    suggestions = suggest_tags(notebook(*UNTAGGED))
    assert [s.tags for s in suggestions] == [
        ["imports"], ["parameters"], ["functions"], ["stage:ingest"], ["skip"], ["stage:validate"],
        ["stage:features"], [], ["stage:train"], ["stage:evaluate"], [], ["skip"],
    ]
    assert suggestions[3].reason == "reads data (read_csv)"
    assert suggestions[8].reason == "fits an estimator (.fit)"
    assert all(s.cell == i for i, s in enumerate(suggestions))


def test_applied_suggestions_give_a_notebook_that_plans(tmp_path):
    path = write(notebook(*UNTAGGED), tmp_path / "nb.ipynb")
    changed = apply_suggestions(path, suggest_tags(path))
    assert changed == 10
    plan = plan_stages(path)
    assert [s.name for s in plan.stages] == ["ingest", "validate", "features", "train", "evaluate"]
    # the notebook's own `metrics` dict stays the metrics (what the metric calls computed fills it in)
    assert plan.roles["model"] == "model" and plan.roles["metrics"] == "metrics"
    assert plan.stage("evaluate").merge_into == "metrics"


def test_write_preserves_foreign_tags_and_replaces_only_owned_ones(tmp_path):
    nb = notebook((["nbval-ignore-output", "stage:old"], "import os"), (["injected-parameters", "mine"], "x = 1"))
    path = write(nb, tmp_path / "nb.ipynb")
    suggestions = suggest_tags(path)
    assert suggestions[0].tags == ["stage:old"] and not suggestions[0].changes  # tagged by the user: kept
    suggestions[0].tags = ["imports"]  # e.g. the person accepted a different proposal
    apply_suggestions(path, suggestions)
    cells = nbformat.read(str(path), 4).cells
    assert cells[0].metadata.tags == ["nbval-ignore-output", "imports"]
    assert cells[1].metadata.tags[:2] == ["injected-parameters", "mine"]


def test_write_is_idempotent_and_leaves_the_file_alone_the_second_time(tmp_path):
    path = write(notebook(*UNTAGGED), tmp_path / "nb.ipynb")
    apply_suggestions(path, suggest_tags(path))
    before = path.read_bytes()
    assert apply_suggestions(path, suggest_tags(path)) == 0
    assert path.read_bytes() == before


def test_a_cell_of_an_earlier_kind_continues_the_current_stage():
    # one stage per step, in the order a person writes them, not `train` … `train_13`
    tags = [s.tags for s in suggest_tags(notebook(
        (None, "import pandas as pd"), (None, "a = pd.read_csv('a.csv')"), (None, "m = fit_model(a)\nm.fit(a)"),
        (None, "b = pd.read_csv('b.csv')"), (None, "print(m.score(a, b))"), (None, "m.fit(b)"),
    ))]
    assert tags == [["imports"], ["stage:ingest"], ["stage:train"], [], ["stage:evaluate"], []]


def test_a_printed_metric_is_evaluation_not_skip():
    tags = [s.tags for s in suggest_tags(notebook(
        (None, "from sklearn.metrics import accuracy_score"), (None, "clf.fit(X_train, y_train)"),
        (None, "print(accuracy_score(y_test, clf.predict(X_test)))"),
    ))]
    assert tags[2] == ["stage:evaluate"]


def test_write_on_a_partly_tagged_notebook_never_splits_its_stages(tmp_path):
    # Kale's serving example: three steps, continuation cells untagged
    path = write(notebook(
        (["imports"], "from sklearn import datasets\nfrom sklearn.ensemble import RandomForestClassifier\n"
                      "from sklearn.model_selection import train_test_split\nfrom sklearn.metrics import accuracy_score"),
        (["step:load_data"], "x, y = datasets.load_iris(return_X_y=True)"),
        (None, "x_trn, x_tst, y_trn, y_tst = train_test_split(x, y, test_size=.2)"),
        (["prev:load_data", "step:train_model"], "model = RandomForestClassifier(n_estimators=10)"),
        (None, "model.fit(x_trn, y_trn)"),
        (["prev:train_model", "step:evaluate_model"], "preds = model.predict(x_tst)"),
        (None, "accuracy = accuracy_score(y_tst, preds)"),
        (["pipeline-metrics"], "print(accuracy)"),
    ), tmp_path / "kale.ipynb")
    apply_suggestions(path, suggest_tags(path))
    plan = plan_stages(path)
    assert [s.name for s in plan.stages] == ["load_data", "train_model", "evaluate_model"]
    assert plan.roles["model"] == "model" and plan.roles["metrics"] == "metrics"


def test_a_computing_cell_before_any_stage_gets_a_prepare_stage():
    tags = [s.tags for s in suggest_tags(notebook((None, "import math"), (None, "x = math.sqrt(4)")))]
    assert tags == [["imports"], ["stage:prepare"]]


def test_parameters_are_only_proposed_before_computing_cells_and_only_once():
    tags = [s.tags for s in suggest_tags(notebook(
        (None, "a = 1"), (None, "b = 2"), (None, "import pandas as pd\nx = pd.read_csv('x.csv')"), (None, "c = 3"),
    ))]
    assert tags == [["parameters"], ["stage:prepare"], ["stage:ingest"], []]


def test_write_into_a_percent_script_tags_its_markers_and_keeps_the_rest(tmp_path):
    # a Ploomber-style task script
    script = tmp_path / "fit.py"
    script.write_text('# %% [markdown]\n# Train a model\n\n# %%\nimport pandas as pd\n'
                      'from sklearn.linear_model import LinearRegression\n\n# %% tags=["parameters"]\nalpha = 0.5\n\n'
                      '# %%\ndf = pd.read_csv("data.csv")\n\n# %%\nmodel = LinearRegression().fit(df[["x"]], df.y)\n')
    assert apply_suggestions(script, suggest_tags(script)) == 3
    text = script.read_text()
    assert '# %% tags=["stage:ingest"]\ndf = pd.read_csv("data.csv")' in text
    assert '# %% tags=["parameters"]' in text and "# Train a model" in text
    assert [s.name for s in plan_stages(script).stages] == ["ingest", "train"]


def test_apply_refuses_other_files_and_stale_suggestions(tmp_path):
    script = tmp_path / "nb.r"
    script.write_text("x = 1\n")
    with pytest.raises(UsageError, match="only be written into an .ipynb"):
        apply_suggestions(script, [])
    path = write(notebook((None, "x = 1")), tmp_path / "nb.ipynb")
    stale = suggest_tags(notebook((None, "x = 1")))
    stale[0].cell_id = "gone"
    with pytest.raises(UsageError, match="cell id gone not found"):
        apply_suggestions(path, stale)
