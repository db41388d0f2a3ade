"""The environment a notebook ran in: Python, platform, installed distributions, git state.

``environment()`` lists every installed distribution with its exact version (``importlib.metadata``)
and derives a pinned lock in requirements format whose hash (``lock_hash``) is part of the
reproducibility identity. ``git_state(path)`` reports the commit, branch and dirty state of the
repository holding ``path``, or why there is none.
"""

from __future__ import annotations

import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from .._io import atomic_write_text
from ..errors import OutputExistsError
from .hashing import hash_bytes

__all__ = ["environment", "lock_text", "write_lock", "git_state", "LOCK_HEADER"]

LOCK_HEADER = "# nbpromote lock: exact versions of the environment that ran the notebook"


def _canonical(name: str) -> str:
    # PEP 503 normalisation, so 'Scikit_Learn' and 'scikit-learn' are one package.
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_packages() -> dict[str, str]:
    """Every installed distribution, canonical name -> version, sorted by name."""
    from importlib import metadata

    packages: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if not name:
            continue  # a broken .dist-info without metadata: nothing to pin
        packages.setdefault(_canonical(name), dist.version)
    return dict(sorted(packages.items()))


def lock_text(packages: dict[str, str]) -> str:
    """A pinned requirements file (``name==version`` per line, sorted, with a header)."""
    lines = [LOCK_HEADER] + [f"{name}=={version}" for name, version in sorted(packages.items())]
    return "\n".join(lines) + "\n"


def environment() -> dict[str, Any]:
    """The running environment as the manifest's ``environment`` section.

    Returns
    -------
    dict
        ``python`` (version), ``implementation``, ``executable``, ``platform``, ``machine``,
        ``packages`` (name -> version) and ``lock_hash`` (hash of :func:`lock_text`).
    """
    packages = installed_packages()
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": packages,
        "lock_hash": hash_bytes(lock_text(packages).encode()),
    }


def write_lock(path: str | Path, packages: dict[str, str], *, force: bool = False) -> Path:
    """Write the pinned lock to ``path`` atomically.

    A file that nbpromote wrote before (it starts with :data:`LOCK_HEADER`) is replaced; any other
    existing file is only replaced with ``force=True``.
    """
    target = Path(path)
    if target.exists() and not force:
        try:
            ours = target.read_text(encoding="utf-8").startswith(LOCK_HEADER)
        except (OSError, UnicodeDecodeError):
            ours = False
        if not ours:
            raise OutputExistsError(
                f"{target} exists and was not written by nbpromote.",
                hint="Pass --force to replace it, or --lock OTHER_PATH.", path=str(target),
            )
    return atomic_write_text(target, lock_text(packages))


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        completed = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def git_state(path: str | Path = ".") -> dict[str, Any]:
    """Git commit, branch, dirty state and root of the repository holding ``path``.

    Outside a repository (or without git installed) every field is None and ``reason`` says why;
    this is a normal state, not an error.
    """
    start = Path(path).resolve()
    directory = start if start.is_dir() else start.parent
    empty = {"commit": None, "branch": None, "dirty": None, "root": None}
    if not directory.exists():
        return {**empty, "reason": f"{directory} does not exist"}
    if _git(["--version"], directory) is None:
        return {**empty, "reason": "git is not installed"}
    root = _git(["rev-parse", "--show-toplevel"], directory)
    if root is None:
        return {**empty, "reason": f"{directory} is not inside a git repository"}
    commit = _git(["rev-parse", "HEAD"], directory)
    branch = _git(["rev-parse", "--abbrev-ref", "HEAD"], directory)
    status = _git(["status", "--porcelain", "--untracked-files=no"], directory)
    state = {
        "commit": commit,
        "branch": None if branch in (None, "HEAD") else branch,
        "dirty": bool(status) if status is not None else None,
        "root": root,
    }
    if commit is None:
        state["reason"] = "the repository has no commits yet"
    return state
