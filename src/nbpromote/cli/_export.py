"""``nbpromote export``, ``nbpromote stages`` and ``nbpromote suggest-tags``: parse, one core call, render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ._output import emit_json, format_option, resolve_format

__all__ = ["export", "stages", "suggest_tags"]

_NOTEBOOK = click.Path(dir_okay=False, path_type=Path)


def stage_lines(plan: Any) -> list[str]:
    """The stage graph as text (shared with the ``%promote stages`` magic)."""
    lines = []
    for spec in plan.stages:
        cells = ", ".join(str(n.cell.index) for n in spec.cells)
        inputs = ", ".join(a for a, _v in spec.inputs) or "—"
        outputs = ", ".join(a for a, _v in spec.outputs) or "—"
        params = f"  params: {', '.join(spec.params)}" if spec.params else ""
        lines.append(f"{spec.name:<12} cells {cells:<10} {inputs} → {outputs}{params}")
    if plan.params:
        lines.append("params: " + ", ".join(f"{p.name}={p.default!r} ({p.type})" for p in plan.params))
    if plan.roles:
        lines.append("roles: " + ", ".join(f"{k}={v}" for k, v in plan.roles.items()))
    lines += [f"warning: {w}" for w in plan.warnings]
    return lines


@click.command("stages")
@click.argument("notebook", type=_NOTEBOOK)
@format_option()
def stages(notebook: Path, output_format: str, json_flag: bool) -> None:
    """Show the stage graph inferred from NOTEBOOK's tags (inputs, outputs, params, roles)."""
    from ..export import plan_stages

    plan = plan_stages(notebook)
    if resolve_format(output_format, json_flag) == "json":
        emit_json(plan.to_dict())
        return
    for line in stage_lines(plan):
        click.echo(line)


@click.command("suggest-tags")
@click.argument("notebook", type=_NOTEBOOK)
@click.option("--write", is_flag=True, help="Write the proposed tags into the notebook (other tags are kept).")
@format_option()
def suggest_tags(notebook: Path, write: bool, output_format: str, json_flag: bool) -> None:
    """Propose stage tags for NOTEBOOK from what its cells do; --write applies them."""
    from ..export import apply_suggestions
    from ..export import suggest_tags as core_suggest

    suggestions = core_suggest(notebook)
    changed = apply_suggestions(notebook, suggestions) if write else 0
    if resolve_format(output_format, json_flag) == "json":
        emit_json({"notebook": str(notebook), "suggestions": [s.to_dict() for s in suggestions],
                   "written": write, "changed": changed})
        return
    for s in suggestions:
        tags = " ".join(s.tags) or "(inherits)"
        click.echo(f"cell {s.cell + 1 if s.cell is not None else '?':<4} {tags:<22} {s.reason}")
    if write:
        click.echo(f"wrote tags into {changed} cell(s) of {notebook}")
    else:
        click.echo(f"apply with: nbpromote suggest-tags {notebook} --write")


@click.command("export")
@click.argument("notebook", type=_NOTEBOOK)
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Package directory (default: <notebook dir>/<name>_pipeline).")
@click.option("--name", default=None, help="Python package name (default: from the notebook's file name).")
@click.option("--version", "version", default=None, help="Package version X.Y.Z (default: bump on change).")
@click.option("--force", is_flag=True, help="Replace a previous export of this notebook in the directory.")
@click.option("--allow-findings", is_flag=True, help="Export even if the linter reports errors.")
@click.option("--target", "targets", multiple=True, type=click.Choice(["package", "airflow", "kubeflow"]),
              help="Also write an orchestrator definition beside the package (repeatable): an Airflow DAG "
                   "file, or a Kubeflow Pipelines pipeline (compiled when kfp is installed).")
@click.option("--image", default=None, help="Container image of the Kubeflow steps (default NAME:VERSION).")
@format_option()
def export(notebook: Path, out_dir: Path | None, name: str | None, version: str | None, force: bool,
           allow_findings: bool, targets: tuple[str, ...], image: str | None, output_format: str,
           json_flag: bool) -> None:
    """Export the tagged NOTEBOOK as a pipeline package."""
    from ..export import export_notebook, write_targets

    result = export_notebook(notebook, out_dir, name=name, version=version, force=force,
                             allow_findings=allow_findings)
    orchestrators = write_targets(result, [t for t in targets if t != "package"], image=image)
    if resolve_format(output_format, json_flag) == "json":
        emit_json({**result.to_dict(), "targets": [t.to_dict() for t in orchestrators]})
        return
    for target in orchestrators:
        for warning in target.warnings:
            click.echo(f"warning: {warning}", err=True)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    bumped = f" (was {result.previous_version})" if result.previous_version not in (None, result.version) else ""
    click.echo(f"exported {result.name} {result.version}{bumped} → {result.package_dir}")
    click.echo("stages: " + " → ".join(s.name for s in result.plan.stages))
    click.echo(f"run it: cd {result.package_dir} && python -m {result.name} run")
    for target in orchestrators:
        click.echo(f"{target.target}: " + ", ".join(target.files))
