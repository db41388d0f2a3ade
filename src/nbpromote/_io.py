"""Atomic file writes and canonical JSON, used by every writer in nbpromote.

A write goes to a temporary file in the target's directory, is flushed and fsynced, then renamed
over the target (``os.replace`` is atomic on POSIX and Windows), so a reader never sees a
half-written notebook, manifest, artifact or package file, and a crash leaves the old file intact.

Temporary names are ``.<name>.<host>.<pid>.<random>.tmp`` (DESIGN decision 5). A process killed
mid-write (SIGKILL) leaves its temporary behind; the next write to the same target removes the
stale ones: by pid when they were made on this host (the process is gone), by age
(:data:`STALE_TEMP_SECONDS`) when another host made them on a shared disk, or when they carry no
host (older versions).
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import NotebookWriteError, OutputExistsError

__all__ = ["atomic_write_bytes", "atomic_write_text", "write_json", "canonical_json", "read_json"]

#: Temporaries of another host (or of no known host) older than this are removed on the next write.
STALE_TEMP_SECONDS = 3600
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's live process
    return True


def remove_stale_temporaries(directory: str | Path, name: str, *, now: float | None = None) -> list[str]:
    """Remove temporaries of earlier writes to ``directory/name`` whose writer is gone.

    Parameters
    ----------
    directory : str or Path
        The target's directory.
    name : str
        The target's file name.
    now : float or None, default=None
        The current time (for tests); None is ``time.time()``.

    Returns
    -------
    list of str
        The names removed.
    """
    prefix = f".{name}."
    removed: list[str] = []
    moment = time.time() if now is None else now
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        parts = entry.name[len(prefix):-len(".tmp")].split(".")
        if len(parts) == 3 and parts[0] == _HOST and parts[1].isdigit():
            stale = int(parts[1]) != os.getpid() and not _pid_alive(int(parts[1]))
        else:
            try:
                stale = moment - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS
            except OSError:
                continue
        if stale:
            try:
                os.unlink(entry.path)
                removed.append(entry.name)
            except OSError:
                pass
    return removed


def atomic_write_bytes(path: str | Path, data: bytes, *, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        Destination. Its directory must exist.
    data : bytes
        Content to write.
    overwrite : bool, default=True
        When False and ``path`` exists, raise :class:`~nbpromote.errors.OutputExistsError`.

    Returns
    -------
    Path
        The path written.
    """
    target = Path(path)
    if not overwrite and target.exists():
        raise OutputExistsError(
            f"{target} already exists and would be overwritten.", hint="Pass --force to replace it.",
            path=str(target),
        )
    directory = target.parent if str(target.parent) else Path(".")
    remove_stale_temporaries(directory, target.name)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.{_HOST}.{os.getpid()}.", suffix=".tmp", dir=directory)
    except FileNotFoundError as exc:
        raise NotebookWriteError(
            f"Cannot write {target}: directory {directory} does not exist.",
            hint="Create it first or choose another output path.", path=str(target),
        ) from exc
    except PermissionError as exc:
        raise NotebookWriteError(
            f"Cannot write {target}: directory {directory} is not writable.",
            hint="Choose a writable output path or fix the permissions.", path=str(target),
        ) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            try:
                os.chmod(tmp_name, target.stat().st_mode & 0o7777)
            except OSError:
                pass
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_name, 0o666 & ~umask)
        if target.exists() and not os.access(target, os.W_OK):
            raise NotebookWriteError(
                f"Cannot write {target}: the file is read-only.",
                hint="Make it writable (chmod u+w) or write to another path with -o.", path=str(target),
            )
        os.replace(tmp_name, target)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise
    return target


def atomic_write_text(path: str | Path, text: str, *, overwrite: bool = True) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


def _json_default(value: Any) -> Any:
    # NumPy scalars and arrays, paths and sets show up in manifests and reports.
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serialisable")


def _clean_floats(value: Any) -> Any:
    # JSON has no NaN/inf; report them as null so no consumer mistakes them for numbers.
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: _clean_floats(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_floats(v) for v in value]
    return value


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8, NaN/inf as null.

    Two equal documents give byte-identical text on every machine, so the text can be hashed.
    """
    return json.dumps(
        _clean_floats(json.loads(json.dumps(value, default=_json_default))),
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
    )


def write_json(path: str | Path, value: Any, *, overwrite: bool = True) -> Path:
    """Write ``value`` as indented, key-sorted JSON, atomically."""
    text = json.dumps(
        _clean_floats(json.loads(json.dumps(value, default=_json_default))),
        indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False,
    )
    return atomic_write_text(path, text + "\n", overwrite=overwrite)


def read_json(path: str | Path) -> Any:
    """Read a JSON file; errors name the file."""
    from .errors import ManifestError

    target = Path(path)
    try:
        return json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{target} does not exist.", path=str(target)) from None
    except json.JSONDecodeError as exc:
        raise ManifestError(
            f"{target} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
            path=str(target),
        ) from None
