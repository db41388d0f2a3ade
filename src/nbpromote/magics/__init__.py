"""``%promote``: the notebook's front door.

``%load_ext nbpromote`` registers the ``%promote`` line magic and starts capture in the kernel
(the post-run hook that records execution order). Each subcommand is a small handler in a module
per concern (``_capture``, ``_lint``, ``_export``, ``_monitor``, ``_registry``) that parses its
arguments, calls the core API once and returns something to display. Errors from the core are shown
as one readable line in the notebook, never as a traceback, and never crash the kernel.
"""

from __future__ import annotations

import importlib
import shlex
from typing import Any

__all__ = ["PromoteMagics", "load_ipython_extension", "unload_ipython_extension", "SUBCOMMANDS"]

#: subcommand -> ("module:function" relative to this package, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "seed": ("._capture:seed", "%promote seed N — set and record every seed (random, NumPy, torch)."),
    "track": ("._capture:track", "%promote track NAME [NAME…] — record content hashes of data."),
    "env": ("._capture:env", "%promote env [--lock FILE] — record the environment and write a lock."),
    "status": ("._capture:status", "%promote status — show what has been captured."),
    "save": ("._capture:save", "%promote save [NOTEBOOK] — write the manifest into the notebook and beside it."),
    "lint": ("._lint:lint", "%promote lint [--live on|off] — find leakage and notebook hazards."),
    "stages": ("._export:stages", "%promote stages — show the stage graph from the cells' tags."),
    "export": ("._export:export", "%promote export [-o DIR] [--name N] — export the pipeline package."),
    "drift": ("._monitor:drift", "%promote drift REF_DF CUR_DF — drift preview panel."),
    "registry": ("._registry:registry", "%promote registry [MODEL] — what is live in the registry."),
}


def _help_text() -> str:
    lines = ["Usage: %promote SUBCOMMAND [ARGS]", ""]
    lines += [f"  {help_}" for _target, help_ in SUBCOMMANDS.values()]
    return "\n".join(lines)


def _resolve(name: str) -> Any:
    target, _help = SUBCOMMANDS[name]
    module_name, attribute = target.split(":")
    return getattr(importlib.import_module(module_name, __name__), attribute)


def run_subcommand(shell: Any, line: str) -> Any:
    """Parse ``line`` and run the subcommand; errors are displayed, never raised into the kernel."""
    from ..errors import NbpromoteError, UsageError

    try:
        words = shlex.split(line)
    except ValueError as exc:
        return _show_error(UsageError(f"%promote {line}: {exc}."))
    if not words or words[0] in {"-h", "--help", "help"}:
        print(_help_text())
        return None
    name, args = words[0], words[1:]
    if name not in SUBCOMMANDS:
        return _show_error(
            UsageError(f"%promote {name}: unknown subcommand.", hint="Known: " + ", ".join(SUBCOMMANDS) + ".")
        )
    try:
        return _resolve(name)(shell, args)
    except NbpromoteError as error:
        return _show_error(error)
    except SystemExit:  # argparse-style parsers exit on --help / bad usage; keep the kernel alive
        return None


def _show_error(error: Exception) -> None:
    import sys

    # One readable line on stderr (red in Jupyter) instead of a traceback.
    print(f"nbpromote: {error}", file=sys.stderr)
    return None


def _magics_class() -> Any:
    from IPython.core.magic import Magics, line_magic, magics_class

    @magics_class
    class PromoteMagics(Magics):
        """The ``%promote`` line magic."""

        @line_magic
        def promote(self, line: str) -> Any:
            return run_subcommand(self.shell, line)

    return PromoteMagics


def __getattr__(name: str) -> Any:
    if name == "PromoteMagics":
        return _magics_class()
    raise AttributeError(name)


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%promote`` and start capture in this kernel."""
    ipython.register_magics(_magics_class())
    from ..capture import kernel as capture_kernel

    capture_kernel.install(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from ..capture import kernel as capture_kernel

    capture_kernel.uninstall(ipython)
