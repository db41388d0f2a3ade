"""Confine request paths to the server's root directory.

Every handler takes notebook (and output) paths relative to the Jupyter server's ``root_dir``,
exactly like the contents API. A path that escapes the root (``..``, an absolute path elsewhere,
a symlink pointing out) is refused before any core function sees it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

__all__ = ["PathRefused", "resolve_in_root", "relative_to_root"]

#: Suffixes the core reads as notebooks (``.py`` is the percent format).
NOTEBOOK_SUFFIXES = (".ipynb", ".py")


class PathRefused(Exception):
    """A request path that cannot be used; carries the HTTP ``status`` and a message with the fix."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def resolve_in_root(
    root_dir: str | Path,
    path: object,
    *,
    field: str = "path",
    must_exist: bool = True,
    notebook: bool = True,
) -> Path:
    """Turn a client path into an absolute path inside ``root_dir``.

    Parameters
    ----------
    root_dir : str or Path
        The server's root directory.
    path : object
        The value the client sent: a path relative to the root (``/`` separators, as the contents
        API uses), or an absolute path that lies inside the root.
    field : str, default="path"
        The request field's name, for messages.
    must_exist : bool, default=True
        Require the path to exist (notebooks); outputs may not exist yet.
    notebook : bool, default=True
        Require a notebook suffix (``.ipynb`` or percent-format ``.py``) and a regular file.

    Returns
    -------
    Path
        The resolved absolute path.

    Raises
    ------
    PathRefused
        400 for a missing/ill-typed value or a non-notebook, 403 for a path outside the root,
        404 for a notebook that does not exist (with "save the notebook first").
    """
    if not isinstance(path, str) or not path.strip():
        raise PathRefused(
            400, f"'{field}' must be a non-empty string path relative to the server root."
        )
    root = Path(root_dir).resolve()
    raw = Path(path)
    if raw.is_absolute():
        candidate = raw
    else:
        parts = PurePosixPath(path.replace("\\", "/")).parts
        if ".." in parts:
            raise PathRefused(
                403, f"'{field}' {path!r} leaves the server root; use a path inside it."
            )
        candidate = root.joinpath(*parts)
    # resolve() follows symlinks, so a link pointing outside the root is refused as well.
    resolved = candidate.resolve()
    if resolved != root and root not in resolved.parents:
        raise PathRefused(
            403, f"'{field}' {path!r} is outside the server root; use a path inside it."
        )
    if notebook and resolved.suffix not in NOTEBOOK_SUFFIXES:
        raise PathRefused(
            400, f"'{field}' {path!r} is not a notebook (.ipynb or percent-format .py)."
        )
    if must_exist:
        if not resolved.exists():
            raise PathRefused(
                404, f"{path!r} does not exist on the server; save the notebook first."
            )
        if notebook and not resolved.is_file():
            raise PathRefused(400, f"'{field}' {path!r} is not a file.")
    return resolved


def relative_to_root(root_dir: str | Path, path: str | Path) -> str:
    """``path`` relative to the root with ``/`` separators, or unchanged if it lies outside it."""
    try:
        return Path(path).resolve().relative_to(Path(root_dir).resolve()).as_posix()
    except ValueError:
        return str(path)
