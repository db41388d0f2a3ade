"""``nbpromote capture NB [-o OUT] [-p NAME VALUE]…``: run a notebook headless with capture on."""

from __future__ import annotations

from typing import Any

import click

from ._output import emit_json, format_option, resolve_format
from ._params import collect_parameters, parameter_options

__all__ = ["capture", "render_text"]


@click.command(name="capture")
@click.argument("notebook", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Executed notebook (default: <stem>.captured.ipynb beside NOTEBOOK).")
@parameter_options
@click.option("--cwd", type=click.Path(file_okay=False), default=None,
              help="Kernel working directory (default: the notebook's directory).")
@click.option("-k", "--kernel", "kernel_name", default=None, help="Jupyter kernel name.")
@click.option("--force", is_flag=True, help="Replace an existing output that is not an earlier capture.")
@click.option("--no-rows", "no_rows", is_flag=True,
              help="Do not track which rows reach each fit/predict/score call (the manifest's rows section).")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Per-cell progress on stderr: a bar on a terminal, plain lines in a log (none there with --json).")
@format_option()
def capture(
    notebook: str, output: str | None, parameters: tuple[tuple[str, str], ...],
    parameters_raw: tuple[tuple[str, str], ...], parameters_yaml: tuple[str, ...], parameters_file: tuple[str, ...],
    cwd: str | None, kernel_name: str | None, force: bool, no_rows: bool, progress: bool, output_format: str,
    json_flag: bool,
) -> None:
    """Execute NOTEBOOK headless (papermill) with provenance capture.

    Writes the executed notebook with its manifest in metadata.nbpromote.manifest and the same
    manifest beside it as <OUT stem>.manifest.json. This is how CI runs notebooks.
    """
    from ..capture import capture_notebook
    from ._progress import CaptureProgress, command_mode

    params = collect_parameters(parameters, parameters_raw, parameters_yaml, parameters_file)
    as_json = resolve_format(output_format, json_flag) == "json"
    with CaptureProgress(mode=command_mode(progress, as_json)) as shown:
        result = capture_notebook(notebook, output, params, cwd=cwd, force=force, kernel_name=kernel_name,
                                  track_rows=not no_rows, progress=shown)
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(render_text(result, notebook))


def render_text(result: Any, notebook: str) -> str:
    """The human summary of a :class:`~nbpromote.capture.CaptureResult`."""
    manifest = result.manifest
    seeds = manifest["seeds"]
    lines = [f"note: {note}" for note in getattr(result, "notes", [])]
    lines += [f"Executed {notebook} -> {result.notebook_path}",
             f"Manifest  {result.manifest_path}  identity {result.to_dict()['identity']}"]
    seed = f"{seeds['seed']} ({', '.join(seeds['libraries'])})" if seeds["seed"] is not None else "not set"
    lines.append(f"  seed       {seed}; unseeded cells: {len(seeds['unseeded_cells'])}")
    for cell in seeds["unseeded_cells"]:
        lines.append(f"    unseeded cell {cell['cell_id']}: {'; '.join(cell['calls'])}")
    for name, entry in manifest["data"].items():
        lines.append(f"  data       {name}: {entry['kind']} {entry['hash']}")
    env = manifest["environment"]
    lines.append(f"  env        Python {env['python']}, {len(env['packages'])} packages, lock {env['lock_hash']}")
    rows = manifest.get("rows") or {}
    if rows.get("observed"):
        leaks = [e for e in rows["evidence"] if e["kind"] == "shared-rows" and e["shared_rows"]]
        lines.append(f"  rows       {len(rows['calls'])} tracked calls; {len(leaks)} learned from rows later "
                     "evaluated (see `nbpromote lint` on the output)")
    git = manifest["git"]
    lines.append(
        f"  git        {git['commit'] or 'none'}{' (dirty)' if git['dirty'] else ''}"
        + (f" — {git['reason']}" if git.get("reason") else "")
    )
    lines.append(f"  cells run  {len(manifest['execution'])}")
    return "\n".join(lines)
