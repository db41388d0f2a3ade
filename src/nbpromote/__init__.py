"""nbpromote: promote a Jupyter notebook to a reproducible, monitored, registered ML pipeline.

``%load_ext nbpromote`` in a notebook, or the ``nbpromote`` command. The public API lives in the
subpackages: :mod:`nbpromote.capture`, :mod:`nbpromote.lint`, :mod:`nbpromote.export`,
:mod:`nbpromote.pipeline`, :mod:`nbpromote.monitor`, :mod:`nbpromote.registry`; they are imported
lazily so loading the extension stays fast.
"""

from __future__ import annotations

from typing import Any

from ._version import __version__

__all__ = ["__version__", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext nbpromote``."""
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "nbpromote"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "nbpromote.server"}]
