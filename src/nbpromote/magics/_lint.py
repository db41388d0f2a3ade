"""``%promote lint [NOTEBOOK] [--live on|off] [--no-data]``: findings as a table in the notebook.

Without NOTEBOOK it lints the notebook the kernel belongs to (ipykernel's ``__session__``); when the
kernel cannot tell (a console), it lints the cells run so far, in execution order. In both cases the
runtime checks also look at the kernel's data (rows shared by ``X_train``/``X_test``, a feature that
alone predicts ``y_train``) unless ``--no-data`` is given. ``--live on``
registers a ``post_run_cell`` hook that lints the execution history after every cell and shows only
the new findings about the cell just run; it also starts run-time row tracking
(:mod:`nbpromote.capture._rows`), so a leakage finding says whether the run confirmed it.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from pathlib import Path
from typing import Any

from ..errors import UsageError

_ATTR = "_nbpromote_live_lint"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%promote lint", add_help=True)
    parser.add_argument("notebook", nargs="?", default=None)
    parser.add_argument("--live", choices=["on", "off"], default=None)
    parser.add_argument("--no-data", action="store_true",
                        help="skip the runtime checks on the kernel's data (duplicates, proxy features)")
    return parser


def _current_notebook(shell: Any) -> Path | None:
    ns = getattr(shell, "user_ns", {}) or {}
    for candidate in (ns.get("__session__"), os.environ.get("JPY_SESSION_NAME")):
        if candidate and str(candidate).endswith((".ipynb", ".py")) and Path(candidate).is_file():
            return Path(candidate)
    return None


def history_cells(shell: Any) -> list[Any]:
    """The cells run so far, as CodeCells indexed by execution count."""
    from ..notebook import make_cell

    inputs = list((getattr(shell, "user_ns", {}) or {}).get("In", []) or [])
    return [make_cell(i, source, cell_id=f"In[{i}]", execution_count=i)
            for i, source in enumerate(inputs) if i and source and source.strip()]


def lint_history(shell: Any) -> Any:
    from ..lint import lint_cells

    return lint_cells(history_cells(shell), notebook="<kernel history>")


class LiveLinter:
    """The post_run_cell hook: lint the history, show the findings that are new since the last cell."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.seen: set[tuple] = set()
        self.last_seconds = 0.0

    def __call__(self, result: Any = None) -> None:
        from ..widgets.findings import FindingsTable

        started = time.perf_counter()
        try:
            report = lint_history(self.shell)
            report.findings = confirm_live(self.shell, report.findings)
        except Exception:  # never break the user's cell because the linter failed
            return
        # post_run_cell passes the ExecutionResult; the shell's counter has already moved on.
        count = getattr(result, "execution_count", None) or getattr(self.shell, "execution_count", 1) - 1
        # New findings: those about the cell just run, and those about earlier cells that this
        # one made visible (running an evaluation reveals the leak of a scaler fit cells ago).
        fresh = []
        for finding in report.findings:
            key = (finding.rule, finding.cell, finding.line, finding.message)
            if key not in self.seen:
                fresh.append(finding)
                self.seen.add(key)
        self.last_seconds = time.perf_counter() - started
        if fresh:
            report.findings = fresh
            table = FindingsTable(report, title=f"nbpromote live lint — In [{count}]", cell_label="In")
            try:
                from IPython.display import display

                display(table)
            except ImportError:  # pragma: no cover - IPython is always there in a kernel
                print(table.to_text())


def _history_site(cell: Any) -> dict[str, Any]:
    # cells of the kernel history are indexed by execution count (history_cells)
    count, cell_id = (cell[0], cell[1]) if isinstance(cell, (tuple, list)) else (None, None)
    return {"cell": count, "cell_id": cell_id, "execution_count": count}


def confirm_live(shell: Any, findings: list[Any]) -> list[Any]:
    """``findings`` of the kernel history with the run-time row evidence this kernel recorded."""
    from ..capture import kernel as capture_kernel
    from ..lint._confirm import confirm_findings

    session = capture_kernel.get_session(shell)
    if session.rows is None:
        return findings
    confirmed = confirm_findings(findings, {"rows": session.rows_section(cell_of=_history_site)})
    # the table shows messages: the evidence goes with it (and a finding is shown again once confirmed)
    return [dataclasses.replace(f, message=f"{f.message} {f.runtime['evidence']}") if f.runtime else f
            for f in confirmed]


def set_live(shell: Any, on: bool) -> str:
    from ..capture import kernel as capture_kernel

    current = getattr(shell, _ATTR, None)
    if on:
        # record which rows reach each fit/score from now on (wrapped when the libraries are
        # imported); capture's hooks are registered first, so they run before the live linter.
        capture_kernel.get_session(shell).track_rows(shell)
        if current is None:
            hook = LiveLinter(shell)
            shell.events.register("post_run_cell", hook)
            setattr(shell, _ATTR, hook)
        return ("nbpromote live lint is on: each cell is linted after it runs, and leakage findings are "
                "checked against the rows the run actually used.")
    if current is not None:
        try:
            shell.events.unregister("post_run_cell", current)
        except ValueError:
            pass
        setattr(shell, _ATTR, None)
    capture_kernel.get_session(shell).stop_tracking_rows()
    return "nbpromote live lint is off."


def lint(shell: Any, args: list[str]) -> Any:
    """Handler of ``%promote lint``."""
    from ..lint import lint_notebook
    from ..widgets.findings import FindingsTable, findings_view

    options = _parser().parse_args(args)
    if options.live is not None:
        if options.notebook:
            raise UsageError("%promote lint --live takes no notebook; it lints the cells as they run.")
        print(set_live(shell, options.live == "on"))
        return None
    if options.notebook:
        given = Path(options.notebook)
        return findings_view(lint_notebook(given), notebook_path=given)
    path = _current_notebook(shell)
    if path is not None:
        result = lint_notebook(path)
        table = findings_view(result, notebook_path=path)
    else:
        result = lint_history(shell)
        table = FindingsTable(result, title="nbpromote lint — cells run so far (execution order)",
                              cell_label="In")
    if not options.no_data:
        # The kernel holds this notebook's data: add the runtime checks (duplicates, proxies).
        from ..lint import runtime_findings

        result.findings = result.findings + runtime_findings(getattr(shell, "user_ns", {}) or {})
    return table
