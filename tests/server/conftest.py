"""A real jupyter_server (pytest-jupyter) with the nbpromote server extension, over a temp root."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

# pytest-jupyter ships no pytest11 entry point, and `pytest_plugins` is not allowed in a
# non-root conftest, so its fixtures and async-test hooks are imported here.
from pytest_jupyter.jupyter_server import *  # noqa: F403

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.fixture(scope="session")
def core_pool():
    """One pool of real worker processes for the whole session (each starts by importing the core)."""
    from nbpromote.server import CorePool, _pool

    pool = CorePool(workers=2, timeout=60)
    pool.keep_alive = True
    previous = _pool._SHARED
    _pool.shared_pool(pool)
    pool.start()
    yield pool
    pool.shutdown()
    _pool._SHARED = previous


@pytest.fixture
def jp_server_config(core_pool):
    return {"ServerApp": {"jpserver_extensions": {"nbpromote": True}}}


@pytest.fixture
def inline(jp_serverapp):
    """Run the analysis in a thread of the test process, so monkeypatched core functions apply."""
    from nbpromote.server import CorePool

    pool = CorePool(workers=0)
    jp_serverapp.web_app.settings["nbpromote_pool"] = pool
    yield pool
    pool.shutdown()


@pytest.fixture
def jp_root_dir(tmp_path):
    """The server root: a copy of notebooks/ (credit_risk*.ipynb and their data)."""
    root = tmp_path / "root_dir"
    shutil.copytree(
        NOTEBOOKS, root, ignore=shutil.ignore_patterns(".*", "__pycache__", "*_pipeline")
    )
    return root


@pytest.fixture
def api(jp_fetch):
    """``await api("lint", {"path": ...})`` → (status, JSON body); errors do not raise."""

    async def call(endpoint, body=None, *, method=None, params=None, headers=None):
        method = method or ("GET" if body is None else "POST")
        kwargs = {"method": method, "raise_error": False, "params": params, "headers": headers}
        if method == "POST":
            kwargs["body"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        response = await jp_fetch("nbpromote", endpoint, **kwargs)
        text = response.body.decode() if response.body else ""
        return response.code, (json.loads(text) if text else None)

    return call
