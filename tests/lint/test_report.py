"""Text and SARIF 2.1.0 renderings."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbpromote.lint import RULES, lint_paths, to_sarif, to_text
from nbpromote.lint._report import _uri


def test_text_lists_location_rule_excerpt_and_fix(write_nb):
    path = write_nb("import pandas as pd", 'df = pd.read_csv("/abs/data.csv")')
    text = to_text(lint_paths([path]))
    assert f"{path}:" in text
    assert "cell 2, line 1: warning [absolute-path]" in text
    assert '> df = pd.read_csv("/abs/data.csv")' in text and "fix: Use a path relative" in text
    assert text.endswith("1 finding(s): 0 error(s), 1 warning(s), 0 info in 1 notebook(s).")


def test_text_of_a_clean_notebook(write_nb):
    path = write_nb("x = 1")
    assert to_text(lint_paths([path])).startswith(f"{path}: no findings")


def test_sarif_is_2_1_0_with_rules_results_and_cell_locations(write_nb):
    path = write_nb("import pandas as pd", 'df = pd.read_csv("/abs/data.csv")', "print(undefined_name)")
    log = to_sarif(lint_paths([path]))
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "nbpromote" and {r["id"] for r in driver["rules"]} == set(RULES)
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"absolute-path": "warning", "hidden-state": "error"}
    result = next(r for r in run["results"] if r["ruleId"] == "absolute-path")
    assert driver["rules"][result["ruleIndex"]]["id"] == "absolute-path"
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == Path(path).as_uri()
    assert location["physicalLocation"]["region"]["startLine"] == 1
    assert location["logicalLocations"][0]["name"] == "cell 2"  # the second cell, 1-based for people
    assert result["properties"]["cell"] == 1  # the 0-based index, for machines
    assert result["properties"]["cell_id"] == "c1" and "Fix:" in result["message"]["text"]


@pytest.mark.parametrize("path, uri", [
    ("notebooks/my analysis #2.ipynb", "notebooks/my%20analysis%20%232.ipynb"),
    ("nb/50%.ipynb", "nb/50%25.ipynb"),
    ("/home/ann/é x.ipynb", "file:///home/ann/%C3%A9%20x.ipynb"),
    ("C:\\Users\\ann\\a b.ipynb", "file:///C:/Users/ann/a%20b.ipynb"),
])
def test_sarif_uris_are_percent_encoded(path, uri):
    # SARIF viewers resolve artifactLocation.uri as an RFC 3986 reference: spaces, '#' and '%' in a
    # notebook's name must be encoded or the link points elsewhere.
    assert _uri(path) == uri
