"""``nbpromote lint``: parse, call :func:`nbpromote.lint.lint_paths`, render."""

from __future__ import annotations

from pathlib import Path

import click

from ._output import emit_json

FORMATS = ("text", "json", "sarif")


@click.command(name="lint")
@click.argument("notebooks", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people, json (the versioned contract) or sarif (SARIF 2.1.0 for code review).")
@click.option("--json", "json_flag", is_flag=True, default=False, help="Shorthand for --format json.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True,
              help="Exit 1 when a finding is at or above this severity.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="A progress bar on stderr while many files are linted (terminal and text output only).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="pyproject.toml to read [tool.nbpromote.lint] from (default: the nearest).")
def lint(notebooks: tuple[Path, ...], output_format: str, json_flag: bool, fail_on: str, progress: bool,
         config_path: Path | None) -> None:
    """Find data leakage and notebook hazards in NOTEBOOKS (.ipynb, .py or directories).

    \b
    Exit codes: 0 no findings at or above --fail-on, 1 findings, 2 bad usage or a missing file.
    A file that is not a readable notebook is reported as a syntax-error finding (exit 1).
    """
    from ..lint import LintConfig, lint_paths, to_sarif, to_text
    from ._progress import FileProgress, command_mode

    config = LintConfig.from_pyproject(config_path) if config_path else None
    output_format = "json" if json_flag else output_format
    # A bar on a terminal only: a log gets no line per file, and machine formats stay silent.
    drawn = command_mode(progress, output_format != "text") == "bar" and output_format == "text"
    with FileProgress(drawn) as bar:
        report = lint_paths(notebooks, config=config, progress=bar)
    if output_format == "json":
        emit_json(report.to_dict())
    elif output_format == "sarif":
        emit_json(to_sarif(report))
    else:
        click.echo(to_text(report))
    code = report.exit_code(fail_on)
    if code:
        raise SystemExit(code)
