"""hidden-state: a cell reads a name no earlier cell defines (defined later, deleted, or never).

Such a notebook only works in the kernel it was written in; a restart-and-run-all fails with a
NameError. Uses the per-cell name summary (:func:`nbpromote.notebook.cell_names`) that export shares.
After ``from x import *``, ``%run``, ``%store -r`` or ``exec``/``globals()`` the set of defined names
is unknowable, so "never defined" is not reported past them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register
from ...notebook import BUILTINS

_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "display", "_ih", "_oh", "_dh", "__session__"}


_OPAQUE_HINTS = ("*", "exec", "globals", "locals", "vars", "run_line_magic", "run_cell_magic")


def _opaque(cell) -> bool:
    if cell.tree is None or not any(hint in cell.python for hint in _OPAQUE_HINTS):
        return False
    for node in ast.walk(cell.tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in {"exec", "globals", "locals", "vars"}:
                return True
            if name in {"run_line_magic", "run_cell_magic"} and node.args and isinstance(node.args[0], ast.Constant) \
                    and node.args[0].value in {"run", "store", "load", "autoreload", "load_ext"}:
                return True
    return False


def _top_level_reads(tree) -> set[str]:
    """Names read outside function bodies (those run when the cell runs)."""
    out: set[str] = set()

    def visit(node) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            out.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def check(ctx: Context) -> Iterator[Finding]:
    cells = [c for c in ctx.cells if c.tree is not None]
    defined_later: dict[str, int] = {}
    for cell in reversed(cells):
        for name in ctx.names[cell.index].defines:
            defined_later[name] = cell.index
    defined: set[str] = set()
    deleted: dict[str, int] = {}
    opaque = False
    ever = set(defined_later)
    for cell in cells:
        names = ctx.names[cell.index]
        immediate = None
        for name, line in sorted(names.uses.items(), key=lambda kv: kv[1]):
            if name in defined or name in BUILTINS or name in _IPYTHON_NAMES or name.startswith("_"):
                continue
            if immediate is None:
                immediate = _top_level_reads(cell.tree)
            nested_only = name not in immediate
            later = defined_later.get(name)
            if name in deleted:
                message = f"'{name}' is used here but was deleted in cell {deleted[name]}, so this only works in a kernel that still remembers it."
                fix = f"Remove `del {name}` in cell {deleted[name]} or stop using '{name}' after it."
            elif later is not None and later > cell.index:
                if nested_only:
                    continue  # a function body reading a later global is fine if called later
                message = (f"'{name}' is only defined in cell {later}, below this one, so a restart-and-run-all "
                           "fails here with a NameError.")
                fix = f"Move the cell that defines '{name}' (cell {later}) above this one."
            elif name not in ever and not opaque:
                message = f"'{name}' is never defined in this notebook; it only exists in the kernel's hidden state."
                fix = f"Define or import '{name}' in a cell above this one."
            else:
                continue
            yield ctx.finding(cell.index, line + cell.line_offset, message, fix)
        if _opaque(cell):
            opaque = True
        defined |= set(names.defines)
        for name, line in names.deletes.items():
            defined.discard(name)
            deleted[name] = cell.index
        for name in names.defines:
            deleted.pop(name, None)


RULE = register(Rule("hidden-state", "error", "A cell uses a name defined only later, deleted, or never.", check))
