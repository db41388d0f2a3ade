"""The analysis the handlers run in a worker process: one core call, its JSON, or one error body.

Everything here runs off the Jupyter server's event loop (in :mod:`._pool`'s worker processes) and
returns plain, picklable data: ``(status, body)`` where ``body`` is the endpoint's JSON or the one
error body of DESIGN decision 6 (``{"error": {"code", "message", "hint", "override"}}``). Paths in
what it returns are relative to the server root; no absolute server path leaves this module.
"""

from __future__ import annotations

import importlib
import json
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .._version import __version__
from ..errors import (
    ManifestError,
    NbpromoteError,
    NotebookNotFoundError,
    OutputExistsError,
    StageGraphError,
    error_body,
)
from ._paths import PathRefused, find_in_root, relative_to_root

__all__ = ["CORE", "CoreMissing", "Reply", "core", "core_status", "run", "warm"]

#: The core functions the handlers call: part name -> (module, attribute).
CORE: dict[str, tuple[str, str]] = {
    "lint": ("nbpromote.lint", "lint_paths"),
    "suggest_tags": ("nbpromote.export", "suggest_tags"),
    "stages": ("nbpromote.export", "plan_stages"),
    "export": ("nbpromote.export", "export_notebook"),
    "provenance": ("nbpromote.capture", "load_manifest"),
}

#: (HTTP status, JSON body).
Reply = tuple[int, dict[str, Any]]


class CoreMissing(Exception):
    """A core function is not importable in this installation."""


class AnalysisTimeout(Exception):
    """The core call ran longer than the server allows."""


def core(part: str) -> Callable[..., Any]:
    """The core function behind ``part`` (raises :class:`CoreMissing`)."""
    module_name, attr = CORE[part]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CoreMissing(f"{module_name} cannot be imported ({exc}).") from exc
    func = getattr(module, attr, None)
    if func is None:
        raise CoreMissing(f"{module_name}.{attr} is not available in nbpromote {__version__}.")
    return func


def core_status() -> dict[str, bool]:
    """Which core parts this installation provides (part name -> available)."""
    status = {}
    for part in CORE:
        try:
            core(part)
        except CoreMissing:
            status[part] = False
        else:
            status[part] = True
    return status


def warm() -> None:
    """Import the core once in a fresh worker, so the first Lint from the panel pays no imports."""
    for part in CORE:
        try:
            core(part)
        except CoreMissing:
            pass
    try:  # the stage graph's renderer (see _graph_svg)
        importlib.import_module("nbpromote.pipeline")
    except ImportError:
        pass


def _to_json(value: Any) -> Any:
    """Core results expose ``to_dict()``; lists of them are mapped; plain data passes through."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_to_json(item) for item in value]
    return value


def _relative(root: Path, text: str) -> str:
    """Core messages name absolute paths; the user knows files by their root-relative path."""
    return text.replace(str(root) + "/", "").replace(str(root), ".")


def _scrub(root: Path, value: Any) -> Any:
    if isinstance(value, str):
        return _relative(root, value)
    if isinstance(value, dict):
        return {key: _scrub(root, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(root, item) for item in value]
    return value


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`AnalysisTimeout` in this (main) thread after ``seconds`` (SIGALRM)."""
    if not seconds or seconds <= 0:
        yield
        return
    try:
        previous = signal.signal(signal.SIGALRM, _alarm)
    except ValueError:  # not the main thread (the inline runner of the tests): no deadline
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _alarm(_signum: int, _frame: Any) -> None:
    raise AnalysisTimeout()


# --- one function per endpoint ------------------------------------------------------------------
def _lint(root: Path, path: Path, _body: dict[str, Any]) -> dict[str, Any]:
    from ..lint import LintConfig

    # The nearest pyproject.toml inside the root: never one above it (or a link leaving it).
    found = find_in_root(root, path.parent, "pyproject.toml")
    config = LintConfig.from_pyproject(found) if found else LintConfig()
    report = _to_json(core("lint")([path], config=config))
    for entry in report.get("notebooks", []):
        entry["notebook"] = relative_to_root(root, entry.get("notebook", path))
    return {"path": relative_to_root(root, path), **report}


def _suggest_tags(root: Path, path: Path, _body: dict[str, Any]) -> dict[str, Any]:
    suggestions = _to_json(core("suggest_tags")(path))
    return {"path": relative_to_root(root, path), "suggestions": suggestions}


def _stages(root: Path, path: Path, _body: dict[str, Any]) -> dict[str, Any]:
    try:
        plan = _to_json(core("stages")(path))
    except StageGraphError as exc:
        if exc.fields.get("code") != "no-stages":
            raise
        # Not an error for the panel: the normal state of a notebook nobody tagged yet.
        return {"path": relative_to_root(root, path), "stages": [], "graph_svg": None,
                "reason": "no stage tags yet"}
    return {"path": relative_to_root(root, path), **plan, "graph_svg": _graph_svg(plan)}


def _graph_svg(plan: dict[str, Any]) -> str | None:
    """The stage graph drawn by the pipeline runtime's renderer (issue 17), or None without one."""
    try:
        from ..pipeline import render_stage_graph_svg  # type: ignore[attr-defined]
    except ImportError:
        return None
    stages = plan.get("stages") or []
    if not stages:
        return None
    svg: str = render_stage_graph_svg(stages, title=None)
    return svg


def _export(root: Path, path: Path, body: dict[str, Any]) -> dict[str, Any]:
    out = body.get("out_dir")
    result = _to_json(
        core("export")(
            path,
            None if out is None else Path(out),
            name=body.get("name"),
            force=body.get("force", False),
            allow_findings=body.get("allow_findings", False),
            root=root,
        )
    )
    if not isinstance(result, dict):
        result = {"result": result}
    package_dir = result.get("package_dir")
    return {
        "path": relative_to_root(root, path),
        **result,
        "package_dir": relative_to_root(root, package_dir) if package_dir else None,
    }


def _provenance(root: Path, path: Path, _body: dict[str, Any]) -> dict[str, Any]:
    rel = relative_to_root(root, path)
    if path.suffix == ".ipynb":
        sidecar = path.with_name(f"{path.stem}.manifest.json")
        if sidecar.is_symlink() or sidecar.exists():
            if not sidecar.resolve().is_relative_to(root):
                raise PathRefused(
                    403,
                    f"The manifest beside {rel} links outside the server root, so it is not read.",
                    code="outside-root",
                    hint="Replace the link by a copy of the manifest inside the root.",
                )
        elif not _has_embedded_manifest(path):
            # The normal state of a notebook nobody captured yet: an empty result, not an error.
            return {"path": rel, "manifest": None, "reason": "none captured yet"}
    return {"path": rel, "manifest": _to_json(core("provenance")(path))}


def _has_embedded_manifest(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return True  # unreadable: let the core say what is wrong with it
    meta = data.get("metadata") if isinstance(data, dict) else None
    nbp = meta.get("nbpromote") if isinstance(meta, dict) else None
    return isinstance(nbp, dict) and nbp.get("manifest") is not None


PARTS: dict[str, Callable[[Path, Path, dict[str, Any]], dict[str, Any]]] = {
    "lint": _lint,
    "suggest_tags": _suggest_tags,
    "stages": _stages,
    "export": _export,
    "provenance": _provenance,
}


def _settle(path: Path, tries: int = 6, pause: float = 0.2) -> None:
    """Wait (briefly) until a notebook parses as JSON.

    Jupyter's save rewrites a notebook in place, so a request sent while a save is running (live
    lint on save, a click just after Ctrl+S) can read a truncated file. A notebook that does not
    parse is re-read a few times, 0.2 s apart; one that never parses is left to the core to report.
    """
    if path.suffix != ".ipynb":
        return
    for attempt in range(tries):
        try:
            json.loads(path.read_bytes())
            return
        except (OSError, ValueError, RecursionError):
            if attempt < tries - 1:
                time.sleep(pause)


def _status_of(exc: NbpromoteError) -> int:
    if isinstance(exc, (NotebookNotFoundError,)):
        return 404
    if isinstance(exc, OutputExistsError):
        return 409
    if isinstance(exc, ManifestError):
        return 422
    return 422


def run(part: str, root: str, path: str, body: dict[str, Any], timeout: float | None = None) -> Reply:
    """Run endpoint ``part`` on the (already confined) notebook ``path``; never raises.

    Parameters
    ----------
    part : str
        A key of :data:`PARTS` (``lint``, ``suggest_tags``, ``stages``, ``export``, ``provenance``).
    root : str
        The server's resolved root directory.
    path : str
        The notebook's resolved absolute path, inside ``root``.
    body : dict
        The validated request options.
    timeout : float or None, default=None
        Seconds the core call may take (enforced with SIGALRM in a worker's main thread).

    Returns
    -------
    tuple of (int, dict)
        The HTTP status and the JSON body (an error body for every failure).
    """
    root_path = Path(root)
    _settle(Path(path))
    try:
        with _deadline(timeout):
            return 200, _scrub(root_path, PARTS[part](root_path, Path(path), body))
    except AnalysisTimeout:
        return 504, error_body(
            "timeout",
            f"{relative_to_root(root_path, path)} took longer than {timeout:g} s to analyse, so the "
            "server stopped.",
            hint=f"Run it from a terminal instead: nbpromote {part.replace('_', '-')} "
            f"{relative_to_root(root_path, path)}",
            limit_seconds=timeout,
        )
    except PathRefused as exc:
        return exc.status, exc.body()
    except CoreMissing as exc:
        return 501, error_body(
            "not-available", str(exc), hint="Install or upgrade nbpromote on the server."
        )
    except NbpromoteError as exc:
        return _status_of(exc), _scrub(root_path, exc.to_error_body())
    except RecursionError:
        return 400, error_body(
            "too-deeply-nested",
            f"{relative_to_root(root_path, path)} is nested too deeply to analyse.",
            hint="Check the notebook's metadata for runaway nesting.",
        )
    except MemoryError:
        return 413, error_body(
            "too-large",
            f"{relative_to_root(root_path, path)} needs more memory than the server has to analyse.",
            hint=f"Run it from a terminal: nbpromote {part.replace('_', '-')} "
            f"{relative_to_root(root_path, path)}",
        )
    except Exception as exc:  # a core bug: still one error body; the details go to the server log
        reply = error_body(
            "internal",
            f"nbpromote failed unexpectedly ({type(exc).__name__}); the Jupyter server's log has "
            "the details.",
            hint="Please report it with the server log.",
        )
        # For the server's log only: the handler pops it before replying.
        reply["_log"] = traceback.format_exc()
        return 500, reply
