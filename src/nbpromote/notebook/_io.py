"""Reading and writing notebooks with errors a person can act on.

nbformat does the parsing and validation; this module turns its failures into
:class:`~nbpromote.errors.NotebookFormatError` naming the file and the fix, upgrades old notebooks in
memory (never on disk without asking), fills in missing cell ids, and writes atomically.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat

from .._io import atomic_write_text
from ..errors import (
    NotebookFormatError,
    NotebookNotFoundError,
    NotebookWriteError,
    OutputExistsError,
)

__all__ = ["read_notebook", "write_notebook", "notebook_from_dict", "notebook_hash"]


#: Deeper metadata than this is no notebook a tool wrote; refusing it keeps every reader's
#: recursion (nbformat's schema validation, deep copies) away from Python's recursion limit.
MAX_DEPTH = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_shape(data: dict[str, Any], source: str) -> None:
    """Refuse, naming the cell, what no reader can process: absurdly nested metadata and lone
    surrogates (text that cannot be written back as UTF-8)."""
    raw = data.get("cells")
    cells: list[Any] = raw if isinstance(raw, list) else []
    for where, node in [("the notebook's metadata", data.get("metadata"))] + [
            (f"cell {index + 1}", cell) for index, cell in enumerate(cells)]:
        stack: list[tuple[Any, int]] = [(node, 0)]
        while stack:
            value, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise NotebookFormatError(
                    f"{source}: {where} is nested more than {MAX_DEPTH} levels deep, so it cannot be processed.",
                    hint="Remove the offending metadata (e.g. with `jupyter nbconvert --ClearMetadataPreprocessor"
                    ".enabled=True --inplace`) or re-save the notebook.", notebook=source,
                )
            if isinstance(value, dict):
                stack.extend((item, depth + 1) for item in value.values())
            elif isinstance(value, list):
                stack.extend((item, depth + 1) for item in value)
            elif isinstance(value, str) and _SURROGATE.search(value):
                raise NotebookFormatError(
                    f"{source}: {where} contains a lone surrogate (invalid Unicode, "
                    f"{_SURROGATE.search(value).group()!a}), which cannot be written as UTF-8.",  # type: ignore[union-attr]
                    hint="Replace the character in that cell and save the notebook again.", notebook=source,
                )


def notebook_from_dict(data: Any, *, source: str = "<notebook>") -> nbformat.NotebookNode:
    """Turn a parsed JSON document into an nbformat 4 notebook, or raise a clear error.

    nbformat 3 notebooks are upgraded in memory; cells without ids get stable ids derived from their
    position (nbformat's own normalisation), so later tools can refer to them.
    """
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        raise NotebookFormatError(
            f"{source} is JSON but not a notebook (no 'cells').",
            hint="Pass a .ipynb file saved by Jupyter.", notebook=source,
        )
    major = data.get("nbformat")
    if not isinstance(major, int) or major < 3:
        raise NotebookFormatError(
            f"{source} declares nbformat {major!r}; nbpromote reads nbformat 4 (and upgrades 3).",
            hint="Open and re-save it in JupyterLab, or run: jupyter nbconvert --to notebook --inplace FILE",
            notebook=source,
        )
    _check_shape(data, source)
    if major == 4 and (data.get("nbformat_minor") or 0) >= 5 and isinstance(data.get("cells"), list):
        # A 4.5 notebook written without ids: nbformat would invent random ones on every read, so
        # `suggest-tags --write` could not find the cells it read a moment before. Stable ids instead.
        taken = {c.get("id") for c in data["cells"] if isinstance(c, dict) and c.get("id")}
        for index, cell in enumerate(data["cells"]):
            if isinstance(cell, dict) and not cell.get("id"):
                cell_id = f"cell-{index}"
                while cell_id in taken:
                    cell_id += "x"
                cell["id"] = cell_id
                taken.add(cell_id)
    try:
        if major >= 4 and isinstance(data.get("cells"), list):
            # Saved notebooks store sources/outputs as lists of lines; join them as nbformat.reads does.
            from nbformat.v4.rwbase import rejoin_lines

            data = rejoin_lines(nbformat.from_dict(data))
        if major < 4:
            # nbformat's reader rejoins v3's line lists before converting; from_dict would not.
            node = nbformat.reads(json.dumps(data), as_version=4)
        else:
            node = nbformat.from_dict(data)
        import warnings

        with warnings.catch_warnings():
            # Missing ids are expected in old notebooks; normalize() fills them in below.
            warnings.simplefilter("ignore")
            _changes, node = nbformat.validator.normalize(node)
            node = nbformat.from_dict(node)
        _ensure_cell_ids(node)
        nbformat.validate(node)
    except nbformat.ValidationError as exc:
        raise NotebookFormatError(
            f"{source} does not match the nbformat 4 schema: {exc.message}.",
            hint="Re-save it from JupyterLab, or fix the field named above.", notebook=source,
        ) from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise NotebookFormatError(
            f"{source} is a malformed notebook ({type(exc).__name__}: {exc}).",
            hint="Re-save it from JupyterLab.", notebook=source,
        ) from None
    return node


def _ensure_cell_ids(node: nbformat.NotebookNode) -> None:
    # nbformat >= 4.5 requires ids; older minor versions are bumped so the ids are valid.
    if node.get("nbformat_minor", 0) < 5:
        node["nbformat_minor"] = 5
    seen: set[str] = set()
    for index, cell in enumerate(node.cells):
        cell_id = cell.get("id")
        if not cell_id or cell_id in seen:
            cell_id = f"cell-{index}"
            while cell_id in seen:
                cell_id += "x"
            cell["id"] = cell_id
        seen.add(cell_id)


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """Read an .ipynb file as an nbformat 4 notebook.

    Parameters
    ----------
    path : str or Path
        The notebook file.

    Returns
    -------
    nbformat.NotebookNode
        The notebook, upgraded to nbformat 4 in memory and with every cell id present.

    Raises
    ------
    NotebookNotFoundError
        The file does not exist.
    NotebookFormatError
        Invalid JSON, an nbformat older than 3, or a schema violation; the message names the file.
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotebookNotFoundError(
            f"{source} does not exist.", hint="Check the path.", notebook=str(source)
        ) from None
    except IsADirectoryError:
        raise NotebookFormatError(
            f"{source} is a directory, not a notebook.", notebook=str(source)
        ) from None
    except UnicodeDecodeError:
        raise NotebookFormatError(
            f"{source} is not UTF-8 text, so it is not a notebook.", notebook=str(source)
        ) from None
    except PermissionError:
        raise NotebookFormatError(
            f"{source} is not readable (permission denied).", hint="Fix its permissions.",
            notebook=str(source),
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookFormatError(
            f"{source} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
            hint="The file may be truncated or hand-edited; restore it from version control or a checkpoint.",
            notebook=str(source),
        ) from None
    return notebook_from_dict(data, source=str(source))


def write_notebook(
    nb: nbformat.NotebookNode, path: str | Path, *, overwrite: bool = True
) -> Path:
    """Validate and write ``nb`` to ``path`` atomically (never half-written).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook to write.
    path : str or Path
        Destination.
    overwrite : bool, default=True
        When False and ``path`` exists, raise :class:`~nbpromote.errors.OutputExistsError`.
    """
    target = Path(path)
    if not overwrite and target.exists():
        raise OutputExistsError(
            f"{target} already exists.", hint="Pass --force to overwrite it.", path=str(target)
        )
    if target.exists() and not target.stat().st_mode & 0o222:
        # os.access says "writable" to root; the mode bits say what the owner meant.
        raise NotebookWriteError(
            f"Cannot write {target}: the file is read-only.",
            hint="Make it writable (chmod u+w) or write to another path with -o.", path=str(target),
            notebook=str(target),
        )
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise NotebookFormatError(
            f"Refusing to write {target}: the notebook is invalid ({exc.message}).",
            notebook=str(target),
        ) from None
    text = nbformat.writes(nb, version=4)
    return atomic_write_text(target, text if text.endswith("\n") else text + "\n")


def notebook_hash(nb: nbformat.NotebookNode) -> str:
    """Content hash of a notebook's *code*: cell types, sources and tags, not outputs or counts.

    Re-running a notebook or editing markdown-free metadata does not change it; editing code does.
    """
    import hashlib

    from .._io import canonical_json

    payload = [
        {
            "type": cell.get("cell_type"),
            "source": cell.get("source", ""),
            "tags": sorted(cell.get("metadata", {}).get("tags", [])),
        }
        for cell in nb.cells
    ]
    return "sha256:" + hashlib.sha256(canonical_json(payload).encode()).hexdigest()
