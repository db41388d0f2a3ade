"""lint_notebook / lint_paths: inputs (.ipynb, .py, NotebookNode), bad inputs, manifests."""

from __future__ import annotations

import json

import nbformat
import pytest

from nbpromote.errors import NotebookFormatError, NotebookNotFoundError, UsageError
from nbpromote.lint import lint_cells, lint_notebook, lint_paths
from nbpromote.notebook import make_cell

from .conftest import make_nb

LEAKY = (
    "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\n"
    "from sklearn.model_selection import train_test_split\nfrom sklearn.linear_model import LogisticRegression",
    "df = pd.read_csv('data.csv')\nX = StandardScaler().fit_transform(df.drop(columns=['y']))\ny = df['y']",
    "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
    "m = LogisticRegression().fit(X_train, y_train)\nprint(m.score(X_test, y_test))",
)


def test_lint_notebook_on_a_path_reports_cell_line_and_excerpt(write_nb):
    result = lint_notebook(write_nb(*LEAKY))
    (finding,) = result.findings
    assert (finding.rule, finding.severity, finding.cell, finding.cell_id, finding.line) == (
        "preprocessing-before-split", "error", 1, "c1", 2)
    assert finding.excerpt.startswith("X = StandardScaler().fit_transform(")
    assert "make_pipeline(StandardScaler(), model)" in finding.fix


def test_a_percent_script_lints_like_the_notebook(tmp_path, write_nb):
    script = tmp_path / "leaky.py"
    script.write_text("".join(f"# %%\n{source}\n\n" for source in LEAKY))
    from_script = lint_notebook(script)
    from_notebook = lint_notebook(write_nb(*LEAKY))
    assert [(f.rule, f.cell, f.line) for f in from_script.findings] == \
        [(f.rule, f.cell, f.line) for f in from_notebook.findings]


def test_a_plain_script_is_one_cell(tmp_path):
    script = tmp_path / "plain.py"
    script.write_text("\n\n".join(LEAKY) + "\n")
    (finding,) = lint_notebook(script).findings
    assert finding.rule == "preprocessing-before-split" and finding.cell == 0 and finding.line == 7


def test_a_notebook_node_in_memory(tmp_path):
    result = lint_notebook(make_nb(*LEAKY))
    assert result.notebook == "<notebook>" and result.rules == {"preprocessing-before-split"}


def test_lint_notebook_rejects_other_types():
    with pytest.raises(UsageError, match="pass a path or an nbformat notebook"):
        lint_notebook(42)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(NotebookNotFoundError):
        lint_notebook(tmp_path / "nope.ipynb")
    with pytest.raises(NotebookNotFoundError) as info:
        lint_paths([tmp_path / "nope.ipynb"])
    assert info.value.exit_code == 2


@pytest.mark.parametrize("content", ["{not json", json.dumps({"cells": "x", "nbformat": 4, "nbformat_minor": 5,
                                                                "metadata": {}}), json.dumps([1, 2])])
def test_malformed_notebook_is_a_finding_in_lint_paths_and_an_error_in_lint_notebook(tmp_path, content):
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    with pytest.raises(NotebookFormatError):
        lint_notebook(path)
    report = lint_paths([path])
    (finding,) = report.results[0].findings
    assert (finding.rule, finding.severity, finding.cell, finding.line) == ("syntax-error", "error", None, None)
    assert str(path) in finding.message and report.exit_code() == 1


def test_unparsable_cell_is_a_finding_and_other_cells_are_still_analysed(write_nb):
    path = write_nb("import pandas as pd", "def broken(:\n    pass", "df = pd.read_csv('/abs/x.csv')")
    result = lint_notebook(path)
    assert [(f.rule, f.cell, f.line) for f in result.findings] == [("syntax-error", 1, 1), ("absolute-path", 2, 1)]


def test_syntax_error_line_accounts_for_a_cell_magic_header(write_nb):
    path = write_nb("%%time\nx = 1\ny = (")
    (finding,) = lint_notebook(path).findings
    assert finding.rule == "syntax-error" and finding.line == 3


def test_directories_are_searched_for_notebooks_but_not_checkpoints(tmp_path, write_nb):
    (tmp_path / "sub" / ".ipynb_checkpoints").mkdir(parents=True)
    write_nb("x = 1", name="sub/a.ipynb")
    write_nb("print(y)", name="sub/.ipynb_checkpoints/a-checkpoint.ipynb")
    report = lint_paths([tmp_path])
    assert [r.notebook.split("/")[-1] for r in report.results] == ["a.ipynb"]


def test_other_file_types_are_a_usage_error(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n")
    with pytest.raises(UsageError, match="neither a notebook"):
        lint_paths([path])


def test_explicit_manifest_drives_out_of_order_and_seeds(write_nb):
    path = write_nb("import numpy as np", "v = np.random.rand(2)")
    manifest = {"seeds": [{"cell_id": "c0"}],
                "execution": [{"cell_id": "c1", "execution_count": 1}, {"cell_id": "c0", "execution_count": 2}]}
    assert lint_notebook(path).rules == {"unseeded-randomness"}
    assert lint_notebook(path, manifest=manifest).rules == {"out-of-order"}


def test_sidecar_manifest_is_read_when_present(tmp_path, write_nb):
    path = write_nb("import numpy as np", "v = np.random.rand(2)")
    (tmp_path / "nb.manifest.json").write_text("{broken")  # unreadable: ignored, not fatal
    assert lint_notebook(path).rules == {"unseeded-randomness"}


def test_lint_cells_in_execution_order_and_the_facts_are_exposed():
    cells = [make_cell(1, "import numpy as np"), make_cell(2, "a = np.ones(3)")]
    result = lint_cells(cells, notebook="<kernel>")
    assert result.findings == [] and result.facts.env["a"] is not None


def test_findings_are_sorted_and_deterministic(write_nb):
    sources = ("import numpy as np\nimport pandas as pd", "b = pd.read_csv('/b.csv')\na = np.random.rand(1)",
               "print(zzz)")
    first = [f.to_dict() for f in lint_notebook(write_nb(*sources)).findings]
    second = [f.to_dict() for f in lint_notebook(write_nb(*sources, name="again.ipynb")).findings]
    assert first == second
    assert [(f["cell"], f["line"]) for f in first] == sorted((f["cell"], f["line"]) for f in first)


def test_ipynb_written_by_nbformat_round_trip(tmp_path):
    path = tmp_path / "rt.ipynb"
    nbformat.write(make_nb(*LEAKY), path)
    assert lint_paths([path]).to_dict()["summary"]["by_rule"] == {"preprocessing-before-split": 1}


def test_recorded_execution_order_is_a_second_view_for_leakage(write_nb):
    # In notebook order the model is fit on the training split; in the recorded run cell 5
    # (X_train = X) ran before the fits, so the model was trained on every row: only that view leaks.
    path = write_nb(
        "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
        "from sklearn.preprocessing import StandardScaler\nfrom sklearn.linear_model import LogisticRegression",
        "df = pd.read_csv('d.csv')\nX = df.drop(columns=['y'])\ny = df['y']",
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
        "sc = StandardScaler().fit(X_train)",
        "m = LogisticRegression().fit(sc.transform(X_train), y_train)\nprint(m.score(sc.transform(X_test), y_test))",
        "X_train = X",
    )
    runs = ["c0", "c1", "c2", "c5", "c3", "c4"]
    manifest = {"seeds": [1], "execution": [{"cell_id": c, "execution_count": i + 1} for i, c in enumerate(runs)]}
    assert lint_notebook(path).rules == set()
    result = lint_notebook(path, manifest=manifest)
    assert result.rules == {"out-of-order", "overlap"}
    leak = next(f for f in result.findings if f.rule == "overlap")
    assert leak.cell == 4 and leak.message.endswith("(In the recorded execution order.)")


def test_more_bad_inputs_become_findings_not_crashes(tmp_path):
    empty = tmp_path / "empty.ipynb"
    empty.write_text("")
    binary = tmp_path / "binary.py"
    binary.write_bytes(b"\xff\xfe\x00bad")
    v2 = tmp_path / "ancient.ipynb"
    v2.write_text(json.dumps({"nbformat": 2, "nbformat_minor": 0, "metadata": {}, "worksheets": []}))
    report = lint_paths([empty, binary, v2])
    assert [[(f.rule, f.cell) for f in r.findings] for r in report.results] == [[("syntax-error", None)]] * 3
    assert "UTF-8" in report.results[1].findings[0].message


def test_nbformat_3_notebooks_are_upgraded_and_linted(tmp_path):
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "input": "print(undefined_thing)", "outputs": [], "language": "python",
         "metadata": {}}], "metadata": {}}]}
    path = tmp_path / "v3.ipynb"
    path.write_text(json.dumps(v3))
    assert lint_notebook(path).rules == {"hidden-state"}


def test_json_report_is_byte_identical_across_runs():
    from corpus import CORPUS_DIR
    from nbpromote._io import canonical_json

    first = canonical_json(lint_paths([CORPUS_DIR]).to_dict())
    second = canonical_json(lint_paths([CORPUS_DIR]).to_dict())
    assert first == second and len(first) > 10_000
