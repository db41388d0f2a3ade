"""The example notebooks in ``notebooks/`` and their seeded data.

Specification:

* the data generators are deterministic (regenerating reproduces the committed CSVs byte for
  byte), produce the documented schema, and reject bad arguments with exit code 2;
* the drifted batch drifts in the documented ways; the corrupted batch has every documented defect;
* the notebooks are generated from ``notebooks/_build_notebooks.py`` and are up to date with it,
  stored cleared (nbformat 4.5, cell ids, ``python3`` kernel), and follow the tag conventions
  (``imports`` first, literal ``parameters``, ``functions``, ``stage:*``, ``skip``) and role names;
* the credit notebook's engineered features are a row-wise ``functions`` cell that the model's
  Pipeline applies, so its split (the pipeline's reference data) holds raw columns only;
* the clean notebooks are free of the planted mistakes; the leaky notebook has every one of them;
* executed for real (papermill, a ``python3`` kernel, in a temporary copy), every notebook runs
  top to bottom and prints sane ``metrics``; the credit notebook honours its parameters, accepts
  the drifted batch and rejects the corrupted one in its validate stage.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nbpromote.notebook import python_source

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
DATA = NOTEBOOKS / "data"
ALL_NOTEBOOKS = ["credit_risk.ipynb", "credit_risk_leaky.ipynb", "breast_cancer.ipynb"]
CLEAN_NOTEBOOKS = ["credit_risk.ipynb", "breast_cancer.ipynb"]
ROLE_NAMES = {"X_train", "X_test", "y_train", "y_test"}
CREDIT_COLUMNS = [
    "customer_id", "application_date", "age", "sex", "employment_type", "home_ownership",
    "income", "loan_amount", "loan_term_months", "loan_purpose", "region",
    "credit_history_years", "debt_to_income", "num_open_accounts", "num_late_payments",
    "credit_utilization", "default",
]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def credit_gen():
    return _load("make_credit_data", DATA / "make_credit_data.py")


@pytest.fixture(scope="module")
def drift_gen():
    return _load("make_drifted_batch", DATA / "make_drifted_batch.py")


@pytest.fixture(scope="module")
def builder():
    return _load("_build_notebooks", NOTEBOOKS / "_build_notebooks.py")


def _run_script(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DATA / script), *args],
                          capture_output=True, text=True, timeout=120)


def _read_csv(path: Path):
    import pandas as pd

    return pd.read_csv(path)


# ---------------------------------------------------------------------------------------------
# Data generators
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("script, args, committed", [
    ("make_credit_data.py", [], "credit.csv"),
    ("make_drifted_batch.py", [], "credit_drifted.csv"),
    ("make_drifted_batch.py", ["--corrupt"], "credit_corrupted.csv"),
])
def test_generators_reproduce_the_committed_csv_byte_for_byte(tmp_path, script, args, committed):
    out = tmp_path / committed
    result = _run_script(script, *args, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == (DATA / committed).read_bytes()


@pytest.mark.parametrize("committed", ["credit.csv", "credit_drifted.csv", "credit_corrupted.csv"])
def test_committed_csvs_stay_small(committed):
    assert (DATA / committed).stat().st_size < 1_000_000


def test_same_seed_same_table_other_seed_other_table(credit_gen):
    a = credit_gen.generate(rows=300, seed=11)
    b = credit_gen.generate(rows=300, seed=11)
    c = credit_gen.generate(rows=300, seed=12)
    assert a.to_csv(index=False) == b.to_csv(index=False)
    assert a.to_csv(index=False) != c.to_csv(index=False)


def test_credit_csv_has_the_documented_schema():
    import pandas as pd

    df = pd.read_csv(DATA / "credit.csv", parse_dates=["application_date"])
    assert list(df.columns) == CREDIT_COLUMNS
    assert len(df) == 5000
    assert df["customer_id"].is_unique
    for column in ["age", "income", "loan_amount", "loan_term_months", "credit_history_years",
                   "debt_to_income", "num_open_accounts", "num_late_payments",
                   "credit_utilization"]:
        assert pd.api.types.is_numeric_dtype(df[column]), column
    assert pd.api.types.is_datetime64_any_dtype(df["application_date"])
    assert df["application_date"].between("2023-01-01", "2024-12-31").all()
    assert df["age"].between(18, 100).all()
    assert set(df["sex"]) == {"F", "M"}
    assert set(df["default"]) == {0, 1}
    assert 0.15 <= df["default"].mean() <= 0.25
    assert set(df["loan_term_months"]) <= {12, 24, 36, 48, 60}
    assert df["debt_to_income"].between(0, 1).all()
    missing = df.isna().mean()
    assert missing["income"] == pytest.approx(0.03, abs=0.002)
    assert missing["employment_type"] == pytest.approx(0.02, abs=0.002)
    assert missing[["age", "sex", "loan_amount", "region", "default"]].eq(0).all()


def test_credit_target_is_learnable_but_not_trivially():
    """A plain pipeline reaches ROC AUC 0.75–0.85: useful, not perfect."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df = _read_csv(DATA / "credit.csv")
    numeric = ["age", "income", "loan_amount", "loan_term_months", "credit_history_years",
               "debt_to_income", "num_open_accounts", "num_late_payments", "credit_utilization"]
    categorical = ["employment_type", "home_ownership", "loan_purpose", "region"]
    X_train, X_test, y_train, y_test = train_test_split(
        df[numeric + categorical], df["default"], test_size=0.25, random_state=0,
        stratify=df["default"])
    model = make_pipeline(
        ColumnTransformer([
            ("n", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("c", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                OneHotEncoder(handle_unknown="ignore")), categorical),
        ]),
        LogisticRegression(max_iter=1000, random_state=0),
    ).fit(X_train, y_train)
    auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    assert 0.75 <= auc <= 0.85


def test_drifted_batch_drifts_as_documented(drift_gen):
    reference = _read_csv(DATA / "credit.csv")
    current = _read_csv(DATA / "credit_drifted.csv")
    assert list(current.columns) == list(reference.columns)
    assert len(current) == 2000
    assert current["income"].mean() / reference["income"].mean() == pytest.approx(0.80, abs=0.04)
    assert current["debt_to_income"].std() > 1.3 * reference["debt_to_income"].std()
    new = set(current["loan_purpose"]) - set(reference["loan_purpose"])
    assert new == {drift_gen.NEW_PURPOSE}
    share = current["loan_purpose"].eq(drift_gen.NEW_PURPOSE).mean()
    assert 0.05 <= share <= 0.11
    ref_mix = reference["region"].value_counts(normalize=True)
    cur_mix = current["region"].value_counts(normalize=True)
    assert (cur_mix - ref_mix).abs().max() > 0.08
    assert set(current["customer_id"]).isdisjoint(reference["customer_id"])
    # Drift is not a data-quality problem: the batch itself is valid.
    assert current["age"].between(18, 100).all()
    assert current.isna().mean().max() < 0.2


def test_reference_data_does_not_drift_against_a_fresh_sample_of_itself(credit_gen):
    """The negative case of the drift test: the same population under another seed."""
    reference = _read_csv(DATA / "credit.csv")
    fresh = credit_gen.generate(rows=2000, seed=99)
    assert fresh["income"].mean() / reference["income"].mean() == pytest.approx(1.0, abs=0.04)
    assert fresh["debt_to_income"].std() < 1.1 * reference["debt_to_income"].std()
    assert set(fresh["loan_purpose"]) <= set(reference["loan_purpose"])
    ref_mix = reference["region"].value_counts(normalize=True)
    fresh_mix = fresh["region"].value_counts(normalize=True)
    assert (fresh_mix - ref_mix).abs().max() < 0.05


def test_corrupted_batch_has_every_documented_defect(drift_gen):
    import pandas as pd

    reference = _read_csv(DATA / "credit.csv")
    bad = _read_csv(DATA / "credit_corrupted.csv")
    assert set(reference.columns) - set(bad.columns) == {drift_gen.DROPPED_COLUMN}
    assert pd.api.types.is_integer_dtype(reference["loan_term_months"])
    assert not pd.api.types.is_numeric_dtype(bad["loan_term_months"])
    assert bad["loan_term_months"].str.fullmatch(r"\d+ months").all()
    out_of_range = bad.loc[~bad["age"].between(18, 100), "age"]
    assert set(drift_gen.BAD_AGES) <= set(out_of_range)
    assert bad["income"].isna().mean() == pytest.approx(0.40, abs=0.01)
    assert reference["income"].isna().mean() < 0.05


@pytest.mark.parametrize("script, args, message", [
    ("make_credit_data.py", ["--rows", "0"], "positive integer"),
    ("make_credit_data.py", ["--rows", "-5"], "positive integer"),
    ("make_credit_data.py", ["--rows", "many"], "positive integer"),
    ("make_credit_data.py", ["--seed", "-1"], "non-negative integer seed"),
    ("make_credit_data.py", ["--seed", "x"], "non-negative integer seed"),
    ("make_drifted_batch.py", ["--rows", "0"], "positive integer"),
    ("make_drifted_batch.py", ["--corrupt", "--rows", "10"], "at least 20 rows"),
])
def test_generators_reject_bad_arguments(credit_gen, drift_gen, capsys, script, args, message):
    main = {"make_credit_data.py": credit_gen.main, "make_drifted_batch.py": drift_gen.main}[script]
    try:
        code = main(args)
    except SystemExit as exit_:  # argparse's own usage errors
        code = exit_.code
    assert code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("script", ["make_credit_data.py", "make_drifted_batch.py"])
def test_generators_name_a_missing_output_directory(tmp_path, script):
    missing = tmp_path / "no" / "such" / "dir"
    result = _run_script(script, "--out", str(missing / "out.csv"), "--rows", "30")
    assert result.returncode == 2
    assert str(missing) in result.stderr and "does not exist" in result.stderr
    assert not missing.exists()


def test_generator_cli_writes_the_requested_rows_and_seed(credit_gen, tmp_path, capsys):
    out = tmp_path / "small.csv"
    assert credit_gen.main(["--rows", "40", "--seed", "3", "--out", str(out)]) == 0
    assert "40 rows, seed 3" in capsys.readouterr().out
    assert out.read_bytes() == credit_gen.generate(40, 3).to_csv(
        index=False, lineterminator="\n").encode()


def test_generators_replace_other_content_only_with_force(credit_gen, drift_gen, tmp_path, capsys):
    out = tmp_path / "batch.csv"
    assert credit_gen.main(["--rows", "30", "--seed", "3", "--out", str(out)]) == 0
    first = out.read_bytes()
    # Same arguments again: identical bytes, allowed without --force.
    assert credit_gen.main(["--rows", "30", "--seed", "3", "--out", str(out)]) == 0
    assert out.read_bytes() == first
    capsys.readouterr()
    # Other content: refused, file untouched, message names the file and the fix.
    assert credit_gen.main(["--rows", "30", "--seed", "4", "--out", str(out)]) == 2
    assert drift_gen.main(["--rows", "30", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out} already exists with other content" in err and "--force" in err
    assert out.read_bytes() == first
    assert credit_gen.main(["--rows", "30", "--seed", "4", "--out", str(out), "--force"]) == 0
    assert out.read_bytes() != first
    assert not list(tmp_path.glob(".*.tmp"))


def test_generator_refuses_a_directory_as_output(credit_gen, tmp_path, capsys):
    assert credit_gen.main(["--rows", "30", "--out", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_generator_docstring_examples_run(credit_gen):
    import doctest

    result = doctest.testmod(credit_gen, verbose=False)
    assert result.attempted >= 2 and result.failed == 0


def test_generate_rejects_a_non_positive_row_count(credit_gen):
    with pytest.raises(ValueError, match="rows must be a positive integer"):
        credit_gen.generate(rows=0)


# ---------------------------------------------------------------------------------------------
# Notebook files: generated, cleared, tagged
# ---------------------------------------------------------------------------------------------

def test_committed_notebooks_match_their_builder(builder):
    for name in ALL_NOTEBOOKS:
        assert (NOTEBOOKS / name).read_text(encoding="utf-8") == builder.render(name), name


def test_builder_check_mode_detects_missing_and_stale_notebooks(builder, tmp_path):
    assert builder.main(["--check", "--out-dir", str(tmp_path)]) == 1  # missing
    assert builder.main(["--out-dir", str(tmp_path)]) == 0
    assert builder.main(["--check", "--out-dir", str(tmp_path)]) == 0
    stale = tmp_path / "breast_cancer.ipynb"
    stale.write_text(stale.read_text().replace("seed = 42", "seed = 43"))
    assert builder.main(["--check", "--out-dir", str(tmp_path)]) == 1


def test_builder_rejects_duplicate_cell_ids(builder):
    cells = [builder.code("same", "x = 1"), builder.code("same", "y = 2")]
    with pytest.raises(ValueError, match="duplicate cell ids"):
        builder.build(cells)


def _nb(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def _code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def _tags(cell) -> list[str]:
    return list(cell.metadata.get("tags", []))


def _stage(cell) -> str | None:
    stages = [tag for tag in _tags(cell) if tag.startswith("stage:")]
    assert len(stages) <= 1, cell.id
    return stages[0] if stages else None


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_notebook_is_stored_cleared_with_ids_and_the_python3_kernel(name):
    nb = _nb(name)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert nb.metadata.kernelspec.name == "python3"
    ids = [cell.id for cell in nb.cells]
    assert len(ids) == len(set(ids)) and all(ids)
    for cell in _code_cells(nb):
        assert cell.outputs == [] and cell.execution_count is None, cell.id


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_every_code_cell_has_exactly_one_role_tag(name):
    for cell in _code_cells(_nb(name)):
        roles = [t for t in _tags(cell)
                 if t in {"imports", "parameters", "functions", "skip"} or t.startswith("stage:")]
        assert len(roles) == 1, (cell.id, _tags(cell))


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_first_code_cell_is_tagged_imports_and_holds_imports_only(name):
    first = _code_cells(_nb(name))[0]
    assert _tags(first) == ["imports"]
    body = ast.parse(first.source).body
    assert body and all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in body)
    assert "matplotlib" not in first.source


@pytest.mark.parametrize("name, expected", [
    ("credit_risk.ipynb", {"data_path": "data/credit.csv", "test_size": 0.25, "seed": 42, "C": 1.0, "train_rows": None}),
    ("credit_risk_leaky.ipynb", {"data_path": "data/credit.csv", "test_size": 0.25, "seed": 42}),
    ("breast_cancer.ipynb", {"test_size": 0.25, "seed": 42, "C": 1.0}),
])
def test_parameters_cell_holds_plain_literal_assignments(name, expected):
    cells = [c for c in _code_cells(_nb(name)) if "parameters" in _tags(c)]
    assert len(cells) == 1
    values = {}
    for node in ast.parse(cells[0].source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1
        values[node.targets[0].id] = ast.literal_eval(node.value)
    assert values == expected


@pytest.mark.parametrize("name, stages", [
    ("credit_risk.ipynb", ["ingest", "validate", "features", "train", "evaluate"]),
    ("credit_risk_leaky.ipynb", ["ingest", "features", "train", "evaluate"]),
    ("breast_cancer.ipynb", ["ingest", "features", "train", "evaluate"]),
])
def test_stages_appear_in_pipeline_order(name, stages):
    order = []
    for cell in _code_cells(_nb(name)):
        stage = _stage(cell)
        if stage and (not order or order[-1] != stage):
            order.append(stage)
    assert order == [f"stage:{s}" for s in stages]


def _tree(source: str) -> ast.Module:
    """Parse a cell, IPython syntax (``%magics``) included."""
    return ast.parse(python_source(source)[0])


def _assigned(source: str) -> set[str]:
    names = set()
    for node in ast.walk(_tree(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_role_outputs_are_defined_by_their_stage(name):
    by_stage: dict[str, set[str]] = {}
    for cell in _code_cells(_nb(name)):
        if _stage(cell):
            by_stage.setdefault(_stage(cell), set()).update(_assigned(cell.source))
    assert ROLE_NAMES <= by_stage["stage:features"]
    assert "model" in by_stage["stage:train"]
    assert "metrics" in by_stage["stage:evaluate"]


def _calls(source: str):
    for node in ast.walk(_tree(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            yield name, {kw.arg for kw in node.keywords}


RANDOM_CALLS = {"train_test_split", "LogisticRegression", "RandomForestClassifier",
                "HistGradientBoostingClassifier"}


def _hazards(name: str) -> dict[str, bool]:
    """Which planted mistakes a notebook's code cells contain (a crude, AST-level scan)."""
    found = dict.fromkeys(["fit_before_split", "no_random_state", "absolute_path",
                           "target_feature", "frame_mean_fillna", "select_on_test"], False)
    split_seen = False
    for cell in _code_cells(_nb(name)):
        tree = _tree(cell.source)
        for call, keywords in _calls(cell.source):
            if call in {"fit", "fit_transform"} and not split_seen:
                found["fit_before_split"] = True
            if call in RANDOM_CALLS and "random_state" not in keywords:
                found["no_random_state"] = True
            if call == "fillna" and ".mean(" in cell.source:
                found["frame_mean_fillna"] = True
        if any(call == "train_test_split" for call, _ in _calls(cell.source)):
            split_seen = True
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value.startswith("/"):
                found["absolute_path"] = True
        if _stage(cell) == "stage:features" and 'df["default"]' in cell.source \
                and 'df["collections_flag"]' in cell.source:
            found["target_feature"] = True
        if "max(test_scores" in cell.source:
            found["select_on_test"] = True
    return found


@pytest.mark.parametrize("name", CLEAN_NOTEBOOKS)
def test_clean_notebooks_have_none_of_the_planted_mistakes(name):
    assert not any(_hazards(name).values()), _hazards(name)


def test_leaky_notebook_has_every_planted_mistake():
    assert all(_hazards("credit_risk_leaky.ipynb").values()), _hazards("credit_risk_leaky.ipynb")


def test_leaky_notebook_keeps_its_absolute_path_in_a_skip_cell():
    cells = [c for c in _code_cells(_nb("credit_risk_leaky.ipynb")) if "/home/" in c.source]
    assert [_tags(c) for c in cells] == [["skip"]]
    assert "os.path.exists" in cells[0].source  # guarded: the notebook still runs anywhere


def test_clean_credit_features_are_row_wise_only():
    """No statistics over rows in the feature stage or the feature function (they belong in the
    fitted Pipeline)."""
    row_stats = {"mean", "median", "std", "quantile", "fillna", "fit", "fit_transform",
                 "transform", "rank", "cumsum", "value_counts"}
    cells = [c for c in _code_cells(_nb("credit_risk.ipynb"))
             if _stage(c) == "stage:features" or "functions" in _tags(c)]
    assert {"stage:features", "functions"} <= {_stage(c) or _tags(c)[0] for c in cells}
    for cell in cells:
        used = {call for call, _ in _calls(cell.source)}
        assert not used & row_stats, (cell.id, used & row_stats)


RATIO_FEATURES = ["loan_to_income", "payment_to_income", "late_payments_per_year"]


def _credit_feature_function():
    """``add_ratio_features`` from the credit notebook's ``functions`` cell, and that cell."""
    import pandas as pd

    (cell,) = [c for c in _code_cells(_nb("credit_risk.ipynb")) if "functions" in _tags(c)]
    namespace = {"pd": pd}
    exec(compile(cell.source, cell.id, "exec"), namespace)
    return namespace["add_ratio_features"], cell


def test_credit_ratio_features_are_a_pure_row_wise_function():
    raw = _read_csv(DATA / "credit.csv")
    before = raw.copy()
    add_ratio_features, cell = _credit_feature_function()
    assert {node.name for node in _tree(cell.source).body} == {"add_ratio_features"}  # defs only
    features = add_ratio_features(raw)
    assert raw.equals(before)  # a copy, the input is untouched
    assert list(features.columns) == list(raw.columns) + RATIO_FEATURES
    row = raw.iloc[[7]]
    assert add_ratio_features(row).equals(features.iloc[[7]])  # one row alone: the same values
    assert features.loc[7, "loan_to_income"] == raw.loc[7, "loan_amount"] / raw.loc[7, "income"]


def test_credit_model_computes_its_features_so_the_split_holds_raw_columns():
    """Training and serving share one code path: the model's Pipeline starts with
    FunctionTransformer(add_ratio_features), and no features-stage cell builds those columns, so
    `X_train` (the pipeline's reference profile) has the columns a raw batch has."""
    cells = _code_cells(_nb("credit_risk.ipynb"))
    (train,) = [c for c in cells if _stage(c) == "stage:train"]
    transformers = [node for node in ast.walk(_tree(train.source)) if isinstance(node, ast.Call)
                    and getattr(node.func, "id", "") == "FunctionTransformer"]
    assert [ast.unparse(node.args[0]) for node in transformers] == ["add_ratio_features"]
    assert train.source.index("FunctionTransformer") < train.source.index('("preprocess", preprocess)')
    for cell in cells:
        if _stage(cell) == "stage:features":
            assert "assign(" not in cell.source and "add_ratio_features" not in cell.source, cell.id
            assert not any(name in cell.source for name in RATIO_FEATURES), cell.id


# ---------------------------------------------------------------------------------------------
# Real executions (papermill, python3 kernel, temporary copy of notebooks/)
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("notebooks")
    for name in ALL_NOTEBOOKS:
        shutil.copy2(NOTEBOOKS / name, work / name)
    shutil.copytree(DATA, work / "data", ignore=shutil.ignore_patterns("__pycache__"))
    return work


def _execute(workdir: Path, name: str, parameters: dict | None = None, tag: str = "out"):
    import papermill

    output = workdir / f"{Path(name).stem}.{tag}.ipynb"
    papermill.execute_notebook(str(workdir / name), str(output), parameters=parameters or {},
                               kernel_name="python3", cwd=str(workdir), progress_bar=False,
                               log_output=False)
    return nbformat.read(output, as_version=4)


def _printed_metrics(nb) -> dict[str, float]:
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "stage:evaluate" in _tags(c)]
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    metrics = json.loads(text)
    assert all(isinstance(v, float) for v in metrics.values()), metrics
    return metrics


@pytest.fixture(scope="module")
def credit_metrics(workdir):
    return _printed_metrics(_execute(workdir, "credit_risk.ipynb"))


@pytest.mark.slow
def test_credit_notebook_runs_and_reports_sane_metrics(credit_metrics):
    m = credit_metrics
    assert 0.75 <= m["roc_auc"] <= 0.85
    assert 0.70 <= m["accuracy"] <= 0.95
    assert m["n_holdout"] == 1250.0
    for group in ("F", "M"):
        assert 0.65 <= m[f"accuracy[sex={group}]"] <= 0.95
        assert 0.65 <= m[f"roc_auc[sex={group}]"] <= 0.95


@pytest.mark.slow
def test_credit_notebook_is_deterministic(workdir, credit_metrics):
    again = _printed_metrics(_execute(workdir, "credit_risk.ipynb", tag="again"))
    assert again == credit_metrics


@pytest.mark.slow
def test_credit_notebook_honours_parameters_and_accepts_the_drifted_batch(workdir, credit_metrics):
    """Drift is not a validation failure: the notebook trains on the 2025 batch (new category
    included) when papermill points ``data_path`` at it, with the injected split parameters."""
    nb = _execute(workdir, "credit_risk.ipynb",
                  {"data_path": "data/credit_drifted.csv", "test_size": 0.2, "seed": 7, "C": 0.5},
                  tag="drifted")
    (validate,) = [c for c in nb.cells if c.get("id") == "validate"]
    assert "data/credit_drifted.csv: 2,000 rows passed validation" in "".join(
        o.get("text", "") for o in validate.outputs)
    m = _printed_metrics(nb)
    assert m["n_holdout"] == 400.0  # 20% of 2,000 rows
    assert 0.6 <= m["roc_auc"] <= 0.9
    assert m != credit_metrics


@pytest.mark.slow
def test_credit_notebook_train_rows_fits_a_pilot_on_the_same_holdout_that_the_full_model_clearly_beats(
        workdir, credit_metrics):
    """The demo's registry story rests on this: v1 (``train_rows=100``) and v3 (all rows) are
    scored on the same frozen holdout, and v3 beats v1 by more than the gate's default δ."""
    from nbpromote.registry._gate import holdout_noise

    nb = _execute(workdir, "credit_risk.ipynb", {"train_rows": 100}, tag="pilot")
    (split,) = [c for c in nb.cells if c.get("id") == "split"]
    assert "train: 100 rows, holdout: 1,250 rows" in "".join(o.get("text", "") for o in split.outputs)
    pilot = _printed_metrics(nb)
    assert {k: pilot[k] for k in ("n_holdout", "n_pos", "n_neg")} == {
        k: credit_metrics[k] for k in ("n_holdout", "n_pos", "n_neg")}
    delta, _ = holdout_noise("roc_auc", pilot["roc_auc"], int(pilot["n_holdout"]), pilot)
    assert credit_metrics["roc_auc"] - pilot["roc_auc"] > delta


@pytest.mark.slow
def test_credit_notebook_rejects_the_corrupted_batch_in_its_validate_stage(workdir):
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as info:
        _execute(workdir, "credit_risk.ipynb", {"data_path": "data/credit_corrupted.csv"},
                 tag="corrupted")
    message = info.value.evalue
    assert info.value.ename == "ValueError"
    assert "data/credit_corrupted.csv failed validation" in message
    assert "missing columns: ['num_open_accounts']" in message
    assert "'loan_term_months' should be numeric" in message
    assert "age outside 18-100" in message
    assert "'income' is 40% missing" in message
    failed = nbformat.read(workdir / "credit_risk.corrupted.ipynb", as_version=4)
    (validate,) = [c for c in failed.cells if c.get("id") == "validate"]
    assert any(o.output_type == "error" for o in validate.outputs)


@pytest.mark.slow
def test_leaky_notebook_runs_and_its_leaks_inflate_the_score(workdir, credit_metrics):
    nb = _execute(workdir, "credit_risk_leaky.ipynb")
    m = _printed_metrics(nb)
    assert m["n_holdout"] == 1250.0
    assert m["roc_auc"] > credit_metrics["roc_auc"] + 0.05


@pytest.mark.slow
def test_breast_cancer_notebook_runs_and_reports_sane_metrics(workdir):
    m = _printed_metrics(_execute(workdir, "breast_cancer.ipynb"))
    assert m["roc_auc"] >= 0.97
    assert 0.9 <= m["accuracy"] <= 1.0
    assert m["recall"] >= 0.85 and m["precision"] >= 0.85
    assert m["n_holdout"] == 143.0


@pytest.mark.slow
def test_notebooks_pass_nbval_lax(workdir):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(workdir), *[str(workdir / n) for n in ALL_NOTEBOOKS]],
        cwd=workdir, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
