"""Code cells as the analyses see them: IPython syntax turned into Python, parsed once.

Notebooks (.ipynb) and scripts (.py, one cell, or split on jupytext's ``# %%`` percent markers) load
into the same :class:`CodeCell` list, so linting a converted script gives the same findings as
linting the notebook it came from. A cell that does not parse keeps its ``syntax_error`` instead of
raising: the analyses report it as a finding and carry on with the other cells.
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from ._io import read_notebook

__all__ = ["CodeCell", "code_cells", "load_cells", "python_source", "cells_from_script"]

# Cell magics whose body is ordinary Python; the body is analysed with its own line numbers.
_PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "memit"})
_PERCENT_MARKER = re.compile(r"^# %%(?P<rest>.*)$")
# Anything that might be IPython syntax: a line starting with %, ! or ?, a trailing ?, `x = !cmd`,
# doctest/IPython prompts. Cells without any of it skip IPython's transformer (which tokenises the
# whole cell and dominated lint time) — for them it would only append the final newline.
_MAYBE_IPYTHON = re.compile(r"^\s*(?:[%!?]|>>>|\.\.\.|In \[)|\?\s*$|=\s*[!%]", re.MULTILINE)


@dataclass
class CodeCell:
    """One code cell, ready for analysis.

    Attributes
    ----------
    index : int
        Position among *all* cells of the notebook (what JupyterLab shows, 0-based).
    cell_id : str
        nbformat cell id.
    source : str
        The cell's text as the person wrote it.
    python : str
        ``source`` with IPython syntax (``%magic``, ``!shell``, ``?help``) turned into Python calls.
        Lines map one to one onto ``source`` except for the header line of a cell magic.
    tree : ast.Module or None
        The parsed ``python``; None when it does not parse.
    syntax_error : SyntaxError or None
        Why ``tree`` is None.
    line_offset : int
        Add to an AST line number to get the line in ``source`` (1 when a ``%%time`` header was
        stripped).
    tags : list of str
        ``metadata.tags``.
    execution_count : int or None
        As saved in the notebook.
    metadata : dict
        The cell's metadata (read only; analyses never write it).
    """

    index: int
    cell_id: str
    source: str
    python: str
    tree: ast.Module | None
    syntax_error: SyntaxError | None = None
    line_offset: int = 0
    tags: list[str] = field(default_factory=list)
    execution_count: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def source_line(self, lineno: int) -> str:
        """The source text of AST line ``lineno`` (1-based, before ``line_offset``)."""
        lines = self.source.splitlines()
        position = lineno + self.line_offset - 1
        return lines[position].strip() if 0 <= position < len(lines) else ""


class _SourceCache:
    """A least-recently-used cache keyed by source text, bounded by the total length of its keys.

    Parsing is cached by source so re-linting an edited notebook re-parses only the changed cells;
    the bound is in characters (an AST costs roughly ten times its source), not in entries, so a
    few huge notebooks cannot pin gigabytes in a long-lived Jupyter server or kernel.
    """

    def __init__(self, max_chars: int, func: Any) -> None:
        self.max_chars = max_chars
        self.func = func
        self.size = 0
        self.items: OrderedDict[str, Any] = OrderedDict()

    def __call__(self, source: str) -> Any:
        try:
            value = self.items[source]
        except KeyError:
            pass
        else:
            self.items.move_to_end(source)
            return value
        value = self.func(source)
        cost = len(source) + 64
        if cost <= self.max_chars // 8:  # one very large cell is parsed, never kept
            self.items[source] = value
            self.size += cost
            while self.size > self.max_chars:
                old, _ = self.items.popitem(last=False)
                self.size -= len(old) + 64
        return value

    def cache_clear(self) -> None:
        self.items.clear()
        self.size = 0


#: Characters of cell source kept parsed (and IPython-transformed): 16 MB of source each.
PARSE_CACHE_CHARS = 16 * 1024 * 1024


def _transform_uncached(source: str) -> tuple[str, int]:
    if source.strip() and source[:1] not in " \t" and not _MAYBE_IPYTHON.search(source):
        return (source if source.endswith("\n") else source + "\n"), 0
    stripped = source.lstrip("\n")
    leading = len(source) - len(stripped)
    if stripped.startswith("%%"):
        header, _, body = stripped.partition("\n")
        name = header[2:].split(None, 1)[0] if header[2:].strip() else ""
        if name in _PYTHON_BODY_CELL_MAGICS:
            text, offset = _transform(body)
            return text, offset + leading + 1
        # Any other cell magic (%%bash, %%html, %%writefile …) holds no Python to analyse.
        return "", 0
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # IPython is a dependency, but keep the analysis usable without it.
        return source, 0
    try:
        return _transformer(TransformerManager).transform_cell(source), 0
    except Exception:
        # IPython's transformer itself failed (rare, e.g. unterminated strings): let ast report it.
        return source, 0


_TRANSFORMER: Any = None


def _transformer(factory: Any) -> Any:
    global _TRANSFORMER
    if _TRANSFORMER is None:
        _TRANSFORMER = factory()
    return _TRANSFORMER




def python_source(source: str) -> tuple[str, int]:
    """Turn a cell's IPython source into Python; returns ``(python, line_offset)``."""
    return _transform(source)


def _parse_uncached(python: str) -> tuple[ast.Module | None, SyntaxError | None]:
    try:
        return ast.parse(python), None
    except SyntaxError as exc:
        return None, exc
    except (ValueError, RecursionError) as exc:  # null bytes, absurd nesting
        return None, SyntaxError(str(exc))


_transform = _SourceCache(PARSE_CACHE_CHARS, _transform_uncached)
_parse = _SourceCache(PARSE_CACHE_CHARS, _parse_uncached)


def make_cell(
    index: int, source: str, *, cell_id: str | None = None, tags: list[str] | None = None,
    execution_count: int | None = None, metadata: dict[str, Any] | None = None,
) -> CodeCell:
    """Build a :class:`CodeCell` from raw source (parsing is cached by source text)."""
    python, offset = python_source(source)
    tree, error = _parse(python)
    return CodeCell(
        index=index, cell_id=cell_id or f"cell-{index}", source=source, python=python, tree=tree,
        syntax_error=error, line_offset=offset, tags=list(tags or []),
        execution_count=execution_count, metadata=dict(metadata or {}),
    )


def code_cells(nb: nbformat.NotebookNode) -> list[CodeCell]:
    """The code cells of a notebook, in notebook order, each transformed and parsed."""
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        metadata = dict(cell.get("metadata", {}))
        cells.append(
            make_cell(
                index, cell.get("source", ""), cell_id=cell.get("id"),
                tags=list(metadata.get("tags", [])), execution_count=cell.get("execution_count"),
                metadata=metadata,
            )
        )
    return cells


def cells_from_script(text: str) -> nbformat.NotebookNode:
    """A notebook from a Python script: one cell, or one per jupytext ``# %%`` marker.

    ``# %% tags=["stage:train"]`` style markers keep their tags; ``# %% [markdown]`` cells become
    markdown cells.
    """
    cells: list[nbformat.NotebookNode] = []
    current: list[str] = []
    kind, tags = "code", []  # type: ignore[var-annotated]
    saw_marker = False

    def flush() -> None:
        body = "\n".join(current).strip("\n")
        if not body and not saw_marker:
            return
        if kind == "markdown":
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(body))
        elif body or tags:
            cells.append(nbformat.v4.new_code_cell(body, metadata={"tags": tags} if tags else {}))

    for line in text.splitlines():
        match = _PERCENT_MARKER.match(line)
        if match:
            flush()
            saw_marker = True
            current = []
            rest = match.group("rest")
            kind = "markdown" if "[markdown]" in rest or "[md]" in rest else "code"
            tag_match = re.search(r"tags\s*=\s*(\[[^\]]*\])", rest)
            tags = []
            if tag_match:
                try:
                    tags = [str(t) for t in ast.literal_eval(tag_match.group(1))]
                except (ValueError, SyntaxError):
                    tags = []
            continue
        current.append(line)
    flush()
    nb = nbformat.v4.new_notebook(cells=cells)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
    return nb


def load_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read a .ipynb notebook, or a .py script as a notebook (see :func:`cells_from_script`)."""
    target = Path(path)
    if target.suffix == ".py":
        from ..errors import NotebookNotFoundError

        try:
            return cells_from_script(target.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotebookNotFoundError(f"{target} does not exist.", notebook=str(target)) from None
    return read_notebook(target)


def load_cells(path: str | Path) -> list[CodeCell]:
    """The code cells of a .ipynb notebook or a .py script (see :func:`load_notebook`)."""
    return code_cells(load_notebook(path))
