"""The provenance status view: rich HTML in Jupyter, plain text in a terminal or a log.

A view over :meth:`nbpromote.capture.CaptureSession.summary` only; it computes nothing itself.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["ProvenanceStatus"]


class ProvenanceStatus:
    """What has been captured in this kernel.

    Parameters
    ----------
    summary : dict
        :meth:`CaptureSession.summary`.
    """

    def __init__(self, summary: dict[str, Any]) -> None:
        self.summary = summary

    def _rows(self) -> list[tuple[str, str]]:
        s = self.summary
        if s["seed"] is not None:
            seeds = f"{s['seed']} ({', '.join(s['seeded_libraries'])})"
        elif s["user_seeded"]:
            seeds = "set by the notebook's own code (not recorded by %promote seed)"
        else:
            seeds = "not set — use %promote seed N"
        unseeded = s["unseeded_cells"]
        rows = [("Seed", seeds)]
        if unseeded:
            cells = ", ".join(f"[{c['execution_count']}] {c['calls'][0]}" for c in unseeded[:5])
            rows.append(("Unseeded cells", f"{len(unseeded)}: {cells}"))
        data = s["data"]
        rows.append(("Data", f"{len(data)} tracked" if data else "none — use %promote track NAME"))
        for name, entry in data.items():
            shape = entry.get("shape") or entry.get("size")
            rows.append((f"  {name}", f"{entry['kind']} {shape} {entry['hash']} ({entry['source']})"))
        environment = s["environment"]
        if environment is None:
            rows.append(("Environment", "not recorded yet — use %promote env"))
        else:
            lock = f", lock at {environment['lock_path']}" if environment["lock_path"] else ""
            rows.append(("Environment", f"Python {environment['python']}, {environment['packages']} packages, {environment['lock_hash']}{lock}"))
        rows.append(("Cells run", f"{s['cells_run']} ({s['failed_runs']} failed)"))
        for message in s["warnings"]:
            rows.append(("Warning", message))
        return rows

    def __repr__(self) -> str:
        rows = self._rows()
        width = max(len(key) for key, _ in rows)
        return "nbpromote capture status\n" + "\n".join(f"  {key.ljust(width)}  {value}" for key, value in rows)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(key)}</th><td style='text-align:left'>{html.escape(value)}</td></tr>"
            for key, value in self._rows()
        )
        return f"<div class='nbpromote-provenance'><strong>nbpromote capture status</strong><table>{body}</table></div>"
