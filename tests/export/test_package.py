"""export_notebook: the rendered package, its versioning, overwriting rules, data, pins and determinism."""

import ast
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from nbpromote import __version__
from nbpromote.errors import ExportError, OutputExistsError, StageGraphError, UsageError
from nbpromote.export import EXPORT_METADATA, export_notebook, package_name, templates_dir
from nbpromote.export._deps import imported_modules, pin_requirements

from .conftest import REPO, credit_csv, notebook, run_stages, write


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_export_writes_the_package_layout(credit_notebook, tmp_path):
    result = export_notebook(credit_notebook, tmp_path / "out")
    assert (result.name, result.version, result.previous_version) == ("credit", "0.1.0", None)
    expected = {
        "pyproject.toml", "README.md", "pipeline.svg", EXPORT_METADATA, ".gitignore", ".github/workflows/ci.yml",
        "notebook/credit.ipynb", "data/credit.csv", "tests/data/data/credit.csv", "tests/conftest.py",
        "tests/test_pipeline.py", "tests/test_notebook.py", "src/credit/__init__.py", "src/credit/__main__.py",
        "src/credit/pipeline.py", "src/credit/common.py", "src/credit/lineage.json", "src/credit/serving.json",
        "src/credit/requirements.lock", "src/credit/stages/__init__.py",
    } | {f"src/credit/stages/{s}.py" for s in ("ingest", "validate", "features", "train", "evaluate")}
    assert set(result.files) == expected
    assert set(_files(tmp_path / "out")) == expected
    for relative in expected:
        if relative.endswith(".py"):
            ast.parse((tmp_path / "out" / relative).read_text(), relative)


def test_export_reports_each_step_as_it_starts(credit_notebook, tmp_path):
    from nbpromote.export._package import EXPORT_STEPS

    seen = []
    export_notebook(credit_notebook, tmp_path / "out", progress=lambda *call: seen.append(call))
    total = len(EXPORT_STEPS)
    assert seen == [(step, done, total) for done, step in enumerate(EXPORT_STEPS)] + [("exported", total, total)]
    seen.clear()
    with pytest.raises(OutputExistsError):  # a refused export stops at the step that refused
        export_notebook(credit_notebook, tmp_path / "out", progress=lambda *call: seen.append(call))
    assert seen[-1] == ("planning stages", 1, total)


def test_stage_modules_keep_cell_code_line_for_line_with_cell_ids(credit_notebook, tmp_path):
    export_notebook(credit_notebook, tmp_path / "out")
    train = (tmp_path / "out/src/credit/stages/train.py").read_text()
    assert "def run(X_train, y_train, *, C=1.0) -> dict:" in train
    assert "    # --- cell 7 (id cell-7), lines 1-4 ---\n    model = LogisticRegression(C=C, max_iter=500)\n" \
           "    model.fit(X_train, y_train)\n    # [notebook-only] plt.plot([0, 1])\n    # [notebook-only] plt.show()\n" \
           "    return {'model': model}\n" in train
    assert "from ..common import LogisticRegression" in train
    validate = (tmp_path / "out/src/credit/stages/validate.py").read_text()
    assert "def run(df_ingest) -> dict:\n    df = df_ingest\n" in validate
    assert "return {'df': df}" in validate
    common = (tmp_path / "out/src/credit/common.py").read_text()
    assert "import pandas as pd" in common and "from sklearn.model_selection import train_test_split" in common


def test_pipeline_module_declares_the_contracted_dag(credit_notebook, tmp_path):
    export_notebook(credit_notebook, tmp_path / "out")
    text = (tmp_path / "out/src/credit/pipeline.py").read_text()
    assert "from nbpromote.pipeline import Pipeline, Stage" in text
    assert "params={'data_path': 'data/credit.csv', 'test_size': 0.25, 'C': 1.0, 'seed': 7}" in text
    # Stage functions are named lazily ("module:function") so a cached run imports no stage code.
    assert "Stage(\n            'features',\n            'credit.stages.features:run',\n            inputs=('df',),\n" \
           "            outputs=('X_train', 'X_test', 'y_train', 'y_test'),\n            params=('test_size', 'seed'),\n" in text
    assert "package_root=Path(__file__).resolve().parent" in text
    assert "roles={'model': 'model', 'metrics': 'metrics', 'reference': 'X_train', 'target': 'y_train'," in text
    main = (tmp_path / "out/src/credit/__main__.py").read_text()
    assert "from nbpromote.pipeline.cli import main as _main" in main and "_main(PIPELINE)" in main


def test_generated_stage_functions_run_in_order_and_train_a_model(credit_notebook, tmp_path, monkeypatch):
    export_notebook(credit_notebook, tmp_path / "out")
    monkeypatch.chdir(tmp_path / "out")
    artifacts = run_stages(tmp_path / "out", "credit")
    assert set(artifacts) == {"df_ingest", "df", "X_train", "X_test", "y_train", "y_test", "model", "metrics"}
    assert len(artifacts["X_train"]) == 300 and len(artifacts["X_test"]) == 100
    assert "loan_to_income" in artifacts["X_train"].columns
    assert 0.5 <= artifacts["metrics"]["accuracy"] <= 1.0
    assert hasattr(artifacts["model"], "coef_")
    # A param override reaches the stage that reads it.
    assert len(run_stages(tmp_path / "out", "credit", {"test_size": 0.5})["X_test"]) == 200


def test_same_notebook_exported_twice_is_byte_identical(credit_notebook, tmp_path):
    export_notebook(credit_notebook, tmp_path / "a")
    export_notebook(credit_notebook, tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_metadata_and_pyproject_record_version_and_notebook_hash(credit_notebook, tmp_path):
    result = export_notebook(credit_notebook, tmp_path / "out", version="1.4.2", name="credit_model")
    meta = json.loads((tmp_path / "out" / EXPORT_METADATA).read_text())
    assert meta["schema_version"] == 1 and meta["version"] == "1.4.2" and meta["name"] == "credit_model"
    assert meta["notebook_hash"] == result.notebook_hash and result.notebook_hash.startswith("sha256:")
    pyproject = (tmp_path / "out/pyproject.toml").read_text()
    assert 'version = "1.4.2"' in pyproject and f'notebook_hash = "{result.notebook_hash}"' in pyproject
    assert f'"nbpromote=={__version__}",' in pyproject
    assert (tmp_path / "out/src/credit_model/__init__.py").read_text().count("1.4.2") == 2


def test_version_is_kept_for_an_unchanged_notebook_and_patch_bumped_after_a_change(credit_notebook, tmp_path):
    out = tmp_path / "out"
    assert export_notebook(credit_notebook, out).version == "0.1.0"
    assert export_notebook(credit_notebook, out, force=True).version == "0.1.0"
    nb = nbformat.read(str(credit_notebook), 4)
    nb.cells[7].source = nb.cells[7].source.replace("max_iter=500", "max_iter=800")
    nbformat.write(nb, str(credit_notebook))
    result = export_notebook(credit_notebook, out, force=True)
    assert (result.version, result.previous_version) == ("0.1.1", "0.1.0")
    assert "max_iter=800" in (out / "src/credit/stages/train.py").read_text()
    assert export_notebook(credit_notebook, out, force=True, version="2.0.0").version == "2.0.0"


@pytest.mark.parametrize("version", ["1.2", "v1.0.0", "1.0.0.0", "latest"])
def test_bad_versions_are_refused(credit_notebook, tmp_path, version):
    with pytest.raises(UsageError, match="X.Y.Z"):
        export_notebook(credit_notebook, tmp_path / "out", version=version)
    assert not (tmp_path / "out").exists()


def test_existing_export_is_not_replaced_without_force(credit_notebook, tmp_path):
    export_notebook(credit_notebook, tmp_path / "out")
    before = _files(tmp_path / "out")
    with pytest.raises(OutputExistsError, match="--force"):
        export_notebook(credit_notebook, tmp_path / "out")
    assert _files(tmp_path / "out") == before


def test_a_directory_that_is_not_an_export_is_never_replaced_even_with_force(credit_notebook, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my work")
    for force in (False, True):
        with pytest.raises(OutputExistsError, match="not an nbpromote export"):
            export_notebook(credit_notebook, out, force=force)
    assert (out / "notes.txt").read_text() == "my work" and len(list(out.iterdir())) == 1
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputExistsError, match="is a file"):
        export_notebook(credit_notebook, tmp_path / "file")


def test_an_export_of_another_notebook_is_not_replaced(credit_notebook, tmp_path):
    export_notebook(credit_notebook, tmp_path / "out")
    other = write(notebook((["stage:a"], "x = 1")), credit_notebook.parent / "other.ipynb")
    with pytest.raises(OutputExistsError, match="is an export of 'credit.ipynb'"):
        export_notebook(other, tmp_path / "out", force=True)


def test_empty_existing_directory_is_used(credit_notebook, tmp_path):
    (tmp_path / "out").mkdir()
    assert export_notebook(credit_notebook, tmp_path / "out").version == "0.1.0"


def test_failed_re_export_leaves_the_previous_package_intact(credit_notebook, tmp_path, monkeypatch):
    from nbpromote.export import _package

    out = tmp_path / "out"
    export_notebook(credit_notebook, out)
    before = _files(out)
    real_render = _package._render

    def crash(root, *args):
        real_render(root, *args)
        raise OSError("disk full")

    monkeypatch.setattr(_package, "_render", crash)
    with pytest.raises(OSError, match="disk full"):
        export_notebook(credit_notebook, out, force=True)
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "project"]  # no staging dirs left


def test_re_export_keeps_the_pipeline_cache(credit_notebook, tmp_path):
    out = tmp_path / "out"
    export_notebook(credit_notebook, out)
    (out / ".nbpromote" / "cache").mkdir(parents=True)
    (out / ".nbpromote" / "cache" / "artifact").write_text("cached")
    export_notebook(credit_notebook, out, force=True)
    assert (out / ".nbpromote" / "cache" / "artifact").read_text() == "cached"


def test_failed_plan_writes_nothing(tmp_path):
    path = write(notebook((None, "x = 1")), tmp_path / "nb.ipynb")
    with pytest.raises(StageGraphError):
        export_notebook(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_data_files_are_copied_and_sampled_for_the_generated_tests(credit_notebook, tmp_path):
    export_notebook(credit_notebook, tmp_path / "out")
    source = credit_notebook.parent / "data" / "credit.csv"
    assert (tmp_path / "out/data/credit.csv").read_bytes() == source.read_bytes()
    sample = (tmp_path / "out/tests/data/data/credit.csv").read_text().splitlines()
    assert len(sample) == 401 and sample[0] == source.read_text().splitlines()[0]
    conftest = (tmp_path / "out/tests/conftest.py").read_text()
    assert "SAMPLE_PARAMS = {'data_path': 'tests/data/data/credit.csv'}" in conftest
    assert "`data/credit.csv` (copied; param `data_path`)" in (tmp_path / "out/README.md").read_text()


def test_large_data_is_not_copied_and_the_readme_says_so(tmp_path):
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    with open(project / "data" / "big.bin", "wb") as handle:
        handle.truncate(11 * 1024 * 1024)
    path = write(notebook((["parameters"], "blob = 'data/big.bin'"), (["stage:a"], "size = len(blob)")),
                 project / "nb.ipynb")
    result = export_notebook(path, tmp_path / "out")
    assert "data/big.bin" not in result.files and not (tmp_path / "out/tests/data").exists()
    card = (tmp_path / "out/README.md").read_text()
    assert "`data/big.bin` (external input, too large to ship: provide it at this path (content xxh3_128:" in card


def test_hard_coded_data_paths_are_copied_with_a_warning(tmp_path):
    project = tmp_path / "project"
    credit_csv(project / "raw.csv", rows=10)
    path = write(notebook((["stage:a"], "import pandas as pd\ndf = pd.read_csv('raw.csv')")), project / "nb.ipynb")
    result = export_notebook(path, tmp_path / "out")
    assert "raw.csv" in result.files
    assert any("hard-coded path 'raw.csv'" in w for w in result.warnings)


def test_requirements_are_pinned_with_their_source(credit_notebook, tmp_path):
    from importlib.metadata import version

    export_notebook(credit_notebook, tmp_path / "out")
    lock = (tmp_path / "out/src/credit/requirements.lock").read_text()
    assert "schema_version: 1" in lock
    assert f"nbpromote=={__version__}  # runtime of the exported package" in lock
    assert f"pandas=={version('pandas')}  # import pandas (environment)" in lock
    assert f"scikit-learn=={version('scikit-learn')}  # import sklearn (environment)" in lock
    # every plot line of the credit notebook is notebook-only, so matplotlib is neither imported nor pinned
    assert "matplotlib" not in lock
    assert "# [unused in the pipeline] import matplotlib" in (tmp_path / "out/src/credit/common.py").read_text()
    pyproject = (tmp_path / "out/pyproject.toml").read_text()
    assert f'"pandas=={version("pandas")}",' in pyproject


def test_pins_prefer_the_capture_manifest_and_leave_out_the_standard_library():
    trees = [ast.parse("import os, json\nimport pandas as pd\nfrom sklearn.linear_model import X\nimport nosuchmodule_xyz\nfrom . import y")]
    assert imported_modules(trees) == ["json", "nosuchmodule_xyz", "os", "pandas", "sklearn"]
    manifest = {"environment": {"packages": {"pandas": "2.0.0", "Scikit_Learn": "1.3.0"}}}
    locks = pin_requirements(imported_modules(trees), manifest, "9.9.9")
    assert [lock.requirement for lock in locks] == ["nbpromote==9.9.9", "nosuchmodule-xyz", "pandas==2.0.0", "scikit-learn==1.3.0"]
    assert [lock.source for lock in locks] == ["runtime", "unknown", "manifest", "manifest"]


def test_model_card_has_the_sections_and_captured_metrics(tmp_path):
    project = tmp_path / "project"
    nb = notebook((["stage:train"], "scores = [1, 2]"), (["stage:evaluate"], "metrics = {'acc': 0.9}\nprint(metrics)"))
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="{'acc': 0.9}\n")]
    path = write(nb, project / "nb.ipynb")
    export_notebook(path, tmp_path / "out")
    card = (tmp_path / "out/README.md").read_text()
    for heading in ("## Intended use", "## Pipeline", "## Parameters", "## Data", "## Metrics",
                    "## Known limitations", "## Lint summary", "## Environment"):
        assert heading in card
    assert "{'acc': 0.9}" in card and "python -m nb status" in card
    assert "No capture manifest" in card


def test_lint_errors_refuse_export_unless_allowed_and_the_card_lists_them(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(REPO / "notebooks", project)
    leaky = project / "credit_risk_leaky.ipynb"
    with pytest.raises(ExportError, match="--allow-findings") as info:
        export_notebook(leaky, tmp_path / "out")
    assert "preprocessing-before-split in cell 9" in str(info.value)
    assert not (tmp_path / "out").exists()
    result = export_notebook(leaky, tmp_path / "out", allow_findings=True)
    assert result.lint["available"] and result.lint["errors"] >= 1
    assert "lint error(s) (--allow-findings)" in result.warnings[0]
    card = (tmp_path / "out/README.md").read_text()
    assert "`preprocessing-before-split` (error, cell 9)" in card


def test_clean_notebook_exports_with_a_lint_summary(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(REPO / "notebooks", project)
    result = export_notebook(project / "credit_risk.ipynb", tmp_path / "out")
    assert result.lint["available"] and result.lint["errors"] == 0
    assert "0 error(s)" in (tmp_path / "out/README.md").read_text()


def test_cells_run_out_of_order_are_a_warning_with_the_linters_finding(tmp_path):
    nb = notebook((["stage:a"], "x = 1"), (None, "y = x + 1"), (["stage:b"], "z = y"))
    for cell, count in zip(nb.cells, [3, 1, 2], strict=True):
        cell.execution_count = count
    result = export_notebook(write(nb, tmp_path / "nb.ipynb"), tmp_path / "out")
    # the first cell re-ran last ([3], after the cells below it): one finding, at it
    assert [w.split(":")[0] for w in result.warnings if "out-of-order" in w] == ["lint out-of-order (cell 1)"]


def test_without_the_linter_export_says_the_notebook_was_not_linted(credit_notebook, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "nbpromote.lint", None)  # as if the linter were not installed
    result = export_notebook(credit_notebook, tmp_path / "out")
    assert result.lint == {"available": False, "errors": 0, "warnings": 0, "findings": []}
    assert any("not linted" in w for w in result.warnings)
    assert "Not linted" in (tmp_path / "out/README.md").read_text()


@pytest.mark.parametrize("stem, expected", [("credit_risk", "credit_risk"), ("Credit Risk v2", "credit_risk_v2"),
                                            ("2024-model", "nb_2024_model"), ("!!!", "pipeline")])
def test_package_name_from_the_notebook_stem(stem, expected):
    assert package_name(stem) == expected


def test_invalid_package_name_is_refused(credit_notebook, tmp_path):
    with pytest.raises(UsageError, match="not a valid Python package name"):
        export_notebook(credit_notebook, tmp_path / "out", name="my-model")


def test_default_output_dir_is_beside_the_notebook(credit_notebook):
    result = export_notebook(credit_notebook)
    assert result.package_dir == credit_notebook.parent / "credit_pipeline"


def test_templates_come_from_the_wheel_when_installed_and_from_the_repository_when_editable():
    import nbpromote

    package = Path(nbpromote.__file__).resolve().parent
    expected = REPO / "templates" if package == REPO / "src" / "nbpromote" else package / "templates"
    assert templates_dir() == expected
    assert (templates_dir() / "package" / "src" / "pipeline.py.j2").is_file()


@pytest.mark.parametrize("example, stages", [
    ("credit_risk", ["ingest", "validate", "features", "train", "evaluate"]),
    ("breast_cancer", ["ingest", "features", "train", "evaluate"]),
])
def test_the_example_notebooks_export(tmp_path, example, stages):
    project = tmp_path / "project"
    shutil.copytree(REPO / "notebooks", project)
    result = export_notebook(project / f"{example}.ipynb", tmp_path / "out")
    assert [s.name for s in result.plan.stages] == stages
    assert result.plan.roles["model"] == "model" and result.plan.roles["metrics"] == "metrics"


def test_imports_in_stage_cells_are_shared_so_a_re_import_cannot_shadow_an_earlier_use(tmp_path, monkeypatch):
    nb = notebook((["imports"], "import math"),
                  (["stage:a"], "x = math.sqrt(16)"),
                  (None, "import math\nfrom math import (\n    floor,\n)\ny = floor(math.pi) + x"),
                  (["stage:b"], "z = y * 2"))
    path = write(nb, tmp_path / "project" / "nb.ipynb")
    export_notebook(path, tmp_path / "out")
    stage = (tmp_path / "out/src/nb/stages/a.py").read_text()
    assert "    # [common.py] import math\n    # [common.py] from math import (\n    # [common.py] floor,\n" in stage
    assert "from ..common import floor, math" in stage
    monkeypatch.chdir(tmp_path / "out")
    assert run_stages(tmp_path / "out", "nb")["y"] == 7.0


def test_model_card_shows_metrics_of_a_papermill_run_with_injected_parameters(credit_notebook, tmp_path):
    # A run with `-p C 0.5` carries papermill's injected-parameters cell; it is not code of the
    # notebook, so the executed copy still counts as this notebook's run, and the card says which
    # parameters produced the metrics.
    nb = nbformat.read(credit_notebook, as_version=4)
    executed = nbformat.read(credit_notebook, as_version=4)
    injected = nbformat.v4.new_code_cell("# Parameters\nC = 0.5\n", metadata={"tags": ["injected-parameters"]})
    position = next(i for i, c in enumerate(executed.cells) if "parameters" in c.metadata.get("tags", [])) + 1
    executed.cells.insert(position, injected)
    evaluate = next(c for c in executed.cells if "stage:evaluate" in c.metadata.get("tags", []))
    evaluate.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "{'accuracy': 0.8125}"},
                                               execution_count=9)]
    captured = credit_notebook.with_name("credit.captured.ipynb")
    nbformat.write(executed, captured)
    manifest = {"parameters": {"C": 0.5}}
    from nbpromote.export import _package

    with_outputs = _package._with_outputs(nb, credit_notebook, _package.notebook_hash(nb), captured)
    assert with_outputs is not nb and len(with_outputs.cells) == len(nb.cells)
    assert _package._captured_parameters(manifest) == "C=0.5"
    assert _package._captured_parameters(None) == ""


def test_files_read_through_built_paths_ship_with_the_package(tmp_path):
    # Kale's titanic example: path = "data/" then pd.read_csv(path + "train.csv")
    from .conftest import notebook, write

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("a,b\n1,2\n")
    (tmp_path / "data" / "test.csv").write_text("a,b\n3,4\n")
    (tmp_path / "extra.csv").write_text("a\n1\n")
    nb = write(notebook(
        (["imports"], "import os\nimport pandas as pd"),
        (["block:loaddata"], "path = 'data/'\ntrain_df = pd.read_csv(path + 'train.csv')\n"
                             "test_df = pd.read_csv(os.path.join(path, 'test.csv'))\nname = 'extra'\n"
                             "extra = pd.read_csv(f'{name}.csv')"),
    ), tmp_path / "titanic.ipynb")
    result = export_notebook(nb, tmp_path / "out")
    assert {"data/train.csv", "data/test.csv", "extra.csv"} <= set(result.files)


def test_the_package_directory_gets_the_users_normal_permissions(credit_notebook, tmp_path):
    import stat

    umask = os.umask(0o022)
    try:
        result = export_notebook(credit_notebook, tmp_path / "out")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(result.package_dir.stat().st_mode) == 0o755  # not mkdtemp's 0700


def test_the_swap_names_are_unique_per_export_not_per_process(tmp_path, monkeypatch):
    from nbpromote.export import _package

    out = tmp_path / "out"
    names = []
    real_rename = os.rename

    def spy(src, dst):
        names.append(Path(dst).name)
        real_rename(src, dst)

    monkeypatch.setattr(_package.os, "rename", spy)
    for _ in range(2):
        out.mkdir(exist_ok=True)
        (out / "f").write_text("old")
        staging = tmp_path / "staging"
        staging.mkdir()
        _package._swap(staging, out)
    old = [name for name in names if ".old-" in name]
    assert len(old) == 2 and old[0] != old[1]
