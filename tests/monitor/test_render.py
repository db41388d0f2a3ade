"""Text, HTML and Prometheus renderings of a drift report."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from nbpromote.monitor import drift_report


@pytest.fixture
def report(reference, same_population):
    cur = same_population.assign(x=same_population["x"] + 1.0)
    return drift_report(reference, cur, prediction="score")


def test_text_table_is_sorted_by_psi_and_ends_with_the_verdict(report):
    text = report.to_text()
    lines = text.splitlines()
    assert lines[3].startswith("x ") and " act " in lines[3]
    assert "policy: RETRAIN (triggers: drift); action: retrain and propose a challenger" in text
    assert "score (prediction)" in text


def test_html_is_self_contained_and_has_status_bars_and_histograms(report):
    page = report.to_html()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page
    assert page.count("<svg") >= 2 * len(report.features)  # a PSI bar and a histogram each
    assert "#c62828" in page  # the act colour
    assert "retrain and propose a challenger" in page


def test_html_embeds_no_raw_data(rng):
    ref = pd.DataFrame({"secret": rng.normal(size=5000) * 1000 + 0.123456789})
    cur = pd.DataFrame({"secret": rng.normal(size=5000) * 1000 + 0.123456789})
    page = drift_report(ref, cur).to_html()
    raw = {f"{v:.6f}" for v in np.r_[ref["secret"].to_numpy()[5:200], cur["secret"].to_numpy()[5:200]]}
    assert not [v for v in raw if v in page]
    bigger = drift_report(pd.concat([ref] * 20), pd.concat([cur] * 20)).to_html()
    assert abs(len(bigger) - len(page)) < 2000  # size does not grow with the rows


def test_html_escapes_column_names():
    ref = pd.DataFrame({"<b>x</b>": np.arange(50.0)})
    page = drift_report(ref, ref).to_html()
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


_SAMPLE = re.compile(r'^[a-z_][a-z0-9_]*(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+$')


def test_prometheus_exposition_is_well_formed(report):
    text = report.to_prometheus(labels={"model": "credit"})
    assert text.endswith("\n")
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or _SAMPLE.match(line), line
    assert 'nbpromote_drift_status{column="x",role="feature",kind="numeric",model="credit"} 2' in text
    assert 'nbpromote_drift_retrain{model="credit"} 1' in text


def test_prometheus_escapes_label_values():
    ref = pd.DataFrame({'a"b\\c': np.arange(20.0)})
    text = drift_report(ref, ref).to_prometheus()
    assert 'column="a\\"b\\\\c"' in text


def test_a_chart_of_50_categories_shows_the_top_ones_and_an_other_bar_with_full_names_on_hover():
    from nbpromote.monitor._render import MAX_CATEGORY_BARS, histogram_svg

    rng = np.random.default_rng(0)
    names = [f"merchant_category_number_{i:02d}" for i in range(50)]
    weights = np.linspace(1, 3, 50) ** 4
    ref = pd.DataFrame({"c": rng.choice(names, 5000, p=weights / weights.sum())})
    cur = pd.DataFrame({"c": rng.choice(names, 5000, p=weights[::-1] / weights.sum())})
    feature = drift_report(ref, cur).features["c"]
    svg = histogram_svg(feature)
    labels = re.findall(r"<text [^>]*rotate[^>]*><title>([^<]*)</title>([^<]*)</text>", svg)
    assert len(labels) == MAX_CATEGORY_BARS
    other_title, other_text = labels[-1]
    assert other_text == f"other ({50 - MAX_CATEGORY_BARS + 1})"
    # The hidden categories are named on hover; every shortened label has its full name.
    assert other_title.startswith(other_text + ": merchant_category_number_")
    for title, text in labels[:-1]:
        assert title.startswith("merchant_category_number_") and text.endswith("…")
    # The shares still add up: nothing is dropped, only folded.
    shares = [float(v) for v in re.findall(r"reference ([\d.]+)%", svg)]
    assert abs(sum(shares[::2]) - 100) < 1.5
