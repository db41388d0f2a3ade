"""Renderers of a drift report: text table, self-contained HTML, Prometheus exposition.

The HTML is one static file (inline CSS and SVG, no script, no network) and carries only bin
proportions and statistics — never rows or raw values, whatever the data size.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ._drift import DriftReport, FeatureDrift

__all__ = ["render_text", "render_html", "render_prometheus", "histogram_svg", "STATUS_COLOURS"]

STATUS_COLOURS = {"stable": "#2e7d32", "watch": "#e0a100", "act": "#c62828"}
_REF_COLOUR = "#5b7fb5"
_CUR_COLOUR = "#e07b39"


def _num(value: float | None, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    return "<1e-300" if value == 0 else f"{value:.2g}"


def feature_rows(report: DriftReport) -> list[dict[str, Any]]:
    """One plain row per column, sorted by PSI (shared by the text table and the widget)."""
    rows = []
    for f in report.ranked():
        rows.append({
            "column": f.column if f.role == "feature" else f"{f.column} ({f.role})",
            "kind": f.kind, "status": f.status, "psi": f.psi, "js": f.js,
            "ks": f.ks.statistic if f.ks else None, "ks_p": f.ks.pvalue if f.ks else None,
            "chi2_v": f.chi2.cramers_v if f.chi2 else None,
            "chi2_p": f.chi2.pvalue if f.chi2 else None,
            "missing": (f.reference_missing, f.current_missing),
            "reasons": f.reasons, "notes": f.notes,
        })
    return rows


def render_text(report: DriftReport) -> str:
    """A fixed-width table sorted by PSI, then the policy's verdict."""
    rows = feature_rows(report)
    width = max([len("column")] + [len(r["column"]) for r in rows])
    head = (f"{'column':<{width}}  {'kind':<11} {'status':<6}  {'psi':>7} {'js':>7} "
            f"{'ks':>7} {'ks p':>8} {'chi2 V':>7} {'chi2 p':>8}")
    lines = [
        f"drift: {report.current_source or 'current'} ({report.rows['current']} rows) vs "
        f"{report.reference_source or 'reference'} ({report.rows['reference']} rows)",
        head, "-" * len(head),
    ]
    for r in rows:
        lines.append(
            f"{r['column']:<{width}}  {r['kind']:<11} {r['status']:<6}  {_num(r['psi']):>7} "
            f"{_num(r['js']):>7} {_num(r['ks']):>7} {_p(r['ks_p']):>8} {_num(r['chi2_v']):>7} "
            f"{_p(r['chi2_p']):>8}"
        )
    for name, why in report.skipped.items():
        lines.append(f"{name:<{width}}  skipped: {why}")
    s = report.summary()
    lines.append("")
    lines.append(f"summary: {s['act']} act, {s['watch']} watch, {s['stable']} stable "
                 f"(statuses from effect sizes: PSI ≥ {report.thresholds.psi_act:g} act, "
                 f"≥ {report.thresholds.psi_watch:g} watch; p-values are informative only)")
    if report.validation is not None:
        v = report.validation
        lines.append(f"validation: {'ok' if v.ok else f'{len(v.errors)} error(s)'}"
                     + ("" if v.ok else " — " + "; ".join(
                         f"{e.check} {e.column or ''}".strip() for e in v.errors[:6])))
    policy = report.policy
    lines.append(f"policy: {'RETRAIN' if policy.retrain else 'no retrain'}"
                 + (f" (triggers: {', '.join(policy.triggers)})" if policy.triggers else "")
                 + f"; action: {policy.action}")
    for reason in policy.reasons:
        lines.append(f"  {reason}")
    return "\n".join(lines)


#: Most bars a categorical chart draws; the smaller categories share one "other" bar.
MAX_CATEGORY_BARS = 12


def top_categories(
    labels: list[str], ref: list[float], cur: list[float], keep: int = MAX_CATEGORY_BARS
) -> tuple[list[str], list[float], list[float], list[str]]:
    """The ``keep - 1`` largest categories (by the larger of the two shares, in their original
    order) and one ``other (N)`` bar summing the rest; also returns the folded names."""
    if len(labels) <= keep:
        return list(labels), list(ref), list(cur), []
    order = sorted(range(len(labels)), key=lambda i: (-max(ref[i], cur[i]), i))
    kept = sorted(order[: keep - 1])
    folded = [i for i in range(len(labels)) if i not in set(kept)]
    names = [labels[i] for i in kept] + [f"other ({len(folded)})"]
    return (names, [ref[i] for i in kept] + [sum(ref[i] for i in folded)],
            [cur[i] for i in kept] + [sum(cur[i] for i in folded)], [labels[i] for i in folded])


def histogram_svg(feature: FeatureDrift, *, width: int = 440, height: int = 175) -> str:
    """Overlaid reference/current histogram of one feature as inline SVG (proportions only).

    A categorical feature with more than :data:`MAX_CATEGORY_BARS` categories shows the largest
    ones and an "other" bar (its tooltip names what it holds), so the axis labels stay readable;
    every shortened label carries its full name as a tooltip.
    """
    hist = feature.histogram
    labels, ref, cur = hist["bins"], hist["reference"], hist["current"]
    folded: list[str] = []
    if feature.kind != "numeric":
        labels, ref, cur, folded = top_categories(list(labels), list(ref), list(cur))
    n = max(1, len(labels))
    top = max([*ref, *cur, 1e-9])
    pad_left, pad_bottom, pad_top = 56, 56, 16
    plot_w, plot_h = width - pad_left - 6, height - pad_bottom - pad_top
    slot = plot_w / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html.escape(feature.column)}: reference vs current histogram">',
        f'<text x="{pad_left - 4}" y="{pad_top + 8}" font-size="9" fill="#555" '
        f'text-anchor="end">{top:.0%}</text>',
        f'<line x1="{pad_left}" y1="{pad_top + plot_h}" x2="{width - 6}" y2="{pad_top + plot_h}" '
        'stroke="#999" stroke-width="1"/>',
    ]
    for i, (label, r, c) in enumerate(zip(labels, ref, cur, strict=True)):
        x = pad_left + i * slot
        full = label
        if folded and i == len(labels) - 1:
            shown = ", ".join(folded[:40]) + (", …" if len(folded) > 40 else "")
            full = f"{label}: {shown}"
        for value, colour, offset, opacity in ((r, _REF_COLOUR, 0.1, 0.55), (c, _CUR_COLOUR, 0.3, 0.55)):
            h = plot_h * value / top
            parts.append(
                f'<rect x="{x + slot * offset:.1f}" y="{pad_top + plot_h - h:.1f}" '
                f'width="{slot * 0.6:.1f}" height="{h:.1f}" fill="{colour}" '
                f'fill-opacity="{opacity}"><title>{html.escape(full)}: reference {r:.1%}, '
                f'current {c:.1%}</title></rect>'
            )
        short = label if len(label) <= 14 else label[:13] + "…"
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{pad_top + plot_h + 12}" font-size="8" '
            f'text-anchor="end" fill="#444" transform="rotate(-30 {x + slot / 2:.1f} '
            f'{pad_top + plot_h + 12})"><title>{html.escape(full)}</title>{html.escape(short)}</text>'
        )
    parts.append(
        f'<rect x="{width - 150}" y="2" width="9" height="9" fill="{_REF_COLOUR}" fill-opacity="0.7"/>'
        f'<text x="{width - 138}" y="10" font-size="9">reference</text>'
        f'<rect x="{width - 80}" y="2" width="9" height="9" fill="{_CUR_COLOUR}" fill-opacity="0.7"/>'
        f'<text x="{width - 68}" y="10" font-size="9">current</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def psi_bar(value: float | None, status: str, act: float, *, width: int = 120) -> str:
    """A horizontal PSI bar (inline SVG); the scale ends at twice the act threshold."""
    scale = max(act * 2, 1e-9)
    fill = 0.0 if value is None else min(1.0, value / scale)
    mark = width * min(1.0, act / scale)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="12" role="img" '
        f'aria-label="PSI {_num(value)}"><rect width="{width}" height="12" fill="#eee"/>'
        f'<rect width="{width * fill:.1f}" height="12" fill="{STATUS_COLOURS[status]}"/>'
        f'<line x1="{mark:.1f}" y1="0" x2="{mark:.1f}" y2="12" stroke="#333" '
        'stroke-dasharray="2,1"/></svg>'
    )


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;font-size:13px}td,th{padding:4px 8px;border-bottom:1px solid #eee;
text-align:right;white-space:nowrap}td:first-child,th:first-child{text-align:left}
.status{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px}
.verdict{padding:10px 14px;border-radius:4px;margin:12px 0;border-left:6px solid}
.feature{display:inline-block;vertical-align:top;margin:8px 16px 8px 0;padding:8px;border:1px solid #eee}
.muted{color:#666;font-size:12px}
"""


def render_html(report: DriftReport) -> str:
    """A static, self-contained HTML report: verdict, table with PSI bars, one histogram per
    column. Aggregates only — no rows."""
    esc = html.escape
    th = report.thresholds
    policy = report.policy
    colour = STATUS_COLOURS["act" if policy.retrain else "stable"]
    s = report.summary()
    out = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<title>nbpromote drift report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Drift report</h1>",
        f"<p class=\"muted\">current: {esc(str(report.current_source or 'batch'))} "
        f"({report.rows['current']} rows) · reference: "
        f"{esc(str(report.reference_source or 'reference'))} ({report.rows['reference']} rows) · "
        f"thresholds: PSI watch {th.psi_watch:g}, act {th.psi_act:g}; KS act {th.ks_act:g}; "
        f"JS act {th.js_act:g}</p>",
        f"<div class=\"verdict\" style=\"border-color:{colour};background:{colour}14\">"
        f"<strong>{'Retrain: ' + esc(policy.action) if policy.retrain else 'No retrain needed'}"
        f"</strong> — {s['act']} act, {s['watch']} watch, {s['stable']} stable."
        + "".join(f"<br><span class=\"muted\">{esc(r)}</span>" for r in policy.reasons)
        + "</div>",
    ]
    if report.validation is not None and not report.validation.ok:
        out.append("<h2>Validation</h2><ul>")
        for v in report.validation.errors:
            out.append(f"<li><b>{esc(v.check)}</b> {esc(v.column or '')}: {esc(v.message)}</li>")
        out.append("</ul>")
    out.append("<h2>Features by PSI</h2><table><tr><th>column</th><th>kind</th><th>status</th>"
               "<th>PSI</th><th></th><th>JS</th><th>KS</th><th>KS p</th><th>Cramér V</th>"
               "<th>χ² p</th><th>missing ref → cur</th></tr>")
    for f, row in zip(report.ranked(), feature_rows(report), strict=True):
        out.append(
            f"<tr><td><a href=\"#f-{esc(f.column)}\">{esc(row['column'])}</a></td>"
            f"<td>{f.kind}</td><td><span class=\"status\" style=\"background:"
            f"{STATUS_COLOURS[f.status]}\">{f.status}</span></td><td>{_num(f.psi)}</td>"
            f"<td>{psi_bar(f.psi, f.status, th.psi_act)}</td><td>{_num(f.js)}</td>"
            f"<td>{_num(row['ks'])}</td><td>{_p(row['ks_p'])}</td><td>{_num(row['chi2_v'])}</td>"
            f"<td>{_p(row['chi2_p'])}</td><td>{f.reference_missing:.1%} → "
            f"{f.current_missing:.1%}</td></tr>"
        )
    out.append("</table>")
    for name, why in report.skipped.items():
        out.append(f"<p class=\"muted\">{esc(name)}: skipped — {esc(why)}</p>")
    out.append("<h2>Distributions</h2>")
    for f in report.ranked():
        out.append(
            f"<div class=\"feature\" id=\"f-{esc(f.column)}\"><b>{esc(f.column)}</b> "
            f"<span class=\"status\" style=\"background:{STATUS_COLOURS[f.status]}\">{f.status}"
            f"</span> <span class=\"muted\">PSI {_num(f.psi)}"
            + (" · " + esc("; ".join(f.reasons)) if f.reasons else "")
            + (" · " + esc("; ".join(f.notes)) if f.notes else "")
            + f"</span><br>{histogram_svg(f)}</div>"
        )
    out.append("<p class=\"muted\">Generated by nbpromote. Statuses come from effect sizes "
               "(PSI, Jensen-Shannon distance, KS statistic); p-values are shown for reference and "
               "are ~0 on large samples even for negligible shifts.</p></body></html>")
    return "\n".join(out) + "\n"


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render_prometheus(report: DriftReport, *, labels: dict[str, str] | None = None) -> str:
    """Prometheus text exposition format (0.0.4): gauges per feature and the verdict."""
    extra = "".join(f',{k}="{_escape_label(str(v))}"' for k, v in sorted((labels or {}).items()))
    base = extra[1:]
    metrics: dict[str, tuple[str, list[str]]] = {
        "nbpromote_drift_psi": ("Population stability index of a column vs the reference.", []),
        "nbpromote_drift_js_distance": ("Jensen-Shannon distance (base 2) vs the reference.", []),
        "nbpromote_drift_ks_statistic": ("Kolmogorov-Smirnov statistic (numeric columns).", []),
        "nbpromote_drift_chi2_cramers_v": ("Cramer's V of the chi-square test (categorical).", []),
        "nbpromote_drift_status": ("Drift status: 0 stable, 1 watch, 2 act.", []),
    }
    levels = {"stable": 0, "watch": 1, "act": 2}
    for f in report.ranked():
        lab = f'column="{_escape_label(f.column)}",role="{f.role}",kind="{f.kind}"{extra}'
        values = {
            "nbpromote_drift_psi": f.psi, "nbpromote_drift_js_distance": f.js,
            "nbpromote_drift_ks_statistic": f.ks.statistic if f.ks else None,
            "nbpromote_drift_chi2_cramers_v": f.chi2.cramers_v if f.chi2 else None,
            "nbpromote_drift_status": levels[f.status],
        }
        for metric, value in values.items():
            if value is not None:
                metrics[metric][1].append(f"{metric}{{{lab}}} {float(value):.10g}")
    lines: list[str] = []
    for metric, (help_text, samples) in metrics.items():
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} gauge", *samples]
    scalar = [
        ("nbpromote_drift_retrain", "1 when the retrain policy fired.", int(report.policy.retrain)),
        ("nbpromote_drift_rows_current", "Rows in the current batch.", report.rows["current"]),
        ("nbpromote_drift_rows_reference", "Rows in the reference.", report.rows["reference"]),
    ]
    if report.validation is not None:
        scalar.append(("nbpromote_validation_ok", "1 when the batch passed validation.",
                       int(report.validation.ok)))
    for metric, help_text, value in scalar:
        lines += [f"# HELP {metric} {help_text}", f"# TYPE {metric} gauge",
                  f"{metric}{{{base}}} {value}" if base else f"{metric} {value}"]
    return "\n".join(lines) + "\n"
