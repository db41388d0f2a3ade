"""Rendering helpers shared by the subcommands: JSON on stdout, text for people."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .._io import _clean_floats, _json_default

__all__ = ["emit_json", "format_option", "FORMATS"]

FORMATS = ("text", "json")


def emit_json(document: Any) -> None:
    """Print one JSON document on stdout and nothing else (the machine-readable contract)."""
    plain = _clean_floats(json.loads(json.dumps(document, default=_json_default)))
    text = json.dumps(plain, indent=2, sort_keys=True, allow_nan=False)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def format_option(choices: tuple[str, ...] = FORMATS, default: str = "text") -> Any:
    """``--format`` with ``--json`` as a shorthand for ``--format json``."""

    def decorator(func: Any) -> Any:
        func = click.option(
            "--json", "json_flag", is_flag=True, default=False, help="Shorthand for --format json."
        )(func)
        func = click.option(
            "--format", "output_format", type=click.Choice(choices), default=default,
            show_default=True, help="Output format.",
        )(func)
        return func

    return decorator


def resolve_format(output_format: str, json_flag: bool) -> str:
    return "json" if json_flag else output_format
