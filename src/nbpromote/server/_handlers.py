"""REST handlers under ``/nbpromote/``: parse the request, call the core once, render JSON.

Every handler is an authenticated :class:`jupyter_server.base.handlers.APIHandler`; paths are
confined to the server's root directory (:mod:`._paths`). Errors are JSON documents
``{"error": <type>, "message": <what and the fix>, ...fields}`` with an HTTP status that says who
must act: 400 bad request, 403 outside the root, 404 missing notebook or provenance, 409 output
exists (pass ``force``), 422 the core refused the notebook, 501 the core part is not installed.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado.ioloop import IOLoop

from .._version import __version__
from ..errors import ManifestError, NbpromoteError, NotebookNotFoundError, OutputExistsError
from ._paths import PathRefused, relative_to_root, resolve_in_root

__all__ = ["CORE", "core_status", "handlers"]

#: The core functions the handlers call: part name -> (module, attribute).
CORE: dict[str, tuple[str, str]] = {
    "lint": ("nbpromote.lint", "lint_paths"),
    "suggest_tags": ("nbpromote.export", "suggest_tags"),
    "stages": ("nbpromote.export", "plan_stages"),
    "export": ("nbpromote.export", "export_notebook"),
    "provenance": ("nbpromote.capture", "load_manifest"),
}


class CoreMissing(Exception):
    """A core function is not importable in this installation."""


def _core(part: str) -> Callable[..., Any]:
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
            _core(part)
        except CoreMissing:
            status[part] = False
        else:
            status[part] = True
    return status


def _to_json(value: Any) -> Any:
    """Core results expose ``to_dict()``; lists of them are mapped; plain data passes through."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_to_json(item) for item in value]
    return value


class _Base(APIHandler):
    """Shared parsing, path confinement and error rendering."""

    @property
    def root_dir(self) -> Path:
        root = self.settings.get("server_root_dir") or self.contents_manager.root_dir
        return Path(root).expanduser().resolve()

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError as exc:
            raise PathRefused(
                400, f"The request body is not JSON ({exc}); send a JSON object."
            ) from exc
        if not isinstance(data, dict):
            raise PathRefused(
                400, 'The request body must be a JSON object such as {"path": "nb.ipynb"}.'
            )
        return data

    def notebook(self, value: object) -> Path:
        return resolve_in_root(self.root_dir, value, field="path")

    def rel(self, path: str | Path) -> str:
        return relative_to_root(self.root_dir, path)

    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload, default=str))

    def fail(self, status: int, error: str, message: str, **fields: Any) -> None:
        self.reply({"error": error, "message": message, **fields}, status)

    async def call(self, part: str, *args: Any, **kwargs: Any) -> Any:
        """Run one core call off the event loop, so a long lint or export blocks no other request."""
        func = _core(part)
        return await IOLoop.current().run_in_executor(None, lambda: func(*args, **kwargs))

    async def guarded(self, work: Callable[[], Any]) -> None:
        try:
            await work()
        except PathRefused as exc:
            self.fail(exc.status, "PathRefused", exc.message)
        except CoreMissing as exc:
            self.fail(501, "NotAvailable", f"{exc} Install or upgrade nbpromote on the server.")
        except NotebookNotFoundError as exc:
            self.reply({**exc.to_dict(), "message": self._relative_message(str(exc))}, 404)
        except ManifestError as exc:
            self.reply({**exc.to_dict(), "message": self._relative_message(str(exc))}, 404)
        except OutputExistsError as exc:
            self.reply({**exc.to_dict(), "message": self._relative_message(str(exc))}, 409)
        except NbpromoteError as exc:
            self.reply({**exc.to_dict(), "message": self._relative_message(str(exc))}, 422)
        except Exception as exc:  # a core bug: still JSON, logged with its traceback for the admin
            self.log.exception("nbpromote: %s %s failed", self.request.method, self.request.path)
            self.fail(500, type(exc).__name__, f"nbpromote failed unexpectedly: {exc}")

    def _relative_message(self, message: str) -> str:
        # Core messages name absolute paths; the user knows the notebook by its root-relative path.
        root = str(self.root_dir)
        return message.replace(root + "/", "").replace(root, ".")


class StatusHandler(_Base):
    """``GET /nbpromote/status`` → version and the core parts available."""

    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply({"version": __version__, "parts": core_status()})


class LintHandler(_Base):
    """``POST /nbpromote/lint {path}`` → the lint JSON contract (``lint_paths(...).to_dict()``)."""

    @tornado.web.authenticated
    async def post(self) -> None:
        async def work() -> None:
            path = self.notebook(self.body().get("path"))
            report = _to_json(await self.call("lint", [path]))
            for entry in report.get("notebooks", []):
                entry["notebook"] = self.rel(entry.get("notebook", path))
            self.reply({"path": self.rel(path), **report})

        await self.guarded(work)


class SuggestTagsHandler(_Base):
    """``POST /nbpromote/suggest-tags {path}`` → ``{"path", "suggestions": [...]}``."""

    @tornado.web.authenticated
    async def post(self) -> None:
        async def work() -> None:
            path = self.notebook(self.body().get("path"))
            suggestions = _to_json(await self.call("suggest_tags", path))
            self.reply({"path": self.rel(path), "suggestions": suggestions})

        await self.guarded(work)


class StagesHandler(_Base):
    """``POST /nbpromote/stages {path}`` → the stage plan (``plan_stages(path).to_dict()``)."""

    @tornado.web.authenticated
    async def post(self) -> None:
        async def work() -> None:
            path = self.notebook(self.body().get("path"))
            plan = _to_json(await self.call("stages", path))
            self.reply({"path": self.rel(path), **plan})

        await self.guarded(work)


class ExportHandler(_Base):
    """``POST /nbpromote/export {path, out_dir?, name?, force?, allow_findings?}`` → the export result."""

    @tornado.web.authenticated
    async def post(self) -> None:
        async def work() -> None:
            body = self.body()
            path = self.notebook(body.get("path"))
            out = body.get("out_dir")
            # None: the core's default, <notebook dir>/<name>_pipeline, inside the root by construction.
            out_dir = (
                None
                if out is None
                else resolve_in_root(
                    self.root_dir, out, field="out_dir", must_exist=False, notebook=False
                )
            )
            name = body.get("name")
            if name is not None and not isinstance(name, str):
                raise PathRefused(
                    400, f"'name' must be a string such as \"credit_risk\", got {name!r}."
                )
            flags = {}
            for flag in ("force", "allow_findings"):
                value = body.get(flag, False)
                if not isinstance(value, bool):
                    raise PathRefused(400, f"'{flag}' must be true or false, got {value!r}.")
                flags[flag] = value
            result = _to_json(await self.call("export", path, out_dir, name=name, **flags))
            package_dir = result.get("package_dir") if isinstance(result, dict) else None
            self.reply(
                {
                    "path": self.rel(path),
                    **(result if isinstance(result, dict) else {"result": result}),
                    "package_dir": self.rel(package_dir) if package_dir else None,
                }
            )

        await self.guarded(work)


class ProvenanceHandler(_Base):
    """``GET /nbpromote/provenance?path=`` → ``{"path", "manifest"}`` (404 if none captured)."""

    @tornado.web.authenticated
    async def get(self) -> None:
        async def work() -> None:
            path = self.notebook(self.get_argument("path", None))
            manifest = _to_json(await self.call("provenance", path))
            self.reply({"path": self.rel(path), "manifest": manifest})

        await self.guarded(work)


def handlers(base_url: str) -> list[tuple[str, type[APIHandler]]]:
    """The URL table under ``<base_url>/nbpromote/``."""
    routes = {
        "status": StatusHandler,
        "lint": LintHandler,
        "suggest-tags": SuggestTagsHandler,
        "stages": StagesHandler,
        "export": ExportHandler,
        "provenance": ProvenanceHandler,
    }
    return [(url_path_join(base_url, "nbpromote", name), cls) for name, cls in routes.items()]
