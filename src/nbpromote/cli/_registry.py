"""``nbpromote registry …`` and ``nbpromote audit …``: parse, one core call, render.

Every subcommand takes ``--db PATH`` (else ``$NBPROMOTE_REGISTRY``, the pyproject setting or
``.nbpromote/registry.db``) and ``--format json`` / ``--json`` (one JSON document on stdout).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import GateRejectedError, UsageError
from ..registry._gate import margin_text
from ._output import emit_json, format_option, resolve_format

__all__ = ["registry", "audit"]


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    func = format_option()(func)
    func = click.option("--db", type=click.Path(dir_okay=False), default=None,
                        help="Registry: a SQLite file or a postgresql:// URL (default: $NBPROMOTE_REGISTRY, pyproject, "
                             ".nbpromote/registry.db).")(func)
    return func


def _actor(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--actor", default=None, help="Who acts (default: $NBPROMOTE_ACTOR or the OS user).")(func)


def _open(db: str | None, *, create: bool = False) -> Any:
    # Only commands that write may create a registry; looking must not leave a .nbpromote/ behind.
    from ..registry import open_registry

    return open_registry(db, create=create)


def _json_arg(value: str | None, what: str) -> Any:
    """A JSON document given inline or as a file path."""
    if value is None:
        return None
    path = Path(value)
    if not value.lstrip().startswith(("{", "[")) and path.exists():
        from .._io import read_json

        return read_json(path)
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--{what} {value!r} is neither an existing JSON file nor inline JSON ({exc.msg}).",
                         hint=f"Pass --{what} metrics.json or --{what} '{{\"accuracy\": 0.9}}'.") from None


def _pairs(values: tuple[str, ...], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--{what} {item!r} is not KEY=VALUE.")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


def _table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [[str(c) if c is not None else "-" for c in row] for row in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells)


def _version_text(mv: Any) -> str:
    lines = [f"{mv.name} v{mv.version}  [{mv.stage}]" + (f"  aliases: {', '.join(mv.aliases)}" if mv.aliases else ""),
             f"  artifact: {mv.artifact_hash} ({mv.artifact_format}, {mv.artifact_size} bytes)",
             f"  created:  {mv.created_at} by {mv.created_by}",
             f"  holdout:  {mv.holdout_hash or '-'} ({mv.holdout_rows or '?'} rows)",
             "  metrics:  " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                        for k, v in sorted(mv.metrics.items()))]
    if mv.approvals:
        lines.append("  approved: " + ", ".join(f"{a['actor']} ({a['at']})" for a in mv.approvals))
    return "\n".join(lines)


def _transition_text(t: Any) -> str:
    move = f"{t.from_stage or ''}→{t.to_stage}" if t.to_stage else (f"alias {t.alias}" if t.alias else "")
    line = f"{t.at}  #{t.id:<4} {t.kind:<9} v{t.version if t.version is not None else '-':<4} {move:<22} {t.actor}: {t.reason}"
    failures = (t.evidence.get("gate") or {}).get("failures") if isinstance(t.evidence, dict) else None
    if t.kind == "rejected" and failures:
        line += "".join(f"\n{'':<36}refused: {f}" for f in failures)  # the numbers stay with the refusal
    margin = margin_text(t.evidence.get("gate")) if t.kind == "promote" and isinstance(t.evidence, dict) else None
    if margin:
        line += f"\n{'':<36}gate: {margin}"
    attached = t.evidence.get("attached") if isinstance(t.evidence, dict) else None
    if isinstance(attached, dict):
        line += f"\n{'':<36}evidence: {evidence_text(attached)}"
    return line


def evidence_text(doc: dict[str, Any]) -> str:
    """One line for attached promotion evidence: its kind, and for shadow evidence the numbers."""
    text = str(doc.get("kind"))
    if doc.get("kind") == "nbpromote.shadow_evidence":
        version = doc.get("shadow")
        agreement = (doc.get("agreement") or {}).get(str(version)) or {}
        parts = [f"shadow v{version} vs champion v{doc.get('champion')}"]
        if agreement.get("rows"):
            parts.append(f"agreement {agreement.get('agreement', 0):.1%} over {agreement['rows']} rows")
        feedback = doc.get("feedback") or {}
        for who, ver in (("shadow", version), ("champion", doc.get("champion"))):
            est = feedback.get(str(ver)) or {}
            if est:
                nums = ", ".join(f"{k} {est[k]:.4f}" for k in ("accuracy", "roc_auc") if isinstance(est.get(k), float))
                parts.append(f"{who} on {est.get('labelled_rows')} labelled rows: {nums}")
        text += " (" + "; ".join(parts) + ")"
    return text


# --- registry ---------------------------------------------------------------------------------------
@click.group(name="registry")
def registry() -> None:
    """Model registry: what is live, who approved it, what to roll back to."""


@registry.command(name="list")
@_common
def list_(db: str | None, output_format: str, json_flag: bool) -> None:
    """List the registered models and their live versions."""
    from ..errors import RegistryUnavailableError

    try:
        models = _open(db).models()
    except RegistryUnavailableError as error:
        if getattr(error, "cause", None) != "missing":
            raise
        models = []
    if resolve_format(output_format, json_flag) == "json":
        emit_json({"models": models})
        return
    if not models:
        click.echo("No models registered.")
        return
    click.echo(_table([[m["name"], m["versions"], f"v{m['live']}" if m["live"] else None, m["updated_at"]]
                       for m in models], ["MODEL", "VERSIONS", "LIVE", "UPDATED"]))


@registry.command()
@click.argument("model")
@click.argument("version", required=False)
@click.option("--at", "when", default=None, help="Show what was live at this time (ISO-8601).")
@_common
def show(model: str, version: str | None, when: str | None, db: str | None, output_format: str,
         json_flag: bool) -> None:
    """Show a model (live version, aliases, versions) or one VERSION in full."""
    reg = _open(db)
    as_json = resolve_format(output_format, json_flag) == "json"
    if when is not None:
        mv = reg.live_at(model, when)
        if as_json:
            emit_json({"model": model, "at": when, "live": mv.to_dict() if mv else None})
        else:
            click.echo(f"{model} at {when}: " + (f"v{mv.version}" if mv else "nothing live"))
        return
    if version is not None:
        mv = reg.get(model, version)
        emit_json(mv.to_dict()) if as_json else click.echo(_version_text(mv))
        return
    live, versions, aliases = reg.live(model), reg.versions(model), reg.aliases(model)
    target = reg.rollback_target(model) if hasattr(reg, "rollback_target") else None
    if as_json:
        emit_json({"model": model, "live": live.to_dict() if live else None, "aliases": aliases,
                   "rollback_to": target.version if target else None, "versions": [v.to_dict() for v in versions]})
        return
    approved = ", ".join(a["actor"] for a in live.approvals) if live and live.approvals else ""
    click.echo(f"{model}: live " + (f"v{live.version}" if live else "none")
               + (f" (approved by {approved})" if approved else "")
               + (f"; rollback → v{target.version}" if target else "; nothing to roll back to")
               + ("; aliases: " + ", ".join(f"{a}=v{v}" for a, v in aliases.items()) if aliases else ""))
    click.echo(_table([[f"v{v.version}", v.stage, ",".join(v.aliases), v.created_by, v.created_at,
                        v.artifact_hash[:19] + "…"] for v in versions],
                      ["VERSION", "STAGE", "ALIASES", "BY", "CREATED", "ARTIFACT"]))


@registry.command()
@click.argument("model")
@click.argument("artifact", type=click.Path(dir_okay=False))
@click.option("--metrics", required=True, help="Metrics JSON (file or inline): a flat dict of numbers.")
@click.option("--lineage", default=None, help="Lineage manifest JSON (file or inline).")
@click.option("--holdout-hash", default=None, help="Hash of the frozen holdout the metrics come from.")
@click.option("--holdout-rows", type=int, default=None, help="Rows in that holdout.")
@click.option("--param", "params", multiple=True, help="KEY=VALUE training parameter (repeatable).")
@click.option("--tag", "tags", multiple=True, help="KEY=VALUE tag (repeatable).")
@_actor
@_common
def register(model: str, artifact: str, metrics: str, lineage: str | None, holdout_hash: str | None,
             holdout_rows: int | None, params: tuple[str, ...], tags: tuple[str, ...], actor: str | None,
             db: str | None, output_format: str, json_flag: bool) -> None:
    """Register ARTIFACT (a saved model file) as a new version of MODEL."""
    holdout = None
    if holdout_hash is not None:
        holdout = {"hash": holdout_hash, **({"rows": holdout_rows} if holdout_rows else {})}
    elif holdout_rows is not None:
        raise UsageError("--holdout-rows needs --holdout-hash (the gate compares only the same frozen holdout).")
    mv = _open(db, create=True).register(model, artifact, metrics=_json_arg(metrics, "metrics"),
                            lineage=_json_arg(lineage, "lineage") or {}, params=_pairs(params, "param"),
                            tags=_pairs(tags, "tag"), holdout=holdout, actor=actor)
    if resolve_format(output_format, json_flag) == "json":
        emit_json(mv.to_dict())
    else:
        click.echo(f"Registered {model} v{mv.version} ({mv.artifact_hash}).")


@registry.command()
@click.argument("model")
@click.argument("version")
@click.option("-m", "--reason", required=True, help="Why (kept in the history and the audit log).")
@click.option("--metric", default=None, help="Primary metric (default roc_auc, else accuracy).")
@click.option("--delta", type=float, default=None, help="Required improvement (default: the holdout noise).")
@click.option("--guardrail", "guardrails", multiple=True,
              help="e.g. 'p99_latency_ms<=50', 'accuracy[sex=*]>=0.7', 'gap(accuracy[sex])<=0.05' (repeatable).")
@click.option("--lower-is-better", is_flag=True, default=False, help="The metric is a loss/error.")
@click.option("--approve", is_flag=True, default=False, help="Also approve (enough for a slot's first model).")
@click.option("--evidence", "evidence_file", default=None, metavar="FILE.json",
              help="Extra evidence recorded with the promotion (a JSON object with a \"kind\", e.g. the "
                   "service's GET /admin/shadow document); the gate still decides on holdout metrics.")
@_actor
@_common
def promote(model: str, version: str, reason: str, metric: str | None, delta: float | None,
            guardrails: tuple[str, ...], lower_is_better: bool, approve: bool, evidence_file: str | None,
            actor: str | None, db: str | None, output_format: str, json_flag: bool) -> None:
    """Promote VERSION of MODEL to Production through the champion/challenger gate (exit 1 if refused)."""
    as_json = resolve_format(output_format, json_flag) == "json"
    from ..registry import load_evidence, parse_guardrail

    for text in guardrails:  # bad usage is reported before the registry is opened
        parse_guardrail(text)
    evidence = load_evidence(evidence_file) if evidence_file else None
    try:
        transition = _open(db).promote(model, version, metric=metric, delta=delta, guardrails=list(guardrails) or None,
                                       reason=reason, actor=actor, approve=approve,
                                       higher_is_better=False if lower_is_better else None, evidence=evidence)
    except GateRejectedError as error:
        if as_json:
            emit_json({"promoted": False, "model": model, "version": version, "message": str(error),
                       "gate": error.gate.to_dict() if hasattr(error, "gate") else None})
        else:
            gate = getattr(error, "gate", None)
            for check in getattr(gate, "guardrails", []):
                click.echo(f"  {'ok  ' if check['passed'] else 'FAIL'} {check['guardrail']}: {check['detail']}")
        raise
    gate = transition.evidence.get("gate", {})
    if as_json:
        emit_json({"promoted": True, **transition.to_dict()})
        return
    click.echo(f"Promoted {model} v{transition.version} to Production.")
    if gate.get("champion"):
        click.echo(f"  {gate['metric']}: {gate['challenger']['value']:.4f} vs v{gate['champion']['version']} "
                   f"{gate['champion']['value']:.4f} (improvement {gate['improvement']:+.4f} > δ {gate['delta']:.4f})")


@registry.command()
@click.argument("model")
@click.argument("version")
@click.option("-m", "--reason", required=True, help="Why you approve.")
@_actor
@_common
def approve(model: str, version: str, reason: str, actor: str | None, db: str | None, output_format: str,
            json_flag: bool) -> None:
    """Approve VERSION of MODEL for Production."""
    t = _open(db).approve(model, version, actor=actor, reason=reason)
    emit_json(t.to_dict()) if resolve_format(output_format, json_flag) == "json" else \
        click.echo(f"{t.actor} approved {model} v{t.version}.")


@registry.command()
@click.argument("model")
@click.option("-m", "--reason", required=True, help="Why you roll back.")
@click.option("--to", "to", default=None, help="An explicit earlier Production version.")
@_actor
@_common
def rollback(model: str, reason: str, to: str | None, actor: str | None, db: str | None, output_format: str,
             json_flag: bool) -> None:
    """Re-point Production of MODEL to the previous Production version."""
    t = _open(db).rollback(model, reason=reason, actor=actor, to=to)
    if resolve_format(output_format, json_flag) == "json":
        emit_json(t.to_dict())
    else:
        came_from = t.evidence.get("from_version")
        click.echo(f"Rolled back {model}: v{came_from if came_from is not None else '-'} → v{t.version} (Production).")


@registry.command()
@click.argument("model")
@click.argument("version")
@click.argument("stage", type=click.Choice(["Staging", "Archived", "None"], case_sensitive=False))
@click.option("-m", "--reason", required=True, help="Why.")
@_actor
@_common
def transition(model: str, version: str, stage: str, reason: str, actor: str | None, db: str | None,
               output_format: str, json_flag: bool) -> None:
    """Move VERSION of MODEL to Staging, Archived or None."""
    t = _open(db).transition(model, version, stage, reason=reason, actor=actor)
    emit_json(t.to_dict()) if resolve_format(output_format, json_flag) == "json" else \
        click.echo(f"{model} v{t.version}: {t.from_stage} → {t.to_stage}.")


@registry.command()
@click.argument("model")
@click.option("--kind", "kinds", multiple=True, help="Only these kinds (register, promote, rollback, …).")
@_common
def history(model: str, kinds: tuple[str, ...], db: str | None, output_format: str, json_flag: bool) -> None:
    """Every transition of MODEL: who, when, why, with the evidence."""
    events = _open(db).history(model, kinds=tuple(kinds) or None)
    if resolve_format(output_format, json_flag) == "json":
        emit_json({"model": model, "history": [t.to_dict() for t in events]})
        return
    for t in events:
        click.echo(_transition_text(t))


@registry.command()
@click.argument("model")
@click.argument("alias", required=False)
@click.argument("version", required=False)
@click.option("--delete", is_flag=True, default=False, help="Remove ALIAS.")
@click.option("-m", "--reason", default="alias set", help="Why.")
@_actor
@_common
def alias(model: str, alias: str | None, version: str | None, delete: bool, reason: str, actor: str | None,
          db: str | None, output_format: str, json_flag: bool) -> None:
    """List MODEL's aliases, point ALIAS at VERSION, or --delete it."""
    reg = _open(db)
    if alias and delete:
        reg.delete_alias(model, alias, reason=reason, actor=actor)
    elif alias and version:
        reg.set_alias(model, alias, version, reason=reason, actor=actor)
    elif alias:
        raise UsageError(f"alias {alias}: give a VERSION to point it at, or --delete.")
    aliases = reg.aliases(model)
    if resolve_format(output_format, json_flag) == "json":
        emit_json({"model": model, "aliases": aliases})
    else:
        click.echo("\n".join(f"{a} -> v{v}" for a, v in aliases.items()) or "No aliases.")


@registry.command()
@click.argument("model")
@click.option("--metric", default=None, help="Default primary metric of the gate.")
@click.option("--delta", type=float, default=None, help="Default required improvement.")
@click.option("--guardrail", "guardrails", multiple=True, help="Default guardrails (repeatable).")
@click.option("--lower-is-better/--higher-is-better", default=None, help="Direction of the metric.")
@click.option("--second-approver/--no-second-approver", default=None,
              help="Require an approver other than the registrant.")
@_actor
@_common
def configure(model: str, metric: str | None, delta: float | None, guardrails: tuple[str, ...],
              lower_is_better: bool | None, second_approver: bool | None, actor: str | None, db: str | None,
              output_format: str, json_flag: bool) -> None:
    """Set MODEL's default gate and approval policy."""
    config = _open(db).configure(model, metric=metric, delta=delta, guardrails=list(guardrails) or None,
                                 higher_is_better=None if lower_is_better is None else not lower_is_better,
                                 require_second_approver=second_approver, actor=actor)
    emit_json({"model": model, "config": config}) if resolve_format(output_format, json_flag) == "json" else \
        click.echo(f"{model}: {json.dumps(config, sort_keys=True)}")


@registry.command()
@click.option("--from", "source", required=True, help="Source registry: a SQLite path, sqlite:///PATH or postgresql://…")
@click.option("--to", "destination", required=True, help="Destination registry (empty): postgresql://… or a SQLite path.")
@click.option("--from-checkpoints", default=None, help="The source's checkpoint directory/URL (default: its usual place).")
@click.option("--to-checkpoints", default=None, help="Where the destination keeps checkpoints (directory or fsspec URL).")
@click.option("--to-artifacts", default=None, help="The destination's artifact store (default: $NBPROMOTE_HOME for PostgreSQL).")
@_actor
@format_option()
def migrate(source: str, destination: str, from_checkpoints: str | None, to_checkpoints: str | None,
            to_artifacts: str | None, actor: str | None, output_format: str, json_flag: bool) -> None:
    """Move a registry with its history and audit chains to another database, then verify it there."""
    from ..registry._migrate import migrate_registry

    summary = migrate_registry(
        source, destination, actor=actor,
        source_options={"checkpoint_dir": from_checkpoints} if from_checkpoints else None,
        destination_options={k: v for k, v in (("checkpoint_dir", to_checkpoints), ("artifact_root", to_artifacts))
                             if v} or None)
    if resolve_format(output_format, json_flag) == "json":
        emit_json(summary)
        return
    rows = summary["rows"]
    click.echo(f"Migrated {rows.get('models', 0)} models, {rows.get('versions', 0)} versions, "
               f"{rows.get('transitions', 0)} transitions and {rows.get('audit_log', 0)} audit records "
               f"(+{rows.get('prediction_log', 0)} predictions) to {summary['to']}.")
    click.echo(f"Copied {summary['artifacts_copied']} artifacts and {summary['checkpoints_copied']} checkpoints; "
               f"log {summary['log_id']} kept.")
    click.echo("Destination " + summary_line(summary["verify"]))


def summary_line(result: dict[str, Any]) -> str:
    return (f"verified: {result['records_checked']} records, {result['checkpoints_checked']} signed checkpoints, "
            f"head {result['head_hash'][:16]}…")


# --- audit --------------------------------------------------------------------------------------------
@click.group(name="audit")
def audit() -> None:
    """The tamper-evident audit log: verify, read, checkpoint, prune."""


def _log(db: str | None) -> Any:
    from ..registry import open_registry

    registry = open_registry(db, create=False)
    log = getattr(registry, "audit", None)
    if log is None:
        raise UsageError(f"The {registry.backend} registry backend has no nbpromote audit log.",
                         hint="Point --db at the SQLite registry.")
    return log


@audit.command()
@click.option("--strict", is_flag=True, default=False,
              help="Fail on any record after the newest signed checkpoint (default: only on registry events).")
@click.option("--chain", type=click.Choice(["all", "audit", "prediction"]), default="all", show_default=True,
              help="Which chain: registry events, predictions, or both.")
@_common
def verify(strict: bool, chain: str, db: str | None, output_format: str, json_flag: bool) -> None:
    """Recompute the hash chains, check the signed checkpoints and the registry's rows against the log.

    Exit 1 names the first bad record (``first_bad_seq``) and why.
    """
    log = _log(db)
    if chain == "prediction":
        from ..registry.audit import AuditLog

        log = AuditLog(log.database, checkpoint_dir=log.checkpoint_dir, chain="prediction")
    result = log.verify(strict=True if strict else None, other_chains=chain == "all")
    if resolve_format(output_format, json_flag) == "json":
        emit_json(result.to_dict())
    else:
        click.echo(result.summary())
    if not result.ok:
        raise SystemExit(1)


@audit.command()
@click.option("-n", "count", type=click.IntRange(min=0), default=10, show_default=True, help="How many records.")
@click.option("--kind", default=None, help="Only records of this kind (prediction, registry.promote, …).")
@_common
def tail(count: int, kind: str | None, db: str | None, output_format: str, json_flag: bool) -> None:
    """Show the last records of the audit log."""
    records = _log(db).tail(count, kind=kind)
    if resolve_format(output_format, json_flag) == "json":
        emit_json({"records": [r.to_dict() for r in records]})
        return
    for r in records:
        click.echo(f"{r.seq:>8}  {r.at}  {r.kind:<18} {json.dumps(r.data, sort_keys=True)[:160]}")


@audit.command()
@click.option("--force", is_flag=True, default=False,
              help="Sign even though verification fails (only when the sole problem is records you trust "
                   "that lack a signature, e.g. after a failed checkpoint).")
@_common
def checkpoint(force: bool, db: str | None, output_format: str, json_flag: bool) -> None:
    """Sign the current head (outside the log) after verifying everything before it."""
    log = _log(db)
    result = log.verify(strict=False)
    if not result.ok and not force:  # a signature over a tampered log would vouch for the tampering
        from ..errors import AuditTamperedError

        raise AuditTamperedError(
            f"Refusing to sign: the audit log does not verify (record {result.first_bad_seq}: {result.reason}).",
            hint="Investigate with `nbpromote audit verify`; if the only problem is missing signatures over "
                 "records you trust, sign them with --force.", seq=result.first_bad_seq, reason=result.reason)
    cp = log.checkpoint()
    emit_json(cp.to_dict()) if resolve_format(output_format, json_flag) == "json" else \
        click.echo(f"checkpoint: size {cp.size}, head {cp.head_hash[:16]}… → {cp.path}")


@audit.command()
@click.option("--before", type=click.IntRange(min=2), default=None, help="Remove records with seq < BEFORE.")
@click.option("--keep", type=click.IntRange(min=0), default=None, help="Keep only the last N records.")
@click.option("-m", "--reason", default="retention", help="Why.")
@_actor
@_common
def prune(before: int | None, keep: int | None, reason: str, actor: str | None, db: str | None, output_format: str,
          json_flag: bool) -> None:
    """Retention: remove a verified prefix, anchored by a signed checkpoint."""
    if (before is None) == (keep is None):
        raise UsageError("audit prune needs exactly one of --before SEQ or --keep N.")
    result = _log(db).prune(before=before, keep_last=keep, reason=reason, actor=actor)
    emit_json(result.to_dict()) if resolve_format(output_format, json_flag) == "json" else \
        click.echo(f"pruned {result.removed} records (through {result.pruned_through}); {result.kept} kept.")
