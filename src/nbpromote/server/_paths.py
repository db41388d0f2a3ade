"""Confine request paths to the server's root directory.

Every handler takes notebook (and output) paths relative to the Jupyter server's ``root_dir``,
exactly like the contents API. A path that escapes the root (``..``, an absolute path elsewhere,
a symlink pointing out) is refused before any core function sees it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import error_body

__all__ = ["PathRefused", "check_path_text", "find_in_root", "relative_to_root", "resolve_in_root"]

#: Suffixes the core reads as notebooks (``.py`` is the percent format).
NOTEBOOK_SUFFIXES = (".ipynb", ".py")


#: Longest path (characters) and path component (bytes) accepted; Linux's PATH_MAX and NAME_MAX.
MAX_PATH = 4096
MAX_NAME = 255

_CODES = {400: "bad-request", 403: "outside-root", 404: "notebook-not-found", 413: "too-large"}


class PathRefused(Exception):
    """A request that cannot be served; carries the HTTP ``status``, an error ``code``, a message
    and the fix (``hint``), rendered by :meth:`body` as the one error body (DESIGN decision 6)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        hint: str | None = None,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _CODES.get(status, "bad-request")
        self.hint = hint
        self.details = details

    def body(self) -> dict[str, Any]:
        """``{"error": {"code", "message", "hint", "override"}}``."""
        return error_body(self.code, self.message, hint=self.hint, **self.details)


def _shown(path: str) -> str:
    """A client path as messages quote it: printable, and cut when absurdly long."""
    text = path.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    return repr(text if len(text) <= 120 else text[:100] + "…")


def check_path_text(path: str, field: str = "path") -> None:
    """Refuse (400) a path no file system call should see: NUL bytes, lone surrogates, over-long."""
    if "\x00" in path:
        raise PathRefused(400, f"'{field}' contains a NUL byte, which no file name may contain.",
                          code="bad-path")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise PathRefused(
            400, f"'{field}' {_shown(path)} is not valid Unicode (it holds a lone surrogate).",
            code="bad-path",
        ) from None
    if len(path) > MAX_PATH:
        raise PathRefused(400, f"'{field}' is {len(path)} characters long; the limit is {MAX_PATH}.",
                          code="bad-path")
    longest = max((len(part.encode("utf-8")) for part in path.replace("\\", "/").split("/")), default=0)
    if longest > MAX_NAME:
        raise PathRefused(
            400, f"'{field}' {_shown(path)} has a name of {longest} bytes; the limit is {MAX_NAME}.",
            code="bad-path",
        )


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
    check_path_text(path, field)
    root = Path(root_dir).resolve()
    raw = Path(path)
    if raw.is_absolute():
        candidate = raw
    else:
        parts = PurePosixPath(path.replace("\\", "/")).parts
        if ".." in parts:
            raise PathRefused(
                403, f"'{field}' {_shown(path)} leaves the server root; use a path inside it."
            )
        candidate = root.joinpath(*parts)
    # resolve() follows symlinks, so a link pointing outside the root is refused as well.
    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop, a name the file system refuses
        raise PathRefused(
            400, f"'{field}' {_shown(path)} cannot be resolved ({type(exc).__name__})."
        ) from None
    if resolved != root and root not in resolved.parents:
        raise PathRefused(
            403, f"'{field}' {_shown(path)} is outside the server root; use a path inside it."
        )
    if notebook and resolved.suffix not in NOTEBOOK_SUFFIXES:
        raise PathRefused(
            400, f"'{field}' {_shown(path)} is not a notebook (.ipynb or percent-format .py)."
        )
    if must_exist:
        if not resolved.exists():
            raise PathRefused(
                404, f"{_shown(path)} does not exist on the server; save the notebook first."
            )
        if notebook and not resolved.is_file():
            raise PathRefused(400, f"'{field}' {_shown(path)} is not a file.")
    return resolved


def relative_to_root(root_dir: str | Path, path: str | Path) -> str:
    """``path`` relative to the root with ``/`` separators, or unchanged if it lies outside it."""
    try:
        return Path(path).resolve().relative_to(Path(root_dir).resolve()).as_posix()
    except ValueError:
        return str(path)


def find_in_root(root_dir: str | Path, start: str | Path, name: str) -> Path | None:
    """The nearest file ``name`` in ``start`` or its parents, up to ``root_dir`` and never above it;
    a candidate whose resolved path (a symlink) leaves the root is skipped."""
    root = Path(root_dir).resolve()
    here = Path(start).resolve()
    if not here.is_relative_to(root):
        return None
    for directory in (here, *here.parents):
        candidate = directory / name
        if candidate.is_file() and candidate.resolve().is_relative_to(root):
            return candidate
        if directory == root:
            break
    return None
