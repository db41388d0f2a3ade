"""syntax-error: a cell that does not parse (after IPython's own input transformation)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register


def _parses_in_ipython(python: str) -> bool:
    # IPython runs top-level `await` (autoawait); plain ast.parse rejects it.
    if "await" not in python:
        return False
    try:
        compile(python, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | ast.PyCF_ONLY_AST)
    except (SyntaxError, ValueError):
        return False
    return True


def check(ctx: Context) -> Iterator[Finding]:
    for cell in ctx.cells:
        if cell.syntax_error is None or _parses_in_ipython(cell.python):
            continue
        error = cell.syntax_error
        line = (error.lineno or 1) + cell.line_offset if getattr(error, "lineno", None) else 1
        reason = getattr(error, "msg", None) or str(error)
        yield ctx.finding(
            cell.index, line,
            f"This cell does not parse ({reason}), so it cannot run and nothing in it was analysed.",
            "Fix the syntax error (or turn the cell into markdown if it is notes).",
        )


RULE = register(Rule("syntax-error", "error", "A code cell that does not parse.", check))
