"""Papermill's parameter options, parsed exactly as papermill's own command line does.

One parser for ``nbpromote capture`` and ``nbpromote promote`` (and so for the pipeline run
``promote`` starts): ``-p NAME VALUE`` is typed the way papermill types it — ``True``/``False``/
``None``, then an int (``010`` is 10), then a float (``1e-3``), else the string as typed (``yes``
stays a string, ``[1, 2]`` too); ``-r NAME VALUE`` is always the raw string; ``-y YAML`` and
``-f FILE`` (YAML) give a mapping of parameters. Later options win, in papermill's order: files,
then YAML, then ``-p``, then ``-r``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

__all__ = ["resolve_type", "parameter_options", "collect_parameters"]


def resolve_type(value: str) -> Any:
    """A ``-p`` value as papermill's CLI types it.

    Examples
    --------
    >>> [resolve_type(v) for v in ("1e-3", "010", "yes", "None", "True", "[1, 2]")]
    [0.001, 10, 'yes', None, True, '[1, 2]']
    """
    if value == "True":
        return True
    if value == "False":
        return False
    if value == "None":
        return None
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


def parameter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add papermill's ``-p``, ``-r``, ``-y`` and ``-f`` options to a click command."""
    options = [
        click.option("-p", "--parameters", "--parameter", "parameters", nargs=2, multiple=True,
                     metavar="NAME VALUE", help="A parameter, typed as papermill types it (1e-3 float, 010 int, yes string)."),
        click.option("-r", "--parameters_raw", "--parameter-raw", "parameters_raw", nargs=2, multiple=True,
                     metavar="NAME VALUE", help="A parameter kept as the raw string."),
        click.option("-y", "--parameters_yaml", "--parameters-yaml", "parameters_yaml", multiple=True,
                     metavar="YAML", help="Parameters as a YAML mapping."),
        click.option("-f", "--parameters_file", "--parameters-file", "parameters_file", multiple=True,
                     type=click.Path(dir_okay=False, exists=True), metavar="FILE",
                     help="Parameters from a YAML file."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def collect_parameters(parameters: tuple[tuple[str, str], ...] = (), parameters_raw: tuple[tuple[str, str], ...] = (),
                       parameters_yaml: tuple[str, ...] = (), parameters_file: tuple[str, ...] = ()) -> dict[str, Any]:
    """The parameters of the four options, merged in papermill's order.

    Raises
    ------
    UsageError
        A YAML value or file that is not a mapping (exit code 2).
    """
    import yaml

    from ..errors import UsageError

    result: dict[str, Any] = {}
    sources = [(f"-f {name}", Path(name).read_text(encoding="utf-8")) for name in parameters_file]
    sources += [(f"-y {text!r}", text) for text in parameters_yaml]
    for where, text in sources:
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise UsageError(f"{where}: not valid YAML ({exc}).", hint="Give a mapping, e.g. -y 'alpha: 0.6'.") from None
        if loaded is None:
            continue
        if not isinstance(loaded, dict):
            raise UsageError(f"{where}: parameters must be a YAML mapping (name: value), not a {type(loaded).__name__}.",
                             hint="Give a mapping, e.g. -y 'alpha: 0.6'.")
        result.update({str(k): v for k, v in loaded.items()})
    result.update({name: resolve_type(value) for name, value in parameters})
    result.update(dict(parameters_raw))
    return result
