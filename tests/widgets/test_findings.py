"""The findings table: HTML with cell links in Jupyter, text elsewhere."""

from __future__ import annotations

import pytest

from nbpromote.lint import Finding, LintResult
from nbpromote.widgets.findings import FindingsTable, findings_view


def result(*findings):
    return LintResult("nbs/demo.ipynb", list(findings))


LEAK = Finding("overlap", "error", 4, "abc-1", 2, "Rows <shared> & reused.", "Split first.", "m.fit(X, y)")


def test_html_links_each_finding_to_its_cell_id_and_escapes_text():
    table = findings_view(result(LEAK), notebook_path="nbs/demo.ipynb")
    html = table._repr_html_()
    assert 'href="demo.ipynb#cell-id=abc-1"' in html and 'data-nbpromote-cell="4"' in html
    assert "Rows &lt;shared&gt; &amp; reused." in html and "<code>overlap</code>" in html
    assert "Split first." in html and "m.fit(X, y)" in html


def test_text_fallback_and_empty_table():
    assert "cell 5, line 2: error [overlap]" in repr(FindingsTable(result(LEAK)))  # index 4, shown 1-based
    empty = FindingsTable(result())
    assert repr(empty).endswith("no findings.") and "no findings" in empty._repr_html_()


def test_history_mode_labels_inputs_without_links():
    table = FindingsTable(result(LEAK), cell_label="In")
    assert "In [4], line 2" in table.to_text() and "href" not in table._repr_html_()


def test_widget_wraps_the_html():
    ipywidgets = pytest.importorskip("ipywidgets")
    widget = FindingsTable(result(LEAK)).widget()
    assert isinstance(widget, ipywidgets.HTML) and "overlap" in widget.value
