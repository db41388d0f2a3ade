"""``%promote registry [MODEL] [--db PATH]``: what is live in the registry, shown in the notebook."""

from __future__ import annotations

import argparse
import html
from typing import Any

from ..errors import UsageError

__all__ = ["registry", "LiveView"]


class LiveView:
    """What is live: one row per model (or the versions of one model); renders as text and HTML."""

    def __init__(self, title: str, header: list[str], rows: list[list[Any]]) -> None:
        self.title, self.header, self.rows = title, header, rows

    def __repr__(self) -> str:
        cells = [[str(c) if c is not None else "-" for c in r] for r in [self.header, *self.rows]]
        widths = [max(len(r[i]) for r in cells) for i in range(len(self.header))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
        return "\n".join([self.title, *lines]) if self.rows else f"{self.title}\n(nothing registered)"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c) if c is not None else '-')}</td>" for c in r)
                       + "</tr>" for r in self.rows)
        return (f"<div class='nbpromote-registry'><b>{html.escape(self.title)}</b>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%promote registry", add_help=False)
    parser.add_argument("model", nargs="?")
    parser.add_argument("--db", default=None)
    return parser


def registry(shell: Any, args: list[str]) -> LiveView:
    """Show the live version of every model, or of MODEL with its versions, approvals and aliases."""
    try:
        ns, extra = _parser().parse_known_args(args)
    except SystemExit:
        raise UsageError("%promote registry: bad arguments.", hint="Usage: %promote registry [MODEL] [--db PATH]") from None
    if extra:
        raise UsageError(f"%promote registry: unexpected {' '.join(extra)}.",
                         hint="Usage: %promote registry [MODEL] [--db PATH]")
    from ..errors import RegistryUnavailableError
    from ..registry import open_registry

    try:
        reg = open_registry(ns.db, create=False)
    except RegistryUnavailableError as error:
        if getattr(error, "cause", None) != "missing" or ns.model is not None:
            raise
        return LiveView(f"No registry at {error.fields.get('path')}", ["model", "live", "versions", "updated"], [])
    try:
        if ns.model is None:
            models = reg.models()
            return LiveView(f"Registry {getattr(reg, 'path', '')}", ["model", "live", "versions", "updated"],
                            [[m["name"], f"v{m['live']}" if m["live"] else None, m["versions"], m["updated_at"]]
                             for m in models])
        live = reg.live(ns.model)
        rows = []
        for v in reg.versions(ns.model):
            approvers = ", ".join(a["actor"] for a in v.approvals) or None
            rows.append([f"v{v.version}", v.stage, ", ".join(v.aliases) or None, approvers, v.created_by,
                         v.artifact_hash[:19] + "…"])
        title = f"{ns.model}: live " + (f"v{live.version} (approved by {', '.join(a['actor'] for a in live.approvals) or '-'})"
                                        if live else "none")
        target = reg.rollback_target(ns.model) if hasattr(reg, "rollback_target") else None
        title += f"; rollback → v{target.version}" if target else "; nothing to roll back to"
        return LiveView(title, ["version", "stage", "aliases", "approved by", "registered by", "artifact"], rows)
    finally:
        reg.close()
