"""The main job: a notebook in, a running, registered, monitored pipeline out.

``nbpromote promote NOTEBOOK`` chains the parts a person would otherwise run one by one:

1. **capture** — execute the notebook headless with papermill, capture on (seeds, data hashes,
   environment, execution order) → ``OUT/<stem>.captured.ipynb`` + its manifest;
2. **lint** — leakage and hazard findings, using the captured execution order; error findings stop
   the job unless ``allow_findings``;
3. **export** — the tagged cells become the pipeline package ``OUT/<name>/``;
4. **run** — ``python -m <name> run``: the exported package's own entry point, in a fresh process,
   exactly as a scheduler would call it (a second run is all cache hits);
5. **register** and **promote** — the run's model into the registry, through the gate (the first
   model of a slot needs an explicit approval, which the main job gives on the user's behalf only
   when ``approve`` is true);
6. **monitor** — when a current batch is given, its drift against the run's reference profile,
   with a self-contained HTML report beside the package.

Every step reports a :class:`Step`; the job stops at the first failing step and says which, with
the step's own error message. Steps 4–6 call the exported package's command line rather than
in-process functions on purpose: that is the artefact that ships, so that is what is exercised.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import EXIT_FINDINGS, EXIT_OK, NbpromoteError, PipelineError, UsageError

__all__ = ["promote_notebook", "PromoteResult", "Step"]


@dataclass
class Step:
    """One step of the main job: its name, outcome, wall time and what it produced."""

    name: str
    status: str  # "ok" | "findings" | "failed" | "skipped"
    seconds: float
    summary: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "status": self.status, "seconds": round(self.seconds, 3),
            "summary": self.summary, "detail": self.detail,
        }


@dataclass
class PromoteResult:
    """What :func:`promote_notebook` did, step by step."""

    notebook: str
    steps: list[Step] = field(default_factory=list)
    package_dir: str | None = None
    package_name: str | None = None

    @property
    def exit_code(self) -> int:
        if any(step.status == "failed" for step in self.steps):
            return EXIT_FINDINGS
        if any(step.status == "findings" for step in self.steps):
            return EXIT_FINDINGS
        return EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": 1,
            "notebook": self.notebook,
            "package_dir": self.package_dir,
            "package": self.package_name,
            "ok": self.exit_code == EXIT_OK,
            "steps": [step.to_dict() for step in self.steps],
        }

    def to_text(self) -> str:
        marks = {"ok": "ok  ", "findings": "warn", "failed": "FAIL", "skipped": "skip"}
        lines = [f"nbpromote promote {self.notebook}"]
        for step in self.steps:
            lines.append(f"  [{marks.get(step.status, step.status)}] {step.name:<9} {step.seconds:6.2f}s  {step.summary}")
        if self.package_dir:
            lines.append(f"  package: {self.package_dir}")
        return "\n".join(lines)


class _Job:
    def __init__(self, result: PromoteResult, echo: Any) -> None:
        self.result = result
        self.echo = echo

    def record(self, step_name: str, started: float, status: str, summary: str, **detail: Any) -> Step:
        step = Step(step_name, status, time.perf_counter() - started, summary, detail)
        self.result.steps.append(step)
        if self.echo is not None:
            marks = {"ok": "ok  ", "findings": "warn", "failed": "FAIL", "skipped": "skip"}
            self.echo(f"[{marks.get(status, status)}] {step_name:<9} {step.seconds:6.2f}s  {summary}")
        return step


def _package_command(
    package_dir: Path, name: str, args: list[str], *, cwd: Path, env: dict[str, str],
    on_line: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run ``python -m <name> ARGS --json`` of an exported package and parse its JSON.

    ``on_line`` gets each line the command writes on stderr as it comes (a run's stage progress).
    """
    command = [sys.executable, "-m", name, *args]
    if on_line is None:
        completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    else:
        completed = _streamed(command, cwd=cwd, env=env, on_line=on_line)
    stdout = completed.stdout.strip()
    document: dict[str, Any] = {}
    if stdout:
        try:
            document = json.loads(stdout)
        except json.JSONDecodeError:
            document = {"output": stdout[-2000:]}
    if completed.returncode not in (0, 1) or (completed.returncode == 1 and not document):
        message = completed.stderr.strip().splitlines()
        raise PipelineError(
            f"`python -m {name} {' '.join(args)}` failed (exit {completed.returncode}): "
            + (message[-1] if message else "no message"),
            hint=f"Run it yourself from {cwd} with PYTHONPATH={package_dir / 'src'} to see everything.",
        )
    document["_exit_code"] = completed.returncode
    return document


def _streamed(command: list[str], *, cwd: Path, env: dict[str, str],
              on_line: Callable[[str], None]) -> subprocess.CompletedProcess[str]:
    """``subprocess.run`` with stderr handed to ``on_line`` line by line while the command runs."""
    import threading

    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, bufsize=1)
    lines: list[str] = []

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            on_line(line.rstrip("\n"))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    assert process.stdout is not None
    stdout = process.stdout.read()
    process.wait()
    reader.join()
    return subprocess.CompletedProcess(command, process.returncode, stdout, "".join(lines))


def promote_notebook(
    notebook: str | Path,
    *,
    output: str | Path = "out",
    name: str | None = None,
    parameters: dict[str, Any] | None = None,
    current: str | Path | None = None,
    registry: str | Path | None = None,
    allow_findings: bool = False,
    force: bool = False,
    approve: bool = True,
    actor: str | None = None,
    cwd: str | Path | None = None,
    echo: Any = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> PromoteResult:
    """Capture, lint, export, run, register, promote and monitor one notebook.

    Parameters
    ----------
    notebook : str or Path
        The tagged notebook (see the README's "Tagging cells").
    output : str or Path, default="out"
        Directory for the captured notebook, its manifest, the exported package and the reports.
    name : str or None, default=None
        Package name; default derived from the notebook's file name.
    parameters : dict or None, default=None
        Papermill parameters for the capture run (and the pipeline's run).
    current : str, Path or None, default=None
        A batch (CSV or Parquet) to monitor against the run's reference profile.
    registry : str, Path or None, default=None
        Registry database; default per ``nbpromote.registry.open_registry``.
    allow_findings : bool, default=False
        Export and go on even when the linter reports errors.
    force : bool, default=False
        Replace earlier outputs in ``output`` (a previous export of the same notebook).
    approve : bool, default=True
        Give the explicit approval the first model of a slot needs. Later models always go
        through the champion/challenger gate.
    actor : str or None, default=None
        Who is recorded in the registry and audit log; default the OS user.
    cwd : str, Path or None, default=None
        The folder the notebook's cells, and then the package's stages, run in: where its relative
        paths resolve. Default the notebook's folder; a notebook in ``notebooks/`` that reads
        ``./data/x.csv`` from the repository root needs the root here (as papermill's ``--cwd``).
    echo : callable or None, default=None
        Called with one line per finished step (the CLI passes ``click.echo``).
    progress : callable or None, default=None
        Called with progress events while the long steps run: the capture's per-cell events
        (:func:`~nbpromote.capture.capture_notebook`) and, during the run step, ``{"event":
        "line", "text": ...}`` for each line the package's first ``run`` prints on stderr.

    Returns
    -------
    PromoteResult
        Every step with its status; ``exit_code`` is 0 when all went through.

    Raises
    ------
    NotebookError
        ``notebook`` is missing or unreadable (raised before any step runs).
    OutputExistsError
        ``output`` already holds something the export may not replace (see ``force``).
    """
    from .capture import capture_notebook
    from .export import check_export_target, export_notebook
    from .lint import lint_notebook
    from .notebook import load_notebook

    source = Path(notebook)
    out_dir = Path(output)
    package_target = out_dir / (name or _default_name(source))
    # Refuse unreadable input and an occupied output before the capture spends seconds running
    # the notebook: usage errors (exit 2), not a failed step.
    load_notebook(source)
    if cwd is not None and not Path(cwd).is_dir():
        raise UsageError(f"--cwd {cwd}: no such folder.", hint="Name the folder the notebook's relative paths start from.")
    check_export_target(package_target, source, force=force)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = PromoteResult(notebook=str(source))
    job = _Job(result, echo)

    # 1. capture
    started = time.perf_counter()
    try:
        captured = capture_notebook(
            source, output=out_dir / f"{source.stem}.captured.ipynb", parameters=parameters, force=True,
            progress=progress, cwd=cwd,
        )
    except NbpromoteError as error:
        job.record("capture", started, "failed", str(error))
        return result
    manifest = captured.manifest
    job.record(
        "capture", started, "ok",
        f"{len(manifest.get('execution', []))} cells run, {len(manifest.get('data', {}))} data hashes, "
        f"{_seed_text(manifest)} → {captured.manifest_path}" + "".join(f"; note: {n}" for n in captured.notes),
        notebook=str(captured.notebook_path), manifest=str(captured.manifest_path), notes=list(captured.notes),
    )

    # 2. lint
    started = time.perf_counter()
    linted = lint_notebook(source, manifest=manifest)
    counts: dict[str, int] = {}
    for finding in linted.findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    summary = ", ".join(f"{n} {sev}" for sev, n in sorted(counts.items())) or "no findings"
    blocking = counts.get("error", 0) > 0 and not allow_findings
    job.record(
        "lint", started, "findings" if blocking else "ok", summary + (" (use --allow-findings to export anyway)" if blocking else ""),
        findings=[f.to_dict() for f in linted.findings],
    )
    if blocking:
        return result

    # 3. export
    started = time.perf_counter()
    try:
        exported = export_notebook(
            source, package_target, name=name, force=force,
            allow_findings=allow_findings, manifest=captured.manifest_path,
        )
    except NbpromoteError as error:
        job.record("export", started, "failed", str(error))
        return result
    package_dir = Path(exported.package_dir)
    result.package_dir, result.package_name = str(package_dir), exported.name
    job.record("export", started, "ok", f"{exported.name} {exported.version} → {package_dir}", package=exported.to_dict())

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str((package_dir / "src").resolve()), env.get("PYTHONPATH")]))
    if registry is not None:
        env["NBPROMOTE_REGISTRY"] = str(Path(registry).resolve())
    if actor:
        env["NBPROMOTE_ACTOR"] = actor
    cwd = Path(cwd).resolve() if cwd is not None else source.resolve().parent
    env.setdefault("NBPROMOTE_HOME", str((Path.cwd() / ".nbpromote").resolve()))
    run_args = ["run", "--json"]
    for key, value in (parameters or {}).items():
        run_args += ["--param", f"{key}={json.dumps(value) if not isinstance(value, str) else value}"]

    # 4. run (twice: the second run proves the cache)
    started = time.perf_counter()
    try:
        run = _package_command(package_dir, exported.name, run_args, cwd=cwd, env=env,
                               on_line=_stage_lines(progress, "run"))
        cold = time.perf_counter() - started
        again = _package_command(package_dir, exported.name, run_args, cwd=cwd, env=env)  # all cache hits
    except NbpromoteError as error:
        job.record("run", started, "failed", str(error))
        return result
    ran = [s["name"] for s in run.get("stages", []) if s.get("status") == "ran"]
    cached = sum(1 for s in again.get("stages", []) if s.get("status") == "cached")
    job.record(
        "run", started, "ok",
        f"run {run.get('run_id')}: {len(run.get('stages', []))} stages ({len(ran)} ran, {cold:.1f}s); "
        f"rerun: {cached}/{len(again.get('stages', []))} cache hits",
        run=run, rerun=again,
    )

    # 5. register and promote
    started = time.perf_counter()
    try:
        registered = _package_command(package_dir, exported.name, ["register", "--json"], cwd=cwd, env=env)
        version = registered.get("version")
        promote_args = ["promote", "--json", "--reason", "nbpromote promote: main job"]
        if version is not None:
            promote_args += ["--version", str(version)]
        if approve:
            promote_args.append("--approve")
        promoted = _package_command(package_dir, exported.name, promote_args, cwd=cwd, env=env)
    except NbpromoteError as error:
        job.record("register", started, "failed", str(error))
        return result
    status = "ok" if promoted.get("_exit_code") == 0 else "findings"
    job.record(
        "register", started, status,
        f"{registered.get('name', exported.name)} v{version} registered; "
        + ("promoted to Production" + _gate_margin(promoted) if status == "ok"
           else "kept out of Production by the gate: " + _gate_reason(promoted)),
        registered=registered, promoted=promoted,
    )

    # 6. monitor
    started = time.perf_counter()
    if current is None:
        job.record("monitor", started, "skipped", "no --current batch given")
        return result
    batch = Path(current).resolve()
    try:
        report = _package_command(
            package_dir, exported.name, ["monitor", "--current", str(batch), "--format", "json"], cwd=cwd, env=env
        )
        html_path = out_dir.resolve() / f"{exported.name}-drift.html"
        _package_command(
            package_dir, exported.name,
            ["monitor", "--current", str(batch), "--format", "html", "--output", str(html_path)], cwd=cwd, env=env,
        )
    except NbpromoteError as error:
        job.record("monitor", started, "failed", str(error))
        return result
    features = report.get("features", {})
    drifting = sorted(c for c, f in features.items() if f.get("status") == "act")
    policy = report.get("policy", {})
    job.record(
        "monitor", started, "ok",
        f"{len(drifting)}/{len(features)} features drifting ({', '.join(drifting[:4])}{'…' if len(drifting) > 4 else ''}); "
        f"retrain: {'yes' if policy.get('retrain') else 'no'}; report → {html_path}",
        report=report, html=str(html_path),
    )
    return result


def _stage_lines(progress: Callable[[dict[str, Any]], None] | None, label: str) -> Callable[[str], None] | None:
    """The ``on_line`` of a run step: each non-empty stderr line as a ``line`` progress event."""
    if progress is None:
        return None

    def on_line(text: str) -> None:
        if text.strip():
            progress({"event": "line", "text": f"{label}: {text}"})

    return on_line


def _gate_margin(document: dict[str, Any]) -> str:
    """`` (roc_auc +0.0463 over champion v1 > δ 0.0349)`` when a champion was beaten, else ``""``."""
    from .registry._gate import margin_text

    evidence = document.get("evidence")
    margin = margin_text(evidence.get("gate") if isinstance(evidence, dict) else None)
    return f" ({margin})" if margin else ""


def _gate_reason(document: dict[str, Any]) -> str:
    for key in ("message", "reason", "error"):
        if document.get(key):
            return str(document[key])
    return "see --json output"


def _seed_text(manifest: dict[str, Any]) -> str:
    seed = (manifest.get("seeds") or {}).get("seed")
    return "no seed set" if seed is None else f"seed {seed}"


def _default_name(notebook: Path) -> str:
    import re

    name = re.sub(r"\W+", "_", notebook.stem).strip("_").lower() or "pipeline"
    return name if not name[0].isdigit() else f"nb_{name}"
