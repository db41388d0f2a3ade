"""``%promote lint`` and live mode in a real IPython shell."""

from __future__ import annotations

import nbformat
import pytest

from nbpromote.magics import run_subcommand
from nbpromote.widgets.findings import FindingsTable


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()
    ip.reset(new_session=True)
    ip.user_ns.pop("__session__", None)
    yield ip
    run_subcommand(ip, "lint --live off")
    ip.reset(new_session=False)


def test_lint_a_notebook_path_returns_the_findings_table(shell, tmp_path):
    path = tmp_path / "nb.ipynb"
    cell = nbformat.v4.new_code_cell("print(undefined_name)")
    cell["id"] = "only"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    table = run_subcommand(shell, f"lint {path}")
    assert isinstance(table, FindingsTable)
    assert [f.rule for f in table.findings] == ["hidden-state"] and "#cell-id=only" in table._repr_html_()


def test_lint_the_kernels_notebook_from_session(shell, tmp_path):
    path = tmp_path / "mine.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os")]), path)
    shell.user_ns["__session__"] = str(path)
    table = run_subcommand(shell, "lint")
    assert table.result.notebook == str(path) and table.findings == []


def test_lint_without_a_notebook_uses_the_execution_history(shell):
    shell.run_cell("import numpy as np", store_history=True)
    shell.run_cell("v = np.random.rand(2)", store_history=True)
    table = run_subcommand(shell, "lint")
    assert [f.rule for f in table.findings] == ["unseeded-randomness"] and table.cell_label == "In"


def test_live_mode_lints_each_cell_after_it_runs_and_can_be_switched_off(shell, capsys):
    assert run_subcommand(shell, "lint --live on") is None
    hook = shell._nbpromote_live_lint
    assert hook in shell.events.callbacks["post_run_cell"]
    run_subcommand(shell, "lint --live on")  # idempotent
    assert shell.events.callbacks["post_run_cell"].count(hook) == 1
    shell.run_cell("import pandas as pd", store_history=True)
    shell.run_cell("df = pd.read_csv('/abs/data.csv')", store_history=True)
    out = capsys.readouterr().out
    assert "absolute-path" in out and "live lint" in out
    assert hook.last_seconds < 0.5
    shell.run_cell("x = 1", store_history=True)  # nothing new: nothing shown
    assert "absolute-path" not in capsys.readouterr().out
    shell.run_cell("import numpy as np\na = np.random.rand(1)", store_history=True)
    shell.run_cell("b = np.random.rand(1)", store_history=True)  # same message, another cell: shown
    assert capsys.readouterr().out.count("unseeded-randomness") == 2
    run_subcommand(shell, "lint --live off")
    assert hook not in shell.events.callbacks["post_run_cell"]


def test_bad_arguments_are_shown_not_raised(shell, capsys):
    assert run_subcommand(shell, "lint --live maybe") is None
    assert "invalid choice" in capsys.readouterr().err
    assert run_subcommand(shell, "lint nb.ipynb --live on") is None
    assert "takes no notebook" in capsys.readouterr().err


def test_missing_notebook_is_one_line(shell, capsys, tmp_path):
    assert run_subcommand(shell, f"lint {tmp_path / 'nope.ipynb'}") is None
    assert "does not exist" in capsys.readouterr().err


def test_runtime_checks_see_the_kernels_data_unless_told_not_to(shell):
    shell.run_cell("import pandas as pd\nX_train = pd.DataFrame({'a': range(100)})\n"
                   "X_test = pd.concat([pd.DataFrame({'a': range(100, 150)}), X_train.head(10)])", store_history=True)
    table = run_subcommand(shell, "lint")
    assert [(f.rule, f.cell) for f in table.findings] == [("overlap", None)]
    assert "10 of 60 rows of X_test" in table.to_text() and "data: error [overlap]" in table.to_text()
    assert run_subcommand(shell, "lint --no-data").findings == []


@pytest.mark.slow
def test_in_a_real_kernel_the_table_is_html_and_live_mode_reports_the_new_cell():
    from nbclient import NotebookClient

    cells = ["%load_ext nbpromote", "import numpy as np\nv = np.random.rand(3)", "%promote lint",
             "%promote lint --live on", "w = np.random.rand(2)", "x = 1"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    (table,) = nb.cells[2].outputs
    assert table.output_type == "execute_result"
    assert "nbpromote-findings" in table.data["text/html"] and "unseeded-randomness" in table.data["text/html"]
    (live,) = [o for o in nb.cells[4].outputs if o.output_type == "display_data"]
    assert "In [5]" in live.data["text/plain"] and "np.random.rand()" in live.data["text/plain"]
    assert nb.cells[5].outputs == []


def test_live_mode_confirms_a_leak_with_the_rows_the_run_used(shell, capsys, tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text("a,b,y\n" + "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(200)))
    run_subcommand(shell, "lint --live on")
    for source in [
        "import pandas as pd\nfrom sklearn.preprocessing import StandardScaler\n"
        "from sklearn.model_selection import train_test_split\nfrom sklearn.linear_model import LogisticRegression",
        "df = pd.read_csv('data.csv')\nX = df.drop(columns=['y'])\ny = df['y']",
        "X_scaled = StandardScaler().fit_transform(X)",
        "X_train, X_test, y_train, y_test = train_test_split(X_scaled, y, random_state=0)\n"
        "model = LogisticRegression().fit(X_train, y_train)\nprint(model.score(X_test, y_test))",
    ]:
        assert shell.run_cell(source, store_history=True).success
    out = capsys.readouterr().out
    assert "preprocessing-before-split" in out
    assert "StandardScaler learned from 200 rows" in out and "50 of them are the rows" in out
    run_subcommand(shell, "lint --live off")
    from sklearn.preprocessing import StandardScaler

    assert not getattr(StandardScaler.fit_transform, "_nbpromote_rows", False)  # unwrapped again
