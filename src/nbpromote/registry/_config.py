"""Where the registry lives and who is acting: one resolution order, used by every front door.

Registry location: ``--db PATH`` > env ``NBPROMOTE_REGISTRY`` > ``[tool.nbpromote] registry = "…"``
in the nearest ``pyproject.toml`` (searched upwards from the working directory) >
``$NBPROMOTE_HOME/registry.db`` (``NBPROMOTE_HOME`` defaults to ``./.nbpromote``).
Identity: ``--actor`` > env ``NBPROMOTE_ACTOR`` > the OS user.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

__all__ = ["resolve_db_path", "resolve_actor", "nbpromote_home"]

ENV_REGISTRY = "NBPROMOTE_REGISTRY"
ENV_HOME = "NBPROMOTE_HOME"
ENV_ACTOR = "NBPROMOTE_ACTOR"


def nbpromote_home() -> Path:
    """``$NBPROMOTE_HOME`` or ``./.nbpromote`` (not created here; also when the former is the URL of
    a shared artifact store, which holds no registry)."""
    value = os.environ.get(ENV_HOME)
    return Path(value) if value and ("://" not in value or value.startswith("file://")) else Path(".nbpromote")


def _pyproject_setting(start: Path) -> Path | None:
    import tomllib

    for directory in [start, *start.parents]:
        candidate = directory / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            # A broken pyproject belongs to someone else's workflow; it just gives no setting.
            return None
        value = data.get("tool", {}).get("nbpromote", {}).get("registry")
        if isinstance(value, str) and value:
            path = Path(value)
            # Relative paths are relative to the project (the pyproject's directory), not the cwd.
            return path if path.is_absolute() or ":" in value.split("/")[0] else directory / path
        return None  # the nearest pyproject decides, even when it has no setting
    return None


def resolve_db_path(db: str | os.PathLike[str] | None = None) -> str:
    """The registry location, following the documented precedence.

    Parameters
    ----------
    db : str or PathLike or None, default=None
        An explicit path (or ``mlflow:<tracking-uri>``); wins over everything else.

    Returns
    -------
    str
        A filesystem path, or a backend URI such as ``mlflow:sqlite:///…``.
    """
    if db is not None and str(db):
        return str(db)
    env = os.environ.get(ENV_REGISTRY)
    if env:
        return env
    configured = _pyproject_setting(Path.cwd())
    if configured is not None:
        return str(configured)
    return str(nbpromote_home() / "registry.db")


def resolve_actor(actor: str | None = None) -> str:
    """Who is acting: ``actor`` > ``$NBPROMOTE_ACTOR`` > the OS user."""
    if actor:
        return actor
    env = os.environ.get(ENV_ACTOR)
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"
