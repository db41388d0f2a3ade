"""``%promote stages`` and ``%promote export``: the notebook's door to :mod:`nbpromote.export`.

The exported notebook is the file on disk, so save it first; its path is the argument, or, when
omitted, the notebook this kernel belongs to (JupyterLab sets ``__session__`` in the kernel).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["stages", "export"]


def _notebook(shell: Any, given: str | None) -> Path:
    if given:
        return Path(given)
    session = (getattr(shell, "user_ns", {}) or {}).get("__session__") or os.environ.get("JPY_SESSION_NAME")
    if session and str(session).endswith(".ipynb"):
        return Path(session)
    raise UsageError("%promote: cannot tell which notebook this kernel runs.",
                     hint="Pass its path, e.g. %promote export credit_risk.ipynb -o pipeline/")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"%promote {self.prog}: {message}.", hint=self.format_usage().strip())


def stages(shell: Any, args: list[str]) -> Any:
    """``%promote stages [NOTEBOOK]``: the stage graph as text."""
    from ..cli._export import stage_lines
    from ..export import plan_stages

    parser = _Parser(prog="stages", add_help=False)
    parser.add_argument("notebook", nargs="?")
    options = parser.parse_args(args)
    plan = plan_stages(_notebook(shell, options.notebook))
    print("\n".join(stage_lines(plan)))
    return None


def export(shell: Any, args: list[str]) -> Any:
    """``%promote export [NOTEBOOK] [-o DIR] [--name N] [--version X.Y.Z] [--force] [--allow-findings]``.

    Shows its progress as a widget where widgets render, a line per step otherwise.
    """
    from ..export import export_notebook
    from ..widgets.progress import StepProgress

    parser = _Parser(prog="export", add_help=False)
    parser.add_argument("notebook", nargs="?")
    parser.add_argument("-o", "--output", default=None)
    parser.add_argument("--name", default=None)
    parser.add_argument("--version", default=None)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--allow-findings", action="store_true")
    options = parser.parse_args(args)
    notebook = _notebook(shell, options.notebook)
    with StepProgress(f"export {notebook.name}") as progress:
        result = export_notebook(notebook, options.output, name=options.name, version=options.version,
                                 force=options.force, allow_findings=options.allow_findings, progress=progress)
    for warning in result.warnings:
        print(f"warning: {warning}")
    print(f"exported {result.name} {result.version} → {result.package_dir}")
    print("stages: " + " → ".join(s.name for s in result.plan.stages))
    print(f"run it: cd {result.package_dir} && python -m {result.name} run")
    return result
