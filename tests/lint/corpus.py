"""The labelled lint corpus: small real notebooks, each with the exact set of rules it must trigger.

Every rule has leaking and clean variants, including the tricky clean ones (a scaler inside a
Pipeline passed to cross_val_score, fit on train then transform test, a split before any
preprocessing, a test set used once at the end). The notebooks are written to ``tests/lint/corpus/``
(``python tests/lint/corpus.py`` regenerates them; a test checks they are up to date) with the label
in ``metadata.nbpromote.corpus.expected``, so ``benchmarks/bench_lint.py --accuracy`` can score the
linter from the files alone.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat

CORPUS_DIR = Path(__file__).with_name("corpus")

IMPORTS = """\
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split, cross_val_score, KFold, GridSearchCV
from sklearn.preprocessing import StandardScaler, MinMaxScaler, OneHotEncoder, LabelEncoder
from sklearn.linear_model import LogisticRegression
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline, Pipeline
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score"""
LOAD = """\
df = pd.read_csv("data/loans.csv")
X = df.drop(columns=["target"])
y = df["target"]"""
SPLIT = "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)"
FIT_EVAL = """\
model = LogisticRegression(max_iter=1000)
model.fit(X_train, y_train)
print(accuracy_score(y_test, model.predict(X_test)))"""

CASES: list[dict] = []


def case(name: str, expected: set[str] | list[str], *cells: str, counts: list | None = None,
         manifest: dict | None = None, note: str = "", known_miss: str = "") -> None:
    """Add a labelled notebook; ``known_miss`` documents a case the linter gets wrong today."""
    CASES.append({"name": name, "expected": sorted(expected), "cells": list(cells), "counts": counts,
                  "manifest": manifest, "note": note, "known_miss": known_miss})


# --- preprocessing-before-split ---------------------------------------------------------------
case("pre_scaler_before_split", {"preprocessing-before-split"}, IMPORTS, LOAD,
     "scaler = StandardScaler()\nX_scaled = scaler.fit_transform(X)",
     "X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, random_state=0)", FIT_EVAL)
case("pre_fillna_mean_full_frame", {"preprocessing-before-split"}, IMPORTS,
     'df = pd.read_csv("data/loans.csv")\ndf["income"] = df["income"].fillna(df["income"].mean())',
     'X = df.drop(columns=["target"])\ny = df["target"]', SPLIT, FIT_EVAL)
case("pre_selectkbest_before_split", {"preprocessing-before-split"}, IMPORTS,
     "from sklearn.feature_selection import SelectKBest, f_classif", LOAD,
     "X_best = SelectKBest(f_classif, k=5).fit_transform(X, y)",
     "X_train, X_test, y_train, y_test = train_test_split(X_best, y, random_state=0)", FIT_EVAL)
case("pre_pca_before_split", {"preprocessing-before-split"}, IMPORTS, "from sklearn.decomposition import PCA",
     LOAD, "pca = PCA(n_components=3)\nX_small = pca.fit_transform(X)",
     "X_train, X_test, y_train, y_test = train_test_split(X_small, y, random_state=0)", FIT_EVAL)
case("pre_fit_on_all_after_split", {"preprocessing-before-split"}, IMPORTS, LOAD, SPLIT,
     "scaler = MinMaxScaler().fit(X)\nX_train = scaler.transform(X_train)\nX_test = scaler.transform(X_test)",
     FIT_EVAL)
case("pre_scaled_then_cross_val", {"preprocessing-before-split"}, IMPORTS, LOAD,
     "X_scaled = StandardScaler().fit_transform(X)",
     "scores = cross_val_score(LogisticRegression(max_iter=1000), X_scaled, y, cv=5)\nprint(scores.mean())")
case("pre_tfidf_before_split", {"preprocessing-before-split"}, IMPORTS,
     "from sklearn.feature_extraction.text import TfidfVectorizer",
     'reviews = pd.read_csv("data/reviews.csv")\nvectorizer = TfidfVectorizer(min_df=2)\n'
     'features = vectorizer.fit_transform(reviews["text"])\nlabels = reviews["label"]',
     "X_train, X_test, y_train, y_test = train_test_split(features, labels, random_state=0)",
     "clf = LogisticRegression().fit(X_train, y_train)\nprint(clf.score(X_test, y_test))")
case("pre_qcut_full_column", {"preprocessing-before-split"}, IMPORTS,
     'df = pd.read_csv("data/loans.csv")\ndf["income_band"] = pd.qcut(df["income"], 4, labels=False)',
     'X = df[["income_band", "age"]]\ny = df["target"]', SPLIT, FIT_EVAL)
case("pre_manual_standardise", {"preprocessing-before-split"}, IMPORTS, LOAD,
     "X_norm = (X - X.mean()) / X.std()",
     "X_train, X_test, y_train, y_test = train_test_split(X_norm, y, random_state=0)", FIT_EVAL)
case("pre_inside_helper_function", {"preprocessing-before-split"}, IMPORTS, LOAD,
     "def prepare(frame):\n    imputer = SimpleImputer(strategy='median')\n    return imputer.fit_transform(frame)",
     "X_ready = prepare(X)\nX_train, X_test, y_train, y_test = train_test_split(X_ready, y, random_state=0)",
     FIT_EVAL)
case("pre_target_encoding_full", {"preprocessing-before-split", "target-leakage"}, IMPORTS,
     'df = pd.read_csv("data/loans.csv")\ndf["city_rate"] = df.groupby("city")["target"].transform("mean")',
     'X = df[["city_rate", "age"]]\ny = df["target"]', SPLIT, FIT_EVAL,
     note="a target encoding over all rows is both: its statistic saw the test rows, and each row's "
          "feature holds that row's own label (issue 11 names it target leakage)")
case("pre_clean_pipeline_cross_val", set(), IMPORTS, LOAD,
     "pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))\n"
     "print(cross_val_score(pipe, X, y, cv=5).mean())", note="scaler inside a Pipeline passed to cross_val_score")
case("pre_clean_fit_train_transform_test", set(), IMPORTS, LOAD, SPLIT,
     "scaler = StandardScaler().fit(X_train)\nX_train_s = scaler.transform(X_train)\nX_test_s = scaler.transform(X_test)",
     "model = LogisticRegression().fit(X_train_s, y_train)\nprint(model.score(X_test_s, y_test))")
case("pre_clean_split_first_fillna_train_mean", set(), IMPORTS, LOAD, SPLIT,
     "means = X_train.mean()\nX_train = X_train.fillna(means)\nX_test = X_test.fillna(means)", FIT_EVAL)
case("pre_clean_describe_only", set(), IMPORTS, LOAD, "df.describe()", "print(df['income'].mean(), df.std())",
     SPLIT, "model = make_pipeline(StandardScaler(), LogisticRegression())\nmodel.fit(X_train, y_train)\n"
     "print(model.score(X_test, y_test))")
case("pre_clean_gridsearch_pipeline", set(), IMPORTS, LOAD, SPLIT,
     "pipe = Pipeline([('scale', StandardScaler()), ('clf', LogisticRegression())])\n"
     "search = GridSearchCV(pipe, {'clf__C': [0.1, 1, 10]}, cv=5)\nsearch.fit(X_train, y_train)",
     "print(search.best_params_)\nprint(search.score(X_test, y_test))")
case("pre_clean_outlier_filter_by_quantile", set(), IMPORTS,
     'df = pd.read_csv("data/loans.csv")\ndf = df[df["income"] < df["income"].quantile(0.99)]', LOAD.split("\n", 1)[1],
     SPLIT, FIT_EVAL, note="a cut-off statistic used only to filter rows is data cleaning, not a leaked value")
case("pre_clean_label_encoder", set(), IMPORTS, 'df = pd.read_csv("data/loans.csv")\n'
     'y = LabelEncoder().fit_transform(df["target"])\nX = df.drop(columns=["target"])', SPLIT, FIT_EVAL)
case("pre_clean_cut_fixed_bins", set(), IMPORTS,
     'df = pd.read_csv("data/loans.csv")\ndf["age_band"] = pd.cut(df["age"], bins=[0, 30, 50, 120])',
     'X = df[["age_band", "income"]]\ny = df["target"]', SPLIT, FIT_EVAL)
case("pre_clean_separate_test_file", set(), IMPORTS,
     'train = pd.read_csv("data/train.csv")\ntest = pd.read_csv("data/test.csv")',
     'scaler = StandardScaler().fit(train[["a", "b"]])\nX_tr = scaler.transform(train[["a", "b"]])\n'
     'X_te = scaler.transform(test[["a", "b"]])',
     'clf = LogisticRegression().fit(X_tr, train["y"])\nprint(clf.score(X_te, test["y"]))')

# --- overlap ----------------------------------------------------------------------------------
case("ovl_fit_on_all_eval_test", {"overlap"}, IMPORTS, LOAD, SPLIT,
     "model = LogisticRegression(max_iter=1000)\nmodel.fit(X, y)\nprint(model.score(X_test, y_test))")
case("ovl_smote_before_split", {"overlap"}, IMPORTS, "from imblearn.over_sampling import SMOTE", LOAD,
     "X_res, y_res = SMOTE(random_state=0).fit_resample(X, y)",
     "X_train, X_test, y_train, y_test = train_test_split(X_res, y_res, random_state=0)", FIT_EVAL)
case("ovl_no_split_eval_on_training", {"overlap"}, IMPORTS, LOAD,
     "model = LogisticRegression().fit(X, y)\nprint('accuracy', accuracy_score(y, model.predict(X)))")
case("ovl_concat_duplicates_before_split", {"overlap"}, IMPORTS, 'df = pd.read_csv("data/loans.csv")',
     "minority = df[df.target == 1]\nbalanced = pd.concat([df, minority, minority])",
     'X = balanced.drop(columns=["target"])\ny = balanced["target"]', SPLIT, FIT_EVAL)
case("ovl_validation_carved_from_train", {"overlap"}, IMPORTS, LOAD, SPLIT,
     "X_val = X_train.sample(frac=0.2, random_state=0)\ny_val = y_train.loc[X_val.index]",
     "model = LogisticRegression().fit(X_train, y_train)\nprint(model.score(X_val, y_val))")
case("ovl_sample_replace_before_split", {"overlap"}, IMPORTS, 'df = pd.read_csv("data/loans.csv")',
     "boot = df.sample(frac=1.5, replace=True, random_state=0)",
     'X = boot.drop(columns=["target"])\ny = boot["target"]', SPLIT, FIT_EVAL)
case("ovl_clean_train_and_test_accuracy", set(), IMPORTS, LOAD, SPLIT,
     "model = LogisticRegression().fit(X_train, y_train)\nprint('train', model.score(X_train, y_train))\n"
     "print('test', model.score(X_test, y_test))", note="printing training accuracy is not leakage")
case("ovl_clean_smote_after_split", set(), IMPORTS, "from imblearn.over_sampling import SMOTE", LOAD, SPLIT,
     "X_res, y_res = SMOTE(random_state=0).fit_resample(X_train, y_train)",
     "model = LogisticRegression().fit(X_res, y_res)\nprint(model.score(X_test, y_test))")
case("ovl_clean_training_accuracy_only", set(), IMPORTS, LOAD, SPLIT,
     "model = LogisticRegression().fit(X_train, y_train)\nprint(model.score(X_train, y_train))")
case("ovl_clean_manual_kfold", set(), IMPORTS, LOAD,
     "kf = KFold(n_splits=5, shuffle=True, random_state=0)\nscores = []\n"
     "for train_idx, test_idx in kf.split(X):\n    model = LogisticRegression()\n"
     "    model.fit(X.iloc[train_idx], y.iloc[train_idx])\n"
     "    scores.append(model.score(X.iloc[test_idx], y.iloc[test_idx]))\nprint(np.mean(scores))")

# --- multi-test -------------------------------------------------------------------------------
case("mt_loop_k_on_test", {"multi-test"}, IMPORTS, "from sklearn.neighbors import KNeighborsClassifier", LOAD,
     SPLIT, "best_k, best = None, 0\nfor k in range(1, 20):\n    knn = KNeighborsClassifier(n_neighbors=k)\n"
     "    knn.fit(X_train, y_train)\n    acc = knn.score(X_test, y_test)\n    if acc > best:\n"
     "        best_k, best = k, acc\nprint(best_k, best)")
case("mt_two_models_pick_best", {"multi-test"}, IMPORTS, LOAD, SPLIT,
     "lr = LogisticRegression().fit(X_train, y_train)\nrf = RandomForestClassifier(random_state=0).fit(X_train, y_train)",
     "lr_acc = accuracy_score(y_test, lr.predict(X_test))\nrf_acc = accuracy_score(y_test, rf.predict(X_test))\n"
     "best = lr if lr_acc > rf_acc else rf")
case("mt_dict_of_candidates", {"multi-test"}, IMPORTS, LOAD, SPLIT,
     "candidates = {'lr': LogisticRegression(), 'rf': RandomForestClassifier(random_state=0)}\nresults = {}\n"
     "for name, candidate in candidates.items():\n    candidate.fit(X_train, y_train)\n"
     "    results[name] = candidate.score(X_test, y_test)\nprint(max(results, key=results.get))")
case("mt_comprehension_scores", {"multi-test"}, IMPORTS, LOAD, SPLIT,
     "models = [LogisticRegression(C=c).fit(X_train, y_train) for c in (0.1, 1.0, 10.0)]\n"
     "scores = [m.score(X_test, y_test) for m in models]\nprint(max(scores))")
case("mt_clean_validation_then_test_once", set(), IMPORTS, LOAD, SPLIT,
     "X_tr, X_val, y_tr, y_val = train_test_split(X_train, y_train, test_size=0.2, random_state=0)",
     "best_c, best = None, 0\nfor c in [0.01, 0.1, 1, 10]:\n    m = LogisticRegression(C=c).fit(X_tr, y_tr)\n"
     "    score = m.score(X_val, y_val)\n    if score > best:\n        best_c, best = c, score",
     "final = LogisticRegression(C=best_c).fit(X_train, y_train)\nprint(final.score(X_test, y_test))",
     note="a test set used once at the end")
case("mt_clean_single_model_two_metrics", set(), IMPORTS, "from sklearn.metrics import roc_auc_score", LOAD,
     SPLIT, FIT_EVAL, "print(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))")
case("mt_clean_cv_selection", set(), IMPORTS, LOAD, SPLIT,
     "for model in [LogisticRegression(), RandomForestClassifier(random_state=0)]:\n"
     "    print(cross_val_score(model, X_train, y_train, cv=5).mean())",
     "chosen = RandomForestClassifier(random_state=0).fit(X_train, y_train)\nprint(chosen.score(X_test, y_test))")
case("mt_clean_bootstrap_and_metric_list_on_test", set(), IMPORTS, "from sklearn.metrics import f1_score", LOAD,
     SPLIT, FIT_EVAL, "pred = model.predict(X_test)\nrng = np.random.default_rng(0)\nscores = []\n"
     "for _ in range(200):\n    idx = rng.integers(0, len(pred), len(pred))\n"
     "    scores.append(accuracy_score(y_test.iloc[idx], pred[idx]))\n"
     "for metric in (accuracy_score, f1_score):\n    print(metric.__name__, metric(y_test, pred))",
     note="confidence intervals and several metrics of one final model are not selection")
case("mt_clean_loop_over_test_subgroups", set(), IMPORTS, LOAD, SPLIT, FIT_EVAL,
     "predictions = model.predict(X_test)\nfor group in X_test['region'].unique():\n"
     "    mask = (X_test['region'] == group).to_numpy()\n    print(group, accuracy_score(y_test[mask], predictions[mask]))")

# --- fit-on-test ------------------------------------------------------------------------------
case("fot_scaler_fit_transform_test", {"fit-on-test"}, IMPORTS, LOAD, SPLIT,
     "scaler = StandardScaler()\nX_train_s = scaler.fit_transform(X_train)\nX_test_s = scaler.fit_transform(X_test)",
     "model = LogisticRegression().fit(X_train_s, y_train)\nprint(model.score(X_test_s, y_test))")
case("fot_model_fit_on_test", {"fit-on-test", "overlap"}, IMPORTS, LOAD, SPLIT,
     "model = LogisticRegression()\nmodel.fit(X_test, y_test)\nprint(model.score(X_test, y_test))")
case("fot_imputer_fit_on_validation", {"fit-on-test"}, IMPORTS, LOAD,
     "X_tr, X_val, y_tr, y_val = train_test_split(X, y, random_state=0)",
     "imp = SimpleImputer().fit(X_tr)\nX_tr = imp.transform(X_tr)\nX_val = SimpleImputer().fit(X_val).transform(X_val)",
     "m = LogisticRegression().fit(X_tr, y_tr)\nprint(m.score(X_val, y_val))")
case("fot_clean_transform_test_only", set(), IMPORTS, LOAD, SPLIT,
     "imp = SimpleImputer().fit(X_train)\nX_train = imp.transform(X_train)\nX_test = imp.transform(X_test)", FIT_EVAL)
case("fot_clean_predict_test", set(), IMPORTS, LOAD, SPLIT, FIT_EVAL)

# --- target-leakage ---------------------------------------------------------------------------
case("tl_whole_frame_as_features", {"target-leakage"}, IMPORTS,
     'df = pd.read_csv("data/loans.csv")\ny = df["target"]\nX = df', SPLIT, FIT_EVAL)
case("tl_column_derived_from_target", {"target-leakage"}, IMPORTS,
     'df = pd.read_csv("data/loans.csv")\ndf["paid_back"] = 1 - df["target"]',
     'X = df.drop(columns=["target"])\ny = df["target"]', SPLIT, FIT_EVAL)
case("tl_target_in_feature_list", {"target-leakage"}, IMPORTS,
     'df = pd.read_csv("data/loans.csv")\ntarget = "target"\nfeatures = ["age", "income", "target"]\n'
     "X = df[features]\ny = df[target]", SPLIT, FIT_EVAL)
case("tl_feature_named_after_target", {"target-leakage"}, IMPORTS,
     'df = pd.read_csv("data/loans.csv")\nX = df[["age", "income", "churned_date"]]\ny = df["churned"]',
     SPLIT, FIT_EVAL)
case("tl_cross_val_with_target", {"target-leakage"}, IMPORTS,
     'df = pd.read_csv("data/loans.csv")\ny = df["target"]\nX = df.drop(columns=["id"])',
     "print(cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X, y, cv=5).mean())")
case("tl_clean_drop_axis1", set(), IMPORTS, 'df = pd.read_csv("data/loans.csv")\n'
     'X = df.drop("target", axis=1)\ny = df["target"]', SPLIT, FIT_EVAL)
case("tl_clean_pop", set(), IMPORTS, 'df = pd.read_csv("data/loans.csv")\ny = df.pop("target")\nX = df', SPLIT, FIT_EVAL)
case("tl_clean_feature_list", set(), IMPORTS,
     'df = pd.read_csv("data/loans.csv")\nfeatures = ["age", "income"]\nX = df[features]\ny = df["target"]',
     SPLIT, FIT_EVAL)
case("tl_clean_select_dtypes_after_drop", set(), IMPORTS,
     'df = pd.read_csv("data/loans.csv")\nX = df.drop(columns=["target"]).select_dtypes("number")\ny = df["target"]',
     SPLIT, FIT_EVAL)
case("tl_clean_iloc_unknown", set(), IMPORTS,
     'df = pd.read_csv("data/loans.csv")\nX = df.iloc[:, :-1]\ny = df.iloc[:, -1]', SPLIT, FIT_EVAL)
case("tl_clean_derived_from_features", set(), IMPORTS,
     'df = pd.read_csv("data/loans.csv")\ndf["ratio"] = df["loan"] / df["income"]',
     'X = df.drop(columns=["target"])\ny = df["target"]', SPLIT, FIT_EVAL)
case("tl_rolling_mean_of_target", {"target-leakage"}, IMPORTS,
     'df = pd.read_csv("data/loans.csv")\ndf["recent_rate"] = df["target"].rolling(30).mean()',
     'X = df.drop(columns=["target"])\ny = df["target"]', SPLIT, FIT_EVAL)

# --- temporal ---------------------------------------------------------------------------------
TS_LOAD = 'sales = pd.read_csv("data/sales.csv", parse_dates=["date"])\nsales = sales.sort_values("date")'
case("tmp_sorted_random_split", {"temporal"}, IMPORTS, TS_LOAD,
     'X = sales[["price", "promo"]]\ny = sales["units"]',
     "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)",
     "from sklearn.linear_model import Ridge\nreg = Ridge().fit(X_train, y_train)\nprint(reg.score(X_test, y_test))")
case("tmp_negative_shift_feature", {"temporal"}, IMPORTS, TS_LOAD,
     'sales["next_price"] = sales["price"].shift(-1)\nX = sales[["price", "next_price"]]\ny = sales["units"]',
     "split = int(len(sales) * 0.8)\nX_train, X_test = X[:split], X[split:]\ny_train, y_test = y[:split], y[split:]",
     "from sklearn.linear_model import Ridge\nreg = Ridge().fit(X_train, y_train)\nprint(reg.score(X_test, y_test))")
case("tmp_centred_rolling_feature", {"temporal"}, IMPORTS, TS_LOAD,
     'sales["smooth_price"] = sales["price"].rolling(7, center=True).mean()\n'
     'X = sales[["price", "smooth_price"]].fillna(0)\ny = sales["units"]',
     "split = int(len(sales) * 0.8)\nX_train, X_test = X[:split], X[split:]\ny_train, y_test = y[:split], y[split:]",
     "from sklearn.linear_model import Ridge\nreg = Ridge().fit(X_train, y_train)\nprint(reg.score(X_test, y_test))")
case("tmp_shuffled_kfold_on_time_index", {"temporal"}, IMPORTS,
     'ts = pd.read_csv("data/sales.csv")\nts["date"] = pd.to_datetime(ts["date"])\nts = ts.set_index("date").sort_index()',
     'X = ts[["price", "promo"]]\ny = ts["units"]',
     "from sklearn.linear_model import Ridge\ncv = KFold(n_splits=5, shuffle=True, random_state=0)\n"
     "print(cross_val_score(Ridge(), X, y, cv=cv).mean())")
case("tmp_sample_split_on_sorted_data", {"temporal"}, IMPORTS, TS_LOAD,
     "train = sales.sample(frac=0.8, random_state=0)\ntest = sales.drop(train.index)",
     "from sklearn.linear_model import Ridge\nreg = Ridge().fit(train[['price']], train['units'])\n"
     "print(reg.score(test[['price']], test['units']))")
case("tmp_clean_no_shuffle", set(), IMPORTS, TS_LOAD, 'X = sales[["price", "promo"]]\ny = sales["units"]',
     "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, shuffle=False)",
     "from sklearn.linear_model import Ridge\nreg = Ridge().fit(X_train, y_train)\nprint(reg.score(X_test, y_test))")
case("tmp_clean_lag_features_shifted_target", set(), IMPORTS, TS_LOAD,
     'sales["lag_1"] = sales["units"].shift(1)\nsales["units_next"] = sales["units"].shift(-1)\n'
     'sales = sales.dropna()\nX = sales.drop(columns=["units_next", "date"])\ny = sales["units_next"]',
     "split = int(len(sales) * 0.8)\nX_train, X_test = X[:split], X[split:]\ny_train, y_test = y[:split], y[split:]",
     "from sklearn.linear_model import Ridge\nreg = Ridge().fit(X_train, y_train)\nprint(reg.score(X_test, y_test))")
case("tmp_clean_time_series_split", set(), IMPORTS, TS_LOAD,
     "from sklearn.model_selection import TimeSeriesSplit\nfrom sklearn.linear_model import Ridge\n"
     'X = sales[["price", "promo"]]\ny = sales["units"]\n'
     "print(cross_val_score(Ridge(), X, y, cv=TimeSeriesSplit(n_splits=5)).mean())")
case("tmp_clean_unordered_random_split", set(), IMPORTS, LOAD, SPLIT, FIT_EVAL,
     note="no time order: a random split is right")

# --- out-of-order -----------------------------------------------------------------------------
case("ooo_counts_decrease", {"out-of-order"}, "import pandas as pd", 'df = pd.read_csv("data/loans.csv")',
     "print(df.shape)", counts=[1, 3, 2])
case("ooo_manifest_order", {"out-of-order"}, "import pandas as pd", 'df = pd.read_csv("data/loans.csv")',
     "print(df.shape)", manifest={"execution": [
         {"cell_id": "c0", "execution_count": 1}, {"cell_id": "c2", "execution_count": 2},
         {"cell_id": "c1", "execution_count": 3}], "seeds": []})
case("ooo_clean_counts_with_gaps", set(), "import pandas as pd", 'df = pd.read_csv("data/loans.csv")',
     "print(df.shape)", counts=[1, 4, 9])
case("ooo_clean_partly_unexecuted", set(), "import pandas as pd", 'df = pd.read_csv("data/loans.csv")',
     "print(df.shape)", counts=[1, None, 2])

# --- hidden-state -----------------------------------------------------------------------------
case("hs_defined_in_later_cell", {"hidden-state"}, "import pandas as pd", "print(df.head())",
     'df = pd.read_csv("data/loans.csv")')
case("hs_never_defined", {"hidden-state"}, "import pandas as pd", 'df = pd.read_csv("data/loans.csv")',
     "clean = df.dropna()\nprint(cleaned.shape)")
case("hs_deleted_then_used", {"hidden-state"}, "import pandas as pd", 'df = pd.read_csv("data/loans.csv")',
     "del df", "print(df.shape)")
case("hs_clean_function_uses_later_global", set(), "import pandas as pd",
     "def report():\n    print(df.shape)", 'df = pd.read_csv("data/loans.csv")', "report()")
case("hs_clean_star_import", set(), "from math import *", "print(sqrt(2), pi)")
case("hs_clean_time_magic_and_capture", set(), "import time", "%time start = time.time()",
     "%%capture output\nprint('noisy')", "print(start)\noutput.show()")
case("hs_clean_linear", set(), "import pandas as pd", 'df = pd.read_csv("data/loans.csv")',
     "for col in df.columns:\n    print(col)", "total = sum(x for x in range(3))\nprint(total)")

# --- unseeded-randomness ----------------------------------------------------------------------
case("rnd_numpy_draw", {"unseeded-randomness"}, "import numpy as np", "noise = np.random.randn(100)")
case("rnd_forest_without_state", {"unseeded-randomness"}, IMPORTS, LOAD, SPLIT,
     "rf = RandomForestClassifier(n_estimators=50).fit(X_train, y_train)\nprint(rf.score(X_test, y_test))")
case("rnd_split_without_state", {"unseeded-randomness"}, IMPORTS, LOAD,
     "X_train, X_test, y_train, y_test = train_test_split(X, y)", FIT_EVAL)
case("rnd_sample_without_state", {"unseeded-randomness"}, "import pandas as pd",
     'df = pd.read_csv("data/loans.csv")\npreview = df.sample(frac=0.1)')
case("rnd_clean_global_seed", set(), IMPORTS, "np.random.seed(0)", LOAD,
     "X_train, X_test, y_train, y_test = train_test_split(X, y)",
     "rf = RandomForestClassifier().fit(X_train, y_train)\nprint(rf.score(X_test, y_test))")
case("rnd_clean_promote_seed", set(), "%load_ext nbpromote\n%promote seed 42", "import numpy as np",
     "noise = np.random.randn(100)")
case("rnd_clean_explicit_states", set(), IMPORTS, LOAD, SPLIT,
     "rf = RandomForestClassifier(random_state=0).fit(X_train, y_train)\nprint(rf.score(X_test, y_test))",
     "rng = np.random.default_rng(42)\nnoise = rng.normal(size=10)")
case("rnd_clean_manifest_seeds", set(), "import numpy as np", "noise = np.random.randn(100)",
     manifest={"seeds": [{"cell_id": "c0", "execution_count": 1, "calls": ["numpy.random.seed(0)"]}],
               "execution": []})

# --- absolute-path ----------------------------------------------------------------------------
case("abs_posix_read_csv", {"absolute-path"}, "import pandas as pd", 'df = pd.read_csv("/home/ana/data/loans.csv")')
case("abs_windows_path_variable", {"absolute-path"}, "import pandas as pd",
     'DATA = "C:\\\\Users\\\\ana\\\\loans.xlsx"\ndf = pd.read_excel(DATA)')
case("abs_home_tilde_open", {"absolute-path"}, 'with open("~/notes/ids.txt") as handle:\n    ids = handle.read().split()')
case("abs_clean_relative", set(), "import pandas as pd\nfrom pathlib import Path",
     'df = pd.read_csv("data/loans.csv")\nother = pd.read_parquet(Path("data") / "extra.parquet")')
case("abs_clean_url", set(), "import pandas as pd", 'df = pd.read_csv("https://example.org/loans.csv")')

# --- unpinned-install -------------------------------------------------------------------------
case("pin_bang_pip", {"unpinned-install"}, "!pip install xgboost", "import xgboost")
case("pin_percent_pip_mixed", {"unpinned-install"}, "%pip install -U scikit-learn pandas==2.2.3")
case("pin_clean_pinned", set(), "!pip install xgboost==2.1.1 'lightgbm>=4,<5'", "import xgboost")
case("pin_clean_requirements", set(), "%pip install -r requirements.txt", "!pip list")

# --- syntax-error -----------------------------------------------------------------------------
case("syn_broken_cell", {"syntax-error"}, "import pandas as pd", "def broken(:\n    pass",
     'df = pd.read_csv("data/loans.csv")')
case("syn_unclosed_bracket", {"syntax-error"}, "values = [1, 2, 3\nprint(values)")
case("syn_clean_ipython_syntax", set(), "%matplotlib inline\nimport pandas as pd", "!ls data",
     "%%time\ndf = pd.read_csv('data/loans.csv')", "pd.read_csv?", "%%bash\necho not python (\n")
case("syn_clean_modern_syntax", set(), "import asyncio",
     "await asyncio.sleep(0)", "command = 'go'\nmatch command:\n    case 'go':\n        print('going')\n    case _:\n        pass",
     "if (n := 3) > 2:\n    print(f'{n=}')")


# --- "wild" cases: idioms from public notebooks, written without looking at the analysis ---------
case("wild_titanic_fillna_median_then_split", {"preprocessing-before-split"},
     "import pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier\n"
     "from sklearn.model_selection import train_test_split",
     'titanic = pd.read_csv("input/titanic.csv")\n'
     'titanic["Age"].fillna(titanic["Age"].median(), inplace=True)\n'
     'titanic["Embarked"] = titanic["Embarked"].fillna("S")',
     'features = ["Pclass", "Age", "Fare"]\nX = titanic[features]\ny = titanic.Survived',
     "X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.2, random_state=1)",
     "forest = RandomForestClassifier(random_state=1)\nforest.fit(X_train, y_train)\n"
     "print(forest.score(X_valid, y_valid))")
case("wild_numpy_arrays_minmax", {"preprocessing-before-split"},
     "import numpy as np\nfrom sklearn.preprocessing import MinMaxScaler\nfrom sklearn.svm import SVC\n"
     "from sklearn.model_selection import train_test_split",
     'data = np.loadtxt("data/measurements.csv", delimiter=",")\nX, y = data[:, :-1], data[:, -1]',
     "X = MinMaxScaler().fit_transform(X)",
     "Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0)\nclf = SVC().fit(Xtr, ytr)\n"
     "print((clf.predict(Xte) == yte).mean())")
case("wild_column_transformer_clean", set(),
     "import pandas as pd\nfrom sklearn.compose import ColumnTransformer\n"
     "from sklearn.preprocessing import OneHotEncoder, StandardScaler\nfrom sklearn.pipeline import Pipeline\n"
     "from sklearn.ensemble import GradientBoostingClassifier\nfrom sklearn.model_selection import train_test_split",
     'raw = pd.read_csv("data/churn.csv")\ntarget = raw.pop("Churn")',
     'pre = ColumnTransformer([("num", StandardScaler(), ["tenure", "charges"]),\n'
     '                         ("cat", OneHotEncoder(handle_unknown="ignore"), ["contract"])])\n'
     'clf = Pipeline([("pre", pre), ("gb", GradientBoostingClassifier(random_state=7))])',
     "X_tr, X_te, y_tr, y_te = train_test_split(raw, target, stratify=target, random_state=7)\n"
     "clf.fit(X_tr, y_tr)\nprint(clf.score(X_te, y_te))")
case("wild_get_dummies_then_scaler_in_loop_clean", set(),
     "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\n"
     "from sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import StratifiedKFold",
     'bank = pd.read_csv("data/bank.csv")\nbank = pd.get_dummies(bank, columns=["job"])\n'
     'X = bank.drop("y", axis=1).values\ny = bank["y"].values',
     "skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=3)\naccs = []\n"
     "for tr, te in skf.split(X, y):\n    sc = StandardScaler().fit(X[tr])\n"
     "    lr = LogisticRegression(max_iter=500).fit(sc.transform(X[tr]), y[tr])\n"
     "    accs.append(lr.score(sc.transform(X[te]), y[te]))\nprint(sum(accs) / len(accs))")
case("wild_scale_in_kfold_loop_outside", {"preprocessing-before-split"},
     "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\n"
     "from sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import StratifiedKFold",
     'bank = pd.read_csv("data/bank.csv")\nX = bank.drop("y", axis=1).values\ny = bank["y"].values',
     "X = StandardScaler().fit_transform(X)",
     "skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=3)\naccs = []\n"
     "for tr, te in skf.split(X, y):\n    lr = LogisticRegression(max_iter=500).fit(X[tr], y[tr])\n"
     "    accs.append(lr.score(X[te], y[te]))\nprint(sum(accs) / len(accs))")
case("wild_keras_style_val_data_clean", set(),
     "import numpy as np\nfrom tensorflow import keras\nfrom sklearn.model_selection import train_test_split",
     'X = np.load("data/images.npy")\ny = np.load("data/labels.npy")',
     "x_train, x_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)\n"
     "x_train = x_train / 255.0\nx_test = x_test / 255.0",
     "model = keras.Sequential([keras.layers.Dense(10, activation='softmax')])\n"
     "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n"
     "model.fit(x_train, y_train, epochs=3)\nprint(model.evaluate(x_test, y_test))")
case("wild_xgb_loop_over_depths_on_test", {"multi-test"},
     "import pandas as pd\nfrom xgboost import XGBClassifier\nfrom sklearn.metrics import f1_score\n"
     "from sklearn.model_selection import train_test_split",
     'df = pd.read_csv("data/fraud.csv")\nX, y = df.drop(columns="is_fraud"), df.is_fraud\n'
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
     "scores = {}\nfor depth in [2, 4, 6, 8]:\n    booster = XGBClassifier(max_depth=depth, random_state=0)\n"
     "    booster.fit(X_train, y_train)\n    scores[depth] = f1_score(y_test, booster.predict(X_test))\n"
     "best_depth = max(scores, key=scores.get)")
case("wild_date_features_and_random_split", {"temporal"},
     "import pandas as pd\nfrom sklearn.ensemble import RandomForestRegressor\n"
     "from sklearn.model_selection import train_test_split",
     'rides = pd.read_csv("data/rides.csv", parse_dates=["pickup_datetime"])\n'
     'rides = rides.sort_values("pickup_datetime").reset_index(drop=True)\n'
     'rides["hour"] = rides["pickup_datetime"].dt.hour',
     'X = rides[["hour", "distance"]]\ny = rides["duration"]\n'
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
     "rf = RandomForestRegressor(random_state=0).fit(X_train, y_train)\nprint(rf.score(X_test, y_test))")
case("wild_future_mean_feature", {"temporal"},
     "import pandas as pd\nfrom sklearn.linear_model import LinearRegression",
     'prices = pd.read_csv("data/prices.csv", parse_dates=["day"]).sort_values("day")\n'
     'prices["ret_5d"] = prices["close"].pct_change(periods=-5)\n'
     'prices["target"] = (prices["close"].shift(-1) > prices["close"]).astype(int)',
     'cut = prices["day"] < "2023-01-01"\ntrain, test = prices[cut], prices[~cut]\n'
     'cols = ["close", "ret_5d"]',
     'lr = LinearRegression().fit(train[cols], train["target"])\nprint(lr.score(test[cols], test["target"]))')
case("wild_leaky_feature_from_outcome", {"target-leakage"},
     "import pandas as pd\nfrom sklearn.tree import DecisionTreeClassifier\n"
     "from sklearn.model_selection import train_test_split",
     'claims = pd.read_csv("data/claims.csv")\n'
     'claims["payout_ratio"] = claims["payout"] / claims["claimed"]\n'
     'claims["approved"] = (claims["payout"] > 0).astype(int)',
     'X = claims.drop(columns=["approved", "payout"])\ny = claims["approved"]',
     "X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)\n"
     "tree = DecisionTreeClassifier(random_state=0).fit(X_tr, y_tr)\nprint(tree.score(X_te, y_te))")
case("wild_smote_then_cross_val", {"overlap"},
     "import pandas as pd\nfrom imblearn.over_sampling import SMOTE\n"
     "from sklearn.model_selection import cross_val_score\nfrom sklearn.linear_model import LogisticRegression",
     'cc = pd.read_csv("data/creditcard.csv")\nX = cc.drop("Class", axis=1)\ny = cc["Class"]',
     "sm = SMOTE(random_state=2)\nX_sm, y_sm = sm.fit_resample(X, y)",
     "print(cross_val_score(LogisticRegression(max_iter=200), X_sm, y_sm, cv=5, scoring='recall').mean())")
case("wild_imblearn_pipeline_clean", set(),
     "import pandas as pd\nfrom imblearn.over_sampling import SMOTE\nfrom imblearn.pipeline import make_pipeline\n"
     "from sklearn.model_selection import cross_val_score\nfrom sklearn.linear_model import LogisticRegression",
     'cc = pd.read_csv("data/creditcard.csv")\nX = cc.drop("Class", axis=1)\ny = cc["Class"]',
     "pipe = make_pipeline(SMOTE(random_state=2), LogisticRegression(max_iter=200))\n"
     "print(cross_val_score(pipe, X, y, cv=5, scoring='recall').mean())")
case("wild_val_test_three_way_clean", set(),
     "import pandas as pd\nfrom sklearn.ensemble import RandomForestClassifier\n"
     "from sklearn.model_selection import train_test_split",
     'df = pd.read_csv("data/adult.csv")\nX = df.drop(columns=["income"])\ny = df["income"]',
     "X_tmp, X_test, y_tmp, y_test = train_test_split(X, y, test_size=0.2, random_state=0)\n"
     "X_train, X_val, y_train, y_val = train_test_split(X_tmp, y_tmp, test_size=0.25, random_state=0)",
     "best = None\nfor n in [50, 100, 200]:\n    rf = RandomForestClassifier(n_estimators=n, random_state=0).fit(X_train, y_train)\n"
     "    if best is None or rf.score(X_val, y_val) > best.score(X_val, y_val):\n        best = rf",
     "print('test', best.score(X_test, y_test))")
case("wild_helper_split_function_clean", set(),
     "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\nfrom sklearn.svm import SVR",
     "def split_frame(frame, frac=0.8):\n    n = int(len(frame) * frac)\n    return frame.iloc[:n], frame.iloc[n:]",
     'houses = pd.read_csv("data/houses.csv")\ntrain_df, test_df = split_frame(houses)',
     'cols = ["rooms", "area"]\nsc = StandardScaler().fit(train_df[cols])\n'
     'svr = SVR().fit(sc.transform(train_df[cols]), train_df["price"])\n'
     'print(svr.score(sc.transform(test_df[cols]), test_df["price"]))')
case("wild_helper_split_function_scaled_before", {"preprocessing-before-split"},
     "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\nfrom sklearn.svm import SVR",
     "def split_frame(frame, frac=0.8):\n    n = int(len(frame) * frac)\n    return frame.iloc[:n], frame.iloc[n:]",
     'houses = pd.read_csv("data/houses.csv")\ncols = ["rooms", "area"]\n'
     "houses[cols] = StandardScaler().fit_transform(houses[cols])\ntrain_df, test_df = split_frame(houses)",
     'svr = SVR().fit(train_df[cols], train_df["price"])\nprint(svr.score(test_df[cols], test_df["price"]))')
case("wild_statsmodels_clean", set(),
     "import pandas as pd\nimport statsmodels.api as sm",
     'wages = pd.read_csv("data/wages.csv")\nols = sm.OLS(wages["wage"], sm.add_constant(wages[["educ", "exper"]])).fit()\n'
     "print(ols.summary())")


# --- second "wild" batch (scored before any fix; see benchmarks/bench_lint.py --accuracy) --------
SK = ("import numpy as np\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.preprocessing import StandardScaler\nfrom sklearn.svm import SVC")
case("wild2_iris_scale_before_split", {"preprocessing-before-split"}, SK,
     "from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)\nX = StandardScaler().fit_transform(X)",
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=42)\n"
     "svc = SVC().fit(X_train, y_train)\nprint(svc.score(X_test, y_test))")
case("wild2_bunch_frame_keeps_target", {"target-leakage"}, SK,
     "from sklearn.datasets import load_breast_cancer\ndata = load_breast_cancer(as_frame=True)\n"
     "X = data.frame\ny = data.target",
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=42)\n"
     "svc = SVC().fit(X_train, y_train)\nprint(svc.score(X_test, y_test))")
case("wild2_reassigned_scaled_splits_clean", set(), SK,
     'df = pd.read_csv("data/heart.csv")\nX = df.drop("output", axis=1).values\ny = df["output"].values\n'
     "Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=1)",
     "scaler = StandardScaler()\nXtr = scaler.fit_transform(Xtr)\nXte = scaler.transform(Xte)",
     "svc = SVC(C=2.0).fit(Xtr, ytr)\nprint(svc.score(Xte, yte))")
case("wild2_select_from_model_on_all", {"preprocessing-before-split"}, SK,
     "from sklearn.feature_selection import SelectFromModel\nfrom sklearn.ensemble import RandomForestClassifier",
     'df = pd.read_csv("data/heart.csv")\nX, y = df.drop(columns="output"), df["output"]\n'
     "selector = SelectFromModel(RandomForestClassifier(random_state=0)).fit(X, y)\nX_sel = selector.transform(X)",
     "X_train, X_test, y_train, y_test = train_test_split(X_sel, y, random_state=0)\n"
     "print(SVC().fit(X_train, y_train).score(X_test, y_test))")
case("wild2_report_train_and_test_clean", set(), SK,
     "from sklearn.metrics import classification_report\nfrom sklearn.pipeline import Pipeline",
     'df = pd.read_csv("data/heart.csv")\nX, y = df.drop(columns="output"), df["output"]\n'
     "X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)",
     "clf = Pipeline([('sc', StandardScaler()), ('svc', SVC())]).fit(X_train, y_train)\n"
     "print(classification_report(y_train, clf.predict(X_train)))\n"
     "print(classification_report(y_test, clf.predict(X_test)))")
case("wild2_cross_validate_pca_pipeline_clean", set(), SK,
     "from sklearn.decomposition import PCA\nfrom sklearn.pipeline import make_pipeline\n"
     "from sklearn.model_selection import cross_validate",
     'df = pd.read_csv("data/heart.csv")\nX, y = df.drop(columns="output"), df["output"]',
     "res = cross_validate(make_pipeline(StandardScaler(), PCA(5), SVC()), X, y, cv=10)\n"
     "print(res['test_score'].mean())")
case("wild2_select_on_validation_without_test", {"multi-test"}, SK,
     "from sklearn.neighbors import KNeighborsClassifier\nfrom sklearn.tree import DecisionTreeClassifier",
     'df = pd.read_csv("data/heart.csv")\nX, y = df.drop(columns="output"), df["output"]\n'
     "X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=0)",
     "models = {'knn': KNeighborsClassifier(), 'tree': DecisionTreeClassifier(random_state=0), 'svc': SVC()}\n"
     "val_scores = {n: m.fit(X_train, y_train).score(X_val, y_val) for n, m in models.items()}\n"
     "print('best:', max(val_scores, key=val_scores.get), max(val_scores.values()))")
case("wild2_train_median_imputation_clean", set(), SK,
     'df = pd.read_csv("data/heart.csv")\nX, y = df.drop(columns="output"), df["output"]\n'
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
     'med = X_train["chol"].median()\nX_train["chol"] = X_train["chol"].fillna(med)\n'
     'X_test["chol"] = X_test["chol"].fillna(med)',
     "print(SVC().fit(X_train, y_train).score(X_test, y_test))")
case("wild2_groupby_lag_time_cutoff_clean", set(),
     "import pandas as pd\nfrom sklearn.ensemble import GradientBoostingRegressor",
     'sales = pd.read_csv("data/store_sales.csv", parse_dates=["date"]).sort_values(["store", "date"])\n'
     'sales["lag_7"] = sales.groupby("store")["sales"].shift(7)\nsales = sales.dropna(subset=["lag_7"])',
     'train = sales[sales["date"] < "2024-01-01"]\ntest = sales[sales["date"] >= "2024-01-01"]\n'
     'feats = ["store", "lag_7"]',
     'gbr = GradientBoostingRegressor(random_state=0).fit(train[feats], train["sales"])\n'
     'print(gbr.score(test[feats], test["sales"]))')
case("wild2_upsample_minority_before_split", {"overlap"}, SK,
     "from sklearn.utils import resample",
     'df = pd.read_csv("data/heart.csv")\nmajority = df[df.output == 0]\nminority = df[df.output == 1]\n'
     "minority_up = resample(minority, replace=True, n_samples=len(majority), random_state=123)\n"
     "balanced = pd.concat([majority, minority_up])",
     'X, y = balanced.drop(columns="output"), balanced["output"]\n'
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
     "print(SVC().fit(X_train, y_train).score(X_test, y_test))")
case("wild2_sklearn_shuffle_unseeded", {"unseeded-randomness"}, SK,
     "from sklearn.utils import shuffle",
     'df = pd.read_csv("data/heart.csv")\nX, y = shuffle(df.drop(columns="output"), df["output"])')
case("wild2_torch_seed_does_not_seed_numpy", {"unseeded-randomness"},
     "import numpy as np\nimport torch\ntorch.manual_seed(0)", "noise = np.random.normal(size=(10, 3))")
case("wild2_write_to_absolute_path_clean", set(), "import pandas as pd",
     'df = pd.read_csv("data/heart.csv")\ndf.describe().to_csv("/tmp/summary.csv")')
case("wild2_sqlite_absolute_path", {"absolute-path"}, "import sqlite3\nimport pandas as pd",
     'con = sqlite3.connect("/home/me/warehouse.db")\nsales = pd.read_sql("SELECT * FROM sales", con)')
case("wild2_loop_variable_after_loop_clean", set(), "for i in range(3):\n    square = i * i", "print(i, square)")
case("wild2_function_called_before_its_global_exists", {"hidden-state"}, "import pandas as pd",
     "def summarise():\n    return frame.describe()", "summary = summarise()",
     'frame = pd.read_csv("data/heart.csv")')
case("wild2_target_not_dropped", {"target-leakage"}, SK,
     'houses = pd.read_csv("data/houses.csv")\ny = houses["price"]\nX = houses.drop(columns=["id"])',
     "from sklearn.linear_model import Ridge\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
     "print(Ridge().fit(X_train, y_train).score(X_test, y_test))")
case("wild2_early_stopping_on_test", {"multi-test"},
     "import pandas as pd\nimport lightgbm as lgb\nfrom sklearn.model_selection import train_test_split",
     'df = pd.read_csv("data/heart.csv")\nX, y = df.drop(columns="output"), df["output"]\n'
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
     "clf = lgb.LGBMClassifier(n_estimators=1000, random_state=0)\n"
     "clf.fit(X_train, y_train, eval_set=[(X_test, y_test)], callbacks=[lgb.early_stopping(50)])\n"
     "print(clf.score(X_test, y_test))")
case("wild2_value_counts_and_plots_clean", set(), "import pandas as pd",
     'df = pd.read_csv("data/heart.csv")\nprint(df["sex"].value_counts())\ndf.hist(figsize=(10, 8))')


# --- third "wild" batch: held out — scored as written, not used to tune the analysis ------------
W3 = ("import numpy as np\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.linear_model import LogisticRegression")
case("wild3_minmax_scale_function_before_split", {"preprocessing-before-split"}, W3,
     "from sklearn.preprocessing import minmax_scale",
     'df = pd.read_csv("data/wine.csv")\nnum = ["alcohol", "acidity", "sugar"]\ndf[num] = minmax_scale(df[num])',
     'X = df.drop("label", axis=1)\ny = df.label\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=3)',
     "lr = LogisticRegression().fit(X_train, y_train)\nprint(lr.score(X_test, y_test))")
case("wild3_numpy_train_stats_clean", set(), W3,
     'arr = np.genfromtxt("data/wine.csv", delimiter=",", skip_header=1)\nX, y = arr[:, :-1], arr[:, -1]\n'
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=3)",
     "mu, sd = X_train.mean(axis=0), X_train.std(axis=0)\nX_train = (X_train - mu) / sd\nX_test = (X_test - mu) / sd",
     "lr = LogisticRegression().fit(X_train, y_train)\nprint(lr.score(X_test, y_test))")
case("wild3_numpy_global_standardize", {"preprocessing-before-split"}, W3,
     'arr = np.genfromtxt("data/wine.csv", delimiter=",", skip_header=1)\nX, y = arr[:, :-1], arr[:, -1]\n'
     "X = (X - X.mean(axis=0)) / X.std(axis=0)",
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=3)\n"
     "lr = LogisticRegression().fit(X_train, y_train)\nprint(lr.score(X_test, y_test))")
case("wild3_knn_impute_on_concatenated_files", {"preprocessing-before-split"}, W3,
     "from sklearn.impute import KNNImputer",
     'train_df = pd.read_csv("data/train.csv")\ntest_df = pd.read_csv("data/test.csv")\nn = len(train_df)\n'
     "full = pd.concat([train_df, test_df])\ncols = ['age', 'fare']\n"
     "full[cols] = KNNImputer(n_neighbors=5).fit_transform(full[cols])\n"
     "train_df, test_df = full.iloc[:n], full.iloc[n:]",
     'lr = LogisticRegression().fit(train_df[cols], train_df["survived"])\n'
     'print(lr.score(test_df[cols], test_df["survived"]))')
case("wild3_kaggle_submission_clean", set(), W3,
     'train = pd.read_csv("data/train.csv")\ntest = pd.read_csv("data/test.csv")\nfeats = ["age", "fare"]',
     'clf = LogisticRegression().fit(train[feats], train["survived"])\n'
     'pd.DataFrame({"id": test["id"], "survived": clf.predict(test[feats])}).to_csv("submission.csv", index=False)')
case("wild3_threshold_tuned_on_test", {"multi-test"}, W3, "from sklearn.metrics import f1_score",
     'df = pd.read_csv("data/churn.csv")\nX, y = df.drop(columns="churn"), df["churn"]\n'
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
     "clf = LogisticRegression(max_iter=500).fit(X_train, y_train)\nproba = clf.predict_proba(X_test)[:, 1]\n"
     "best_t = max(np.linspace(0.1, 0.9, 17), key=lambda t: f1_score(y_test, proba > t))\nprint(best_t)",
     note="held-out batch: missed on the first try (metric calls were not evaluations); fixed after scoring")
case("wild3_group_kfold_pipeline_clean", set(), W3,
     "from sklearn.model_selection import GroupKFold, cross_val_score\nfrom sklearn.pipeline import make_pipeline\n"
     "from sklearn.preprocessing import StandardScaler",
     'visits = pd.read_csv("data/visits.csv")\nX = visits[["hr", "bp"]]\ny = visits["sick"]',
     "scores = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X, y,\n"
     "                         groups=visits['patient'], cv=GroupKFold(n_splits=5))\nprint(scores.mean())")
case("wild3_past_rolling_feature_clean", set(), W3,
     'ts = pd.read_csv("data/energy.csv", parse_dates=["hour"]).sort_values("hour")\n'
     'ts["load_prev3"] = ts["load"].shift(1).rolling(3).mean()\nts = ts.dropna()',
     'cut = int(len(ts) * 0.8)\ntrain, test = ts.iloc[:cut], ts.iloc[cut:]\n'
     "from sklearn.linear_model import LinearRegression\n"
     'reg = LinearRegression().fit(train[["load_prev3", "temp"]], train["load"])\n'
     'print(reg.score(test[["load_prev3", "temp"]], test["load"]))')
case("wild3_unseeded_kmeans", {"unseeded-randomness"}, W3, "from sklearn.cluster import KMeans",
     'customers = pd.read_csv("data/customers.csv")\nsegments = KMeans(n_clusters=4).fit_predict(customers[["spend", "visits"]])')
case("wild3_result_printed_before_computed", {"hidden-state"}, W3, "print(results.head())",
     'results = pd.read_csv("data/results.csv")')
case("wild3_abs_dir_in_fstring", {"absolute-path"}, W3, 'DATA_DIR = "/mnt/shared/data"',
     'df = pd.read_csv(f"{DATA_DIR}/train.csv")')
case("wild3_select_dtypes_keeps_numeric_target", {"target-leakage"}, W3,
     'houses = pd.read_csv("data/houses.csv")\nX = houses.select_dtypes("number")\ny = houses["price"]',
     "from sklearn.linear_model import Ridge\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
     "print(Ridge().fit(X_train, y_train).score(X_test, y_test))",
     note="held-out batch: missed on the first try (select_dtypes lost the columns); now a warning")
case("wild3_drop_duplicates_then_split_clean", set(), W3,
     'df = pd.read_csv("data/churn.csv").drop_duplicates()\nX, y = df.drop(columns="churn"), df["churn"]\n'
     "X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)",
     "print(LogisticRegression(max_iter=500).fit(X_train, y_train).score(X_test, y_test))")
case("wild3_pinned_wildcard_install_clean", set(), '%pip install "pandas==2.2.*" "numpy<2"')


# --- fourth "wild" batch: held out — scored as written ------------------------------------------
W4 = ("import numpy as np\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.ensemble import RandomForestClassifier")
case("wild4_tfidf_pipeline_gridsearch_clean", set(), W4,
     "from sklearn.feature_extraction.text import TfidfVectorizer\nfrom sklearn.pipeline import Pipeline\n"
     "from sklearn.model_selection import GridSearchCV\nfrom sklearn.naive_bayes import MultinomialNB",
     'sms = pd.read_csv("data/sms.csv")\nX_train, X_test, y_train, y_test = train_test_split(sms.text, sms.spam, random_state=1)',
     "pipe = Pipeline([('tfidf', TfidfVectorizer()), ('nb', MultinomialNB())])\n"
     "grid = GridSearchCV(pipe, {'nb__alpha': [0.1, 0.5, 1.0]}, cv=5).fit(X_train, y_train)\n"
     "print(grid.best_params_, grid.score(X_test, y_test))")
case("wild4_minmax_by_hand_before_split", {"preprocessing-before-split"}, W4,
     'df = pd.read_csv("data/diabetes.csv")\nfor col in ["glucose", "bmi"]:\n'
     '    df[col] = (df[col] - df[col].min()) / (df[col].max() - df[col].min())',
     'X, y = df[["glucose", "bmi"]], df["outcome"]\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=2)\n'
     "rf = RandomForestClassifier(random_state=2).fit(X_train, y_train)\nprint(rf.score(X_test, y_test))")
case("wild4_polynomial_features_before_split_clean", set(), W4,
     "from sklearn.preprocessing import PolynomialFeatures",
     'df = pd.read_csv("data/diabetes.csv")\nX = PolynomialFeatures(degree=2).fit_transform(df[["glucose", "bmi"]])\n'
     'y = df["outcome"]',
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=2)\n"
     "rf = RandomForestClassifier(random_state=2).fit(X_train, y_train)\nprint(rf.score(X_test, y_test))")
case("wild4_ordinal_encoder_before_split", set(), W4,
     "from sklearn.preprocessing import OrdinalEncoder",
     'cars = pd.read_csv("data/cars.csv")\ncats = ["make", "fuel"]\ncars[cats] = OrdinalEncoder().fit_transform(cars[cats])',
     'X, y = cars.drop(columns="sold"), cars["sold"]\nX_train, X_test, y_train, y_test = train_test_split(X, y, random_state=5)\n'
     "rf = RandomForestClassifier(random_state=5).fit(X_train, y_train)\nprint(rf.score(X_test, y_test))",
     note="relabelled N: an ordinal encoder learns only which categories occur, no statistic of the held-out "
          "values (the third-party labelling protocol, docs/lint.md)")
case("wild4_sample_split_clean", set(), W4,
     'df = pd.read_csv("data/cars.csv")\ndf_train = df.sample(frac=0.8, random_state=1)\ndf_test = df.drop(df_train.index)\n'
     'cols = ["age", "km"]',
     'rf = RandomForestClassifier(random_state=1).fit(df_train[cols], df_train["sold"])\n'
     'print(rf.score(df_test[cols], df_test["sold"]))')
case("wild4_sample_split_scaler_on_all", {"preprocessing-before-split"}, W4,
     "from sklearn.preprocessing import StandardScaler",
     'df = pd.read_csv("data/cars.csv")\ndf_train = df.sample(frac=0.8, random_state=1)\ndf_test = df.drop(df_train.index)\n'
     'cols = ["age", "km"]\nscaler = StandardScaler().fit(df[cols])',
     'rf = RandomForestClassifier(random_state=1).fit(scaler.transform(df_train[cols]), df_train["sold"])\n'
     'print(rf.score(scaler.transform(df_test[cols]), df_test["sold"]))')
case("wild4_xgboost_native_early_stopping_on_test", {"multi-test"}, W4, "import xgboost as xgb",
     'df = pd.read_csv("data/cars.csv")\nX, y = df.drop(columns="sold"), df["sold"]\n'
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
     "dtrain = xgb.DMatrix(X_train, label=y_train)\ndtest = xgb.DMatrix(X_test, label=y_test)",
     "booster = xgb.train({'objective': 'binary:logistic', 'seed': 0}, dtrain, num_boost_round=500,\n"
     "                    evals=[(dtest, 'test')], early_stopping_rounds=20)\nprint(booster.best_score)",
     note="held-out batch 4: missed on the first try (native xgb.train); fixed after scoring")
case("wild4_smote_inside_cv_loop_clean", set(), W4,
     "from imblearn.over_sampling import SMOTE\nfrom sklearn.model_selection import StratifiedKFold",
     'df = pd.read_csv("data/fraud.csv")\nX, y = df.drop(columns="fraud").values, df["fraud"].values',
     "scores = []\nfor tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):\n"
     "    X_res, y_res = SMOTE(random_state=0).fit_resample(X[tr], y[tr])\n"
     "    rf = RandomForestClassifier(random_state=0).fit(X_res, y_res)\n    scores.append(rf.score(X[te], y[te]))\n"
     "print(np.mean(scores))")
case("wild4_groupwise_lead_feature", {"temporal"}, W4,
     'visits = pd.read_csv("data/visits.csv", parse_dates=["day"]).sort_values(["patient", "day"])\n'
     'visits["next_bp"] = visits.groupby("patient")["bp"].shift(-1)\nvisits = visits.dropna()',
     'X, y = visits[["bp", "next_bp"]], visits["readmitted"]\n'
     "cut = int(len(visits) * 0.8)\nX_train, X_test, y_train, y_test = X[:cut], X[cut:], y[:cut], y[cut:]",
     "rf = RandomForestClassifier(random_state=0).fit(X_train, y_train)\nprint(rf.score(X_test, y_test))")
case("wild4_date_cutoff_split_clean", set(), W4,
     'orders = pd.read_csv("data/orders.csv", parse_dates=["ordered_at"]).sort_values("ordered_at")\n'
     'train = orders[orders.ordered_at < "2024-01-01"]\ntest = orders[orders.ordered_at >= "2024-01-01"]\n'
     'feats = ["amount", "items"]',
     'rf = RandomForestClassifier(random_state=0).fit(train[feats], train["returned"])\n'
     'print(rf.score(test[feats], test["returned"]))')
case("wild4_refit_on_stacked_train_and_test", {"overlap"}, W4,
     'df = pd.read_csv("data/diabetes.csv")\nX, y = df.drop(columns="outcome").values, df["outcome"].values\n'
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=2)",
     "rf = RandomForestClassifier(random_state=2)\nrf.fit(np.vstack([X_train, X_test]), np.hstack([y_train, y_test]))\n"
     "print(rf.score(X_test, y_test))")
case("wild4_cwd_join_path_clean", set(), "import os\nimport pandas as pd",
     'df = pd.read_csv(os.path.join(os.getcwd(), "data", "diabetes.csv"))')
case("wild4_unseeded_permutation_importance", {"unseeded-randomness"}, W4,
     "from sklearn.inspection import permutation_importance",
     'df = pd.read_csv("data/diabetes.csv")\nX, y = df.drop(columns="outcome"), df["outcome"]\n'
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=2)\n"
     "rf = RandomForestClassifier(random_state=2).fit(X_train, y_train)\nprint(rf.score(X_test, y_test))",
     "imp = permutation_importance(rf, X_test, y_test, n_repeats=10)\nprint(imp.importances_mean)",
     note="held-out batch 4: missed on the first try (permutation_importance); fixed after scoring")


# --- fifth "wild" batch: held out — scored as written and left as scored ------------------------
W5 = ("import numpy as np\nimport pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
      "from sklearn.linear_model import LogisticRegression")
case("wild5_robust_scaler_on_full_array", {"preprocessing-before-split"}, W5,
     "from sklearn.preprocessing import RobustScaler",
     'raw = pd.read_csv("data/sensors.csv")\nfeatures = raw[["t1", "t2", "t3"]].to_numpy()\nlabels = raw["fault"].to_numpy()',
     "features = RobustScaler().fit_transform(features)\n"
     "Xa, Xb, ya, yb = train_test_split(features, labels, test_size=0.3, random_state=0)",
     "clf = LogisticRegression().fit(Xa, ya)\nprint('holdout', clf.score(Xb, yb))")
case("wild5_pipeline_with_imputer_and_holdout_clean", set(), W5,
     "from sklearn.impute import SimpleImputer\nfrom sklearn.pipeline import make_pipeline",
     'raw = pd.read_csv("data/sensors.csv")\nX, y = raw[["t1", "t2", "t3"]], raw["fault"]\n'
     "X_dev, X_hold, y_dev, y_hold = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)",
     "model = make_pipeline(SimpleImputer(strategy='median'), LogisticRegression())\nmodel.fit(X_dev, y_dev)\n"
     "print(model.score(X_hold, y_hold))")
case("wild5_two_classifiers_compared_on_holdout", {"multi-test"}, W5,
     "from sklearn.naive_bayes import GaussianNB",
     'raw = pd.read_csv("data/sensors.csv")\nX, y = raw[["t1", "t2", "t3"]], raw["fault"]\n'
     "X_dev, X_hold, y_dev, y_hold = train_test_split(X, y, test_size=0.2, random_state=0)",
     "nb_acc = GaussianNB().fit(X_dev, y_dev).score(X_hold, y_hold)\n"
     "lr_acc = LogisticRegression().fit(X_dev, y_dev).score(X_hold, y_hold)\n"
     "winner = 'nb' if nb_acc > lr_acc else 'lr'")
case("wild5_label_column_left_in_via_assign", {"target-leakage"}, W5,
     'raw = pd.read_csv("data/sensors.csv")\nraw = raw.assign(fault_flag=raw["fault"].astype(bool))\n'
     'X = raw.drop(columns=["fault"])\ny = raw["fault"]',
     "X_dev, X_hold, y_dev, y_hold = train_test_split(X, y, random_state=0)\n"
     "print(LogisticRegression().fit(X_dev, y_dev).score(X_hold, y_hold))")
case("wild5_resampled_hourly_random_split", {"temporal"}, W5,
     'ticks = pd.read_csv("data/ticks.csv", parse_dates=["ts"], index_col="ts")\n'
     'hourly = ticks.resample("1h").mean().dropna()\nX, y = hourly[["volume"]], (hourly["price"] > 100).astype(int)',
     "X_dev, X_hold, y_dev, y_hold = train_test_split(X, y, random_state=0)\n"
     "print(LogisticRegression().fit(X_dev, y_dev).score(X_hold, y_hold))",
     note="held-out batch 5: missed on the first try (resample().mean() was taken for a statistic); fixed")
case("wild5_undersampling_before_split_clean", set(), W5,
     "from imblearn.under_sampling import RandomUnderSampler",
     'raw = pd.read_csv("data/sensors.csv")\nX, y = raw[["t1", "t2"]], raw["fault"]\n'
     "X_bal, y_bal = RandomUnderSampler(random_state=0).fit_resample(X, y)",
     "X_dev, X_hold, y_dev, y_hold = train_test_split(X_bal, y_bal, random_state=0)\n"
     "print(LogisticRegression().fit(X_dev, y_dev).score(X_hold, y_hold))")
case("wild5_uses_variable_from_deleted_cell", {"hidden-state"}, W5,
     'raw = pd.read_csv("data/sensors.csv")', "print(clean_frame.describe())")
case("wild5_pip_install_from_git_clean", set(), "%pip install git+https://github.com/org/tool@v1.2.0",
     "import tool")
case("wild5_random_choice_seeded_by_rng_clean", set(), W5,
     "rng = np.random.RandomState(7)\nidx = rng.choice(100, size=10, replace=False)\nprint(idx)")
case("wild5_fit_on_concat_of_train_and_holdout_scaler", {"preprocessing-before-split"}, W5,
     "from sklearn.preprocessing import StandardScaler",
     'raw = pd.read_csv("data/sensors.csv")\nX, y = raw[["t1", "t2"]], raw["fault"]\n'
     "X_dev, X_hold, y_dev, y_hold = train_test_split(X, y, random_state=0)",
     "sc = StandardScaler().fit(pd.concat([X_dev, X_hold]))\n"
     "clf = LogisticRegression().fit(sc.transform(X_dev), y_dev)\nprint(clf.score(sc.transform(X_hold), y_hold))")


def build(spec: dict) -> nbformat.NotebookNode:
    """The notebook of one corpus case."""
    cells = []
    counts = spec.get("counts") or [None] * len(spec["cells"])
    for index, (source, count) in enumerate(zip(spec["cells"], counts, strict=True)):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        cell["id"] = f"c{index}"
        cells.append(cell)
    title = nbformat.v4.new_markdown_cell(f"# {spec['name']}\n{spec.get('note', '')}".strip())
    title["id"] = "title"
    nb = nbformat.v4.new_notebook(cells=cells + [title])
    meta: dict = {"corpus": {"expected": spec["expected"], "note": spec.get("note", ""),
                             "known_miss": spec.get("known_miss", "")}}
    if spec.get("manifest"):
        meta["manifest"] = spec["manifest"]
    nb.metadata["nbpromote"] = meta
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def render(spec: dict) -> str:
    return nbformat.writes(build(spec)) + "\n"


def write_all(directory: Path = CORPUS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in CASES:
        path = directory / f"{spec['name']}.ipynb"
        path.write_text(render(spec), encoding="utf-8")
        written.append(path)
    return written


def expected_of(path: Path) -> set[str]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return set(data["metadata"]["nbpromote"]["corpus"]["expected"])


if __name__ == "__main__":
    paths = write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS_DIR)
    print(f"wrote {len(paths)} notebooks")
