"""``nbpromote monitor``, ``nbpromote profile`` and ``nbpromote validate``: parse, one core call,
render. The work is in :mod:`nbpromote.monitor`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ._output import emit_json, format_option, resolve_format

__all__ = ["monitor", "profile", "validate"]


def _write_or_echo(text: str, output: str | None, force: bool, what: str) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    from .._io import atomic_write_text

    atomic_write_text(output, text, overwrite=force)
    click.echo(f"wrote {what} to {output}", err=True)


@click.command("monitor")
@click.argument("reference", type=click.Path(dir_okay=False))
@click.argument("current", type=click.Path())
@format_option(("text", "json", "html", "prometheus"))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the report to FILE instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option("--target", default=None, help="Target column (when REFERENCE is data).")
@click.option("--prediction", default=None, help="Model-output column (when REFERENCE is data).")
@click.option("--psi-watch", type=float, default=None, help="PSI watch threshold [0.1].")
@click.option("--psi-act", type=float, default=None, help="PSI act threshold [0.25].")
@click.option("--model-age-days", type=float, default=None, help="Age of the live model, in days.")
@click.option("--max-age-days", type=float, default=None, help="Retrain when the model is older.")
def monitor(reference: str, current: str, output_format: str, json_flag: bool,
            output: str | None, force: bool, target: str | None, prediction: str | None,
            psi_watch: float | None, psi_act: float | None, model_age_days: float | None,
            max_age_days: float | None) -> None:
    """Drift report of CURRENT (CSV/Parquet) against REFERENCE (CSV/Parquet or a profile .json).

    CURRENT may be a directory of Parquet files larger than memory: it is read in record batches
    with exact counts in the reference's bins (the row-level validation gate is not run on it).

    \b
    Exit codes: 0 no retrain needed; 1 the retrain policy fired (drift at
    'act', a sustained SLO breach or staleness) — the report says which;
    2 bad usage or unreadable input.
    """
    from ..monitor import drift_report

    thresholds: dict[str, Any] = {}
    if psi_watch is not None:
        thresholds["psi_watch"] = psi_watch
    if psi_act is not None:
        thresholds["psi_act"] = psi_act
    report = drift_report(
        Path(reference), Path(current), thresholds=thresholds or None, target=target,
        prediction=prediction, model_age=model_age_days, max_age=max_age_days,
    )
    fmt = resolve_format(output_format, json_flag)
    if fmt == "json" and output is None:
        emit_json(report.to_dict())
    elif fmt == "json":
        import json

        from .._io import _clean_floats, _json_default

        plain = _clean_floats(json.loads(json.dumps(report.to_dict(), default=_json_default)))
        _write_or_echo(json.dumps(plain, indent=2, sort_keys=True), output, force, "JSON report")
    elif fmt == "html":
        _write_or_echo(report.to_html(), output, force, "HTML report")
    elif fmt == "prometheus":
        _write_or_echo(report.to_prometheus(), output, force, "metrics")
    else:
        _write_or_echo(report.to_text(), output, force, "report")
    sys.exit(1 if report.policy.retrain else 0)


@click.command("profile")
@click.argument("data", type=click.Path())
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Profile JSON to write [default: <DATA stem>.profile.json beside DATA].")
@click.option("--target", default=None, help="Target column.")
@click.option("--prediction", default=None, help="Model-output column.")
@click.option("--bins", type=int, default=10, show_default=True, help="Quantile bins for PSI.")
@click.option("--force", is_flag=True, help="Overwrite an existing profile with other content.")
@format_option()
def profile(data: str, output: str | None, target: str | None, prediction: str | None, bins: int,
            force: bool, output_format: str, json_flag: bool) -> None:
    """Build a reference profile (kilobytes of JSON) from training DATA (CSV/Parquet).

    DATA may be a directory of Parquet files larger than memory: it is profiled in two passes of
    record batches in bounded memory (bin edges from quantile sketches, exact counts).
    """
    from ..monitor import profile as build
    from ..monitor import profile_dataset, read_frame

    source = Path(data)
    if source.is_dir():
        prof = profile_dataset(source, target=target, prediction=prediction, bins=bins)
    else:
        prof = build(read_frame(source), target=target, prediction=prediction, bins=bins)
    path = Path(output) if output else source.with_name(f"{source.stem}.profile.json")
    prof.save(path, force=force)
    if resolve_format(output_format, json_flag) == "json":
        emit_json({"profile": str(path), "rows": prof.rows, "bytes": path.stat().st_size,
                   "columns": {name: col["kind"] for name, col in prof.columns.items()}})
        return
    kinds: dict[str, list[str]] = {}
    for name, col in prof.columns.items():
        kinds.setdefault(col["kind"], []).append(name)
    click.echo(f"wrote {path} ({path.stat().st_size / 1024:.1f} KiB): {prof.rows} rows, "
               f"{len(prof.columns)} columns")
    for kind, names in sorted(kinds.items()):
        click.echo(f"  {kind}: {', '.join(names)}")


@click.command("validate")
@click.argument("profile_path", metavar="PROFILE", type=click.Path(dir_okay=False))
@click.argument("batch", type=click.Path(dir_okay=False))
@click.option("--quarantine", type=click.Path(file_okay=False), default=None,
              help="Directory for the rejected batch or rows, with the reason beside them.")
@click.option("--policy", type=click.Choice(["batch", "rows"]), default="batch", show_default=True,
              help="Quarantine the whole batch, or only the bad rows.")
@click.option("--range-margin", type=float, default=0.25, show_default=True,
              help="Allowed overshoot of the reference range, as a fraction of its span.")
@click.option("--null-margin", type=float, default=0.1, show_default=True,
              help="Allowed rise of a column's null fraction.")
@click.option("--allow-extra", is_flag=True, help="Columns unknown to the profile are warnings.")
@format_option()
def validate(profile_path: str, batch: str, quarantine: str | None, policy: str,
             range_margin: float, null_margin: float, allow_extra: bool, output_format: str,
             json_flag: bool) -> None:
    """Check BATCH (CSV/Parquet) against PROFILE (a profile .json, or reference data).

    Exit codes: 0 the batch passed; 1 it has violations; 2 bad usage or unreadable input.
    """
    from ..monitor import read_frame, read_reference, validate_batch

    source = Path(batch)
    report = validate_batch(
        read_reference(profile_path), read_frame(source), quarantine=quarantine, policy=policy,
        range_margin=range_margin, null_margin=null_margin, allow_extra=allow_extra,
        name=source.stem,
    )
    if resolve_format(output_format, json_flag) == "json":
        emit_json(report.to_dict())
    else:
        click.echo(report.to_text())
    sys.exit(0 if report.ok else 1)
