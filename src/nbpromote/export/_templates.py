"""Where the package templates live, and the Jinja2 environment that renders them."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ExportError

__all__ = ["templates_dir", "environment"]


def templates_dir() -> Path:
    """The directory of the exported package's Jinja2 templates.

    In a wheel they ship as ``nbpromote/templates`` (pyproject force-include); in an editable
    install they are read from the repository's ``templates/``.

    Raises
    ------
    ExportError
        Neither location exists (a broken install).
    """
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "templates", package.parents[1] / "templates"):
        if (candidate / "package").is_dir():
            return candidate
    raise ExportError(
        f"nbpromote's package templates are missing (looked in {package / 'templates'} and "
        f"{package.parents[1] / 'templates'}).", hint="Reinstall nbpromote: pip install --force-reinstall nbpromote",
    )


def _py(value: Any) -> str:
    # A Python literal, deterministic (dicts keep insertion order, which the planner makes stable).
    return repr(value)


def _toml(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@lru_cache(maxsize=4)
def environment(root: str | None = None) -> Any:
    """A Jinja2 environment over :func:`templates_dir` (strict: a missing variable is an error)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root or str(templates_dir())),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False,
    )
    env.filters["py"] = _py
    env.filters["toml"] = _toml
    env.filters["tuple"] = tuple
    return env
