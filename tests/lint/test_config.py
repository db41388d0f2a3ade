"""[tool.nbpromote.lint] configuration and suppression comments."""

from __future__ import annotations

import pytest

from nbpromote.errors import LintError
from nbpromote.lint import LintConfig, lint_notebook, lint_paths, suppressions

LEAK = ("import numpy as np\nimport pandas as pd",
        'df = pd.read_csv("/abs/data.csv")\nnoise = np.random.rand(3)')


def write_pyproject(directory, body):
    (directory / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.nbpromote.lint]\n" + body)


def test_without_config_both_rules_fire(write_nb):
    assert lint_notebook(write_nb(*LEAK)).rules == {"absolute-path", "unseeded-randomness"}


def test_nearest_pyproject_disables_and_overrides_severity(tmp_path, write_nb):
    write_pyproject(tmp_path, 'disable = ["unseeded-randomness"]\nseverity = { absolute-path = "error" }\n')
    sub = tmp_path / "nbs"
    sub.mkdir()
    path = write_nb(*LEAK, name="nbs/a.ipynb")
    result = lint_notebook(path)
    assert [(f.rule, f.severity) for f in result.findings] == [("absolute-path", "error")]


def test_per_path_ignores_match_globs_relative_to_the_pyproject(tmp_path, write_nb):
    write_pyproject(tmp_path, 'per-path-ignores = { "scratch/*.ipynb" = ["absolute-path"] }\n')
    (tmp_path / "scratch").mkdir()
    ignored = write_nb(*LEAK, name="scratch/a.ipynb")
    kept = write_nb(*LEAK, name="b.ipynb")
    report = lint_paths([ignored, kept])
    rules = {r.notebook.split("/")[-1]: r.rules for r in report.results}
    assert rules == {"a.ipynb": {"unseeded-randomness"}, "b.ipynb": {"absolute-path", "unseeded-randomness"}}


@pytest.mark.parametrize("body, match", [
    ('disable = ["no-such-rule"]\n', "unknown rule id"),
    ('severity = { overlap = "fatal" }\n', "severity of overlap"),
    ('disable = "overlap"\n', "must be a list"),
    ('colour = "red"\n', "unknown key"),
    ('disable = [\n', "not valid TOML"),
])
def test_bad_configuration_is_a_lint_error_naming_the_file(tmp_path, write_nb, body, match):
    write_pyproject(tmp_path, body)
    with pytest.raises(LintError, match=match) as info:
        lint_notebook(write_nb(*LEAK))
    assert info.value.exit_code == 2


def test_line_suppression_silences_only_that_rule_on_that_line(write_nb):
    path = write_nb("import numpy as np\nimport pandas as pd",
                    'df = pd.read_csv("/abs/data.csv")  # nbpromote: ignore[absolute-path]\n'
                    "noise = np.random.rand(3)\nother = pd.read_csv('/abs/b.csv')")
    result = lint_notebook(path)
    assert [(f.rule, f.line) for f in result.findings] == [("unseeded-randomness", 2), ("absolute-path", 3)]


def test_cell_suppression_from_a_comment_line_at_the_top(write_nb):
    path = write_nb("import numpy as np\nimport pandas as pd",
                    '# nbpromote: ignore[absolute-path, unseeded-randomness]\ndf = pd.read_csv("/abs/data.csv")\n'
                    "noise = np.random.rand(3)", "more = np.random.rand(2)")
    assert [(f.rule, f.cell) for f in lint_notebook(path).findings] == [("unseeded-randomness", 2)]


def test_a_comment_below_code_is_not_a_cell_suppression(write_nb):
    path = write_nb("import numpy as np", "noise = np.random.rand(3)\n# nbpromote: ignore[unseeded-randomness]")
    assert lint_notebook(path).rules == {"unseeded-randomness"}


def test_bare_ignore_silences_every_rule():
    whole, lines = suppressions("x = 1  # nbpromote: ignore\n")
    assert whole == set() and lines == {1: {"*"}}
    whole, _ = suppressions("# a note\n# nbpromote: ignore\nx = 1")
    assert whole == {"*"}


def test_config_from_mapping_defaults_are_empty():
    config = LintConfig.from_mapping({})
    assert config.disable == set() and config.severity == {} and config.ignored_for("a.ipynb") == set()


def test_a_line_comment_silences_exactly_that_finding_on_every_corpus_notebook():
    """For every finding of the corpus, the suppression comment on its line removes it and only it."""
    import nbformat

    from corpus import CORPUS_DIR

    checked = 0
    for path in sorted(CORPUS_DIR.glob("*.ipynb")):
        before = lint_notebook(path).findings
        for finding in before:
            if finding.cell is None or finding.line is None:
                continue
            nb = nbformat.read(path, as_version=4)
            lines = nb.cells[finding.cell].source.split("\n")
            if lines[finding.line - 1].lstrip().startswith("%"):
                continue  # a magic line's arguments would swallow the comment
            lines[finding.line - 1] += f"  # nbpromote: ignore[{finding.rule}]"
            nb.cells[finding.cell].source = "\n".join(lines)
            after = lint_notebook(nb).findings
            key = (finding.rule, finding.cell, finding.line)
            assert key not in {(f.rule, f.cell, f.line) for f in after}, (path.name, key)
            assert {(f.rule, f.cell, f.line) for f in after} == {(f.rule, f.cell, f.line) for f in before} - {key}
            checked += 1
    assert checked > 50
