"""The findings table ``%promote lint`` displays: rich HTML with links to cells, text elsewhere.

A view over :class:`~nbpromote.lint.LintResult` only. In JupyterLab the cell links use the
``notebook.ipynb#cell-id=<id>`` fragment JupyterLab 4 scrolls to; in a terminal IPython the same
object prints as text. :meth:`FindingsTable.widget` wraps the HTML in an ``ipywidgets.HTML`` for
dashboards (ipywidgets is optional).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

__all__ = ["FindingsTable", "findings_view"]

_COLOURS = {"error": "#c62828", "warning": "#ef6c00", "info": "#1565c0"}


class FindingsTable:
    """Findings of one lint run, displayable in Jupyter (HTML) and as text.

    Parameters
    ----------
    result : LintResult
    title : str or None, default=None
        Heading; defaults to the notebook's name.
    link_base : str or None, default=None
        Notebook path the cell links point into (relative to the kernel's directory); None gives
        in-page ``#cell-id=`` links.
    cell_label : str, default="cell"
        How cells are named (the live mode names history entries ``In``).
    """

    def __init__(self, result: Any, *, title: str | None = None, link_base: str | None = None,
                 cell_label: str = "cell") -> None:
        self.result = result
        self.title = title or f"nbpromote lint — {result.notebook}"
        self.link_base = link_base
        self.cell_label = cell_label

    @property
    def findings(self) -> list[Any]:
        return list(self.result.findings)

    def _where(self, finding: Any) -> str:
        if finding.cell is None:
            return "file" if finding.rule == "syntax-error" else "data"
        if self.cell_label == "In":
            return f"In [{finding.cell}]" + (f", line {finding.line}" if finding.line else "")
        # 1-based, as JupyterLab's status bar counts cells (the finding keeps the 0-based index).
        return f"{self.cell_label} {finding.cell + 1}" + (f", line {finding.line}" if finding.line else "")

    def to_text(self) -> str:
        if not self.findings:
            return f"{self.title}: no findings."
        lines = [f"{self.title}: {len(self.findings)} finding(s)"]
        for f in self.findings:
            lines.append(f"  {self._where(f)}: {f.severity} [{f.rule}] {f.message}")
            if f.excerpt:
                lines.append(f"      > {f.excerpt}")
            lines.append(f"      fix: {f.fix}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.to_text())

    def _link(self, finding: Any) -> str:
        label = html.escape(self._where(finding))
        if finding.cell_id and self.cell_label != "In":
            base = html.escape(self.link_base or "", quote=True)
            target = f"{base}#cell-id={html.escape(finding.cell_id, quote=True)}"
            return (f'<a href="{target}" data-nbpromote-cell="{finding.cell}" '
                    f'data-nbpromote-cell-id="{html.escape(finding.cell_id, quote=True)}">{label}</a>')
        return label

    def _repr_html_(self) -> str:
        title = html.escape(self.title)
        if not self.findings:
            return f'<div class="nbpromote-findings"><b>{title}</b>: no findings.</div>'
        rows = []
        for f in self.findings:
            colour = _COLOURS.get(f.severity, "inherit")
            rows.append(
                "<tr>"
                f"<td style='white-space:nowrap'>{self._link(f)}</td>"
                f"<td style='color:{colour};font-weight:bold'>{html.escape(f.severity)}</td>"
                f"<td><code>{html.escape(f.rule)}</code></td>"
                f"<td>{html.escape(f.message)}"
                + (f"<br><code>{html.escape(f.excerpt)}</code>" if f.excerpt else "")
                + f"<br><i>Fix:</i> {html.escape(f.fix)}</td>"
                "</tr>"
            )
        return (
            f'<div class="nbpromote-findings"><b>{title}</b>: {len(self.findings)} finding(s)'
            '<table style="text-align:left"><thead><tr><th>Where</th><th>Severity</th><th>Rule</th>'
            "<th>Why / fix</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>"
        )

    def widget(self) -> Any:
        """The table as an ``ipywidgets.HTML`` (raises MissingDependencyError without ipywidgets)."""
        try:
            import ipywidgets
        except ImportError:
            from ..errors import MissingDependencyError

            raise MissingDependencyError("ipywidgets", "jupyter", "The findings widget") from None
        return ipywidgets.HTML(self._repr_html_())


def findings_view(result: Any, *, notebook_path: str | Path | None = None, **kwargs: Any) -> FindingsTable:
    """A :class:`FindingsTable` for ``result``, linking into ``notebook_path`` when given."""
    link = None
    if notebook_path is not None:
        link = Path(notebook_path).name
    return FindingsTable(result, link_base=link, **kwargs)
