"""The drift-preview panel: model logic (threshold → recolour), the widget view, text fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbpromote.monitor import drift_report
from nbpromote.monitor._render import STATUS_COLOURS
from nbpromote.widgets.drift import (
    DriftPreviewModel,
    TextDriftView,
    drift_preview,
    widgets_available,
)


@pytest.fixture
def frames():
    rng = np.random.default_rng(3)
    n = 3000
    ref = pd.DataFrame({"a": rng.normal(0, 1, n), "b": rng.normal(0, 1, n),
                        "c": rng.choice(["x", "y", "z"], n)})
    cur = pd.DataFrame({"a": rng.normal(0.8, 1, n), "b": rng.normal(0.35, 1, n),
                        "c": rng.choice(["x", "y", "z"], n)})
    return ref, cur


@pytest.fixture
def report(frames):
    return drift_report(*frames)


def test_model_rows_are_sorted_by_psi_with_status_colours(report):
    rows = DriftPreviewModel(report).rows()
    assert [r["column"] for r in rows] == ["a", "b", "c"]
    assert [r["status"] for r in rows] == ["act", "watch", "stable"]
    assert [r["colour"] for r in rows] == [STATUS_COLOURS[s] for s in ("act", "watch", "stable")]


def test_moving_a_threshold_recolours_and_updates_the_verdict(report):
    model = DriftPreviewModel(report)
    assert model.verdict().startswith("Retrain")
    psi_a = model.rows()[0]["psi"]
    model.set_threshold("psi_act", round(psi_a + 0.05, 2))
    for name in ("ks_watch", "ks_act", "js_watch", "js_act"):
        model.set_threshold(name, 1.0)
    assert model.rows()[0]["status"] == "watch" and model.rows()[0]["psi"] == psi_a
    assert model.verdict().startswith("No retrain needed")
    model.set_threshold("psi_watch", 0.0)
    assert {r["status"] for r in model.rows()} == {"watch"}


def test_watch_above_act_drags_act_along(report):
    model = DriftPreviewModel(report)
    model.set_threshold("psi_watch", 0.5)
    assert model.thresholds.psi_act == 0.5
    model.set_threshold("psi_act", 0.2)
    assert model.thresholds.psi_watch == 0.2


def test_panel_slider_change_recolours_the_table(report):
    panel = drift_preview(report, None, widget=True)
    assert "act" in panel.table.value and STATUS_COLOURS["act"] in panel.table.value
    for name in ("psi_watch", "ks_watch", "js_watch"):
        panel.sliders[name].value = 0.95  # drags each act slider up to 0.95 too
    assert panel.sliders["psi_act"].value == 0.95
    assert STATUS_COLOURS["act"] not in panel.table.value
    assert STATUS_COLOURS["watch"] not in panel.table.value
    assert "No retrain needed" in panel.verdict.value
    panel.sliders["psi_watch"].value = 0.0
    assert panel.table.value.count(STATUS_COLOURS["watch"]) >= 3


def test_panel_feature_selector_shows_overlaid_histograms(report):
    panel = drift_preview(report, None, widget=True)
    assert panel.selector.options == ("a", "b", "c")
    assert "<svg" in panel.histogram.value and "reference" in panel.histogram.value
    panel.selector.value = "c"
    assert "<b>c</b>" in panel.histogram.value


def test_panel_text_plain_is_the_full_table_for_papermill(report):
    panel = drift_preview(report, None, widget=True)
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == report.to_text()


def test_outside_a_kernel_the_preview_degrades_to_text(frames):
    assert widgets_available() is False  # pytest runs no Jupyter kernel
    view = drift_preview(*frames)
    assert isinstance(view, TextDriftView)
    assert repr(view).startswith("drift: ") and "policy: RETRAIN" in repr(view)


def test_preview_forwards_options_to_the_report(frames):
    view = drift_preview(*frames, thresholds={"psi_watch": 5, "psi_act": 9, "ks_watch": 5,
                                             "ks_act": 9, "js_watch": 5, "js_act": 9})
    assert all(f.status == "stable" for f in view.report.features.values())


@pytest.mark.slow
def test_in_a_real_kernel_under_papermill_the_panel_renders_with_a_text_fallback(tmp_path):
    """Executed by papermill (a real python3 kernel, no widget front end): the output carries the
    widget view *and* the full text table, so the executed notebook stays readable."""
    import nbformat
    import papermill

    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.normal(0, 1, 500), "c": rng.choice(["x", "y"], 500)}).to_csv(
        tmp_path / "ref.csv", index=False)
    pd.DataFrame({"a": rng.normal(1, 1, 500), "c": rng.choice(["x", "y"], 500)}).to_csv(
        tmp_path / "cur.csv", index=False)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import pandas as pd\nref = pd.read_csv('ref.csv')\n"
                                  "cur = pd.read_csv('cur.csv')"),
        nbformat.v4.new_code_cell("%load_ext nbpromote"),
        nbformat.v4.new_code_cell("%promote drift ref cur"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source, executed = tmp_path / "drift.ipynb", tmp_path / "drift.out.ipynb"
    nbformat.write(nb, source)
    papermill.execute_notebook(str(source), str(executed), cwd=str(tmp_path), kernel_name="python3",
                               progress_bar=False)
    outputs = nbformat.read(executed, as_version=4).cells[-1].outputs
    data = outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"].startswith("drift: ") and "policy: RETRAIN" in data["text/plain"]


def test_widget_cli_and_html_agree_on_the_credit_batch(capsys):
    """What the panel shows is what `nbpromote monitor` prints and what the HTML report draws."""
    import json
    import re
    from pathlib import Path

    from nbpromote.cli import main

    data = Path(__file__).resolve().parents[2] / "notebooks" / "data"
    ref, cur = data / "credit.csv", data / "credit_drifted.csv"
    panel = drift_preview(pd.read_csv(ref), pd.read_csv(cur), widget=True, target="default")
    shown = [(r["column"], r["status"]) for r in panel.model.rows()]
    with pytest.raises(SystemExit) as exit_info:
        main(["monitor", str(ref), str(cur), "--target", "default", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert exit_info.value.code == 1 and "Retrain" in panel.verdict.value
    cli = {name: f["status"] for name, f in document["features"].items()}
    assert {c: s for c, s in shown if c in cli} == cli
    page = drift_report(ref, cur, target="default").to_html()
    badges = re.findall(r'<td><a href="#f-[^"]+">([^<]+)</a></td><td>\w+</td><td><span class="status"'
                        r' style="background:#\w+">(\w+)</span>', page)
    assert badges == shown
