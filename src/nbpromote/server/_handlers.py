"""REST handlers under ``/nbpromote/``: parse the request, run the core once, render JSON.

Every handler is an authenticated :class:`jupyter_server.base.handlers.APIHandler`; paths are
confined to the server's root directory (:mod:`._paths`); the analysis runs in worker processes
(:mod:`._pool`), never on the event loop. Every error is the one body of DESIGN decision 6,
``{"error": {"code", "message", "hint", "override"[, "details"]}}``, with an HTTP status that says
who must act: 400 bad request, 403 outside the root, 404 missing notebook, 409 output exists (the
``force`` override) or an export to that directory is running, 413 notebook too large (lint it from
a terminal), 422 the core refused the notebook (``allow_findings`` overrides lint errors), 501 the
core part is not installed, 504 the analysis timed out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from .._version import __version__
from ..errors import error_body
from ._paths import PathRefused, relative_to_root, resolve_in_root
from ._pool import CorePool, shared_pool
from ._work import CORE, core_status

__all__ = ["CORE", "MAX_BODY_DEPTH", "MAX_NOTEBOOK_BYTES", "core_status", "handlers"]

#: Largest notebook the server analyses (``c.ServerApp.tornado_settings`` key
#: ``nbpromote_max_notebook_bytes`` overrides it); larger ones get a 413 naming the CLI.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: Deepest JSON request body accepted.
MAX_BODY_DEPTH = 32


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of parsed JSON, counting no further than ``limit + 1``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _size(nbytes: int) -> str:
    return f"{nbytes / 1024 / 1024:.1f} MB"


class _Base(APIHandler):
    """Shared parsing, path confinement, the worker pool and error rendering."""

    @property
    def root_dir(self) -> Path:
        root = self.settings.get("server_root_dir") or self.contents_manager.root_dir
        return Path(root).expanduser().resolve()

    @property
    def pool(self) -> CorePool:
        pool = self.settings.get("nbpromote_pool")
        if pool is None:  # loaded without _load_jupyter_server_extension (embedding): start one
            pool = self.settings["nbpromote_pool"] = shared_pool()
        return pool

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except RecursionError:
            raise PathRefused(400, "The request body is nested too deeply; send a flat JSON object.",
                              code="bad-json") from None
        except ValueError as exc:
            raise PathRefused(
                400, f"The request body is not JSON ({exc}); send a JSON object.", code="bad-json"
            ) from None
        if not isinstance(data, dict):
            raise PathRefused(
                400, 'The request body must be a JSON object such as {"path": "nb.ipynb"}.',
                code="bad-json",
            )
        if _depth(data, MAX_BODY_DEPTH) > MAX_BODY_DEPTH:
            raise PathRefused(
                400, f"The request body is nested deeper than {MAX_BODY_DEPTH} levels; send a flat "
                'JSON object such as {"path": "nb.ipynb"}.', code="bad-json",
            )
        return data

    def notebook(self, value: object) -> Path:
        path = resolve_in_root(self.root_dir, value, field="path")
        limit = int(self.settings.get("nbpromote_max_notebook_bytes", MAX_NOTEBOOK_BYTES))
        size = path.stat().st_size
        if size > limit:
            rel = self.rel(path)
            raise PathRefused(
                413,
                f"{rel} is {_size(size)}; the server analyses notebooks up to {_size(limit)}, so a "
                "large one cannot stall JupyterLab.",
                code="too-large",
                hint=f"Lint it from a terminal instead: nbpromote lint {rel}",
                limit_bytes=limit,
                size_bytes=size,
            )
        return path

    def rel(self, path: str | Path) -> str:
        return relative_to_root(self.root_dir, path)

    def reply(self, payload: Any, status: int = 200) -> None:
        if isinstance(payload, dict) and "_log" in payload:
            self.log.error("nbpromote: %s %s failed:\n%s", self.request.method,
                           self.request.path, payload.pop("_log"))
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload, default=str))

    async def analyse(self, part: str, path: Path, options: dict[str, Any] | None = None) -> None:
        """Run ``part`` in the worker pool and reply with its result or its error body."""
        status, payload = await self.pool.run(part, str(self.root_dir), str(path), options or {})
        self.reply(payload, status)

    async def guarded(self, work: Any) -> None:
        try:
            await work()
        except PathRefused as exc:
            self.reply(exc.body(), exc.status)
        except Exception as exc:  # a bug in this module: still one error body, no server paths
            self.log.exception("nbpromote: %s %s failed", self.request.method, self.request.path)
            self.reply(error_body(
                "internal",
                f"nbpromote failed unexpectedly ({type(exc).__name__}); the Jupyter server's log "
                "has the details.",
            ), 500)


class StatusHandler(_Base):
    """``GET /nbpromote/status`` → version and the core parts available."""

    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply({"version": __version__, "parts": await self.pool.status()})


class _NotebookHandler(_Base):
    """``POST /nbpromote/<part> {path}`` → the core's result for the saved notebook."""

    part = ""

    @tornado.web.authenticated
    async def post(self) -> None:
        async def work() -> None:
            await self.analyse(self.part, self.notebook(self.body().get("path")))

        await self.guarded(work)


class LintHandler(_NotebookHandler):
    """``POST /nbpromote/lint {path}`` → the lint JSON contract (``lint_paths(...).to_dict()``),
    configured by the nearest pyproject.toml inside the root."""

    part = "lint"


class SuggestTagsHandler(_NotebookHandler):
    """``POST /nbpromote/suggest-tags {path}`` → ``{"path", "suggestions": [...]}``."""

    part = "suggest_tags"


class StagesHandler(_NotebookHandler):
    """``POST /nbpromote/stages {path}`` → the stage plan (``plan_stages(path).to_dict()``)."""

    part = "stages"


#: Export targets being written by this server: the loser of a race gets a 409, not a mangled package.
_EXPORTING: set[tuple[str, ...]] = set()


class ExportHandler(_Base):
    """``POST /nbpromote/export {path, out_dir?, name?, force?, allow_findings?}`` → the export result.

    One export per target directory at a time: a second one (a double-click) is answered 409
    ``export-running`` at once.
    """

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
                    400, f"'name' must be a string such as \"credit_risk\", got {type(name).__name__}."
                )
            options: dict[str, Any] = {"name": name, "out_dir": None if out_dir is None else str(out_dir)}
            for flag in ("force", "allow_findings"):
                value = body.get(flag, False)
                if not isinstance(value, bool):
                    raise PathRefused(400, f"'{flag}' must be true or false, got {type(value).__name__}.")
                options[flag] = value
            target = ("out", str(out_dir)) if out_dir is not None else ("nb", str(path), str(name))
            if target in _EXPORTING:
                raise PathRefused(
                    409,
                    "An export to this directory is already running; wait for it to finish.",
                    code="export-running",
                )
            _EXPORTING.add(target)
            try:
                await self.analyse("export", path, options)
            finally:
                _EXPORTING.discard(target)

        await self.guarded(work)


class ProvenanceHandler(_Base):
    """``GET /nbpromote/provenance?path=`` → ``{"path", "manifest"}``; ``manifest`` is null (200)
    when nothing was captured yet."""

    @tornado.web.authenticated
    async def get(self) -> None:
        async def work() -> None:
            await self.analyse("provenance", self.notebook(self.get_argument("path", None)))

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
