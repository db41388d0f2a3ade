"""The dataflow facts the rules and the export step read: labels, fits, evaluations, statistics."""

from __future__ import annotations

import pytest

from nbpromote.lint import analyze
from nbpromote.lint._values import Data, contained, label_of, name_side, overlap
from nbpromote.notebook import make_cell

HEAD = ("import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
        "from sklearn.preprocessing import StandardScaler\nfrom sklearn.linear_model import LogisticRegression\n"
        "df = pd.read_csv('d.csv')\nX = df.drop(columns=['y'])\ny = df['y']\n")


def facts(*sources: str, manifest=None):
    return analyze([make_cell(i, s) for i, s in enumerate(sources)], manifest=manifest)


def test_train_test_split_labels_its_outputs_and_keeps_them_disjoint():
    f = facts(HEAD + "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)")
    env = f.env
    assert env["X_train"].label == "train" and env["X_test"].label == "test"
    assert env["y_test"].label == "test" and env["X"].label is None
    assert not overlap(env["X_train"].rows, env["X_test"].rows)
    assert contained(env["X_test"].rows, env["X"].rows) and not contained(env["X"].rows, env["X_test"].rows)
    assert [s.how for s in f.splits] == ["train_test_split"]


def test_named_slices_are_splits_and_unnamed_ones_are_not():
    f = facts(HEAD + "n = 100\ntrain = df.iloc[:n]\ntest = df.iloc[n:]\nhead = df.head()")
    env = f.env
    assert env["train"].label == "train" and env["test"].label == "test"
    assert not overlap(env["train"].rows, env["test"].rows)
    assert env["head"].label is None


@pytest.mark.parametrize("name, side", [
    ("X_train", "train"), ("X_test", "test"), ("df_val", "test"), ("Xte", "test"), ("X_te", "test"),
    ("trainDF", "train"), ("holdout", "test"), ("xtrain", "train"), ("testset", "test"),
    ("x", None), ("contest", None), ("latest", None), ("trend", None), ("df", None), ("value", None),
])
def test_name_side(name, side):
    assert name_side(name) == side


def test_fit_and_eval_events_record_data_and_training_rows():
    f = facts(HEAD + "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
              "m = LogisticRegression()\nm.fit(X_train, y_train)\nm.score(X_test, y_test)\nm.score(X_train, y_train)")
    assert [(e.method, e.est.cls, e.X.label) for e in f.fits] == [("fit", "LogisticRegression", "train")]
    assert [(e.site, e.held_out) for e in f.evals] == [((1, 3), True), ((1, 4), False)]


def test_fitted_transformer_taints_what_it_transforms_with_its_statistic():
    f = facts(HEAD + "sc = StandardScaler().fit(X)\nXs = sc.transform(X)\nXr = X.copy()")
    (stat,) = f.stats
    assert stat.what == "StandardScaler.fit" and stat.site == (0, 8)
    assert stat in f.env["Xs"].stats and not f.env["Xr"].stats


def test_pandas_statistics_flow_through_fillna_and_column_assignment():
    f = facts(HEAD + "df['a'] = df['a'].fillna(df['a'].mean())\nmean_only = df['a'].mean()")
    assert [s.what for s in f.stats] == [".mean()", ".mean()"]
    assert f.env["df"].stats and f.env["df"].rows
    assert not f.env["mean_only"].rows  # a statistic has no rows of its own


def test_row_wise_operations_are_not_statistics():
    f = facts(HEAD + "total = df[['a', 'b']].mean(axis=1)\nratio = df['a'] / df['b']")
    assert f.stats == []


def test_pipeline_preprocessing_is_not_a_leaking_statistic():
    f = facts(HEAD + "from sklearn.pipeline import make_pipeline\n"
              "pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)\np = pipe.predict(X)")
    assert f.stats == [] and f.fits[0].est.kind == "pipeline"


def test_user_functions_are_inlined_with_their_arguments():
    f = facts(HEAD, "def prep(frame):\n    s = StandardScaler()\n    return s.fit_transform(frame)",
              "Xp = prep(X)")
    assert isinstance(f.env["Xp"], Data) and f.env["Xp"].stats
    assert f.stats[0].site == (1, 3)  # reported where the code is
    assert "s" not in f.env and "frame" not in f.env  # locals do not leak into the globals


def test_columns_track_drops_selections_and_derivations():
    f = facts(HEAD + "df['flag'] = df['y'] * 2\nA = df.drop(columns=['y'])\nB = df[['a', 'flag']]\nC = df.iloc[:, 1:]")
    env = f.env
    assert env["A"].cols.keeps("y") is False and env["A"].cols.keeps("flag") is True
    assert env["B"].cols.selected == {"a", "flag"} and env["B"].cols.derived_map()["flag"] == {"y"}
    assert env["C"].cols.keeps("y") is None  # unknown: column rules stay silent


def test_kfold_split_indices_partition_rows():
    f = facts(HEAD + "from sklearn.model_selection import KFold\n"
              "for tr, te in KFold(5).split(X):\n    a = X.iloc[tr]\n    b = X.iloc[te]")
    assert f.env["a"].label == "train" and f.env["b"].label == "test"
    assert f.splits[0].how == "cv"


def test_random_draws_seeded_by_earlier_seed_or_manifest():
    unseeded = facts("import numpy as np\nv = np.random.rand(3)")
    seeded = facts("import numpy as np\nnp.random.seed(1)\nv = np.random.rand(3)")
    by_manifest = facts("import numpy as np\nv = np.random.rand(3)", manifest={"seeds": [{"x": 1}]})
    assert [r.seeded for r in unseeded.randoms] == [False]
    assert [r.seeded for r in seeded.randoms] == [True]
    assert [r.seeded for r in by_manifest.randoms] == [True]


def test_reads_resolve_constant_paths_through_variables_and_joins():
    f = facts("import pandas as pd\nimport os\nROOT = '/data'\na = pd.read_csv(os.path.join(ROOT, 'x.csv'))\n"
              "b = pd.read_parquet(f'/srv/{ROOT}.parquet')\nc = pd.read_csv(some_handle)")
    assert [r.path for r in f.reads] == ["/data/x.csv", "/srv//data.parquet", None]


def test_ipython_shell_commands_are_recorded():
    f = facts("!pip install x\n%pip install y==1\n%promote seed 3")
    assert [(e.kind, e.name, e.text) for e in f.shell] == [
        ("system", "", "pip install x"), ("magic", "pip", "install y==1"), ("magic", "promote", "seed 3")]
    assert f.seeds


def test_unparsable_cells_are_skipped_and_odd_code_never_crashes():
    f = facts("def broken(:", "x = [y for y in z if (w := y)]\nlambda q: q.fit(X)\n"
              "class A:\n    pass\nA().fit(1)\nawait_this = 1\nglobal g\ndel nothing[0]\n"
              "a, *b = c\nwith open('f') as (h, i):\n    pass\ntry:\n    1/0\nexcept ZeroDivisionError as e:\n    pass")
    assert f.errors == []


def test_label_algebra():
    a = frozenset({(1, ())})
    train = frozenset({(1, ((("s",), "train"),))})
    test = frozenset({(1, ((("s",), "test"),))})
    assert label_of(train) == "train" and label_of(a) is None
    assert overlap(a, test) and not overlap(train, test) and not overlap(a, frozenset({(2, ())}))
    assert contained(test, a) and not contained(a, test) and not contained(frozenset(), a)


def test_the_walk_never_gives_up_on_real_code():
    """Every module of nbpromote itself, linted as a script: no statement the analysis cannot walk."""
    from pathlib import Path

    from nbpromote.lint import lint_notebook

    src = Path(__file__).resolve().parents[2] / "src" / "nbpromote"
    paths = sorted(src.rglob("*.py"))
    assert len(paths) > 30
    for path in paths:
        result = lint_notebook(path)
        assert result.errors == [], (path, result.errors)
