"""nbpromote.serving: an HTTP scoring service over an exported pipeline's registered model.

``python -m <pkg> serve`` (the ``serve`` extra: Starlette on uvicorn, prometheus-client) answers
``POST /predict`` with the registry's Production model, after the validation gate and through the
package's own feature stages (the *serving path* recorded at export), and logs every answer to
its own hash chain. Challengers run in shadow or take a canary share; a fallback answers when the
model cannot; the service follows promotions and rollbacks without a restart.

Nothing here is imported by :mod:`nbpromote.pipeline` at start-up: the package CLI imports this
subpackage only when ``serve`` runs (``predict`` imports only :mod:`._path`, which needs no web stack).

Python::

    from nbpromote.serving import ServeConfig, Service, ServerThread, create_app
    with ServerThread(PIPELINE, ServeConfig(shadow="4")) as server:
        ...  # server.url is http://127.0.0.1:<port>
"""

from __future__ import annotations

from typing import Any

__all__ = ["ServeConfig", "Service", "ServerThread", "create_app", "serve", "Guardrails", "LogSettings",
           "ServingPath", "FeaturePath", "feature_path_for"]

_LAZY = {
    "ServeConfig": "._service", "Service": "._service", "ServerThread": "._server", "serve": "._server",
    "create_app": "._app", "Guardrails": "._challengers", "LogSettings": "._log", "ServingPath": "._path",
    "FeaturePath": "._path", "feature_path_for": "._path",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nbpromote.serving' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module, __name__), name)
