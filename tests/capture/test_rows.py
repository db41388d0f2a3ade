"""Run-time row tracking in a real IPython shell: which rows reached each fit, transform and score.

Each test runs cells written the way real notebooks are, with real scikit-learn and pandas, and
reads the evidence the session would put into the manifest.
"""

from __future__ import annotations

import sys

import pytest

from nbpromote.capture import kernel
from nbpromote.capture._evidence import shared_rows
from nbpromote.capture._rows import RowIds

pytest.importorskip("sklearn")

DATA = """
import numpy as np, pandas as pd
rng = np.random.RandomState(0)
df = pd.DataFrame(rng.normal(size=(400, 3)), columns=["a", "b", "c"])
df["target"] = (df.a + rng.normal(size=400) > 0).astype(int)
"""
IMPORTS = """
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import train_test_split, cross_val_score
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from sklearn.pipeline import make_pipeline
from sklearn.metrics import accuracy_score
"""


@pytest.fixture
def tracked(shell):
    session = kernel.get_session(shell)
    session.track_rows(shell)
    yield shell, session
    session.stop_tracking_rows()


def cells(shell, *sources):
    for source in sources:
        result = shell.run_cell(source, store_history=True)
        assert result.success, result.error_in_exec


def shared(session, learner=None, evaluation=None):
    return [e for e in session.rows_section()["evidence"] if e["kind"] == "shared-rows"
            and (learner is None or e["learner"] == learner) and (evaluation is None or e["evaluation"] == evaluation)]


def test_a_scaler_fitted_before_the_split_shares_the_test_rows(tracked):
    shell, session = tracked
    cells(shell, DATA, IMPORTS, """
X = df[["a", "b", "c"]]
y = df["target"]
X_scaled = StandardScaler().fit_transform(X)
X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, test_size=0.25, random_state=0)
model = LogisticRegression().fit(X_train, y_train)
print(accuracy_score(y_test, model.predict(X_test)))
""")
    [scaler] = shared(session, "StandardScaler", "accuracy_score")
    assert (scaler["learned_rows"], scaler["evaluated_rows"], scaler["shared_rows"]) == (400, 100, 100)
    assert scaler["matched_by"] == "row ids" and scaler["in_path"] is True
    assert scaler["learned_at"]["line"] == 4 and scaler["evaluated_at"]["line"] == 7
    [model] = shared(session, "LogisticRegression", "accuracy_score")
    assert (model["learned_rows"], model["shared_rows"]) == (300, 0)  # a clean hold-out for the model


def test_split_first_then_fit_shares_nothing(tracked):
    shell, session = tracked
    cells(shell, DATA, IMPORTS, """
X_train, X_test, y_train, y_test = train_test_split(df[["a", "b", "c"]], df["target"], random_state=1)
scaler = StandardScaler().fit(X_train)
model = LogisticRegression().fit(scaler.transform(X_train), y_train)
score = model.score(scaler.transform(X_test), y_test)
""")
    evidence = shared(session)
    assert evidence and all(e["shared_rows"] == 0 for e in evidence)
    assert {e["learner"] for e in evidence} == {"StandardScaler", "LogisticRegression"}


def test_training_on_all_rows_then_scoring_a_subset_is_overlap(tracked):
    shell, session = tracked
    cells(shell, DATA, IMPORTS, """
X, y = df[["a", "b", "c"]], df["target"]
tree = DecisionTreeClassifier(random_state=0).fit(X, y)
_, X_test, _, y_test = train_test_split(X, y, test_size=50, random_state=0)
tree.score(X_test, y_test)
""")
    [record] = shared(session, "DecisionTreeClassifier")
    assert (record["learned_rows"], record["evaluated_rows"], record["shared_rows"]) == (400, 50, 50)


def test_positions_survive_numpy_slices_and_column_views(tracked):
    shell, session = tracked
    cells(shell, DATA, IMPORTS, """
values = df[["a", "b", "c"]].to_numpy()
labels = df["target"].to_numpy()
scaler = StandardScaler().fit(values[:300])
model = LogisticRegression().fit(scaler.transform(values[:300]), labels[:300])
proba = model.predict_proba(scaler.transform(values[250:]))[:, 1]
from sklearn.metrics import roc_auc_score
roc_auc_score(labels[250:], proba)
""")
    [record] = shared(session, "StandardScaler", "roc_auc_score")
    assert (record["learned_rows"], record["evaluated_rows"], record["shared_rows"]) == (300, 150, 50)
    assert record["matched_by"] == "row ids"


def test_preprocessing_before_cross_validation_is_counted_but_the_cv_model_is_not(tracked):
    shell, session = tracked
    cells(shell, DATA, IMPORTS, """
X = StandardScaler().fit_transform(df[["a", "b", "c"]])
model = LogisticRegression().fit(X, df["target"])
cross_val_score(model, X, df["target"], cv=4)
cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), df[["a", "b", "c"]], df["target"], cv=4)
""")
    records = shared(session, evaluation="cross_val_score")
    assert [(r["learner"], r["shared_rows"], r.get("cross_validation")) for r in records] == [("StandardScaler", 400, True)]


def test_the_same_test_rows_scored_for_several_models_is_reuse(tracked):
    shell, session = tracked
    cells(shell, DATA, IMPORTS, """
X_train, X_test, y_train, y_test = train_test_split(df[["a", "b", "c"]], df["target"], random_state=0)
scores = {}
for depth in (1, 3, 5):
    candidate = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(X_train, y_train)
    scores[depth] = accuracy_score(y_test, candidate.predict(X_test))
""")
    [reuse] = [e for e in session.rows_section()["evidence"] if e["kind"] == "reused-rows"]
    assert reuse["evaluated_rows"] == 100 and len(reuse["models"]) == 3


def test_rows_from_unrelated_origins_match_by_content_only(tracked):
    shell, session = tracked
    cells(shell, DATA, IMPORTS, """
train = df.iloc[:300].copy()
test = pd.concat([df.iloc[250:300], df.iloc[300:]]).reset_index(drop=True)  # 50 rows copied into test
model = LogisticRegression().fit(train[["a", "b", "c"]].to_numpy(), train["target"].to_numpy())
model.score(np.ascontiguousarray(test[["a", "b", "c"]].to_numpy()), test["target"].to_numpy())
""")
    [record] = shared(session, "LogisticRegression")
    assert record["shared_rows"] == 50 and record["evaluated_rows"] == 150


def test_wrappers_are_installed_when_the_library_is_imported_and_removed_on_stop(tracked):
    shell, session = tracked
    cells(shell, IMPORTS)
    from sklearn.preprocessing import StandardScaler

    assert getattr(StandardScaler.fit, "_nbpromote_rows", False)
    session.stop_tracking_rows()
    assert not getattr(StandardScaler.fit, "_nbpromote_rows", False)
    assert all(type(f).__name__ != "_Finder" for f in sys.meta_path)


def test_inner_calls_of_a_pipeline_or_search_are_not_recorded(tracked):
    shell, session = tracked
    cells(shell, DATA, IMPORTS, """
from sklearn.model_selection import GridSearchCV
search = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression()), {"logisticregression__C": [0.1, 1]}, cv=3)
search.fit(df[["a", "b", "c"]], df["target"])
""")
    assert [c["call"] for c in session.rows_section()["calls"]] == ["GridSearchCV.fit"]


def test_no_data_is_copied_a_tracked_frame_is_the_same_object(tracked):
    shell, session = tracked
    cells(shell, DATA, IMPORTS, """
X = df[["a", "b", "c"]]
Xs = StandardScaler().fit_transform(X)
parts = train_test_split(X, df["target"], random_state=0)
""")
    ns = shell.user_ns
    assert ns["parts"][0].shape == (300, 3) and ns["X"] is shell.user_ns["X"]
    assert "rows" in session.rows_section()["calls"][0]


def test_shared_rows_by_identity_and_by_content():
    import numpy as np

    a = RowIds("data#1", 4, np.array([0, 1, 2, 3]), np.array([10, 11, 12, 13], dtype=np.uint64))
    b = RowIds("data#1", 2, np.array([3, 9]), None)
    c = RowIds("data#2", 3, None, np.array([12, 12, 99], dtype=np.uint64))
    assert shared_rows(a, b) == (1, "row ids")
    assert shared_rows(a, c) == (2, "content")
    assert shared_rows(b, c) == (None, "unknown")


def test_a_pandas_statistic_over_every_row_learns_from_them(tracked):
    shell, session = tracked
    cells(shell, DATA, IMPORTS, """
df["a"] = df["a"].fillna(df["a"].mean())
summary = df.describe()
X_train, X_test, y_train, y_test = train_test_split(df[["a", "b", "c"]], df["target"], random_state=0)
LogisticRegression().fit(X_train, y_train).score(X_test, y_test)
""")
    learned = [c["call"] for c in session.rows_section()["calls"] if "learn" in c["roles"]]
    assert learned == ["Series.mean", "LogisticRegression.fit"]  # describe()'s own means are pandas' business
    [record] = [e for e in shared(session) if e["learner"].startswith("Series.mean")]
    assert (record["learned_rows"], record["shared_rows"], record["in_path"]) == (400, 100, False)
