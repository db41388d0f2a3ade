"""Code cells for the linter, with a fast path for cells that are plain Python.

IPython's input transformer tokenises every cell and dominates the cost of linting (about 40% of a
200-cell notebook). Most cells contain no IPython syntax at all; for them the transformer only
appends a final newline, so this module does exactly that and parses through the shared (cached)
parser of :mod:`nbpromote.notebook`. Any cell that might hold IPython syntax — a line starting with
``%``/``!``/``?``, a trailing ``?``, ``x = !cmd``, prompts, or an indented first line — goes through
:func:`nbpromote.notebook.make_cell` unchanged. A test checks both paths build identical cells.
"""

from __future__ import annotations

import re
from typing import Any

from ..notebook import CodeCell, make_cell
from ..notebook import _cells as _shared

__all__ = ["lint_code_cells"]

_IPYTHON_SYNTAX = re.compile(r"^\s*(?:[%!?]|>>>|\.\.\.|In \[)|\?\s*$|=\s*[!%]", re.MULTILINE)


def _plain_cell(index: int, source: str, cell: Any, metadata: dict) -> CodeCell | None:
    if not source.strip() or source[:1] in " \t" or _IPYTHON_SYNTAX.search(source):
        return None
    python = source if source.endswith("\n") else source + "\n"
    tree, error = _shared._parse(python)
    return CodeCell(
        index=index, cell_id=cell.get("id") or f"cell-{index}", source=source, python=python, tree=tree,
        syntax_error=error, line_offset=0, tags=list(metadata.get("tags", [])),
        execution_count=cell.get("execution_count"), metadata=metadata,
    )


def lint_code_cells(nb: Any) -> list[CodeCell]:
    """The code cells of ``nb`` exactly as :func:`nbpromote.notebook.code_cells` builds them."""
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        metadata = dict(cell.get("metadata", {}))
        source = cell.get("source", "")
        built = _plain_cell(index, source, cell, metadata)
        if built is None:
            built = make_cell(index, source, cell_id=cell.get("id"), tags=list(metadata.get("tags", [])),
                              execution_count=cell.get("execution_count"), metadata=metadata)
        cells.append(built)
    return cells
