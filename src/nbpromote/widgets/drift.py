"""The drift-preview panel: a view over :func:`nbpromote.monitor.drift_report`.

* :class:`DriftPreviewModel` — pure Python, no widgets: the report, the current thresholds, rows
  sorted by PSI with status colours, the policy verdict. Moving a threshold re-classifies the
  stored statistics (:meth:`DriftReport.rethreshold`); nothing is recomputed from data.
* :class:`DriftPanel` — the ipywidgets view: a table of features sorted by PSI with coloured
  status, a feature selector with the reference-vs-current histogram (inline SVG, no
  matplotlib), threshold sliders that re-colour live, and the retrain verdict. Its
  ``text/plain`` representation is the full text table, which is what papermill or a
  notebook without the widget front end shows.
* :func:`drift_preview` — picks the panel inside a Jupyter kernel and a :class:`TextDriftView`
  elsewhere (plain IPython, scripts).
"""

from __future__ import annotations

import html
from typing import Any

from ..monitor import DriftReport, Thresholds, drift_report
from ..monitor._render import STATUS_COLOURS, feature_rows, histogram_svg, psi_bar

__all__ = [  # DriftPanel is built on first access (module __getattr__), so ipywidgets loads lazily
    "DriftPreviewModel", "DriftPanel", "TextDriftView", "drift_preview", "widgets_available",  # noqa: F822
]

#: Sliders shown, in order: (threshold field, label, max).
SLIDERS = (
    ("psi_watch", "PSI watch", 1.0),
    ("psi_act", "PSI act", 1.0),
    ("ks_watch", "KS watch", 1.0),
    ("ks_act", "KS act", 1.0),
    ("js_watch", "JS watch", 1.0),
    ("js_act", "JS act", 1.0),
)


class DriftPreviewModel:
    """State of the drift preview, independent of any widget library.

    Parameters
    ----------
    report : DriftReport
        The computed report; its statistics are never recomputed here.
    """

    def __init__(self, report: DriftReport) -> None:
        self.base = report
        self.report = report

    @property
    def thresholds(self) -> Thresholds:
        return self.report.thresholds

    def set_threshold(self, name: str, value: float) -> DriftReport:
        """Move one threshold and re-classify. A watch level above its act level drags the act
        level up with it (and vice versa), as two linked sliders would."""
        current = self.thresholds.to_dict()
        if name not in current:
            from ..errors import MonitorError

            raise MonitorError(f"unknown threshold {name!r}; known: {', '.join(current)}.")
        current[name] = float(value)
        stat, level = name.rsplit("_", 1)
        watch, act = f"{stat}_watch", f"{stat}_act"
        if current[watch] > current[act]:
            if level == "watch":
                current[act] = current[watch]
            else:
                current[watch] = current[act]
        self.report = self.base.rethreshold(current)
        return self.report

    def rows(self) -> list[dict[str, Any]]:
        """Table rows sorted by PSI, each with its status colour."""
        rows = feature_rows(self.report)
        for row in rows:
            row["colour"] = STATUS_COLOURS[row["status"]]
        return rows

    def features(self) -> list[str]:
        return [f.column for f in self.report.ranked()]

    def feature(self, name: str) -> Any:
        for f in self.report.ranked():
            if f.column == name:
                return f
        raise KeyError(name)

    def verdict(self) -> str:
        policy = self.report.policy
        s = self.report.summary()
        head = (f"Retrain — {policy.action} (triggers: {', '.join(policy.triggers)})"
                if policy.retrain else "No retrain needed")
        return f"{head}. {s['act']} act, {s['watch']} watch, {s['stable']} stable."

    def text(self) -> str:
        return self.report.to_text()


def _table_html(model: DriftPreviewModel) -> str:
    th = model.thresholds
    cells = ["<table style='border-collapse:collapse;font-size:12px'>",
             "<tr><th style='text-align:left;padding:2px 6px'>column</th><th>status</th>"
             "<th>PSI</th><th></th><th>JS</th><th>KS</th><th>missing</th></tr>"]
    for row in model.rows():
        ks = "-" if row["ks"] is None else f"{row['ks']:.3f}"
        ref_m, cur_m = row["missing"]
        cells.append(
            f"<tr><td style='padding:2px 6px'>{html.escape(row['column'])}</td>"
            f"<td><span style='background:{row['colour']};color:#fff;border-radius:3px;"
            f"padding:0 5px'>{row['status']}</span></td>"
            f"<td style='padding:2px 6px;text-align:right'>{row['psi']:.4f}</td>"
            f"<td>{psi_bar(row['psi'], row['status'], th.psi_act, width=90)}</td>"
            f"<td style='padding:2px 6px;text-align:right'>{row['js']:.3f}</td>"
            f"<td style='padding:2px 6px;text-align:right'>{ks}</td>"
            f"<td style='padding:2px 6px;text-align:right'>{ref_m:.0%}→{cur_m:.0%}</td></tr>"
        )
    cells.append("</table>")
    return "".join(cells)


def _verdict_html(model: DriftPreviewModel) -> str:
    colour = STATUS_COLOURS["act" if model.report.policy.retrain else "stable"]
    reasons = "".join(f"<br><small>{html.escape(r)}</small>" for r in model.report.policy.reasons)
    return (f"<div style='border-left:5px solid {colour};padding:4px 10px'>"
            f"<b>{html.escape(model.verdict())}</b>{reasons}</div>")


def _feature_html(model: DriftPreviewModel, name: str | None) -> str:
    if not name:
        return "<i>no drift-tested columns</i>"
    f = model.feature(name)
    notes = "; ".join(f.reasons + f.notes)
    return (f"<b>{html.escape(f.column)}</b> <span style='color:{STATUS_COLOURS[f.status]}'>"
            f"{f.status}</span> <small>PSI {f.psi:.4f}{' · ' + html.escape(notes) if notes else ''}"
            f"</small><br>{histogram_svg(f)}")


_PANEL_CLASS: list[type] = []


def _panel_class() -> type:
    if _PANEL_CLASS:
        return _PANEL_CLASS[0]
    import ipywidgets as widgets

    class DriftPanel(widgets.VBox):
        """The ipywidgets drift-preview panel (see the module docstring)."""

        def __init__(self, report: DriftReport, **kwargs: Any) -> None:
            self.model = DriftPreviewModel(report)
            th = report.thresholds
            self.verdict = widgets.HTML(_verdict_html(self.model))
            self.table = widgets.HTML(_table_html(self.model))
            names = self.model.features()
            self.selector = widgets.Dropdown(options=names, value=names[0] if names else None,
                                             description="feature")
            self.histogram = widgets.HTML(_feature_html(self.model, self.selector.value))
            self.sliders: dict[str, Any] = {}
            for field_name, label, top in SLIDERS:
                slider = widgets.FloatSlider(
                    value=getattr(th, field_name), min=0.0, max=top, step=0.01,
                    description=label, continuous_update=True, readout_format=".2f",
                )
                slider.observe(self._on_slider(field_name), names="value")
                self.sliders[field_name] = slider
            self.selector.observe(lambda change: self._refresh_feature(), names="value")
            super().__init__(children=[
                self.verdict,
                widgets.HBox([self.table, widgets.VBox([self.selector, self.histogram])]),
                *[widgets.HBox(list(self.sliders.values())[i:i + 2]) for i in (0, 2, 4)],
            ], **kwargs)

        def _on_slider(self, field_name: str) -> Any:
            def handler(change: dict[str, Any]) -> None:
                self.set_threshold(field_name, change["new"])

            return handler

        def set_threshold(self, name: str, value: float) -> None:
            """Move a threshold (as its slider does): re-colour the table and the verdict."""
            self.model.set_threshold(name, value)
            for other, slider in self.sliders.items():
                wanted = getattr(self.model.thresholds, other)
                if abs(slider.value - wanted) > 1e-12:
                    slider.value = wanted  # keep linked watch/act sliders consistent
            self.table.value = _table_html(self.model)
            self.verdict.value = _verdict_html(self.model)
            self._refresh_feature()

        def _refresh_feature(self) -> None:
            self.histogram.value = _feature_html(self.model, self.selector.value)

        @property
        def report(self) -> DriftReport:
            return self.model.report

        def _repr_mimebundle_(self, **kwargs: Any) -> Any:
            bundle = super()._repr_mimebundle_(**kwargs)
            if isinstance(bundle, dict):
                bundle["text/plain"] = self.model.text()  # what papermill / nbconvert keep
            return bundle

        def __repr__(self) -> str:
            return self.model.text()

    DriftPanel.__qualname__ = "DriftPanel"
    DriftPanel.__module__ = __name__
    _PANEL_CLASS.append(DriftPanel)
    return DriftPanel


def __getattr__(name: str) -> Any:
    if name == "DriftPanel":  # built on first use: ipywidgets is imported only then
        return _panel_class()
    raise AttributeError(name)


class TextDriftView:
    """Text-only drift preview for places without a widget front end."""

    def __init__(self, report: DriftReport) -> None:
        self.model = DriftPreviewModel(report)

    @property
    def report(self) -> DriftReport:
        return self.model.report

    def __repr__(self) -> str:
        return self.model.text()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.model.text())


def widgets_available() -> bool:
    """True inside a Jupyter kernel with ipywidgets installed (the panel can render there)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return False  # plain IPython or a script: no comm, no front end
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def drift_preview(reference: Any, current: Any, *, widget: bool | None = None,
                  **kwargs: Any) -> Any:
    """Drift preview of ``current`` against ``reference``: the panel, or text where widgets
    cannot render.

    Parameters
    ----------
    reference, current : DataFrame, Profile or path
        As for :func:`nbpromote.monitor.drift_report`; a ready :class:`DriftReport` may be passed
        as ``reference`` with ``current=None``.
    widget : bool or None, default=None
        Force the panel (True) or text (False); None decides by :func:`widgets_available`.
    **kwargs
        Passed to :func:`~nbpromote.monitor.drift_report` (``thresholds``, ``target`` …).

    Returns
    -------
    DriftPanel or TextDriftView
    """
    report = reference if isinstance(reference, DriftReport) and current is None else drift_report(
        reference, current, **kwargs)
    use_widget = widgets_available() if widget is None else widget
    if use_widget:
        return _panel_class()(report)
    return TextDriftView(report)
