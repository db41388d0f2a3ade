"""``%promote seed|track|env|status|save``: parse, call the capture session once, return a view."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["seed", "track", "env", "status", "save", "notebook_path"]


def _session(shell: Any) -> Any:
    from ..capture.kernel import get_session

    return get_session(shell)


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError (shown as one line) instead of exiting the kernel."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise UsageError(f"%{self.prog}: {message}.", hint=f"Usage: %{self.format_usage().strip()[7:]}")


def seed(shell: Any, args: list[str]) -> str:
    """``%promote seed N``: set and record every seed; says which libraries were seeded."""
    if len(args) != 1:
        raise UsageError("%promote seed takes exactly one integer.", hint="Example: %promote seed 42")
    record = _session(shell).seed(args[0])
    lines = [f"Seeded {', '.join(record.libraries)} with {record.seed}; PYTHONHASHSEED={record.pythonhashseed} recorded."]
    lines += [f"  note: {note}" for note in record.notes]
    return _Text("\n".join(lines))


def track(shell: Any, args: list[str]) -> Any:
    """``%promote track NAME [NAME…]``: hash DataFrames, Series, arrays or file paths in variables."""
    if not args:
        raise UsageError("%promote track needs at least one variable name.", hint="Example: %promote track df X_train")
    entries = _session(shell).track(shell.user_ns, list(args))
    lines = []
    for name, entry in entries.items():
        shape = entry.get("shape") or entry.get("size")
        lines.append(f"{name}: {entry['kind']} {shape} {entry['hash']}" + (f" ({entry['note']})" if "note" in entry else ""))
    return _Text("\n".join(lines))


def env(shell: Any, args: list[str]) -> Any:
    """``%promote env [--lock FILE] [--force]``: record the environment and write a pinned lock."""
    parser = _Parser(prog="promote env", add_help=False)
    parser.add_argument("--lock", default="requirements.lock")
    parser.add_argument("--no-lock", action="store_true")
    parser.add_argument("--force", action="store_true")
    options = parser.parse_args(args)
    session = _session(shell)
    lock = None if options.no_lock else options.lock
    environment = session.capture_environment(lock=lock, force=options.force)
    from ..capture import git_state

    git = git_state(Path.cwd())
    where = f"git {git['commit'][:12]}{' (dirty)' if git['dirty'] else ''}" if git["commit"] else f"no git commit: {git['reason']}"
    text = (
        f"Python {environment['python']} on {environment['platform']}; "
        f"{len(environment['packages'])} distributions; lock {environment['lock_hash']}"
        + (f" written to {lock}" if lock else "") + f"; {where}."
    )
    return _Text(text)


def status(shell: Any, args: list[str]) -> Any:
    """``%promote status``: what has been captured (HTML in Jupyter, text elsewhere)."""
    if args:
        raise UsageError("%promote status takes no arguments.")
    from ..widgets.provenance import ProvenanceStatus

    return ProvenanceStatus(_session(shell).summary())


def notebook_path(shell: Any, given: str | None = None) -> Path:
    """The notebook file of this kernel: the argument, else what VS Code / jupyter_server tell us."""
    if given:
        return Path(given)
    candidates = [shell.user_ns.get("__vsc_ipynb_file__"), os.environ.get("JPY_SESSION_NAME")]
    for candidate in candidates:
        if candidate and str(candidate).endswith(".ipynb") and Path(candidate).exists():
            return Path(candidate)
    raise UsageError(
        "%promote save cannot tell which notebook this kernel belongs to.",
        hint="Pass its path: %promote save my_notebook.ipynb",
    )


def save(shell: Any, args: list[str]) -> Any:
    """``%promote save [NOTEBOOK]``: write the manifest into the notebook file and beside it."""
    if len(args) > 1:
        raise UsageError("%promote save takes at most one notebook path.")
    from ..capture import save_manifest
    from ..notebook import notebook_hash, read_notebook

    target = notebook_path(shell, args[0] if args else None)
    nb = read_notebook(target)
    manifest = _session(shell).to_manifest(notebook=target, notebook_hash=notebook_hash(nb))
    notebook, sidecar = save_manifest(manifest, target)
    return _Text(
        f"Manifest saved in {notebook} (metadata.nbpromote.manifest) and {sidecar}. "
        "If the notebook is open in JupyterLab, reload it from disk before saving there."
    )


class _Text(str):
    """A message that IPython shows without quotes."""

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))
