"""Write the example notebooks from the Python source below, so they stay reviewable.

The ``.ipynb`` files in this directory are generated: edit the cells here, then run::

    python notebooks/_build_notebooks.py            # rewrite the notebooks
    python notebooks/_build_notebooks.py --check    # exit 1 if a notebook differs from this source

Every notebook is nbformat 4.5, cleared of outputs (``execution_count`` null), with stable,
readable cell ids and the ``python3`` kernelspec. Same source → byte-identical files.

Conventions the rest of nbpromote relies on (see ``docs/architecture.md``):

* the first code cell is tagged ``imports`` and holds imports only;
* a ``parameters`` cell (papermill) holds plain literal assignments;
* functions shared by stages and by the model (credit_risk's row-wise ``add_ratio_features``,
  applied inside the model's Pipeline so serving computes it too) live in cells tagged
  ``functions`` (exported to ``common.py``);
* pipeline cells are tagged ``stage:ingest``, ``stage:validate``, ``stage:features``,
  ``stage:train``, ``stage:evaluate``; exploration cells are tagged ``skip``;
* the outputs keep the role names ``X_train, X_test, y_train, y_test, model, metrics``
  (``metrics`` is a flat dict name → float, printed as JSON by the evaluate stage).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

#: Flip to True once ``%load_ext nbpromote`` / ``%promote seed`` exist (nbpromote.magics);
#: the provenance cell is then live instead of commented out.
ENABLE_MAGICS = True

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {"name": "python", "file_extension": ".py", "mimetype": "text/x-python",
                 "pygments_lexer": "ipython3", "nbconvert_exporter": "python"}


@dataclass(frozen=True)
class Cell:
    """One cell: ``kind`` is "code" or "markdown"; ``id`` is stable and unique per notebook."""

    id: str
    kind: str
    source: str
    tags: tuple[str, ...] = ()


def md(id: str, source: str) -> Cell:
    return Cell(id, "markdown", source.strip("\n"))


def code(id: str, source: str, *tags: str) -> Cell:
    return Cell(id, "code", source.strip("\n"), tuple(tags))


def provenance_cell(id: str) -> Cell:
    """``%load_ext nbpromote`` + ``%promote seed {seed}``: notebook-only, hence ``skip``."""
    lines = ["%load_ext nbpromote", "%promote seed {seed}"]
    if ENABLE_MAGICS:
        body = ("# Record seeds and provenance with nbpromote. Notebook only, hence `skip`: the\n"
                "# exported pipeline takes its seed from the captured manifest.\n")
        body += "\n".join(lines)
    else:
        body = ("# Provenance capture with nbpromote's magics — uncomment once they are installed\n"
                "# (the pipeline export sets the seed itself, so this cell is tagged `skip`).\n")
        body += "\n".join(f"# {line}" for line in lines)
    return code(id, body, "skip")


# --------------------------------------------------------------------------------------------
# credit_risk.ipynb — the clean, export-ready notebook
# --------------------------------------------------------------------------------------------

CREDIT_COLUMNS = """expected_columns = [
    "customer_id", "application_date", "age", "sex", "employment_type", "home_ownership",
    "income", "loan_amount", "loan_term_months", "loan_purpose", "region",
    "credit_history_years", "debt_to_income", "num_open_accounts", "num_late_payments",
    "credit_utilization",
]"""

CREDIT_RISK = [
    md("title", """
# Credit-risk scoring

Predict whether a loan application will **default** from what is known when the application is
made: the applicant (age, employment, income, credit history), the loan (amount, term, purpose)
and the region. The data is synthetic but realistic (`data/make_credit_data.py`, seeded): 5,000
applications from 2023–2024, a default rate of about 22%, a few missing values, and a protected
attribute, `sex`, which the model does not use but whose slices we evaluate.

The notebook is ready to be promoted to a pipeline by nbpromote:

| tag | cells |
|---|---|
| `imports` | the imports, shared by every stage |
| `functions` | the row-wise feature function, shared by every stage and by the model |
| `parameters` | papermill parameters: `data_path`, `test_size`, `seed`, `C`, `train_rows` |
| `stage:ingest` → `stage:validate` → `stage:features` → `stage:train` → `stage:evaluate` | the pipeline |
| `skip` | exploration, never exported |

Outputs keep the names nbpromote uses as roles: `X_train, X_test, y_train, y_test` (the split,
raw columns only), `model` (the fitted scikit-learn Pipeline, which computes the engineered
features itself) and `metrics` (a flat dict of floats).
"""),
    code("imports", """
import json

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
""", "imports"),
    code("parameters", """
data_path = "data/credit.csv"
test_size = 0.25
seed = 42
C = 1.0
train_rows = None  # None: every training row; a number fits on a seeded sample (the holdout is unchanged)
""", "parameters"),
    provenance_cell("provenance"),
    md("ingest-md", """
## Ingest

Read the applications; `application_date` becomes a datetime. The path is relative to the
notebook, so the notebook runs the same on any machine.
"""),
    code("ingest", """
df = pd.read_csv(data_path, parse_dates=["application_date"])
print(f"{len(df):,} applications, {df.shape[1]} columns, "
      f"{df['application_date'].min():%Y-%m-%d} to {df['application_date'].max():%Y-%m-%d}")
""", "stage:ingest"),
    md("explore-md", """
### A first look (exploration, tagged `skip`)
"""),
    code("explore-head", """
df.head()
""", "skip"),
    code("explore-describe", """
df.describe().T
""", "skip"),
    code("explore-target", """
print("default rate:", round(df["default"].mean(), 3))
print("missing values:")
print(df.isna().mean().loc[lambda share: share > 0].round(3).to_string())
""", "skip"),
    md("validate-md", """
## Validate

Fail early, with a message naming the column, if the input is not what the model was built for:
missing columns, a numeric column that arrived as text, impossible ages, a column that is
suddenly mostly empty. (`data/credit_corrupted.csv` fails every one of these checks.)
"""),
    code("validate", CREDIT_COLUMNS + """
numeric_columns = [
    "age", "income", "loan_amount", "loan_term_months", "credit_history_years",
    "debt_to_income", "num_open_accounts", "num_late_payments", "credit_utilization",
]
problems = []
missing_columns = [column for column in expected_columns if column not in df.columns]
if missing_columns:
    problems.append(f"missing columns: {missing_columns}")
for column in numeric_columns:
    if column in df.columns and not pd.api.types.is_numeric_dtype(df[column]):
        problems.append(f"column {column!r} should be numeric, got {df[column].dtype} "
                        f"(e.g. {df[column].iloc[0]!r})")
if "age" in df.columns and pd.api.types.is_numeric_dtype(df["age"]):
    bad_ages = df.loc[~df["age"].between(18, 100), "age"]
    if len(bad_ages):
        examples = sorted(bad_ages.unique().tolist())[:5]
        problems.append(f"{len(bad_ages)} rows with age outside 18-100, e.g. {examples}")
for column, share in df.isna().mean().items():
    if share > 0.2:
        problems.append(f"column {column!r} is {share:.0%} missing (at most 20% expected)")
if "default" in df.columns and not df["default"].isin([0, 1]).all():
    problems.append("target 'default' must be 0 or 1")
if problems:
    raise ValueError(f"{data_path} failed validation:\\n- " + "\\n- ".join(problems))
print(f"{data_path}: {len(df):,} rows passed validation")
""", "stage:validate"),
    md("features-md", """
## Features

Feature engineering is **row-wise only**: each new value depends on its own row, never on
statistics computed over rows (means, quantiles, encoders), so it cannot leak the test set.
It lives in a function, `add_ratio_features` (a cell tagged `functions`), which the model's
Pipeline applies as its first step: training and scoring run the same code, so the exported
pipeline scores raw batches (`data/credit_drifted.csv` as it arrives) and monitors them against
raw training columns. Statistics that need fitting (imputation, scaling, one-hot encoding) also
live inside the Pipeline and are fitted on the training split only.
"""),
    code("ratio-features", '''
def add_ratio_features(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with three ratio features, each computed from its own row only."""
    return frame.assign(
        loan_to_income=frame["loan_amount"] / frame["income"],
        payment_to_income=12 * frame["loan_amount"] / frame["loan_term_months"] / frame["income"],
        late_payments_per_year=frame["num_late_payments"] / (frame["credit_history_years"] + 1.0),
    )
''', "functions"),
    md("split-md", """
The features stage keeps the raw columns the model reads (plus `sex`, for slice metrics only)
and splits them, stratified on the target and seeded. With `train_rows` set, the model is fit on a
seeded sample of that many training rows (a pilot, say) and evaluated on the same holdout.
"""),
    code("split", """
target = "default"
numeric_features = [
    "age", "income", "loan_amount", "loan_term_months", "credit_history_years",
    "debt_to_income", "num_open_accounts", "num_late_payments", "credit_utilization",
]
categorical_features = ["employment_type", "home_ownership", "loan_purpose", "region"]
# `sex` is kept beside the features for slice metrics; the model's ColumnTransformer drops it.
X = df[numeric_features + categorical_features + ["sex"]]
y = df[target]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=test_size, random_state=seed, stratify=y
)
if train_rows is not None:
    # A model fit on fewer labelled rows (e.g. a pilot); the holdout stays the same frozen rows.
    X_train = X_train.sample(n=train_rows, random_state=seed)
    y_train = y_train.loc[X_train.index]
print(f"train: {len(X_train):,} rows, holdout: {len(X_test):,} rows")
""", "stage:features"),
    md("train-md", """
## Train

A scikit-learn Pipeline: the ratio features (`add_ratio_features`), then median imputation and
scaling for numeric columns, most-frequent imputation and one-hot encoding for categorical ones
(categories unseen in training are ignored), then a regularised logistic regression. The fitted
Pipeline is the model: it takes the raw columns and does everything else itself.
"""),
    code("train", """
ratio_features = ["loan_to_income", "payment_to_income", "late_payments_per_year"]
numeric_pipeline = Pipeline([
    ("impute", SimpleImputer(strategy="median")),
    ("scale", StandardScaler()),
])
categorical_pipeline = Pipeline([
    ("impute", SimpleImputer(strategy="most_frequent")),
    ("onehot", OneHotEncoder(handle_unknown="ignore")),
])
preprocess = ColumnTransformer([
    ("numeric", numeric_pipeline, numeric_features + ratio_features),
    ("categorical", categorical_pipeline, categorical_features),
])
model = Pipeline([
    ("ratios", FunctionTransformer(add_ratio_features)),
    ("preprocess", preprocess),
    ("classifier", LogisticRegression(C=C, max_iter=1000, random_state=seed)),
])
model.fit(X_train, y_train)
""", "stage:train"),
    md("evaluate-md", """
## Evaluate

On the holdout only: ROC AUC, accuracy at the 0.5 threshold, the holdout size and its class counts
(the promotion gate uses them for the noise margin), and the same metrics per slice of the protected attribute.
"""),
    code("evaluate", """
scores = model.predict_proba(X_test)[:, 1]
predictions = model.predict(X_test)
metrics = {
    "roc_auc": float(roc_auc_score(y_test, scores)),
    "accuracy": float(accuracy_score(y_test, predictions)),
    "n_holdout": float(len(y_test)),
    # Class counts let the promotion gate use the Hanley–McNeil standard error of the AUC.
    "n_pos": float((y_test == 1).sum()),
    "n_neg": float((y_test == 0).sum()),
}
for group in sorted(X_test["sex"].dropna().unique()):
    in_group = (X_test["sex"] == group).to_numpy()
    metrics[f"accuracy[sex={group}]"] = float(accuracy_score(y_test[in_group], predictions[in_group]))
    metrics[f"roc_auc[sex={group}]"] = float(roc_auc_score(y_test[in_group], scores[in_group]))
print(json.dumps(metrics, indent=1, sort_keys=True))
""", "stage:evaluate"),
    md("inspect-md", """
### Which features move the score (exploration, tagged `skip`)
"""),
    code("inspect-coefficients", """
coefficients = pd.Series(
    model.named_steps["classifier"].coef_[0],
    index=model.named_steps["preprocess"].get_feature_names_out(),
)
coefficients.sort_values(key=abs, ascending=False).head(10).round(3)
""", "skip"),
    md("next-md", """
## Next

```
nbpromote lint credit_risk.ipynb                 # leakage and reproducibility findings
nbpromote export credit_risk.ipynb -o build/     # a versioned pipeline package
nbpromote monitor data/credit.csv data/credit_drifted.csv   # drift of a later batch
```
`data/credit_drifted.csv` is a 2025 batch with lower incomes, a new loan purpose and a different
region mix; `data/credit_corrupted.csv` fails the validate stage.
"""),
]


# --------------------------------------------------------------------------------------------
# credit_risk_leaky.ipynb — the same task with planted mistakes (README tour)
# --------------------------------------------------------------------------------------------

CREDIT_RISK_LEAKY = [
    md("title", """
# Credit-risk scoring — the leaky version (do not copy)

This notebook solves the same task as `credit_risk.ipynb` and **runs without error**, but it
contains mistakes that are common in real notebooks. Each one is marked **MISTAKE** below and
explained; `nbpromote lint credit_risk_leaky.ipynb` should find them all:

1. an absolute path that only exists on the author's machine (cell tagged `skip`);
2. missing values filled with the mean of the *whole* table, test rows included;
3. an imputer fitted on the whole table before the split;
4. a feature derived from the target (`collections_flag`);
5. a scaler fitted on the whole feature matrix before the split;
6. a model without `random_state`;
7. the "best" model chosen by its score on the test set, which is then reported as if unseen.

Compare its holdout ROC AUC with the clean notebook's: the leaks make it look much better than
it is.
"""),
    code("imports", """
import json
import os

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
""", "imports"),
    code("parameters", """
data_path = "data/credit.csv"
test_size = 0.25
seed = 42
""", "parameters"),
    md("ingest-md", """
## Ingest
"""),
    code("ingest", """
df = pd.read_csv(data_path, parse_dates=["application_date"])
print(f"{len(df):,} applications")
""", "stage:ingest"),
    md("abspath-md", """
**MISTAKE 1 — absolute path.** The author first loaded the file from their home directory. The
path does not exist anywhere else, so this cell only reads it when it happens to exist (it never
does here). It is tagged `skip`, but the hazard remains for whoever reruns the notebook.
"""),
    code("abspath", """
author_copy = "/home/analyst/projects/credit/data/credit.csv"
if os.path.exists(author_copy):
    df = pd.read_csv(author_copy, parse_dates=["application_date"])
""", "skip"),
    md("fillna-md", """
**MISTAKE 2 — statistics over all rows.** `df.mean()` is computed over every row, including the
rows that will later be the test set, so the training data carries information about the test
set. Fit imputers on the training split only (inside a Pipeline).
"""),
    code("fillna", """
numeric_columns = [
    "age", "income", "loan_amount", "loan_term_months", "credit_history_years",
    "debt_to_income", "num_open_accounts", "num_late_payments", "credit_utilization",
]
df[numeric_columns] = df[numeric_columns].fillna(df[numeric_columns].mean())
""", "stage:features"),
    md("impute-md", """
**MISTAKE 3 — an imputer fitted before the split.** Same problem with scikit-learn:
`fit_transform` on the whole table learns the most frequent categories from the test rows too.
"""),
    code("impute", """
categorical_columns = ["employment_type", "home_ownership", "loan_purpose", "region"]
imputer = SimpleImputer(strategy="most_frequent")
df[categorical_columns] = imputer.fit_transform(df[categorical_columns])
""", "stage:features"),
    md("target-feature-md", """
**MISTAKE 4 — a feature derived from the target.** The collections team flags an account *after*
it defaults; at application time the flag does not exist. Here it is rebuilt from `default`
itself, so the model learns the answer. (It is the single strongest "feature".)
"""),
    code("target-feature", """
df["collections_flag"] = ((df["default"] == 1) & (df["num_late_payments"] > 0)).astype(int)
""", "stage:features"),
    md("scale-md", """
**MISTAKE 5 — a scaler fitted before the split.** The means and standard deviations include the
test rows. Put the scaler inside the model's Pipeline instead.
"""),
    code("scale", """
X_all = pd.concat(
    [df[numeric_columns + ["collections_flag"]],
     pd.get_dummies(df[categorical_columns], dtype=float)],
    axis=1,
)
scaler = StandardScaler()
X_scaled = pd.DataFrame(scaler.fit_transform(X_all), columns=X_all.columns, index=X_all.index)
y = df["default"]
X_train, X_test, y_train, y_test = train_test_split(
    X_scaled, y, test_size=test_size, random_state=seed
)
""", "stage:features"),
    md("select-md", """
**MISTAKE 6 — no `random_state`.** The random forest below gives a different model on every run.

**MISTAKE 7 — choosing by the test score.** Several models are compared on the test set and the
best is kept; its test score is then no longer an unbiased estimate (use cross-validation on the
training split, or a separate validation split).
"""),
    code("select", """
candidates = {
    "logistic_regression_C0.01": LogisticRegression(C=0.01, max_iter=1000, random_state=seed),
    "logistic_regression_C1": LogisticRegression(C=1.0, max_iter=1000, random_state=seed),
    "random_forest": RandomForestClassifier(n_estimators=60, min_samples_leaf=5),
}
test_scores = {}
for name, candidate in candidates.items():
    candidate.fit(X_train, y_train)
    test_scores[name] = roc_auc_score(y_test, candidate.predict_proba(X_test)[:, 1])
best_name = max(test_scores, key=test_scores.get)
model = candidates[best_name]
print("test ROC AUC by candidate:", {name: round(score, 3) for name, score in test_scores.items()})
print("chosen:", best_name)
""", "stage:train"),
    md("evaluate-md", """
## Evaluate
"""),
    code("evaluate", """
scores = model.predict_proba(X_test)[:, 1]
predictions = model.predict(X_test)
metrics = {
    "roc_auc": float(roc_auc_score(y_test, scores)),
    "accuracy": float(accuracy_score(y_test, predictions)),
    "n_holdout": float(len(y_test)),
}
sex_test = df.loc[y_test.index, "sex"]
for group in sorted(sex_test.unique()):
    in_group = (sex_test == group).to_numpy()
    metrics[f"accuracy[sex={group}]"] = float(accuracy_score(y_test[in_group], predictions[in_group]))
print(json.dumps(metrics, indent=1, sort_keys=True))
""", "stage:evaluate"),
]


# --------------------------------------------------------------------------------------------
# breast_cancer.ipynb — a second, small, clean notebook (dataset ships with scikit-learn)
# --------------------------------------------------------------------------------------------

BREAST_CANCER = [
    md("title", """
# Breast-cancer diagnosis

Classify breast masses as malignant or benign from 30 measurements of cell nuclei (the Wisconsin
diagnostic dataset, shipped with scikit-learn, so this notebook needs no download). The positive
class is **malignant**.

Stages are tagged like `credit_risk.ipynb` (`imports`, `parameters`, `stage:ingest`,
`stage:features`, `stage:train`, `stage:evaluate`, `skip`), with the same output names:
`X_train, X_test, y_train, y_test, model, metrics`.
"""),
    code("imports", """
import json

from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
""", "imports"),
    code("parameters", """
test_size = 0.25
seed = 42
C = 1.0
""", "parameters"),
    provenance_cell("provenance"),
    md("ingest-md", """
## Ingest

scikit-learn codes benign as 1; we name the target `malignant` (1 = malignant) so that recall
means "cancers found".
"""),
    code("ingest", """
frame = load_breast_cancer(as_frame=True).frame
df = frame.drop(columns="target").assign(malignant=1 - frame["target"])
print(f"{len(df)} samples, {df.shape[1] - 1} features, {df['malignant'].mean():.1%} malignant")
""", "stage:ingest"),
    code("explore", """
df.describe().T.head(10)
""", "skip"),
    md("features-md", """
## Features

The measurements are used as they are; the split is stratified and seeded.
"""),
    code("features", """
target = "malignant"
feature_columns = [column for column in df.columns if column != target]
X = df[feature_columns]
y = df[target]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=test_size, random_state=seed, stratify=y
)
print(f"train: {len(X_train)} rows, holdout: {len(X_test)} rows")
""", "stage:features"),
    md("train-md", """
## Train

Scaling lives inside the Pipeline, so it is fitted on the training split only.
"""),
    code("train", """
model = Pipeline([
    ("scale", StandardScaler()),
    ("classifier", LogisticRegression(C=C, max_iter=5000, random_state=seed)),
])
model.fit(X_train, y_train)
""", "stage:train"),
    md("evaluate-md", """
## Evaluate
"""),
    code("evaluate", """
scores = model.predict_proba(X_test)[:, 1]
predictions = model.predict(X_test)
metrics = {
    "roc_auc": float(roc_auc_score(y_test, scores)),
    "accuracy": float(accuracy_score(y_test, predictions)),
    "recall": float(recall_score(y_test, predictions)),
    "precision": float(precision_score(y_test, predictions)),
    "n_holdout": float(len(y_test)),
    "n_pos": float((y_test == 1).sum()),
    "n_neg": float((y_test == 0).sum()),
}
print(json.dumps(metrics, indent=1, sort_keys=True))
""", "stage:evaluate"),
]

NOTEBOOKS: dict[str, list[Cell]] = {
    "credit_risk.ipynb": CREDIT_RISK,
    "credit_risk_leaky.ipynb": CREDIT_RISK_LEAKY,
    "breast_cancer.ipynb": BREAST_CANCER,
}


def build(cells: list[Cell]) -> nbformat.NotebookNode:
    """Build one notebook (nbformat 4.5, no outputs, stable ids) from ``cells``."""
    ids = [cell.id for cell in cells]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate cell ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    nb = nbformat.v4.new_notebook()
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO})
    for cell in cells:
        if cell.kind == "code":
            node = nbformat.v4.new_code_cell(cell.source, id=cell.id)
        else:
            node = nbformat.v4.new_markdown_cell(cell.source, id=cell.id)
        if cell.tags:
            node.metadata["tags"] = list(cell.tags)
        nb.cells.append(node)
    nbformat.validate(nb)
    return nb


def render(name: str) -> str:
    """The exact text of notebook ``name`` (a key of :data:`NOTEBOOKS`)."""
    return nbformat.writes(build(NOTEBOOKS[name])) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or --check) the example notebooks.")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if a notebook is missing or out of date")
    parser.add_argument("--out-dir", type=Path, default=HERE,
                        help="where to write the notebooks (default: this directory)")
    args = parser.parse_args(argv)
    stale = []
    for name in NOTEBOOKS:
        text = render(name)
        path = args.out_dir / name
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python notebooks/_build_notebooks.py",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
