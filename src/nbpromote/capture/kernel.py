"""Capture inside a running IPython kernel: one :class:`CaptureSession` per shell, and its hooks.

``%load_ext nbpromote`` calls :func:`install`; ``%unload_ext`` calls :func:`uninstall`. The hooks are
IPython's ``pre_run_cell``/``post_run_cell`` events. Nothing raised inside them may reach the user's
cell, so the post-run hook catches everything and keeps a warning instead.
"""

from __future__ import annotations

from typing import Any

from ._session import CaptureSession

__all__ = ["install", "uninstall", "get_session", "is_installed"]

_ATTRIBUTE = "_nbpromote_capture"


class _Hooks:
    """The bound callbacks registered with one shell (kept so they can be unregistered)."""

    def __init__(self, shell: Any, session: CaptureSession) -> None:
        self.shell = shell
        self.session = session
        self.active = False

    def pre(self, info: Any) -> None:
        self.session.pre_run_cell(info)

    def post(self, result: Any) -> None:
        try:
            self.session.post_run_cell(result, self.shell.user_ns)
        except Exception as exc:  # provenance must never break a cell
            self.session.warnings.append(f"capture hook failed: {type(exc).__name__}: {exc}")


def install(shell: Any) -> CaptureSession:
    """Start capture in ``shell`` (idempotent); returns its session.

    Parameters
    ----------
    shell : IPython.core.interactiveshell.InteractiveShell
        The running shell (``get_ipython()``).
    """
    hooks = getattr(shell, _ATTRIBUTE, None)
    if hooks is None:
        hooks = _Hooks(shell, CaptureSession())
        setattr(shell, _ATTRIBUTE, hooks)
    if not hooks.active:
        shell.events.register("pre_run_cell", hooks.pre)
        shell.events.register("post_run_cell", hooks.post)
        hooks.active = True
    return hooks.session


def uninstall(shell: Any) -> None:
    """Stop the hooks in ``shell``; the session is kept, so ``%reload_ext`` loses nothing."""
    hooks = getattr(shell, _ATTRIBUTE, None)
    if hooks is None or not hooks.active:
        return
    for event, callback in (("pre_run_cell", hooks.pre), ("post_run_cell", hooks.post)):
        try:
            shell.events.unregister(event, callback)
        except ValueError:
            pass
    hooks.active = False


def is_installed(shell: Any) -> bool:
    """Whether capture is running in ``shell``."""
    hooks = getattr(shell, _ATTRIBUTE, None)
    return hooks is not None and hooks.active


def get_session(shell: Any) -> CaptureSession:
    """The session of ``shell``, starting capture if it was not running."""
    return install(shell)
