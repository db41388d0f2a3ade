"""Fixtures for capture: a real in-process IPython shell with the extension loaded, and notebooks."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """IPython's InteractiveShell with ``%load_ext nbpromote`` run in a fresh capture session.

    The working directory is ``tmp_path``; PYTHONHASHSEED is restored afterwards.
    """
    from IPython.core.interactiveshell import InteractiveShell

    from nbpromote.capture import kernel

    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    sh = InteractiveShell.instance()
    sh.reset(new_session=True)
    kernel.uninstall(sh)
    if hasattr(sh, "_nbpromote_capture"):
        delattr(sh, "_nbpromote_capture")
    if "nbpromote" in sh.extension_manager.loaded:
        sh.extension_manager.loaded.discard("nbpromote")
    result = sh.run_cell("%load_ext nbpromote", store_history=True)
    assert result.success
    yield sh
    kernel.uninstall(sh)
    if hasattr(sh, "_nbpromote_capture"):
        delattr(sh, "_nbpromote_capture")
    sh.extension_manager.loaded.discard("nbpromote")


def run(sh, source: str):
    """Run one cell like the kernel does (history on, so it gets an execution count)."""
    return sh.run_cell(source, store_history=True)


def make_notebook(path: Path, sources: list[str | tuple[str, list[str]]], **metadata) -> Path:
    """Write a small nbformat 4.5 notebook; an item may be ``(source, tags)``."""
    nb = nbformat.v4.new_notebook()
    for item in sources:
        source, tags = (item, []) if isinstance(item, str) else item
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {}))
    nb.metadata.update(metadata)
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(name="make_notebook")
def _make_notebook_fixture():
    """The :func:`make_notebook` helper, as a fixture (tests/ is not a package)."""
    return make_notebook
