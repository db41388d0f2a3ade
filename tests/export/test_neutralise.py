"""Notebook-only code is neutralised line for line; code that computes is kept."""

import ast

import pytest

from nbpromote.errors import ExportError
from nbpromote.export._neutralise import indent_code, neutralise, plot_aliases
from nbpromote.notebook import make_cell


def _kept(source, plots=frozenset()):
    result = neutralise(make_cell(0, source), plots)
    return [line for line in result.python.split("\n") if line.strip() and not line.lstrip().startswith("#")], result


@pytest.mark.parametrize("line", [
    "df.head()", "df.describe().T", "df", "df.shape", "df['a'].value_counts()", "display(df)",
    "print(df.shape)", "print(f'{len(df)} rows')", "print(json.dumps(metrics))", "%matplotlib inline",
    "!pip install pandas", "%time x", "plt.show()", "plt.plot([1, 2])", "sns.histplot(df)",
    "df.plot(kind='bar')", "df.isna().sum()", "'a note'",
])
def test_display_only_statements_are_neutralised(line):
    kept, result = _kept(f"df = load()\n{line}", frozenset({"plt", "sns"}))
    assert kept == ["df = load()"]
    assert result.removed == [(2, line)]
    assert result.python.split("\n")[1] == f"# [notebook-only] {line}"


@pytest.mark.parametrize("line", [
    "model.fit(X, y)", "df.dropna(inplace=True)", "items.append(3)", "save(df)", "df.to_csv('out.csv')",
    "print(queue.pop())", "np.random.seed(0)", "x = df.head()", "df['a'] = 1",
])
def test_statements_that_compute_are_kept(line):
    kept, result = _kept(line)
    assert kept == [line] and result.removed == []


def test_line_count_is_preserved_for_multi_line_statements():
    source = "a = 1\nprint(\n    a,\n)\nb = 2"
    result = neutralise(make_cell(0, source))
    assert result.python.rstrip("\n").count("\n") == source.count("\n")
    assert result.python.split("\n")[4] == "b = 2"


def test_nested_display_becomes_pass_so_the_block_stays_valid():
    result = neutralise(make_cell(0, "for c in cols:\n    print(c)\nif x:\n    display(x)\nelse:\n    y = 1"))
    ast.parse(result.python)
    assert "    pass  # [notebook-only] print(c)" in result.python
    assert "y = 1" in result.python


def test_docstrings_of_functions_and_classes_are_kept():
    source = ('def f(frame):\n    """Add a column."""\n    frame.head()\n    return frame\n'
              'class A:\n    """A class."""\n')
    result = neutralise(make_cell(0, source))
    assert result.removed == [(3, "frame.head()")]
    namespace = {}
    exec(compile(result.tree, "<cell>", "exec"), namespace)
    assert namespace["f"].__doc__ == "Add a column." and namespace["A"].__doc__ == "A class."


def test_statement_sharing_a_line_is_kept_rather_than_half_removed():
    result = neutralise(make_cell(0, "a = 1; a"))
    assert result.python.strip() == "a = 1; a" and result.removed == []


def test_ipython_syntax_whose_value_is_used_is_an_error_naming_the_cell():
    with pytest.raises(ExportError) as info:
        neutralise(make_cell(5, "files = !ls", cell_id="abc"), notebook="nb.ipynb")
    # Index 5 is the sixth cell: people read it 1-based, as JupyterLab's status bar shows.
    assert "cell 6 (id abc)" in str(info.value) and "files = !ls" in str(info.value)


def test_cell_magic_header_keeps_the_body_mapped():
    result = neutralise(make_cell(0, "%%time\nx = 1\nx"))
    assert result.python.split("\n")[0] == "x = 1"
    assert result.removed == [(3, "x")]  # line in the cell as written, header included


def test_plot_aliases_come_from_the_notebooks_imports():
    trees = [ast.parse("import matplotlib.pyplot as plt\nimport seaborn as sns\nfrom IPython.display import Markdown\nimport pandas as pd")]
    assert plot_aliases(trees) == {"plt", "sns", "Markdown"}


def test_indent_code_leaves_multi_line_string_contents_alone():
    code = 'q = """\nselect *\n  from t\n"""\nx = f"""\n{q}\n"""\ny = 1'
    out = indent_code(code)
    namespace: dict = {}
    exec("def f():\n" + out + "\n    return q, x", namespace)
    assert namespace["f"]() == ("\nselect *\n  from t\n", "\n\nselect *\n  from t\n\n")
