"""Package subcommands backed by :mod:`nbpromote.monitor` and :mod:`nbpromote.registry`.

Each one parses, makes one call into :mod:`._integrations` (which calls the other package's
API) and renders; exit codes follow the product's contract (0 ok, 1 the check found problems,
2 bad usage).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from ._dag import Pipeline
from ._store import ArtifactStore

__all__ = ["add_integration_commands"]


def _db_option(func: Any) -> Any:
    return click.option("--db", default=None, help="Registry database (default: $NBPROMOTE_REGISTRY, pyproject, $NBPROMOTE_HOME/registry.db).")(func)


def _actor_option(func: Any) -> Any:
    return click.option("--actor", default=None, help="Who does this (default: $NBPROMOTE_ACTOR or the OS user).")(func)


def add_integration_commands(group: click.Group, pipeline: Pipeline, store_option: Callable[..., Any],
                             json_option: Callable[..., Any], emit_json: Callable[[Any], None]) -> None:
    """Add validate, monitor, register, promote, rollback, predict and audit to ``group``."""
    from . import _integrations as api

    def show(document: Any, as_json: bool, text: str) -> None:
        emit_json(document) if as_json else click.echo(text)

    @group.command("validate")
    @click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False), help="CSV or Parquet batch.")
    @click.option("--quarantine", type=click.Path(file_okay=False), default=None, help="Write rejected rows here.")
    @click.option("--policy", type=click.Choice(["batch", "rows"]), default="batch", show_default=True,
                  help="batch: reject the batch on any error; rows: quarantine bad rows, keep the rest.")
    @click.option("--strict-columns", is_flag=True,
                  help="Columns the reference profile does not know (ids, dates) are errors, not warnings.")
    @store_option
    @json_option
    def validate(input_path: str, quarantine: str | None, policy: str, strict_columns: bool, store: str | None,
                 as_json: bool) -> None:
        """Check a batch against the latest run's reference profile (exit 1 if it fails)."""
        report = api.validate_input(pipeline, ArtifactStore(store), input_path, quarantine=quarantine, policy=policy,
                                    allow_extra=not strict_columns)
        show(report.to_dict(), as_json, report.to_text())
        sys.exit(0 if report.ok else 1)

    @group.command("monitor")
    @click.option("--current", required=True, type=click.Path(dir_okay=False), help="CSV or Parquet batch.")
    @click.option("--format", "output_format", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
    @click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write the report to a file.")
    @store_option
    @json_option
    def monitor(current: str, output_format: str, output: str | None, store: str | None, as_json: bool) -> None:
        """Drift of a current batch against the latest run's reference (exit 1 if retraining is due)."""
        report = api.monitor_current(pipeline, ArtifactStore(store), current)
        fmt = "json" if as_json else output_format
        if output is not None:
            from .._io import atomic_write_text, write_json

            write_json(output, report.to_dict()) if fmt == "json" else atomic_write_text(
                output, report.to_html() if fmt == "html" else report.to_text() + "\n")
            click.echo(f"report written to {output}")
        elif fmt == "json":
            emit_json(report.to_dict())
        else:
            click.echo(report.to_html() if fmt == "html" else report.to_text())
        sys.exit(1 if report.policy.retrain else 0)

    @group.command("register")
    @click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Extra tag (repeatable).")
    @_db_option
    @_actor_option
    @store_option
    @json_option
    def register(tags: tuple[str, ...], db: str | None, actor: str | None, store: str | None, as_json: bool) -> None:
        """Register the latest run's model with its metrics, lineage and holdout."""
        from ._params import parse_param_args

        version = api.register_latest(pipeline, ArtifactStore(store), db=db, actor=actor, tags=parse_param_args(tags))
        show(version.to_dict(), as_json, f"registered {pipeline.name} v{version.version} (artifact {version.artifact_hash})")

    @group.command("promote")
    @click.argument("version", required=False)
    @click.option("--version", "version_option", default=None, help="Same as VERSION (default: the newest registered).")
    @click.option("--reason", required=True, help="Why (kept in the history and the audit log).")
    @click.option("--metric", default=None, help="Primary metric of the gate.")
    @click.option("--delta", type=float, default=None, help="Required improvement (default: the holdout's noise).")
    @click.option("--guardrail", "guardrails", multiple=True, help="Extra guardrail, e.g. 'accuracy>=0.8' (repeatable).")
    @click.option("--approve", is_flag=True, help="Approve in the same step (when policy allows).")
    @click.option("--evidence", "evidence_file", default=None, metavar="FILE.json",
                  help="Extra evidence recorded with the promotion (a JSON object with a \"kind\", e.g. the "
                       "service's GET /admin/shadow document); the gate still decides on holdout metrics.")
    @_db_option
    @_actor_option
    @json_option
    def promote(version: str | None, version_option: str | None, reason: str, metric: str | None, delta: float | None,
                guardrails: tuple[str, ...], approve: bool, evidence_file: str | None, db: str | None,
                actor: str | None, as_json: bool) -> None:
        """Promote VERSION (default: the newest registered) through the champion/challenger gate.

        Exit 1 when the gate rejects it; the JSON error document then carries the gate's evidence.
        """
        from ..errors import UsageError
        from ..registry import load_evidence, open_registry

        if version and version_option and version != version_option:
            raise UsageError(f"Two versions given: {version} and --version {version_option}.", hint="Give one.")
        version = version or version_option
        evidence = load_evidence(evidence_file) if evidence_file else None
        registry = open_registry(db)
        try:
            if version is None:
                versions = registry.versions(pipeline.name)
                if not versions:
                    raise UsageError(f"No version of '{pipeline.name}' is registered yet.",
                                     hint=f"Register the latest run first: python -m {pipeline.name} register")
                version = str(versions[-1].version)
            transition = registry.promote(pipeline.name, version, metric=metric, delta=delta,
                                          guardrails=list(guardrails) or None, reason=reason, actor=actor,
                                          approve=approve, **({"evidence": evidence} if evidence else {}))
        finally:
            registry.close()
        show(transition.to_dict(), as_json, f"{pipeline.name}: {_describe(transition)}")

    @group.command("rollback")
    @click.option("--reason", required=True, help="Why (kept in the history and the audit log).")
    @click.option("--to", "to_version", default=None, help="Version to restore (default: the previous Production).")
    @_db_option
    @_actor_option
    @json_option
    def rollback(reason: str, to_version: str | None, db: str | None, actor: str | None, as_json: bool) -> None:
        """Put the previous Production version back."""
        from ..registry import open_registry

        registry = open_registry(db)
        try:
            extra = {"to": to_version} if to_version is not None else {}  # not every backend takes it
            transition = registry.rollback(pipeline.name, reason=reason, actor=actor, **extra)
        finally:
            registry.close()
        show(transition.to_dict(), as_json, f"{pipeline.name}: {_describe(transition)}")

    @group.command("predict")
    @click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False), help="CSV or Parquet batch.")
    @click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="CSV/Parquet to write (default: CSV on stdout).")
    @click.option("--latest", is_flag=True, help="Use the latest run's model instead of the registry's Production one.")
    @click.option("--version", "model_version", default=None, help="Registered version to use instead of Production.")
    @click.option("--force", is_flag=True, help="Overwrite --output if it exists.")
    @_db_option
    @store_option
    @json_option
    def predict(input_path: str, output: str | None, latest: bool, model_version: str | None, force: bool,
                db: str | None, store: str | None, as_json: bool) -> None:
        """Score a batch with the Production model (or --latest run's)."""
        frame, info = api.predict_file(pipeline, ArtifactStore(store), input_path, output=output, latest=latest,
                                       version=model_version, db=db, force=force)
        if as_json:
            emit_json({**info, "predictions": frame["prediction"].tolist() if output is None else None})
        elif output is None:
            click.echo(frame.to_csv(index=False), nl=False)
        else:
            click.echo(f"{info['rows']} predictions written to {output}")

    @group.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
    @click.option("--port", type=int, default=8000, show_default=True, help="Port (0: a free one).")
    @click.option("--version", "model_version", default=None,
                  help="Serve this registered version (pinned: no hot reload) instead of Production.")
    @click.option("--shadow", default=None, metavar="VERSION", help="Score every request with VERSION too, off the response path.")
    @click.option("--canary", default=None, metavar="VERSION", help="Send a share of the requests to VERSION.")
    @click.option("--share", type=float, default=0.05, show_default=True, help="The canary's share of requests.")
    @click.option("--timeout-ms", type=float, default=1000.0, show_default=True, help="Per-request model budget.")
    @click.option("--min-confidence", type=float, default=None, help="Rows scored less confidently fall back.")
    @click.option("--fallback", default="previous", show_default=True,
                  help="previous (the previous Production version), none, or rule:module:function.")
    @click.option("--reload-interval", type=float, default=2.0, show_default=True,
                  help="Seconds between checks of the registry's Production version (0: never).")
    @click.option("--log-batch", type=int, default=256, show_default=True, help="Prediction-log batch size (loss window).")
    @click.option("--log-flush-ms", type=int, default=200, show_default=True, help="Prediction-log flush interval (loss window).")
    @click.option("--log-inputs", is_flag=True, help="Keep the request rows in the prediction log, not only their hash.")
    @click.option("--stop-after", type=float, default=None, help="Stop by itself after this many seconds.")
    @_db_option
    @store_option
    def serve(host: str, port: int, model_version: str | None, shadow: str | None, canary: str | None, share: float,
              timeout_ms: float, min_confidence: float | None, fallback: str, reload_interval: float, log_batch: int,
              log_flush_ms: int, log_inputs: bool, stop_after: float | None, db: str | None,
              store: str | None) -> None:
        """Serve the Production model over HTTP (POST /predict; needs nbpromote[serve])."""
        from ..errors import MissingDependencyError

        for module in ("starlette", "uvicorn", "prometheus_client"):
            try:
                __import__(module)
            except ImportError:
                raise MissingDependencyError(module.replace("_", "-"), "serve", "The scoring service") from None
        from ..serving import LogSettings, ServeConfig
        from ..serving import serve as run_server

        config = ServeConfig(db=db, store=store, version=model_version, shadow=shadow, canary=canary, share=share,
                             timeout_ms=timeout_ms, min_confidence=min_confidence, fallback=fallback,
                             reload_interval=reload_interval,
                             log=LogSettings(db=db, batch_size=log_batch, flush_ms=log_flush_ms, store_inputs=log_inputs))
        run_server(pipeline, config, host=host, port=port, stop_after=stop_after,
                   announce=lambda line: click.echo(line, err=True))

    @group.group("audit")
    def audit() -> None:
        """Verify or read the registry's tamper-evident audit log."""

    @audit.command("verify")
    @_db_option
    @json_option
    def audit_verify(db: str | None, as_json: bool) -> None:
        """Check the hash chain; exit 1 naming the first bad record."""
        from ..registry import open_audit_log

        log = open_audit_log(db)
        try:
            result = log.verify()
        finally:
            getattr(log, "close", lambda: None)()
        text = (f"audit log ok: {result.records_checked} records" if result.ok
                else f"audit log TAMPERED at record {result.first_bad_seq}: {result.reason}")
        show(result.to_dict(), as_json, text)
        sys.exit(result.exit_code)

    @audit.command("tail")
    @click.option("-n", "count", type=int, default=10, show_default=True)
    @_db_option
    @json_option
    def audit_tail(count: int, db: str | None, as_json: bool) -> None:
        """The last N audit records."""
        from ..registry import open_audit_log

        log = open_audit_log(db)
        try:
            records = log.tail(count)
        finally:
            getattr(log, "close", lambda: None)()
        rows = [r.to_dict() for r in records]
        show({"records": rows}, as_json, "\n".join(
            f"{row['seq']:>5}  {row['at']}  {row['kind']:<12} "
            + " ".join(f"{k}={v}" for k, v in row.get("data", {}).items() if k in ("model", "name", "version", "actor", "reason", "to_stage"))
            for row in rows) or "(empty)")


def _describe(transition: Any) -> str:
    data = transition.to_dict()
    keys = ("kind", "version", "from_stage", "to_stage", "reason")
    return ", ".join(f"{k}={data[k]}" for k in keys if data.get(k) is not None)
