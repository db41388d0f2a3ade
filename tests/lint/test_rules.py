"""Rule-specific behaviour beyond the corpus labels: where findings point, what they say."""

from __future__ import annotations

import pytest

from nbpromote.lint import lint_notebook
from nbpromote.lint.rules._absolute_path import is_absolute
from nbpromote.lint.rules._unpinned_install import unpinned

from .conftest import make_nb

HEAD = ("import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
        "from sklearn.linear_model import LogisticRegression\nfrom sklearn.preprocessing import StandardScaler")
LOAD = "df = pd.read_csv('d.csv')\nX = df.drop(columns=['y'])\ny = df['y']"
SPLIT = "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)"


def findings(*sources, **kwargs):
    return lint_notebook(make_nb(*sources, **kwargs)).findings


def test_preprocessing_points_at_the_fit_and_names_the_evaluation():
    (f,) = findings(HEAD, LOAD, "sc = StandardScaler()\nsc.fit(X)", SPLIT,
                    "m = LogisticRegression().fit(sc.transform(X_train), y_train)\nm.score(sc.transform(X_test), y_test)")
    assert (f.rule, f.cell, f.line, f.excerpt) == ("preprocessing-before-split", 2, 2, "sc.fit(X)")
    assert "StandardScaler.fit" in f.message and "cell 5, line 2" in f.message  # counted from 1


def test_preprocessing_statistic_that_never_reaches_a_model_is_fine():
    assert findings(HEAD, LOAD, "Xs = StandardScaler().fit_transform(X)\nprint(Xs.mean())", SPLIT,
                    "m = LogisticRegression().fit(X_train, y_train)\nm.score(X_test, y_test)") == []


def test_fit_on_test_message_and_fix_name_the_data():
    (f,) = findings(HEAD, LOAD, SPLIT, "sc = StandardScaler().fit(X_train)\nXt = StandardScaler().fit_transform(X_test)\n"
                    "m = LogisticRegression().fit(sc.transform(X_train), y_train)\nprint(m.score(Xt, y_test))")
    assert f.rule == "fit-on-test" and f.line == 2 and "X_test" in f.message and ".transform(X_test)" in f.fix


def test_refitting_on_an_unlabelled_submission_frame_is_not_fit_on_test():
    # Kaggle style: the test file has no labels and nothing is scored on it; the scaler refit there
    # is a consistency bug, not a leak into any reported score.
    assert findings(HEAD, LOAD, SPLIT, "test_df = pd.read_csv('test.csv')\nsc = StandardScaler()\n"
                    "Xtr = sc.fit_transform(X_train)\nm = LogisticRegression().fit(Xtr, y_train)\n"
                    "print(m.score(sc.transform(X_test), y_test))\n"
                    "sub = m.predict(StandardScaler().fit_transform(test_df))") == []


def test_multi_test_is_a_warning_with_the_evidence():
    (f,) = findings(HEAD, LOAD, SPLIT, "for c in [1, 10]:\n    m = LogisticRegression(C=c).fit(X_train, y_train)\n"
                    "    print(m.score(X_test, y_test))")
    assert (f.rule, f.severity, f.cell, f.line) == ("multi-test", "warning", 3, 3)
    assert "inside a loop" in f.message and "cells 4" in f.message  # counted from 1, as reported


def test_multi_test_not_reported_while_an_untouched_test_set_remains():
    assert findings(HEAD, LOAD, SPLIT, "X_a, X_b, y_a, y_b = train_test_split(X_train, y_train, random_state=0)",
                    "for c in [1, 10]:\n    m = LogisticRegression(C=c).fit(X_a, y_a)\n    print(m.score(X_b, y_b))") == []


def test_target_leakage_names_the_column():
    (f,) = findings(HEAD, "df = pd.read_csv('d.csv')\ndf['y_copy'] = df['y'] + 0\nX = df.drop(columns=['y'])\n"
                    "y = df['y']", SPLIT, "LogisticRegression().fit(X_train, y_train)")
    assert f.rule == "target-leakage" and "'y_copy'" in f.message and "'y'" in f.message and "y_copy" in f.fix


def test_temporal_random_split_is_a_warning_and_lookahead_an_error():
    sort = "df = pd.read_csv('d.csv', parse_dates=['when']).sort_values('when')\nX = df[['a']]\ny = df['y']"
    (split,) = findings(HEAD, sort, SPLIT, "LogisticRegression().fit(X_train, y_train).score(X_test, y_test)")
    assert (split.rule, split.severity, split.cell) == ("temporal", "warning", 2)
    assert "cell 2, line 1" in split.message  # cells are named from 1, as the report shows them
    ahead = findings(HEAD, "df = pd.read_csv('d.csv')\ndf['nxt'] = df['a'].shift(periods=-2)\nX = df[['a', 'nxt']]\n"
                     "y = df['y']\nLogisticRegression().fit(X, y)")
    assert [(f.rule, f.severity, f.line) for f in ahead] == [("temporal", "error", 2)]
    assert "'nxt'" in ahead[0].message


def test_out_of_order_from_execution_counts_names_both_cells():
    (f,) = findings("a = 1", "b = 2", "c = 3", counts=[2, 5, 3])
    assert (f.rule, f.cell) == ("out-of-order", 2)
    assert f.message.startswith("This cell ran as [3], before cell 2 above it ([5])")


def test_out_of_order_reports_the_cells_rerun_late_once_not_every_cell_below_them():
    # The first three cells were re-run at the end, after the ten below them: one finding, at the
    # first of them, naming the span; not ten findings about the cells that ran in order.
    cells = [f"v{i} = {i}" for i in range(13)]
    (f,) = findings(*cells, counts=[40, 41, 42] + list(range(10, 20)))
    assert (f.rule, f.cell) == ("out-of-order", 0)
    assert f.message.startswith("Cells 1–3 ran as [40]–[42], after cell 13 below them ([19])")


def test_out_of_order_reports_each_separate_late_run():
    (early, late) = findings(*[f"v{i} = {i}" for i in range(6)], counts=[5, 9, 6, 7, 8, 2])
    assert (early.cell, late.cell) == (1, 5)
    assert "ran as [9], after cell 5 below it ([8])" in early.message
    assert "ran as [2], before cell 5 above it ([8])" in late.message


def test_out_of_order_in_a_recorded_run_groups_the_cells_run_late():
    manifest = {"execution": [{"cell_id": f"c{i}", "execution_count": n}
                              for n, i in enumerate([2, 3, 4, 0, 1], start=1)]}
    notebook = make_nb("a = 1", "b = 2", "c = 3", "d = 4", "e = 5")
    (f,) = [x for x in lint_notebook(notebook, manifest=manifest).findings if x.rule == "out-of-order"]
    assert f.cell == 0 and "executed cells 1–2 after cell 5, which comes below" in f.message


def test_hidden_state_variants():
    later, never, deleted = (findings("print(a)", "a = 1"), findings("print(nope)"),
                             findings("a = 1", "del a", "print(a)"))
    assert "only defined in cell 2" in later[0].message and later[0].cell == 0
    assert "never defined" in never[0].message
    assert "deleted in cell 2" in deleted[0].message and deleted[0].cell == 2


def test_hidden_state_after_a_star_import_in_the_same_cell_is_unknowable():
    assert findings("res = 1", "from statsmodels.graphics.regressionplots import *\nplot_leverage_resid2(res)") == []
    # a name used on a line above the star import is still reported
    (before,) = findings("print(width)\nfrom math import *")
    assert "'width' is never defined" in before.message


def test_hidden_state_after_pylab_is_unknowable():
    # %pylab inline star-imports numpy and matplotlib.pylab (old teaching notebooks start with it)
    assert findings("%pylab inline", "x = linspace(0, 1, 10)\nplot(x, np.sin(x))\nplt.show()") == []


def test_hidden_state_a_top_to_bottom_capture_ran_through_is_refuted_at_info():
    notebook = make_nb("import numpy as np", "print(helper_from_startup(np.arange(3)))")
    from nbpromote.notebook import notebook_hash

    manifest = {"notebook_hash": notebook_hash(notebook),
                "execution": [{"cell_id": "c0", "execution_count": 1}, {"cell_id": "c1", "execution_count": 2}]}
    (static,) = lint_notebook(notebook).findings
    assert (static.rule, static.severity, static.runtime) == ("hidden-state", "error", None)
    (after_run,) = lint_notebook(notebook, manifest=manifest).findings
    assert (after_run.severity, after_run.runtime["status"]) == ("info", "refuted")
    assert "top to bottom" in after_run.runtime["evidence"]
    # a run out of notebook order, or of other code, refutes nothing
    shuffled = {**manifest, "execution": manifest["execution"][::-1]}
    other = {**manifest, "notebook_hash": "sha256:" + "0" * 64}
    for unconvincing in (shuffled, other):
        (kept,) = [f for f in lint_notebook(notebook, manifest=unconvincing).findings if f.rule == "hidden-state"]
        assert (kept.severity, kept.runtime) == ("error", None)


def test_hidden_state_after_a_cell_that_does_not_parse_is_left_to_the_syntax_error():
    # Python 2 prints make the cell unparseable; the names it binds are unknown, so the later use is
    # a consequence of the syntax error, not a second error.
    found = findings("import pandas as pd", "features = ['rooms']\nprint 'chosen', features", "print(features)")
    assert [(f.rule, f.cell) for f in found] == [("syntax-error", 1)]
    # before the broken cell, a name nobody defines is still reported
    (early, _) = findings("print(never_set)", "print 'x'")
    assert early.rule == "hidden-state" and early.cell == 0


def test_hidden_state_skips_ipython_names_and_opaque_definers():
    assert findings("print(In, Out, _, __session__)") == []
    assert findings("%run setup.py", "print(defined_by_setup)") == []


@pytest.mark.parametrize("path, absolute", [
    ("/home/a/x.csv", True), ("~/x.csv", True), ("C:\\data\\x.csv", True), ("D:/x.csv", True),
    ("\\\\server\\share\\x.csv", True), ("data/x.csv", False), ("./x.csv", False),
    ("https://host/x.csv", False), ("s3://bucket/x.csv", False),
])
def test_is_absolute(path, absolute):
    assert is_absolute(path) is absolute


@pytest.mark.parametrize("command, packages", [
    ("pandas", ["pandas"]), ("-U pandas numpy==1.26", ["pandas"]), ("'scikit-learn>=1.4'", []),
    ("-r requirements.txt", []), ("-e .", []), ("./dist/x-1.0-py3-none-any.whl", []),
    ("--index-url https://x/simple torch", ["torch"]), ("git+https://github.com/a/b", ["git+https://github.com/a/b"]),
    ("git+https://github.com/a/b.git@v1.2#egg=b", []),
    ("-q xgboost lightgbm", ["xgboost", "lightgbm"]), ("pkg[extra]==1.0", []),
])
def test_unpinned_package_parsing(command, packages):
    assert unpinned(command) == packages


def test_unpinned_install_forms():
    rules = [(f.rule, f.cell) for f in findings("!pip install pandas", "%pip install numpy==1.26",
                                                "!{sys.executable} -m pip install polars", "%conda install scipy",
                                                "%conda install scipy=1.11", "!pip list")]
    assert rules == [("unpinned-install", 0), ("unpinned-install", 2), ("unpinned-install", 3)]


def test_unseeded_estimators_only_when_random_state_matters():
    src = ("from sklearn.model_selection import KFold\nfrom sklearn.ensemble import RandomForestRegressor\n"
           "a = KFold(5)\nb = KFold(5, shuffle=True)\nc = RandomForestRegressor(random_state=None)\n"
           "d = RandomForestRegressor(random_state=1)")
    assert [(f.rule, f.line) for f in findings(src)] == [("unseeded-randomness", 4), ("unseeded-randomness", 5)]


def test_target_leakage_after_select_dtypes_is_a_hedged_warning():
    (f,) = findings(HEAD, "df = pd.read_csv('d.csv')\nX = df.select_dtypes('number')\ny = df['y']", SPLIT,
                    "LogisticRegression().fit(X_train, y_train)")
    assert (f.rule, f.severity) == ("target-leakage", "warning") and "if it is numeric" in f.message


def test_row_filters_with_statistics_are_cleaning_not_leakage():
    assert findings(HEAD, "df = pd.read_csv('d.csv')\ndf = df[df.a < df.a.quantile(0.99)]\n"
                    "X = df.drop(columns=['y'])\ny = df['y']", SPLIT,
                    "m = LogisticRegression().fit(X_train, y_train)\nm.score(X_test, y_test)") == []


def test_metric_loops_over_the_whole_test_target_are_selection():
    (f,) = findings(HEAD, LOAD, SPLIT, "from sklearn.metrics import f1_score\n"
                    "m = LogisticRegression().fit(X_train, y_train)\np = m.predict_proba(X_test)[:, 1]\n"
                    "best = max([0.3, 0.5, 0.7], key=lambda t: f1_score(y_test, p > t))")
    assert f.rule == "multi-test" and f.line == 4 and "inside a loop" in f.message  # where the threshold is chosen


def test_early_stopping_on_the_test_set_is_selection_but_on_a_validation_split_is_not():
    fit = ("m = LogisticRegression()\nm.fit(X_train, y_train, eval_set=[({x}, {y})], early_stopping_rounds=10)\n"
           "m.score(X_test, y_test)")
    assert [f.rule for f in findings(HEAD, LOAD, SPLIT, fit.format(x="X_test", y="y_test"))] == ["multi-test"]
    val = "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, random_state=0)"
    assert findings(HEAD, LOAD, SPLIT, val, fit.replace("X_train, y_train", "X_tr, y_tr").format(
        x="X_val", y="y_val")) == []


def test_a_watch_list_without_early_stopping_is_monitoring():
    # Printing the test loss every round chooses nothing; the training set in the list is no overlap.
    fit = ("m = LogisticRegression()\nm.fit(X_train, y_train, eval_set=[(X_train, y_train), (X_test, y_test)])\n"
           "m.score(X_test, y_test)")
    assert findings(HEAD, LOAD, SPLIT, fit) == []


def test_a_feature_only_named_like_the_target_is_a_warning():
    (f,) = findings(HEAD, "df = pd.read_csv('d.csv')\nX = df[['age', 'previous_default']]\ny = df['default']",
                    SPLIT, "LogisticRegression().fit(X_train, y_train)")
    assert (f.rule, f.severity) == ("target-leakage", "warning") and "named after the target" in f.message
