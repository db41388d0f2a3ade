"""The linter's public entry points: :func:`lint_notebook` and :func:`lint_paths`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import nbformat

from ..errors import NotebookFormatError, UsageError
from ..notebook import cell_names, code_cells, load_notebook
from . import rules as _rules  # noqa: F401  (registers the built-in rules)
from ._config import ALL, LintConfig, find_pyproject, suppressions
from ._dataflow import analyze
from ._findings import Finding, LintReport, LintResult, cell_name
from ._registry import RULES, Context

__all__ = ["lint_notebook", "lint_paths", "lint_cells"]

_SUFFIXES = {".ipynb", ".py"}


def _manifest_of(path: Path | None, nb: nbformat.NotebookNode) -> dict | None:
    embedded = nb.get("metadata", {}).get("nbpromote", {}).get("manifest")
    if isinstance(embedded, dict):
        return embedded
    if path is None:
        return None
    sidecar = path.with_name(path.stem + ".manifest.json")
    if not sidecar.is_file():
        return None
    try:
        from ..capture import load_manifest

        return load_manifest(path)
    except Exception:  # an unreadable manifest only loses the recorded order and seeds
        return None


def lint_cells(cells: list[Any], *, notebook: str = "<cells>", config: LintConfig | None = None,
               manifest: dict | None = None, nb: Any = None) -> LintResult:
    """Lint already-parsed cells (:class:`~nbpromote.notebook.CodeCell`, in run order).

    The live mode and :func:`lint_notebook` share this; ``cells`` may be any order the caller wants
    analysed (notebook order, or the kernel's execution history).
    """
    config = (config or LintConfig()).validate(set(RULES))
    skip = set(config.disable) | config.ignored_for(None if notebook.startswith("<") else notebook)
    names = {cell.index: cell_names(cell.tree) for cell in cells}
    base = None if notebook.startswith("<") else Path(notebook).parent
    facts = analyze(cells, manifest=manifest, base=base)
    ctx = Context(notebook=notebook, cells=cells, facts=facts, names=names, manifest=manifest, nb=nb)
    findings: list[Finding] = []
    result = LintResult(notebook=notebook)
    for rule_id, rule in RULES.items():
        if rule_id in skip or ALL in skip:
            continue
        ctx.rule = rule
        try:
            found = list(rule.check(ctx))
        except Exception as exc:  # a rule bug must not hide the other rules' findings
            result.errors.append(f"{rule_id}: {type(exc).__name__}: {exc}")
            continue
        findings += found
    findings += _recorded_view(cells, manifest, ctx, skip, result)
    result.errors += [f"{cell_name(site[0])}, line {site[1]}: {text}" for site, text in facts.errors]
    result.findings = _postprocess(findings, cells, config)
    if manifest and manifest.get("rows"):  # run-time evidence of a tracked run (lint/_confirm.py)
        from ._confirm import confirm_findings

        result.findings = confirm_findings(result.findings, manifest, notebook_hash=_hash_of(nb))
    if manifest and manifest.get("execution"):
        from ._confirm import refute_hidden_state

        positions = {c.cell_id: c.index for c in cells if c.cell_id}
        result.findings = refute_hidden_state(result.findings, manifest, positions=positions,
                                              notebook_hash=_hash_of(nb))
    result.facts = facts
    return result


def _hash_of(nb: Any) -> str | None:
    if nb is None:
        return None
    try:
        from ..notebook import notebook_hash

        return notebook_hash(nb)
    except Exception:
        return None


def _recorded_order(cells: list[Any], manifest: dict | None) -> list[Any] | None:
    """The cells in the capture manifest's recorded execution order (re-runs included), or None
    when there is no recorded order or it is the notebook order."""
    runs = (manifest or {}).get("execution") or []
    by_id = {c.cell_id: c for c in cells}
    order = [by_id[r["cell_id"]] for r in runs if isinstance(r, dict) and r.get("cell_id") in by_id]
    if not order or [c.index for c in order] == sorted(c.index for c in order):
        return None
    return order


def _recorded_view(cells: list[Any], manifest: dict | None, ctx: Context, skip: set[str],
                   result: LintResult) -> list[Finding]:
    """Leakage the recorded run had that a top-to-bottom run would not (the second view)."""
    order = _recorded_order(cells, manifest)
    if order is None:
        return []
    view = Context(notebook=ctx.notebook, cells=cells, facts=analyze(order, manifest=manifest,
                   base=None if ctx.notebook.startswith("<") else Path(ctx.notebook).parent), names=ctx.names,
                   manifest=manifest, nb=ctx.nb)
    out = []
    for rule_id, rule in RULES.items():
        if rule.category != "leakage" or rule_id in skip or ALL in skip:
            continue
        view.rule = rule
        try:
            for finding in rule.check(view):
                out.append(Finding(**{**finding.to_dict(),
                                      "message": finding.message + " (In the recorded execution order.)"}))
        except Exception as exc:
            result.errors.append(f"{rule_id} (recorded order): {type(exc).__name__}: {exc}")
    return out


def _postprocess(findings: list[Finding], cells: list[Any], config: LintConfig) -> list[Finding]:
    by_index = {c.index: c for c in cells}
    silenced: dict[int, tuple[set[str], dict[int, set[str]]]] = {}
    out: dict[tuple, Finding] = {}
    seen: set[tuple] = set()
    for finding in findings:
        if finding.cell is not None and finding.cell in by_index:
            if finding.cell not in silenced:
                silenced[finding.cell] = suppressions(by_index[finding.cell].source)
            whole, lines = silenced[finding.cell]
            on_line = lines.get(finding.line or 0, set())
            if {finding.rule, ALL} & (whole | on_line):
                continue
        severity = config.severity.get(finding.rule)
        if severity and severity != finding.severity:
            finding = Finding(**{**finding.to_dict(), "severity": severity})
        key = (finding.rule, finding.cell, finding.line)
        if key in seen:
            continue
        seen.add(key)
        out[key + (finding.message,)] = finding
    return sorted(out.values(), key=Finding.sort_key)


def lint_notebook(source: str | Path | nbformat.NotebookNode, *, config: LintConfig | None = None,
                  manifest: dict | None = None) -> LintResult:
    """Lint one notebook for data leakage and notebook hazards.

    Parameters
    ----------
    source : str, Path or nbformat.NotebookNode
        A .ipynb notebook, a .py script (one cell, or split on ``# %%`` markers), or a notebook
        already in memory.
    config : LintConfig or None, default=None
        Rules to disable, severity overrides, per-path ignores. None reads ``[tool.nbpromote.lint]``
        from the nearest pyproject.toml above a path source (an empty config for a NotebookNode).
    manifest : dict or None, default=None
        A capture manifest: its recorded execution order drives ``out-of-order`` and its seeds count
        as seeding. None reads the notebook's embedded or sidecar manifest when there is one.

    Returns
    -------
    LintResult
        ``notebook`` (the path, or ``"<notebook>"``) and ``findings`` sorted by cell and line.

    Raises
    ------
    NotebookNotFoundError
        The path does not exist.
    NotebookFormatError
        The file is not a readable notebook (:func:`lint_paths` reports it as a finding instead).
    LintError
        The configuration names an unknown rule or severity.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(x)")])
    >>> [f.rule for f in lint_notebook(nb).findings]
    ['hidden-state']
    """
    path: Path | None = None
    if isinstance(source, (str, Path)):
        path = Path(source)
        nb = load_notebook(path)
        name = str(path)
        if config is None:
            config = LintConfig.discover(path)
    elif isinstance(source, dict):
        nb = source if isinstance(source, nbformat.NotebookNode) else nbformat.from_dict(source)
        name = "<notebook>"
    else:
        raise UsageError(f"lint_notebook got a {type(source).__name__}; pass a path or an nbformat notebook.")
    if manifest is None:
        manifest = _manifest_of(path, nb)
    return lint_cells(code_cells(nb), notebook=name, config=config, manifest=manifest, nb=nb)


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    from ..errors import NotebookNotFoundError

    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            out += found
        elif path.exists():
            if path.suffix not in _SUFFIXES:
                raise UsageError(f"{path} is neither a notebook (.ipynb) nor a script (.py).",
                                 hint="Pass .ipynb or .py files, or a directory of notebooks.")
            out.append(path)
        else:
            raise NotebookNotFoundError(f"{path} does not exist.", hint="Check the path.", notebook=str(path))
    return out


def lint_paths(paths: Iterable[str | Path], *, config: LintConfig | None = None,
               progress: Callable[[int, int, Path | None], None] | None = None) -> LintReport:
    """Lint notebooks and scripts (directories are searched for .ipynb files).

    A file that is not a readable notebook (invalid JSON, wrong schema) is reported as a
    ``syntax-error`` finding with ``cell`` null rather than stopping the run; a path that does not
    exist is a usage error (:class:`~nbpromote.errors.NotebookNotFoundError`, exit code 2).

    Parameters
    ----------
    paths : iterable of str or Path
    config : LintConfig or None, default=None
        None reads the nearest pyproject.toml of each notebook.
    progress : callable or None, default=None
        Called with ``(files done, files in all, path)`` before each file, and with ``path`` None
        once all are done (``nbpromote lint`` draws its progress bar from it).

    Returns
    -------
    LintReport
        ``.to_dict()`` is the JSON contract; ``.exit_code(fail_on)`` the CLI's exit code.
    """
    report = LintReport()
    configs: dict[Path | None, LintConfig] = {}
    expanded = _expand(paths)
    for done, path in enumerate(expanded):
        if progress is not None:
            progress(done, len(expanded), path)
        cfg = config
        if cfg is None:
            found = find_pyproject(path)
            if found not in configs:
                configs[found] = LintConfig.from_pyproject(found) if found else LintConfig()
            cfg = configs[found]
        try:
            report.results.append(lint_notebook(path, config=cfg))
        except (NotebookFormatError, UnicodeDecodeError) as exc:
            message = exc.message if isinstance(exc, NotebookFormatError) else f"{path} is not UTF-8 text ({exc.reason})."
            report.results.append(LintResult(notebook=str(path), findings=[Finding(
                rule="syntax-error", severity="error", cell=None, cell_id=None, line=None,
                message=f"The file cannot be read as a notebook: {message}",
                fix="Re-save it from JupyterLab (File > Save Notebook), or restore it from version control.",
            )]))
    if progress is not None:
        progress(len(expanded), len(expanded), None)
    return report
