"""nbpromote.server: the jupyter_server extension behind the JupyterLab extension.

REST endpoints under ``/nbpromote/`` (``status``, ``lint``, ``suggest-tags``, ``stages``,
``export``, ``provenance``), each a thin front door over the core API. Enabled by
``jupyter-config/server-config/nbpromote.json`` (installed with the wheel); check with
``jupyter server extension list``.
"""

from __future__ import annotations

from typing import Any

from ._handlers import CORE, core_status, handlers
from ._paths import PathRefused, relative_to_root, resolve_in_root
from ._pool import CorePool, shared_pool

__all__ = [
    "CORE",
    "CorePool",
    "PathRefused",
    "core_status",
    "handlers",
    "relative_to_root",
    "resolve_in_root",
]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "nbpromote.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register the handlers on a running server (called by jupyter_server)."""
    web_app = serverapp.web_app
    # The analysis workers start now, so the first Lint from the panel pays no imports.
    pool = web_app.settings["nbpromote_pool"] = shared_pool()
    pool.start()
    web_app.add_handlers(".*$", handlers(web_app.settings["base_url"]))
    serverapp.log.info(
        "nbpromote server extension loaded: /nbpromote/{status,lint,stages,export,…}"
    )


def _unload_jupyter_server_extension(serverapp: Any) -> None:
    """Stop the analysis workers (called by jupyter_server on shutdown)."""
    pool = serverapp.web_app.settings.pop("nbpromote_pool", None)
    if pool is not None and not pool.keep_alive:
        pool.shutdown()
