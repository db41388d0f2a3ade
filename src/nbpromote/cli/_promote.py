"""``nbpromote promote``: the main job (see :mod:`nbpromote._promote`)."""

from __future__ import annotations

import sys

import click

from ._output import emit_json, format_option, resolve_format
from ._params import collect_parameters, parameter_options


@click.command(name="promote")
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("-o", "--output", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Directory for the captured notebook, the package and the reports.")
@click.option("--name", default=None, help="Name of the exported package (default: from the notebook).")
@parameter_options
@click.option("--current", type=click.Path(dir_okay=False, exists=True), default=None,
              help="A batch (CSV/Parquet) to monitor for drift against the run's reference.")
@click.option("--db", "registry", type=click.Path(dir_okay=False), default=None, help="Registry database.")
@click.option("--allow-findings", is_flag=True, help="Export even when the linter reports errors.")
@click.option("--force", is_flag=True, help="Replace a previous export of this notebook in --output.")
@click.option("--no-approve", "approve", flag_value=False, default=True,
              help="Do not approve the first model of a slot (it then stays in Staging).")
@click.option("--actor", default=None, help="Who to record in the registry (default: the OS user).")
@click.option("--cwd", type=click.Path(file_okay=False), default=None,
              help="Folder the notebook's cells and the package's stages run in (default: the notebook's folder).")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Progress on stderr (capture cells, run stages): a bar on a terminal, plain lines in a log "
                   "(none there with --json).")
@format_option()
def promote(notebook: str, output: str, name: str | None, parameters: tuple[tuple[str, str], ...],
            parameters_raw: tuple[tuple[str, str], ...], parameters_yaml: tuple[str, ...], parameters_file: tuple[str, ...],
            current: str | None, registry: str | None, allow_findings: bool, force: bool,
            approve: bool, actor: str | None, cwd: str | None, progress: bool, output_format: str, json_flag: bool) -> None:
    """Capture, lint, export, run, register and monitor NOTEBOOK in one go.

    \b
    Example:
      nbpromote promote notebooks/credit_risk.ipynb --current notebooks/data/credit_drifted.csv
    """
    from .._promote import promote_notebook
    from ._progress import CaptureProgress, command_mode

    as_json = resolve_format(output_format, json_flag) == "json"
    with CaptureProgress(mode=command_mode(progress, as_json)) as shown:
        result = promote_notebook(
            notebook, output=output, name=name,
            parameters=collect_parameters(parameters, parameters_raw, parameters_yaml, parameters_file),
            current=current, registry=registry, allow_findings=allow_findings, force=force, approve=approve,
            actor=actor, cwd=cwd, echo=None if as_json else click.echo, progress=shown,
        )
    if as_json:
        emit_json(result.to_dict())
    elif result.package_dir:
        click.echo(f"package: {result.package_dir}")
    sys.exit(result.exit_code)
