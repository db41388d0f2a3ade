"""The ``nbpromote`` command: a thin front door over the core API.

Each subcommand lives in its own module (``_capture``, ``_lint``, ``_export``, ``_monitor``,
``_registry``, ``_promote``) and is imported only when it is invoked, so ``nbpromote --help`` and a
single subcommand start fast. Subcommands parse, make one core call and render; errors from the core
(:class:`~nbpromote.errors.NbpromoteError`) become one line on stderr and the error's exit code here,
in :func:`main`, and nowhere else.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from .._version import __version__
from ..errors import EXIT_USAGE, NbpromoteError

__all__ = ["main", "cli", "run_command"]

#: subcommand -> "module:attribute" (relative to nbpromote.cli); one line per command.
COMMANDS: dict[str, tuple[str, str]] = {
    "capture": ("._capture:capture", "Execute a notebook headless with provenance capture."),
    "lint": ("._lint:lint", "Find data leakage and notebook hazards."),
    "suggest-tags": ("._export:suggest_tags", "Propose stage tags for an untagged notebook."),
    "stages": ("._export:stages", "Show the stage graph inferred from a notebook's tags."),
    "export": ("._export:export", "Export a tagged notebook as a pipeline package."),
    "monitor": ("._monitor:monitor", "Drift report of a current batch against a reference."),
    "profile": ("._monitor:profile", "Build a reference profile from training data."),
    "validate": ("._monitor:validate", "Check a batch against a reference profile."),
    "registry": ("._registry:registry", "Model registry: list, register, promote, rollback …"),
    "audit": ("._registry:audit", "Verify or read the tamper-evident audit log."),
    "promote": ("._promote:promote", "Capture, lint, export, run, register and monitor a notebook."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None or name not in COMMANDS:
            return command
        target, _help = COMMANDS[name]
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name, __name__)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("nbpromote"):
                return _unavailable(name, _help)
            raise
        return getattr(module, attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help from the table, so --help imports no subcommand module.
        rows = [(name, COMMANDS[name][1]) for name in sorted(COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _unavailable(name: str, help_text: str) -> click.Command:
    @click.command(name=name, help=help_text, context_settings={"ignore_unknown_options": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def command(args: Any) -> None:
        raise NbpromoteError(f"'nbpromote {name}' is not available in this build.")

    return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="nbpromote")
def cli() -> None:
    """nbpromote: from a notebook that works to a pipeline you can trust.

    \b
    The main job, end to end:
      nbpromote promote notebooks/credit_risk.ipynb
    """


def run_command(
    command: click.Command,
    argv: list[str] | None,
    prog_name: str,
    *,
    render_error: Callable[[NbpromoteError], None] | None = None,
) -> NoReturn:
    """Run a click command and exit: the one place where errors become exit codes.

    Used by ``nbpromote`` and by every exported package's ``python -m <name>``. An
    :class:`~nbpromote.errors.NbpromoteError` is rendered (by default as one line on stderr) and
    exits with the error's ``exit_code``; click's usage errors exit 2; Ctrl-C exits 130.
    """
    try:
        command.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except NbpromoteError as error:
        if render_error is None:
            click.echo(f"{prog_name}: error: {error}", err=True)
        else:
            render_error(error)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(EXIT_USAGE if error.exit_code == 2 else error.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as error:
        # A full disk, a quota or a read-only file system while writing: one line, never a
        # traceback (the writes are atomic, so nothing is left half-written).
        import errno

        if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG):
            raise
        where = f" writing {error.filename}" if error.filename else ""
        reason = {errno.ENOSPC: "no space left on the device", errno.EDQUOT: "disk quota exceeded",
                  errno.EROFS: "the file system is read-only", errno.EFBIG: "the file is too large"}[error.errno]
        click.echo(f"{prog_name}: error: {reason}{where}; nothing was half-written. "
                   "Free some space (or choose another output) and run the command again.", err=True)
        sys.exit(EXIT_USAGE)
    sys.exit(0)


def _skip_slow_optional_imports() -> None:
    # jsonschema (under nbformat) imports the optional `rfc3987_syntax` format checker when it is
    # installed (jupyter_server's dependencies install it); that module compiles a grammar at
    # import, about 0.9 s — more than the rest of a `nbpromote lint` run. No schema nbpromote
    # validates uses the "iri" formats it checks, and jsonschema treats it as optional, so the
    # command line (never a kernel or the server) tells the import system it is absent.
    if "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``nbpromote`` command and ``python -m nbpromote``."""
    _skip_slow_optional_imports()
    run_command(cli, argv, "nbpromote")
