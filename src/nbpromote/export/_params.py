"""The ``parameters`` cell: plain assignments of literals become the pipeline's typed config.

papermill injects new values by adding a cell after the one tagged ``parameters``; the exported
pipeline takes the same names as its params (defaults from the cell, overridable with
``python -m NAME run --param k=v`` or a params file). Only literals are accepted (numbers, strings,
booleans, None, and lists/tuples/dicts/sets of them, including negative numbers): anything computed
would make the defaults depend on code the pipeline does not run, so it is refused with the line.

Relative paths in string params (``data_path = "data/credit.csv"``) are relative to the notebook's
directory. They are kept as written: the exported package copies small data files to the same
relative path inside the package, and the runtime resolves relative paths against the current
directory, naming the param when the file is missing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from ..errors import ParametersCellError
from ..notebook import CodeCell

__all__ = ["Param", "parse_parameters"]


@dataclass(frozen=True)
class Param:
    """One pipeline parameter: name, default value, type name and the cell line it came from."""

    name: str
    default: Any
    type: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "default": self.default, "type": self.type, "line": self.line}


def _type_name(value: Any) -> str:
    return "none" if value is None else type(value).__name__


def parse_parameters(cell: CodeCell, *, notebook: str | None = None) -> list[Param]:
    """Parse a ``parameters`` cell into typed params, in the cell's order.

    Parameters
    ----------
    cell : CodeCell
        The cell tagged ``parameters`` (or Kale's ``pipeline-parameters``).
    notebook : str or None, default=None
        Notebook name for error messages.

    Returns
    -------
    list of Param
        A later assignment of the same name replaces the earlier one (as running the cell would).

    Raises
    ------
    ParametersCellError
        The cell does not parse, or a statement is not ``name = <literal>``.

    Examples
    --------
    >>> from nbpromote.notebook import make_cell
    >>> [p.to_dict()["type"] for p in parse_parameters(make_cell(0, "a = 1\\nb: float = -0.5"))]
    ['int', 'float']
    """
    where = f"cell {cell.index + 1} (id {cell.cell_id})"
    if cell.tree is None:
        raise ParametersCellError(
            f"{where}: the parameters cell does not parse ({cell.syntax_error}).",
            hint="Fix the syntax; it must hold only `name = literal` lines.",
            notebook=notebook, cell=cell.index, cell_id=cell.cell_id,
        )
    params: dict[str, Param] = {}
    for stmt in cell.tree.body:
        line = stmt.lineno + cell.line_offset
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            continue  # a docstring-style comment
        targets: list[ast.expr]
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            raise ParametersCellError(
                f"{where}, line {line}: `{cell.source_line(stmt.lineno)}` is not an assignment; "
                "the parameters cell may hold only `name = literal` lines.",
                hint="Move this statement into a stage cell.",
                notebook=notebook, cell=cell.index, cell_id=cell.cell_id, line=line,
            )
        if not all(isinstance(t, ast.Name) for t in targets):
            raise ParametersCellError(
                f"{where}, line {line}: `{cell.source_line(stmt.lineno)}` assigns to something other "
                "than a plain name.", hint="Use one `name = literal` per line.",
                notebook=notebook, cell=cell.index, cell_id=cell.cell_id, line=line,
            )
        try:
            default = ast.literal_eval(value)
        except (ValueError, SyntaxError, TypeError):
            raise ParametersCellError(
                f"{where}, line {line}: the value of `{cell.source_line(stmt.lineno)}` is computed, "
                "not a literal, so it cannot be a pipeline parameter default.",
                hint="Write the value itself (a number, string, bool, None, list or dict), or move "
                "the computation into a stage cell.",
                notebook=notebook, cell=cell.index, cell_id=cell.cell_id, line=line,
            ) from None
        if isinstance(default, (set, frozenset)):
            default = sorted(default)
        for target in targets:
            name = target.id  # type: ignore[attr-defined]
            params.pop(name, None)
            params[name] = Param(name, default, _type_name(default), line)
    return list(params.values())
