"""Pipeline parameters: defaults from the package, overridden by a params file and ``--param``.

Precedence (lowest first): the defaults in ``pipeline.py`` → ``--params-file`` (JSON, YAML or
TOML) → ``--param k=v``. A value given as text is converted to the type of its default (int,
float, bool, str, list/dict via a JSON or Python literal); unknown names are refused with the list
of known ones, since a typo silently ignored would run the wrong experiment.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["resolve_params", "parse_param_args", "load_params_file", "coerce"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_param_args(items: Iterable[str]) -> dict[str, str]:
    """``["k=v", …]`` → ``{"k": "v"}``; a missing ``=`` is a usage error naming the item."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param {item!r} is not NAME=VALUE.", hint="Example: --param test_size=0.3")
        out[name.strip()] = value
    return out


def load_params_file(path: str | Path) -> dict[str, Any]:
    """Read a params file by suffix: ``.json``, ``.yaml``/``.yml`` or ``.toml``; a mapping at top."""
    target = Path(path)
    if not target.is_file():
        raise UsageError(f"Params file {target} does not exist.", hint="Check the path given to --params-file.", path=str(target))
    text = target.read_text(encoding="utf-8")
    suffix = target.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise UsageError(
                    f"Reading {target} needs PyYAML, which is not installed.",
                    hint="pip install pyyaml, or write the params as JSON or TOML.", path=str(target),
                ) from None
            data = yaml.safe_load(text)
        elif suffix == ".toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            raise UsageError(
                f"Params file {target} has an unknown suffix {suffix or '(none)'}.",
                hint="Use .json, .yaml/.yml or .toml.", path=str(target),
            )
    except UsageError:
        raise
    except Exception as exc:  # json/yaml/toml each raise their own decode error types
        raise UsageError(f"Params file {target} cannot be parsed: {exc}", hint="Fix its syntax.", path=str(target)) from None
    if not isinstance(data, Mapping):
        raise UsageError(
            f"Params file {target} must hold a mapping of name → value, not a {type(data).__name__}.",
            path=str(target),
        )
    return dict(data)


def coerce(name: str, text: Any, default: Any) -> Any:
    """Convert ``text`` to the type of ``default``; the error names the parameter and the type."""
    if not isinstance(text, str):
        return text
    kind = type(default)
    try:
        if default is None:
            return _literal(text)
        if kind is bool:
            lowered = text.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ValueError(text)
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
        if kind is str:
            return text
        value = _literal(text)
        if isinstance(default, (list, tuple, dict)) and not isinstance(value, (list, tuple, dict)):
            raise ValueError(text)
        return kind(value) if isinstance(default, (list, tuple)) else value
    except (ValueError, SyntaxError):
        raise UsageError(
            f"Parameter {name}={text!r} is not a valid {kind.__name__} (its default is {default!r}).",
            hint=f"Give a {kind.__name__}, e.g. --param {name}={default!r}.", param=name,
        ) from None


def _literal(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def resolve_params(
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    params_file: str | Path | None = None,
) -> dict[str, Any]:
    """Defaults ← params file ← overrides, converted to the defaults' types.

    Parameters
    ----------
    defaults : mapping
        The pipeline's declared parameters.
    overrides : mapping or None, default=None
        Values from ``--param`` (text is converted) or from Python (kept as given).
    params_file : str or Path or None, default=None
        JSON/YAML/TOML mapping applied before ``overrides``.

    Returns
    -------
    dict
        Every declared parameter with its value for this run.

    Raises
    ------
    UsageError
        An unknown parameter name, a value of the wrong type, or an unreadable params file.

    Examples
    --------
    >>> resolve_params({"test_size": 0.25, "n": 3}, {"test_size": "0.3"})
    {'test_size': 0.3, 'n': 3}
    """
    resolved = dict(defaults)
    layers = []
    if params_file is not None:
        layers.append(("params file", load_params_file(params_file)))
    if overrides:
        layers.append(("--param", dict(overrides)))
    for origin, layer in layers:
        for name, value in layer.items():
            if name not in defaults:
                raise UsageError(
                    f"Unknown parameter '{name}' (from {origin}).",
                    hint=f"Known parameters: {', '.join(defaults) or '(none)'}.", param=name,
                )
            resolved[name] = coerce(name, value, defaults[name])
    return resolved
