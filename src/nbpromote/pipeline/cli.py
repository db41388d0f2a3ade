"""``python -m <package>``: the command line of an exported pipeline package.

The package's ``__main__.py`` is ``nbpromote.pipeline.cli.main(PIPELINE)``. Subcommands parse
their options, make one call into the runtime (or into :mod:`nbpromote.monitor` /
:mod:`nbpromote.registry`) and render text or, with ``--json``, exactly one JSON document on
stdout. Errors become one clear message on stderr and the error's exit code, here and nowhere else.

Start-up is kept light (click + the runtime's own modules): pandas, pyarrow and scikit-learn are
imported only when a stage runs or an artifact is loaded, so a fully cached ``run`` is fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from ..errors import NbpromoteError, StageFailedError
from ._dag import Pipeline

__all__ = ["main", "make_cli"]


def _emit_json(document: Any) -> None:
    from ..cli._output import emit_json

    emit_json(document)


def _store_option(func: Any) -> Any:
    return click.option(
        "--store", default=None, metavar="PATH|URL",
        help="nbpromote home holding cache/ and runs/ (default: $NBPROMOTE_HOME or ./.nbpromote); an "
             "fsspec URL (s3://…, memory://…) keeps the cache on shared storage and run records local.",
    )(func)


def _json_option(func: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")(func)


def _summary(record: dict[str, Any]) -> str:
    ran = sum(1 for s in record["stages"] if s["status"] == "ran")
    cached = sum(1 for s in record["stages"] if s["status"] == "cached")
    return (f"run {record['run_id']}: {ran} ran, {cached} cached "
            f"({record['started_at']} → {record['finished_at']})")


def _log_line(line: str) -> None:
    """Lines of the runtime that are not stage events (the reference profile)."""
    if line.startswith("profile:"):
        click.echo(f"  {line}", err=True)


def _event_printer(*, as_json_lines: bool) -> Any:
    import json

    from ._progress import format_event

    def emit(event: dict[str, Any]) -> None:
        if as_json_lines:
            sys.stderr.write(json.dumps(event, sort_keys=True, ensure_ascii=False) + "\n")
        else:
            line = format_event(event)
            if line is not None:
                sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return emit


def make_cli(pipeline: Pipeline) -> click.Group:
    """The click group serving ``pipeline``'s subcommands (exposed for tests and embedding)."""

    @click.group(context_settings={"help_option_names": ["-h", "--help"]}, help=(
        f"Pipeline {pipeline.name} {pipeline.version} (nbpromote runtime).\n\n"
        f"Stages: {' → '.join(s.name for s in pipeline.stages)}."
    ))
    @click.version_option(pipeline.version, "-V", "--version", prog_name=pipeline.name)
    def group() -> None:
        pass

    @group.command("run")
    @click.option("--param", "param_items", multiple=True, metavar="NAME=VALUE", help="Override a parameter (repeatable).")
    @click.option("--params-file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="JSON, YAML or TOML file of parameters.")
    @click.option("--from", "from_stage", default=None, metavar="STAGE", help="Rerun STAGE and everything downstream.")
    @click.option("--only", default=None, metavar="STAGE", help="Run only STAGE (its inputs must be cached).")
    @click.option("--until", default=None, metavar="STAGE",
                  help="Bring STAGE and its upstream up to date (cache hits when unchanged).")
    @click.option("--executor", default="inprocess", show_default=True,
                  help="inprocess, process (one fresh interpreter per stage) or dask (stages as tasks of a cluster).")
    @click.option("--scheduler", default=None, metavar="ADDRESS",
                  help="Dask scheduler (tcp://HOST:PORT) for --executor dask; default: a local cluster.")
    @click.option("--force", is_flag=True, help="Rerun every stage, ignoring the cache.")
    @click.option("--events", "events", is_flag=True,
                  help="Progress as JSON lines on stderr (one event per stage start/end) instead of text lines.")
    @_store_option
    @_json_option
    def run(param_items: tuple[str, ...], params_file: Path | None, from_stage: str | None, only: str | None,
            until: str | None, executor: str, scheduler: str | None, force: bool, events: bool, store: str | None,
            as_json: bool) -> None:
        """Run the pipeline; unchanged stages are cache hits.

        Progress goes to stderr, a line per stage as it starts and ends (ran, cached or failed, the
        seconds, why it reran, an ETA from the last run); stdout holds only the summary, or with
        --json the run record.
        """
        from ._params import parse_param_args
        from ._runner import run_pipeline

        record = run_pipeline(
            pipeline, params=parse_param_args(param_items), params_file=params_file, from_stage=from_stage,
            only=only, until=until, executor=executor, scheduler=scheduler, store=store, force=force,
            log=_log_line if not events else None, stage_stdout=sys.stderr,
            on_event=_event_printer(as_json_lines=events),
        )
        if as_json:
            _emit_json(record)
        else:
            click.echo(_summary(record))

    @group.command("lineage")
    @click.argument("artifact")
    @click.option("--format", "output_format", type=click.Choice(["text", "json", "svg", "html"]), default="text",
                  show_default=True, help="svg/html: the lineage as a picture (self-contained, no scripts).")
    @_store_option
    @_json_option
    def lineage_cmd(artifact: str, output_format: str, store: str | None, as_json: bool) -> None:
        """Walk back from ARTIFACT (output name, role, hash or hash prefix) to code, data and seed."""
        from ._lineage import format_lineage, lineage

        tree = lineage(pipeline, artifact, store=store)
        fmt = "json" if as_json else output_format
        if fmt in ("svg", "html"):
            from ._graph_svg import render_lineage_svg, svg_to_html

            svg = render_lineage_svg(tree)
            click.echo(svg if fmt == "svg" else svg_to_html(svg, title=f"{pipeline.name}: lineage of {artifact}"), nl=False)
        else:
            _emit_json(tree) if fmt == "json" else click.echo(format_lineage(tree))

    @group.command("status")
    @click.option("--format", "output_format", type=click.Choice(["text", "json", "svg", "html"]), default="text",
                  show_default=True, help="svg/html: the stage graph coloured by the last run's status.")
    @_store_option
    @_json_option
    def status_cmd(output_format: str, store: str | None, as_json: bool) -> None:
        """Last run, cache state of every stage, and the roles' artifacts."""
        from ._lineage import format_status, last_run_status, pipeline_status
        from ._store import ArtifactStore

        fmt = "json" if as_json else output_format
        if fmt in ("svg", "html"):
            from ._graph_svg import render_stage_graph_svg, svg_to_html

            svg = render_stage_graph_svg(pipeline, status=last_run_status(ArtifactStore(store), pipeline))
            click.echo(svg if fmt == "svg" else svg_to_html(svg, title=f"pipeline {pipeline.name}"), nl=False)
            return
        status = pipeline_status(pipeline, store=store)
        _emit_json(status) if fmt == "json" else click.echo(format_status(status))

    from ._commands import add_integration_commands

    add_integration_commands(group, pipeline, _store_option, _json_option, _emit_json)
    return group


def _report_failure(error: StageFailedError, prog: str, as_json: bool) -> None:
    if as_json:
        _emit_json(error.to_dict())
    click.echo(f"{prog}: error: {error}", err=True)
    inputs = getattr(error, "inputs", {}) or {}
    if inputs:
        click.echo("inputs:", err=True)
        for name, digest in inputs.items():
            click.echo(f"  {name}  {digest}", err=True)
    text = getattr(error, "traceback", "")
    if text:
        click.echo("stage traceback (most recent call last):", err=True)
        click.echo(text.rstrip(), err=True)
    run_id = getattr(error, "run_id", None)
    if run_id:
        click.echo(f"run record: {run_id} (status failed)", err=True)


def main(pipeline: Pipeline, argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m <package>``: serve ``pipeline``'s subcommands.

    Parameters
    ----------
    pipeline : Pipeline
        The package's ``PIPELINE``.
    argv : sequence of str or None, default=None
        Arguments without the program name; None reads ``sys.argv[1:]``.

    Notes
    -----
    Exits with 0 on success, 1 when a stage failed or a check found problems, 2 on bad usage or
    unreadable input (see the exit codes in docs/architecture.md).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    prog = pipeline.name
    as_json = "--json" in args or "--format=json" in " ".join(args) or ("--format" in args and "json" in args)

    def render_error(error: NbpromoteError) -> None:
        if isinstance(error, StageFailedError):
            _report_failure(error, prog, as_json)
            return
        if as_json:
            _emit_json(error.to_dict())
        click.echo(f"{prog}: error: {error}", err=True)

    from ..cli import run_command

    run_command(make_cli(pipeline), args, f"python -m {prog}", render_error=render_error)
