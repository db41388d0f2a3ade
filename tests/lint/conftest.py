from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent))

REPO = Path(__file__).resolve().parents[2]


def make_nb(*sources: str, counts: list | None = None, tags: list | None = None) -> nbformat.NotebookNode:
    """A real nbformat notebook with one code cell per source (ids c0, c1 …)."""
    cells = []
    for index, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source, execution_count=(counts or [None] * len(sources))[index])
        cell["id"] = f"c{index}"
        if tags and tags[index]:
            cell.metadata["tags"] = tags[index]
        cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells)


@pytest.fixture
def write_nb(tmp_path):
    """Write a notebook built from sources into tmp_path and return its path."""

    def write(*sources: str, name: str = "nb.ipynb", **kwargs) -> Path:
        path = tmp_path / name
        nbformat.write(make_nb(*sources, **kwargs), path)
        return path

    return write
